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
    "claim_status",
    "describe_comparison",
    "describe_mechanism",
    "describe_mechanism_tally",
    "mechanism_claim",
    "supports_claim",
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


# ----------------------------------------------------------------------------- 04 full-FORCE

# ----------------------------------------------------------------------------- 05 similarity

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
