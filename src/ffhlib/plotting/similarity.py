"""Figures of the study chapters: trajectories, measures per kind and ground truth, effects, sweeps.

Each function draws what it is given (summaries computed by :mod:`ffhlib.study` and
:mod:`ffhlib.stats`), in the book's colours and interval convention (:mod:`ffhlib.plotting.style`),
and returns the figure or axes.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .legibility import COLUMN_WIDTH_IN as COLUMN
from .style import (
    axes_or_new,
    category_ticks,
    color,
    direction_colors,
    direction_key,
    interval_band,
    interval_bar,
    line_kw,
    log_if_spanning,
    seed_ticks,
    unit_dots,
)

__all__ = [
    "DESIGN_PANEL_TEXT",
    "KIND_LABELS",
    "KIND_STYLE",
    "UNTRAINED_LABELS",
    "legend_outside",
    "plot_design_dots",
    "plot_designs",
    "plot_direction_sets",
    "plot_ground_truth_effects",
    "plot_kinds",
    "plot_pc_trajectories",
    "plot_seed_spread",
    "plot_similarity_by_dim",
    "plot_similarity_with_effects",
    "plot_summary_curves",
    "plot_training_similarity",
    "plot_trial_designs",
    "plot_untrained_similarity",
    "relabel_kinds",
]

#: How each kind of study row is named in figures.
KIND_LABELS = {"ff": "FF", "ffh": "FFH", "hints": "hints (observed neurons)",
               "floor": "floor (untrained)", "ceiling": "E: half vs half",
               "interpolation": "angular interpolation", "soc": "SOC (all neurons)",
               "oracle": "oracle",
               "e_interpolation": "E's own interpolation"}
#: The book-wide style name of each kind (the oracle is SOC neurons: the SOC's colour; E's own
#: interpolation a black reference line).
KIND_STYLE = {"ff": "FF", "ffh": "FFH", "hints": "hints", "floor": "floor", "ceiling": "ceiling",
              "interpolation": "interpolation", "soc": "SOC", "oracle": "SOC",
              "e_interpolation": "target"}
#: Labels of the kinds on the untrained directions (chapter 05): the recorded neurons there are
#: what no predictor has.
UNTRAINED_LABELS = {**KIND_LABELS, "interpolation": "interpolated recordings",
                    "hints": "recordings of the new conditions\n(available to no predictor)"}


def plot_pc_trajectories(latents: Mapping[str, np.ndarray], angles, *, fig=None):
    """Top-3 PC trajectories of several networks, side by side, one line per reach direction.

    Parameters
    ----------
    latents : mapping of str to ndarray, shape (C, T, 3)
        For each network ("SOC", "FF", "FFH"), its trajectories in its own top-3 principal
        components. Only shapes can be compared across panels: each has its own axes.
    angles : array_like, shape (C,)
        Reach direction of each condition (rad); sets the colour (with its key).
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    angles = np.asarray(angles)
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 2.0 * len(latents) + 0.9), 2.8))
    colors = direction_colors(angles)
    width = 0.86 / len(latents)
    for k, (name, Z) in enumerate(latents.items()):
        ax = fig.add_axes((0.01 + k * width, 0.02, width, 0.86), projection="3d")
        for c in range(Z.shape[0]):
            ax.plot(Z[c, :, 0], Z[c, :, 1], Z[c, :, 2], color=colors[c], lw=1.2)
            ax.scatter(*Z[c, 0, :3], color=colors[c], s=10, marker="o")
        ax.set_title(name, color=color(name) if name in ("SOC", "FF", "FFH") else "black")
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_ticklabels([])
        ax.set_xlabel("PC 1", labelpad=-12)
        ax.set_ylabel("PC 2", labelpad=-12)
        ax.set_zlabel("PC 3", labelpad=-12)
    direction_key(fig, angles, bounds=(0.885, 0.55, 0.11, 0.36))
    return fig


