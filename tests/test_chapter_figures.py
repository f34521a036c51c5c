"""The composed figures of chapters 03 and 05: what each panel shows, from given summaries."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ffhlib import study
from ffhlib.plotting import gains as gplots
from ffhlib.plotting import similarity as splots

KINDS = ("floor", "ff", "hints", "ffh", "ceiling")
LEVEL = {"floor": 0.2, "ff": 0.45, "hints": 0.7, "ffh": 0.65, "ceiling": 0.9,
         "interpolation": 0.01}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _table(design="preparation", gts=(0, 1, 2), seeds=(0, 1)):
    rng = np.random.default_rng(2)
    rows = []
    for g in gts:
        for s in seeds:
            for kind, level in LEVEL.items():
                v = level * (1 + 0.1 * rng.standard_normal())
                rows.append(dict(ground_truth=g, seed=s, network=kind, cue_epoch=design,
                                 error="", cca_e=v, cca_nomean_e=v, offset_share=v / 5,
                                 gen_err=v if kind != "ffh" else 100 * v,
                                 **{f"cca_e_d{d}": v - 0.01 * d for d in (2, 4, 6)}))
    return pd.DataFrame(rows)


def test_gain_fit_overview_has_three_lettered_panels():
    angles = np.array([0.0, 90.0, 180.0, 270.0])
    unexplained = np.array([[0.01, 0.02, 0.03, 0.04], [0.02, 0.01, 0.05, 0.02]])
    fig = gplots.plot_gain_fit_overview({3: np.linspace(0.5, 0.99, 20),
                                         5: np.linspace(0.4, 0.98, 20)},
                                        angles, unexplained, np.array([1, 0, 1, 0], bool),
                                        [3, 5], main=3)
    titles = sorted(ax.get_title(loc="left") for ax in fig.axes)
    assert titles == ["(a)", "(b)", "(c)"]
    by_title = {ax.get_title(loc="left"): ax for ax in fig.axes}
    # (a): one curve per ground truth, of 1 - R^2; the detailed one thick
    lines = by_title["(a)"].get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), 1 - np.linspace(0.5, 0.99, 20))
    assert lines[0].get_linewidth() > lines[1].get_linewidth()
    # (c): the detailed ground truth's directions joined in angular order
    (joined,) = by_title["(c)"].get_lines()
    np.testing.assert_allclose(joined.get_ydata(), unexplained[0])
    assert [t.get_text() for t in by_title["(b)"].get_xticklabels()] == ["3", "5"]


def test_similarity_with_effects_shows_kinds_and_ground_truth_effects():
    table = _table()
    summaries = {k: study.summarize(table, "cca_e", k) for k in KINDS}
    effects = study.compare_kinds(table, "cca_e", "ffh", "ff")
    fig = splots.plot_similarity_with_effects(summaries, effects,
                                              unit_values={0: np.array([0.1, 0.2])})
    left, right = fig.axes
    # each label wrapped onto lines, horizontal, so that neighbours do not run into one another
    assert [" ".join(t.get_text().split()) for t in left.get_xticklabels()] == [
        splots.KIND_LABELS[k] for k in KINDS]
    assert all(t.get_rotation() == 0 for t in left.get_xticklabels())
    assert [t.get_text() for t in right.get_xticklabels()] == ["0", "1", "2", "all"]
    assert "FFH − FF" in right.get_ylabel()


def test_similarity_by_dim_marks_the_headline_d():
    table = _table()
    by_dim = {k: study.summarize(table, [f"cca_e_d{d}" for d in (2, 4, 6)], k) for k in KINDS}
    fig = splots.plot_similarity_by_dim((2, 4, 6), by_dim, headline=4)
    (ax,) = fig.axes
    vertical = [ln for ln in ax.get_lines() if np.all(np.asarray(ln.get_xdata()) == 4)]
    assert len(vertical) == 1
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [splots.KIND_LABELS[k] for k in KINDS]
    assert ax.get_xlabel() == "number of PCA factors d"
    fig_plain = splots.plot_similarity_by_dim((2, 4, 6), by_dim)
    assert not [ln for ln in fig_plain.axes[0].get_lines()
                if np.all(np.asarray(ln.get_xdata()) == 4)]


def _design_summaries():
    tables = {"preparation": _table(), "trial": _table("trial")}
    panels = {"offset_share": ("ff", "ffh"), "cca_e": ("ff", "ffh", "hints", "ceiling"),
              "cca_nomean_e": ("ff", "ffh", "hints", "ceiling"),
              "gen_err": ("ff", "ffh", "interpolation")}
    return {m: {d: {k: study.summarize(t, m, k) for k in kinds} for d, t in tables.items()}
            for m, kinds in panels.items()}


def test_trial_designs_has_four_panels_with_the_soc_line():
    fig = splots.plot_trial_designs(_design_summaries(), soc_offset_share=0.07)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == [t for t, _ in splots.DESIGN_PANEL_TEXT.values()]
    soc = [ln for ln in fig.axes[0].get_lines() if np.allclose(ln.get_ydata(), 0.07)]
    assert len(soc) == 1
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [splots.DESIGN_LABELS["preparation"], splots.DESIGN_LABELS["trial"],
                      "SOC (panel a)"]
    assert fig.axes[3].get_yscale() == "log"   # FFH's error is 100 times the others'
    assert fig.axes[1].get_yscale() == "linear"


def test_trial_designs_refuses_other_measures():
    sums = _design_summaries()
    with pytest.raises(ValueError, match="four measures"):
        splots.plot_trial_designs({"fit_r2": sums["cca_e"], **sums}, soc_offset_share=0.1)
    del sums["gen_err"]
    with pytest.raises(ValueError, match="four measures"):
        splots.plot_trial_designs(sums, soc_offset_share=0.1)
