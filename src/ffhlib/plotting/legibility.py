"""Figures sized for the book's text column, and the record that lets a build check it.

The book's HTML theme shows a figure at most as wide as its text column: :data:`COLUMN_PX` CSS
pixels in a 1280 px browser window (measured in Chromium). A figure saved wider is scaled down,
and its text with it: a 9 pt label of a figure 12.5 inches wide ends up 6.6 px high. So every
figure is drawn for the column (at most :data:`COLUMN_WIDTH_IN` inches wide once saved) and no
text in it is smaller than :data:`MIN_FONT_PT`; then no text is shown smaller than
:data:`MIN_SCREEN_PX` pixels.

:func:`figure_png` renders a figure as the book embeds it (PNG, tight bounding box, :data:`DPI`)
and writes into the PNG's text chunks the saved width (inches), the dpi and the smallest font
size drawn (points) (:data:`PNG_KEYS`). :func:`read_png_info` reads them back, from a file of the
built book; :func:`screen_font_px` is the height in screen pixels of that smallest text, given
the width at which the browser shows the image (the browser check of ``make check`` measures it).
:func:`read_svg_info` gives the same record for a hand-drawn SVG (the intro's pipeline), whose
text scales with the image just as a PNG's does.
"""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

__all__ = [
    "COLUMN_PX", "COLUMN_WIDTH_IN", "DPI", "MIN_FONT_PT", "MIN_SCREEN_PX", "PNG_KEYS",
    "FigureInfo", "IllegibleFigure", "check_legible", "column_font_px", "figure_png",
    "read_png_info", "read_svg_info", "screen_font_px", "smallest_font",
]

#: Width (CSS px) of the book's text column in a 1280 px wide window (sphinx-book-theme 1.x,
#: measured in headless Chromium: an image wider than this is shown this wide).
COLUMN_PX = 672
#: Resolution of the book's figures (pixels per inch), :func:`ffhlib.plotting.setup_figures`.
DPI = 110
#: The widest figure (inches, as saved) shown without being scaled down.
COLUMN_WIDTH_IN = COLUMN_PX / DPI
#: No text may be shown smaller than this (CSS px, at a 1280 px window).
MIN_SCREEN_PX = 9.0
#: The smallest font a figure may use (points): at DPI, 7 pt is 10.7 px, which stays >= 9 px
#: down to a scale of 0.84 (a figure up to 7.3 inches wide once saved).
MIN_FONT_PT = 7.0
#: The PNG text chunks that record a figure's size: saved width (in), dpi, smallest font (pt).
PNG_KEYS = {"width_in": "ffh:width_in", "dpi": "ffh:dpi", "min_font_pt": "ffh:min_font_pt",
            "min_font_text": "ffh:min_font_text"}


class IllegibleFigure(ValueError):
    """A figure whose smallest text would be shown below :data:`MIN_SCREEN_PX` pixels."""


@dataclasses.dataclass(frozen=True)
class FigureInfo:
    """What a saved figure records about itself.

    Attributes
    ----------
    width_in : float
        Width of the saved image (inches; its pixel width over ``dpi``).
    dpi : float
        Pixels per inch of the saved image.
    min_font_pt : float
        The smallest font size (points) of any visible, non-empty text in the figure.
    min_font_text : str
        That text (for messages).
    """

    width_in: float
    dpi: float
    min_font_pt: float
    min_font_text: str = ""

    @property
    def natural_px(self) -> float:
        """Pixel width of the saved image."""
        return self.width_in * self.dpi


def smallest_font(fig) -> tuple[float, str]:
    """The smallest font size (points) of the visible, non-empty texts of ``fig``, and that text.

    The figure is drawn first, so that tick labels exist. A figure without text gives
    ``(inf, "")``.
    """
    from matplotlib.text import Text

    fig.canvas.draw()
    smallest, which = float("inf"), ""
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        owner = text.axes
        if owner is not None and not owner.get_visible():
            continue
        size = float(text.get_fontsize())
        if size < smallest:
            smallest, which = size, text.get_text().strip()[:40]
    return smallest, which


def figure_png(fig, *, dpi: float = DPI) -> tuple[bytes, FigureInfo]:
    """Render ``fig`` as the book embeds it: PNG, tight bounding box, ``dpi``; its size, dpi and
    smallest font size recorded in the PNG's text chunks (:data:`PNG_KEYS`).

    Returns
    -------
    (bytes, FigureInfo)
        The PNG and what it records.
    """
    from PIL import Image

    from .ticks import settle_category_ticks

    settle_category_ticks(fig)
    min_pt, min_text = smallest_font(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    width_px = Image.open(io.BytesIO(buffer.getvalue())).size[0]
    info = FigureInfo(width_in=width_px / dpi, dpi=float(dpi), min_font_pt=min_pt,
                      min_font_text=min_text)
    buffer = io.BytesIO()
    metadata = {PNG_KEYS["width_in"]: f"{info.width_in:.4f}", PNG_KEYS["dpi"]: f"{dpi:g}",
                PNG_KEYS["min_font_pt"]: f"{min_pt:g}",
                PNG_KEYS["min_font_text"]: min_text.encode("latin-1", "replace").decode("latin-1")}
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata=metadata)
    return buffer.getvalue(), info


