"""Chapter 07's outcome-dependent sentences (how many neurons), as pure functions of its named
results (:mod:`ffhlib.sweep_summary`), on top of :mod:`ffhlib.report`'s paired comparisons.

The rules are :mod:`ffhlib.report`'s: the functions take results and return plain strings; they
compute nothing the chapter shows as a number and never format a number it does not also glue;
every branch is unit-tested (``tests/test_report.py``, section 07).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .report import holm_family_text

if TYPE_CHECKING:
    from .sweep import NeuronSweepDesign
    from .sweep_summary import FfhVersusHints, GainComparison, HowManyNeurons, LevelCrossing

__all__ = [
    "failed_tasks_text",
    "fraction_for_level_text",
    "gain_compare_text",
    "gain_design_text",
    "gain_result_text",
    "hints_dimension_text",
    "how_many_neurons_texts",
    "level_interval_text",
    "neurons_for_level_text",
    "not_reached_text",
    "recordings_versus_network_text",
    "reference_scale_text",
    "strong_gain_text",
    "versus_hints_text",
]



def _percents(fractions) -> str:
    return ", ".join(f"{100 * f:g} %" for f in fractions)


def hints_dimension_text(result: FfhVersusHints) -> str:
    """At which latent dimension FFH is compared with its hints, fraction by fraction.

    With fewer recorded neurons than d, PCA followed by CCA counts the missing canonical
    correlations as 0: such a comparison would measure how many neurons were recorded, not what
    they carry. The sentence says where the comparison is made at a lower d, and where no d fits.
    """
    d = result.pca_dim
    parts = []
    if not result.lowered:
        parts.append(f"Every fraction compared records at least d = {d} neurons, so FFH is "
                     f"compared with its hints at d = {d} throughout.")
    else:
        lowered = "; ".join(f"at {100 * f:g} % ({n} neuron{'' if n == 1 else 's'}) at d = {k}"
                            for f, n, k in result.lowered)
        parts.append(f"Where fewer than d = {d} neurons are recorded, the hints' canonical "
                     f"correlations at d = {d} would count the missing dimensions as 0, so FFH "
                     f"is compared with them at the largest d they fill: {lowered}; elsewhere "
                     f"at d = {d}.")
    if result.skipped:
        parts.append(f"At {_percents(result.skipped)} too few neurons are recorded for any d, "
                     "and FFH is not compared with them there.")
    return " ".join(parts)


def versus_hints_text(result: FfhVersusHints) -> str:
    """At which fractions FFH is more similar to E than its own hints, and where significantly
    (Holm-adjusted over the fractions compared)."""
    if not result.comparisons:
        return "FFH is compared with its hints at no fraction (too few neurons recorded)."
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
    """The fraction at which the mean curve reaches the level, or that none of the grid does."""
    if crossing.at_first_fraction:
        return (f"{100 * crossing.estimate:.1f} % or less (the smallest fraction searched "
                "already reaches it)")
    if crossing.reached:
        return f"{100 * crossing.estimate:.1f} %"
    return f"no fraction of the grid (the mean curve stays below {100 * crossing.level:g} %)"


def neurons_for_level_text(crossing: LevelCrossing) -> str:
    """That fraction in neurons, or "none"."""
    if not crossing.reached:
        return "none"
    return (f"{crossing.neurons:.0f} or fewer" if crossing.at_first_fraction
            else f"{crossing.neurons:.0f}")


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


def strong_gain_text(crossing: LevelCrossing | None, gain: float) -> str:
    """FFH's fraction for the level at the strongest hint gain (complete grid only)."""
    if crossing is None:
        return (f"The same point at hint gain {gain:g} needs the complete grid (-p full true), "
                "which this execution did not run.")
    interval = level_interval_text(crossing)
    return (f"At hint gain {gain:g} (complete grid) FFH's mean curve reaches it at "
            f"{fraction_for_level_text(crossing)} (95 % interval: {interval}).")


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


def recordings_versus_network_text(network: LevelCrossing, recordings: LevelCrossing) -> str:
    """Whether FFH needs fewer recorded neurons than the recordings alone to reach the level.

    Compares the two point estimates and says whether their bootstrap intervals overlap (the
    two are not tested against each other).
    """
    if not network.reached and not recordings.reached:
        return "Neither FFH nor the recorded neurons alone reach the level on the grid."
    if not recordings.reached:
        return ("FFH reaches the level on the grid, and the recorded neurons alone do not: "
                "there the network adds to what it was shown.")
    if not network.reached:
        return ("The recorded neurons alone reach the level on the grid, and FFH does not: "
                "the network trained on them loses part of what they carry.")
    if np.isclose(network.estimate, recordings.estimate):
        order = "at the same fraction as"
    elif network.estimate < recordings.estimate:
        order = "with fewer recorded neurons than"
    else:
        order = "only with more recorded neurons than"
    overlap = ""
    if network.interval_computable and recordings.interval_computable:
        apart = network.high < recordings.low or recordings.high < network.low
        overlap = (" (their 95 % intervals do not overlap)" if apart
                   else " (their 95 % intervals overlap)")
    return f"FFH reaches the level {order} the recorded neurons alone{overlap}."


def reference_scale_text(normalized_ceiling: float) -> str:
    """Where the two samples of unrecorded neurons fall on the floor-to-oracle scale."""
    if not np.isfinite(normalized_ceiling):
        return "cannot be placed on it (not computed)"
    if normalized_ceiling > 1:
        return ("above 1: the oracle is a reference, not a bound, and values above 1 are shown "
                "as they are")
    return "below the oracle"


def how_many_neurons_texts(summary: HowManyNeurons) -> dict[str, str]:
    """Every outcome-dependent sentence chapter 07 glues, by glue key."""
    sim = summary.similarity
    crossing, rec = sim.crossing, sim.crossing_recordings
    return {
        "fraction_for_90pct_text": fraction_for_level_text(crossing),
        "neurons_for_90pct_text": neurons_for_level_text(crossing),
        "fraction_for_90pct_interval_text": level_interval_text(crossing),
        "sweep_not_reached_text": not_reached_text(crossing),
        "fraction_for_90pct_recordings_text": fraction_for_level_text(rec),
        "neurons_for_90pct_recordings_text": neurons_for_level_text(rec),
        "fraction_for_90pct_recordings_interval_text": level_interval_text(rec),
        "sweep_recordings_not_reached_text": not_reached_text(rec),
        "sweep_recordings_versus_text": recordings_versus_network_text(crossing, rec),
        "sweep_reference_scale_text": reference_scale_text(sim.normalized_flat["ceiling"].mean),
        "sweep_strong_gain_text": strong_gain_text(summary.strong_gain_crossing,
                                                   summary.strong_gain),
        "sweep_hints_dimension_text": hints_dimension_text(summary.versus_hints),
        "sweep_family_text": holm_family_text(summary.versus_hints.family_size,
                                              what="FFH against its hints, one per fraction"),
        "sweep_beats_hints_text": versus_hints_text(summary.versus_hints),
        "sweep_gain_text": gain_design_text(summary.design),
        "sweep_gain_result_text": gain_result_text(summary.gains),
        "sweep_gain_compare_text": gain_compare_text(summary.gains),
    }
