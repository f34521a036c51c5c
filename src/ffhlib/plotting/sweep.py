"""Figures of chapter 07: measures against the recorded fraction of neurons and the hint gain.

Each function draws a named result of :mod:`ffhlib.sweep_summary` (computes nothing) in the
book's colours and interval convention and returns the figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.ticker import NullFormatter

from .legibility import COLUMN_WIDTH_IN as COLUMN
from .similarity import KIND_LABELS, KIND_STYLE, legend_outside
from .style import (
    color,
    interval_band,
    line_kw,
    log_if_spanning,
    percent_log_axis,
    unit_dots,
)

if TYPE_CHECKING:
    from ..study import KindSummary
    from ..sweep import Curve
    from ..sweep_summary import BehaviourByFraction, GainComparison, SimilarityByFraction

__all__ = [
    "FRACTION_LABEL",
    "LABELS",
    "plot_flat_references",
    "plot_sweep_behaviour",
    "plot_sweep_gain",
    "plot_sweep_similarity",
]

#: The x label of every measure against the recorded fraction.
FRACTION_LABEL = "recorded neurons (% of the SOC)"

#: How this chapter's figures name each kind (the references by what they are).
LABELS = {**KIND_LABELS, "hints": "hints (the recorded neurons)",
          "ceiling": "two samples of unrecorded neurons",
          "oracle": "oracle (all SOC neurons but the scored half)"}


def plot_flat_references(ax, summaries: Mapping[str, KindSummary]) -> None:
    """Kinds that do not depend on the fraction as horizontal lines with their 95 % bands (no
    band where the interval is NaN: fewer than 3 ground truths).

    Parameters
    ----------
    ax : matplotlib Axes
    summaries : mapping of kind to scalar :class:`ffhlib.study.KindSummary`
    """
    for name, s in summaries.items():
        kw = line_kw(KIND_STYLE.get(name, name))
        if np.isfinite(s.low) and np.isfinite(s.high):
            ax.axhspan(s.low, s.high, color=kw["color"], alpha=0.12, lw=0)
        ax.axhline(s.mean, **kw, lw=1.2, label=LABELS.get(name, name))


def _curve(ax, name: str, c: Curve, capped=None) -> None:
    """A curve with its band; points in ``capped`` drawn open (no fair value there)."""
    kw = line_kw(KIND_STYLE[name])
    interval_band(ax, c.x, c.mean, c.low, c.high, color=kw["color"], label=LABELS[name],
                  linestyle=kw["linestyle"], marker="o", ms=3)
    if capped is not None and np.any(capped):
        ax.plot(c.x[capped], c.mean[capped], "o", ms=6, mfc="white", mec=kw["color"], zorder=4)
    unit_dots(ax, c.x, c.per_ground_truth, color=kw["color"], size=6)


def plot_sweep_similarity(result: SimilarityByFraction):
    """Similarity with E against the recorded fraction. Left: mean canonical correlation of FFH
    and of its hints (curves with bands), FF, the floor, two samples of unrecorded neurons and
    the oracle (lines with bands). Right: the same on the floor (0) to oracle (1) scale, ground
    truth by ground truth (values above 1 as they are), with the level and the fractions at which
    FFH and the recorded neurons alone reach it. The hints' points recorded from fewer neurons
    than d are drawn open.

    Parameters
    ----------
    result : :class:`ffhlib.sweep_summary.SimilarityByFraction`

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (raw, norm) = plt.subplots(1, 2, figsize=(COLUMN, 3.2))
    plot_flat_references(raw, result.flat)
    for name in ("hints", "ffh"):
        _curve(raw, name, getattr(result, name), result.capped if name == "hints" else None)
    raw.set_ylabel("mean canonical corr. with E")
    plot_flat_references(norm, result.normalized_flat)
    for name in ("hints", "ffh"):
        _curve(norm, name, result.normalized[name],
               result.capped if name == "hints" else None)
    crossing = result.crossing
    norm.axhline(crossing.level, color="0.5", lw=0.6, ls=":")
    norm.axhline(1.0, **line_kw("oracle", lw=0.8))
    norm.axhline(0.0, **line_kw("floor", lw=0.8))
    for c, name in ((crossing, "ffh"), (result.crossing_recordings, "hints")):
        if c.reached:
            norm.axvline(c.estimate, color=color(KIND_STYLE[name]), lw=0.8, ls=":")
    norm.text(result.ffh.x[0], crossing.level, f"{100 * crossing.level:g} % of floor → oracle",
              va="bottom", fontsize="small", color="0.35")
    norm.set_ylabel("normalised: floor 0, oracle 1")
    for ax in (raw, norm):
        percent_log_axis(ax, result.ffh.x)
        ax.set_xlabel(FRACTION_LABEL)
    fig.tight_layout()
    handles, labels = raw.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
               frameon=False, fontsize="small")
    return fig


