"""Chapter 08's outcome-dependent sentences (mechanisms), as pure functions of its named results
(:mod:`ffhlib.mechanism_summary`), on top of :mod:`ffhlib.report`'s paired comparisons.

The rules are :mod:`ffhlib.report`'s: the functions take results and return plain strings or table
marks; every branch is unit-tested (``tests/test_report.py``, section 08).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .inference import PairedComparison
from .report import claim_status, describe_comparison

__all__ = [
    "MECHANISMS_NOT_RUN",
    "MECHANISM_MEASURES",
    "describe_mechanism",
    "describe_mechanism_tally",
    "dsa_references_text",
    "mechanism_claim",
]


#: The FFH-vs-FF comparisons of chapter 08: how a sentence names each measure, and which direction
#: is closer to the circuit (or better on an untrained task variant).
MECHANISM_MEASURES: dict[str, tuple[str, str]] = {
    "jpca_deviation": ("distance from the SOC's rotational strength", "lower"),
    "prep_rsa": ("match of the preparatory geometry", "higher"),
    "fp_found": ("share of directions held at a stable fixed point (the SOC's: none)", "lower"),
    "onset_deviation": ("distance from the SOC's leading onset eigenvalue", "lower"),
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


def dsa_references_text(distance) -> str:
    """Where FFH's mean DSA distance to E lies against the recorded neurons' own (the hints).

    Parameters
    ----------
    distance : mapping of kind to KindSummary
        Holding at least ``"ffh"`` and ``"hints"`` (lower is closer to E).

    Notes
    -----
    Compares means over ground truths only (the hints are a reference row; no test is made).
    """
    ffh, hints = float(distance["ffh"].mean), float(distance["hints"].mean)
    if not (np.isfinite(ffh) and np.isfinite(hints)):
        return "cannot be compared with the recorded neurons' own (not computed)"
    numbers = f"({ffh:.3f} against {hints:.3f})"
    if np.isclose(ffh, hints, rtol=0, atol=5e-4):
        return f"as close to E's as those of the recorded neurons it was trained on {numbers}"
    side = "closer to" if ffh < hints else "further from"
    return (f"on average {side} E's than those of the recorded neurons it was trained on "
            f"{numbers}")


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
