"""Figures of the mechanisms chapter: jPC planes, rotational strength, linearised spectra,
dynamical similarity and the untrained task variants.

Each function draws what it is given (computes nothing); given no axes, it makes its own figure
(laid out tightly) and returns what it drew on.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .legibility import COLUMN_WIDTH_IN as COLUMN
from .similarity import plot_ground_truth_effects, plot_kinds, plot_summary_curves
from .style import category_ticks, color, direction_colors, direction_key, log_if_spanning
from .sweep import LABELS

__all__ = ["DSA_LABEL", "plot_dsa", "plot_jpc_planes", "plot_rotation", "plot_spectra",
           "plot_task_variants"]


def plot_jpc_planes(projections: Mapping[str, np.ndarray], angles, *, fig=None):
    """Each activity's trajectories in its first jPC plane, one line per reach direction.

    Parameters
    ----------
    projections : mapping of "SOC"/"FF"/"FFH" to ndarray (C, T, 2)
        The projections onto the first jPC plane (oriented so the rotation runs
        counter-clockwise).
    angles : array (C,)
        Reach directions (rad): the colours, with their key.
    fig : matplotlib Figure, optional
    """
    angles = np.asarray(angles)
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 2.0 * len(projections) + 0.8), 2.6))
    axes = fig.subplots(1, len(projections), squeeze=False)[0]
    colors = direction_colors(angles)
    for ax, (name, P) in zip(axes, projections.items(), strict=True):
        for c in range(P.shape[0]):
            ax.plot(P[c, :, 0], P[c, :, 1], color=colors[c], lw=1.1)
            ax.plot(P[c, 0, 0], P[c, 0, 1], "o", color=colors[c], ms=3)
        ax.set_title(name, color=color(name))
        ax.set_xlabel("jPC 1")
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_ylabel("jPC 2")
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    direction_key(fig, angles, bounds=(0.89, 0.45, 0.09, 0.45))
    return fig


def plot_spectra(spectra: Mapping[str, np.ndarray], *, ax=None, xlim=None):
    """Leading eigenvalues (s^-1) of linearised dynamics in the complex plane.

    Parameters
    ----------
    spectra : mapping of "SOC"/"FF"/"FFH" to complex ndarray (any shape)
        Eigenvalues in s^-1 (all directions pooled).
    ax : matplotlib Axes, optional
    xlim : (float, float), optional

    Returns
    -------
    matplotlib Axes
    """
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(6, 3.8))
    markers = {"SOC": "o", "FF": "s", "FFH": "^"}
    for name, eig in spectra.items():
        eig = np.asarray(eig).ravel()
        eig = eig[np.isfinite(eig)]
        ax.scatter(eig.real, eig.imag / (2 * np.pi), s=12, marker=markers.get(name, "o"),
                   facecolor="none", edgecolor=color(name), lw=0.8, label=name)
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("real part (s$^{-1}$)")
    ax.set_ylabel("imaginary part / 2π (Hz)")
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.legend(frameon=False, fontsize="small")
    if new:
        ax.figure.tight_layout()
    return ax


def plot_rotation(strength: Mapping[str, object], *, ax=None):
    """Rotational strength of jPCA of each kind: mean over ground truths with its 95 % interval
    and each ground truth as a dot (:func:`ffhlib.plotting.similarity.plot_kinds`).

    Parameters
    ----------
    strength : mapping of kind to :class:`ffhlib.study.KindSummary`
        In the order to draw (e.g. floor, FF, FFH, SOC).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(5, 3.2))
    plot_kinds(strength, ylabel="rotational strength $R^2_{skew}/R^2_{full}$", ax=ax)
    if new:
        ax.figure.tight_layout()
    return ax


#: What the DSA distance is (ffhlib.mechanisms.dsa_distance): the Frobenius distance, minimised
#: over orthogonal changes of basis, between the fitted one-step linear operators of the
#: delay-embedded principal components; operators are maps per time step, so it is unitless.
DSA_LABEL = ("DSA distance to E\n" r"$\min_C\,\Vert A - C B C^{T}\Vert_F$"
             " (one-step operators, unitless)")


def plot_dsa(distance: Mapping[str, object], comparison, unit_differences=None, *, axes=None):
    """Dynamical similarity: each kind's distance to the evaluation neurons (left) and the paired
    FFH - FF difference per ground truth and over all (right).

    Parameters
    ----------
    distance : mapping of kind to :class:`ffhlib.study.KindSummary`
        DSA distance of each kind (e.g. floor, FF, FFH, hints, two samples of unrecorded
        neurons, oracle), in the order to draw (the references named as in
        :data:`ffhlib.plotting.sweep.LABELS`).
    comparison : :class:`ffhlib.inference.PairedComparison`
        FFH - FF over ground truths.
    unit_differences : mapping of ground truth to array, optional
        Each ground truth's per-network differences, drawn as small dots.
    axes : two matplotlib Axes, optional

    Returns
    -------
    (Axes, Axes)
    """
    new = axes is None
    if new:
        # stacked: the kinds' long names need the column's width
        _, axes = plt.subplots(2, 1, figsize=(COLUMN, 6.0), gridspec_kw={"height_ratios": [1.3, 1]})
    plot_kinds(distance, ylabel=DSA_LABEL, ax=axes[0])
    category_ticks(axes[0], [LABELS.get(k, k) for k in distance])
    plot_ground_truth_effects(comparison, ylabel="FFH − FF, DSA distance (unitless)",
                              ax=axes[1],
                              unit_values=unit_differences)
    if new:
        axes[0].figure.tight_layout()
    return axes[0], axes[1]


def plot_task_variants(delays_ms, delay_error: Mapping[str, object],
                       switch_error: Mapping[str, object], *, trained_delay_ms: float,
                       ignore_error: float, axes=None):
    """The untrained task variants: error against the preparatory period (left) and with the cue
    switched (right).

    Parameters
    ----------
    delays_ms : array_like (D,)
        Preparatory periods (ms).
    delay_error : mapping of kind to :class:`ffhlib.study.KindSummary` (arrays of length D)
        EMG error at each period: a line with its 95 % band per kind, each ground truth a dot.
    switch_error : mapping of kind to :class:`ffhlib.study.KindSummary`
        EMG error with the cue switched.
    trained_delay_ms : float
        The trained period (grey vertical line).
    ignore_error : float
        The error of ignoring the switch (dashed horizontal line).
    axes : two matplotlib Axes, optional

    Returns
    -------
    (Axes, Axes)
        Each y axis is logarithmic when its values span decades.
    """
    new = axes is None
    if new:
        _, axes = plt.subplots(1, 2, figsize=(COLUMN, 3.0), gridspec_kw={"width_ratios": [1.3, 1]})
    left, right = axes
    plot_summary_curves(delays_ms, delay_error, xlabel="preparatory period (ms)",
                        ylabel="EMG error, 1 − $R^2$", ax=left, dots=True)
    left.axvline(trained_delay_ms, color="0.6", lw=0.8, zorder=0)
    log_if_spanning(left, [c.mean for c in delay_error.values()])
    left.legend(frameon=False, fontsize="small")
    plot_kinds(switch_error, ylabel="EMG error, cue switched", ax=right)
    right.axhline(ignore_error, color="0.5", ls="--", lw=0.8)
    right.annotate("ignoring the switch", (0.5, ignore_error), xycoords=("axes fraction", "data"),
                   ha="center", va="bottom", fontsize="small", color="0.4")
    log_if_spanning(right, [ignore_error] + [s.mean for s in switch_error.values()])
    if new:
        left.figure.tight_layout()
    return left, right
