"""Every outcome-dependent sentence of the book, as pure functions of named results.

A chapter's prose is written once, but its numbers change with every rerun: a reader who runs a
chapter with other parameters must never see a sentence that its own results contradict
("significant" when it is not, "higher" when it is lower, "reached" when the level was never
reached). So every sentence whose *wording* depends on a result lives here, computed from the same
named result objects that the chapter's tables and figures show (:mod:`ffhlib.stats`,
:mod:`ffhlib.study`, :mod:`ffhlib.sweep`, ...), and each branch is unit-tested
(``tests/test_report.py``). A reviewer reads every wording of the book in this one module.

The functions take results and return plain strings (or a mark such as ``"✔ supports"``); they
compute nothing that a chapter shows as a number, and they never format a number the chapter does
not also glue.

Sections follow the book's chapters; the first holds the paired-comparison sentences that every
chapter uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .inference import PairedComparison

if TYPE_CHECKING:
    from .generalization_summary import GeneralizationSummary, NetworkNoiseEffect, TrainingNoise
    from .sweep import NeuronSweepDesign
    from .sweep_summary import FfhVersusHints, GainComparison, HowManyNeurons, LevelCrossing

__all__ = [
    "MECHANISMS_NOT_RUN",
    "MECHANISM_MEASURES",
    "baseline_versus_text",
    "beyond_recordings_verdict",
    "cache_savings_text",
    "cache_use_text",
    "calibration_defaults_text",
    "calibration_source_text",
    "catch_up_text",
    "claim_status",
    "cue_epoch_text",
    "describe_comparison",
    "describe_mechanism",
    "describe_mechanism_tally",
    "failed_tasks_text",
    "fraction_for_level_text",
    "gain_bound_verdict",
    "gain_compare_text",
    "gain_design_text",
    "gain_result_text",
    "gain_validity_verdict",
    "generalization_texts",
    "git_commit_short_text",
    "git_commit_text",
    "git_tree_text",
    "how_many_neurons_texts",
    "level_interval_text",
    "lock_sha256_text",
    "locked_version_text",
    "mechanism_claim",
    "network_noise_effect_text",
    "neurons_for_level_text",
    "not_reached_text",
    "outside_build_note",
    "seed_spread_text",
    "supports_claim",
    "training_noise_effect_text",
    "training_noise_units_text",
    "training_noise_verdict",
    "trial_design_text",
    "unset_text",
    "versus_hints_text",
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
        ``1 - confidence``), and how many units go the other way.
    """
    _check_better(better)
    n = summary.n
    if not np.isfinite(summary.p_adjusted):
        return f"the paired test could not be computed ({n} {unit}, no non-zero difference)"
    higher = summary.mean_diff > 0
    good = higher if better == "higher" else not higher
    direction = f"{'higher' if higher else 'lower'} ({'better' if good else 'worse'})"
    alpha = 1 - summary.confidence
    opposite = (f"; {summary.n_opposite} of the {n} {unit} go the other way"
                if summary.n_opposite else f"; every one of the {n} {unit} goes the same way")
    b_of = f"{b}'" if b.endswith("s") else f"{b}'s"
    how = _p_text(summary)
    if summary.significant:
        return (f"{a}'s {what} is {direction} than {b_of}, and the difference is significant "
                f"(p < {alpha:g} over {n} {unit}, {how}{opposite})")
    floor = (f"; with {n} {unit} the test cannot go below p = {summary.min_attainable_p:.3g}"
             if summary.min_attainable_p >= alpha else "")
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
        "gen_noise_units_text": training_noise_units_text(train),
        "gen_noise_verdict": training_noise_verdict(train),
        "gen_noise_effect_text": training_noise_effect_text(train),
    }


# ----------------------------------------------------------------------------- 07 how many neurons


def _percents(fractions) -> str:
    return ", ".join(f"{100 * f:g} %" for f in fractions)


