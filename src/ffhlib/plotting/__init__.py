"""Plotting functions (ax=None, compute nothing); the book-wide convention is in :mod:`.style`."""

from . import style
from .style import (
    COLORS,
    INTERVAL_TEXT,
    LINESTYLES,
    color,
    direction_colors,
    direction_key,
    interval_band,
    interval_bar,
    interval_text,
    line_kw,
    log_if_spanning,
    muscle_labels,
    threshold_kw,
    unit_dots,
)

__all__ = [
    "COLORS",
    "INTERVAL_TEXT",
    "LINESTYLES",
    "color",
    "direction_colors",
    "direction_key",
    "interval_band",
    "interval_bar",
    "interval_text",
    "line_kw",
    "log_if_spanning",
    "muscle_labels",
    "style",
    "threshold_kw",
    "unit_dots",
]
