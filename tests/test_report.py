"""The book's outcome-dependent sentences (:mod:`ffhlib.report`): every branch, hand-made input.

Each section follows the module's: the paired-comparison sentences every chapter uses, then one
section per chapter. The expected sentences are written out in full, so a change of wording shows
here as well as in the book.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from ffhlib import report
from ffhlib import report_book as rb
from ffhlib import report_mechanisms as rm
from ffhlib import report_neurons as rn
from ffhlib.cache import CacheSavings
from ffhlib.calibration import CalibratedSettings
from ffhlib.generalization_summary import NetworkNoiseEffect, NoiseCurve, TrainingNoise
from ffhlib.inference import PairedComparison, adjust_family, paired_comparison
from ffhlib.sweep_summary import FfhVersusHints, GainComparison, LevelCrossing


def _paired(differences, *, b=None) -> PairedComparison:
    """A real comparison of one unit per ground truth with these differences ``a - b``, adjusted
    as a family of one (adjusted p = raw p)."""
    diff = np.asarray(differences, dtype=float)
    b = np.full(diff.size, 1.0) if b is None else np.asarray(b, dtype=float)
    return adjust_family({"one": paired_comparison(b + diff, b)})["one"]


def _family(*differences) -> list[PairedComparison]:
    """Real comparisons (one per list of differences) adjusted together by Holm."""
    tests = {str(k): paired_comparison(1.0 + np.asarray(d, dtype=float),
                                       np.ones(len(d))) for k, d in enumerate(differences)}
    return list(adjust_family(tests).values())


# --- comparisons (every chapter) ----------------------------------------------------------------

SIX_UP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)  # 6 groups, all positive: exact p = 2 / 2**6 = 0.03125
TWELVE_UP = tuple(0.05 * (k + 1) for k in range(12))  # exact p = 2 / 2**12


def test_the_reference_comparisons_have_the_p_values_the_sentences_assume():
    up = _paired(SIX_UP)
    assert up.wilcoxon_p == pytest.approx(2 / 2**6) and up.n_opposite == 0
    assert up.p_adjusted == up.wilcoxon_p and up.family_size == 1 and up.significant
    five = _paired(SIX_UP[:5])
    assert five.wilcoxon_p == pytest.approx(2 / 2**5) and not five.significant
    assert five.min_attainable_p == pytest.approx(0.0625)
    # a family of two: Holm doubles the smaller p (2 x 0.03125 = 0.0625), both lose significance
    a, b = _family(SIX_UP, SIX_UP)
    assert a.p_adjusted == pytest.approx(0.0625) and b.p_adjusted == pytest.approx(0.0625)
    assert a.family_size == 2 and not a.significant and not b.significant


def test_describe_comparison_significant_in_the_better_direction():
    text = report.describe_comparison(_paired(SIX_UP), what="similarity")
    assert text == ("FFH's similarity is higher (better) than FF's, and the difference is "
                    "significant (p < 0.05 over 6 ground truths, two-sided Wilcoxon signed-rank "
                    "test; every one of the 6 ground truths goes the same way)")


def test_describe_comparison_significant_but_worse_when_lower_is_better():
    text = report.describe_comparison(_paired(SIX_UP), what="error", better="lower")
    assert text.startswith("FFH's error is higher (worse) than FF's, and the difference is "
                           "significant")


def test_describe_comparison_lower_and_better():
    text = report.describe_comparison(_paired([-d for d in SIX_UP]), what="error",
                                      better="lower")
    assert text.startswith("FFH's error is lower (better) than FF's, and the difference is "
                           "significant (p < 0.05 over 6 ground truths")


def test_describe_comparison_not_significant_with_groups_going_the_other_way():
    summary = _paired([0.5, -0.4, 0.1, 0.3, -0.6, 0.2, 0.7, 0.15])  # 8 groups: p can reach 0.008
    assert not summary.significant and summary.n_opposite == 2
    assert summary.min_attainable_p < 0.05
    text = report.describe_comparison(summary, what="similarity")
    assert text == ("FFH's similarity is on average higher (better) than FF's, but the "
                    "difference is not significant (p ≥ 0.05 over 8 ground truths, two-sided "
                    "Wilcoxon signed-rank test; 2 of the 8 ground truths go the other way)")


def test_describe_comparison_names_the_floor_of_p_with_too_few_groups():
    text = report.describe_comparison(_paired(SIX_UP[:5]), what="similarity")
    assert text == ("FFH's similarity is on average higher (better) than FF's, but the "
                    "difference is not significant (p ≥ 0.05 over 5 ground truths, two-sided "
                    "Wilcoxon signed-rank test; every one of the 5 ground truths goes the same "
                    "way; with 5 ground truths the test cannot go below p = 0.0625)")


def test_describe_comparison_in_a_holm_family_names_the_family_and_its_floor():
    # six ground truths in a family of two: significant alone (0.031), not once adjusted
    first, _ = _family(SIX_UP, SIX_UP)
    assert first.wilcoxon_p < 0.05 <= first.p_adjusted
    assert report.describe_comparison(first, what="similarity") == (
        "FFH's similarity is on average higher (better) than FF's, but the difference is not "
        "significant (p ≥ 0.05 over 6 ground truths, Holm-adjusted over the 2 comparisons of "
        "the table; every one of the 6 ground truths goes the same way; with 6 ground truths "
        "and 2 comparisons in the family the adjusted p cannot go below 0.0625)")
    # twelve ground truths survive a family of four
    strong, *_ = _family(TWELVE_UP, SIX_UP, [0.1, -0.2, 0.3], [-0.1] * 6)
    assert strong.family_size == 4 and strong.significant
    assert strong.p_adjusted == pytest.approx(4 * 2 / 2**12)
    assert report.describe_comparison(strong, what="similarity") == (
        "FFH's similarity is higher (better) than FF's, and the difference is significant "
        "(p < 0.05 over 12 ground truths, Holm-adjusted over the 4 comparisons of the table; "
        "every one of the 12 ground truths goes the same way)")


def test_describe_comparison_when_the_test_cannot_be_computed():
    summary = _paired([0.0] * 6)  # no non-zero difference: no Wilcoxon p, nothing to adjust
    assert math.isnan(summary.wilcoxon_p) and math.isnan(summary.p_adjusted)
    assert summary.family_size == 0 and not summary.significant
    assert report.describe_comparison(summary, what="similarity") == (
        "the paired test could not be computed (6 ground truths, no non-zero difference)")
    # in a family, it is left out of the family's size
    nan, other = _family([0.0] * 6, SIX_UP)
    assert math.isnan(nan.p_adjusted) and other.family_size == 1
    assert other.p_adjusted == pytest.approx(other.wilcoxon_p)


def test_describe_comparison_names_and_possessives():
    text = report.describe_comparison(_paired(SIX_UP), what="fit", a="FF", b="hints",
                                      unit="networks")
    assert text.startswith("FF's fit is higher (better) than hints', and")
    assert "over 6 networks" in text


def test_describe_comparison_refuses_an_unknown_direction():
    with pytest.raises(ValueError, match="better"):
        report.describe_comparison(_paired(SIX_UP), what="x", better="bigger")


def test_claim_status_marks_each_case():
    up, down = _paired(SIX_UP), _paired([-d for d in SIX_UP])
    assert report.claim_status(up, "higher") == "✔ supports"
    assert report.claim_status(down, "lower") == "✔ supports"
    assert report.claim_status(up, "lower") == "✘ against"
    assert report.claim_status(down, "higher") == "✘ against"
    assert report.claim_status(_paired(SIX_UP[:5]), "higher") == "– not significant"
    assert report.claim_status(_paired([0.0] * 6), "higher") == "– not significant"
    # the mark follows the adjusted p: raw p < 0.05, adjusted not
    adjusted, _ = _family(SIX_UP, SIX_UP)
    assert report.claim_status(adjusted, "higher") == "– not significant"
    # and a comparison never adjusted (p_adjusted NaN) supports nothing
    raw = paired_comparison(1.0 + np.asarray(SIX_UP), np.ones(6))
    assert raw.wilcoxon_p < 0.05 and report.claim_status(raw, "higher") == "– not significant"
    with pytest.raises(ValueError, match="better"):
        report.claim_status(up, "bigger")


def test_supports_claim_needs_significance_and_the_direction():
    assert report.supports_claim(_paired(SIX_UP), "higher")
    assert not report.supports_claim(_paired(SIX_UP), "lower")
    assert not report.supports_claim(_paired(SIX_UP[:5]), "higher")
    assert not report.supports_claim(_family(SIX_UP, SIX_UP)[0], "higher")


@pytest.mark.parametrize(("size", "expected"), [
    (0, "No p-value of the table could be computed, so none is adjusted."),
    (1, "The table holds one computable p-value, so Holm's adjustment leaves it as it is "
        "(adjusted p = raw p)."),
    (4, "The 4 p-values of the table (FFH against FF, one per test) are one family: each is "
        "Holm-adjusted for the others, and a difference counts as significant only if its "
        "adjusted p is below 0.05."),
])
def test_holm_family_text_every_size(size, expected):
    assert report.holm_family_text(size, what="FFH against FF, one per test") == expected


def test_holm_family_text_refuses_a_negative_size():
    with pytest.raises(ValueError, match="family_size"):
        report.holm_family_text(-1)


# --- 08 mechanisms ------------------------------------------------------------------------------


class TestMechanisms:
    """Chapter 08: the verdict of each comparison, its table mark, and the tally."""

    def test_rotation_verdict_is_about_the_distance_from_the_socs_strength(self):
        down = _paired([-d for d in SIX_UP])
        assert rm.describe_mechanism("jpca_deviation", down) == (
            "FFH's distance from the SOC's rotational strength is lower (better) than FF's, and "
            "the difference is significant (p < 0.05 over 6 ground truths, two-sided Wilcoxon "
            "signed-rank test; every one of the 6 ground truths goes the same way)")

    @pytest.mark.parametrize("measure, what, up_is", [
        ("jpca_deviation", "distance from the SOC's rotational strength", "worse"),
        ("prep_rsa", "match of the preparatory geometry", "better"),
        ("dsa", "DSA distance to E", "worse"),
        ("switch_err", "error with the cue switched", "worse"),
    ])
    def test_each_measure_names_itself_and_knows_its_better_direction(self, measure, what,
                                                                      up_is):
        text = rm.describe_mechanism(measure, _paired(SIX_UP))
        assert text.startswith(f"FFH's {what} is higher ({up_is}) than FF's")

    def test_the_delay_verdict_names_the_delay(self):
        text = rm.describe_mechanism("delay_err", _paired(SIX_UP[:5]), delay_ms=50.0)
        assert text.startswith("FFH's error with a 50 ms delay is on average higher (worse) than "
                               "FF's, but the difference is not significant")
        assert "error with a 12.5 ms delay" in rm.describe_mechanism(
            "delay_err", _paired(SIX_UP), delay_ms=np.float64(12.5))
        with pytest.raises(ValueError, match="delay_ms"):
            rm.describe_mechanism("delay_err", _paired(SIX_UP))

    def test_a_verdict_that_cannot_be_computed_says_so(self):
        assert rm.describe_mechanism("dsa", _paired([0.0] * 6)).startswith(
            "the paired test could not be computed")

    def test_claims_in_the_tables_holm_family_follow_the_adjusted_p(self):
        # five rows of six ground truths each: every raw p is 0.031, every adjusted p >= 0.05
        family = _family(*([[-d for d in SIX_UP]] * 5))
        assert all(c.wilcoxon_p < 0.05 <= c.p_adjusted for c in family)
        assert rm.mechanism_claim("dsa", family[0]) == "– not significant"
        assert rm.describe_mechanism("dsa", family[0]).endswith(
            "Holm-adjusted over the 5 comparisons of the table; every one of the 6 ground truths "
            "goes the same way; with 6 ground truths and 5 comparisons in the family the "
            "adjusted p cannot go below 0.156)")

    @pytest.mark.parametrize(("ffh", "hints", "expected"), [
        (0.123, 0.133, "on average closer to E's than those of the recorded neurons it was "
                       "trained on (0.123 against 0.133)"),
        (0.140, 0.133, "on average further from E's than those of the recorded neurons it was "
                       "trained on (0.140 against 0.133)"),
        (0.1332, 0.1330, "as close to E's as those of the recorded neurons it was trained on "
                         "(0.133 against 0.133)"),
        (math.nan, 0.133, "cannot be compared with the recorded neurons' own (not computed)"),
    ])
    def test_dsa_references_text_each_side(self, ffh, hints, expected):
        from types import SimpleNamespace

        distance = {"ffh": SimpleNamespace(mean=ffh), "hints": SimpleNamespace(mean=hints)}
        assert rm.dsa_references_text(distance) == expected

    def test_unknown_measures_are_refused(self):
        with pytest.raises(ValueError, match="measure"):
            rm.describe_mechanism("tea_leaves", _paired(SIX_UP))
        with pytest.raises(ValueError, match="measure"):
            rm.mechanism_claim("tea_leaves", _paired(SIX_UP))

    def test_claims_follow_the_circuits_side(self):
        up, down = _paired(SIX_UP), _paired([-d for d in SIX_UP])
        assert rm.mechanism_claim("dsa", down) == "✔ supports"  # FFH closer to E
        assert rm.mechanism_claim("dsa", up) == "✘ against"
        assert rm.mechanism_claim("prep_rsa", up) == "✔ supports"  # higher match
        assert rm.mechanism_claim("prep_rsa", down) == "✘ against"
        assert rm.mechanism_claim("switch_err", _paired(SIX_UP[:5])) == "– not significant"

    def test_tally_when_no_analysis_ran(self):
        assert rm.describe_mechanism_tally([]) == "No analysis was run."
        assert rm.MECHANISMS_NOT_RUN == "no analysis was run"

    def test_tally_of_one_comparison_is_singular(self):
        assert rm.describe_mechanism_tally(["✔ supports"]) == (
            "Of its 1 comparison, 1 finds FFH significantly closer to the circuit than FF, "
            "0 find FF closer, and 0 find no significant difference.")

    def test_tally_counts_each_mark(self):
        claims = ["✘ against", "– not significant", "✔ supports", "– not significant",
                  "– not significant"]
        assert rm.describe_mechanism_tally(claims) == (
            "Of its 5 comparisons, 1 finds FFH significantly closer to the circuit than FF, "
            "1 finds FF closer, and 3 find no significant difference.")
        assert rm.describe_mechanism_tally(["✔ supports"] * 2 + ["✘ against"] * 2) == (
            "Of its 4 comparisons, 2 find FFH significantly closer to the circuit than FF, "
            "2 find FF closer, and 0 find no significant difference.")

    def test_tally_refuses_what_is_not_a_mark(self):
        with pytest.raises(ValueError, match="claims"):
            rm.describe_mechanism_tally(["✔ supports", "maybe"])


# --- 03 gain modulation


def test_gain_validity_verdict_every_ground_truth_valid():
    assert report.gain_validity_verdict(0, 6) == "every ground truth is valid"


@pytest.mark.parametrize(("n_invalid", "n"), [(1, 6), (6, 6), (2, 2)])
def test_gain_validity_verdict_counts_the_invalid_ones(n_invalid, n):
    text = report.gain_validity_verdict(n_invalid, n)
    assert text == f"{n_invalid} of the {n} ground truths are not valid"


@pytest.mark.parametrize(("n_invalid", "n"), [(-1, 3), (4, 3)])
def test_gain_validity_verdict_rejects_impossible_counts(n_invalid, n):
    with pytest.raises(ValueError, match="n_invalid"):
        report.gain_validity_verdict(n_invalid, n)


def test_gain_bound_verdict_both_branches():
    assert report.gain_bound_verdict(0) == "so the bounds do not shape the result"
    assert report.gain_bound_verdict(1) == "so the bounds shape part of the result"
    assert report.gain_bound_verdict(500) == "so the bounds shape part of the result"
    with pytest.raises(ValueError, match="n_at_bound"):
        report.gain_bound_verdict(-1)


# --- 04 full-FORCE


def test_cue_epoch_text_names_each_design_and_rejects_others():
    assert report.cue_epoch_text("preparation") == "direction input during preparation only"
    assert report.cue_epoch_text("trial") == "direction input held through the movement"
    with pytest.raises(ValueError, match="cue_epoch"):
        report.cue_epoch_text("movement")


def test_calibration_defaults_text_agrees_or_names_the_defaults():
    chosen = CalibratedSettings(training_noise=0.05, hint_gain=0.2, n_passes=70)
    assert report.calibration_defaults_text(chosen, chosen) == "exactly these"
    frozen = CalibratedSettings(training_noise=0.1, hint_gain=0.3, n_passes=89)
    text = report.calibration_defaults_text(chosen, frozen)
    assert text == ("different (σ = 0.1, gain 0.3, 89 passes): the record and the defaults "
                    "disagree")
    # an unqualified choice differs from the same values marked qualified
    unqualified = CalibratedSettings(0.05, 0.2, 70, hint_gain_qualified=False)
    assert report.calibration_defaults_text(unqualified, chosen).startswith("different")


def test_calibration_source_text_rerun_or_record():
    assert report.calibration_source_text(True, 42, 27.0) == (
        "this execution reran the whole calibration (with full = True).")
    text = report.calibration_source_text(False, 42, 26.6)
    assert text == ("this page shows the recorded run that set them; rerunning the chapter with "
                    "-p full true repeats it (both designs: 42 trainings, about 27 minutes on 2 "
                    "cores).")


# --- appendix: reproducibility


def test_git_texts_for_a_checkout_and_without_one():
    assert report.git_commit_text("abc123") == "abc123"
    assert report.git_commit_text(None) == "unknown (not built from a git checkout)"
    assert report.git_commit_short_text("abc") == "abc"
    assert report.git_commit_short_text(None) == "unknown"


@pytest.mark.parametrize(("dirty", "start"), [(None, "of unknown state"),
                                              (False, "unchanged from that commit"),
                                              (True, "changed from that commit (a dirty tree")])
def test_git_tree_text_each_state(dirty, start):
    assert report.git_tree_text(dirty).startswith(start)


def test_lock_and_version_texts():
    assert report.lock_sha256_text("ab" * 32) == "ab" * 32
    assert report.lock_sha256_text(None) == "unknown (no lock file found)"
    locked = {"numpy": "2.1.0", "ffhlib": "0.1.0"}
    assert report.locked_version_text("numpy", locked) == "2.1.0"
    assert report.locked_version_text("ffhlib", locked) == "0.1.0"
    assert report.locked_version_text("ffhlib", {}) == "(the project itself)"
    assert report.locked_version_text("scipy", locked) == "-"
    assert report.unset_text(None) == "unset"
    assert report.unset_text("4") == "`4`"


def test_cache_use_text_each_branch():
    assert report.cache_use_text(None) == "not recorded"
    assert report.cache_use_text(CacheSavings(n_entries=0, seconds=0.0)) == "none"
    assert report.cache_use_text(CacheSavings(n_entries=3, seconds=12.4)) == "3 (12 s)"


def test_cache_savings_text_each_branch():
    assert report.cache_savings_text(None) == "(no cache records were found for this build)"
    assert report.cache_savings_text(CacheSavings(0, 0.0)).startswith(
        "computing every result it used itself")
    text = report.cache_savings_text(CacheSavings(5, 600.0))
    assert text.startswith("taking 5 results from the cache") and "spent 10 min" in text


def test_outside_build_note():
    assert report.outside_build_note(True, Path("/x"), lead="none found") == ""
    assert report.outside_build_note(False, Path("/x/book"), lead="none found") == (
        " (none found in /x/book: this page ran on its own, not in make book)")
    assert report.outside_build_note(False, None, lead="no executed chapters").startswith(
        " (no executed chapters in None")


# --- 05 similarity ------------------------------------------------------------------------------


def _family_05(**differences):
    """Real paired comparisons (one unit per ground truth, 12 ground truths), adjusted together
    as one family: ``name=differences`` gives each comparison's per-ground-truth differences."""
    from ffhlib.inference import adjust_family, paired_comparison

    raw = {}
    for name, diff in differences.items():
        diff = np.asarray(diff, dtype=float)
        raw[name] = paired_comparison(0.5 + diff, np.full(diff.size, 0.5), n_boot=200)
    return adjust_family(raw)


