"""Every outcome-dependent sentence of the book, as pure functions of named results.

A chapter's prose is written once, but its numbers change with every rerun: a reader who runs a
chapter with other parameters must never see a sentence that its own results contradict
("significant" when it is not, "higher" when it is lower, "reached" when the level was never
reached). So every sentence whose *wording* depends on a result lives here, computed from the same
named result objects that the chapter's tables and figures show (:mod:`ffhlib.stats`,
:mod:`ffhlib.study`, :mod:`ffhlib.sweep`, ...), and each branch is unit-tested
(``tests/test_report.py``). A reviewer reads every wording of the book here and in the two
chapter modules named below.

The functions take results and return plain strings (or a mark such as ``"✔ supports"``); they
compute nothing that a chapter shows as a number, and they never format a number the chapter does
not also glue.

Sections follow the book's chapters; the first holds the paired-comparison sentences that every
chapter uses (and the sentence on a table's Holm family). The sentences of chapters 07 and 08 live
in :mod:`ffhlib.report_neurons` and :mod:`ffhlib.report_mechanisms`, and the introduction's lead
findings and mechanism mark in :mod:`ffhlib.report_book`, written the same way on top of this
module's comparisons (one module of all the book's wording would outgrow a readable size).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .inference import PairedComparison

if TYPE_CHECKING:
    from .generalization_summary import GeneralizationSummary, NetworkNoiseEffect, TrainingNoise

__all__ = [
    "baseline_versus_text",
    "beyond_recordings_verdict",
    "cache_savings_text",
    "cache_use_text",
    "calibration_defaults_text",
    "calibration_source_text",
    "catch_up_text",
    "claim_lead_text",
    "claim_status",
    "cue_epoch_text",
    "describe_comparison",
    "gain_bound_verdict",
    "gain_validity_verdict",
    "generalization_texts",
    "git_commit_short_text",
    "git_commit_text",
    "git_tree_text",
    "holm_family_text",
    "lock_sha256_text",
    "locked_version_text",
    "network_noise_effect_text",
    "outside_build_note",
    "seed_spread_text",
    "supports_claim",
    "training_noise_effect_text",
    "training_noise_units_text",
    "training_noise_verdict",
    "trial_design_text",
    "unset_text",
]

# ----------------------------------------------------------------------------- comparisons


def _check_better(better: str) -> None:
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")


def _p_text(summary: PairedComparison) -> str:
    """How the p of a comparison was computed, for the sentence that judges it."""
    if summary.family_size > 1:
        return f"Holm-adjusted over the {summary.family_size} comparisons of the table"
    return "two-sided Wilcoxon signed-rank test"


def _floor_text(summary: PairedComparison, unit: str, alpha: float) -> str:
    """Why the test could not reach ``alpha`` whatever the data, if so: the exact test's floor
    over ``n`` units, times the family's size after Holm's adjustment (the adjusted p of every
    member is at least ``family_size`` times the smallest raw p)."""
    n, m = summary.n, max(summary.family_size, 1)
    lowest = min(1.0, m * summary.min_attainable_p)
    if lowest < alpha:
        return ""
    if m == 1:
        return f"; with {n} {unit} the test cannot go below p = {summary.min_attainable_p:.3g}"
    return (f"; with {n} {unit} and {m} comparisons in the family the adjusted p cannot go "
            f"below {lowest:.3g}")


def describe_comparison(summary: PairedComparison, *, what: str, better: str = "higher",
                        a: str = "FFH", b: str = "FF", unit: str = "ground truths") -> str:
    """One sentence on a paired comparison, computed from its statistics (never hand-written).

    Parameters
    ----------
    summary : PairedComparison
        ``a`` minus ``b``, its family adjusted (:func:`ffhlib.inference.adjust_family`; a
        comparison made alone is a family of one).
    what : str
        The measure, e.g. "similarity with the evaluation neurons".
    better : {"higher", "lower"}
        Which direction of the measure is better.
    a, b : str
        Names of the compared kinds.
    unit : str
        What the test runs over.

    Returns
    -------
    str
        States the direction, whether it is significant (the adjusted p, two-sided, at
        ``1 - confidence``), how many units go the other way and, when no outcome could have
        been significant (too few units for the family's size), the smallest p attainable.
    """
    _check_better(better)
    n = summary.n
    if not np.isfinite(summary.p_adjusted):
        return f"the paired test could not be computed ({n} {unit}, no non-zero difference)"
    higher = summary.mean_diff > 0
    good = higher if better == "higher" else not higher
    direction = f"{'higher' if higher else 'lower'} ({'better' if good else 'worse'})"
    alpha = 1 - summary.confidence
    go = "goes" if summary.n_opposite == 1 else "go"
    opposite = (f"; {summary.n_opposite} of the {n} {unit} {go} the other way"
                if summary.n_opposite else f"; every one of the {n} {unit} goes the same way")
    b_of = f"{b}'" if b.endswith("s") else f"{b}'s"
    how = _p_text(summary)
    if summary.significant:
        return (f"{a}'s {what} is {direction} than {b_of}, and the difference is significant "
                f"(p < {alpha:g} over {n} {unit}, {how}{opposite})")
    floor = _floor_text(summary, unit, alpha)
    return (f"{a}'s {what} is on average {direction} than {b_of}, but the difference is not "
            f"significant (p ≥ {alpha:g} over {n} {unit}, {how}{opposite}{floor})")


def supports_claim(summary: PairedComparison, better: str = "higher") -> bool:
    """Whether a comparison supports a claim that ``a`` is better: significant (adjusted p), in
    the claim's direction."""
    _check_better(better)
    right = summary.mean_diff > 0 if better == "higher" else summary.mean_diff < 0
    return bool(summary.significant and right)


def claim_status(summary: PairedComparison, better: str = "higher") -> str:
    """How a comparison bears on a claim that ``a`` is better than ``b``.

    Returns
    -------
    str
        ``"✔ supports"`` (significant after adjustment, in the claim's direction), ``"✘ against"``
        (significant, in the other direction) or ``"– not significant"``: a mark a reader sees in
        a table.
    """
    _check_better(better)
    if not summary.significant:
        return "– not significant"
    return "✔ supports" if supports_claim(summary, better) else "✘ against"


def claim_lead_text(summary: PairedComparison, *, better: str = "higher", holds: str,
                    fails: str, reverse: str) -> str:
    """A claim of the abstracts as a finding that can lead a page (no full stop): ``holds`` when
    the comparison supports it (:func:`claim_status`), ``reverse`` when it is significant the
    other way, ``fails`` when it is not significant (or cannot be tested); each clause is the
    caller's, and the comparison picks it."""
    status = claim_status(summary, better)
    if status.startswith("✔"):
        return holds
    return reverse if status.startswith("✘") else fails


def holm_family_text(family_size: int, *, what: str = "comparisons") -> str:
    """How many p-values a chapter's summary table adjusts together (Holm), said once.

    Parameters
    ----------
    family_size : int
        Comparisons with a computable p in the family (:attr:`PairedComparison.family_size`).
    what : str
        What the comparisons are (plural).
    """
    if family_size < 0:
        raise ValueError(f"family_size must be >= 0, got {family_size}")
    if family_size == 0:
        return "No p-value of the table could be computed, so none is adjusted."
    if family_size == 1:
        return ("The table holds one computable p-value, so Holm's adjustment leaves it as it "
                "is (adjusted p = raw p).")
    return (f"The {family_size} p-values of the table ({what}) are one family: each is "
            "Holm-adjusted for the others, and a difference counts as significant only if its "
            "adjusted p is below 0.05.")


# ----------------------------------------------------------------------------- 03 gain modulation


def gain_validity_verdict(n_invalid: int, n_ground_truths: int) -> str:
    """Whether every ground truth is valid (each direction reaches the required R^2).

    Parameters
    ----------
    n_invalid : int
        Ground truths with at least one direction below the required R^2.
    n_ground_truths : int
        Ground truths built.
    """
    if not 0 <= n_invalid <= n_ground_truths:
        raise ValueError(f"n_invalid must be in [0, n_ground_truths={n_ground_truths}], "
                         f"got {n_invalid}")
    if n_invalid == 0:
        return "every ground truth is valid"
    return f"{n_invalid} of the {n_ground_truths} ground truths are not valid"


def gain_bound_verdict(n_at_bound: int) -> str:
    """Whether the optimizer's bounds on the gains shape the result (some gain sits at one)."""
    if n_at_bound < 0:
        raise ValueError(f"n_at_bound must be >= 0, got {n_at_bound}")
    return ("so the bounds do not shape the result" if n_at_bound == 0
            else "so the bounds shape part of the result")


# ----------------------------------------------------------------------------- 04 full-FORCE

#: How each trial design is described in the prose.
_CUE_EPOCH_TEXT = {"preparation": "direction input during preparation only",
                   "trial": "direction input held through the movement"}


def cue_epoch_text(cue_epoch: str) -> str:
    """The trial design in words ("direction input during preparation only", ...)."""
    if cue_epoch not in _CUE_EPOCH_TEXT:
        raise ValueError(f"cue_epoch must be one of {tuple(_CUE_EPOCH_TEXT)}; got {cue_epoch!r}")
    return _CUE_EPOCH_TEXT[cue_epoch]


def calibration_defaults_text(chosen, frozen) -> str:
    """Whether the library's calibrated defaults are what the rule chooses from the record.

    Parameters
    ----------
    chosen, frozen : ffhlib.calibration.CalibratedSettings
        What :func:`ffhlib.calibration.choose` gives from the record, and the library's
        :data:`ffhlib.calibration.CALIBRATED` settings of the same design.
    """
    if chosen == frozen:
        return "exactly these"
    return (f"different (σ = {frozen.training_noise:g}, gain {frozen.hint_gain:g}, "
            f"{frozen.n_passes} passes): the record and the defaults disagree")


def calibration_source_text(full: bool, n_trainings: int, minutes_on_two_cores: float) -> str:
    """Where the calibration shown comes from: this execution (``full``) or the shipped record.

    Parameters
    ----------
    full : bool
        The chapter reran the whole calibration.
    n_trainings : int
        Trainings in the record (both designs).
    minutes_on_two_cores : float
        Their training time over two worker processes (min).
    """
    if full:
        return "this execution reran the whole calibration (with full = True)."
    return ("this page shows the recorded run that set them; rerunning the chapter with -p full "
            f"true repeats it (both designs: {n_trainings} trainings, about "
            f"{minutes_on_two_cores:.0f} minutes on 2 cores).")


# ----------------------------------------------------------------------------- 05 similarity
# Besides the comparisons above: FFH against its interpolated recordings on the untrained
# directions, with all and half the training directions, and the spread between network seeds.


def _standing(summary: PairedComparison) -> str:
    """"above"/"below" (significant after adjustment), "level" (not significant, or no test)."""
    if not summary.significant:
        return "level"
    return "above" if summary.mean_diff > 0 else "below"


def beyond_recordings_verdict(summary: PairedComparison) -> str:
    """Whether FFH predicts unrecorded neurons in unrecorded conditions better than its
    recordings: a clause that can lead a page (no full stop). ``summary``: FFH minus the
    interpolated recordings of a similarity with E on the untrained directions (higher is
    closer), its family adjusted."""
    what = "the neurons nobody recorded, in the reach directions nobody recorded,"
    them = "its own recordings interpolated in angle"
    if not np.isfinite(summary.p_adjusted):
        return (f"Whether FFH predicts {what} better than {them} could not be tested (no "
                "non-zero difference)")
    standing = _standing(summary)
    if standing != "level":
        return f"FFH predicts {what} {'better' if standing == 'above' else 'worse'} than {them}"
    if summary.mean_diff > 0:
        return (f"FFH does not predict {what} significantly better than {them}: it is on "
                "average closer to them, but not significantly")
    return f"FFH does not predict {what} better than {them}: on average it is further from them"


_HALF_PHRASE = {"above": "beats", "below": "falls below",
                "level": "does not differ significantly from"}
_ALL_PHRASE = {"above": "it beats them", "below": "it falls below them",
               "level": "it does not differ significantly from them"}


def catch_up_text(name: str, full: PairedComparison, half: PairedComparison) -> str:
    """How network ``name`` stands against the interpolated recordings with half the training
    directions (``half``: the network minus them, higher is closer) and with all of them
    (``full``), each significant or not after adjustment."""
    return (f"with half the training directions {name} {_HALF_PHRASE[_standing(half)]} the "
            f"interpolated recordings; {_ALL_PHRASE[_standing(full)]} with all the training "
            "directions")


def seed_spread_text(within_sd: float | None, between_sd: float | None, *, label: str,
                     extra_networks: int, n_ground_truths: int, n_seeds: int) -> str:
    """The spread between network seeds of a ground truth (pooled SD ``within_sd``) beside the
    spread between ground truths (SD of their means ``between_sd``) for ``label``; None for
    either: the study did not run, and the text says how to run it (``extra_networks`` networks,
    ``n_ground_truths`` x ``n_seeds``). No full stop."""
    if within_sd is None or between_sd is None:
        return _not_run("This figure was", extra_networks,
                        f"{n_ground_truths} ground truths × {n_seeds} network seeds")
    if within_sd < 0 or between_sd < 0:
        raise ValueError(f"standard deviations must be >= 0; got {within_sd}, {between_sd}")
    ratio = within_sd / between_sd if between_sd > 0 else np.inf
    phrase = ("less than half of" if ratio < 0.5 else "smaller than" if ratio < 0.9
              else "about as large as" if ratio <= 1.1 else "larger than")
    return (f"for {label}, the spread between the network seeds of one ground truth (standard "
            f"deviation {within_sd:.3f}) is {phrase} the spread between ground truths (standard "
            f"deviation of their means {between_sd:.3f})")


def _not_run(what: str, n_networks: int, size: str) -> str:
    return (f"{what} not computed in this execution: it needs {n_networks} more networks "
            f"({size}); run the chapter once with -p full true, and every later run reads them "
            "from the cache")


def trial_design_text(values: Mapping[str, float] | None, *, n_networks: int,
                      n_ground_truths: int) -> str:
    """The two trial designs side by side in numbers (``values``: the ``design_*`` glue keys of
    :meth:`ffhlib.similarity_study.DesignComparison.values`), or, None, how to compute them
    (``n_networks`` networks on ``n_ground_truths``). No full stop."""
    if values is None:
        return _not_run("This comparison was", n_networks,
                        f"{n_ground_truths} ground truths × FF and FFH in the other design")
    v = values
    return (f"With the cue held, {v['design_trial_offset_share_ffh']:.1%} of FFH's variance and "
            f"{v['design_trial_offset_share_ff']:.1%} of FF's is a static per-direction offset, "
            f"against {v['design_soc_offset_share']:.1%} for the SOC and "
            f"{v['design_preparation_offset_share_ffh']:.1%} for FFH with the cue in preparation "
            f"only. Held, FFH's canonical correlation with E is {v['design_trial_cca_e_ffh']:.3f} "
            f"(FF {v['design_trial_cca_e_ff']:.3f}); with the direction means removed from both "
            f"sides it is {v['design_trial_cca_nomean_e_ffh']:.3f} (FF "
            f"{v['design_trial_cca_nomean_e_ff']:.3f}). With the cue in preparation only these "
            f"are {v['design_preparation_cca_e_ffh']:.3f} and "
            f"{v['design_preparation_cca_nomean_e_ffh']:.3f} for FFH. The error on untrained "
            f"directions is {v['design_trial_gen_err_ffh']:.2f} (FFH) and "
            f"{v['design_trial_gen_err_ff']:.2f} (FF) held, against "
            f"{v['design_preparation_gen_err_ffh']:.2f} and "
            f"{v['design_preparation_gen_err_ff']:.2f} with the cue in preparation only")


# ----------------------------------------------------------------------------- 06 generalization


def training_noise_units_text(result: TrainingNoise) -> str:
    """Which units the training-noise comparison ran: every network seed, or the first one."""
    which = ("every network seed" if result.full
             else "the first network seed of each ground truth")
    return f"{result.n_units} units: {which}"


def training_noise_verdict(result: TrainingNoise) -> str:
    """FFH against FF at each training noise, one :func:`describe_comparison` per value."""
    return "; ".join(f"at σ_train = {s:g}, " + describe_comparison(c, what="error", better="lower")
                     for s, c in result.versus_ff.items())


def network_noise_effect_text(effect: NetworkNoiseEffect, high: float) -> str:
    """One network's error from the smallest to the largest training noise ``high``."""
    return (f"for {effect.network} from {effect.error_at_low:.2f} to {effect.error_at_high:.2f} "
            f"(lower at {high:g} in {effect.n_lower} of {effect.n_ground_truths} ground truths)")


def baseline_versus_text(result: TrainingNoise, *, tolerance: float = 0.05) -> str:
    """The better network's error at the largest training noise against the interpolation's.

    Within ``tolerance`` (relative) of it is "about that"; above, "still r times"; below,
    "below"; a ratio that cannot be computed (no baseline, a zero baseline) says so.
    """
    ratio, best, base = result.baseline_ratio, result.best_error, result.baseline_error
    if not np.isfinite(ratio):
        return "cannot be compared with the angular interpolation's (not computed)"
    numbers = f"({best:.3f} against {base:.3f})"
    if ratio > 1 + tolerance:
        return f"still {ratio:.1f} times that of the angular interpolation {numbers}"
    if ratio >= 1 - tolerance:
        return f"about that of the angular interpolation {numbers}"
    return f"below that of the angular interpolation {numbers}"


def training_noise_effect_text(result: TrainingNoise) -> str:
    """What the training noise does to FF's and FFH's error, and the better one's against the
    network-free baseline at the largest value."""
    low, high = result.values.min(), result.values.max()
    effects = "; ".join(network_noise_effect_text(e, high) for e in result.effects)
    return (f"From σ_train = {low:g} to {high:g}, the error on untrained directions changes "
            f"{effects}. At σ_train = {high:g} the better network's error is "
            + baseline_versus_text(result))


def generalization_texts(summary: GeneralizationSummary) -> dict[str, str]:
    """Every outcome-dependent sentence chapter 06 glues, by glue key."""
    u, loo, unobs = summary.untrained, summary.leave_one_out, summary.unobserved
    noise, train = summary.input_noise, summary.training_noise
    lower = {"better": "lower"}
    return {
        "gen_verdict": describe_comparison(u.versus_ff, what="error on untrained directions",
                                           **lower),
        "gen_claim": claim_status(u.versus_ff, **lower),
        "gen_lead": claim_lead_text(
            u.versus_ff, **lower, holds="FFH generalizes to untrained directions better than FF",
            fails="FFH does not generalize to untrained directions significantly better than FF",
            reverse="FF generalizes to untrained directions better than FFH"),
        "loo_verdict": describe_comparison(loo.versus_ff, what="error on the left-out direction",
                                           **lower),
        "loo_claim": claim_status(loo.versus_ff, **lower),
        "unobs_verdict": describe_comparison(unobs.versus_ff,
                                             what="readout of the unobserved muscles"),
        "unobs_claim": claim_status(unobs.versus_ff),
        "noise_verdict": describe_comparison(noise.versus_ff, what="EMG error under input noise",
                                             **lower),
        "noise_claim": claim_status(noise.versus_ff, **lower),
        "noise_increase_verdict": describe_comparison(
            noise.increase_versus_ff, what="increase of the error under noise", **lower),
        "gen_family_text": holm_family_text(summary.family_size,
                                            what="FFH against FF, one per test"),
        "gen_noise_units_text": training_noise_units_text(train),
        "gen_noise_verdict": training_noise_verdict(train),
        "gen_noise_effect_text": training_noise_effect_text(train),
    }


# ---------------------------------------------------------------- appendix: reproducibility


def git_commit_text(commit: str | None) -> str:
    """The build's commit, or why it is unknown."""
    return commit or "unknown (not built from a git checkout)"


def git_commit_short_text(short: str | None) -> str:
    """The build's short commit, or "unknown"."""
    return short or "unknown"


def git_tree_text(dirty: bool | None) -> str:
    """Whether the tracked files were those of the commit ("... the tracked files were" + this)."""
    if dirty is None:
        return "of unknown state (no git checkout)"
    if not dirty:
        return "unchanged from that commit (a clean tree)"
    return "changed from that commit (a dirty tree: the build is not exactly that commit)"


def lock_sha256_text(sha256: str | None) -> str:
    """The lock file's SHA-256, or why there is none."""
    return sha256 or "unknown (no lock file found)"


def locked_version_text(name: str, locked) -> str:
    """The version the lock pins for ``name``; the project itself is not pinned; "-": not in the
    lock."""
    if name in locked:
        return locked[name]
    return "(the project itself)" if name == "ffhlib" else "-"


def unset_text(value: str | None) -> str:
    """An environment variable's value as a table cell, or "unset"."""
    return "unset" if value is None else f"`{value}`"


def cache_use_text(use) -> str:
    """What one chapter took from the cache (a :class:`ffhlib.cache.CacheSavings` or ``None``)."""
    if use is None:
        return "not recorded"
    return f"{use.n_entries} ({use.seconds:.0f} s)" if use.n_entries else "none"


def cache_savings_text(saved) -> str:
    """What the whole build took from the cache, ending the sentence "... of execution, ".

    Parameters
    ----------
    saved : ffhlib.cache.CacheSavings or None
        ``None`` when no chapter left a cache record.
    """
    if saved is None:
        return "(no cache records were found for this build)"
    if saved.n_entries == 0:
        return ("computing every result it used itself, so this is the time of a build from "
                "an empty cache")
    return (f"taking {saved.n_entries} results from the cache that no chapter of this build "
            f"computed (earlier runs had spent {saved.seconds / 60:.0f} min of computation on "
            "them, summed over worker processes): a build from an empty cache takes longer")


def outside_build_note(found: bool, stage, *, lead: str) -> str:
    """The end of a table caption when the page found no executed chapters (run on its own).

    Returns ``""`` when chapters were ``found``; otherwise `` (<lead> in <stage>: this page ran
    on its own, not in make book)``.
    """
    if found:
        return ""
    return f" ({lead} in {stage}: this page ran on its own, not in make book)"
