"""What every figure of the book shares: one colour per network, one way to get axes."""

from __future__ import annotations

import matplotlib.pyplot as plt

NETWORK_COLORS = {
    "target": "0.15",
    "SOC": "0.15",
    "FF": "tab:blue",
    "FFH": "tab:orange",
    "random RNN": "tab:gray",
    "SOC resample": "tab:green",
    "SOC (observed neurons)": "tab:green",
    "SOC (all neurons)": "tab:gray",
}


def network_color(name: str, k: int) -> str:
    """The colour of network ``name``; unnamed ones get colours FF and FFH do not use."""
    return NETWORK_COLORS.get(name, f"C{k + 2}")


def axes_or_new(ax, **subplot_kw):
    """``ax`` itself, or the axes of a new figure made with ``plt.subplots(**subplot_kw)``."""
    if ax is None:
        _, ax = plt.subplots(**subplot_kw)
    return ax
