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

from collections.abc import Sequence

import numpy as np

from .stats import GroupedPairedSummary

__all__ = [
    "MECHANISMS_NOT_RUN",
    "MECHANISM_MEASURES",
    "cache_savings_text",
    "cache_use_text",
    "calibration_defaults_text",
    "calibration_source_text",
    "claim_status",
    "cue_epoch_text",
    "describe_comparison",
    "describe_mechanism",
    "describe_mechanism_tally",
    "gain_bound_verdict",
    "gain_validity_verdict",
    "git_commit_short_text",
    "git_commit_text",
    "git_tree_text",
    "lock_sha256_text",
    "locked_version_text",
    "mechanism_claim",
    "outside_build_note",
    "supports_claim",
    "unset_text",
]

# ----------------------------------------------------------------------------- comparisons


def describe_comparison(summary: GroupedPairedSummary, *, what: str, better: str = "higher",
                        a: str = "FFH", b: str = "FF", unit: str = "ground truths") -> str:
    """One sentence on a paired comparison, computed from its statistics (never hand-written).

    Parameters
    ----------
    summary : GroupedPairedSummary
        ``a`` minus ``b``.
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
        States the direction, whether it is significant (two-sided, at ``1 - confidence``), and
        how many groups go the other way.
    """
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    n = summary.n_groups
    if not np.isfinite(summary.wilcoxon_p):
        return f"the paired test could not be computed ({n} {unit}, no non-zero difference)"
    higher = summary.mean_diff > 0
    good = higher if better == "higher" else not higher
    direction = f"{'higher' if higher else 'lower'} ({'better' if good else 'worse'})"
    alpha = 1 - summary.confidence
    opposite = (f"; {summary.n_opposite} of the {n} {unit} go the other way"
                if summary.n_opposite else f"; every one of the {n} {unit} goes the same way")
    b_of = f"{b}'" if b.endswith("s") else f"{b}'s"
    if summary.wilcoxon_p < alpha:
        return (f"{a}'s {what} is {direction} than {b_of}, and the difference is significant "
                f"(p < {alpha:g} over {n} {unit}{opposite})")
    floor = (f"; with {n} {unit} the test cannot go below p = {summary.min_attainable_p:.3g}"
             if summary.min_attainable_p >= alpha else "")
    return (f"{a}'s {what} is on average {direction} than {b_of}, but the difference is not "
            f"significant (p ≥ {alpha:g} over {n} {unit}{opposite}{floor})")


def supports_claim(summary: GroupedPairedSummary, better: str = "higher") -> bool:
    """Whether a comparison supports a claim that ``a`` is better: significant, right direction."""
    right = summary.mean_diff > 0 if better == "higher" else summary.mean_diff < 0
    return bool(summary.significant and right)


def claim_status(summary: GroupedPairedSummary, better: str = "higher") -> str:
    """How a comparison bears on a claim that ``a`` is better than ``b``.

    Returns
    -------
    str
        ``"✔ supports"`` (significant, in the claim's direction), ``"✘ against"`` (significant,
        in the other direction) or ``"– not significant"``: a mark a reader sees in a table.
    """
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
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
# Chapter 05's outcome-dependent sentences are the paired comparisons above
# (describe_comparison, claim_status), built by ffhlib.similarity_study.glue_values.

# ----------------------------------------------------------------------------- 06 generalization

# ----------------------------------------------------------------------------- 07 how many neurons

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


def describe_mechanism(measure: str, comparison: GroupedPairedSummary, *,
                       delay_ms: float | None = None) -> str:
    """The verdict of one FFH-vs-FF mechanism comparison (:func:`describe_comparison`).

    Parameters
    ----------
    measure : str
        A key of :data:`MECHANISM_MEASURES`.
    comparison : GroupedPairedSummary
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


def mechanism_claim(measure: str, comparison: GroupedPairedSummary) -> str:
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