def versus_hints_text(result: FfhVersusHints) -> str:
    """At which fractions FFH is more similar to E than its own hints, and where significantly."""
    if not result.higher:
        return ("At no recorded fraction is FFH, on average, more similar to E than its own "
                "hints: the recorded neurons themselves are at least as similar to the "
                "neurons no network saw as the network trained on them.")
    significant = (f"(significantly over ground truths at {_percents(result.significant)})"
                   if result.significant else
                   "(at none of them significantly over ground truths)")
    return (f"FFH is more similar to E than its own hints, on average, at "
            f"{_percents(result.higher)} {significant}; at the other fractions the recorded "
            "neurons themselves are at least as similar to E as the network trained on them.")


def fraction_for_level_text(crossing: LevelCrossing) -> str:
    """The fraction at which FFH's mean curve reaches the level, or that none of the grid does."""
    if crossing.reached:
        return f"{100 * crossing.estimate:.1f} %"
    return f"no fraction of the grid (the mean curve stays below {100 * crossing.level:g} %)"


def neurons_for_level_text(crossing: LevelCrossing) -> str:
    """That fraction in neurons, or "none"."""
    return f"{crossing.neurons:.0f}" if crossing.reached else "none"


def level_interval_text(crossing: LevelCrossing) -> str:
    """The bootstrap interval of that fraction (and in neurons), or "not computable"."""
    if not crossing.interval_computable:
        return "not computable"
    lo, hi, n = crossing.low, crossing.high, crossing.n_neurons
    return f"{100 * lo:.1f} % to {100 * hi:.1f} % ({lo * n:.0f} to {hi * n:.0f} neurons)"


def not_reached_text(crossing: LevelCrossing) -> str:
    """A sentence on the resamples that never reach the level (empty when there are none)."""
    if not crossing.n_not_reached:
        return ""
    return (f" {crossing.n_not_reached} of the {crossing.n_boot} resamples never reach the "
            "level; they are left out of the interval.")


def gain_design_text(design: NeuronSweepDesign) -> str:
    """What the hint-gain comparison runs: its gains, fractions and ground truths."""
    n = len(design.second.ground_truth_seeds)
    return (f"hint gains {', '.join(f'{g:g}' for g in design.gains)} at "
            f"{_percents(design.second_fractions)} recorded, on {n} ground truth"
            + ("s" if n != 1 else ""))


def gain_result_text(result: GainComparison) -> str:
    """FFH's mean similarity with E at the smallest and the largest fraction, gain by gain."""
    low, high = 100 * min(result.fractions), 100 * max(result.fractions)
    return "Mean canonical correlation with E by hint gain: " + "; ".join(
        f"gain {g:g}: {a:.3f} at {low:g} % and {b:.3f} at {high:g} %"
        for g, a, b in zip(result.gains, result.at_low, result.at_high, strict=True))


def gain_compare_text(result: GainComparison) -> str:
    """How the gains run relate to the main curve's: weaker, stronger, only it, or without it."""
    main = result.main_gain
    if not result.includes_main:
        return f"The main curve's gain, {main:g}, is not among them"
    groups = [(word, [f"{g:g}" for g in gains]) for word, gains in
              (("weaker", result.weaker), ("stronger", result.stronger)) if gains]
    if not groups:
        return f"Only the main curve's gain ({main:g}) is run"
    return f"The main curve's gain ({main:g}) is compared with " + " and ".join(
        f"{'' if len(v) > 1 else 'a '}{word} {'ones' if len(v) > 1 else 'one'} ({', '.join(v)})"
        for word, v in groups)


def failed_tasks_text(n_failed: int) -> str:
    """The line above the table of failed sweep tasks."""
    tasks = "task" if n_failed == 1 else "tasks"
    return f"{n_failed} {tasks} failed (marked in the table, left out of every summary):"


