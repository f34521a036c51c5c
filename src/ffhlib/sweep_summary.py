"""Chapter 07's summaries: a neuron-fraction sweep's tidy table reduced to named results.

:func:`ffhlib.sweep.run_sweep` returns one row per task (ground truth, seed, kind, grid cell). The
pure functions here select the rows of a question (the main curve at the study's muscle fraction
and hint gain; the hint-gain comparison at a few fractions) and reduce them to frozen results:
curves over ground truths (:func:`ffhlib.sweep.curve`), the fraction at which FFH reaches a level
between floor and ceiling with its bootstrap interval (:func:`ffhlib.sweep.fraction_for_level`),
and FFH against its own hints at each fraction (:func:`ffhlib.study.compare_kinds`). The figures
draw these results (:mod:`ffhlib.plotting.sweep`), the outcome-dependent sentences are worded from
them (:mod:`ffhlib.report`, section 07), and :func:`glue_values` turns them into the numbers the
prose quotes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from . import study, sweep
from .inference import PairedComparison
from .study import KindSummary, StudyParams
from .sweep import Curve, NeuronSweepDesign, SweepResult

__all__ = [
    "BehaviourByFraction",
    "FfhVersusHints",
    "GainComparison",
    "HowManyNeurons",
    "LevelCrossing",
    "SimilarityByFraction",
    "behaviour_by_fraction",
    "ffh_versus_hints",
    "gain_comparison",
    "gain_rows",
    "glue_values",
    "level_crossing",
    "main_rows",
    "similarity_by_fraction",
    "summarize",
    "value_at",
]


def _close_or_missing(column, value: float):
    return column.isna() | np.isclose(column, value)


def main_rows(table, params: StudyParams, fractions):
    """The rows of the main curve: the study's units, muscle fraction and hint gain, at
    ``fractions`` (FF, whose hint gain is irrelevant, and the fraction-free baselines included).

    Parameters
    ----------
    table : pandas.DataFrame
        A sweep's table (:attr:`ffhlib.sweep.SweepResult.table`).
    params : StudyParams
        The base study: its ground truths, seeds, muscle fraction and hint gain.
    fractions : sequence of float
        The main curve's neuron fractions.

    Returns
    -------
    pandas.DataFrame
        A subset of ``table``'s rows (failed rows kept: the summaries leave them out).
    """
    at_default = table[_close_or_missing(table["muscle_fraction"],
                                         params.observation.muscle_fraction)
                       & (_close_or_missing(table["hint_gain"], params.force.hint_gain)
                          | (table["network"] == "ff"))]
    main = at_default[at_default["seed"].isin(params.seeds)
                      & at_default["ground_truth"].isin(params.ground_truth_seeds)]
    return main[main["neuron_fraction"].isna()
                | main["neuron_fraction"].isin((0.0,) + tuple(fractions))]


def value_at(c: Curve, fraction: float) -> float:
    """The curve's mean at the grid point nearest to ``fraction``."""
    return float(c.mean[np.argmin(np.abs(c.x - fraction))])


# ----------------------------------------------------------------------------- similarity


@dataclasses.dataclass(frozen=True)
class LevelCrossing:
    """Where FFH's mean normalised similarity first reaches ``level`` (floor 0, ceiling 1).

    Attributes
    ----------
    level : float
    estimate : float
        The neuron fraction (NaN if the mean curve never reaches the level on the grid).
    low, high : float
        Percentile bootstrap interval over ground truths (NaN if not computable).
    n_not_reached : int
        Resamples whose mean curve never reaches the level (left out of the interval).
    n_boot : int
        Resamples.
    n_neurons : int
        SOC neurons, to express fractions as neurons.
    """

    level: float
    estimate: float
    low: float
    high: float
    n_not_reached: int
    n_boot: int
    n_neurons: int

    @property
    def reached(self) -> bool:
        """Whether the mean curve reaches the level on the grid."""
        return bool(np.isfinite(self.estimate))

    @property
    def interval_computable(self) -> bool:
        """Whether the bootstrap interval could be computed."""
        return bool(np.isfinite(self.low))

    @property
    def neurons(self) -> float:
        """The estimate in neurons (NaN if not reached)."""
        return self.estimate * self.n_neurons if self.reached else math.nan


def level_crossing(main, *, n_neurons: int, level: float = 0.9, n_boot: int = 2000,
                   rng=0) -> LevelCrossing:
    """:func:`ffhlib.sweep.fraction_for_level` of FFH's normalised ``cca_e`` in ``main``."""
    estimate, (lo, hi), not_reached = sweep.fraction_for_level(
        sweep.normalized_scores(main), level, n_boot=n_boot, rng=rng)
    return LevelCrossing(level=level, estimate=estimate, low=lo, high=hi,
                         n_not_reached=not_reached, n_boot=n_boot, n_neurons=n_neurons)