def plot_kinds(summaries: Mapping[str, object], *, ylabel: str, ax=None, pair=("ff", "ffh"),
               dots: bool = True):
    """One measure for several kinds: mean over ground truths with its 95 % interval, and each
    ground truth as a dot; the dots of one ground truth are joined between the ``pair`` kinds.

    Parameters
    ----------
    summaries : mapping of kind to :class:`ffhlib.study.KindSummary`
        In the order to draw (scalar summaries).
    ylabel : str
    ax : matplotlib Axes, optional
    pair : (str, str)
        Kinds whose per-ground-truth dots are joined (the paired comparison).
    dots : bool
        Draw the per-ground-truth dots (below the style's threshold of units).

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(5, 3.2))
    kinds = list(summaries)
    for x, kind in enumerate(kinds):
        s = summaries[kind]
        style = KIND_STYLE.get(kind, kind)
        interval_bar(ax, x + 0.12, s.mean, s.low, s.high, color=color(style))
        if dots:
            unit_dots(ax, x - 0.12, s.per_ground_truth, color=color(style), jitter=0.12)
    if all(k in summaries for k in pair) and dots:
        a, b = (summaries[k] for k in pair)
        xa, xb = kinds.index(pair[0]), kinds.index(pair[1])
        common = np.intersect1d(a.ground_truths, b.ground_truths)
        for g in common:
            ya = a.per_ground_truth[np.flatnonzero(a.ground_truths == g)[0]]
            yb = b.per_ground_truth[np.flatnonzero(b.ground_truths == g)[0]]
            ax.plot([xa - 0.12, xb - 0.12], [ya, yb], color="0.75", lw=0.7, zorder=1)
    category_ticks(ax, [KIND_LABELS.get(k, k) for k in kinds])
    ax.set_xlim(-0.5, len(kinds) - 0.5)
    ax.set_ylabel(ylabel)
    return ax


def plot_ground_truth_effects(summary, *, ylabel: str, ax=None, unit_values=None,
                              style: str = "FFH"):
    """Each ground truth's paired effect, and the mean over ground truths with its interval.

    Parameters
    ----------
    summary : :class:`ffhlib.inference.PairedComparison`
    ylabel : str
        What the difference is (e.g. "FFH − FF, mean canonical correlation").
    ax : matplotlib Axes, optional
    unit_values : mapping of ground truth to array, optional
        Each ground truth's per-network differences (with several network seeds), drawn as small
        dots beside its mean.
    style : str
        Colour name of the effect.

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(5, 3))
    c = color(style)
    groups = list(summary.groups)
    for x, (group, diff) in enumerate(zip(groups, summary.differences, strict=True)):
        ax.plot(x, diff, "o", color=c, ms=4)
        if unit_values is not None and group in unit_values and len(unit_values[group]) > 1:
            unit_dots(ax, x + 0.15, np.asarray(unit_values[group]), color=c, size=8,
                      force=True)
    x_all = len(groups) + 0.6
    lo, hi = summary.ci_diff
    if np.isfinite(lo) and np.isfinite(hi):
        interval_bar(ax, x_all, summary.mean_diff, lo, hi, color="black", ms=6)
    else:
        ax.plot(x_all, summary.mean_diff, "o", color="black", ms=6)
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    seed_ticks(ax, groups, extra={x_all: "all"})
    ax.set_xlabel("ground truth (seed)")
    ax.set_ylabel(ylabel)
    return ax


