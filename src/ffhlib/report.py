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

import numpy as np

from .inference import PairedComparison

__all__ = [
    "claim_status",
    "describe_comparison",
    "supports_claim",
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


# ----------------------------------------------------------------------------- 04 full-FORCE

# ----------------------------------------------------------------------------- 05 similarity

# ----------------------------------------------------------------------------- 06 generalization

# ----------------------------------------------------------------------------- 07 how many neurons

# ----------------------------------------------------------------------------- 08 mechanisms