def read_png_info(source: str | Path | bytes) -> FigureInfo | None:
    """What a PNG written by :func:`figure_png` records (a path or the bytes); None for a PNG
    without the record."""
    from PIL import Image

    image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    text = getattr(image, "text", {}) or {}
    if not all(PNG_KEYS[k] in text for k in ("width_in", "dpi", "min_font_pt")):
        return None
    return FigureInfo(width_in=float(text[PNG_KEYS["width_in"]]),
                      dpi=float(text[PNG_KEYS["dpi"]]),
                      min_font_pt=float(text[PNG_KEYS["min_font_pt"]]),
                      min_font_text=text.get(PNG_KEYS["min_font_text"], ""))


def _svg_length_px(value: str, what: str) -> float:
    value = value.strip()
    for unit, scale in (("px", 1.0), ("pt", 96.0 / 72.0), ("", 1.0)):
        if unit and not value.endswith(unit):
            continue
        try:
            return float(value[:len(value) - len(unit)] if unit else value) * scale
        except ValueError:
            break
    raise ValueError(f"{what}: a length in px or pt (user units) expected; got {value!r}")


def read_svg_info(source: str | Path) -> FigureInfo:
    """The record of an SVG image, as :func:`read_png_info` gives it for a PNG: its width
    (the ``viewBox``'s, in user units, which are CSS px at the image's natural size) and the
    smallest font size of any non-blank text, inherited through the groups (CSS px).

    It is expressed at 96 dpi, so :func:`screen_font_px` (with the natural width left to the
    record) gives the text's height on screen.
    """
    import xml.etree.ElementTree as ET

    root = ET.parse(source).getroot()
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        width = float(box[2])
    elif root.get("width"):
        width = _svg_length_px(root.get("width"), f"{source}: width")
    else:
        raise ValueError(f"{source}: an SVG without a viewBox or a width")

    def size_of(element, inherited):
        style = {k.strip(): v for k, _, v in (part.partition(":") for part in
                                              (element.get("style") or "").split(";"))}
        value = style.get("font-size", element.get("font-size"))
        return inherited if value is None else _svg_length_px(value, f"{source}: font-size")

    found = []

    def walk(element, inherited):
        size = size_of(element, inherited)
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("text", "tspan") and (element.text or "").strip():
            found.append((size, element.text.strip()))
        for child in element:
            if child.tag.rsplit("}", 1)[-1] not in ("title", "desc", "defs"):
                walk(child, size)

    walk(root, 16.0)   # the browser's default font size
    if not found:
        return FigureInfo(width_in=width / 96.0, dpi=96.0, min_font_pt=math.inf)
    px, text = min(found, key=lambda f: f[0])
    return FigureInfo(width_in=width / 96.0, dpi=96.0, min_font_pt=px * 72.0 / 96.0,
                      min_font_text=text)


def screen_font_px(info: FigureInfo, rendered_px: float, natural_px: float | None = None
                   ) -> float:
    """Height (screen px) of the figure's smallest text when the image is shown
    ``rendered_px`` wide: ``min_font_pt * dpi / 72 * rendered / natural``.

    Parameters
    ----------
    info : FigureInfo
    rendered_px : float
        Width at which the browser shows the image (CSS px).
    natural_px : float, optional
        The image's own pixel width (the browser's ``naturalWidth``); by default the recorded
        width times dpi.
    """
    natural = info.natural_px if natural_px is None else float(natural_px)
    if natural <= 0 or rendered_px < 0:
        raise ValueError(f"natural_px must be > 0 and rendered_px >= 0; got {natural}, "
                         f"{rendered_px}")
    return info.min_font_pt * info.dpi / 72.0 * float(rendered_px) / natural


def column_font_px(info: FigureInfo, column_px: float = COLUMN_PX) -> float:
    """:func:`screen_font_px` for an image shown at its own width or, if wider, the column's."""
    return screen_font_px(info, min(info.natural_px, float(column_px)))


def check_legible(info: FigureInfo, name: str = "figure", column_px: float = COLUMN_PX) -> None:
    """Raise :class:`IllegibleFigure` if the figure's smallest text would be shown below
    :data:`MIN_SCREEN_PX` in the column, naming the text and what would fix it."""
    px = column_font_px(info, column_px)
    if px >= MIN_SCREEN_PX:
        return
    widest = info.min_font_pt * column_px / (72.0 * MIN_SCREEN_PX)
    raise IllegibleFigure(
        f"{name}: its smallest text ({info.min_font_pt:g} pt, {info.min_font_text!r}) would be "
        f"shown {px:.1f} px high (< {MIN_SCREEN_PX:g} px) in the {column_px:g} px text column: "
        f"the figure is {info.width_in:.2f} in wide as saved; make it at most "
        f"{min(widest, info.width_in):.2f} in wide or its fonts larger (>= {MIN_FONT_PT:g} pt "
        f"and at most {COLUMN_WIDTH_IN:.2f} in wide always fits)")
