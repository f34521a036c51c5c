"""Figures of chapter 05: latent trajectories, canonical-correlation spectra, paired seeds, vs. d.

Each function draws what it is given (computes nothing) and returns the figure or axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ._style import NETWORK_COLORS, axes_or_new
from ._style import network_color as _color

__all__ = [
    "NETWORK_COLORS",
    "plot_cc_spectra",
    "plot_metric_vs_dim",
    "plot_paired_seeds",
    "plot_pc_trajectories",
]



def plot_pc_trajectories(latents: Mapping[str, np.ndarray], angles, *,
                         units: Mapping[str, str] | None = None, fig=None):
    """Top-3 PC trajectories of several networks, side by side, one line per reach direction.

    Parameters
    ----------
    latents : mapping of str to ndarray, shape (C, T, 3)
        For each network (e.g. "SOC", "FF", "FFH"), its trajectories in its own top-3 principal
        components (:func:`ffhlib.similarity.latent_trajectories`), in that network's units.
    angles : array_like, shape (C,)
        Reach direction of each condition (rad); sets the colour (cyclic map).
    units : mapping of str to str, optional
        Unit of each network's activity (e.g. ``{"SOC": "Hz"}``), shown in its panel's title; the
        default is "Hz" for "SOC" and "a.u." otherwise. Tick labels are left out: each panel has
        its own axes, and only shapes can be compared across panels.
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    angles = np.asarray(angles)
    units = dict(units or {})
    if fig is None:
        fig = plt.figure(figsize=(3.3 * len(latents), 3.4))
    cmap = plt.get_cmap("hsv")
    for k, (name, Z) in enumerate(latents.items()):
        ax = fig.add_subplot(1, len(latents), k + 1, projection="3d")
        for c in range(Z.shape[0]):
            color = cmap((angles[c] % (2 * np.pi)) / (2 * np.pi))
            ax.plot(Z[c, :, 0], Z[c, :, 1], Z[c, :, 2], color=color, lw=1.2,
                    label=f"{np.degrees(angles[c]):.0f}°")
            ax.scatter(*Z[c, 0, :3], color=color, s=10, marker="o")
        unit = units.get(name, "Hz" if name == "SOC" else "a.u.")
        ax.set_title(f"{name} (PC scores, {unit})")
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.set_zticklabels([])
        ax.set_xlabel("PC 1", labelpad=-12)
        ax.set_ylabel("PC 2", labelpad=-12)
        ax.set_zlabel("PC 3", labelpad=-12)
    fig.axes[-1].legend(loc="center left", bbox_to_anchor=(1.15, 0.5), frameon=False,
                        fontsize="x-small", title="reach angle", title_fontsize="x-small")
    fig.suptitle("Top-3 principal components of each network (dot: movement onset)",
                 fontsize="medium")
    return fig


def plot_cc_spectra(spectra: Mapping[str, np.ndarray], *, ax=None):
    """Canonical-correlation spectra against the SOC, mean over seeds with the seeds' spread.

    Parameters
    ----------
    spectra : mapping of str to ndarray, shape (n_seeds, d)
        For each network, the canonical correlations (descending) of every seed.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4.2, 3.2))
    for k, (name, rho) in enumerate(spectra.items()):
        rho = np.atleast_2d(rho)
        _mean_with_band(ax, np.arange(1, rho.shape[1] + 1), rho, _color(name, k), name)
    ax.set_xlabel("canonical pair")
    ax.set_ylabel("canonical correlation with the SOC")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False, fontsize="small", title="mean over seeds (band: min-max)",
              title_fontsize="x-small")
    return ax


def plot_paired_seeds(values: Mapping[str, np.ndarray], *, paired: Sequence[str] = ("FF", "FFH"),
                      ylabel: str = "", ax=None):
    """Per-seed values of each network; the ``paired`` networks' seeds joined by lines.

    Parameters
    ----------
    values : mapping of str to ndarray, shape (n_seeds,)
        One value per seed for each network (the same seed order for all).
    paired : two names in ``values``
        Drawn first and joined seed by seed (the paired comparison); the others are baselines.
    ylabel : str
        Label with unit.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4.2, 3.2))
    names = list(paired) + [n for n in values if n not in paired]
    a, b = (np.asarray(values[n]) for n in paired)
    ax.plot(np.vstack([np.zeros_like(a), np.ones_like(b)]), np.vstack([a, b]), color="0.7",
            lw=0.8, zorder=1)
    for k, name in enumerate(names):
        v = np.asarray(values[name])
        jitter = 0.04 * (np.arange(v.size) - (v.size - 1) / 2) / max(v.size, 1)
        ax.scatter(k + jitter, v, color=_color(name, k), s=14, zorder=2)
        ax.errorbar(k + 0.18, v.mean(), yerr=v.std(ddof=1) if v.size > 1 else 0, fmt="_",
                    color=_color(name, k), ms=10, capsize=2)
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set_xlim(-0.5, len(names) - 0.3)
    ax.set_ylabel(ylabel)
    return ax


def plot_metric_vs_dim(dims, values: Mapping[str, np.ndarray], *, ylabel: str = "",
                       main_dim: int | None = None, ax=None):
    """A similarity metric against the number of principal components ``d``.

    Parameters
    ----------
    dims : array_like, shape (k,)
        The latent dimensions.
    values : mapping of str to ndarray, shape (n_seeds, k)
        Per seed and ``d``, for each network.
    ylabel : str
        Label with unit.
    main_dim : int, optional
        The ``d`` used for the headline numbers (marked by a vertical line).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(4.2, 3.2))
    dims = np.asarray(dims)
    for k, (name, v) in enumerate(values.items()):
        _mean_with_band(ax, dims, np.atleast_2d(v), _color(name, k), name)
    if main_dim is not None:
        ax.axvline(main_dim, color="0.5", ls=":", lw=1)
    ax.set_xlabel("number of principal components d")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small")
    return ax


def _mean_with_band(ax, x, values, color, label):
    """Mean over seeds (rows of ``values``) as a line, their min-max range as a band."""
    ax.fill_between(x, values.min(0), values.max(0), color=color, alpha=0.2, lw=0)
    ax.plot(x, values.mean(0), "o-", color=color, ms=3, label=label)