UP_12 = np.linspace(0.01, 0.12, 12)  # all positive: raw p = 2 / 2**12
MIXED_12 = np.array([0.05, -0.04, 0.03, -0.06, 0.02, -0.01, 0.04, -0.03, 0.01, -0.02, 0.06,
                     -0.05])  # mean 0, not significant


def test_the_05_reference_families_have_the_significance_the_sentences_assume():
    fam = _family_05(up=UP_12, down=-UP_12, mixed=MIXED_12 + 0.001, flat=MIXED_12 - 0.001)
    assert fam["up"].significant and fam["down"].significant
    assert fam["up"].family_size == 4
    assert fam["up"].p_adjusted == pytest.approx(min(1.0, 4 * 2 / 2**12))
    assert not fam["mixed"].significant and fam["mixed"].mean_diff > 0
    assert not fam["flat"].significant and fam["flat"].mean_diff < 0


def test_beyond_recordings_verdict_in_each_case():
    fam = _family_05(up=UP_12, down=-UP_12, mixed=MIXED_12 + 0.001, flat=MIXED_12 - 0.001)
    what = "the neurons nobody recorded, in the reach directions nobody recorded,"
    them = "its own recordings interpolated in angle"
    assert report.beyond_recordings_verdict(fam["up"]) == f"FFH predicts {what} better than {them}"
    assert report.beyond_recordings_verdict(fam["down"]) == f"FFH predicts {what} worse than {them}"
    assert report.beyond_recordings_verdict(fam["mixed"]) == (
        f"FFH does not predict {what} significantly better than {them}: it is on average closer "
        "to them, but not significantly")
    assert report.beyond_recordings_verdict(fam["flat"]) == (
        f"FFH does not predict {what} better than {them}: on average it is further from them")
    untested = dataclasses.replace(fam["up"], wilcoxon_p=math.nan, p_adjusted=math.nan)
    assert report.beyond_recordings_verdict(untested) == (
        f"Whether FFH predicts {what} better than {them} could not be tested (no non-zero "
        "difference)")


