"""The sentences of chapter 10 (Kao's activation x rate-regularisation grid), as pure functions of
:class:`ffhlib.kao_summary.KaoSummary` and its parts; every branch is tested
(``tests/test_report_kao.py``). Numbers they quote are glued by the chapter too."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .kao_summary import KaoSummary
    from .stats import WithinGroupRankCorrelation

__all__ = ["kao_dissociation_text", "kao_fit_text", "kao_rank_text", "kao_reference_text",
           "kao_strengths_text", "kao_texts", "kao_verdict"]

_REFERENCE = {"ffh": "FFH's", "hints": "the recorded neurons'"}


def _alpha(summary: KaoSummary) -> float:
    return 1.0 - summary.cells[0].population_vs_ffh.confidence


def kao_dissociation_text(summary: KaoSummary) -> str:
    """Which cells dissociate the two levels, by the rule fixed in advance."""
    ref = _REFERENCE[summary.reference]
    n_single = sum(c.single_at_least_reference for c in summary.cells)
    n_lower = sum(c.population_vs_ffh.significant and c.population_vs_ffh.mean_diff < 0
                  for c in summary.cells)
    counts = (f"{n_single} of {len(summary.cells)} cells match single neurons at least as well "
              f"as {ref} ({summary.reference_single:.2f}); {n_lower} have a population score "
              f"significantly below FFH's")
    if not summary.dissociating:
        return (f"{counts}; no cell does both, so none dissociates the two levels")
    names = "; ".join(summary.dissociating)
    verb = "dissociates" if len(summary.dissociating) == 1 else "dissociate"
    return f"{counts}; {len(summary.dissociating)} {verb} the two levels: {names}"


def kao_rank_text(rank: WithinGroupRankCorrelation, alpha: float = 0.05) -> str:
    """The within-ground-truth rank correlation of the two levels, tested over ground truths."""
    left = (f" ({rank.n_undefined} ground truth{'s' if rank.n_undefined != 1 else ''} without a "
            f"defined correlation left out)" if rank.n_undefined else "")
    what = (f"across the cells of one ground truth, the single-neuron and the population score "
            f"have a mean Spearman correlation of {rank.mean_rho:.2f} over "
            f"{rank.n_groups} ground truths{left}")
    p = rank.wilcoxon_p
    if not np.isfinite(p) or p >= alpha:
        return (f"{what}, not significantly different from 0 (p = {p:.2g}): over this grid the "
                f"two levels do not rank the cells consistently")
    if rank.mean_rho > 0:
        return (f"{what}, significantly positive (p = {p:.2g}): a cell that matches single "
                f"neurons better also matches the population better")
    return (f"{what}, significantly negative (p = {p:.2g}): a cell that matches single neurons "
            f"better matches the population worse")


def kao_reference_text(summary: KaoSummary) -> str:
    """Where the references' single-neuron scores lie (the scale of the measure)."""
    refs = {k: v[summary.single].mean for k, v in summary.references.items()
            if summary.single in v}
    parts = [f"{label} {refs[k]:.2f}" for k, label in
             (("hints", "the recorded neurons"), ("ffh", "FFH"), ("ff", "FF"),
              ("floor", "the untrained network")) if k in refs]
    text = "The single-neuron match is " + ", ".join(parts)
    if "floor" in refs and "ff" in refs and refs["ff"] <= refs["floor"]:
        return text + ": FF does not match single neurons better than an untrained network"
    return text


def kao_fit_text(summary: KaoSummary, threshold: float = 0.95) -> str:
    """Which cells' networks miss the EMG fit threshold (they stay in the statistics)."""
    low = [c.name for c in summary.cells if np.isfinite(c.fit_min) and c.fit_min < threshold]
    if not low:
        return f"every network of the grid fits the EMG with R² ≥ {threshold:g}"
    return (f"some networks fit the EMG with R² below {threshold:g} (they stay in the statistics) "
            f"in {len(low)} cell{'s' if len(low) != 1 else ''}: {'; '.join(low)}")


def kao_strengths_text(strengths) -> str:
    """How chapter 09's strength (k = 1) compares with the strongest the grid's networks keep
    the fit at (k = 2): the two are calibrated by one rule at different network sizes."""
    if len(strengths) < 3:
        raise ValueError(f"strengths must hold k = 0, 1, 2; got {list(strengths)}")
    calibrated, strongest = float(strengths[1]), float(strengths[2])
    if calibrated > strongest:
        return (f"chapter 09's strength ({calibrated:g}), calibrated for its larger, "
                f"longer-trained networks, is stronger than the strongest at which the grid's "
                f"networks keep the fit ({strongest:g}): the grid's networks at chapter 09's "
                f"strength may not fit")
    return (f"the grid's networks keep the fit up to {strongest:g}, beyond chapter 09's strength "
            f"({calibrated:g})")


def kao_verdict(summary: KaoSummary) -> str:
    """The grid's answer to Kao's first consideration, in one sentence."""
    alpha = _alpha(summary)
    rank = summary.rank
    positive = np.isfinite(rank.wilcoxon_p) and rank.wilcoxon_p < alpha and rank.mean_rho > 0
    if summary.dissociating:
        n = len(summary.dissociating)
        who = "FFH" if summary.reference == "ffh" else "the recorded neurons"
        lead = (f"Kao's claim holds in this grid: {n} cell{'s' if n != 1 else ''} match"
                f"{'es' if n == 1 else ''} single neurons as well as {who} while missing the "
                f"population structure")
        if positive:
            return lead + ", although across cells the two levels still rise together"
        return lead
    if positive:
        return ("Kao's dissociation does not appear in this grid: no cell matches single neurons "
                "while missing the population, and the two levels rise together across cells")
    return ("Kao's dissociation does not appear in this grid: no cell matches single neurons "
            "while missing the population, and the two levels are not consistently related "
            "across cells")


def kao_claim(summary: KaoSummary) -> str:
    """The introduction's mark for Kao's existence claim: ✔ when a cell dissociates the two
    levels (its adjusted p, :func:`ffhlib.kao_summary.claim_padj`, is below the level), else –
    with the reason (no cell reaches the reference neuron by neuron, or none falls significantly
    below FFH as a population)."""
    if summary.dissociating:
        n = len(summary.dissociating)
        return f"✔ {n} cell{'s' if n != 1 else ''} dissociate{'s' if n == 1 else ''}"
    if not any(c.single_at_least_reference for c in summary.cells):
        who = "FFH" if summary.reference == "ffh" else "the recorded neurons"
        return f"– no cell matches single neurons as well as {who}"
    return "– no candidate cell is significantly below FFH as a population"


def _by_index(summary: KaoSummary) -> list[float]:
    """The cells' strengths in the order k = 0, 1, 2, ..."""
    by_k = {c.strength_index: c.strength for c in summary.cells}
    return [by_k[k] for k in sorted(by_k)]


def kao_texts(summary: KaoSummary) -> dict[str, str]:
    """Every sentence of the chapter, by glue key."""
    return {"kao_dissociation_text": kao_dissociation_text(summary),
            "kao_rank_text": kao_rank_text(summary.rank, _alpha(summary)),
            "kao_reference_text": kao_reference_text(summary),
            "kao_fit_text": kao_fit_text(summary),
            "kao_strengths_text": kao_strengths_text(_by_index(summary)),
            "kao_verdict": kao_verdict(summary), "kao_claim": kao_claim(summary)}