def plot_summary_curves(x, summaries: Mapping[str, object], *, xlabel: str, ylabel: str,
                        ax=None, dots: bool = False, logx: bool = False, labels=None):
    """Curves of a measure against a factor (d, a fraction, a noise level) for several kinds:
    mean over ground truths with its 95 % interval as a band.

    Parameters
    ----------
    x : array_like (K,)
    summaries : mapping of kind to :class:`ffhlib.study.KindSummary` (array summaries) or to a
        ``(mean, low, high)`` tuple of arrays
    xlabel, ylabel : str
    ax : matplotlib Axes, optional
    dots : bool
        Also draw each ground truth's values as dots (KindSummary only).
    logx : bool
    labels : mapping of kind to label, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(5, 3.2))
    x = np.asarray(x, dtype=float)
    labels = {**KIND_LABELS, **(labels or {})}
    for kind, s in summaries.items():
        style = KIND_STYLE.get(kind, kind)
        mean, low, high = (s.mean, s.low, s.high) if hasattr(s, "mean") else s
        kw = line_kw(style)
        interval_band(ax, x, mean, low, high, color=kw["color"], label=labels.get(kind, kind),
                      linestyle=kw["linestyle"], marker="o", ms=3)
        if dots and hasattr(s, "per_ground_truth"):
            unit_dots(ax, x, s.per_ground_truth, color=kw["color"], size=6)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


#: Marker of each trial design in side-by-side comparisons.
DESIGN_MARKERS = {"preparation": "o", "trial": "s"}
#: How each trial design is named in figures.
DESIGN_LABELS = {"preparation": "cue in preparation only", "trial": "cue held through movement"}


def plot_designs(summaries: Mapping[str, Mapping[str, object]], *, ylabel: str, ax=None):
    """One measure for several kinds under each trial design, side by side.

    Parameters
    ----------
    summaries : mapping of design to mapping of kind to :class:`ffhlib.study.KindSummary`
        The outer keys are trial designs ("preparation", "trial"); the inner order sets the x
        order. Each point is the mean over ground truths with its 95 % interval; filled markers
        for the first design, open ones for the second.
    ylabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(5, 3.2))
    designs = list(summaries)
    kinds = list(next(iter(summaries.values())))
    width = 0.36
    for j, design in enumerate(designs):
        offset = (j - (len(designs) - 1) / 2) * width
        for x, kind in enumerate(kinds):
            if kind not in summaries[design]:
                continue
            s = summaries[design][kind]
            c = color(KIND_STYLE.get(kind, kind))
            face = c if j == 0 else "white"
            interval_bar(ax, x + offset, s.mean, s.low, s.high, color=c,
                         fmt=DESIGN_MARKERS.get(design, "o"), mfc=face,
                         label=DESIGN_LABELS.get(design, design) if x == 0 else None)
    category_ticks(ax, [KIND_LABELS.get(k, k) for k in kinds])
    ax.set_xlim(-0.6, len(kinds) - 0.4)
    ax.set_ylabel(ylabel)
    return ax


def design_legend(fig, designs=tuple(DESIGN_MARKERS), extra=(), **kwargs):
    """A figure legend above ``fig`` keying the trial designs' markers (neutral grey: the colour
    is the kind's), followed by ``extra`` ``(handle, label)`` pairs.

    ``designs`` must be in the order given to :func:`plot_designs` (the first one filled)."""
    from matplotlib.lines import Line2D

    designs = list(designs)
    handles = [Line2D([], [], ls="", marker=DESIGN_MARKERS.get(d, "o"), color="0.35",
                      mfc="0.35" if j == 0 else "white")
               for j, d in enumerate(designs)]
    labels = [DESIGN_LABELS.get(d, d) for d in designs]
    for handle, label in extra:
        handles.append(handle)
        labels.append(label)
    kwargs = {"loc": "lower center", "bbox_to_anchor": (0.5, 1.0), "ncol": len(handles),
              "frameon": False, "fontsize": "small", **kwargs}
    return fig.legend(handles, labels, **kwargs)


def legend_outside(ax, **kwargs):
    """A frameless legend to the right of ``ax``."""
    return ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False,
                     fontsize="small", **kwargs)


# --- chapter 5's composed figures ----------------------------------------------------------------

