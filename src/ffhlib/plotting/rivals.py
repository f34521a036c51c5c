"""Chapter 09's figure: FFH, FF and the rivals side by side (computes nothing)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .style import category_ticks, color, interval_bar, log_if_spanning, unit_dots

__all__ = ["RIVAL_COLORS", "RIVAL_LABELS", "plot_rivals"]

#: One colour per network of chapter 09 (FF and FFH the book's; the rivals Okabe & Ito's
#: remaining hues and two muted ones).
RIVAL_COLORS = {"ffh": color("FFH"), "ff": color("FF"), "ff_tau": "#56B4E9",
                "ffh_tau": "#E69F00", "bptt": "#882255", "bptt_rec": "#44AA99",
                "pinned": "#B8A200"}
#: Tick labels.
RIVAL_LABELS = {"ffh": "FFH", "ff": "FF", "ff_tau": "FF, τ 200 ms", "ffh_tau": "FFH, τ 200 ms",
                "bptt": "BPTT", "bptt_rec": "BPTT + activity", "pinned": "data-constrained"}


def _kinds_panel(ax, summaries: Mapping[str, object], ylabel: str, title: str) -> None:
    kinds = list(summaries)
    for x, kind in enumerate(kinds):
        s = summaries[kind]
        interval_bar(ax, x + 0.12, s.mean, s.low, s.high, color=RIVAL_COLORS[kind])
        unit_dots(ax, x - 0.12, s.per_ground_truth, color=RIVAL_COLORS[kind], jitter=0.12)
    category_ticks(ax, [RIVAL_LABELS[k] for k in kinds])
    ax.set_xlim(-0.5, len(kinds) - 0.5)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize="medium")


def plot_rivals(primary: Mapping[str, object], secondary: Mapping[str, object],
                differences: Mapping[str, object], seconds: Mapping[str, np.ndarray], *,
                margin: float):
    """(a) The primary measure per network, (b) the secondary, (c) each rival minus FFH on the
    primary measure with the ±``margin`` band of "matches FFH", (d) training seconds per network.

    Parameters
    ----------
    primary, secondary : mapping of kind to :class:`ffhlib.summaries.KindSummary`
        In the order to draw; each ground truth a dot, the mean with its 95 % interval.
    differences : mapping of rival kind to :class:`ffhlib.inference.PairedComparison`
        Rival minus FFH, primary measure.
    seconds : mapping of kind to ndarray
        Training seconds of each network of the kind.
    margin : float

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(2, 2, figsize=(6.1, 6.6))
    _kinds_panel(axes[0, 0], primary, "cond.-dependent CCA with E, untrained",
                 "a. primary: untrained directions")
    _kinds_panel(axes[0, 1], secondary, "CCA with E, training directions",
                 "b. secondary: training directions")
    ax = axes[1, 0]
    rivals = list(differences)
    ax.axhspan(-margin, margin, color="0.9", zorder=0, label=f"± {margin:g}: matches FFH")
    ax.axhline(0.0, color="0.5", lw=0.8)
    for x, kind in enumerate(rivals):
        c = differences[kind]
        lo, hi = c.ci_diff
        interval_bar(ax, x + 0.12, c.mean_diff, lo, hi, color=RIVAL_COLORS[kind])
        unit_dots(ax, x - 0.12, c.differences, color=RIVAL_COLORS[kind], jitter=0.12)
    category_ticks(ax, [RIVAL_LABELS[k] for k in rivals])
    ax.set_xlim(-0.5, len(rivals) - 0.5)
    ax.set_ylabel("rival − FFH (primary)")
    ax.legend(loc="lower left", frameon=False, fontsize="small")
    ax.set_title("c. paired difference with FFH", loc="left", fontsize="medium")
    ax = axes[1, 1]
    kinds = list(seconds)
    for x, kind in enumerate(kinds):
        values = np.asarray(seconds[kind], dtype=float)
        unit_dots(ax, x, values, color=RIVAL_COLORS[kind], jitter=0.3, force=True)
        if values.size:
            ax.plot([x - 0.25, x + 0.25], [np.median(values)] * 2, color=RIVAL_COLORS[kind],
                    lw=2)
    if not log_if_spanning(ax, np.concatenate([np.asarray(seconds[k], dtype=float).ravel()
                                               for k in kinds] or [np.empty(0)]), decades=0.0):
        ax.set_ylim(bottom=0.0)
    category_ticks(ax, [RIVAL_LABELS[k] for k in kinds])
    ax.set_xlim(-0.5, len(kinds) - 0.5)
    ax.set_ylabel("training wall time per network (s)")
    ax.set_title("d. cost (line: median)", loc="left", fontsize="medium")
    fig.tight_layout()
    return fig