@dataclasses.dataclass(frozen=True)
class SimilarityByFraction:
    """Similarity with E (``cca_e``) against the recorded fraction.

    Attributes
    ----------
    ffh, hints : Curve
        FFH and the recorded neurons themselves, against the fraction.
    flat : mapping of kind to KindSummary
        FF (no neuron recorded), the floor and the ceiling.
    crossing : LevelCrossing
    spearman : float
        Spearman correlation of fraction and similarity over FFH's rows.
    n_ffh_rows : int
    """

    ffh: Curve
    hints: Curve
    flat: Mapping[str, KindSummary]
    crossing: LevelCrossing
    spearman: float
    n_ffh_rows: int

    @property
    def level_value(self) -> float:
        """The level in ``cca_e``: floor + level x (ceiling − floor), of the mean lines."""
        floor, ceiling = self.flat["floor"].mean, self.flat["ceiling"].mean
        return floor + self.crossing.level * (ceiling - floor)


def similarity_by_fraction(main, *, n_neurons: int, level: float = 0.9, n_boot: int = 2000,
                           rng=0) -> SimilarityByFraction:
    """Summarise the main curve's similarity with E (rows from :func:`main_rows`)."""
    from scipy import stats as sps

    ffh_rows = main[main["network"] == "ffh"]
    return SimilarityByFraction(
        ffh=sweep.curve(main, "cca_e", "ffh"), hints=sweep.curve(main, "cca_e", "hints"),
        flat={k: study.summarize(main, "cca_e", k) for k in ("ff", "floor", "ceiling")},
        crossing=level_crossing(main, n_neurons=n_neurons, level=level, n_boot=n_boot, rng=rng),
        spearman=float(sps.spearmanr(ffh_rows["neuron_fraction"], ffh_rows["cca_e"]).statistic),
        n_ffh_rows=int(len(ffh_rows)))


@dataclasses.dataclass(frozen=True)
class FfhVersusHints:
    """FFH against its own hints (the recorded neurons) at each fraction, on similarity with E.

    Attributes
    ----------
    fractions : tuple of float
        The fractions compared, in the grid's order.
    comparisons : tuple of PairedComparison
        FFH − hints at each fraction, over ground truths.
    """

    fractions: tuple[float, ...]
    comparisons: tuple[PairedComparison, ...]

    @property
    def higher(self) -> tuple[float, ...]:
        """Fractions where FFH is, on average, more similar to E than its hints."""
        return tuple(f for f, c in zip(self.fractions, self.comparisons, strict=True)
                     if c.mean_diff > 0)

    @property
    def significant(self) -> tuple[float, ...]:
        """Those of :attr:`higher` where the difference is significant."""
        return tuple(f for f, c in zip(self.fractions, self.comparisons, strict=True)
                     if c.mean_diff > 0 and c.significant)


def ffh_versus_hints(main, fractions) -> FfhVersusHints:
    """Compare FFH with the hints at each of ``fractions`` (rows from :func:`main_rows`)."""
    comparisons = []
    for f in fractions:
        sub = main[(main["network"] != "ffh") & (main["network"] != "hints")
                   | np.isclose(main["neuron_fraction"], f)]
        comparisons.append(study.compare_kinds(sub, "cca_e", "ffh", "hints"))
    return FfhVersusHints(fractions=tuple(fractions), comparisons=tuple(comparisons))


# ----------------------------------------------------------------------------- behaviour


@dataclasses.dataclass(frozen=True)
class BehaviourByFraction:
    """What the recorded fraction does to behaviour.

    Attributes
    ----------
    gen, fit : Curve
        FFH's error on untrained directions and fit ``R^2`` against the fraction.
    gen_flat : mapping of kind to KindSummary
        FF's and the angular interpolation's error on untrained directions.
    fit_ff : KindSummary
        FF's fit.
    """

    gen: Curve
    fit: Curve
    gen_flat: Mapping[str, KindSummary]
    fit_ff: KindSummary


def behaviour_by_fraction(main) -> BehaviourByFraction:
    """Summarise the main curve's behaviour (rows from :func:`main_rows`)."""
    return BehaviourByFraction(
        gen=sweep.curve(main, "gen_err", "ffh"), fit=sweep.curve(main, "fit_r2", "ffh"),
        gen_flat={k: study.summarize(main, "gen_err", k) for k in ("ff", "interpolation")},
        fit_ff=study.summarize(main, "fit_r2", "ff"))


# ----------------------------------------------------------------------------- hint gain