def test_beyond_recordings_verdict_uses_the_adjusted_p():
    alone = _family_05(up=UP_12)["up"]
    assert alone.significant
    # the same comparison in a family where Holm's adjustment lifts it above 0.05
    lifted = dataclasses.replace(alone, p_adjusted=0.2, family_size=50)
    assert report.beyond_recordings_verdict(lifted).startswith("FFH does not predict")


@pytest.mark.parametrize("half, full, expected", [
    ("up", "up", "with half the training directions FFH beats the interpolated recordings; it "
                 "beats them with all the training directions"),
    ("up", "mixed", "with half the training directions FFH beats the interpolated recordings; "
                    "it does not differ significantly from them with all the training "
                    "directions"),
    ("up", "down", "with half the training directions FFH beats the interpolated recordings; it "
                   "falls below them with all the training directions"),
    ("down", "down", "with half the training directions FFH falls below the interpolated "
                     "recordings; it falls below them with all the training directions"),
    ("mixed", "up", "with half the training directions FFH does not differ significantly from "
                    "the interpolated recordings; it beats them with all the training "
                    "directions"),
])
def test_catch_up_text_in_each_standing(half, full, expected):
    fam = _family_05(up=UP_12, down=-UP_12, mixed=MIXED_12 + 0.001)
    assert report.catch_up_text("FFH", fam[full], fam[half]) == expected


