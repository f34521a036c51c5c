"""Every wording of the book's outcome-dependent sentences (ffhlib.report), branch by branch.

Each chapter's sentences have their own section below; the results they word are built by hand
(frozen result objects with chosen numbers), so that each expected sentence can be read off.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ffhlib import report
from ffhlib.generalization_summary import NetworkNoiseEffect, NoiseCurve, TrainingNoise
from ffhlib.stats import grouped_paired_summary
from ffhlib.sweep_summary import FfhVersusHints, GainComparison, LevelCrossing

# --- 06 generalization


def _paired_06(diffs):
    """A grouped paired summary whose per-group differences are ``diffs`` (one unit each)."""
    d = np.asarray(diffs, dtype=float)
    return grouped_paired_summary(1.0 + d, np.ones_like(d), np.arange(d.size))


def _training_noise_06(*, best=0.5, baseline=0.25, full=False, values=(0.0, 0.05), n_units=6):
    values = np.asarray(values, dtype=float)
    curve = NoiseCurve(mean=np.full(values.size, 1.0), low=np.zeros(values.size),
                       high=np.full(values.size, 2.0))
    effects = (NetworkNoiseEffect("FF", 2.9425, 0.951, 2, 6),
               NetworkNoiseEffect("FFH", 1.5583, 0.2745, 5, 6))
    return TrainingNoise(
        values=values, curves={"ff": curve, "ffh": curve, "interpolation": curve},
        versus_ff={float(s): _paired_06([-0.1, -0.2, 0.05]) for s in values}, n_units=n_units,
        full=full, effects=effects, baseline_error=baseline, best_error=best, n_new_trainings=4)


def test_training_noise_units_text_names_the_seeds_run():
    assert (report.training_noise_units_text(_training_noise_06(full=True, n_units=12))
            == "12 units: every network seed")
    assert (report.training_noise_units_text(_training_noise_06(full=False, n_units=6))
            == "6 units: the first network seed of each ground truth")


def test_training_noise_verdict_words_every_value_with_the_paired_comparison():
    result = _training_noise_06(values=(0.0, 0.05, 0.1))
    parts = report.training_noise_verdict(result).split("; at ")
    assert len(parts) == 3
    expected = report.describe_comparison(result.versus_ff[0.05], what="error", better="lower")
    assert parts[1] == "σ_train = 0.05, " + expected
    assert parts[0].startswith("at σ_train = 0, FFH's error is on average lower (better)")


def test_network_noise_effect_text():
    effect = NetworkNoiseEffect("FF", 2.9425, 0.951, 2, 6)
    assert (report.network_noise_effect_text(effect, 0.05)
            == "for FF from 2.94 to 0.95 (lower at 0.05 in 2 of 6 ground truths)")


@pytest.mark.parametrize(("best", "baseline", "expected"), [
    (0.5, 0.25, "still 2.0 times that of the angular interpolation (0.500 against 0.250)"),
    (0.26, 0.25, "about that of the angular interpolation (0.260 against 0.250)"),
    (1.05, 1.0, "about that of the angular interpolation (1.050 against 1.000)"),
    (0.95, 1.0, "about that of the angular interpolation (0.950 against 1.000)"),
    (0.1, 0.25, "below that of the angular interpolation (0.100 against 0.250)"),
    (0.1, math.nan, "cannot be compared with the angular interpolation's (not computed)"),
    (0.1, 0.0, "cannot be compared with the angular interpolation's (not computed)"),
])
def test_baseline_versus_text_every_branch(best, baseline, expected):
    assert report.baseline_versus_text(_training_noise_06(best=best, baseline=baseline)) == expected


def test_training_noise_effect_text_is_one_sentence_from_the_results():
    text = report.training_noise_effect_text(_training_noise_06(best=0.5, baseline=0.25))
    assert text == ("From σ_train = 0 to 0.05, the error on untrained directions changes for FF "
                    "from 2.94 to 0.95 (lower at 0.05 in 2 of 6 ground truths); for FFH from 1.56 "
                    "to 0.27 (lower at 0.05 in 5 of 6 ground truths). At σ_train = 0.05 the "
                    "better network's error is still 2.0 times that of the angular "
                    "interpolation (0.500 against 0.250)")


def test_generalization_texts_words_each_test_in_its_direction():
    from types import SimpleNamespace

    better = _paired_06([-0.1, -0.2, -0.3, -0.1, -0.2, -0.4])  # FFH lower in all 6: significant
    worse = _paired_06([0.1, 0.2, 0.3, 0.1, 0.2, 0.4])
    summary = SimpleNamespace(
        untrained=SimpleNamespace(versus_ff=better), leave_one_out=SimpleNamespace(versus_ff=worse),
        unobserved=SimpleNamespace(versus_ff=worse),
        input_noise=SimpleNamespace(versus_ff=_paired_06([0.1, -0.1, 0.2]),
                                    increase_versus_ff=better),
        training_noise=_training_noise_06())
    texts = report.generalization_texts(summary)
    assert texts["gen_claim"] == "✔ supports"  # lower error is better
    assert texts["loo_claim"] == "✘ against"
    assert texts["unobs_claim"] == "✔ supports"  # a higher R² is better
    assert texts["noise_claim"] == "– not significant"
    assert texts["gen_verdict"].startswith("FFH's error on untrained directions is lower (better)")
    assert "significant" in texts["noise_increase_verdict"]
    assert texts["gen_noise_units_text"] == "6 units: the first network seed of each ground truth"
    assert set(texts) == {"gen_verdict", "gen_claim", "loo_verdict", "loo_claim", "unobs_verdict",
                          "unobs_claim", "noise_verdict", "noise_claim", "noise_increase_verdict",
                          "gen_noise_units_text", "gen_noise_verdict", "gen_noise_effect_text"}
    assert all(isinstance(v, str) and v for v in texts.values())


# --- 07 how many neurons


def _crossing_07(estimate=0.123, low=0.08, high=0.2, n_not_reached=0, n_boot=2000):
    return LevelCrossing(level=0.9, estimate=estimate, low=low, high=high,
                         n_not_reached=n_not_reached, n_boot=n_boot, n_neurons=200)


def test_fraction_for_level_text_reached_or_not():
    assert report.fraction_for_level_text(_crossing_07(estimate=0.123)) == "12.3 %"
    assert (report.fraction_for_level_text(_crossing_07(estimate=math.nan))
            == "no fraction of the grid (the mean curve stays below 90 %)")


def test_neurons_for_level_text_reached_or_none():
    assert report.neurons_for_level_text(_crossing_07(estimate=0.123)) == "25"  # 24.6 neurons
    assert report.neurons_for_level_text(_crossing_07(estimate=math.nan)) == "none"


def test_level_interval_text_computable_or_not():
    assert (report.level_interval_text(_crossing_07(low=0.08, high=0.2))
            == "8.0 % to 20.0 % (16 to 40 neurons)")
    assert report.level_interval_text(_crossing_07(low=math.nan, high=math.nan)) == "not computable"


def test_not_reached_text_only_when_resamples_miss_the_level():
    assert report.not_reached_text(_crossing_07(n_not_reached=0)) == ""
    assert (report.not_reached_text(_crossing_07(n_not_reached=37, n_boot=500))
            == " 37 of the 500 resamples never reach the level; they are left out of the "
               "interval.")


def _versus_07(mean_diffs_by_fraction):
    """FFH − hints at each fraction: six ground truths, all with the given difference (or a
    mixed sign, for None: not significant)."""
    comparisons = []
    for d in mean_diffs_by_fraction.values():
        diffs = [d * (1 + 0.1 * k) for k in range(6)] if d is not None else [0.3, -0.1, 0.2]
        comparisons.append(_paired_06(diffs))
    return FfhVersusHints(fractions=tuple(mean_diffs_by_fraction), comparisons=tuple(comparisons))


def test_versus_hints_text_at_no_fraction():
    text = report.versus_hints_text(_versus_07({0.05: -0.1, 0.3: -0.2}))
    assert text.startswith("At no recorded fraction is FFH, on average, more similar to E")


def test_versus_hints_text_higher_but_nowhere_significant():
    result = _versus_07({0.05: None, 0.3: -0.2})
    assert result.higher == (0.05,) and result.significant == ()
    assert report.versus_hints_text(result) == (
        "FFH is more similar to E than its own hints, on average, at 5 % (at none of them "
        "significantly over ground truths); at the other fractions the recorded neurons "
        "themselves are at least as similar to E as the network trained on them.")


def test_versus_hints_text_higher_and_significant():
    result = _versus_07({0.05: None, 0.1: 0.2, 0.3: 0.1, 0.6: -0.1})
    assert result.higher == (0.05, 0.1, 0.3) and result.significant == (0.1, 0.3)
    assert report.versus_hints_text(result).startswith(
        "FFH is more similar to E than its own hints, on average, at 5 %, 10 %, 30 % "
        "(significantly over ground truths at 10 %, 30 %); at the other fractions")


def _gains_07(gains, main_gain=0.2):
    n = len(gains)
    return GainComparison(gains=tuple(gains), main_gain=main_gain, fractions=(0.05, 0.3),
                          means=np.zeros((2, n)), per_ground_truth=np.zeros((2, 1, n)), ff=None,
                          at_low=tuple(0.1 * (k + 1) for k in range(n)),
                          at_high=tuple(0.2 * (k + 1) for k in range(n)), n_ground_truths=1)


@pytest.mark.parametrize(("gains", "expected"), [
    ((0.3, 1.0), "The main curve's gain, 0.2, is not among them"),
    ((0.2,), "Only the main curve's gain (0.2) is run"),
    ((0.2, 1.0), "The main curve's gain (0.2) is compared with a stronger one (1)"),
    ((0.1, 0.2), "The main curve's gain (0.2) is compared with a weaker one (0.1)"),
    ((0.1, 0.2, 0.5, 1.0), "The main curve's gain (0.2) is compared with a weaker one (0.1) and "
                           "stronger ones (0.5, 1)"),
    ((0.05, 0.1, 0.2, 1.0), "The main curve's gain (0.2) is compared with weaker ones (0.05, 0.1) "
                            "and a stronger one (1)"),
])
def test_gain_compare_text_every_branch(gains, expected):
    assert report.gain_compare_text(_gains_07(gains)) == expected


def test_gain_result_text_gain_by_gain():
    assert report.gain_result_text(_gains_07((0.2, 1.0))) == (
        "Mean canonical correlation with E by hint gain: gain 0.2: 0.100 at 5 % and 0.200 at "
        "30 %; gain 1: 0.200 at 5 % and 0.400 at 30 %")


def test_gain_design_text_singular_and_plural_ground_truths():
    from types import SimpleNamespace

    def design(gts):
        return SimpleNamespace(gains=(0.2, 1.0), second_fractions=(0.3, 0.05),
                               second=SimpleNamespace(ground_truth_seeds=gts))

    assert (report.gain_design_text(design((0,)))
            == "hint gains 0.2, 1 at 30 %, 5 % recorded, on 1 ground truth")
    assert (report.gain_design_text(design((0, 1)))
            == "hint gains 0.2, 1 at 30 %, 5 % recorded, on 2 ground truths")


def test_failed_tasks_text_singular_and_plural():
    assert (report.failed_tasks_text(1)
            == "1 task failed (marked in the table, left out of every summary):")
    assert report.failed_tasks_text(3).startswith("3 tasks failed")


def test_how_many_neurons_texts_has_every_sentence_key():
    from types import SimpleNamespace

    summary = SimpleNamespace(
        similarity=SimpleNamespace(crossing=_crossing_07(estimate=math.nan, low=math.nan,
                                                      high=math.nan, n_not_reached=2000)),
        versus_hints=_versus_07({0.05: -0.1}), gains=_gains_07((0.2, 1.0)),
        design=SimpleNamespace(gains=(0.2, 1.0), second_fractions=(0.05, 0.3),
                               second=SimpleNamespace(ground_truth_seeds=(0,))))
    texts = report.how_many_neurons_texts(summary)
    assert texts["neurons_for_90pct_text"] == "none"
    assert texts["fraction_for_90pct_interval_text"] == "not computable"
    assert texts["sweep_not_reached_text"].startswith(" 2000 of the 2000 resamples")
    assert set(texts) == {"fraction_for_90pct_text", "neurons_for_90pct_text",
                          "fraction_for_90pct_interval_text", "sweep_not_reached_text",
                          "sweep_beats_hints_text", "sweep_gain_text", "sweep_gain_result_text",
                          "sweep_gain_compare_text"}
