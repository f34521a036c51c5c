"""Tick labels of categorical axes that never run into one another.

:func:`category_ticks` names the categories of a panel (kinds of network, rivals), wrapped and
set horizontally, shrunk and then staggered where neighbours would touch; :func:`seed_ticks`
labels ground truths, every other one in a narrow panel; :func:`settle_category_ticks` decides
again at the figure's final layout (:func:`ffhlib.plotting.legibility.figure_png` calls it).
:mod:`ffhlib.plotting.style` re-exports the first two.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

__all__ = ["category_ticks", "seed_ticks", "settle_category_ticks"]


def category_ticks(ax, labels: Sequence[str], *, width: int = 8, **kwargs) -> None:
    """Name the categories of a categorical x axis (one at each integer), each label wrapped at
    ``width`` characters and set horizontally, so that neighbours never run into one another
    (rotated labels of a narrow panel do).

    Where neighbouring labels would touch in the panel's width, they are set in the ``"small"``
    font (still above the book's smallest, :data:`ffhlib.plotting.legibility.MIN_FONT_PT`;
    unless ``fontsize`` is given) and, if they still would, every other label is dropped below
    its neighbours (staggered). The panel's final width is known only once the figure is laid
    out, so :func:`settle_category_ticks` decides again when the figure is saved."""
    import textwrap

    wrapped = [textwrap.fill(str(label), width, break_long_words=False) for label in labels]
    ax._ffh_categories = (wrapped, dict(kwargs))
    _settle(ax)


def _settle(ax) -> None:
    """Set the categories recorded by :func:`category_ticks` in the plainest form that does not
    collide at the panel's present width."""
    wrapped, kwargs = ax._ffh_categories
    n = len(wrapped)
    ax.set_xticks(range(n), wrapped, rotation=0, ha="center", **kwargs)
    if n < 2 or not _labels_collide(ax, n):
        return
    if "fontsize" not in kwargs:
        ax.set_xticks(range(n), wrapped, rotation=0, ha="center", fontsize="small")
        if not _labels_collide(ax, n):
            return
    depth = 1 + max(w.count("\n") for w in wrapped[::2])
    staggered = [w if i % 2 == 0 else "\n" * depth + w for i, w in enumerate(wrapped)]
    ax.set_xticks(range(n), staggered, rotation=0, ha="center",
                  **({"fontsize": "small"} | kwargs))


def settle_category_ticks(fig) -> None:
    """Decide again, at the figure's final layout, how each panel named by
    :func:`category_ticks` sets its labels (called when a figure is saved for the book:
    :func:`ffhlib.plotting.legibility.figure_png`), unless the panel's labels were set
    otherwise since. The layout is left as it is (a panel's
    room for a legend beside it stays); the saved image's tight box takes in staggered labels."""
    panels = [ax for ax in fig.axes if hasattr(ax, "_ffh_categories") and _still_ours(ax)]
    if not panels:
        return
    fig.draw_without_rendering()
    for ax in panels:
        _settle(ax)


def _still_ours(ax) -> bool:
    """Whether the panel's x tick labels are still those :func:`category_ticks` set (a plot
    that relabels its categories afterwards keeps its own labels)."""
    wrapped, _ = ax._ffh_categories
    return [t.get_text().lstrip("\n") for t in ax.get_xticklabels()] == wrapped


def _labels_collide(ax, n: int, gap_px: float = 4.0) -> bool:
    """Whether two neighbouring x tick labels of a categorical axis (categories at 0 … n-1, the
    axis spanning at least n of them) would come closer than ``gap_px`` pixels."""
    renderer = ax.figure.canvas.get_renderer()
    x0, x1 = ax.get_xlim()
    spacing = ax.get_window_extent(renderer).width / max(float(n), abs(x1 - x0))
    widths = [t.get_window_extent(renderer).width for t in ax.get_xticklabels()]
    return any((a + b) / 2 + gap_px > spacing for a, b in itertools.pairwise(widths))


def seed_ticks(ax, seeds: Sequence, *, extra: Mapping[float, str] | None = None,
               min_spacing_in: float = 0.28) -> None:
    """A tick at each ground truth of a categorical x axis (seed ``i`` of ``seeds`` at ``i``),
    labelled with its seed, plus the ``extra`` ticks (position -> label, e.g. ``"all"``).

    Where the panel leaves less than ``min_spacing_in`` inches per tick, every other seed's
    label is left out (the ticks stay), so that two-digit neighbours never run together
    ("91011") in a narrow panel.
    """
    seeds, extra = list(seeds), dict(extra or {})
    n_ticks = len(seeds) + len(extra)
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    step = 2 if n_ticks and width_in / n_ticks < min_spacing_in else 1
    labels = [str(s) if i % step == 0 else "" for i, s in enumerate(seeds)]
    ax.set_xticks([*range(len(seeds)), *extra], [*labels, *extra.values()])