@pytest.mark.parametrize("within, between, phrase", [
    (0.01, 0.1, "less than half of"), (0.06, 0.1, "smaller than"), (0.1, 0.1, "about as large as"),
    (0.2, 0.1, "larger than"), (0.05, 0.0, "larger than")])
def test_seed_spread_text_compares_the_two_spreads(within, between, phrase):
    text = report.seed_spread_text(within, between, label="FFH's CCA", extra_networks=12,
                                   n_ground_truths=6, n_seeds=2)
    assert text == (f"for FFH's CCA, the spread between the network seeds of one ground truth "
                    f"(standard deviation {within:.3f}) is {phrase} the spread between ground "
                    f"truths (standard deviation of their means {between:.3f})")


def test_seed_spread_text_says_how_to_run_it_when_it_did_not():
    text = report.seed_spread_text(None, None, label="x", extra_networks=12, n_ground_truths=6,
                                   n_seeds=2)
    assert text == ("This figure was not computed in this execution: it needs 12 more networks "
                    "(6 ground truths × 2 network seeds); run the chapter once with -p full true, "
                    "and every later run reads them from the cache")
    with pytest.raises(ValueError, match="standard deviations"):
        report.seed_spread_text(-0.1, 0.1, label="x", extra_networks=1, n_ground_truths=1,
                                n_seeds=2)


def test_trial_design_text_gives_the_numbers_or_says_how_to_get_them():
    keys = ("trial_offset_share_ffh", "trial_offset_share_ff", "soc_offset_share",
            "preparation_offset_share_ffh", "trial_cca_e_ffh", "trial_cca_e_ff",
            "trial_cca_nomean_e_ffh", "trial_cca_nomean_e_ff", "preparation_cca_e_ffh",
            "preparation_cca_nomean_e_ffh", "trial_gen_err_ffh", "trial_gen_err_ff",
            "preparation_gen_err_ffh", "preparation_gen_err_ff")
    values = {f"design_{k}": 0.01 * (i + 1) for i, k in enumerate(keys)}
    text = report.trial_design_text(values, n_networks=12, n_ground_truths=6)
    assert text.startswith("With the cue held, 1.0% of FFH's variance and 2.0% of FF's is a "
                           "static per-direction offset, against 3.0% for the SOC")
    assert text.endswith("the error on untrained directions is 0.11 (FFH) and 0.12 (FF) held, "
                         "against 0.13 and 0.14 with the cue in preparation only"
                         .replace("the error", "The error"))
    assert report.trial_design_text(None, n_networks=12, n_ground_truths=6) == (
        "This comparison was not computed in this execution: it needs 12 more networks (6 "
        "ground truths × FF and FFH in the other design); run the chapter once with -p full "
        "true, and every later run reads them from the cache")


# --- 06 generalization


