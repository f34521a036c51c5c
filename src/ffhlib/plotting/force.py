"""Figures of the full-FORCE chapter: calibration, learning curves, EMG fits, hints.

Each function draws what it is given (computes nothing) and returns the figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .legibility import COLUMN_WIDTH_IN as COLUMN
from .style import color, direction_colors, direction_key, line_kw, muscle_labels

__all__ = ["plot_calibration", "plot_hint_reproduction", "plot_learning_curves",
           "plot_traces_grid"]


def plot_learning_curves(nets: Mapping, *, fig=None):
    """Learning curves of trained networks (``TrainedRNN``), one line per network.

    Left: R^2 of the noiseless network (no learning) on the training directions after each
    checkpoint. Right: the normalised error of ``J r`` against the target currents at the update
    steps of each pass (log scale).

    Parameters
    ----------
    nets : mapping of "FF"/"FFH" to TrainedRNN
    fig : matplotlib Figure, optional
    """
    if fig is None:
        fig = plt.figure(figsize=(COLUMN, 2.6))
    ax_r2, ax_cur = fig.subplots(1, 2)
    for name, net in nets.items():
        ax_r2.plot(net.curve_passes, net.r2_curve, "o-", ms=3, **line_kw(name, label=name))
        ax_cur.semilogy(np.arange(1, net.current_error.size + 1), net.current_error,
                        **line_kw(name, label=name))
    low = min(float(np.nanmin(n.r2_curve)) for n in nets.values())
    ax_r2.set(xlabel="training pass", ylabel="$R^2$ of the EMG (observed muscles)",
              ylim=(max(-0.5, low - 0.05), 1.0))
    ax_cur.set(xlabel="training pass", ylabel="normalised current error")
    ax_r2.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_traces_grid(time_ms, target, predictions: Mapping[str, np.ndarray], angles, *,
                     muscles, ylabel: str = "EMG (a.u.)", fig=None):
    """Targets and predictions, one panel per (muscle, direction).

    Parameters
    ----------
    time_ms : array (T,)
        ms from movement onset.
    target : array (C, T, M)
        The ground truth (black, dashed).
    predictions : mapping of "FF"/"FFH" to array (C, T, M)
    angles : array (C,)
        Reach directions (rad): column titles in degrees.
    muscles : sequence of int
        0-based indices of the M muscles (labelled m1-m10).
    ylabel : str
    fig : matplotlib Figure, optional
    """
    target = np.asarray(target)
    n_dir, _, n_ch = target.shape
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 0.62 * n_dir + 0.9), 1.0 * n_ch + 1.0))
    axes = fig.subplots(n_ch, n_dir, sharex=True, sharey="row", squeeze=False)
    labels = muscle_labels(list(muscles))
    for m in range(n_ch):
        for c in range(n_dir):
            ax = axes[m, c]
            ax.plot(time_ms, target[c, :, m], **line_kw("target", lw=1.2, label="ground truth"))
            for name, pred in predictions.items():
                ax.plot(time_ms, pred[c, :, m], **line_kw(name, lw=1.0, label=name))
            if m == 0:
                ax.set_title(f"{np.degrees(angles[c]):.0f}°", fontsize="small")
            if c == 0:
                ax.set_ylabel(labels[m], rotation=0, ha="right", va="center")
            ax.tick_params(labelsize=7)
    fig.supxlabel("time from movement onset (ms)", fontsize="small")
    fig.supylabel(ylabel, fontsize="small")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper right", ncol=len(names), frameon=False,
               fontsize="small")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def plot_hint_reproduction(time_ms, hints, reproduced, angles, neurons, *, neuron_labels,
                           fig=None):
    """Hinted SOC neurons (z-scored, dashed) and FFH's hint readout (solid), one panel each.

    Parameters
    ----------
    time_ms : array (T,)
    hints : array (C, T, K)
        z-scored SOC rates given as hints.
    reproduced : array (C, T, K)
        The network's hint readout.
    angles : array (C,)
        Reach directions (rad): line colour, with its key.
    neurons : sequence of int
        Which of the K hinted neurons to show.
    neuron_labels : sequence of str
        Panel titles (e.g. the SOC index of each neuron).
    fig : matplotlib Figure, optional
    """
    neurons = list(neurons)
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 1.3 * len(neurons) + 0.8), 2.4))
    axes = fig.subplots(1, len(neurons), sharey=True, squeeze=False)[0]
    colors = direction_colors(angles)
    for ax, k, label in zip(axes, neurons, neuron_labels, strict=True):
        for c in range(hints.shape[0]):
            ax.plot(time_ms, hints[c, :, k], "--", color=colors[c], lw=0.9)
            ax.plot(time_ms, reproduced[c, :, k], color=colors[c], lw=1.0, alpha=0.85)
        ax.set_title(textwrap.fill(str(label), 10), fontsize="small")  # "SOC neuron\n98"
        ax.set_xlabel("time (ms)")
    axes[0].set_ylabel("z-scored rate")
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    direction_key(fig, angles, bounds=(0.89, 0.45, 0.09, 0.45))
    return fig


def plot_calibration(evidence, chosen, *, fig=None):
    """The calibration of one trial design: the three steps of the rule, with what it chose.

    Parameters
    ----------
    evidence : :class:`ffhlib.calibration.CalibrationEvidence`
        Means over the calibration ground truths.
    chosen : :class:`ffhlib.calibration.CalibratedSettings`
    fig : matplotlib Figure, optional
    """
    if fig is None:
        fig = plt.figure(figsize=(COLUMN, 5.6))
    ax_fit, ax_gen, ax_gain, ax_pass = fig.subplots(2, 2).ravel()
    noise = evidence.noise
    ok = (noise["fit_r2"] >= evidence.min_fit_r2).to_numpy()
    sigma = noise["training_noise"].to_numpy()
    ax_fit.plot(sigma, noise["fit_r2"], "o-", **line_kw("FF", label="FF"))
    ax_fit.axhline(evidence.min_fit_r2, color="0.5", lw=0.8, ls="--")
    ax_fit.set(xlabel="training noise σ", ylabel="fit $R^2$ (training directions)")
    ax_gen.plot(sigma, noise["gen_err"], "-", **line_kw("FF"))
    ax_gen.plot(sigma[ok], noise["gen_err"].to_numpy()[ok], "o", color=color("FF"),
                label="fit above the threshold")
    ax_gen.plot(sigma[~ok], noise["gen_err"].to_numpy()[~ok], "o", mfc="white",
                color=color("FF"), label="fit below it")
    ax_gen.set(xlabel="training noise σ", ylabel="error, untrained directions")
    ax_gen.legend(frameon=False, fontsize="small")
    gains = evidence.gains
    ax_gain.plot(gains["hint_gain"], gains["fit_r2"], "o-", **line_kw("FFH", label="FFH"))
    ax_gain.axhline(evidence.min_fit_r2, color="0.5", lw=0.8, ls="--")
    ax_gain.set(xlabel="hint gain", ylabel="fit $R^2$ (training directions)")
    for name, curve in (("FF", evidence.curve_ff), ("FFH", evidence.curve_ffh)):
        ax_pass.plot(curve["passes"], curve["fit_r2"], "o-", ms=3, **line_kw(name, label=name))
    low = min(c["fit_r2"].iloc[1:].min() for c in (evidence.curve_ff, evidence.curve_ffh))
    ax_pass.set(xlabel="training pass", ylabel="fit $R^2$", ylim=(max(low - 0.02, 0.5), 1.0))
    ax_pass.legend(frameon=False, fontsize="small")
    for ax, value in ((ax_fit, chosen.training_noise), (ax_gen, chosen.training_noise),
                      (ax_gain, chosen.hint_gain), (ax_pass, chosen.n_passes)):
        ax.axvline(value, color="0.5", lw=0.8, ls=":")
    for ax, title in zip((ax_fit, ax_gen, ax_gain, ax_pass),
                         ("1a. FF's fit", "1b. FF on untrained directions", "2. hint gain (FFH)",
                          "3. passes"), strict=True):
        ax.set_title(title, fontsize="medium", loc="left")
    fig.tight_layout()
    return fig
