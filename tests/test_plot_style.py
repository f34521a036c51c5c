"""The book-wide figure convention (ffhlib.plotting.style): colours, keys, labels, intervals."""

from __future__ import annotations

import itertools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from ffhlib.plotting import _style, style
from ffhlib.plotting.style import (
    COLORS,
    DOTS_BELOW,
    LINESTYLES,
    NETWORKS,
    REFERENCES,
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

matplotlib.use("Agg")

REQUIRED = {"SOC", "FF", "FFH", "hints", "floor", "ceiling", "oracle", "interpolation",
            "target"}

# Colour-vision-deficiency simulation on linear RGB (Vienot, Brettel & Mollon 1999).
_CVD = {
    "protanopia": np.array([[0.11238, 0.88762, 0.0], [0.11238, 0.88762, 0.0],
                            [0.00401, -0.00401, 1.0]]),
    "deuteranopia": np.array([[0.29275, 0.70725, 0.0], [0.29275, 0.70725, 0.0],
                              [-0.02234, 0.02234, 1.0]]),
}


def _linear(c):
    c = np.asarray(to_rgb(c))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _distance(a, b, vision=None):
    la, lb = _linear(a), _linear(b)
    if vision is not None:
        la, lb = _CVD[vision] @ la, _CVD[vision] @ lb
    return float(np.linalg.norm(la - lb))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- colours -------------------------------------------------------------------------------------

def test_every_required_name_has_a_colour_and_a_line_style():
    assert set(COLORS) == REQUIRED
    assert set(LINESTYLES) == REQUIRED
    assert set(NETWORKS) | set(REFERENCES) == REQUIRED
    assert all(color(name) == COLORS[name] for name in COLORS)


def test_all_colours_are_distinct():
    for a, b in itertools.combinations(COLORS, 2):
        assert _distance(COLORS[a], COLORS[b]) > 0.05, (a, b)


@pytest.mark.parametrize("vision", [None, "protanopia", "deuteranopia"])
def test_ff_and_ffh_stay_apart_for_colour_blind_readers(vision):
    # FF and FFH are the comparison every chapter makes: far apart even without red-green vision
    assert _distance(COLORS["FF"], COLORS["FFH"], vision) > 0.25
    for net in NETWORKS:
        for ref in ("oracle", "ceiling", "interpolation", "floor", "target"):
            assert _distance(COLORS[net], COLORS[ref], vision) > 0.05, (net, ref, vision)


def test_reference_lines_look_like_references():
    greys = ("target", "oracle", "ceiling", "interpolation", "floor")
    for name in greys:
        r, g, b = to_rgb(COLORS[name])
        assert r == g == b, f"{name} should be black or grey"
    for name in NETWORKS:
        r, g, b = to_rgb(COLORS[name])
        assert max(r, g, b) - min(r, g, b) > 0.3, f"{name} should be a saturated colour"
        assert LINESTYLES[name] == "-"
    styles = [LINESTYLES[name] for name in REFERENCES]
    assert len({str(s) for s in styles}) == len(styles), "every reference line its own style"
    assert "-" not in styles


def test_unknown_name_raises_a_key_error_listing_the_names():
    with pytest.raises(KeyError) as info:
        color("FFX")
    assert isinstance(info.value, style.UnknownStyleName)
    assert "FFX" in str(info.value) and "FFH" in str(info.value)
    with pytest.raises(KeyError):
        line_kw("random")


def test_line_kw_and_threshold_kw():
    kw = line_kw("ceiling", lw=2)
    assert kw == {"color": COLORS["ceiling"], "linestyle": LINESTYLES["ceiling"], "lw": 2}
    assert threshold_kw(label="target")["label"] == "target"
    assert threshold_kw()["linestyle"] == ":"


def test_old_names_map_to_the_book_colours():
    assert _style.NETWORK_COLORS["FF"] == color("FF")
    assert _style.network_color("random RNN", 0) == color("floor")
    assert _style.network_color("SOC resample", 0) == color("ceiling")
    assert _style.network_color("SOC (observed neurons)", 0) == color("hints")
    extra = {_style.network_color(f"variant {k}", k) for k in range(3)}
    assert len(extra) == 3 and not extra & set(COLORS.values())
    assert _style.axes_or_new is style.axes_or_new


# --- directions ----------------------------------------------------------------------------------

def test_direction_colors_are_cyclic_and_distinguish_directions():
    angles = 2 * np.pi * np.arange(8) / 8
    rgba = direction_colors(angles)
    assert rgba.shape == (8, 4)
    np.testing.assert_allclose(direction_colors([0.0]), direction_colors([2 * np.pi]), atol=1e-2)
    np.testing.assert_allclose(direction_colors([-np.pi / 2]), direction_colors([1.5 * np.pi]))
    for i, j in itertools.combinations(range(8), 2):
        assert _distance(rgba[i, :3], rgba[j, :3]) > 0.03, (i, j)
    assert all(max(c[:3]) - min(c[:3]) > 0.2 for c in rgba), "no near-white or grey direction"


def test_direction_key_on_axes_draws_one_spoke_per_direction():
    fig, ax = plt.subplots()
    angles = 2 * np.pi * np.arange(16) / 16
    n_before = len(fig.axes)
    key = direction_key(ax, angles)
    assert key.get_label() == "direction key"
    assert key in ax.child_axes and len(fig.axes) == n_before   # an inset: no layout change
    assert key.name == "polar"
    assert len(key.lines) == 16
    drawn = np.array([matplotlib.colors.to_rgba(line.get_color()) for line in key.lines])
    np.testing.assert_allclose(drawn, direction_colors(angles))
    np.testing.assert_allclose([line.get_xdata()[0] for line in key.lines], angles)
    assert [t.get_text() for t in key.get_xticklabels()] == ["0°", "90°", "180°", "270°"]


def test_direction_key_on_a_figure_adds_an_axes():
    fig, _ = plt.subplots()
    key = direction_key(fig, [0.0, np.pi])
    assert key in fig.axes and len(fig.axes) == 2
    assert len(key.lines) == 2
    with pytest.raises(TypeError):
        direction_key("not an axes", [0.0])
    with pytest.raises(ValueError):
        direction_key(fig, [])


# --- muscles -------------------------------------------------------------------------------------

def test_muscle_labels_are_one_based():
    assert muscle_labels([0, 3, 9]) == ["m1", "m4", "m10"]
    assert muscle_labels(3) == ["m1", "m2", "m3"]
    assert muscle_labels(np.arange(2)) == ["m1", "m2"]
    assert muscle_labels(np.int64(1)) == ["m1"]
    with pytest.raises(ValueError):
        muscle_labels([-1])
    with pytest.raises(TypeError):
        muscle_labels([1.5])
    with pytest.raises(TypeError):
        muscle_labels([True])


# --- intervals -----------------------------------------------------------------------------------

def test_interval_band_draws_the_mean_and_the_band_it_is_given():
    fig, ax = plt.subplots()
    x = np.arange(4.0)
    mean, lo, hi = np.array([1.0, 2, 3, 4]), np.array([0.5, 1.5, 2, 3]), np.array([2.0, 3, 4, 6])
    line, band = interval_band(ax, x, mean, lo, hi, color=color("FF"), label="FF")
    np.testing.assert_allclose(line.get_ydata(), mean)
    assert line.get_label() == "FF"
    assert matplotlib.colors.same_color(line.get_color(), color("FF"))
    vertices = band.get_paths()[0].vertices
    for xi, low, high in zip(x, lo, hi, strict=True):
        ys = vertices[np.isclose(vertices[:, 0], xi), 1]
        assert np.isclose(ys.min(), low) and np.isclose(ys.max(), high)
    with pytest.raises(ValueError, match="same shape"):
        interval_band(ax, x, mean, lo[:3], hi, color="k")


def test_interval_bar_spans_lo_to_hi():
    fig, ax = plt.subplots()
    bars = interval_bar(ax, [0, 1], [1.0, 2.0], [0.5, 1.0], [2.0, 2.5], color=color("FFH"))
    segments = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([s[:, 1].min() for s in segments], [0.5, 1.0])
    np.testing.assert_allclose([s[:, 1].max() for s in segments], [2.0, 2.5])
    with pytest.raises(ValueError, match="contain the mean"):
        interval_bar(ax, 0, 1.0, 1.5, 2.0, color="k")


def test_unit_dots_only_below_the_threshold_of_units():
    fig, ax = plt.subplots()
    dots = unit_dots(ax, 2.0, np.arange(6.0), color=color("SOC"), jitter=0.2)
    offsets = dots.get_offsets()
    assert offsets.shape == (6, 2)
    np.testing.assert_allclose(np.sort(offsets[:, 1]), np.arange(6.0))
    assert np.all(np.abs(offsets[:, 0] - 2.0) <= 0.1 + 1e-12)
    assert unit_dots(ax, 0.0, np.arange(float(DOTS_BELOW)), color="k") is None
    assert DOTS_BELOW > 12  # the book's 12 ground truths are drawn as dots
    forced = unit_dots(ax, 0.0, np.arange(20.0), color="k", force=True)
    assert forced.get_offsets().shape == (20, 2)
    per_x = unit_dots(ax, [0.0, 1.0, 2.0], np.ones((4, 3)), color="k")
    assert per_x.get_offsets().shape == (12, 2)


def test_interval_text_names_the_units_and_the_dots():
    text = interval_text(6, "ground truths")
    assert "95 % bootstrap interval over 6 ground truths" in text and "dots" in text
    assert "dots: each of the 12 ground truths" in interval_text(12, "ground truths")
    assert "dots" not in interval_text(DOTS_BELOW, "seeds")
    assert "95 %" in style.INTERVAL_TEXT and "bootstrap" in style.INTERVAL_TEXT


@pytest.mark.parametrize("n", [1, 2])
def test_interval_text_below_three_units_has_dots_and_no_band(n):
    text = interval_text(n, "ground truths")
    assert text == (f"line: the mean; dots: each of the {n} ground truths (too few for an "
                    "interval)")
    assert "band" not in text and style.MIN_UNITS == 3


def test_interval_bar_without_bounds_draws_the_point_alone():
    fig, ax = plt.subplots()
    alone = interval_bar(ax, 0, 1.0, np.nan, np.nan, color="k")
    assert not alone.has_yerr
    np.testing.assert_allclose(alone.lines[0].get_ydata(), [1.0])
    # mixed: the bounded point gets its bar, the other none
    mixed = interval_bar(ax, [0, 1], [1.0, 2.0], [0.5, np.nan], [1.5, np.nan], color="k")
    np.testing.assert_allclose(mixed.lines[0].get_xdata(), [1.0])
    bars = [c for c in ax.containers if c.has_yerr]
    assert len(bars) == 1
    segments = bars[0].lines[2][0].get_segments()
    np.testing.assert_allclose([s[:, 1].min() for s in segments], [0.5])
    with pytest.raises(ValueError, match="contain the mean"):
        interval_bar(ax, [0, 1], [1.0, 2.0], [1.5, np.nan], [2.0, np.nan], color="k")


# --- axes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected"), [
    ([1e-4, 1e-3, 1e-1], True),
    ([0.1, 0.5, 1.0], False),
    ([0.0, 1e-4, 1.0], False),      # a zero cannot go on a log axis
    ([np.nan, 1e-3, 1.0], True),    # non-finite values are ignored
])
def test_log_if_spanning(values, expected):
    fig, ax = plt.subplots()
    assert log_if_spanning(ax, values) is expected
    assert (ax.get_yscale() == "log") is expected
    assert ax.get_xscale() == "linear"