def _paired_06(diffs):
    """A comparison whose per-ground-truth differences are ``diffs`` (one unit each), a family
    of one."""
    return _paired(diffs)


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
        training_noise=_training_noise_06(), family_size=4)
    texts = report.generalization_texts(summary)
    assert texts["gen_claim"] == "✔ supports"  # lower error is better
    assert texts["gen_lead"] == "FFH generalizes to untrained directions better than FF"
    assert texts["loo_claim"] == "✘ against"
    assert texts["unobs_claim"] == "✔ supports"  # a higher R² is better
    assert texts["noise_claim"] == "– not significant"
    assert texts["gen_verdict"].startswith("FFH's error on untrained directions is lower (better)")
    assert "significant" in texts["noise_increase_verdict"]
    assert texts["gen_noise_units_text"] == "6 units: the first network seed of each ground truth"
    assert texts["gen_family_text"].startswith("The 4 p-values of the table (FFH against FF, "
                                               "one per test) are one family")
    assert set(texts) == {"gen_verdict", "gen_claim", "loo_verdict", "loo_claim", "unobs_verdict",
                          "unobs_claim", "noise_verdict", "noise_claim", "noise_increase_verdict",
                          "gen_family_text", "gen_noise_units_text", "gen_noise_verdict",
                          "gen_noise_effect_text", "gen_lead"}
    assert all(isinstance(v, str) and v for v in texts.values())


# --- 07 how many neurons


def _crossing_07(estimate=0.123, low=0.08, high=0.2, n_not_reached=0, n_boot=2000, *,
                 first=0.01, kind="ffh"):
    return LevelCrossing(level=0.9, estimate=estimate, low=low, high=high,
                         n_not_reached=n_not_reached, n_boot=n_boot, n_neurons=200, kind=kind,
                         first_fraction=first)


def test_fraction_for_level_text_reached_at_the_first_point_or_not():
    assert rn.fraction_for_level_text(_crossing_07(estimate=0.123)) == "12.3 %"
    assert (rn.fraction_for_level_text(_crossing_07(estimate=math.nan))
            == "no fraction of the grid (the mean curve stays below 90 %)")
    first = _crossing_07(estimate=0.05, first=0.05)
    assert first.at_first_fraction
    assert rn.fraction_for_level_text(first) == (
        "5.0 % or less (the smallest fraction searched already reaches it)")


def test_neurons_for_level_text_reached_or_none():
    assert rn.neurons_for_level_text(_crossing_07(estimate=0.123)) == "25"  # 24.6 neurons
    assert rn.neurons_for_level_text(_crossing_07(estimate=math.nan)) == "none"
    assert rn.neurons_for_level_text(_crossing_07(estimate=0.05, first=0.05)) == "10 or fewer"


def test_level_interval_text_computable_or_not():
    assert (rn.level_interval_text(_crossing_07(low=0.08, high=0.2))
            == "8.0 % to 20.0 % (16 to 40 neurons)")
    assert rn.level_interval_text(_crossing_07(low=math.nan, high=math.nan)) == "not computable"


def test_not_reached_text_only_when_resamples_miss_the_level():
    assert rn.not_reached_text(_crossing_07(n_not_reached=0)) == ""
    assert (rn.not_reached_text(_crossing_07(n_not_reached=37, n_boot=500))
            == " 37 of the 500 resamples never reach the level; they are left out of the "
               "interval.")


@pytest.mark.parametrize(("ffh", "rec", "expected"), [
    ((math.nan,), (math.nan,), "Neither FFH nor the recorded neurons alone reach the level on "
                               "the grid."),
    ((0.1,), (math.nan,), "FFH reaches the level on the grid, and the recorded neurons alone do "
                          "not: there the network adds to what it was shown."),
    ((math.nan,), (0.1,), "The recorded neurons alone reach the level on the grid, and FFH does "
                          "not: the network trained on them loses part of what they carry."),
    ((0.1, 0.08, 0.12), (0.3, 0.2, 0.4), "FFH reaches the level with fewer recorded neurons than "
                                         "the recorded neurons alone (their 95 % intervals do "
                                         "not overlap)."),
    ((0.3, 0.2, 0.4), (0.1, 0.05, 0.25), "FFH reaches the level only with more recorded neurons "
                                         "than the recorded neurons alone (their 95 % intervals "
                                         "overlap)."),
    ((0.1, math.nan, math.nan), (0.1, 0.05, 0.2), "FFH reaches the level at the same fraction as "
                                                  "the recorded neurons alone."),
])
def test_recordings_versus_network_text_every_branch(ffh, rec, expected):
    def crossing(values):
        estimate, low, high = (*values, math.nan, math.nan)[:3]
        return _crossing_07(estimate=estimate, low=low, high=high)

    assert rn.recordings_versus_network_text(crossing(ffh), crossing(rec)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (1.07, "above 1: the oracle is a reference, not a bound, and values above 1 are shown as "
           "they are"),
    (0.93, "below the oracle"),
    (math.nan, "cannot be placed on it (not computed)"),
])
def test_reference_scale_text_every_branch(value, expected):
    assert rn.reference_scale_text(value) == expected


def test_strong_gain_text_run_or_not():
    assert rn.strong_gain_text(None, 1.0) == (
        "The same point at hint gain 1 needs the complete grid (-p full true), which this "
        "execution did not run.")
    assert rn.strong_gain_text(_crossing_07(estimate=0.05, low=0.03, high=0.08), 1.0) == (
        "At hint gain 1 (complete grid) FFH's mean curve reaches it at 5.0 % (95 % interval: "
        "3.0 % to 8.0 % (6 to 16 neurons)).")


def _versus_07(mean_diffs_by_fraction, *, dims=None, recorded=None, skipped=(), n=12):
    """FFH − hints at each fraction, Holm-adjusted together: ``n`` ground truths all with the
    given difference (or, for None, a mixed sign over three: not significant)."""
    diffs = [[d * (1 + 0.1 * k) for k in range(n)] if d is not None else [0.3, -0.1, 0.2]
             for d in mean_diffs_by_fraction.values()]
    comparisons = _family(*diffs)
    fractions = tuple(mean_diffs_by_fraction)
    return FfhVersusHints(fractions=fractions,
                          recorded=recorded or tuple(int(200 * f) for f in fractions),
                          dims=dims or (6,) * len(fractions), comparisons=tuple(comparisons),
                          pca_dim=6, skipped=tuple(skipped))


def test_versus_hints_text_at_no_fraction():
    text = rn.versus_hints_text(_versus_07({0.05: -0.1, 0.3: -0.2}))
    assert text.startswith("At no recorded fraction is FFH, on average, more similar to E")


def test_versus_hints_text_with_no_comparison():
    empty = FfhVersusHints(fractions=(), recorded=(), dims=(), comparisons=(), pca_dim=6,
                           skipped=(0.005,))
    assert rn.versus_hints_text(empty) == (
        "FFH is compared with its hints at no fraction (too few neurons recorded).")
    assert empty.family_size == 0


