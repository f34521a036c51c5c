"""Figures of gain modulation (chapter 3), in the book's convention (:mod:`.style`).

Each function draws given arrays and computes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, NullFormatter

from .legibility import COLUMN_WIDTH_IN as COLUMN
from .style import (
    COLORS,
    axes_or_new,
    direction_colors,
    direction_key,
    interval_band,
    line_kw,
    muscle_labels,
    seed_ticks,
    unit_dots,
)

__all__ = [
    "plot_emg_fit",
    "plot_fits_over_ground_truths",
    "plot_gain_fit_overview",
    "plot_gain_similarity",
    "plot_gains",
    "plot_learning_curve",
    "plot_learning_curves",
    "plot_r2_per_direction",
    "plot_soc_rates",
]


def plot_gains(gains, angles, n_excitatory: int | None = None, ax=None):
    """Learned gains as an image, directions x neurons.

    Parameters
    ----------
    gains : (C, N) array
    angles : (C,) array
        Reach angles (rad), used as row labels (degrees).
    n_excitatory : int, optional
        Draw the E/I boundary.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(COLUMN, 3.0), layout="constrained")
    gains = np.asarray(gains)
    n = gains.shape[1]
    spread = float(max(gains.max(), 1.0 / gains.min()))
    image = ax.imshow(gains, aspect="auto", cmap="RdBu_r", interpolation="nearest",
                      norm=LogNorm(vmin=1.0 / spread, vmax=spread),
                      extent=(0.5, n + 0.5, len(angles) - 0.5, -0.5))
    bar = ax.figure.colorbar(image, ax=ax, label="gain (log scale; white = 1)")
    nice = np.array([0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.4, 2.0, 3.0, 5.0, 10.0])
    bar.set_ticks(nice[(nice >= 1.0 / spread) & (nice <= spread)])
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    bar.ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(np.arange(len(angles)), [_degrees(a) for a in angles], fontsize="small")
    if n_excitatory is not None:
        ax.axvline(n_excitatory + 0.5, color="k", lw=1)
        for x, text in ((n_excitatory / 2, "excitatory"), ((n_excitatory + n) / 2, "inhibitory")):
            ax.text(x, 1.02, text, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize="small")
    ax.set_xlabel("SOC neuron")
    ax.set_ylabel("reach direction (deg)")
    return ax


def _degrees(angle: float) -> str:
    """An angle (rad) in degrees, with one decimal only where needed: 0, 22.5, 45."""
    return f"{np.degrees(angle):.1f}".removesuffix(".0")


def plot_soc_rates(time_ms, rates, angles, neurons, fig=None, *, key: bool = True):
    """Rates of a few SOC neurons during the movement, one line per direction (with its key).

    Parameters
    ----------
    time_ms : (T,) array
    rates : (C, T, N) array
        Rates (Hz).
    angles : (C,) array
        Reach angles (rad), colour of each line.
    neurons : sequence of int
        Neurons to show, one panel each.
    fig : matplotlib Figure, optional
    key : bool
        Draw the direction key beside the last panel.

    Returns
    -------
    matplotlib Figure
    """
    neurons = list(neurons)
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 1.5 * len(neurons) + 0.3), 2.4), layout="constrained")
    axes = fig.subplots(1, len(neurons), sharey=True, squeeze=False)[0]
    colors = direction_colors(angles)
    for ax, i in zip(axes, neurons, strict=True):
        for c in range(rates.shape[0]):
            ax.plot(time_ms, rates[c, :, i], color=colors[c], lw=1)
        ax.set_title(f"neuron {i + 1}")
        ax.set_xlabel("time (ms)")
    axes[0].set_ylabel("rate relative to baseline (Hz)")
    if key:
        direction_key(axes[-1], angles, bounds=(1.08, 0.25, 0.6, 0.6))
    return fig


