"""Figures of chapter 04: learning curves, EMG fits, hint reproduction, unobserved muscles.

Each function draws what it is given (computes nothing) and returns the figure or axes.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from ._style import NETWORK_COLORS
from ._style import network_color as _color

__all__ = ["plot_hint_reproduction", "plot_learning_curves", "plot_traces_grid"]


def plot_learning_curves(nets: Mapping, *, fig=None):
    """Learning curves of trained networks (``TrainedRNN``), one line per network.

    Left: R^2 of the noiseless network (no learning) on the training directions after each
    checkpoint (``curve_passes``, ``r2_curve``). Right: the normalised error of ``J r`` against the
    target currents at the update steps of each pass (``current_error``, log scale).

    Parameters
    ----------
    nets : mapping of str to TrainedRNN
        e.g. ``{"FF": ff, "FFH": ffh}``.
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if fig is None:
        fig = plt.figure(figsize=(8, 2.8))
    ax_r2, ax_cur = fig.subplots(1, 2)
    for k, (name, net) in enumerate(nets.items()):
        color = _color(name, k)
        ax_r2.plot(net.curve_passes, net.r2_curve, "o-", ms=3, color=color, label=name)
        ax_cur.semilogy(np.arange(1, net.current_error.size + 1), net.current_error, color=color,
                        label=name)
    ax_r2.set(xlabel="training pass", ylabel="output $R^2$ (observed muscles)",
              title="noiseless network after each pass")
    ax_r2.set_ylim(max(-0.5, min(float(np.nanmin(n.r2_curve)) for n in nets.values()) - 0.05), 1.0)
    ax_cur.set(xlabel="training pass", ylabel="normalised current error",
               title="$J r$ vs target currents (online)")
    ax_r2.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_traces_grid(time_ms, target, predictions: Mapping[str, np.ndarray], angles, *,
                     channel_labels=None, ylabel: str = "EMG (a.u.)", fig=None):
    """Targets and predictions, one panel per (channel, direction).

    Parameters
    ----------
    time_ms : array (T,)
        ms from movement onset.
    target : array (C, T, M)
        Drawn as a dashed dark line.
    predictions : mapping of str to array (C, T, M)
        One coloured line per entry (e.g. "FF", "FFH").
    angles : array (C,)
        Reach directions (rad), used in the column titles.
    channel_labels : sequence of str, optional
        Row labels (e.g. muscle numbers).
    ylabel : str
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    target = np.asarray(target)
    n_dir, _, n_ch = target.shape
    if fig is None:
        fig = plt.figure(figsize=(1.25 * n_dir + 0.8, 1.05 * n_ch + 0.9))
    axes = fig.subplots(n_ch, n_dir, sharex=True, sharey="row", squeeze=False)
    labels = channel_labels if channel_labels is not None else [str(m) for m in range(n_ch)]
    for m in range(n_ch):
        for c in range(n_dir):
            ax = axes[m, c]
            ax.plot(time_ms, target[c, :, m], "--", color=NETWORK_COLORS["target"], lw=1.2,
                    label="target")
            for k, (name, pred) in enumerate(predictions.items()):
                ax.plot(time_ms, pred[c, :, m], color=_color(name, k), lw=1.0, label=name)
            if m == 0:
                ax.set_title(f"{np.degrees(angles[c]):.0f}°")
            if c == 0:
                ax.set_ylabel(f"{labels[m]}", rotation=0, ha="right", va="center")
            ax.tick_params(labelsize=6)
    fig.supxlabel("time from movement onset (ms)", fontsize="small")
    fig.supylabel(ylabel, fontsize="small")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper right", ncol=len(names), frameon=False,
               fontsize="small")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def plot_hint_reproduction(time_ms, hints, reproduced, angles, neurons, *, neuron_labels=None,
                           fig=None):
    """Hinted SOC neurons (z-scored) and the FFH hint readout, one panel per neuron.

    Parameters
    ----------
    time_ms : array (T,)
    hints : array (C, T, K)
        z-scored SOC rates given as hints.
    reproduced : array (C, T, K)
        The network's hint readout.
    angles : array (C,)
        Reach directions (rad): line colour (cyclic map).
    neurons : sequence of int
        Which of the K hinted neurons to show.
    neuron_labels : sequence of str, optional
        Panel titles (e.g. the SOC index of each neuron).
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    neurons = list(neurons)
    if fig is None:
        fig = plt.figure(figsize=(2.0 * len(neurons), 2.4))
    axes = fig.subplots(1, len(neurons), sharey=True, squeeze=False)[0]
    cmap = plt.get_cmap("hsv")
    for ax, k, i in zip(axes, neurons, range(len(neurons)), strict=True):
        for c in range(hints.shape[0]):
            color = cmap((angles[c] % (2 * np.pi)) / (2 * np.pi))
            ax.plot(time_ms, hints[c, :, k], "--", color=color, lw=0.9)
            ax.plot(time_ms, reproduced[c, :, k], color=color, lw=1.0, alpha=0.8)
        ax.set_title(neuron_labels[i] if neuron_labels is not None else f"hint {k}")
        ax.set_xlabel("time (ms)")
    axes[0].set_ylabel("z-scored rate")
    fig.suptitle("dashed: SOC neuron (hint); solid: FFH hint readout; colour: direction",
                 fontsize="small")
    fig.tight_layout()
    return fig