def plot_similarity_with_effects(summaries: Mapping[str, object], effects, *,
                                 unit_values=None):
    """Left: the CCA with E of each kind (:func:`plot_kinds`); right: the paired effect FFH − FF
    of each ground truth and over all (:func:`plot_ground_truth_effects`).

    Parameters
    ----------
    summaries : mapping of kind to :class:`ffhlib.study.KindSummary`
    effects : :class:`ffhlib.inference.PairedComparison`
    unit_values : mapping of ground truth to array, optional
        Each ground truth's per-network differences.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN, 3.0), gridspec_kw={"width_ratios": [1.1, 1]})
    plot_kinds(summaries, ylabel="mean canonical correlation with E", ax=axes[0])
    plot_ground_truth_effects(effects, ylabel="FFH − FF, mean canonical corr. with E",
                              ax=axes[1], unit_values=unit_values)
    fig.tight_layout()
    return fig


def plot_similarity_by_dim(dims, summaries: Mapping[str, object], *, headline=None):
    """The CCA with E of each kind against the number d of PCA factors (:func:`plot_summary_curves`
    with the ground truths as dots), a grey line at the ``headline`` d, legend outside.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(COLUMN, 3.2))
    plot_summary_curves(dims, summaries, xlabel="number of PCA factors d",
                        ylabel="mean canonical correlation with E", ax=ax, dots=True)
    if headline is not None:
        ax.axvline(headline, color="0.7", lw=0.8, zorder=0)
    legend_outside(ax)
    fig.tight_layout()
    return fig


#: Panel title and y label of each measure of the trial-design figure.
DESIGN_PANEL_TEXT = {
    "offset_share": ("a. static offsets", "share of variance"),
    "cca_e": ("b. similarity with E", "mean canonical corr. with E"),
    "cca_nomean_e": ("c. direction means removed", "mean canonical corr. with E"),
    "gen_err": ("d. untrained directions", "error (1 − R²)"),
}


def plot_trial_designs(summaries: Mapping[str, Mapping[str, Mapping[str, object]]], *,
                       soc_offset_share: float, intervals: bool = True):
    """The trial designs side by side, one panel per measure (:func:`plot_designs`).

    Parameters
    ----------
    summaries : mapping of measure to mapping of design to mapping of kind to KindSummary
        The four measures of :data:`DESIGN_PANEL_TEXT`, in panel order.
    soc_offset_share : float
        The SOC's share of variance that is a static offset (a line in the offset panel).
    intervals : bool
        Draw each mean with its interval (:func:`plot_designs`); False: each ground truth as a
        dot and the mean as a short line, no interval (:func:`plot_design_dots`).

    Returns
    -------
    matplotlib.figure.Figure
        The error panel (``gen_err``) is on a log scale when its means span decades.
    """
    unknown = [m for m in summaries if m not in DESIGN_PANEL_TEXT]
    if unknown or len(summaries) != 4:
        raise ValueError(f"summaries must hold the four measures {tuple(DESIGN_PANEL_TEXT)}; "
                         f"got {tuple(summaries)}")
    fig, axes = plt.subplots(2, 2, figsize=(COLUMN, 5.4))
    extra, designs = [], []
    for ax, (measure, sums) in zip(axes.ravel(), summaries.items(), strict=True):
        title, label = DESIGN_PANEL_TEXT[measure]
        (plot_designs if intervals else plot_design_dots)(sums, ylabel=label, ax=ax)
        ax.set_title(title, loc="left", fontsize="medium")
        designs = list(sums)
        if measure == "offset_share":
            extra = [(ax.axhline(soc_offset_share, **line_kw("SOC", lw=1)), "SOC (panel a)")]
        if measure == "gen_err":
            log_if_spanning(ax, [s.mean for p in sums.values() for s in p.values()])
    fig.tight_layout()
    design_legend(fig, designs=designs, extra=extra)
    return fig


