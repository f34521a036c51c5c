"""Figures of chapter 06: held-out EMG, error per direction, error vs. noise, unobserved muscles.

Each function draws what it is given (computes nothing: the chapter's figures draw the named
results of :mod:`ffhlib.generalization_summary`; the older helpers take means and intervals, e.g.
from :func:`ffhlib.inference.bootstrap_curve_interval`) and returns the figure or axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from . import force as _force
from . import similarity as _similarity
from ._style import NETWORK_COLORS, axes_or_new, category_ticks, log_if_spanning
from ._style import network_color as _color
from .legibility import COLUMN_WIDTH_IN as COLUMN

if TYPE_CHECKING:
    from ..generalization import UntrainedExample
    from ..generalization_summary import (
        InputNoise,
        LeaveOneOutSummary,
        TrainingNoise,
        UnobservedMuscles,
        UntrainedDirections,
    )

__all__ = [
    "NETWORK_COLORS",
    "plot_curves",
    "plot_error_per_direction",
    "plot_heldout_emg",
    "plot_input_noise",
    "plot_leave_one_out",
    "plot_paired_values",
    "plot_training_noise",
    "plot_unobserved",
    "plot_untrained",
    "plot_untrained_emg",
]

#: The same colours as chapter 05 (FF blue, FFH orange, SOC/targets near-black).


def plot_heldout_emg(time_ms, target, outputs: Mapping[str, np.ndarray], angles, *,
                     directions: Sequence[int] | None = None, muscles: Sequence[int] | None = None,
                     muscle_labels: Sequence[str] | None = None, title: str | None = None,
                     fig=None):
    """EMG on held-out directions: the ground truth against each network's output.

    Parameters
    ----------
    time_ms : array_like, shape (T,)
        Movement time (ms).
    target : ndarray, shape (C, T, M)
        Ground-truth EMG (arbitrary units, each muscle's maximum over angles is 1).
    outputs : mapping of str to ndarray, shape (C, T, M)
        Each network's output (e.g. ``{"FF": ..., "FFH": ...}``).
    angles : array_like, shape (C,)
        Reach angle of each direction (rad), for the column titles.
    directions, muscles : sequences of int, optional
        Which directions (columns) and muscles (rows) to draw; all by default.
    muscle_labels : sequence of str, optional
        Row labels (default ``muscle k``).
    title : str, optional
        Figure title (above the column titles).
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    target = np.asarray(target)
    time_ms = np.asarray(time_ms)
    angles = np.asarray(angles)
    directions = range(target.shape[0]) if directions is None else directions
    muscles = range(target.shape[2]) if muscles is None else muscles
    directions, muscles = list(directions), list(muscles)
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 1.0 * len(directions) + 0.8),
                                  1.2 * len(muscles) + 0.8))
    axes = fig.subplots(len(muscles), len(directions), sharex=True, sharey="row", squeeze=False)
    for i, k in enumerate(muscles):
        for j, c in enumerate(directions):
            ax = axes[i, j]
            ax.plot(time_ms, target[c, :, k], color=_color("target", 0), lw=1.6, label="target")
            for n, (name, out) in enumerate(outputs.items()):
                ax.plot(time_ms, np.asarray(out)[c, :, k], color=_color(name, n), lw=1.0,
                        label=name)
            if i == 0:
                ax.set_title(f"{np.degrees(angles[c]):.1f}°")
            if j == 0:
                label = muscle_labels[i] if muscle_labels is not None else f"muscle {k}"
                ax.set_ylabel(label)
            if i == len(muscles) - 1:
                ax.set_xlabel("time (ms)")
    axes[0, -1].legend(fontsize="small", frameon=False, loc="upper right")
    if title is not None:
        fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    return fig


