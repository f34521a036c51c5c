"""Figures of the mechanisms chapter: jPC planes and linearised spectra.

Each function draws what it is given (computes nothing) and returns the figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .style import color, direction_colors, direction_key

__all__ = ["plot_jpc_planes", "plot_spectra"]


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
        fig = plt.figure(figsize=(3.0 * len(projections) + 1.0, 3.0))
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
    fig.tight_layout(rect=(0, 0, 0.9, 1))
    direction_key(fig, angles, bounds=(0.9, 0.45, 0.09, 0.45))
    return fig


def plot_spectra(spectra: Mapping[str, np.ndarray], *, ax=None, xlim=None):
    """Leading eigenvalues (s^-1) of linearised dynamics in the complex plane.

    Parameters
    ----------
    spectra : mapping of "SOC"/"FF"/"FFH" to complex ndarray (any shape)
        Eigenvalues in s^-1 (all directions pooled).
    ax : matplotlib Axes, optional
    xlim : (float, float), optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
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
    return ax