def plot_design_dots(summaries: Mapping[str, Mapping[str, object]], *, ylabel: str, ax=None):
    """As :func:`plot_designs`, without intervals: each ground truth as a dot and the mean over
    ground truths as a short horizontal line (for a comparison on too few ground truths to
    test).

    Parameters
    ----------
    summaries : mapping of design to mapping of kind to :class:`ffhlib.study.KindSummary`
    ylabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(5, 3.2))
    designs = list(summaries)
    kinds = list(next(iter(summaries.values())))
    width = 0.36
    for j, design in enumerate(designs):
        offset = (j - (len(designs) - 1) / 2) * width
        for x, kind in enumerate(kinds):
            if kind not in summaries[design]:
                continue
            s = summaries[design][kind]
            c = color(KIND_STYLE.get(kind, kind))
            values = np.asarray(s.per_ground_truth, dtype=float)
            xs = x + offset + np.linspace(-0.06, 0.06, values.size)
            ax.scatter(xs, values, s=14, marker=DESIGN_MARKERS.get(design, "o"), zorder=3,
                       color=c if j == 0 else "white", edgecolors=c, lw=0.9)
            ax.plot([x + offset - 0.13, x + offset + 0.13], [s.mean, s.mean], color=c, lw=1.6)
    category_ticks(ax, [KIND_LABELS.get(k, k) for k in kinds])
    ax.set_xlim(-0.6, len(kinds) - 0.4)
    ax.set_ylabel(ylabel)
    return ax


def relabel_kinds(ax, kinds, labels: Mapping[str, str]):
    """Set the x tick labels of a per-kind axis (:func:`plot_kinds`) from ``labels``."""
    kinds = list(kinds)
    ax.set_xticks(range(len(kinds)), [labels.get(k, KIND_LABELS.get(k, k)) for k in kinds],
                  rotation=25, ha="right")
    return ax


def _two_over_one(height: float, *, stacked: bool = False):
    """A column-wide figure: panels a and b side by side (or ``stacked``, for long tick labels),
    c below them at full width."""
    layout = [["a"], ["b"], ["c"]] if stacked else [["a", "b"], ["c", "c"]]
    fig, axes = plt.subplot_mosaic(layout, figsize=(COLUMN, height))
    return fig, [axes["a"], axes["b"], axes["c"]]


def plot_training_similarity(cca: Mapping[str, object], cca_cd: Mapping[str, object], effects,
                             *, unit_values=None):
    """Chapter 05 on the training directions: (a) the CCA with E of each kind, (b) the same on
    the condition-dependent part (:func:`plot_kinds`), (c) the paired effect FFH − FF of each
    ground truth and over all (:func:`plot_ground_truth_effects`).

    Parameters
    ----------
    cca, cca_cd : mapping of kind to :class:`ffhlib.study.KindSummary`
    effects : :class:`ffhlib.inference.PairedComparison`
        FFH − FF of the CCA with E.
    unit_values : mapping of ground truth to array, optional
        Each ground truth's per-network differences.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _two_over_one(5.6)
    for ax, sums, title in ((axes[0], cca, "a. all of the activity"),
                            (axes[1], cca_cd, "b. condition-dependent part")):
        plot_kinds(sums, ylabel="mean canonical correlation with E", ax=ax)
        ax.axhline(1.0, color="0.85", lw=0.8, zorder=0)
        ax.set_title(title, loc="left", fontsize="medium")
    plot_ground_truth_effects(effects, ylabel="FFH − FF, mean canonical corr. with E",
                              ax=axes[2], unit_values=unit_values)
    axes[2].set_title("c. paired effect, all of the activity", loc="left", fontsize="medium")
    fig.tight_layout()
    return fig