def test_versus_hints_text_higher_but_nowhere_significant():
    result = _versus_07({0.05: None, 0.3: -0.2})
    assert result.higher == (0.05,) and result.significant == ()
    assert rn.versus_hints_text(result) == (
        "FFH is more similar to E than its own hints, on average, at 5 % (at none of them "
        "significantly over ground truths); at the other fractions the recorded neurons "
        "themselves are at least as similar to E as the network trained on them.")


def test_versus_hints_text_higher_and_significant_after_adjustment():
    result = _versus_07({0.05: None, 0.1: 0.2, 0.3: 0.1, 0.6: -0.1})
    assert result.family_size == 4
    assert result.higher == (0.05, 0.1, 0.3) and result.significant == (0.1, 0.3)
    assert rn.versus_hints_text(result).startswith(
        "FFH is more similar to E than its own hints, on average, at 5 %, 10 %, 30 % "
        "(significantly over ground truths at 10 %, 30 %); at the other fractions")
    # six ground truths each: significant alone, not in a family of four
    small = _versus_07({0.05: 0.1, 0.1: 0.2, 0.3: 0.1, 0.6: 0.1}, n=6)
    assert small.higher == (0.05, 0.1, 0.3, 0.6) and small.significant == ()


def test_hints_dimension_text_every_branch():
    assert rn.hints_dimension_text(_versus_07({0.05: 0.1, 0.3: 0.1})) == (
        "Every fraction compared records at least d = 6 neurons, so FFH is compared with its "
        "hints at d = 6 throughout.")
    lowered = _versus_07({0.01: 0.1, 0.05: 0.1}, dims=(2, 6), recorded=(2, 10))
    assert lowered.lowered == ((0.01, 2, 2),)
    assert rn.hints_dimension_text(lowered) == (
        "Where fewer than d = 6 neurons are recorded, the hints' canonical correlations at "
        "d = 6 would count the missing dimensions as 0, so FFH is compared with them at the "
        "largest d they fill: at 1 % (2 neurons) at d = 2; elsewhere at d = 6.")
    skipped = _versus_07({0.05: 0.1}, dims=(3,), recorded=(3,), skipped=(0.005,))
    assert rn.hints_dimension_text(skipped) == (
        "Where fewer than d = 6 neurons are recorded, the hints' canonical correlations at "
        "d = 6 would count the missing dimensions as 0, so FFH is compared with them at the "
        "largest d they fill: at 5 % (3 neurons) at d = 3; elsewhere at d = 6. At 0.5 % too few "
        "neurons are recorded for any d, and FFH is not compared with them there.")
    one = _versus_07({0.01: 0.1}, dims=(1,), recorded=(1,))
    assert "at 1 % (1 neuron) at d = 1" in rn.hints_dimension_text(one)


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
    assert rn.gain_compare_text(_gains_07(gains)) == expected


def test_gain_result_text_gain_by_gain():
    assert rn.gain_result_text(_gains_07((0.2, 1.0))) == (
        "Mean canonical correlation with E by hint gain: gain 0.2: 0.100 at 5 % and 0.200 at "
        "30 %; gain 1: 0.200 at 5 % and 0.400 at 30 %")


def test_gain_design_text_singular_and_plural_ground_truths():
    from types import SimpleNamespace

    def design(gts):
        return SimpleNamespace(gains=(0.2, 1.0), second_fractions=(0.3, 0.05),
                               second=SimpleNamespace(ground_truth_seeds=gts))

    assert (rn.gain_design_text(design((0,)))
            == "hint gains 0.2, 1 at 30 %, 5 % recorded, on 1 ground truth")
    assert (rn.gain_design_text(design((0, 1)))
            == "hint gains 0.2, 1 at 30 %, 5 % recorded, on 2 ground truths")


def test_failed_tasks_text_singular_and_plural():
    assert (rn.failed_tasks_text(1)
            == "1 task failed (marked in the table, left out of every summary):")
    assert rn.failed_tasks_text(3).startswith("3 tasks failed")


def test_how_many_neurons_texts_has_every_sentence_key():
    from types import SimpleNamespace

    never = _crossing_07(estimate=math.nan, low=math.nan, high=math.nan, n_not_reached=2000)
    summary = SimpleNamespace(
        similarity=SimpleNamespace(crossing=never, crossing_recordings=_crossing_07(),
                                   normalized_flat={"ceiling": SimpleNamespace(mean=1.07)}),
        versus_hints=_versus_07({0.05: -0.1}), gains=_gains_07((0.2, 1.0)),
        strong_gain_crossing=None, strong_gain=1.0,
        design=SimpleNamespace(gains=(0.2, 1.0), second_fractions=(0.05, 0.3),
                               second=SimpleNamespace(ground_truth_seeds=(0,))))
    texts = rn.how_many_neurons_texts(summary)
    assert texts["neurons_for_90pct_text"] == "none"
    assert texts["fraction_for_90pct_interval_text"] == "not computable"
    assert texts["sweep_not_reached_text"].startswith(" 2000 of the 2000 resamples")
    assert texts["neurons_for_90pct_recordings_text"] == "25"
    assert texts["sweep_recordings_versus_text"].startswith("The recorded neurons alone reach")
    assert texts["sweep_reference_scale_text"].startswith("above 1")
    assert texts["sweep_family_text"].startswith("The table holds one computable p-value")
    assert set(texts) == {"fraction_for_90pct_text", "neurons_for_90pct_text",
                          "fraction_for_90pct_interval_text", "sweep_not_reached_text",
                          "fraction_for_90pct_recordings_text",
                          "neurons_for_90pct_recordings_text",
                          "fraction_for_90pct_recordings_interval_text",
                          "sweep_recordings_not_reached_text", "sweep_recordings_versus_text",
                          "sweep_reference_scale_text", "sweep_strong_gain_text",
                          "sweep_hints_dimension_text", "sweep_family_text",
                          "sweep_beats_hints_text", "sweep_gain_text", "sweep_gain_result_text",
                          "sweep_gain_compare_text"}
    assert all(isinstance(v, str) for v in texts.values())


# --- the book's lead (introduction) -------------------------------------------------------------

_UP, _DOWN, _LEVEL = SIX_UP, tuple(-d for d in SIX_UP), (0.1, -0.1, 0.2, -0.2, 0.05, 0.3)


@pytest.mark.parametrize(("differences", "better", "expected"), [
    (_UP, "higher", "holds"), (_DOWN, "higher", "reverse"), (_LEVEL, "higher", "fails"),
    (_DOWN, "lower", "holds"), (_UP, "lower", "reverse"),
])
def test_claim_lead_text_picks_the_clause_the_comparison_supports(differences, better, expected):
    clauses = {"holds": "it holds", "fails": "it fails", "reverse": "it is reversed"}
    text = report.claim_lead_text(_paired(differences), better=better, holds=clauses["holds"],
                                  fails=clauses["fails"], reverse=clauses["reverse"])
    assert text == clauses[expected]


