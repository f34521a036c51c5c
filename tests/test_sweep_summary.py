"""Chapter 07's summaries against small hand-built sweep tables whose answers can be read off."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from ffhlib import sweep_summary as ss
from ffhlib.inference import bootstrap_mean_interval
from ffhlib.observe import n_observed
from ffhlib.study import StudyParams
from ffhlib.summaries import BOOT_SEED, N_BOOT
from ffhlib.sweep import (
    SweepResult,
    batch_tasks,
    crossing_fraction,
    neuron_sweep_design,
    sweep_tasks,
)

GTS = tuple(range(12))
FRACTIONS = (0.01, 0.05, 0.1, 0.3)
# the quick SOC has 60 neurons and d = 4 (of 2, 3, 4, 6): 1 %, 5 %, 10 %, 30 % record 1, 3, 6 and
# 18 neurons, so the hints are compared at no d, at d = 3, and at d = 4 twice
PARAMS = dataclasses.replace(StudyParams.quick(), ground_truth_seeds=GTS, seeds=(0,))
GAIN = PARAMS.force.hint_gain
MUSCLES = PARAMS.observation.muscle_fraction
DIMS = PARAMS.similarity.pca_dims
#: FFH's normalised similarity (floor 0.2 -> 0, oracle 1.0 -> 1) at each fraction, before the
#: ground truth's offset (which averages to 0 over the 12 ground truths).
FFH_NORMALISED = {0.01: 0.3, 0.05: 0.5, 0.1: 0.8, 0.3: 1.0}
#: The hints' cca_e minus FFH's at each fraction (d = 4; at 1 % and 5 % few neurons, capped low).
HINTS_MINUS_FFH = {0.1: -0.05, 0.3: 0.1}
FLOOR, ORACLE, CEILING = 0.2, 1.0, 0.9


def _offset(g):
    return 0.02 * (g - 5.5)


def ffh_cca(g, f):
    return FLOOR + (ORACLE - FLOOR) * (FFH_NORMALISED[f] + _offset(g))


def _row(g, kind, *, fraction=math.nan, gain=math.nan, muscles=MUSCLES, seed=0, cca=0.0,
         d3=None, gen=0.0, fit=0.0, seconds=1.0):
    row = {"ground_truth": g, "seed": seed, "network": kind, "error": "",
           "neuron_fraction": fraction, "hint_gain": gain, "muscle_fraction": muscles,
           "cca_e": cca, "gen_err": gen, "fit_r2": fit, "seconds": seconds,
           "train_seconds": 20.0 + g if kind in ("ff", "ffh") else math.nan}
    row.update({f"cca_e_d{d}": cca for d in DIMS})
    if d3 is not None:
        row["cca_e_d3"] = d3
    return row


def _ffh_and_hints(g, f, gain=GAIN):
    """FFH's and the hints' rows of one ground truth at one fraction."""
    ffh = ffh_cca(g, f) if np.isclose(gain, GAIN) else ffh_cca(g, f) + 0.05
    rows = [_row(g, "ffh", fraction=f, gain=gain, cca=ffh, d3=ffh + 0.01, gen=0.5 - f,
                 fit=0.9 + f / 10)]
    if np.isclose(gain, GAIN):
        hints = ffh + HINTS_MINUS_FFH.get(f, -0.4) + 0.001 * g   # capped low below d neurons
        rows.append(_row(g, "hints", fraction=f, cca=hints,
                         d3=ffh + 0.01 + 0.05 + 0.001 * g))   # at d = 3: above FFH at 5 %
    return rows


def _table():
    rows = []
    for g in GTS:
        rows += [_row(g, "ff", fraction=0.0, cca=0.3, gen=1.0, fit=0.95),
                 _row(g, "floor", cca=FLOOR), _row(g, "ceiling", cca=CEILING),
                 _row(g, "oracle", cca=ORACLE), _row(g, "interpolation", gen=0.2)]
        for f in FRACTIONS:
            rows += _ffh_and_hints(g, f)
    return pd.DataFrame(rows)


def _main():
    return ss.main_rows(_table(), PARAMS, FRACTIONS)


def test_main_rows_select_the_study_cell_and_another_gain():
    extra = []
    for g in GTS:  # rows the main curve must leave out: another gain, muscle fraction, seed
        extra += [_row(g, "ffh", fraction=0.05, gain=1.0, cca=0.9),
                  _row(g, "ffh", fraction=0.05, gain=GAIN, muscles=0.8, cca=0.95),
                  _row(g, "ffh", fraction=0.05, gain=GAIN, seed=7, cca=0.99)]
    table = pd.concat([_table(), pd.DataFrame(extra)], ignore_index=True)
    main = ss.main_rows(table, PARAMS, FRACTIONS)
    ffh = main[main["network"] == "ffh"]
    assert len(ffh) == 12 * 4 and (ffh["hint_gain"] == GAIN).all()
    assert (ffh["muscle_fraction"] == MUSCLES).all() and (ffh["seed"] == 0).all()
    assert len(main[main["network"] == "ff"]) == 12  # FF has no gain and is kept
    only_5 = ss.main_rows(table, PARAMS, (0.05,))
    assert set(only_5[only_5["network"] == "ffh"]["neuron_fraction"]) == {0.05}
    strong = ss.main_rows(table, PARAMS, FRACTIONS, gain=1.0)
    assert (strong[strong["network"] == "ffh"]["cca_e"] == 0.9).all()


def test_recorded_neurons_and_the_dimension_of_each_comparison():
    assert ss.recorded_neurons(PARAMS, FRACTIONS) == (1, 3, 6, 18)
    assert ss.recorded_neurons(StudyParams(), (0.01, 0.05)) == (2, 10)  # 200 neurons
    assert [ss.comparison_dim(n, 4, DIMS) for n in (1, 2, 3, 4, 18)] == [0, 2, 3, 4, 4]
    assert ss.comparison_dim(5, 6, (2, 3, 4, 6, 8)) == 4


def test_similarity_by_fraction_against_hand_values():
    s = ss.similarity_by_fraction(_main(), params=PARAMS, n_boot=200, rng=1)
    assert np.allclose(s.ffh.x, FRACTIONS) and s.recorded == (1, 3, 6, 18) and s.pca_dim == 4
    assert list(s.capped) == [True, True, False, False]
    assert np.allclose(s.ffh.mean, [FLOOR + 0.8 * v for v in FFH_NORMALISED.values()])
    assert s.flat["floor"].mean == pytest.approx(FLOOR) and s.flat["oracle"].mean == ORACLE
    assert s.flat["ceiling"].mean == pytest.approx(CEILING)
    # normalised ground truth by ground truth: floor 0, oracle 1; above 1 kept as it is
    assert np.allclose(s.normalized["ffh"].mean, list(FFH_NORMALISED.values()))
    assert s.normalized["hints"].mean[-1] == pytest.approx(1.0 + 0.1 / 0.8 + 0.001 * 5.5 / 0.8)
    assert s.normalized["hints"].mean[-1] > 1 and s.normalized["hints"].high[-1] > 1
    assert s.normalized_flat["ceiling"].mean == pytest.approx((CEILING - FLOOR) / 0.8)
    assert s.normalized_flat["ff"].mean == pytest.approx(0.1 / 0.8)
    # FFH: 0.8 at 10 %, 1.0 at 30 %: 0.9 half-way in log fraction
    expected = math.exp(math.log(0.1) + 0.5 * (math.log(0.3) - math.log(0.1)))
    c = s.crossing
    assert c.kind == "ffh" and c.estimate == pytest.approx(expected)
    assert c.estimate == pytest.approx(crossing_fraction(FRACTIONS, [0.3, 0.5, 0.8, 1.0]))
    assert c.reached and c.interval_computable and not c.at_first_fraction
    assert c.low <= c.estimate <= c.high and c.first_fraction == 0.01
    assert c.neurons == pytest.approx(60 * expected) and c.n_boot == 200
    # the recorded neurons alone: only where they number at least d (10 % and 30 %)
    r = s.crossing_recordings
    low, high = (np.mean([(ffh_cca(g, f) + HINTS_MINUS_FFH[f] + 0.001 * g - FLOOR) / 0.8
                          for g in GTS]) for f in (0.1, 0.3))
    assert r.kind == "hints" and r.first_fraction == 0.1
    assert r.estimate == pytest.approx(crossing_fraction((0.1, 0.3), [low, high]))
    # Spearman over FFH's 48 rows: the fraction's ranks against the similarity's
    ffh = _main()[_main()["network"] == "ffh"]
    ranks = [pd.Series(ffh[k].to_numpy()).rank().to_numpy() for k in ("neuron_fraction", "cca_e")]
    assert s.spearman == pytest.approx(np.corrcoef(*ranks)[0, 1]) and s.n_ffh_rows == 48


def test_curves_carry_percentile_bootstrap_intervals_over_ground_truths():
    s = ss.similarity_by_fraction(_main(), params=PARAMS, n_boot=50)
    per = s.ffh.per_ground_truth
    assert per.shape == (12, 4) and list(s.ffh.n) == [12] * 4
    for k in range(4):
        boot = bootstrap_mean_interval(per[:, k], n_boot=N_BOOT, rng=BOOT_SEED)
        assert (s.ffh.low[k], s.ffh.high[k]) == pytest.approx(boot.interval)
    assert s.ffh.has_interval.all()


def test_levels_reached_at_the_first_point_never_or_without_an_interval():
    main = _main()
    first = ss.level_crossing(main, n_neurons=60, level=0.25, n_boot=50)
    assert first.at_first_fraction and first.estimate == 0.01
    never = ss.level_crossing(main, n_neurons=60, level=1.5, n_boot=50)
    assert not never.reached and not never.interval_computable
    assert math.isnan(never.neurons) and never.n_not_reached == 50
    none = ss.level_crossing(main, n_neurons=60, kind="hints", fractions=(0.6,), n_boot=50)
    assert not none.reached and math.isnan(none.first_fraction)
    two = main[main["ground_truth"].isin((0, 1))]
    small = ss.level_crossing(two, n_neurons=60, n_boot=50)
    assert small.reached and not small.interval_computable  # no interval from 2 ground truths


def test_ffh_versus_hints_at_the_dimension_the_recordings_fill_holm_adjusted():
    v = ss.ffh_versus_hints(_main(), FRACTIONS, params=PARAMS)
    assert v.fractions == (0.05, 0.1, 0.3) and v.skipped == (0.01,)  # 1 neuron: no d
    assert v.recorded == (3, 6, 18) and v.dims == (3, 4, 4) and v.lowered == ((0.05, 3, 3),)
    # at 5 %: FFH's d = 3 against the hints' (which are 0.05 + 0.001 g above it)
    assert [c.mean_diff for c in v.comparisons] == pytest.approx(
        [-0.05 - 0.0055, 0.05 - 0.0055, -0.1 - 0.0055])
    assert v.family_size == 3 and all(c.family_size == 3 for c in v.comparisons)
    assert [c.p_adjusted for c in v.comparisons] == pytest.approx(
        [3 * c.wilcoxon_p for c in v.comparisons])
    assert v.higher == (0.1,) and v.significant == (0.1,)
    rows = ss.table_rows(v)
    assert [r[:3] for r in rows] == [("5 %", "3", "3"), ("10 %", "6", "4"), ("30 %", "18", "4")]
    assert rows[1][-1] == "✔ supports" and rows[0][-1] == "✘ against"
    assert rows[1][6] == f"{v.comparisons[1].wilcoxon_p:.3g}"
    assert rows[1][7] == f"{v.comparisons[1].p_adjusted:.3g}"


def test_behaviour_by_fraction():
    b = ss.behaviour_by_fraction(_main())
    assert np.allclose(b.gen.mean, [0.49, 0.45, 0.4, 0.2])
    assert np.allclose(b.fit.mean, [0.901, 0.905, 0.91, 0.93])
    assert b.gen_flat["interpolation"].mean == pytest.approx(0.2)
    assert b.fit_ff.mean == pytest.approx(0.95)


def test_value_at_takes_the_nearest_grid_point():
    c = ss.similarity_by_fraction(_main(), params=PARAMS, n_boot=20).ffh
    assert ss.value_at(c, 0.06) == pytest.approx(c.mean[1])
    assert ss.value_at(c, 0.25) == pytest.approx(c.mean[3])


def _design(**overrides):
    kw = dict(neuron_fractions=FRACTIONS, hint_gains=(GAIN, 1.0), second_fractions=(0.3, 0.05),
              second_ground_truth_seeds=(0, 1))
    return neuron_sweep_design(PARAMS, **{**kw, **overrides})


def _gain_table():
    rows = []
    for g in (0, 1, 2):
        rows.append(_row(g, "ff", fraction=0.0, cca=0.3))
        for gain, lift in ((GAIN, 0.0), (1.0, 0.1)):
            for f in (0.05, 0.3):
                rows.append(_row(g, "ffh", fraction=f, gain=gain, cca=f + lift + 0.01 * g))
        rows.append(_row(g, "ffh", fraction=0.1, gain=1.0, cca=5.0))  # not a compared fraction
    return pd.DataFrame(rows)


def test_gain_rows_and_comparison_against_hand_values():
    design = _design()
    second = ss.gain_rows(_gain_table(), design, MUSCLES)
    assert set(second["ground_truth"]) == {0, 1}  # the comparison's ground truths only
    g = ss.gain_comparison(second, gains=design.gains, fractions=design.second_fractions,
                           main_gain=GAIN, n_ground_truths=2)
    assert g.fractions == (0.05, 0.3)  # increasing, whatever the order given
    # mean over ground truths 0 and 1: fraction + lift + 0.005
    assert np.allclose(g.means, [[0.055, 0.155], [0.305, 0.405]])
    assert g.per_ground_truth.shape == (2, 2, 2)
    assert np.allclose(g.per_ground_truth[1][:, 1], [0.4, 0.41])
    assert g.at_low == pytest.approx((0.055, 0.155)) and g.at_high == pytest.approx((0.305, 0.405))
    assert g.ff.mean == pytest.approx(0.3) and math.isnan(g.ff.low)  # 2 ground truths: no interval
    assert g.stronger == (1.0,) and g.weaker == () and g.includes_main


def _sweep_table(design):
    """A table with one row per task of the design's batch, in :func:`run_sweep`'s order."""
    rows = []
    for cell, g, _seed, kind in batch_tasks(PARAMS, design.grids, design.kinds):
        f, gain = cell.observation.neuron_fraction, cell.force.hint_gain
        if kind in ("ffh", "hints"):
            rows += [r for r in _ffh_and_hints(g, f, gain) if r["network"] == kind]
        else:
            base = _table()
            row = base[(base["ground_truth"] == g) & (base["network"] == kind)].iloc[0].to_dict()
            if kind == "interpolation":  # the recordings interpolated: one per fraction
                row["neuron_fraction"] = f
            rows.append(row)
    return pd.DataFrame(rows)


def test_summarize_and_glue_values():
    design = _design()
    table = _sweep_table(design)
    summary = ss.summarize(table, design, PARAMS, n_boot=50)
    assert summary.similarity.crossing.n_neurons == PARAMS.ground_truth.soc.n_neurons
    assert summary.n_rows == len(table) and summary.n_ground_truths == 12
    assert summary.strong_gain_crossing is None and summary.strong_gain == 1.0
    result = SweepResult(table=table, n_tasks=len(table), wall_seconds=3.0,
                         task_seconds_total=600.0, cache_hits=10, n_workers_used=2, n_failed=0)
    values = ss.glue_values(summary, result, PARAMS, n_workers=2)
    assert values["sweep_cold_minutes"] == pytest.approx(600 / 60 / 2)
    # beyond chapter 05's study: FFH, hints and interpolated recordings below 30 %, and FFH at
    # the stronger gain
    beyond = (table["network"].isin(("ffh", "hints", "interpolation"))
              & (table["neuron_fraction"] != 0.3) | (table["hint_gain"] == 1.0))
    seconds = (table["seconds"] + table["train_seconds"].fillna(0))[beyond].sum()
    assert values["sweep_cold_minutes_beyond_study"] == pytest.approx(seconds / 60 / 2)
    n_full = len(sweep_tasks(PARAMS, design.full, design.kinds))
    assert values["sweep_full_n_tasks"] == n_full
    ffh_seconds = table[table["network"] == "ffh"]["train_seconds"]
    assert values["sweep_full_hours"] == pytest.approx(n_full / 2 * ffh_seconds.median() / 7200)
    assert values["sweep_fractions_text"] == "1 %, 5 %, 10 %, 30 %"
    assert values["sweep_min_percent"] == 1.0 and values["sweep_max_percent"] == 30.0
    assert values["cca_unobserved_ffh_at_5pct"] == pytest.approx(0.6)
    assert values["sweep_second_n_ground_truths"] == 2
    c, r = summary.similarity.crossing, summary.similarity.crossing_recordings
    assert values["fraction_for_90pct"] == c.estimate
    assert values["neurons_for_90pct_recordings"] == pytest.approx(r.estimate * 60)
    assert values["neurons_for_90pct_recordings_lo"] == pytest.approx(r.low * 60)
    assert values["sweep_oracle_mean"] == ORACLE and values["sweep_family_size"] == 3
    assert values["sweep_ceiling_normalized_mean"] == pytest.approx(0.875)
    assert values["sweep_n_boot"] == 50
    for key, value in values.items():
        assert isinstance(value, str | bool | int | float | np.number), key
    with pytest.raises(ValueError, match="design's tasks"):
        ss.glue_values(summary, dataclasses.replace(result, table=table.iloc[1:]), PARAMS,
                       n_workers=2)


def test_the_strong_gains_crossing_needs_the_complete_grid():
    design = dataclasses.replace(_design(), run_full=True)
    table = _sweep_table(_design())
    strong = [r for g in GTS for f in FRACTIONS for r in _ffh_and_hints(g, f, 1.0)]
    table = pd.concat([table, pd.DataFrame(strong)], ignore_index=True)
    summary = ss.summarize(table, design, PARAMS, n_boot=50)
    c = summary.strong_gain_crossing
    # FFH at gain 1 is 0.05 above: normalised + 0.0625, crossing 0.9 earlier
    expected = crossing_fraction(FRACTIONS, [v + 0.0625 for v in FFH_NORMALISED.values()])
    assert c is not None and c.estimate == pytest.approx(expected)
    assert c.estimate < summary.similarity.crossing.estimate


def test_n_observed_is_what_the_recorded_counts_use():
    assert ss.recorded_neurons(PARAMS, (0.025,)) == (n_observed(60, 0.025),)


# --- figures (ffhlib.plotting.sweep): what each draws is the result it is given


def _same(values, expected) -> bool:
    values, expected = np.asarray(values, dtype=float), np.asarray(expected, dtype=float)
    return values.shape == expected.shape and np.allclose(values, expected)


def _lines_with(ax, ydata):
    """The lines of ``ax`` whose y values are ``ydata``."""
    return [ln for ln in ax.get_lines() if _same(ln.get_ydata(), ydata)]


def test_similarity_figure_draws_both_scales_the_level_and_the_fractions():
    import matplotlib.pyplot as plt

    from ffhlib.plotting.sweep import plot_sweep_similarity

    s = ss.similarity_by_fraction(_main(), params=PARAMS, n_boot=20)
    fig = plot_sweep_similarity(s)
    raw, norm = fig.axes
    assert _lines_with(raw, s.ffh.mean) and _lines_with(raw, s.hints.mean)
    assert _lines_with(raw, [ORACLE] * 2) and _lines_with(raw, [CEILING] * 2)
    assert _lines_with(norm, s.normalized["ffh"].mean)
    assert _lines_with(norm, s.normalized["hints"].mean)  # above 1 at 30 %, as it is
    assert norm.get_ylim()[1] > s.normalized["hints"].mean[-1] > 1
    assert _lines_with(norm, [0.9] * 2) and _lines_with(norm, [1.0] * 2)
    for c in (s.crossing, s.crossing_recordings):
        assert [ln for ln in norm.get_lines() if _same(ln.get_xdata(), [c.estimate] * 2)]
    # the hints' points from fewer neurons than d drawn open, on both panels
    for ax, hints in ((raw, s.hints.mean), (norm, s.normalized["hints"].mean)):
        (open_,) = [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "white"]
        assert _same(open_.get_ydata(), hints[:2])
    assert [t.get_text() for t in norm.texts] == ["90 % of floor → oracle"]
    assert raw.get_xscale() == "log" == norm.get_xscale()
    assert [t.get_text() for t in raw.get_xticklabels()] == ["1", "5", "10", "30"]
    (legend,) = fig.legends
    assert "two samples of unrecorded neurons" in [t.get_text() for t in legend.get_texts()]
    plt.close(fig)
    never = dataclasses.replace(s, crossing=dataclasses.replace(s.crossing, estimate=math.nan))
    fig = plot_sweep_similarity(never)
    assert len(fig.axes[1].get_lines()) == len(norm.get_lines()) - 1  # no FFH fraction marked
    plt.close("all")


def test_behaviour_figure_has_both_panels_and_one_legend():
    import matplotlib.pyplot as plt

    from ffhlib.plotting.sweep import plot_sweep_behaviour

    b = ss.behaviour_by_fraction(_main())
    fig = plot_sweep_behaviour(b)
    left, right = fig.axes
    assert _lines_with(left, b.gen.mean) and _lines_with(right, b.fit.mean)
    assert _lines_with(left, [b.gen_flat["interpolation"].mean] * 2)
    assert _lines_with(right, [b.fit_ff.mean] * 2)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["FF", "angular interpolation", "FFH"]
    plt.close(fig)


def test_gain_figure_draws_each_fraction_and_each_ground_truth_as_dots():
    import matplotlib.pyplot as plt

    from ffhlib.plotting.sweep import plot_sweep_gain

    design = _design()
    g = ss.gain_comparison(ss.gain_rows(_gain_table(), design, MUSCLES), gains=design.gains,
                           fractions=design.second_fractions, main_gain=GAIN, n_ground_truths=2)
    fig = plot_sweep_gain(g)
    (ax,) = fig.axes
    for j in range(len(g.fractions)):
        assert _lines_with(ax, g.means[j])
    assert len(ax.get_lines()) == 2 + 1  # one mean line per fraction, FF's line last
    dots = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    assert np.allclose(np.sort(dots), np.sort(g.per_ground_truth.ravel()))
    assert not [c for c in ax.containers]  # two ground truths: no interval anywhere
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "FFH, 5 % recorded", "FFH, 30 % recorded", "FF"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.2", "1"]
    plt.close(fig)