def plot_untrained_similarity(cca_cd: Mapping[str, object], cca: Mapping[str, object], effects,
                              *, labels: Mapping[str, str] | None = None):
    """Chapter 05 on the untrained directions: (a) the condition-dependent CCA with E of each
    kind, (b) the CCA of all of the activity, (c) the paired effect FFH − interpolated recordings
    (condition-dependent) of each ground truth and over all.

    The last kind of (a) and (b) (the recorded neurons in the new conditions, which no predictor
    has) is set apart by a vertical line.

    Parameters
    ----------
    cca_cd, cca : mapping of kind to :class:`ffhlib.study.KindSummary`
        In the order to draw, the same kinds.
    effects : :class:`ffhlib.inference.PairedComparison`
    labels : mapping of kind to str, optional
        Tick labels (default :data:`UNTRAINED_LABELS`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = UNTRAINED_LABELS if labels is None else labels
    fig, axes = _two_over_one(8.4, stacked=True)
    for ax, sums, title in ((axes[0], cca_cd, "a. condition-dependent part (primary)"),
                            (axes[1], cca, "b. all of the activity")):
        plot_kinds(sums, ylabel="mean canonical corr. with E", ax=ax,
                   pair=("interpolation", "ffh"))
        relabel_kinds(ax, sums, labels)
        ax.axvline(len(sums) - 1.5, color="0.6", lw=0.8, ls="--")
        ax.axhline(1.0, color="0.85", lw=0.8, zorder=0)
        ax.set_title(title, loc="left", fontsize="medium")
    plot_ground_truth_effects(effects, ylabel="FFH − interpolated recordings", ax=axes[2])
    axes[2].set_title("c. paired effect, condition-dependent", loc="left", fontsize="medium")
    fig.tight_layout()
    return fig


def plot_direction_sets(panels: Mapping[str, Mapping[str, Mapping[str, object]]]):
    """One measure per panel with all and with half the training directions side by side
    (:func:`plot_designs` with the sets of training directions as its "designs": filled markers
    for the first, open for the second).

    Parameters
    ----------
    panels : mapping of panel title to mapping of set label to mapping of kind to KindSummary
        The set labels (e.g. "all 8 training directions") key the legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, len(panels), figsize=(min(COLUMN, 3.0 * len(panels)), 3.2),
                             squeeze=False)
    sets = []
    for ax, (title, sums) in zip(axes[0], panels.items(), strict=True):
        plot_designs(sums, ylabel="mean canonical corr. with E" if ax is axes[0][0] else "",
                     ax=ax)
        relabel_kinds(ax, next(iter(sums.values())), UNTRAINED_LABELS)
        ax.axhline(1.0, color="0.85", lw=0.8, zorder=0)
        ax.set_title(title, loc="left", fontsize="medium")
        sets = list(sums)
    fig.tight_layout()
    handles = [Line2D([], [], ls="", marker="o", color="0.35", mfc="0.35" if j == 0 else "white")
               for j in range(len(sets))]
    fig.legend(handles, sets, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(sets),
               frameon=False, fontsize="small")
    return fig


#: Marker of each network seed in the network-seed figure (first, second, ...).
SEED_MARKERS = ("o", "s", "^", "D")


def plot_seed_spread(spreads: Mapping[str, object], titles: Mapping[str, str], *,
                     ylabel: str = "mean canonical correlation with E"):
    """Each network seed of each ground truth, for FF and FFH, one panel per measure.

    Parameters
    ----------
    spreads : mapping of measure to :class:`ffhlib.beyond_recordings.SeedSpread`
    titles : mapping of measure to panel title
    ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
        x: the ground truths; per ground truth, FF left and FFH right, one marker per seed,
        the seeds of one ground truth joined by a vertical line.
    """
    fig, axes = plt.subplots(1, len(spreads), figsize=(min(COLUMN, 3.0 * len(spreads)), 3.0),
                             squeeze=False)
    for ax, (measure, spread) in zip(axes[0], spreads.items(), strict=True):
        gts = list(spread.ground_truths)
        for j, (kind, values) in enumerate(spread.values.items()):
            c = color(KIND_STYLE.get(kind, kind))
            x = np.arange(len(gts)) + (j - (len(spread.values) - 1) / 2) * 0.25
            for g in range(len(gts)):
                ax.plot([x[g]] * values.shape[1], values[g], color=c, lw=0.8, alpha=0.6)
            for s in range(values.shape[1]):
                ax.scatter(x, values[:, s], color=c, s=16, zorder=3,
                           marker=SEED_MARKERS[s % len(SEED_MARKERS)],
                           label=f"{KIND_LABELS.get(kind, kind)}, seed {spread.seeds[s]}")
        seed_ticks(ax, gts)
        ax.set_xlabel("ground truth (seed)")
        ax.set_ylabel(ylabel)
        ax.set_title(titles.get(measure, measure), loc="left", fontsize="medium", wrap=True)
    legend_outside(axes[0][-1])
    fig.tight_layout()
    return fig
