"""Figures of chapters 01-02: EMG targets, SOC optimisation, spectra, transient amplification.

Each function draws what it is given (computes nothing) and returns the figure or axes, in the
book's convention (:mod:`ffhlib.plotting.style`).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .legibility import COLUMN_WIDTH_IN as COLUMN
from .style import COLORS, axes_or_new, muscle_labels, threshold_kw

__all__ = [
    "plot_abscissa_trace",
    "plot_angle_scale_sensitivity",
    "plot_eigenvalues",
    "plot_emg_grid",
    "plot_emg_polar_tuning",
    "plot_emg_tuning",
    "plot_optimisation_variants",
    "plot_transient_amplification",
    "plot_weight_matrix",
]

#: Colours and line styles of compared settings that are not networks (e.g. optimiser variants).
_VARIANT_STYLES = (("#000000", "-"), ("#E69F00", "--"), ("#56B4E9", "-."),
                   ("#CC79A7", (0, (3, 1, 1, 1, 1, 1))), ("#009E73", (0, (8, 2))))


def plot_emg_grid(time_ms, emg, angles, *, extra_emg=None, extra_angles=None, fig=None,
                  max_muscles=None):
    """EMG as a grid: one row per muscle, one column per reach direction.

    Parameters
    ----------
    time_ms : array_like, shape (T,)
        Time from movement onset (ms).
    emg : array_like, shape (C, T, M)
        EMG of the C directions in ``angles`` (solid lines).
    angles : array_like, shape (C,)
        Reach angles (rad), one column each (titles in degrees).
    extra_emg : array_like, shape (C2, T, M), optional
        EMG at other directions (e.g. intermediate ones), drawn dashed in the column of the
        nearest angle of ``angles`` that is smaller (counter-clockwise neighbour).
    extra_angles : array_like, shape (C2,), optional
    fig : matplotlib Figure, optional
    max_muscles : int, optional
        Draw only the first ``max_muscles`` muscles.

    Returns
    -------
    matplotlib.figure.Figure
    """
    time_ms, emg, angles = np.asarray(time_ms), np.asarray(emg), np.asarray(angles)
    n_cond, _, n_mus = emg.shape
    if max_muscles is not None:
        n_mus = min(n_mus, max_muscles)
    if fig is None:
        width = min(COLUMN, 0.66 * n_cond + 0.8)   # drawn for the text column
        fig = plt.figure(figsize=(width, 0.62 * n_mus + 1.2), layout="constrained")
    axes = fig.subplots(n_mus, n_cond, sharex=True, sharey=True, squeeze=False)
    col_of_extra = []
    if extra_emg is not None:
        ext = np.mod(np.asarray(extra_angles), 2 * np.pi)
        base = np.mod(angles, 2 * np.pi)
        col_of_extra = [int(np.argmin(np.mod(e - base, 2 * np.pi))) for e in ext]
    labels = muscle_labels(n_mus)
    for k in range(n_mus):
        for c in range(n_cond):
            ax = axes[k, c]
            ax.plot(time_ms, emg[c, :, k], color=COLORS["target"], lw=1.1,
                    label="training direction")
            for j, col in enumerate(col_of_extra):
                if col == c:
                    ax.plot(time_ms, np.asarray(extra_emg)[j, :, k], color=COLORS["interpolation"],
                            lw=1.0, ls="--", label="intermediate direction")
            ax.set_yticks([])
            if k == 0:
                ax.set_title(f"{np.rad2deg(angles[c]):.0f}°")
            if c == 0:
                ax.set_ylabel(labels[k], rotation=0, ha="right", va="center")
            if k == n_mus - 1:
                ax.set_xticks([0, time_ms[-1]])
    fig.supxlabel("time from movement onset (ms)")
    fig.supylabel("EMG (each muscle's maximum = 1)")
    handles, names = axes[0, 0].get_legend_handles_labels()
    if extra_emg is not None:
        fig.legend(handles, names, loc="outside upper center", ncol=2, frameon=False,
                   fontsize="small")
    return fig


def plot_emg_tuning(angles, mean_emg, training_angles, training_mean, *, fig=None, ncols=5):
    """Directional tuning of every muscle's mean EMG, one polar panel per muscle.

    Parameters
    ----------
    angles : array_like, shape (C,)
        A dense set of reach angles (rad): the line.
    mean_emg : array_like, shape (C, M)
        Each muscle's EMG averaged over the movement, at ``angles`` (dimensionless).
    training_angles : array_like, shape (C_train,)
        The training directions (rad): dots.
    training_mean : array_like, shape (C_train, M)
    fig : matplotlib Figure, optional
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    mean_emg, training_mean = np.asarray(mean_emg), np.asarray(training_mean)
    n_mus = mean_emg.shape[1]
    nrows = int(np.ceil(n_mus / ncols))
    if fig is None:
        fig = plt.figure(figsize=(min(COLUMN, 1.2 * ncols), 1.3 * nrows + 0.6),
                         layout="constrained")
    axes = fig.subplots(nrows, ncols, subplot_kw={"projection": "polar"}, squeeze=False).ravel()
    rmax = 1.05 * max(float(mean_emg.max()), float(training_mean.max()))
    for k, (ax, label) in enumerate(zip(axes, muscle_labels(n_mus), strict=False)):
        plot_emg_polar_tuning(angles, mean_emg[:, k], ax=ax, color=COLORS["target"], lw=1.1)
        ax.plot(training_angles, training_mean[:, k], "o", color=COLORS["target"], ms=3)
        ax.set_rlim(0, rmax)
        ax.set_title(label, fontsize="small", pad=2)
        ax.set_xticks(np.radians([0, 90, 180, 270]))
        ax.set_xticklabels(["0°", "", "180°", ""] if k else ["0°", "90°", "180°", "270°"],
                           fontsize=7)
        ax.tick_params(axis="x", pad=-2)
        ax.yaxis.set_major_locator(MaxNLocator(2))
        ax.set_rlabel_position(70)
        ax.tick_params(axis="y", labelsize=7)
        if k:
            ax.set_yticklabels([])
    for ax in axes[n_mus:]:
        ax.set_visible(False)
    fig.supxlabel("radius: the muscle's EMG averaged over the movement (dimensionless; each "
                  "muscle's maximum over time and directions = 1), ticks on the first panel; "
                  "angle: reach direction", fontsize="small", wrap=True)
    return fig


