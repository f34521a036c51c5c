"""Chapter 05 beyond the recordings (ffhlib.beyond_recordings) against hand-built study tables."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import beyond_recordings as beyond
from ffhlib import chapter, study, study_lookup
from ffhlib import similarity_study as sim
from ffhlib.inference import holm
from ffhlib.plotting import similarity as splots

RNG = np.random.default_rng(11)
LEVEL = {"floor": 0.2, "ff": 0.3, "ffh": 0.35, "interpolation": 0.5, "e_interpolation": 0.9,
         "ceiling": 0.45, "oracle": 0.55, "hints": 0.6}
COLUMNS = beyond.UNTRAINED_MEASURES + beyond.HEADROOM_MEASURES + (
    "cca_e", "cca_nomean_e", "procrustes_e", "cca_whole", "cca_cd_e")


def _table(gts=(0, 1, 2, 3), seeds=(0,), shift=0.0):
    rows = []
    for g in gts:
        for s in seeds:
            for kind, level in LEVEL.items():
                v = level + shift + 0.04 * RNG.standard_normal()
                row = {"ground_truth": g, "seed": s, "network": kind, "error": ""}
                row.update({c: v + 0.01 * k + 0.005 * RNG.standard_normal()
                            for k, c in enumerate(COLUMNS)})
                rows.append(row)
    return pd.DataFrame(rows)


def _gt_mean(table, column, kind):
    """Mean over ground truths of each ground truth's mean, by a plain loop."""
    per = {}
    for _, r in table.iterrows():
        if r["network"] == kind:
            per.setdefault(r["ground_truth"], []).append(r[column])
    return sum(sum(v) / len(v) for v in per.values()) / len(per)


def test_untrained_summaries_are_means_over_ground_truths():
    table = _table(seeds=(0, 1))
    result = beyond.untrained_summaries(table, "all")
    assert list(result.measures) == list(beyond.UNTRAINED_MEASURES)
    for measure in beyond.UNTRAINED_MEASURES:
        assert list(result.kinds(measure)) == list(beyond.UNTRAINED_KINDS)
        for kind, s in result.kinds(measure).items():
            assert s.mean == pytest.approx(_gt_mean(table, measure, kind))
    for measure in beyond.HEADROOM_MEASURES:
        assert result.headroom[measure].mean == pytest.approx(
            _gt_mean(table, measure, "e_interpolation"))
    with pytest.raises(ValueError, match="training_directions"):
        beyond.untrained_summaries(table, "most")
    with pytest.raises(ValueError, match="measure"):
        result.kinds("cca_e")


def test_untrained_values_follow_the_naming_scheme():
    full = beyond.untrained_summaries(_table(), "all")
    half = beyond.untrained_summaries(_table(shift=-0.1), "half")
    values = {**beyond.untrained_values(full), **beyond.untrained_values(half)}
    cd = full.measures["cca_cd_untrained_e"]
    assert values["cca_cd_untrained_interp_mean"] == cd["interpolation"].mean
    assert values["cca_cd_untrained_e_interp_lo"] == cd["e_interpolation"].low
    assert values["cca_untrained_ffh_hi"] == full.measures["cca_untrained_e"]["ffh"].high
    assert values["cca_cd_untrained_half_ff_mean"] == \
        half.measures["cca_cd_untrained_e"]["ff"].mean
    assert values["r2_interp_untrained_E"] == full.headroom["r2_interp_e"].mean
    assert values["r2_interp_cd_untrained_half_E"] == half.headroom["r2_interp_cd_e"].mean
    assert values["shared_share_E_lo"] == full.headroom["shared_share_e"].low
    assert not any(k.endswith("interpolation_mean") for k in values)


def test_comparison_family_is_compare_kinds_adjusted_by_holm():
    tables = {"all": _table(), "half": _table(shift=-0.05)}
    family = beyond.comparison_family(tables)
    assert list(family) == [s.key for s in beyond.FAMILY]
    raw = []
    for spec in beyond.FAMILY:
        alone = study.compare_kinds(tables[spec.training_directions], spec.measure, spec.a,
                                    spec.b)
        assert family[spec.key].mean_diff == pytest.approx(alone.mean_diff)
        assert family[spec.key].wilcoxon_p == pytest.approx(alone.wilcoxon_p)
        raw.append(alone.wilcoxon_p)
    np.testing.assert_allclose([c.p_adjusted for c in family.values()], holm(raw))
    assert {c.family_size for c in family.values()} == {len(beyond.FAMILY)}


def test_comparison_family_refuses_duplicate_keys_and_missing_tables():
    spec = beyond.FAMILY[0]
    with pytest.raises(ValueError, match="unique"):
        beyond.comparison_family({"all": _table()}, (spec, spec))
    with pytest.raises(ValueError, match="half"):
        beyond.comparison_family({"all": _table()})


def test_family_rows_and_values():
    family = beyond.comparison_family({"all": _table(), "half": _table(shift=-0.05)})
    rows = beyond.family_rows(family)
    assert len(rows) == len(beyond.FAMILY)
    primary = dict(zip([s.key for s in beyond.FAMILY], rows, strict=True))[beyond.PRIMARY]
    c = family[beyond.PRIMARY]
    lo, hi = c.ci_diff
    assert primary[1] == f"{c.mean_diff:+.3f} [{lo:+.3f}, {hi:+.3f}]"
    assert primary[2] == f"{c.wilcoxon_p:.3g}" and primary[3] == f"{c.p_adjusted:.3g}"
    assert primary[4] in ("✔ supports", "✘ against", "– not significant")
    values = beyond.family_values(family)
    assert values["pvalue_cd_untrained_ffh_vs_interp"] == c.p_adjusted
    assert values["pvalue_untrained_ffh_vs_interp"] == \
        family["cca_untrained_ffh_vs_interp"].p_adjusted
    assert values["cca_unobserved_padj"] == family["cca_unobserved"].p_adjusted
    assert values["sim_family_size"] == len(beyond.FAMILY)
    assert "{table}" in beyond.family_table(family) and "tab-comparisons" in \
        beyond.family_table(family)