def gain_rows(table, design: NeuronSweepDesign, muscle_fraction: float):
    """The rows of the hint-gain comparison: its grid's units at ``muscle_fraction``."""
    grid = design.second
    return table[table["ground_truth"].isin(grid.ground_truth_seeds)
                 & table["seed"].isin(grid.seeds)
                 & _close_or_missing(table["muscle_fraction"], muscle_fraction)]


@dataclasses.dataclass(frozen=True)
class GainComparison:
    """FFH's similarity with E against the hint gain, at a few fractions.

    Attributes
    ----------
    gains : tuple of float
        The hint gains, in the grid's order.
    main_gain : float
        The main curve's gain.
    fractions : tuple of float
        The fractions compared (increasing).
    means : ndarray (F, n_gains)
        Mean over ground truths at each fraction and gain.
    per_ground_truth : ndarray (F, G, n_gains)
    ff : KindSummary
        FF (no hints) on the same units.
    at_low, at_high : tuple of float (n_gains,)
        The means at the smallest and the largest fraction, by gain.
    n_ground_truths : int
    """

    gains: tuple[float, ...]
    main_gain: float
    fractions: tuple[float, ...]
    means: np.ndarray
    per_ground_truth: np.ndarray
    ff: KindSummary
    at_low: tuple[float, ...]
    at_high: tuple[float, ...]
    n_ground_truths: int

    @property
    def stronger(self) -> tuple[float, ...]:
        """Gains above the main one."""
        return tuple(g for g in self.gains if g > self.main_gain + 1e-12)

    @property
    def weaker(self) -> tuple[float, ...]:
        """Gains below the main one."""
        return tuple(g for g in self.gains if g < self.main_gain - 1e-12)

    @property
    def includes_main(self) -> bool:
        """Whether the main curve's gain is among :attr:`gains`."""
        return any(np.isclose(g, self.main_gain) for g in self.gains)


def gain_comparison(second, *, gains, fractions, main_gain: float,
                    n_ground_truths: int) -> GainComparison:
    """Summarise the hint-gain comparison (rows from :func:`gain_rows`).

    Parameters
    ----------
    second : pandas.DataFrame
    gains : sequence of float
    fractions : sequence of float
        The fractions at which the gains are compared.
    main_gain : float
    n_ground_truths : int
        Ground truths of the comparison's grid.
    """
    curves = {}
    for g in gains:
        rows = second[(second["network"] != "ffh") | np.isclose(second["hint_gain"], g)]
        rows = rows[rows["neuron_fraction"].isin(fractions) | (rows["network"] != "ffh")]
        curves[g] = sweep.curve(rows, "cca_e", "ffh")
    ordered = tuple(sorted(fractions))
    means, per_gt = [], []
    for frac in ordered:
        k = [int(np.flatnonzero(np.isclose(curves[g].x, frac))[0]) for g in gains]
        means.append([curves[g].mean[i] for g, i in zip(gains, k, strict=True)])
        per_gt.append(np.array([curves[g].per_ground_truth[:, i]
                                for g, i in zip(gains, k, strict=True)]).T)
    return GainComparison(
        gains=tuple(gains), main_gain=main_gain, fractions=ordered, means=np.array(means),
        per_ground_truth=np.array(per_gt), ff=study.summarize(second, "cca_e", "ff"),
        at_low=tuple(value_at(c, min(fractions)) for c in curves.values()),
        at_high=tuple(value_at(c, max(fractions)) for c in curves.values()),
        n_ground_truths=n_ground_truths)


# ----------------------------------------------------------------------------- the chapter


@dataclasses.dataclass(frozen=True)
class HowManyNeurons:
    """Every result chapter 07 shows.

    Attributes
    ----------
    design : NeuronSweepDesign
    similarity : SimilarityByFraction
    versus_hints : FfhVersusHints
    behaviour : BehaviourByFraction
    gains : GainComparison
    n_rows : int
        Rows of the sweep's table.
    n_ground_truths, n_seeds, pca_dim : int
        The main curve's units and the similarity's dimension.
    median_training_seconds : float
        Median training time of FFH over the table (NaN if none trained).
    """

    design: NeuronSweepDesign
    similarity: SimilarityByFraction
    versus_hints: FfhVersusHints
    behaviour: BehaviourByFraction
    gains: GainComparison
    n_rows: int
    n_ground_truths: int
    n_seeds: int
    pca_dim: int
    median_training_seconds: float


