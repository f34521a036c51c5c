"""Chapter 06's summaries against small hand-built tables whose answers can be read off."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from ffhlib import generalization_summary as gs
from ffhlib.generalization import GeneralizationParams, UntrainedExample
from ffhlib.study import StudyParams

GTS = (0, 1, 2, 3, 4, 5)


def _study_table(gen_err, fit_r2=None, train_seconds=10.0):
    """One row per (ground truth, seed, kind): ``gen_err[kind](g, s)``."""
    fit_r2 = fit_r2 or {"ff": lambda g, s: 0.9, "ffh": lambda g, s: 0.8}
    rows = []
    for g in GTS:
        for s in (0, 1):
            for kind, f in gen_err.items():
                rows.append({"ground_truth": g, "seed": s, "network": kind, "error": "",
                             "gen_err": f(g, s),
                             "fit_r2": fit_r2.get(kind, lambda g, s: np.nan)(g, s),
                             "train_seconds": train_seconds if kind == "ffh" else np.nan})
    return pd.DataFrame(rows)


def _errors():
    return {"ff": lambda g, s: 1.0 + 0.1 * g + 0.01 * s,
            "ffh": lambda g, s: 0.5 + 0.1 * g - 0.02 * s,
            "interpolation": lambda g, s: 0.25}


def test_untrained_directions_against_hand_means():
    table = _study_table(_errors(), fit_r2={"ff": lambda g, s: 0.9, "ffh": lambda g, s: 0.8})
    u = gs.untrained_directions(table)
    # means over ground truths of the per-ground-truth means over seeds
    assert u.errors["ff"].mean == pytest.approx(np.mean([1.0 + 0.1 * g + 0.005 for g in GTS]))
    assert u.errors["ffh"].mean == pytest.approx(np.mean([0.5 + 0.1 * g - 0.01 for g in GTS]))
    assert u.fit_r2["ffh"].mean == pytest.approx(0.8)
    # FFH − FF = -0.5 - 0.03 s in every unit: per ground truth the seeds' differences
    assert u.versus_ff.mean_diff == pytest.approx(-0.515)
    assert set(u.unit_differences) == set(GTS)
    assert np.allclose(u.unit_differences[3], [-0.5, -0.53])
    assert u.ratio_ffh == pytest.approx(u.errors["ffh"].mean / 0.25)
    assert u.ratio_ff == pytest.approx(u.errors["ff"].mean / 0.25)
    # FFH is above the interpolation everywhere: it does not beat it
    assert not u.beats_interpolation


def test_untrained_directions_beats_interpolation_only_when_significantly_lower():
    errors = {**_errors(), "interpolation": lambda g, s: 2.0}
    assert gs.untrained_directions(_study_table(errors)).beats_interpolation
    few = _study_table(errors)
    few = few[few["ground_truth"] < 3]  # 3 ground truths cannot reach p < 0.05
    assert not gs.untrained_directions(few).beats_interpolation


def test_untrained_ratio_is_nan_not_an_error_with_a_zero_baseline():
    errors = {**_errors(), "interpolation": lambda g, s: 0.0}
    assert np.isnan(gs.untrained_directions(_study_table(errors)).ratio_ff)


def _loo_table():
    rows = []
    for g in GTS:
        held = g % 4
        for kind, (err, fit) in {"ff": (2.0 + g, 0.1), "ffh": (1.0 + g, 0.2),
                                 "interpolation": (0.3, np.nan)}.items():
            rows.append({"ground_truth": g, "seed": 0, "network": kind, "held_out": held,
                         "loo_err": err, "fit_err": fit})
    return pd.DataFrame(rows)


def test_leave_one_out_summary():
    loo = gs.leave_one_out_summary(_loo_table())
    assert loo.n_units == 6 and loo.n_directions == 4
    assert loo.fit_ff == pytest.approx(0.9) and loo.fit_ffh == pytest.approx(0.8)
    assert loo.errors["interpolation"].mean == pytest.approx(0.3)
    assert loo.versus_ff.mean_diff == pytest.approx(-1.0)
    assert loo.versus_ff.significant  # lower in all six ground truths


GEN = GeneralizationParams(input_noise_sigmas=(0.0, 0.4, 0.8), noise_sigma=0.4, noise_trials=2,
                           ridge_penalty=0.1, ridge_penalties=(0.01, 0.1, 1.0), readout_folds=4)


def _evaluations():
    rows = []
    for g in GTS:
        for kind in ("ff", "ffh", "hints", "soc"):
            base = {"ff": 0.2, "ffh": 0.5, "hints": 0.6, "soc": 0.9}[kind]
            row = {"ground_truth": g, "seed": 0, "network": kind, "unobs_r2": base + 0.01 * g}
            row.update({f"unobs_r2_p{i}": base - 0.1 * i * (kind == "ffh") for i in range(3)})
            # the error grows with sigma, twice as fast for FF
            slope = {"ff": 1.0, "ffh": 0.5}.get(kind, np.nan)
            row.update({f"noise_err_s{i}": 0.1 + slope * s for i, s in enumerate((0, 0.4, 0.8))})
            row.update({f"noise_cca_s{i}": base - 0.1 * i for i in range(3)})
            rows.append(row)
    return pd.DataFrame(rows)


def test_unobserved_muscles():
    u = gs.unobserved_muscles(_evaluations(), GEN)
    assert u.r2["soc"].mean == pytest.approx(0.9 + 0.025)
    assert u.versus_ff.mean_diff == pytest.approx(0.3)
    assert np.allclose(u.penalties, [0.01, 0.1, 1.0]) and u.penalty == 0.1 and u.folds == 4
    # FFH − FF at penalty i: 0.5 - 0.1 i - 0.2
    assert np.allclose(u.difference_by_penalty, [0.3, 0.2, 0.1])
    assert u.by_penalty["hints"].mean.shape == (3,)


def test_input_noise_reads_the_quoted_sigma_and_leaves_the_table_alone():
    table = _evaluations()
    before = table.copy()
    n = gs.input_noise(table, GEN)
    pd.testing.assert_frame_equal(table, before)
    assert n.index == 1 and n.sigma == 0.4 and n.trials == 2
    assert np.allclose(n.errors["ff"].mean, [0.1, 0.5, 0.9])
    assert n.versus_ff.mean_diff == pytest.approx(0.3 - 0.5)
    # increase from sigma 0 to 0.4: FF 0.4, FFH 0.2
    assert n.increase_versus_ff.mean_diff == pytest.approx(-0.2)
    assert n.cca_versus_ff.mean_diff == pytest.approx(0.3)


def _noise_study():
    parts = []
    for sigma, ff, ffh in ((0.05, 1.0, 0.5), (0.0, 3.0, 1.5)):
        # ground truth 0's FF is at 4.0 with the study's noise: its error is higher there
        errors = {"ff": lambda g, s, v=ff, top=sigma == 0.05: v + 3.0 * (g == 0) * top,
                  "ffh": lambda g, s, v=ffh: v, "interpolation": lambda g, s: 0.25}
        parts.append(_study_table(errors).assign(sigma_train=sigma))
    return pd.concat(parts, ignore_index=True)


def test_training_noise_against_hand_values():
    t = gs.training_noise(_noise_study(), study_noise=0.05, full=True)
    assert np.allclose(t.values, [0.0, 0.05])  # sorted whatever the table's order
    assert np.allclose(t.curves["ffh"].mean, [1.5, 0.5])
    assert np.allclose(t.curves["ff"].mean, [3.0, 1.0 + 3.0 / 6])  # ground truth 0 at 4.0
    ff, ffh = t.effects
    assert (ff.network, ff.n_lower, ff.n_ground_truths) == ("FF", 5, 6)  # 4.0 > 3.0 for g = 0
    assert (ffh.network, ffh.n_lower) == ("FFH", 6)
    assert ffh.error_at_low == pytest.approx(1.5) and ffh.error_at_high == pytest.approx(0.5)
    assert t.baseline_error == pytest.approx(0.25) and t.best_error == pytest.approx(0.5)
    assert t.baseline_ratio == pytest.approx(2.0)
    assert t.n_units == 12 and t.full
    assert t.n_new_trainings == 24  # FF and FFH of 12 units at sigma 0
    assert set(t.versus_ff) == {0.0, 0.05}


def test_noise_tag():
    assert gs.noise_tag(0.05) == "0p05" and gs.noise_tag(0.0) == "0" and gs.noise_tag(1.5) == "1p5"


def _summary():
    table = _study_table(_errors(), fit_r2={"ff": lambda g, s: 0.9, "ffh": lambda g, s: 0.8},
                         train_seconds=30.0)
    params = dataclasses.replace(StudyParams.quick(), ground_truth_seeds=GTS, seeds=(0, 1))
    return gs.summarize(table, _evaluations(), _loo_table(), _noise_study(), params=params,
                        gen=GEN, full=False)


def test_glue_values_has_every_key_with_plain_numbers():
    summary = _summary()
    example = UntrainedExample(time_ms=np.zeros(3), target=np.zeros((4, 3, 2)), outputs={},
                                  angles=np.zeros(4), muscles=np.arange(2), ground_truth=0,
                                  seed=0, n_directions=8)
    values = gs.glue_values(summary, example, chapter_seconds=12.5, n_workers=2)
    assert values["gen_offset_deg"] == 22.5 and values["gen_loo_gap_deg"] == 90.0
    assert values["n_ground_truths"] == 6 and values["n_seeds"] == 2
    # 24 networks at sigma 0 and FF, FFH of the 6 leave-one-out units, 30 s each on 2 workers
    assert values["gen_cold_trainings"] == 24 + 12
    assert values["gen_cold_minutes"] == pytest.approx(36 * 30 / 60 / 2)
    assert values["gen_noise_0p05_ffh"] == pytest.approx(0.5)
    assert values["gen_noise_values_text"] == "0, 0.05"
    assert values["unobs_sweep_diff_min"] == pytest.approx(0.1)
    assert values["unobs_penalty_max"] == 1.0
    assert values["noise_err_ff"] == pytest.approx(0.5)
    assert values["noise_err_ff_0"] == pytest.approx(0.1)
    assert values["gen_err_ff_mean"] == values["gen_err_ff"]
    assert values["gen_pvalue"] == summary.untrained.versus_ff.wilcoxon_p
    for key, value in values.items():
        assert isinstance(value, str | bool | int | float | np.number), key


def test_the_summary_tables_four_comparisons_are_one_holm_family():
    summary = _summary()
    tests = [summary.untrained.versus_ff, summary.leave_one_out.versus_ff,
             summary.unobserved.versus_ff, summary.input_noise.versus_ff]
    raw = [t.wilcoxon_p for t in tests]
    # Holm by hand: sorted ascending, multiplied by 4, 3, 2, 1, kept non-decreasing, capped at 1
    order = np.argsort(raw, kind="stable")
    expected, running = np.empty(4), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (4 - rank) * raw[i]))
        expected[i] = running
    assert [t.p_adjusted for t in tests] == pytest.approx(expected)
    assert summary.family_size == 4 and all(t.family_size == 4 for t in tests)
    # what is not in the table stays a family of one
    for other in (summary.untrained.versus_interpolation, summary.input_noise.cca_versus_ff,
                  *summary.training_noise.versus_ff.values()):
        assert other.family_size in (0, 1)
        assert other.p_adjusted == pytest.approx(other.wilcoxon_p, nan_ok=True)
    values = gs.glue_values(summary, UntrainedExample(
        time_ms=np.zeros(3), target=np.zeros((4, 3, 2)), outputs={}, angles=np.zeros(4),
        muscles=np.arange(2), ground_truth=0, seed=0, n_directions=8), chapter_seconds=1.0,
        n_workers=2)
    assert values["gen_padj"] == tests[0].p_adjusted and values["noise_padj"] == tests[3].p_adjusted
    assert values["gen_family_size"] == 4 and values["gen_n_boot"] == 2000


def test_summarize_keeps_the_study_settings():
    summary = _summary()
    assert summary.n_ground_truths == 6 and summary.n_seeds == 2
    assert summary.mean_training_seconds == 30.0
    assert summary.training_noise_value == StudyParams.quick().force.training_noise


# --- figures (ffhlib.plotting.generalization): what each draws is the result it is given


def _same(values, expected) -> bool:
    values, expected = np.asarray(values, dtype=float), np.asarray(expected, dtype=float)
    return values.shape == expected.shape and np.allclose(values, expected)


def _lines_with(ax, ydata):
    """The lines of ``ax`` whose y values are ``ydata``."""
    return [ln for ln in ax.get_lines() if _same(ln.get_ydata(), ydata)]


def test_chapter_figures_draw_their_results():
    import matplotlib.pyplot as plt

    from ffhlib.plotting import generalization as gplots

    summary = _summary()
    fig = gplots.plot_untrained(summary.untrained)
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == [*map(str, GTS), "all"]
    ax = gplots.plot_leave_one_out(summary.leave_one_out)
    # category labels are wrapped onto lines (plotting.style.category_ticks)
    assert [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()] == [
        "FF", "FFH", "angular interpolation"]
    fig = gplots.plot_unobserved(summary.unobserved)
    assert _lines_with(fig.axes[1], summary.unobserved.by_penalty["ffh"].mean)
    assert [ln for ln in fig.axes[1].get_lines() if _same(ln.get_xdata(), [0.1, 0.1])]
    fig = gplots.plot_input_noise(summary.input_noise)
    for ax in fig.axes:
        assert [ln for ln in ax.get_lines() if _same(ln.get_xdata(), [0.4, 0.4])]
    assert _lines_with(fig.axes[0], summary.input_noise.errors["ff"].mean)
    assert _lines_with(fig.axes[1], summary.input_noise.cca["ffh"].mean)
    ax = gplots.plot_training_noise(summary.training_noise)
    for kind in ("ff", "ffh", "interpolation"):
        curve = summary.training_noise.curves[kind]
        assert _lines_with(ax, curve.mean)
        assert curve.per_ground_truth.shape == (len(GTS), curve.mean.size)
        np.testing.assert_allclose(curve.per_ground_truth.mean(axis=0), curve.mean)
    from matplotlib.collections import PathCollection

    dots = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections
                           if isinstance(c, PathCollection)])  # each ground truth at every noise
    assert dots.size == 3 * len(GTS) * summary.training_noise.values.size
    _, given = plt.subplots()
    assert gplots.plot_training_noise(summary.training_noise, ax=given) is given
    plt.close("all")


def test_untrained_emg_figure_has_a_panel_per_direction_and_muscle():
    import matplotlib.pyplot as plt

    from ffhlib.plotting import generalization as gplots

    rng = np.random.default_rng(0)
    target = rng.random((4, 5, 2))
    example = UntrainedExample(time_ms=np.arange(5.0), target=target,
                                  outputs={"FF": target + 0.1, "FFH": target - 0.1},
                                  angles=np.linspace(0, np.pi, 4), muscles=np.array([0, 3]),
                                  ground_truth=0, seed=0, n_directions=8)
    fig = gplots.plot_untrained_emg(example)
    assert len(fig.axes) == 4 * 2
    assert _lines_with(fig.axes[0], target[0, :, 0] + 0.1)
    assert fig.axes[4].get_ylabel() == "m4"
    plt.close(fig)