@pytest.mark.parametrize(("differences", "expected"), [
    (_UP, "FFH's activity is closer to the neurons no network saw than its own recordings are: "
          "it learned more than it was shown"),
    (_DOWN, "FFH's activity is further from the neurons no network saw than its own recordings "
            "are: it does not exceed what it was shown"),
    (_LEVEL, "FFH's activity is not significantly closer to the neurons no network saw than its "
             "own recordings are: it does not exceed what it was shown"),
    ((0.0,) * 6, "Whether FFH's activity is closer to the neurons no network saw than its own "
                 "recordings could not be tested (no non-zero difference)"),
])
def test_recordings_lead_text_follows_the_adjusted_test(differences, expected):
    assert rb.recordings_lead_text(_paired(differences)) == expected


_LEAD = ("On reach directions no network was trained on, the recorded neurons' rates "
         "interpolated in angle predict the neurons nobody recorded ")


@pytest.mark.parametrize(("ff", "ffh", "expected"), [
    (_DOWN, _DOWN, "better than either network does"),
    (_UP, _UP, "less well than either network does"),
    (_LEVEL, _LEVEL, "as well as either network (no significant difference)"),
    (_DOWN, _LEVEL, "better than FF, and not significantly differently from FFH"),
    (_UP, _DOWN, "less well than FF, and better than FFH"),
])
def test_interpolation_lead_text_names_each_network_by_its_test(ff, ffh, expected):
    text = rb.interpolation_lead_text({"FF": _paired(ff), "FFH": _paired(ffh)})
    assert text == _LEAD + expected


def test_interpolation_lead_text_needs_a_network():
    with pytest.raises(ValueError, match="versus"):
        rb.interpolation_lead_text({})


@pytest.mark.parametrize(("rows", "expected"), [
    ([(_UP, "higher"), (_DOWN, "lower")], "✔ every view; necessary, not sufficient"),
    ([(_DOWN, "higher"), (_UP, "lower")], "✘ every view"),
    ([(_LEVEL, "higher"), (_LEVEL, "lower")], "– no view"),
    ([(_UP, "higher"), (_UP, "lower"), (_LEVEL, "lower")],
     "– mixed (1 ✔, 1 ✘, 1 –); necessary, not sufficient"),
    ([(_UP, "lower"), (_LEVEL, "lower")], "– mixed (0 ✔, 1 ✘, 1 –)"),
    ([], "– not run"),
])
def test_mechanism_verdict_counts_every_view_and_never_ticks_on_one(rows, expected):
    comparisons = [(_paired(d), better) for d, better in rows]
    assert rb.mechanism_verdict(comparisons) == expected


# --- 09 compared to what ------------------------------------------------------------------------

from ffhlib import report_rivals as rr  # noqa: E402

NEAR_ZERO = tuple(0.004 * (-1) ** k * (k % 3) for k in range(12))  # tiny, both signs
WIDE = (0.3, -0.28, 0.25, -0.2, 0.31, -0.33, 0.1, -0.12, 0.22, -0.18, 0.05, -0.04)


def test_rival_standing_covers_every_branch():
    assert rr.rival_standing(_paired(NEAR_ZERO), 0.05) == "matches"
    assert rr.rival_standing(_paired(TWELVE_UP), 0.05) == "above"
    assert rr.rival_standing(_paired([-d for d in TWELVE_UP]), 0.05) == "below"
    assert rr.rival_standing(_paired(WIDE), 0.05) == "undecided"
    # identical networks: no test, but an interval [0, 0]: they match
    assert rr.rival_standing(_paired([0.0] * 12), 0.05) == "matches"
    # two ground truths: no interval, and a p of 0.5 -> neither
    assert rr.rival_standing(_paired([0.1, 0.2]), 0.05) == "undecided"
    untested = dataclasses.replace(_paired([0.1, 0.2]), p_adjusted=math.nan)
    assert rr.rival_standing(untested, 0.05) == "untested"


def test_rival_verdict_sentences():
    up = _paired(TWELVE_UP)
    lo, hi = up.ci_diff
    assert rr.rival_verdict("bptt", up, 0.05, what="X") == (
        f"regularised BPTT beats FFH on X (difference {up.mean_diff:+.3f} [{lo:+.3f}, "
        f"{hi:+.3f}], adjusted p = {up.p_adjusted:.3g})")
    down = _paired([-d for d in TWELVE_UP])
    assert rr.rival_verdict("pinned", down, 0.05, what="X").startswith(
        "the data-constrained network falls below FFH on X (difference -0.325")
    match = rr.rival_verdict("ff_tau", _paired(NEAR_ZERO), 0.05, what="X")
    assert match.startswith("τ-matched FF matches FFH on X (") and "within ±0.05" in match
    wide = rr.rival_verdict("ffh_tau", _paired(WIDE), 0.05, what="X")
    assert wide.startswith("τ-matched FFH neither differs significantly from FFH on X nor "
                           "matches it: the interval of the difference")
    untested = dataclasses.replace(_paired([0.1, 0.2]), p_adjusted=math.nan)
    assert rr.rival_verdict("bptt_rec", untested, 0.05, what="X") == (
        "BPTT with the activity loss could not be tested against FFH on X")
    with pytest.raises(ValueError, match="kind must be one of"):
        rr.rival_verdict("lstm", up, 0.05, what="X")


def test_rival_marks():
    assert rr.rival_mark(_paired(NEAR_ZERO), 0.05) == "= matches"
    assert rr.rival_mark(_paired([-d for d in TWELVE_UP]), 0.05) == "✔ FFH ahead"
    assert rr.rival_mark(_paired(TWELVE_UP), 0.05) == "✘ rival ahead"
    assert rr.rival_mark(_paired(WIDE), 0.05) == "– undecided"
    assert rr.rival_mark(None, 0.05) == "– not tested"


def test_rivals_lead_every_outcome():
    up, level = _paired(TWELVE_UP), _paired(NEAR_ZERO)
    down, wide = _paired([-d for d in TWELVE_UP]), _paired(WIDE)
    what = "on the primary measure (condition-dependent similarity with E on untrained directions)"
    assert rr.rivals_lead({}, 0.05) == "No rival could be compared with FFH"
    assert rr.rivals_lead({"pinned": level}, 0.05) == (
        f"The data-constrained network matches FFH {what}")
    assert rr.rivals_lead({"bptt": up, "pinned": level}, 0.05) == (
        f"Regularised BPTT beats FFH {what}, and the data-constrained network matches it")
    assert rr.rivals_lead({"bptt": up, "ff_tau": up}, 0.05) == (
        f"Regularised BPTT and τ-matched FF beat FFH {what}")
    assert rr.rivals_lead({"bptt": level, "ff_tau": down}, 0.05) == (
        f"Regularised BPTT matches FFH {what}")
    assert rr.rivals_lead({"bptt": down, "ff_tau": down}, 0.05) == (
        f"Every rival falls significantly below FFH {what}")
    assert rr.rivals_lead({"bptt": down, "ff_tau": wide, "pinned": wide}, 0.05) == (
        f"No rival matches or beats FFH {what}; τ-matched FF and the data-constrained network are "
        "not distinguishable from it either way")


