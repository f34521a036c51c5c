"""The book's lead findings and the introduction's verdicts, as pure functions of named results.

The introduction is a MyST page: it executes nothing and can only show what the chapters glue. So
every sentence of its first screen whose wording depends on a result, and every mark of its
summary table, is computed here from the chapter's own comparisons, glued by that chapter
(:mod:`ffhlib.similarity_values`, :mod:`ffhlib.mechanism_summary`), and read by the introduction
under the chapter's name. A rerun cannot print a sentence its own results contradict.

The rules are :mod:`ffhlib.report`'s: the functions take results and return plain strings or table
marks; every branch is unit-tested (``tests/test_report.py``, section "the book's lead").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .inference import PairedComparison
from .report import claim_status

__all__ = [
    "MIXED",
    "interpolation_lead_text",
    "mechanism_verdict",
    "recordings_lead_text",
]

#: The mark of a set of comparisons that do not all agree.
MIXED = "– mixed"


def _standing(summary: PairedComparison) -> str | None:
    """"above"/"below" (significant after adjustment), "level" (not significant); None: no
    computable test."""
    if not np.isfinite(summary.p_adjusted):
        return None
    if not summary.significant:
        return "level"
    return "above" if summary.mean_diff > 0 else "below"


def recordings_lead_text(ffh_vs_hints: PairedComparison) -> str:
    """Whether FFH's activity is closer to the neurons no network saw than its own recordings
    are: a sentence that can lead a page (no full stop).

    Parameters
    ----------
    ffh_vs_hints : PairedComparison
        FFH minus the recorded neurons of a similarity with E (higher is closer), its family
        adjusted.
    """
    what = "the neurons no network saw"
    standing = _standing(ffh_vs_hints)
    if standing is None:
        return (f"Whether FFH's activity is closer to {what} than its own recordings could not be "
                "tested (no non-zero difference)")
    if standing == "above":
        return (f"FFH's activity is closer to {what} than its own recordings are: it learned "
                "more than it was shown")
    if standing == "below":
        return (f"FFH's activity is further from {what} than its own recordings are: it does "
                "not exceed what it was shown")
    return (f"FFH's activity is not significantly closer to {what} than its own recordings are: "
            "it does not exceed what it was shown")


def interpolation_lead_text(versus: Mapping[str, PairedComparison]) -> str:
    """How the recordings interpolated in angle stand against each network on the neurons no one
    recorded in the directions no one recorded: a sentence that can lead a page (no full stop).

    Parameters
    ----------
    versus : mapping of network name to PairedComparison
        Each network minus the interpolated recordings (higher is closer to the neurons), in the
        order the sentence names them (e.g. ``{"FF": ..., "FFH": ...}``), their family adjusted.
    """
    if not versus:
        raise ValueError("versus must name at least one network")
    standings = {name: _standing(c) for name, c in versus.items()}
    names = list(standings)
    both = "either network" if len(names) == 2 else "any network"
    lead = ("On reach directions no network was trained on, the recorded neurons' rates "
            "interpolated in angle")
    target = "the neurons nobody recorded"
    values = set(standings.values())
    if values == {"below"}:
        return f"{lead} predict {target} better than {both} does"
    if values == {"above"}:
        return f"{lead} predict {target} less well than {both} does"
    if values == {"level"}:
        return f"{lead} predict {target} as well as {both} (no significant difference)"
    words = {"below": "better than", "above": "less well than",
             "level": "not significantly differently from",
             None: "untested (no difference) against"}
    parts = [f"{words[standings[n]]} {n}" for n in names]
    return f"{lead} predict {target} " + ", and ".join(parts)


def mechanism_verdict(comparisons: Sequence[tuple[PairedComparison, str]]) -> str:
    """The introduction's mark for the question whether FFH shares the circuit's mechanism more
    than FF, from every comparison of chapter 08 (each a necessary, not a sufficient, condition).

    Parameters
    ----------
    comparisons : sequence of (PairedComparison, better)
        FFH minus FF for each view, with the direction that is closer to the circuit
        (``"higher"`` or ``"lower"``), their family adjusted.

    Returns
    -------
    str
        ``"✔ every view"`` when every comparison supports it, ``"✘ every view"`` when every one
        goes against it, ``"– no view"`` when none is significant, otherwise
        ``"– mixed (k ✔, j ✘, m –)"``; then, when any view supports it, that agreement on these
        views is necessary, not sufficient. ``"– not run"`` for no comparison.
    """
    marks = [claim_status(c, better)[0] for c, better in comparisons]
    if not marks:
        return "– not run"
    counts = {m: marks.count(m) for m in ("✔", "✘", "–")}
    if counts["✔"] == len(marks):
        mark = "✔ every view"
    elif counts["✘"] == len(marks):
        mark = "✘ every view"
    elif counts["–"] == len(marks):
        mark = "– no view"
    else:
        mark = f"{MIXED} ({counts['✔']} ✔, {counts['✘']} ✘, {counts['–']} –)"
    if counts["✔"]:
        mark += "; necessary, not sufficient"
    return mark