def test_family_rows_show_what_cannot_be_computed_as_a_dash():
    two = _table(gts=(0, 1))  # too few ground truths for an interval
    family = beyond.comparison_family({"all": two, "half": two})
    label, difference, p, padj, mark = beyond.family_rows(family)[0]
    assert "[" not in difference  # no interval from 2 ground truths
    nan = {k: dataclasses.replace(c, wilcoxon_p=math.nan, p_adjusted=math.nan)
           for k, c in family.items()}
    row = beyond.family_rows(nan)[0]
    assert row[2] == "–" and row[3] == "–" and row[4] == "– not significant"


def test_half_panels_pair_the_two_sets_of_directions():
    full = beyond.untrained_summaries(_table(), "all")
    half = beyond.untrained_summaries(_table(shift=-0.1), "half")
    panels = beyond.half_panels(full, half)
    assert len(panels) == len(beyond.HALF_PANELS)
    (title, measure), = [(t, m) for m, t in beyond.HALF_PANELS[:1]]
    sets = panels[title]
    assert list(sets) == ["all training directions", "every other training direction"]
    first, second = sets.values()
    assert list(first) == list(beyond.HALF_KINDS)
    assert first["ffh"] is full.measures[measure]["ffh"]
    assert second["ffh"] is half.measures[measure]["ffh"]


def test_seed_spread_by_hand():
    table = _table(gts=(0, 1, 2), seeds=(0, 1, 2))
    spread = beyond.seed_spread(table, "cca_e")
    assert list(spread.ground_truths) == [0, 1, 2] and list(spread.seeds) == [0, 1, 2]
    for kind in study.NETWORKS:
        grid = [[float(table[(table.ground_truth == g) & (table.seed == s)
                             & (table.network == kind)]["cca_e"].iloc[0]) for s in range(3)]
                for g in range(3)]
        means = [sum(r) / 3 for r in grid]
        variances = [sum((x - m) ** 2 for x in r) / 2 for r, m in zip(grid, means, strict=True)]
        grand = sum(means) / 3
        assert spread.within_sd[kind] == pytest.approx(math.sqrt(sum(variances) / 3))
        assert spread.between_sd[kind] == pytest.approx(
            math.sqrt(sum((m - grand) ** 2 for m in means) / 2))
        np.testing.assert_allclose(spread.values[kind], grid)


def test_seed_spread_refuses_incomplete_or_single_seed_tables():
    with pytest.raises(ValueError, match="at least 2"):
        beyond.seed_spread(_table(seeds=(0,)), "cca_e")
    table = _table(seeds=(0, 1))
    gap = table.drop(table[(table.ground_truth == 1) & (table.seed == 1)
                           & (table.network == "ffh")].index)
    with pytest.raises(ValueError, match="every network seed"):
        beyond.seed_spread(gap, "cca_e")
    with pytest.raises(ValueError, match="no column"):
        beyond.seed_spread(table, "nope")


def test_rows_in_cache_sees_exactly_the_rows_score_wrote():
    params = tiny_study(seeds=(7,))
    assert not study_lookup.rows_in_cache(params, ["hints"])
    study.score(params, 0, 7, "hints")
    assert study_lookup.rows_in_cache(params, ["hints"])
    assert not study_lookup.rows_in_cache(params, ["hints", "ceiling"])
    assert study_lookup.rows_in_cache(params, ["hints"], units=[(0, 7)])
    with pytest.raises(ValueError, match="kinds"):
        study_lookup.rows_in_cache(params, ["nope"])
    with pytest.raises(TypeError, match="StudyParams"):
        study_lookup.rows_in_cache("params", ["hints"])


def test_every_table_with_a_p_or_an_interval_has_12_ground_truths_at_the_defaults():
    params = chapter.study_params()
    other = chapter.study_params(cue_epoch="trial", n_seeds=1)
    plan = sim.chapter_plan(params, other, full=False)
    # the summary tables, intervals and tests read the headline and half-direction studies
    assert len(plan.params.ground_truth_seeds) >= 12
    assert plan.half.ground_truth_seeds == plan.params.ground_truth_seeds
    assert {s.training_directions for s in beyond.FAMILY} <= {"all", "half"}
    # the other design and the seed figure are shown as dots, without intervals or tests
    assert len(plan.other_study.ground_truth_seeds) < 12


def test_the_figures_draw_from_the_summaries():
    import matplotlib.pyplot as plt

    full = beyond.untrained_summaries(_table(), "all")
    half = beyond.untrained_summaries(_table(shift=-0.1), "half")
    family = beyond.comparison_family({"all": _table(), "half": _table(shift=-0.05)})
    fig = splots.plot_untrained_similarity(full.kinds("cca_cd_untrained_e"),
                                           full.kinds("cca_untrained_e"), family[beyond.PRIMARY])
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[-1].startswith("recordings of the new conditions")
    assert labels[3] == "interpolated recordings"
    plt.close(fig)
    fig = splots.plot_direction_sets(beyond.half_panels(full, half))
    assert len(fig.axes) == len(beyond.HALF_PANELS)
    plt.close(fig)
    spread = {"cca_e": beyond.seed_spread(_table(seeds=(0, 1)), "cca_e")}
    fig = splots.plot_seed_spread(spread, {"cca_e": "training directions"})
    # one marker per (kind, seed): every network of the table is drawn
    n_points = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert n_points == 2 * 4 * 2
    plt.close(fig)
