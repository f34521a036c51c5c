"""One colour per network across every figure of the book."""

from __future__ import annotations

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