def summarize(table, design: NeuronSweepDesign, params: StudyParams, *, level: float = 0.9,
              n_boot: int = 2000, rng=0) -> HowManyNeurons:
    """All of chapter 07's results from its sweep's table.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`ffhlib.sweep.SweepResult.table` of ``design``'s grids.
    design : NeuronSweepDesign
    params : StudyParams
        The base study.
    level : float
        The normalised similarity whose fraction is sought.
    n_boot : int
        Bootstrap resamples of that fraction's interval.
    rng : seed
        Of the bootstrap.
    """
    main = main_rows(table, params, design.fractions)
    second = gain_rows(table, design, params.observation.muscle_fraction)
    ffh_train = table[table["network"] == "ffh"]["train_seconds"].to_numpy(dtype=float)
    return HowManyNeurons(
        design=design,
        similarity=similarity_by_fraction(main, n_neurons=params.ground_truth.soc.n_neurons,
                                          level=level, n_boot=n_boot, rng=rng),
        versus_hints=ffh_versus_hints(main, design.fractions),
        behaviour=behaviour_by_fraction(main),
        gains=gain_comparison(second, gains=design.gains, fractions=design.second_fractions,
                              main_gain=params.force.hint_gain,
                              n_ground_truths=len(design.second.ground_truth_seeds)),
        n_rows=int(len(table)), n_ground_truths=len(params.ground_truth_seeds),
        n_seeds=len(params.seeds), pca_dim=params.similarity.pca_dim,
        median_training_seconds=(float(np.nanmedian(ffh_train))
                                 if np.isfinite(ffh_train).any() else math.nan))


def glue_values(summary: HowManyNeurons, result: SweepResult, params: StudyParams, *,
                n_workers: int) -> dict:
    """The numbers chapter 07 glues, by key (the sentences come from :mod:`ffhlib.report`).

    Parameters
    ----------
    summary : HowManyNeurons
    result : SweepResult
        The sweep's costs (tasks, seconds, cache hits, workers).
    params : StudyParams
        The base study.
    n_workers : int
        Workers of the chapter's cluster (for the cold-cache estimate).

    Notes
    -----
    The complete grid's estimate assumes half its tasks are trainings, each at the median FFH
    training time of this table, spread over two cores.
    """
    s, b, c = summary.similarity, summary.behaviour, summary.similarity.crossing
    fractions = summary.design.fractions
    n_full = len(sweep.sweep_tasks(params, summary.design.full, summary.design.kinds))
    return {
        "sweep_n_tasks": result.n_tasks, "sweep_wall_seconds": result.wall_seconds,
        "sweep_task_seconds_total": result.task_seconds_total,
        "sweep_cache_hits": result.cache_hits, "sweep_n_workers_used": result.n_workers_used,
        "sweep_n_rows": summary.n_rows,
        "sweep_n_new_trainings": sweep.new_trainings(params, summary.design.grids),
        "sweep_cold_minutes": result.task_seconds_total / 60 / n_workers,
        "sweep_cold_workers": n_workers, "sweep_full_n_tasks": n_full,
        "sweep_full_hours": n_full / 2 * summary.median_training_seconds / 3600 / 2,
        "fraction_for_90pct": c.estimate, "fraction_for_90pct_lo": c.low,
        "fraction_for_90pct_hi": c.high, "neurons_for_90pct": c.neurons,
        "sweep_n_boot": c.n_boot,
        "sweep_spearman_cca_fraction": s.spearman, "sweep_n_ffh_rows": s.n_ffh_rows,
        "cca_unobserved_ffh_at_5pct": value_at(s.ffh, 0.05),
        "cca_unobserved_hints_at_5pct": value_at(s.hints, 0.05),
        "cca_unobserved_ffh_at_max_fraction": float(s.ffh.mean[-1]),
        "cca_unobserved_ffh_at_min_fraction": float(s.ffh.mean[0]),
        "cca_unobserved_ff_mean": s.flat["ff"].mean, "sweep_ceiling_mean": s.flat["ceiling"].mean,
        "gen_err_ffh_at_min_fraction": float(b.gen.mean[0]),
        "gen_err_ffh_at_max_fraction": float(b.gen.mean[-1]),
        "gen_err_ff_flat": b.gen_flat["ff"].mean,
        "gen_err_interp_flat": b.gen_flat["interpolation"].mean,
        "fit_ffh_at_min_fraction": float(b.fit.mean[0]),
        "fit_ffh_at_max_fraction": float(b.fit.mean[-1]), "fit_ff_flat": b.fit_ff.mean,
        "sweep_min_percent": 100 * min(fractions), "sweep_max_percent": 100 * max(fractions),
        "sweep_fractions_text": ", ".join(f"{100 * f:g} %" for f in fractions),
        "sweep_paper_percent": 100 * study.ObservationParams().neuron_fraction,
        "sweep_n_soc": c.n_neurons, "n_ground_truths": summary.n_ground_truths,
        "sweep_n_seeds": summary.n_seeds, "pca_dim": summary.pca_dim,
        "sweep_second_n_ground_truths": summary.gains.n_ground_truths,
    }
