"""Figures of chapters 01-02: EMG targets, SOC optimisation, spectra, transient amplification.

Each function draws what it is given (computes nothing) and returns the figure or axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._style import axes_or_new

__all__ = [
    "plot_abscissa_trace",
    "plot_eigenvalues",
    "plot_emg_grid",
    "plot_emg_polar_tuning",
    "plot_transient_amplification",
    "plot_weight_matrix",
]


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
        fig = plt.figure(figsize=(1.15 * n_cond + 0.8, 0.62 * n_mus + 0.9), layout="constrained")
    axes = fig.subplots(n_mus, n_cond, sharex=True, sharey=True, squeeze=False)
    col_of_extra = []
    if extra_emg is not None:
        ext = np.mod(np.asarray(extra_angles), 2 * np.pi)
        base = np.mod(angles, 2 * np.pi)
        col_of_extra = [int(np.argmin(np.mod(e - base, 2 * np.pi))) for e in ext]
    for k in range(n_mus):
        for c in range(n_cond):
            ax = axes[k, c]
            ax.plot(time_ms, emg[c, :, k], color=f"C{k % 10}", lw=1.2)
            for j, col in enumerate(col_of_extra):
                if col == c:
                    ax.plot(time_ms, np.asarray(extra_emg)[j, :, k], color=f"C{k % 10}", lw=0.9,
                            ls="--", alpha=0.7)
            ax.set_yticks([])
            if k == 0:
                ax.set_title(f"{np.rad2deg(angles[c]):.0f}°")
            if c == 0:
                ax.set_ylabel(f"m{k + 1}", rotation=0, ha="right", va="center")
            if k == n_mus - 1:
                ax.set_xticks([0, time_ms[-1]])
    fig.supxlabel("time from movement onset (ms)")
    fig.supylabel("EMG (max 1 per muscle)")
    return fig


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
    ax.plot(np.arange(trace.size), trace, label=label, **kwargs)
    if target is not None:
        ax.axhline(target, color="0.4", ls=":", lw=1)
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
    ax.scatter(b.real, b.imag, s=8, color="0.6", label="initial W")
    ax.scatter(a.real, a.imag, s=8, color="C3", label="optimised W")
    if stability_line is not None:
        ax.axvline(stability_line, color="k", ls=":", lw=1)
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
        ax.plot(t, r, color="0.6", lw=0.8, label="random initial states" if k == 0 else None)
    ax.plot(t, norm_best, color="C3", lw=2, label="most amplified initial state")
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