def test_flag_text():
    assert rr.flag_text({"bptt": 0}, {"bptt": 0}, 0.95) == (
        "Every network reached a fit R² of at least 0.95, and none diverged.")
    assert rr.flag_text({"bptt": 2, "ffh": 0}, {"pinned": 1}, 0.95) == (
        "Networks fit R² below 0.95: regularised BPTT 2; training diverged (left out of the "
        "statistics, never plotted): the data-constrained network 1.")


def test_lab_advice_every_outcome():
    up, level = _paired(TWELVE_UP), _paired(NEAR_ZERO)
    down, wide = _paired([-d for d in TWELVE_UP]), _paired(WIDE)
    seconds = {"ffh": 40.0, "bptt": 90.0, "bptt_rec": 95.0, "pinned": 30.0, "ff_tau": 20.0}
    data = {"ffh": "EMG + recordings", "bptt": "EMG", "bptt_rec": "EMG + recordings",
            "pinned": "EMG + recordings", "ff_tau": "EMG"}

    def advice(primary, flagged=None, sensitivity=None):
        return rr.lab_advice(primary, 0.05, seconds, data, flagged=flagged or {},
                             sensitivity=sensitivity or {}, fit_flag=0.95)

    assert advice({"bptt": level, "pinned": down}) == (
        "A lab without recordings loses nothing on this measure: regularised BPTT, trained on "
        "the EMG alone, matches or beats FFH (90 s per network against FFH's 40 s per network "
        "on one core).")
    assert advice({"bptt": down, "pinned": up, "bptt_rec": level}) == (
        "With recordings, FFH is not the only choice: the data-constrained network and BPTT "
        "with the activity loss do as well; the cheapest of them is the data-constrained "
        "network (30 s per network; FFH 40 s per network on one core). Without recordings, no "
        "method tested here reaches FFH.")
    assert advice({"bptt": down, "ff_tau": wide}) == (
        "FFH is the method to use when recordings exist (40 s per network on one core); for "
        "τ-matched FF these ground truths cannot tell whether they would do as well: more "
        "ground truths would.")
    assert advice({"bptt": down}) == (
        "FFH is the method to use when recordings exist (40 s per network on one core): every "
        "rival, with or without recordings, falls below it.")


def test_lab_advice_does_not_count_a_rival_whose_networks_do_not_fit():
    up, level = _paired(TWELVE_UP), _paired(NEAR_ZERO)
    down = _paired([-d for d in TWELVE_UP])
    seconds = {"ffh": 40.0, "bptt": 90.0, "pinned": 30.0}
    data = {"ffh": "EMG + recordings", "bptt": "EMG", "pinned": "EMG + recordings"}
    caveat = (" Regularised BPTT matches or beats FFH only with the units where its networks or "
              "FFH's fit the EMG below R² = 0.95; without them it does not, so it is not counted "
              "here.")

    def advice(primary, flagged, sensitivity):
        return rr.lab_advice(primary, 0.05, seconds, data, flagged=flagged,
                             sensitivity=sensitivity, fit_flag=0.95)

    # BPTT matches only thanks to its flagged networks: the EMG-only branch must not fire
    assert advice({"bptt": level, "pinned": down}, {"bptt": 3},
                  {"bptt": down, "pinned": down}) == (
        "FFH is the method to use when recordings exist (40 s per network on one core): no "
        "rival whose networks fit the EMG does as well, with or without recordings." + caveat)
    assert advice({"bptt": level, "pinned": level}, {"bptt": 3},
                  {"pinned": level}) == (
        "With recordings, FFH is not the only choice: the data-constrained network does as "
        "well; the cheapest of them is the data-constrained network (30 s per network; FFH 40 s "
        "per network on one core). Without recordings, no method tested here reaches FFH."
        + caveat)
    # flagged, but it still matches without them: counted
    assert advice({"bptt": up, "pinned": down}, {"bptt": 2},
                  {"bptt": level, "pinned": down}).startswith(
        "A lab without recordings loses nothing on this measure: regularised BPTT")
    # FFH's own flagged networks put every rival to the sensitivity check
    assert advice({"bptt": level, "pinned": down}, {"ffh": 1},
                  {"bptt": down, "pinned": down}).endswith(caveat)


def test_rivals_settings_sentences():
    assert rr.tau_noise_text(True, 0.98) == (
        "τ-matched FF reaches the required fit (R² ≥ 0.98) at some noise level, and the rule took "
        "the one with the lowest untrained-direction error among them.")
    assert rr.tau_noise_text(False, 0.98).startswith(
        "τ-matched FF reaches the required fit (R² ≥ 0.98) at no noise level, so the rule fell "
        "back")
    assert rr.activity_fit_text(0.955, 0.995) == (
        "With the recordings to follow, the network fits the EMG better, not worse (mean R² "
        "0.995 against 0.955 without the activity loss).")
    assert "fits the EMG worse (mean R² 0.900" in rr.activity_fit_text(0.955, 0.9)
    assert "fits the EMG as well" in rr.activity_fit_text(0.9, 0.9)


def test_behaviour_text_names_the_rivals_whose_error_interval_lies_below_ffhs():
    from types import SimpleNamespace as S

    from ffhlib import report_rivals as rr

    ffh = S(mean=0.174, low=0.142, high=0.211)
    below = rr.behaviour_text({"ffh": ffh, "ff": S(mean=0.01, low=0.0, high=0.02),
                               "bptt": S(mean=0.02, low=0.015, high=0.03),
                               "pinned": S(mean=0.15, low=0.1, high=0.2), "ff_tau": None})
    assert "regularised BPTT 0.020 [0.015, 0.030]" in below
    assert "data-constrained" not in below and "FF 0.010" not in below  # overlaps; not a rival
    assert below.startswith("This advice rests on the dynamics measure") and below.endswith(".")
    none = rr.behaviour_text({"ffh": ffh, "pinned": S(mean=0.15, low=0.1, high=0.2)})
    assert none.startswith("On behaviour") and "no rival lies clearly below FFH" in none
    with pytest.raises(ValueError, match="FFH"):
        rr.behaviour_text({"bptt": ffh})