def plot_angle_scale_sensitivity(scales, neighbour, opposite, *, chosen=None, ax=None):
    """EMG correlation of neighbouring and opposite directions against the angular length scale.

    Parameters
    ----------
    scales : array_like, shape (S,)
        Angular length scales (rad).
    neighbour, opposite : array_like, shape (S,)
        Mean correlations (:func:`ffhlib.groundtruth_analysis.correlation_vs_angle_scale`).
    chosen : float, optional
        The value the book uses (dotted vertical line).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4.5, 3))
    ax.plot(scales, neighbour, "o-", color=COLORS["target"], ms=4, label="neighbouring targets")
    ax.plot(scales, opposite, "s--", color=COLORS["interpolation"], ms=4,
            label="opposite targets")
    if chosen is not None:
        ax.axvline(chosen, **threshold_kw(label="value used"))
    ax.axhline(0.0, color=COLORS["floor"], lw=0.6)
    ax.set_xlabel(r"angular length scale $\ell_\theta$ (rad)")
    ax.set_ylabel("EMG correlation between directions")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_emg_polar_tuning(angles, values, *, ax=None, label=None, **kwargs):
    """Directional tuning of one quantity (e.g. a muscle's mean EMG) on polar axes.

    Parameters
    ----------
    angles : array_like, shape (C,)
        Reach angles (rad).
    values : array_like, shape (C,)
        Non-negative values, one per angle (dimensionless EMG).
    ax : matplotlib polar Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, subplot_kw={"projection": "polar"})
    a, v = np.asarray(angles), np.asarray(values)
    order = np.argsort(np.mod(a, 2 * np.pi))
    a, v = np.mod(a[order], 2 * np.pi), v[order]
    ax.plot(np.append(a, a[0] + 2 * np.pi), np.append(v, v[0]), label=label, **kwargs)
    return ax


