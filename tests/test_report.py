"""Every outcome-dependent sentence of the book (ffhlib.report): each branch, by chapter section.

Sections follow report.py's; each engineer keeps to the chapters' headings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ffhlib import report
from ffhlib.cache import CacheSavings
from ffhlib.calibration import CalibratedSettings

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
