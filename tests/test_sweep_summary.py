"""Chapter 07's summaries against small hand-built sweep tables whose answers can be read off."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from ffhlib import sweep_summary as ss
from ffhlib.study import StudyParams
from ffhlib.sweep import (
    SweepResult,
    crossing_fraction,
    neuron_sweep_design,
    sweep_tasks,
)

GTS = (0, 1, 2, 3, 4, 5)
FRACTIONS = (0.05, 0.1, 0.3)
PARAMS = dataclasses.replace(StudyParams.quick(), ground_truth_seeds=GTS, seeds=(0,))
GAIN = PARAMS.force.hint_gain
MUSCLES = PARAMS.observation.muscle_fraction


def _row(g, kind, *, fraction=math.nan, gain=math.nan, muscles=MUSCLES, seed=0, cca=0.0,
         gen=0.0, fit=0.0):
    return {"ground_truth": g, "seed": seed, "network": kind, "error": "",
            "neuron_fraction": fraction, "hint_gain": gain, "muscle_fraction": muscles,
            "cca_e": cca, "gen_err": gen, "fit_r2": fit,
            "train_seconds": 20.0 + g if kind == "ffh" else math.nan}


def ffh_cca(g, f):
    """FFH's similarity: rises with the fraction; normalised (floor 0.2, ceiling 1.0) it is
    0.5, 0.8, 1.0 at 5, 10, 30 % plus a ground-truth offset."""
    return 0.2 + 0.8 * ({0.05: 0.5, 0.1: 0.8, 0.3: 1.0}[f] + 0.02 * (g - 2.5))


def _table():
    rows = []
    for g in GTS:
        rows += [_row(g, "ff", fraction=0.0, cca=0.3, gen=1.0, fit=0.95),
                 _row(g, "floor", cca=0.2), _row(g, "ceiling", cca=1.0),
                 _row(g, "interpolation", gen=0.2)]
        for f in FRACTIONS:
            rows.append(_row(g, "ffh", fraction=f, gain=GAIN, cca=ffh_cca(g, f),
                             gen=0.5 - f, fit=0.9 + f / 10))
            # hints: above FFH at 5 %, below it at 10 % and 30 %
            rows.append(_row(g, "hints", fraction=f, cca=ffh_cca(g, f) + (0.05 if f == 0.05
                                                                          else -0.05)))
        # rows the main curve must leave out: another gain, muscle fraction, seed
        rows.append(_row(g, "ffh", fraction=0.05, gain=1.0, cca=0.9))
        rows.append(_row(g, "ffh", fraction=0.05, gain=GAIN, muscles=0.8, cca=0.95))
        rows.append(_row(g, "ffh", fraction=0.05, gain=GAIN, seed=7, cca=0.99))
    return pd.DataFrame(rows)


def test_main_rows_select_the_study_cell():
    main = ss.main_rows(_table(), PARAMS, FRACTIONS)
    ffh = main[main["network"] == "ffh"]
    assert len(ffh) == 6 * 3 and (ffh["hint_gain"] == GAIN).all()
    assert (ffh["muscle_fraction"] == MUSCLES).all() and (ffh["seed"] == 0).all()
    assert len(main[main["network"] == "ff"]) == 6  # FF has no gain and is kept
    only_5 = ss.main_rows(_table(), PARAMS, (0.05,))
    assert set(only_5[only_5["network"] == "ffh"]["neuron_fraction"]) == {0.05}


def test_similarity_by_fraction_against_hand_values():
    main = ss.main_rows(_table(), PARAMS, FRACTIONS)
    s = ss.similarity_by_fraction(main, n_neurons=200, n_boot=200, rng=1)
    assert np.allclose(s.ffh.x, FRACTIONS)
    assert np.allclose(s.ffh.mean, [0.2 + 0.8 * v for v in (0.5, 0.8, 1.0)])
    assert s.flat["floor"].mean == pytest.approx(0.2) and s.flat["ceiling"].mean == 1.0
    assert s.level_value == pytest.approx(0.2 + 0.9 * 0.8)
    # the mean normalised curve is 0.5, 0.8, 1.0: 0.9 is crossed half-way (in log) from 10 to 30 %
    expected = math.exp(math.log(0.1) + 0.5 * (math.log(0.3) - math.log(0.1)))
    assert s.crossing.estimate == pytest.approx(expected)
    assert s.crossing.estimate == pytest.approx(crossing_fraction(FRACTIONS, [0.5, 0.8, 1.0]))
    assert s.crossing.reached and s.crossing.interval_computable
    assert s.crossing.low <= s.crossing.estimate <= s.crossing.high
    assert s.crossing.neurons == pytest.approx(200 * expected)
    assert s.crossing.n_boot == 200
    # Spearman over FFH's 18 rows: the fraction's ranks against the similarity's
    ffh = main[main["network"] == "ffh"]
    ranks = [pd.Series(ffh[c].to_numpy()).rank().to_numpy() for c in ("neuron_fraction", "cca_e")]
    assert s.spearman == pytest.approx(np.corrcoef(*ranks)[0, 1])
    assert s.n_ffh_rows == 18


def test_a_level_never_reached_is_nan_with_every_resample_counted():
    crossing = ss.level_crossing(ss.main_rows(_table(), PARAMS, (0.05, 0.1)), n_neurons=200,
                                 level=0.95, n_boot=50)
    assert not crossing.reached and not crossing.interval_computable
    assert math.isnan(crossing.neurons) and crossing.n_not_reached == 50


def test_ffh_versus_hints_per_fraction():
    v = ss.ffh_versus_hints(ss.main_rows(_table(), PARAMS, FRACTIONS), FRACTIONS)
    assert v.fractions == FRACTIONS
    assert [c.mean_diff for c in v.comparisons] == pytest.approx([-0.05, 0.05, 0.05])
    assert v.higher == (0.1, 0.3) and v.significant == (0.1, 0.3)  # six of six ground truths


def test_behaviour_by_fraction():
    b = ss.behaviour_by_fraction(ss.main_rows(_table(), PARAMS, FRACTIONS))
    assert np.allclose(b.gen.mean, [0.45, 0.4, 0.2])
    assert np.allclose(b.fit.mean, [0.905, 0.91, 0.93])
    assert b.gen_flat["interpolation"].mean == pytest.approx(0.2)
    assert b.fit_ff.mean == pytest.approx(0.95)


def test_value_at_takes_the_nearest_grid_point():
    main = ss.main_rows(_table(), PARAMS, FRACTIONS)
    c = ss.similarity_by_fraction(main, n_neurons=200, n_boot=20).ffh
    assert ss.value_at(c, 0.06) == pytest.approx(c.mean[0])
    assert ss.value_at(c, 0.25) == pytest.approx(c.mean[2])


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
    assert g.ff.mean == pytest.approx(0.3)
    assert g.stronger == (1.0,) and g.weaker == () and g.includes_main


def test_summarize_and_glue_values():
    # the hint-gain grid shares its cells at the study's gain with the main curve (a sweep's
    # table holds each task once): only its stronger gain adds rows
    gains = _gain_table()
    table = pd.concat([_table(), gains[(gains["network"] == "ffh") & (gains["hint_gain"] == 1.0)
                                       & gains["neuron_fraction"].isin((0.05, 0.3))]],
                      ignore_index=True)
    design = _design()
    summary = ss.summarize(table, design, PARAMS, n_boot=50)
    assert summary.similarity.crossing.n_neurons == PARAMS.ground_truth.soc.n_neurons
    assert summary.n_rows == len(table) and summary.n_ground_truths == 6
    result = SweepResult(table=table, n_tasks=40, wall_seconds=3.0, task_seconds_total=600.0,
                         cache_hits=10, n_workers_used=2, n_failed=0)
    values = ss.glue_values(summary, result, PARAMS, n_workers=2)
    assert values["sweep_cold_minutes"] == pytest.approx(600 / 60 / 2)
    n_full = len(sweep_tasks(PARAMS, design.full, design.kinds))
    assert values["sweep_full_n_tasks"] == n_full
    ffh_seconds = table[table["network"] == "ffh"]["train_seconds"]
    assert values["sweep_full_hours"] == pytest.approx(n_full / 2 * ffh_seconds.median() / 7200)
    assert values["sweep_fractions_text"] == "5 %, 10 %, 30 %"
    assert values["sweep_min_percent"] == 5.0 and values["sweep_max_percent"] == 30.0
    assert values["cca_unobserved_ffh_at_5pct"] == pytest.approx(0.6)
    assert values["sweep_second_n_ground_truths"] == 2
    assert values["fraction_for_90pct"] == summary.similarity.crossing.estimate
    assert values["sweep_n_boot"] == 50
    for key, value in values.items():
        assert isinstance(value, str | bool | int | float | np.number), key


# --- figures (ffhlib.plotting.sweep): what each draws is the result it is given


def _same(values, expected) -> bool:
    values, expected = np.asarray(values, dtype=float), np.asarray(expected, dtype=float)
    return values.shape == expected.shape and np.allclose(values, expected)


def _lines_with(ax, ydata):
    """The lines of ``ax`` whose y values are ``ydata``."""
    return [ln for ln in ax.get_lines() if _same(ln.get_ydata(), ydata)]


def test_similarity_figure_draws_the_curves_the_level_and_its_fraction():
    import matplotlib.pyplot as plt

    from ffhlib.plotting.sweep import plot_sweep_similarity

    s = ss.similarity_by_fraction(ss.main_rows(_table(), PARAMS, FRACTIONS), n_neurons=60,
                                  n_boot=20)
    fig = plot_sweep_similarity(s)
    (ax,) = fig.axes
    assert _lines_with(ax, s.ffh.mean) and _lines_with(ax, s.hints.mean)
    assert _lines_with(ax, [s.level_value] * 2)  # the dotted level
    verticals = [ln for ln in ax.get_lines() if _same(ln.get_xdata(), [s.crossing.estimate] * 2)]
    assert len(verticals) == 1
    assert [t.get_text() for t in ax.texts] == ["90 % of floor → ceiling"]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5", "10", "30"]
    plt.close(fig)
    never = dataclasses.replace(s, crossing=dataclasses.replace(s.crossing, estimate=math.nan))
    fig = plot_sweep_similarity(never)
    assert not [ln for ln in fig.axes[0].get_lines() if np.isnan(ln.get_xdata()).any()]
    assert len(fig.axes[0].get_lines()) == len(ax.get_lines()) - 1  # no fraction marked
    plt.close("all")


def test_behaviour_figure_has_both_panels_and_one_legend():
    import matplotlib.pyplot as plt

    from ffhlib.plotting.sweep import plot_sweep_behaviour

    b = ss.behaviour_by_fraction(ss.main_rows(_table(), PARAMS, FRACTIONS))
    fig = plot_sweep_behaviour(b)
    left, right = fig.axes
    assert _lines_with(left, b.gen.mean) and _lines_with(right, b.fit.mean)
    assert _lines_with(left, [b.gen_flat["interpolation"].mean] * 2)
    assert _lines_with(right, [b.fit_ff.mean] * 2)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["FF", "angular interpolation", "FFH"]
    plt.close(fig)


def test_gain_figure_draws_each_fraction_and_ground_truth():
    import matplotlib.pyplot as plt

    from ffhlib.plotting.sweep import plot_sweep_gain

    design = _design()
    g = ss.gain_comparison(ss.gain_rows(_gain_table(), design, MUSCLES), gains=design.gains,
                           fractions=design.second_fractions, main_gain=GAIN, n_ground_truths=2)
    fig = plot_sweep_gain(g)
    (ax,) = fig.axes
    for j in range(len(g.fractions)):
        assert _lines_with(ax, g.means[j])
        for values in g.per_ground_truth[j]:
            assert _lines_with(ax, values)
    assert len(ax.get_lines()) == 2 * (1 + 2) + 1  # FF's line last
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "FFH, 5 % recorded", "FFH, 30 % recorded", "FF"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.2", "1"]
    plt.close(fig)