def test_log_if_spanning_on_x_and_bad_axis():
    fig, ax = plt.subplots()
    assert log_if_spanning(ax, [1.0, 1e3], axis="x", decades=2)
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError):
        log_if_spanning(ax, [1.0], axis="z")


def test_log_if_spanning_labels_few_decades_in_plain_numbers():
    fig, ax = plt.subplots()
    assert log_if_spanning(ax, [0.15, 6.0])
    ax.set_ylim(0.15, 6.0)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert {"0.2", "0.5", "1", "2", "5"} <= set(labels)
    assert all(float(label) > 0 for label in labels)  # plain numbers, no mathtext powers
    assert not [t.get_text() for t in ax.get_yticklabels(minor=True) if t.get_text()]


def test_percent_log_axis_labels_only_the_fractions():
    fig, ax = plt.subplots()
    ax.plot([0.05, 0.3], [1, 2])
    style.percent_log_axis(ax, [0.3, 0.05])
    fig.canvas.draw()
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5", "30"]
    assert not [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    with pytest.raises(ValueError, match="fractions"):
        style.percent_log_axis(ax, [0.0, 0.1])
    with pytest.raises(ValueError, match="axis"):
        style.percent_log_axis(ax, [0.1], axis="z")


def test_design_legend_fills_the_design_plot_designs_fills():
    from ffhlib.plotting import similarity as splots
    from ffhlib.study import KindSummary

    fig, ax = plt.subplots()
    summary = KindSummary(kind="ff", ground_truths=np.arange(3),
                          per_ground_truth=np.array([0.4, 0.5, 0.6]), mean=0.5, low=0.4,
                          high=0.6, n_units=3)
    order = ("trial", "preparation")
    splots.plot_designs({d: {"ff": summary} for d in order}, ylabel="y", ax=ax)
    drawn = {line.get_marker(): line.get_markerfacecolor() for line in ax.lines
             if line.get_marker() not in (None, "None", "")}
    legend = splots.design_legend(fig, designs=order)
    keyed = {h.get_marker(): h.get_markerfacecolor() for h in legend.legend_handles}
    first, second = (splots.DESIGN_MARKERS[d] for d in order)
    assert to_rgb(drawn[second]) == to_rgb("white") != to_rgb(drawn[first])
    assert to_rgb(keyed[second]) == to_rgb("white") != to_rgb(keyed[first])
    assert [t.get_text() for t in legend.get_texts()] == [splots.DESIGN_LABELS[d] for d in order]
    plt.close(fig)


def test_seed_ticks_mark_every_ground_truth_and_thin_the_labels_only_in_a_narrow_panel():
    narrow = plt.figure(figsize=(2.5, 2)).add_subplot()
    style.seed_ticks(narrow, range(12), extra={12.6: "all"})
    assert list(narrow.get_xticks()) == [*range(12), 12.6]   # a tick at every ground truth
    assert [t.get_text() for t in narrow.get_xticklabels()] == [
        "0", "", "2", "", "4", "", "6", "", "8", "", "10", "", "all"]
    wide = plt.figure(figsize=(8, 2)).add_subplot()
    style.seed_ticks(wide, range(12))
    assert [t.get_text() for t in wide.get_xticklabels()] == [str(i) for i in range(12)]
    style.seed_ticks(narrow, [3, 5, 7])
    assert [t.get_text() for t in narrow.get_xticklabels()] == ["3", "5", "7"]


def _gaps_px(ax):
    """The horizontal gaps between neighbouring tick labels of each row (px; < 0: overlap)."""
    ax.figure.draw_without_rendering()
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    rows: dict = {}
    for t, box in zip(ax.get_xticklabels(), boxes, strict=True):
        rows.setdefault(len(t.get_text()) - len(t.get_text().lstrip("\n")), []).append(box)
    return [b.x0 - a.x1 for row in rows.values()
            for a, b in itertools.pairwise(sorted(row, key=lambda r: r.x0))]


def test_category_ticks_shrink_then_stagger_only_labels_that_would_touch():
    from ffhlib.plotting.legibility import MIN_FONT_PT

    style.setup_figures()
    names = ["FFH", "FF", "FF, τ 200 ms", "FFH, τ 200 ms", "BPTT", "BPTT + activity",
             "data-constrained"]
    roomy = plt.figure(figsize=(6, 2)).add_subplot()
    style.category_ticks(roomy, names[:3])
    crowded = plt.figure(figsize=(2.6, 2)).add_subplot()
    crowded.plot(range(len(names)), range(len(names)))
    style.category_ticks(crowded, names)
    normal = {t.get_fontsize() for t in roomy.get_xticklabels()}
    small = {t.get_fontsize() for t in crowded.get_xticklabels()}
    assert len(small) == len(normal) == 1 and small.pop() < normal.pop()
    assert all(t.get_fontsize() >= MIN_FONT_PT for t in crowded.get_xticklabels())
    texts = [t.get_text() for t in crowded.get_xticklabels()]
    assert texts[0] == "FFH" and texts[1].startswith("\n") and texts[1].strip() == "FF"
    assert min(_gaps_px(crowded)) > 0                      # no two labels of a row touch
    assert [t.get_text() for t in roomy.get_xticklabels()][2] == "FF, τ\n200 ms"
    assert min(_gaps_px(roomy)) > 0


def test_category_labels_are_decided_again_at_the_figures_final_layout():
    from ffhlib.plotting.legibility import figure_png

    style.setup_figures()
    fig = plt.figure(figsize=(6, 2.5))
    ax = fig.add_subplot()
    names = ["floor (untrained)", "FF", "hints (observed neurons)", "SOC (all neurons)"]
    ax.plot(range(4), range(4))
    style.category_ticks(ax, names)
    assert {t.get_fontsize() for t in ax.get_xticklabels()} == {plt.rcParams["font.size"]}
    fig.subplots_adjust(right=0.35)              # e.g. a legend placed beside it afterwards
    figure_png(fig)
    assert min(_gaps_px(ax)) > 0
    assert {t.get_fontsize() for t in ax.get_xticklabels()} != {plt.rcParams["font.size"]}
    plt.close(fig)


def test_labels_set_after_category_ticks_are_kept_when_the_figure_is_saved():
    from ffhlib.plotting.legibility import figure_png

    fig, ax = plt.subplots(figsize=(2.5, 2))
    style.category_ticks(ax, ["FF", "FFH", "interpolation", "hints"])
    ax.set_xticks(range(4), ["FF", "FFH", "interpolated recordings", "recordings of the new "
                             "conditions"], rotation=25, ha="right")   # relabelled afterwards
    figure_png(fig)
    assert [t.get_text() for t in ax.get_xticklabels()][2:] == [
        "interpolated recordings", "recordings of the new conditions"]
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {25.0}
    plt.close(fig)