def plot_sweep_behaviour(result: BehaviourByFraction):
    """FFH's error on untrained directions (left, with FF and the interpolation) and fit (right,
    with FF) against the recorded fraction; one legend above both panels.

    Parameters
    ----------
    result : :class:`ffhlib.sweep_summary.BehaviourByFraction`

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN, 3.0))
    panels = ((axes[0], result.gen, result.gen_flat, "error on untrained directions"),
              (axes[1], result.fit, {"ff": result.fit_ff}, "fit $R^2$ (training directions)"))
    for ax, c, flats, ylabel in panels:
        plot_flat_references(ax, flats)
        interval_band(ax, c.x, c.mean, c.low, c.high, color=color("FFH"), label="FFH",
                      marker="o", ms=3)
        unit_dots(ax, c.x, c.per_ground_truth, color=color("FFH"), size=6)
        percent_log_axis(ax, c.x)
        ax.set_xlabel(FRACTION_LABEL)
        ax.set_ylabel(ylabel)
    log_if_spanning(axes[0], np.r_[result.gen.mean, [s.mean for s in result.gen_flat.values()]])
    fig.tight_layout()
    handles, labels = axes[0].get_legend_handles_labels()  # every line of both panels is there
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(labels),
               frameon=False, fontsize="small")
    return fig


def plot_sweep_gain(result: GainComparison):
    """FFH's similarity with E against the hint gain, one shade per recorded fraction (lighter:
    fewer neurons): the mean over ground truths as a line, each ground truth as a dot (too few for
    an interval); FF as reference.

    Parameters
    ----------
    result : :class:`ffhlib.sweep_summary.GainComparison`

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(COLUMN, 3.2))
    gains = list(result.gains)
    shades = np.linspace(0.45, 1.0, len(result.fractions))
    base = np.asarray(to_rgb(color("FFH")))
    for j, (frac, shade) in enumerate(zip(result.fractions, shades, strict=True)):
        c_ = tuple(1 - shade * (1 - base))
        ax.plot(gains, result.means[j], color=c_, marker="o", lw=1.8,
                label=f"FFH, {100 * frac:g} % recorded")
        # too few ground truths for an interval: each one as a dot, spread around its gain
        width = 0.08 * np.log10(max(gains) / min(gains)) if len(gains) > 1 else 0.1
        for k, g in enumerate(gains):
            values = result.per_ground_truth[j][:, k]
            offsets = (np.linspace(-0.5, 0.5, values.size) if values.size > 1
                       else np.zeros(1)) * width
            ax.scatter(g * 10 ** offsets, values, s=14, color=c_, alpha=0.8, lw=0, zorder=3)
    ax.axhline(result.ff.mean, **line_kw("FF", label="FF"))
    ax.set_xscale("log")
    ax.set_xticks(gains, [f"{g:g}" for g in gains])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("hint gain")
    ax.set_ylabel("mean canonical corr. with E")
    legend_outside(ax)
    fig.tight_layout()
    return fig
