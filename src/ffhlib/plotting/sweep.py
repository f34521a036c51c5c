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
    from ..sweep_summary import BehaviourByFraction, GainComparison, SimilarityByFraction

__all__ = [
    "FRACTION_LABEL",
    "plot_flat_references",
    "plot_sweep_behaviour",
    "plot_sweep_gain",
    "plot_sweep_similarity",
]

#: The x label of every measure against the recorded fraction.
FRACTION_LABEL = "recorded neurons (% of the SOC)"


def plot_flat_references(ax, summaries: Mapping[str, KindSummary]) -> None:
    """Kinds that do not depend on the fraction as horizontal lines with their 95 % bands.

    Parameters
    ----------
    ax : matplotlib Axes
    summaries : mapping of kind to scalar :class:`ffhlib.study.KindSummary`
    """
    for name, s in summaries.items():
        kw = line_kw(KIND_STYLE[name])
        ax.axhspan(s.low, s.high, color=kw["color"], alpha=0.12, lw=0)
        ax.axhline(s.mean, **kw, lw=1.2, label=KIND_LABELS[name])


def plot_sweep_similarity(result: SimilarityByFraction):
    """Similarity with E against the recorded fraction: FFH and its hints as curves with bands,
    FF, the floor and the ceiling as references, the level and the fraction reaching it dotted.

    Parameters
    ----------
    result : :class:`ffhlib.sweep_summary.SimilarityByFraction`

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    plot_flat_references(ax, result.flat)
    for name, c in (("hints", result.hints), ("ffh", result.ffh)):
        kw = line_kw(KIND_STYLE[name])
        interval_band(ax, c.x, c.mean, c.low, c.high, color=kw["color"], label=KIND_LABELS[name],
                      linestyle=kw["linestyle"], marker="o", ms=3)
    crossing = result.crossing
    ax.axhline(result.level_value, color="0.5", lw=0.6, ls=":")
    ax.text(result.ffh.x[0], result.level_value, f"{100 * crossing.level:g} % of floor → ceiling",
            va="bottom", fontsize="x-small", color="0.35")
    if crossing.reached:
        ax.axvline(crossing.estimate, color="0.5", lw=0.6, ls=":")
    percent_log_axis(ax, result.ffh.x)
    ax.set_xlabel(FRACTION_LABEL)
    ax.set_ylabel("mean canonical corr. with E")
    legend_outside(ax)
    fig.tight_layout()
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
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.3))
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
    fewer neurons): the mean over ground truths thick, each ground truth thin; FF as reference.

    Parameters
    ----------
    result : :class:`ffhlib.sweep_summary.GainComparison`

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    gains = list(result.gains)
    shades = np.linspace(0.45, 1.0, len(result.fractions))
    base = np.asarray(to_rgb(color("FFH")))
    for j, (frac, shade) in enumerate(zip(result.fractions, shades, strict=True)):
        c_ = tuple(1 - shade * (1 - base))
        ax.plot(gains, result.means[j], color=c_, marker="o", lw=1.8,
                label=f"FFH, {100 * frac:g} % recorded")
        for values in result.per_ground_truth[j]:
            ax.plot(gains, values, color=c_, lw=0.6, alpha=0.6, marker=".", ms=4)
    ax.axhline(result.ff.mean, **line_kw("FF", label="FF"))
    ax.set_xscale("log")
    ax.set_xticks(gains, [f"{g:g}" for g in gains])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("hint gain")
    ax.set_ylabel("mean canonical corr. with E")
    legend_outside(ax)
    fig.tight_layout()
    return fig