def plot_emg_fit(time_ms, emg, emg_target, angles, fig=None, ncols: int = 5, *, key: bool = True):
    """The SOC's EMG (coloured by direction) over the GP targets (dashed), every muscle.

    One panel per muscle (``m1`` ...); directions are stacked vertically (offset 1 each, in the
    order given), with the direction key beside the top-right panel.

    Parameters
    ----------
    time_ms : (T,) array
    emg, emg_target : (C, T, M) arrays
    angles : (C,) array
        Reach angles (rad): line colour and the labels of the stacked rows (degrees).
    fig : matplotlib Figure, optional
    ncols : int
        Panels per row.
    key : bool
        Draw the direction key.

    Returns
    -------
    matplotlib Figure
    """
    C, _, M = emg.shape
    nrows = int(np.ceil(M / ncols))
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 1.5 * ncols + 0.3), 0.28 * C * nrows + 1.0),
                         layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    colors = direction_colors(angles)
    labels = muscle_labels(M)
    for k, ax in enumerate(axes):
        if k >= M:
            ax.set_visible(False)
            continue
        for c in range(C):
            ax.plot(time_ms, emg_target[c, :, k] + c, **line_kw("target", lw=1.6, alpha=0.55))
            ax.plot(time_ms, emg[c, :, k] + c, color=colors[c], lw=1)
        ax.set_title(labels[k])
        if k % ncols == 0:
            ax.set_yticks(np.arange(C))
            ax.set_yticklabels([_degrees(a) for a in angles], fontsize="small")
            ax.set_ylabel("direction (deg); EMG offset")
        if k >= M - ncols:
            ax.set_xlabel("time (ms)")
    if key:
        direction_key(axes[min(ncols, M) - 1], angles, bounds=(1.05, 0.45, 0.55, 0.55))
    return fig


def plot_learning_curve(r2_trace, ax=None):
    """Loss ``1 - R^2`` along gain learning (log scale).

    Parameters
    ----------
    r2_trace : (S + 1,) array
        R^2 before each optimizer step and after the last.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4, 3))
    ax.semilogy(np.arange(len(r2_trace)), 1.0 - np.asarray(r2_trace), color=COLORS["SOC"])
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("1 − R² (all directions, muscles, time)")
    return ax


def plot_learning_curves(traces: Mapping[int, np.ndarray], *, main=None, ax=None):
    """Unexplained variance ``1 - R^2`` along gain learning for several ground truths (log scale).

    Parameters
    ----------
    traces : mapping of int to array_like, shape (S + 1,)
        Ground truth (seed) -> R^2 before each optimizer step and after the last.
    main : int, optional
        The ground truth drawn thick (the one the chapter details).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4, 3))
    for seed, trace in traces.items():
        trace = np.asarray(trace)
        is_main = seed == main
        ax.plot(np.arange(trace.size), 1.0 - trace, color=COLORS["SOC"],
                lw=2.0 if is_main else 0.8, alpha=1.0 if is_main else 0.6,
                zorder=3 if is_main else 2, label=f"ground truth {seed}" if is_main else None)
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("1 − R² (all directions)")
    if main is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax


