"""Chapter 10's figure: each cell of Kao's grid by its single-neuron and its population score."""

from __future__ import annotations

import numpy as np

from .style import axes_or_new, color

__all__ = ["ACTIVATION_MARKERS", "plot_levels"]

#: One marker per activation of the grid.
ACTIVATION_MARKERS = {"tanh": "o", "rtanh": "s", "softplus": "^"}
#: Reference rows drawn beside the grid: (summary key, legend label, style colour name).
_REFERENCES = (("ff", "FF", "FF"), ("ffh", "FFH", "FFH"), ("hints", "recorded neurons", "hints"),
               ("floor", "untrained network", "floor"))
#: Greys of the strengths, lightest (the weakest: no rate regularisation) first.
_STRENGTH_GREYS = ("#B0B0B0", "#6E6E6E", "#1F1F1F", "#000000")


def _point(ax, x, y, *, marker, face, edge, label, size=7):
    xerr = np.array([[x.mean - x.low], [x.high - x.mean]])
    yerr = np.array([[y.mean - y.low], [y.high - y.mean]])
    bounded = np.all(np.isfinite(xerr)) and np.all(np.isfinite(yerr))
    ax.errorbar(x.mean, y.mean, xerr=xerr if bounded else None, yerr=yerr if bounded else None,
                fmt=marker, ms=size, mfc=face, mec=edge, ecolor=edge, elinewidth=0.9,
                capsize=2, label=label, zorder=3)


def plot_levels(summary, ax=None):
    """Single-neuron score (x) against population score (y), one point per cell and reference.

    Parameters
    ----------
    summary : ffhlib.kao_summary.KaoSummary
        Its cells' and references' :class:`~ffhlib.summaries.KindSummary` of ``summary.single``
        and ``summary.population`` (means over ground truths and their 95 % bootstrap
        intervals: the error bars; none with fewer than 3 ground truths).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = axes_or_new(ax, figsize=(6.0, 5.6))
    order = sorted(summary.strengths)
    for cell in summary.cells:
        grey = _STRENGTH_GREYS[min(order.index(cell.strength), len(_STRENGTH_GREYS) - 1)]
        _point(ax, cell.measures[summary.single], cell.measures[summary.population],
               marker=ACTIVATION_MARKERS.get(cell.activation, "D"),
               face=grey if not cell.dissociates else "white", edge=grey, label=cell.name)
    for key, label, name in _REFERENCES:
        m = summary.references.get(key, {})
        if summary.single in m and summary.population in m:
            _point(ax, m[summary.single], m[summary.population], marker="*",
                   face=color(name), edge=color(name), label=label, size=12)
    if summary.reference_single == summary.reference_single:  # not NaN
        ax.axvline(summary.reference_single, color="0.6", lw=0.8, ls="--", zorder=1)
    ax.set_xlabel("single-neuron match (median best PSTH correlation, unitless)")
    ax.set_ylabel("population similarity\n(condition-dependent CCA with E, unitless)")
    ax.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=3)
    return ax
