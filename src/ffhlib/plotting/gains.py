"""Figures of gain modulation (chapter 3). Each function draws given arrays and computes nothing."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from ._style import axes_or_new

__all__ = [
    "plot_emg_fit",
    "plot_gain_similarity",
    "plot_gains",
    "plot_learning_curve",
    "plot_r2_per_direction",
    "plot_soc_rates",
]


def _direction_colors(angles):
    return plt.cm.hsv(np.mod(np.asarray(angles), 2 * np.pi) / (2 * np.pi))


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
    ax = axes_or_new(ax, figsize=(8, 3.2), layout="constrained")
    gains = np.asarray(gains)
    image = ax.imshow(gains, aspect="auto", cmap="RdBu_r", interpolation="nearest",
                      norm=LogNorm(vmin=gains.min(), vmax=gains.max()))
    ax.figure.colorbar(image, ax=ax, label="gain (log scale)")
    ax.set_yticks(np.arange(len(angles)))
    ax.set_yticklabels([f"{np.degrees(a):.1f}" for a in angles], fontsize="x-small")
    if n_excitatory is not None:
        ax.axvline(n_excitatory - 0.5, color="k", lw=1)
        ax.set_xticks([n_excitatory / 2, (n_excitatory + gains.shape[1]) / 2],
                      ["E", "I"], minor=True)
        ax.tick_params(axis="x", which="minor", length=0, pad=14)
    ax.set_xlabel("SOC neuron")
    ax.set_ylabel("reach direction (deg)")
    return ax


def plot_soc_rates(time_ms, rates, angles, neurons, fig=None):
    """Rates of a few SOC neurons during the movement, one line per direction.

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

    Returns
    -------
    matplotlib Figure
    """
    neurons = list(neurons)
    if fig is None:
        fig = plt.figure(figsize=(2.0 * len(neurons), 2.4), layout="constrained")
    axes = fig.subplots(1, len(neurons), sharey=True, squeeze=False)[0]
    colors = _direction_colors(angles)
    for ax, i in zip(axes, neurons, strict=True):
        for c in range(rates.shape[0]):
            ax.plot(time_ms, rates[c, :, i], color=colors[c], lw=1)
        ax.set_title(f"neuron {i}")
        ax.set_xlabel("time (ms)")
    axes[0].set_ylabel("rate (Hz)")
    return fig


def plot_emg_fit(time_ms, emg, emg_target, angles, fig=None, ncols: int = 5):
    """The SOC's EMG (solid) over the GP targets (dashed), every muscle and direction.

    One panel per muscle; directions are stacked vertically (offset 1 each, in the order given).

    Parameters
    ----------
    time_ms : (T,) array
    emg, emg_target : (C, T, M) arrays
    angles : (C,) array
        Reach angles (rad): line colour and the labels of the stacked rows (degrees).
    fig : matplotlib Figure, optional
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib Figure
    """
    C, _, M = emg.shape
    nrows = int(np.ceil(M / ncols))
    if fig is None:
        fig = plt.figure(figsize=(2.0 * ncols, 0.28 * C * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    colors = _direction_colors(angles)
    for k, ax in enumerate(axes):
        if k >= M:
            ax.set_visible(False)
            continue
        for c in range(C):
            ax.plot(time_ms, emg_target[c, :, k] + c, color="0.3", lw=2.2, ls=(0, (2, 1)))
            ax.plot(time_ms, emg[c, :, k] + c, color=colors[c], lw=1)
        ax.set_title(f"muscle {k}")
        if k % ncols == 0:
            ax.set_yticks(np.arange(C))
            ax.set_yticklabels([f"{np.degrees(a):.0f}" for a in angles], fontsize="x-small")
            ax.set_ylabel("direction (deg); EMG offset")
        if k >= M - ncols:
            ax.set_xlabel("time (ms)")
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
    ax.semilogy(np.arange(len(r2_trace)), 1.0 - np.asarray(r2_trace))
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("1 − R² (all directions, muscles, time)")
    return ax


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
    ax.plot(deg[is_training], r2_per_direction[is_training], "o", label="training")
    ax.plot(deg[~is_training], r2_per_direction[~is_training], "s", label="intermediate")
    ax.set_xlabel("reach direction (deg)")
    ax.set_ylabel("R² of the SOC's EMG")
    ax.legend(frameon=False)
    return ax


def plot_gain_similarity(separation, correlation, ax=None):
    """Correlation of two directions' gain profiles against their angular distance.

    Parameters
    ----------
    separation : (S,) array
        Angular distance (rad).
    correlation : (S,) array
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4, 3))
    ax.plot(np.degrees(separation), correlation, "o-")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("angle between directions (deg)")
    ax.set_ylabel("correlation of gain profiles")
    return ax