def plot_fits_over_ground_truths(angles_deg, unexplained, is_training, seeds, *, main=None,
                                 axes=None):
    """The final fit of every ground truth: per direction, and per ground truth.

    Parameters
    ----------
    angles_deg : array_like, shape (C,)
        Reach directions (degrees), the same for every ground truth.
    unexplained : array_like, shape (G, C)
        ``1 - R^2`` of each ground truth (row) and direction (column).
    is_training : array_like of bool, shape (C,)
        Training directions (filled markers); the others are intermediate (open markers).
    seeds : sequence of int, length G
        The ground truths' seeds (x axis of the right panel).
    main : int, optional
        The ground truth whose directions are joined by a line.
    axes : two matplotlib Axes, optional

    Returns
    -------
    (Axes, Axes)
        Left: ``1 - R^2`` against direction, a dot per ground truth and direction. Right: for each
        ground truth, every direction's ``1 - R^2`` as a dot. Log y axis (shared) when all
        values are positive.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(COLUMN, 2.8), layout="constrained",
                               gridspec_kw={"width_ratios": (1.6, 1)})
    left, right = axes
    angles_deg = np.asarray(angles_deg)
    unexplained = np.atleast_2d(np.asarray(unexplained, dtype=float))
    is_training = np.asarray(is_training, dtype=bool)
    order = np.argsort(angles_deg)
    seeds = list(seeds)
    for g, seed in enumerate(seeds):
        if seed == main:
            left.plot(angles_deg[order], unexplained[g, order], color=COLORS["SOC"], lw=1.6,
                      zorder=4, label=f"ground truth {seed}")
    for mask, fill, name in ((is_training, COLORS["SOC"], "training"),
                             (~is_training, "white", "intermediate")):
        x = np.broadcast_to(angles_deg[mask], (len(seeds), int(mask.sum())))
        left.scatter(x, unexplained[:, mask], s=13, facecolor=fill, edgecolor=COLORS["SOC"],
                     lw=0.8, zorder=3, alpha=0.85, label=f"{name} directions")
    left.set_xlabel("reach direction (deg)")
    left.set_ylabel("1 − R² (muscles × time)")
    left.set_xticks(np.arange(0, 361, 90))
    left.legend(frameon=False, fontsize="small", loc="best")
    for g in range(len(seeds)):
        unit_dots(right, g, unexplained[g], color=COLORS["SOC"], jitter=0.35, size=10,
                  force=True)
    seed_ticks(right, seeds)
    right.set_xlabel("ground truth (seed)")
    right.set_ylabel("1 − R² per direction")
    if np.all(unexplained > 0):          # an error measure: log scale, as in the learning curves
        for ax in (left, right):
            ax.set_yscale("log")
    right.sharey(left)
    return left, right


def plot_r2_per_direction(angles, r2_per_direction, is_training, ax=None):
    """R^2 of the SOC's EMG per direction, training and intermediate directions marked.

    Parameters
    ----------
    angles : (C,) array
        Reach angles (rad).
    r2_per_direction : (C,) array
    is_training : (C,) bool array
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4, 3))
    deg = np.degrees(angles)
    is_training = np.asarray(is_training, dtype=bool)
    r2_per_direction = np.asarray(r2_per_direction)
    ax.plot(deg[is_training], r2_per_direction[is_training], "o", color=COLORS["SOC"],
            label="training")
    ax.plot(deg[~is_training], r2_per_direction[~is_training], "o", mfc="white",
            color=COLORS["SOC"], label="intermediate")
    ax.set_xlabel("reach direction (deg)")
    ax.set_ylabel("R² of the SOC's EMG")
    ax.legend(frameon=False)
    return ax


def plot_gain_similarity(separation, correlation, ax=None, *, lo=None, hi=None, units=None):
    """Correlation of two directions' gain profiles against their angular distance.

    Parameters
    ----------
    separation : (S,) array
        Angular distance (rad).
    correlation : (S,) array
        The correlation (for several ground truths: their mean).
    ax : matplotlib Axes, optional
    lo, hi : (S,) arrays, optional
        A 95 % interval over ground truths, drawn as a band.
    units : (G, S) array, optional
        Each ground truth's correlation, drawn as dots (when G < 10).

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4, 3))
    deg = np.degrees(np.asarray(separation))
    if lo is not None and hi is not None:
        interval_band(ax, deg, correlation, lo, hi, color=COLORS["SOC"], marker="o", ms=3,
                      label="mean over ground truths")
    else:
        ax.plot(deg, correlation, "o-", color=COLORS["SOC"], ms=3)
    if units is not None:
        unit_dots(ax, deg, units, color=COLORS["SOC"], jitter=3.0, size=9)
    ax.axhline(0.0, color=COLORS["floor"], lw=0.8)
    ax.set_xlabel("angle between directions (deg)")
    ax.set_ylabel("correlation of gain profiles")
    return ax


def plot_gain_fit_overview(traces: Mapping[int, np.ndarray], angles_deg, unexplained,
                           is_training, seeds, *, main=None):
    """Chapter 3's fit figure: (a) the learning curves of every ground truth, (b) each ground
    truth's final fit per direction, (c) the same against reach direction.

    Parameters
    ----------
    traces : mapping of int to array_like, shape (S + 1,)
        :func:`plot_learning_curves`.
    angles_deg, unexplained, is_training, seeds
        :func:`plot_fits_over_ground_truths`.
    main : int, optional
        The ground truth drawn thick (a) and joined by a line (c).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplot_mosaic([["a", "b"], ["c", "c"]], figsize=(COLUMN, 5.2),
                                   layout="constrained",
                                   gridspec_kw={"width_ratios": (1.2, 1)})
    plot_learning_curves(traces, main=main, ax=axes["a"])
    plot_fits_over_ground_truths(angles_deg, unexplained, is_training, seeds, main=main,
                                 axes=(axes["c"], axes["b"]))
    for letter, ax in axes.items():
        ax.set_title(f"({letter})", loc="left", fontsize="medium")
    return fig