def plot_error_per_direction(angles, summaries: Mapping[str, tuple], *, training_angles=None,
                             ylabel: str = "EMG error 1 − R²", ax=None):
    """Error per reach direction, mean over seeds with 95 % intervals.

    Parameters
    ----------
    angles : array_like, shape (C,)
        Tested directions (rad).
    summaries : mapping of str to (mean, low, high), each ndarray of shape (C,)
        For each network, the mean and the interval bounds (e.g.
        :func:`ffhlib.inference.bootstrap_curve_interval`).
    training_angles : array_like, optional
        Training directions (rad), marked as ticks on the x axis.
    ylabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes_or_new(ax, figsize=(5.5, 3.0))
    deg = np.degrees(np.asarray(angles))
    width = 0.8 * (np.min(np.diff(np.sort(deg))) if deg.size > 1 else 10.0) / max(len(summaries), 1)
    for n, (name, (mean, lo, hi)) in enumerate(summaries.items()):
        x = deg + (n - (len(summaries) - 1) / 2) * width
        mean, lo, hi = map(np.asarray, (mean, lo, hi))
        ax.bar(x, mean, width=width, color=_color(name, n), alpha=0.8, label=name)
        ax.errorbar(x, mean, yerr=[mean - lo, hi - mean], fmt="none", color="0.2", lw=0.8,
                    capsize=2)
    if training_angles is not None:
        for a in np.degrees(np.asarray(training_angles)):
            ax.axvline(a, color="0.8", lw=0.6, zorder=0)
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xticks(deg)
    ax.set_xticklabels([f"{d:.1f}" for d in deg], rotation=45, fontsize="small")
    ax.set_xlabel("reach direction (deg)")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_curves(x, summaries: Mapping[str, tuple], *, xlabel: str, ylabel: str, ax=None,
                logx: bool = False, ylim: tuple | None = None):
    """Metric vs. a swept parameter (e.g. input-noise std), mean over seeds with 95 % bands.

    Parameters
    ----------
    x : array_like, shape (V,)
        The swept values.
    summaries : mapping of str to (mean, low, high), each ndarray of shape (V,)
    xlabel, ylabel : str
        Axis labels, with units.
    ax : matplotlib Axes, optional
    logx : bool
        Symmetric-log x axis (keeps 0 visible).
    ylim : (float, float), optional
        y-axis limits (e.g. to keep an R² axis readable when one curve plunges; say so in the
        caption).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes_or_new(ax, figsize=(4.0, 3.0))
    x = np.asarray(x, dtype=float)
    for n, (name, (mean, lo, hi)) in enumerate(summaries.items()):
        color = _color(name, n)
        ax.plot(x, mean, "o-", color=color, ms=3, label=name)
        ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)
    if logx:
        positive = x[x > 0]
        ax.set_xscale("symlog", linthresh=float(positive.min()) if positive.size else 1.0)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_paired_values(values: Mapping[str, np.ndarray], *, ylabel: str, pairs=("FF", "FFH"),
                       ax=None):
    """Per-seed values of several networks side by side; the paired ones joined by lines.

    Parameters
    ----------
    values : mapping of str to ndarray, shape (n_seeds,)
        One value per seed for each network or baseline (e.g. held-out R² of the readout).
    ylabel : str
    pairs : (str, str)
        The two entries whose per-seed values are joined (same seed = same ground truth,
        observed subset and weights).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes_or_new(ax, figsize=(min(COLUMN, 0.9 * len(values) + 1.5), 3.0))
    names = list(values)
    for i, name in enumerate(names):
        v = np.asarray(values[name], dtype=float)
        ax.scatter(np.full(v.size, i), v, color=_color(name, i), s=14, zorder=3)
        ax.hlines(np.mean(v), i - 0.25, i + 0.25, color="0.1", lw=1.5, zorder=4)
    a, b = pairs
    if a in values and b in values:
        ia, ib = names.index(a), names.index(b)
        for va, vb in zip(values[a], values[b], strict=True):
            ax.plot([ia, ib], [va, vb], color="0.6", lw=0.6, zorder=2)
    category_ticks(ax, names, fontsize="small")
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylabel(ylabel)
    return ax


# ----------------------------------------------------------------------------- chapter 06


def plot_untrained(result: UntrainedDirections):
    """Error on the untrained directions: FF, FFH and the interpolation (left), and FFH − FF per
    ground truth with its network seeds as small dots (right).

    Parameters
    ----------
    result : :class:`ffhlib.generalization_summary.UntrainedDirections`

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN, 3.0), gridspec_kw={"width_ratios": [0.9, 1]})
    _similarity.plot_kinds(result.errors, ylabel="error on untrained directions, 1 − $R^2$",
                           ax=axes[0])
    log_if_spanning(axes[0], [s.per_ground_truth for s in result.errors.values()])
    _similarity.plot_ground_truth_effects(result.versus_ff, ylabel="FFH − FF, error", ax=axes[1],
                                          unit_values=result.unit_differences)
    fig.tight_layout()
    return fig


