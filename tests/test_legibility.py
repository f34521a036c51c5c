"""Figures sized for the text column: what a saved figure records, and the 9 px rule."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from ffhlib.plotting import legibility as L  # noqa: E402
from ffhlib.plotting.style import interval_bar, log_if_spanning  # noqa: E402

BOOK = Path(__file__).resolve().parents[1] / "book"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_smallest_font_finds_the_smallest_visible_text_only():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xlabel("x", fontsize=11)
    ax.tick_params(labelsize=8.5)
    ax.text(0.5, 0.5, "tiny", fontsize=4, visible=False)   # hidden: not shown
    ax.text(0.2, 0.2, "   ", fontsize=3)                     # blank: not shown
    ax.set_title("t", fontsize=12)
    assert L.smallest_font(fig) == (8.5, L.smallest_font(fig)[1])
    ax.text(0.1, 0.1, "note", fontsize=6.5)
    assert L.smallest_font(fig) == (6.5, "note")


def test_figure_png_records_its_saved_size_dpi_and_smallest_font():
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=7)
    png, info = L.figure_png(fig, dpi=100)
    width_px = Image.open(io.BytesIO(png)).size[0]
    assert info.width_in == pytest.approx(width_px / 100)   # the tight box, not the figsize
    assert info.min_font_pt == 7 and info.dpi == 100
    back = L.read_png_info(png)
    assert back.dpi == 100 and back.min_font_pt == 7
    assert back.width_in == pytest.approx(width_px / 100, abs=1e-4)
    plain = io.BytesIO()
    fig.savefig(plain, format="png")
    assert L.read_png_info(plain.getvalue()) is None


def test_screen_size_of_the_smallest_text_by_hand():
    info = L.FigureInfo(width_in=10.0, dpi=110.0, min_font_pt=7.0)
    # 7 pt at 110 dpi is 7 * 110 / 72 px in the image; shown at half its width, half of that
    assert L.screen_font_px(info, 550.0, 1100.0) == pytest.approx(7 * 110 / 72 / 2)
    # in the column: a 10 in figure is scaled to 672 px of its 1100
    assert L.column_font_px(info) == pytest.approx(7 * 110 / 72 * 672 / 1100)
    # a narrow figure is shown at its own size
    small = L.FigureInfo(width_in=3.0, dpi=110.0, min_font_pt=6.0)
    assert L.column_font_px(small) == pytest.approx(6 * 110 / 72)
    with pytest.raises(ValueError, match="natural_px"):
        L.screen_font_px(info, 100.0, 0.0)


def test_an_svgs_smallest_text_is_inherited_through_groups_and_scales_with_the_image(tmp_path):
    svg = tmp_path / "d.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 100" width="960" '
                   'font-size="13"><title>a title is not drawn</title>'
                   '<text x="0" y="20">body</text>'
                   '<g style="fill:#444; font-size: 9pt"><text x="0" y="40">note</text></g>'
                   '<text x="0" y="60" font-size="30">   </text></svg>')
    info = L.read_svg_info(svg)
    assert info.min_font_text == "note"       # 9 pt = 12 CSS px, smaller than 13 px
    assert info.natural_px == pytest.approx(960)
    # shown 672 px wide: 12 px of its 960 become 12 * 672 / 960 = 8.4 px on screen
    assert L.screen_font_px(info, 672.0) == pytest.approx(12 * 672 / 960)
    svg.write_text(svg.read_text().replace("9pt", "1em"))
    with pytest.raises(ValueError, match="font-size"):
        L.read_svg_info(svg)


def test_the_intros_pipeline_diagram_is_legible_in_the_column():
    # the intro shows it 660 px wide in a 1280 px window (make check measures the built page)
    info = L.read_svg_info(BOOK / "images" / "pipeline.svg")
    assert L.screen_font_px(info, 660.0) >= L.MIN_SCREEN_PX, info


def test_check_legible_refuses_a_wide_figure_and_passes_a_column_one():
    wide = L.FigureInfo(width_in=12.5, dpi=110.0, min_font_pt=9.0, min_font_text="0.5")
    assert 9 * 672 / (72 * 12.5) < 9                 # the 1375 px figure: 6.7 px text
    with pytest.raises(L.IllegibleFigure, match="0.5"):
        L.check_legible(wide, name="fig_x")
    L.check_legible(L.FigureInfo(width_in=L.COLUMN_WIDTH_IN, dpi=110.0,
                                 min_font_pt=L.MIN_FONT_PT))
    # the documented promise: MIN_FONT_PT at up to the column width is always legible
    assert L.MIN_FONT_PT * L.DPI / 72 >= L.MIN_SCREEN_PX


def test_glue_figure_refuses_an_illegible_figure_and_closes_it():
    pytest.importorskip("myst_nb")
    from ffhlib.chapter import glue_figure

    fig, ax = plt.subplots(figsize=(13, 3))
    ax.plot([0, 1])
    with pytest.raises(L.IllegibleFigure, match="fig_wide"):
        glue_figure("fig_wide", fig)
    assert not plt.fignum_exists(fig.number)


def test_an_interval_through_zero_ends_at_the_bottom_of_a_log_axis():
    fig, ax = plt.subplots()
    interval_bar(ax, [0, 1, 2], [0.01, 0.3, 2.0], [-0.05, 0.2, 1.0], [0.05, 0.5, 3.0],
                 color="C0")
    ax.axvline(1.5, ls=":")                          # y in axes coordinates: not a value
    assert log_if_spanning(ax, [0.01, 0.3, 2.0])
    bottom, top = ax.get_ylim()
    assert 0 < bottom < 0.01 and top >= 3.0          # every mean and positive bound shown
    assert top == pytest.approx(3.0 * 1.25)
    edge = [line for line in ax.lines if line.get_marker() == "v"]
    assert len(edge) == 1                            # only the interval through 0 is marked
    assert edge[0].get_xdata()[0] == 0 and edge[0].get_ydata()[0] == 0.0


def _code_cells(path: Path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            yield "".join(cell["source"])


@pytest.mark.parametrize("notebook", sorted(BOOK.glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.stem)
def test_chapters_glue_figures_only_through_glue_figure(notebook):
    """glue_figure records the size and checks legibility; a bare glue of a figure would not."""
    bare = [m for src in _code_cells(notebook)
            for m in re.findall(r"\bglue\(\s*[\"']fig_\w+[\"']", src)]
    assert not bare, f"{notebook.name}: figures glued without glue_figure: {bare}"


def test_a_vertical_line_does_not_stretch_a_log_axis():
    """An axvline's y runs 0..1 in axes coordinates: not a value on the y axis."""
    fig, ax = plt.subplots()
    interval_bar(ax, [0, 1], [0.001, 0.05], [0.0005, 0.02], [0.002, 0.2], color="C1")
    ax.axvline(0.5)
    assert log_if_spanning(ax, [0.001, 0.05])
    assert ax.get_ylim()[1] == pytest.approx(0.2 * 1.25)


def test_a_band_on_a_log_axis_is_shown_whole():
    from ffhlib.plotting.style import interval_band

    fig, ax = plt.subplots()
    interval_band(ax, [0, 1, 2], [0.01, 0.1, 1.0], [0.005, 0.05, 0.5], [0.02, 0.2, 4.0],
                  color="C0")
    assert log_if_spanning(ax, [0.01, 0.1, 1.0])
    assert ax.get_ylim()[1] >= 4.0                   # the band's top is not cut off
