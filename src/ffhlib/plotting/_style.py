"""Compatibility layer: the book's figure convention now lives in :mod:`ffhlib.plotting.style`.

``NETWORK_COLORS`` and ``network_color`` keep the names earlier figures used, mapped onto the
book-wide colours of :data:`ffhlib.plotting.style.COLORS`; new code uses
:func:`ffhlib.plotting.style.color` and :func:`ffhlib.plotting.style.line_kw`.
"""

from __future__ import annotations

from .style import *  # noqa: F403  (re-export the whole convention)
from .style import _EXTRA, COLORS
from .style import __all__ as _style_all

__all__ = [*_style_all, "NETWORK_COLORS", "network_color"]

#: Earlier names of networks and reference lines, each mapped to its book-wide colour.
NETWORK_COLORS: dict[str, str] = {
    **COLORS,
    "random RNN": COLORS["floor"],
    "untrained": COLORS["floor"],
    "SOC resample": COLORS["ceiling"],
    "SOC (observed neurons)": COLORS["hints"],
    "SOC (all neurons)": COLORS["SOC"],
}


def network_color(name: str, k: int = 0) -> str:
    """The colour of ``name`` (a book-wide name or an earlier alias); others get extra colours.

    Parameters
    ----------
    name : str
    k : int
        Position of the series among those drawn: an unnamed series gets the ``k``-th of the
        palette's remaining colours, which no named network or reference line uses.
    """
    return NETWORK_COLORS.get(name, _EXTRA[k % len(_EXTRA)])