def plot_untrained_emg(example: UntrainedExample):
    """One unit's FF and FFH on untrained directions against the ground truth's EMG.

    Parameters
    ----------
    example : :class:`ffhlib.generalization.UntrainedExample`

    Returns
    -------
    matplotlib.figure.Figure
        One column per direction, one row per observed muscle.
    """
    return _force.plot_traces_grid(example.time_ms, example.target, example.outputs,
                                   example.angles, muscles=example.muscles)


def plot_leave_one_out(result: LeaveOneOutSummary, ax=None):
    """Error on the left-out direction of FF, FFH and the interpolation of its neighbours.

    Parameters
    ----------
    result : :class:`ffhlib.generalization_summary.LeaveOneOutSummary`
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    new = ax is None
    ax = axes_or_new(ax, figsize=(5, 3.2))
    _similarity.plot_kinds(result.errors, ylabel="error on the left-out direction", ax=ax)
    log_if_spanning(ax, [s.per_ground_truth for s in result.errors.values()])
    if new:
        ax.figure.tight_layout()
    return ax


def plot_unobserved(result: UnobservedMuscles):
    """Held-out R² of the readout of the unobserved muscles by kind (left) and against the ridge
    penalty (right; grey line: the penalty of the left panel).

    Parameters
    ----------
    result : :class:`ffhlib.generalization_summary.UnobservedMuscles`

    Returns
    -------
    matplotlib.figure.Figure
    """
    ylabel = "held-out $R^2$, unobserved muscles"
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN, 3.0))
    _similarity.plot_kinds(result.r2, ylabel=ylabel, ax=axes[0])
    _similarity.plot_summary_curves(result.penalties, result.by_penalty,
                                    xlabel="relative ridge penalty", ylabel=ylabel, ax=axes[1],
                                    logx=True, dots=True)
    axes[1].axvline(result.penalty, color="0.7", lw=0.8, zorder=0)
    _similarity.legend_outside(axes[1])
    fig.tight_layout()
    return fig


def plot_input_noise(result: InputNoise):
    """EMG error (left) and similarity with E (right) of FF and FFH against the input noise
    (grey line: the sigma quoted).

    Parameters
    ----------
    result : :class:`ffhlib.generalization_summary.InputNoise`

    Returns
    -------
    matplotlib.figure.Figure
    """
    xlabel = "input noise σ (input units)"
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN, 3.0))
    _similarity.plot_summary_curves(result.sigmas, result.errors, xlabel=xlabel,
                                    ylabel="EMG error, 1 − $R^2$", ax=axes[0], dots=True)
    log_if_spanning(axes[0], [s.mean for s in result.errors.values()])
    _similarity.plot_summary_curves(result.sigmas, result.cca, xlabel=xlabel,
                                    ylabel="mean canonical corr. with E", ax=axes[1], dots=True)
    for ax in axes:
        ax.axvline(result.sigma, color="0.7", lw=0.8, zorder=0)
    axes[1].legend(frameon=False, fontsize="small")
    fig.tight_layout()
    return fig


def plot_training_noise(result: TrainingNoise, ax=None):
    """Error on untrained directions of FF, FFH and the interpolation against the training noise
    (each ground truth as a dot where the curves have them).

    Parameters
    ----------
    result : :class:`ffhlib.generalization_summary.TrainingNoise`
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    new = ax is None
    ax = axes_or_new(ax, figsize=(6, 3.2))
    dots = all(c.per_ground_truth is not None for c in result.curves.values())
    _similarity.plot_summary_curves(result.values, result.curves, xlabel="training noise σ_train",
                                    ylabel="error on untrained directions", ax=ax, dots=dots)
    log_if_spanning(ax, [c.mean for c in result.curves.values()])
    _similarity.legend_outside(ax)
    if new:
        ax.figure.tight_layout()
    return ax