def plot_abscissa_trace(trace, *, target=None, ax=None, label=None, **kwargs):
    """Spectral abscissa vs optimisation step (log scale).

    Parameters
    ----------
    trace : array_like, shape (iterations + 1,)
        Spectral abscissa before each step and after the last.
    target : float, optional
        Target abscissa, drawn as a dotted line.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4.5, 3))
    trace = np.asarray(trace)
    kwargs.setdefault("color", COLORS["SOC"])
    ax.plot(np.arange(trace.size), trace, label=label, **kwargs)
    if target is not None:
        ax.axhline(target, **threshold_kw(label="target"))
    ax.set_yscale("log")
    ax.set_xlabel("optimisation step")
    ax.set_ylabel(r"spectral abscissa $\alpha(W)$")
    return ax


def plot_eigenvalues(eig_before, eig_after, *, ax=None, stability_line=1.0):
    """Eigenvalues of W in the complex plane, before and after optimisation.

    Parameters
    ----------
    eig_before, eig_after : array_like of complex, shape (N,)
    ax : matplotlib Axes, optional
    stability_line : float or None
        Draw Re = this value (linear dynamics tau dx/dt = -x + Wx are stable left of 1).

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4, 4))
    b, a = np.asarray(eig_before), np.asarray(eig_after)
    ax.scatter(b.real, b.imag, s=8, color=COLORS["floor"], label="initial W")
    ax.scatter(a.real, a.imag, s=8, color=COLORS["SOC"], label="optimised W")
    if stability_line is not None:
        ax.axvline(stability_line, **threshold_kw(label="stability limit"))
    ax.set_aspect("equal")
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.legend(frameon=False, loc="upper left", fontsize="small")
    return ax


def plot_transient_amplification(time_ms, norm_best, norm_random, *, ax=None):
    """Activity norm of the linear dynamics from the most amplified vs random initial states.

    Parameters
    ----------
    time_ms : array_like, shape (T,)
    norm_best : array_like, shape (T,)
        ||x(t)|| from the most amplified initial state (unit norm at t = 0).
    norm_random : array_like, shape (K, T)
        ||x(t)|| from K random initial states of the same norm.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4.5, 3))
    t = np.asarray(time_ms)
    rnd = np.atleast_2d(norm_random)
    for k, r in enumerate(rnd):
        ax.plot(t, r, color=COLORS["floor"], lw=0.8,
                label="random initial states" if k == 0 else None)
    ax.plot(t, norm_best, color=COLORS["SOC"], lw=2, label="most amplified initial state")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(r"$\|x(t)\| \,/\, \|x(0)\|$")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_weight_matrix(W, n_excitatory, *, ax=None):
    """The weight matrix as an image (E columns red, I columns blue; symmetric colour scale).

    Parameters
    ----------
    W : array_like, shape (N, N)
        W[i, j] from neuron j to neuron i.
    n_excitatory : int
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4, 4))
    W = np.asarray(W)
    lim = np.percentile(np.abs(W[W != 0]), 99) if np.any(W) else 1.0
    im = ax.imshow(W, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.axvline(n_excitatory - 0.5, color="k", lw=0.5)
    ax.axhline(n_excitatory - 0.5, color="k", lw=0.5)
    ax.set_xlabel("presynaptic neuron j (E | I)")
    ax.set_ylabel("postsynaptic neuron i")
    plt.colorbar(im, ax=ax, shrink=0.8, label="weight $W_{ij}$")
    return ax


def plot_optimisation_variants(traces: Mapping[str, np.ndarray], *, target=None, ax=None):
    """Spectral abscissa against optimisation step for several settings (both axes log).

    Parameters
    ----------
    traces : mapping of str to array_like, shape (iterations + 1,)
        Label -> the abscissa before each step and after the last.
    target : float, optional
        The target abscissa (dashed line).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(5, 3.2))
    for (name, trace), (col, ls) in zip(traces.items(), _VARIANT_STYLES, strict=False):
        trace = np.asarray(trace)
        ax.plot(np.arange(1, trace.size + 1), trace, color=col, ls=ls, lw=1.4, label=name)
    if target is not None:
        ax.axhline(target, **threshold_kw(label="target"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("optimisation step (1 = initial matrix)")
    ax.set_ylabel(r"spectral abscissa $\alpha(W)$")
    ax.legend(frameon=False, fontsize="small", loc="upper right")
    return ax