def how_many_neurons_texts(summary: HowManyNeurons) -> dict[str, str]:
    """Every outcome-dependent sentence chapter 07 glues, by glue key."""
    crossing = summary.similarity.crossing
    return {
        "fraction_for_90pct_text": fraction_for_level_text(crossing),
        "neurons_for_90pct_text": neurons_for_level_text(crossing),
        "fraction_for_90pct_interval_text": level_interval_text(crossing),
        "sweep_not_reached_text": not_reached_text(crossing),
        "sweep_beats_hints_text": versus_hints_text(summary.versus_hints),
        "sweep_gain_text": gain_design_text(summary.design),
        "sweep_gain_result_text": gain_result_text(summary.gains),
        "sweep_gain_compare_text": gain_compare_text(summary.gains),
    }

# ----------------------------------------------------------------------------- 08 mechanisms

#: The FFH-vs-FF comparisons of chapter 08: how a sentence names each measure, and which direction
#: is closer to the circuit (or better on an untrained task variant).
MECHANISM_MEASURES: dict[str, tuple[str, str]] = {
    "jpca_deviation": ("distance from the SOC's rotational strength", "lower"),
    "prep_rsa": ("match of the preparatory geometry", "higher"),
    "dsa": ("DSA distance to E", "lower"),
    "delay_err": ("error with a {delay_ms:g} ms delay", "lower"),
    "switch_err": ("error with the cue switched", "lower"),
}

#: What chapter 08 says where the reader switched every analysis off.
MECHANISMS_NOT_RUN = "no analysis was run"

_MARKS = ("✔", "✘", "–")


def _mechanism_measure(measure: str) -> tuple[str, str]:
    if measure not in MECHANISM_MEASURES:
        raise ValueError(f"measure must be one of {sorted(MECHANISM_MEASURES)}, got {measure!r}")
    return MECHANISM_MEASURES[measure]


def describe_mechanism(measure: str, comparison: PairedComparison, *,
                       delay_ms: float | None = None) -> str:
    """The verdict of one FFH-vs-FF mechanism comparison (:func:`describe_comparison`).

    Parameters
    ----------
    measure : str
        A key of :data:`MECHANISM_MEASURES`.
    comparison : PairedComparison
        FFH minus FF.
    delay_ms : float, optional
        The preparatory period compared; required for ``"delay_err"`` only.
    """
    what, better = _mechanism_measure(measure)
    if "{delay_ms" in what:
        if delay_ms is None:
            raise ValueError(f"delay_ms is required to describe {measure!r}")
        what = what.format(delay_ms=float(delay_ms))
    return describe_comparison(comparison, what=what, better=better)


def mechanism_claim(measure: str, comparison: PairedComparison) -> str:
    """:func:`claim_status` of a mechanism comparison on the claim that FFH is closer to the
    circuit than FF (the measure's better direction from :data:`MECHANISM_MEASURES`)."""
    return claim_status(comparison, _mechanism_measure(measure)[1])


def describe_mechanism_tally(claims: Sequence[str]) -> str:
    """How the comparisons of chapter 08 bear on the question, counted from their table marks.

    Parameters
    ----------
    claims : sequence of str
        The marks of :func:`mechanism_claim` (or :func:`claim_status`), one per comparison run;
        empty when every analysis was switched off.

    Returns
    -------
    str
        One sentence with the counts of each mark (agreeing in number), or that no analysis
        was run.
    """
    if not claims:
        return MECHANISMS_NOT_RUN.capitalize() + "."
    counts = {mark: sum(str(c).startswith(mark) for c in claims) for mark in _MARKS}
    if sum(counts.values()) != len(claims):
        raise ValueError(f"claims must be marks of claim_status, got {list(claims)!r}")

    def finds(n: int) -> str:
        return f"{n} finds" if n == 1 else f"{n} find"

    n = len(claims)
    return (f"Of its {n} comparison{'' if n == 1 else 's'}, {finds(counts['✔'])} FFH "
            f"significantly closer to the circuit than FF, {finds(counts['✘'])} FF closer, and "
            f"{finds(counts['–'])} no significant difference.")


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
