"""Chapter 07's summaries: a neuron-fraction sweep's tidy table reduced to named results.

:func:`ffhlib.sweep.run_sweep` returns one row per task (ground truth, seed, kind, grid cell). The
pure functions here select the rows of a question (the main curve at the study's muscle fraction
and hint gain; the hint-gain comparison at a few fractions) and reduce them to frozen results:
curves over ground truths with percentile bootstrap intervals (:func:`ffhlib.sweep.curve`), the
fraction at which FFH, and the recorded neurons alone, reach a level between the floor (0) and the
oracle (1) with its bootstrap interval (:func:`ffhlib.sweep.fraction_for_level`), and FFH against
its own hints at each fraction (:func:`ffhlib.study.compare_kinds`), at a latent dimension the
recorded neurons fill, Holm-adjusted together (the chapter's summary table). The similarity half
lives in :mod:`ffhlib.sweep_similarity` (re-exported here). The figures
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
from .study import KindSummary, StudyParams
from .sweep import Curve, NeuronSweepDesign, SweepResult
from .sweep_similarity import (
    FfhVersusHints,
    LevelCrossing,
    SimilarityByFraction,
    comparison_dim,
    ffh_versus_hints,
    level_crossing,
    recorded_neurons,
    similarity_by_fraction,
    table_rows,
)

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
    "comparison_dim",
    "level_crossing",
    "main_rows",
    "recorded_neurons",
    "similarity_by_fraction",
    "summarize",
    "table_rows",
    "value_at",
]


def _close_or_missing(column, value: float):
    return column.isna() | np.isclose(column, value)


def main_rows(table, params: StudyParams, fractions, *, gain: float | None = None):
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
    gain : float, optional
        Another hint gain than the study's (the same curve at that gain).

    Returns
    -------
    pandas.DataFrame
        A subset of ``table``'s rows (failed rows kept: the summaries leave them out).
    """
    gain = params.force.hint_gain if gain is None else gain
    at_default = table[_close_or_missing(table["muscle_fraction"],
                                         params.observation.muscle_fraction)
                       & (_close_or_missing(table["hint_gain"], gain)
                          | (table["network"] == "ff"))]
    main = at_default[at_default["seed"].isin(params.seeds)
                      & at_default["ground_truth"].isin(params.ground_truth_seeds)]
    return main[main["neuron_fraction"].isna()
                | main["neuron_fraction"].isin((0.0,) + tuple(fractions))]


def value_at(c: Curve, fraction: float) -> float:
    """The curve's mean at the grid point nearest to ``fraction``."""
    return float(c.mean[np.argmin(np.abs(c.x - fraction))])


# The similarity against the recorded fraction (FFH's and the recordings' level crossings, FFH
# against its hints) lives in ffhlib.sweep_similarity and is re-exported here.

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
    strong_gain_crossing : LevelCrossing or None
        FFH's fraction for the level at the strongest hint gain of the design, over the main
        curve's fractions: computed only when the complete grid ran (``None`` otherwise).
    strong_gain : float
        That gain.
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
    strong_gain_crossing: LevelCrossing | None
    strong_gain: float
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
        The normalised similarity (floor 0, oracle 1) whose fraction is sought.
    n_boot : int
        Bootstrap resamples of that fraction's interval.
    rng : seed
        Of the bootstrap.
    """
    main = main_rows(table, params, design.fractions)
    second = gain_rows(table, design, params.observation.muscle_fraction)
    ffh_train = table[table["network"] == "ffh"]["train_seconds"].to_numpy(dtype=float)
    strong = float(max(design.gains))
    strong_crossing = None
    if design.run_full and not np.isclose(strong, params.force.hint_gain):
        strong_crossing = level_crossing(
            main_rows(table, params, design.fractions, gain=strong),
            n_neurons=params.ground_truth.soc.n_neurons, level=level, n_boot=n_boot, rng=rng)
    return HowManyNeurons(
        design=design,
        similarity=similarity_by_fraction(main, params=params, level=level, n_boot=n_boot,
                                          rng=rng),
        versus_hints=ffh_versus_hints(main, design.fractions, params=params),
        behaviour=behaviour_by_fraction(main),
        gains=gain_comparison(second, gains=design.gains, fractions=design.second_fractions,
                              main_gain=params.force.hint_gain,
                              n_ground_truths=len(design.second.ground_truth_seeds)),
        strong_gain_crossing=strong_crossing, strong_gain=strong,
        n_rows=int(len(table)), n_ground_truths=len(params.ground_truth_seeds),
        n_seeds=len(params.seeds), pca_dim=params.similarity.pca_dim,
        median_training_seconds=(float(np.nanmedian(ffh_train))
                                 if np.isfinite(ffh_train).any() else math.nan))


def _crossing_values(prefix: str, c: LevelCrossing) -> dict:
    return {f"fraction_for_90pct{prefix}": c.estimate, f"fraction_for_90pct{prefix}_lo": c.low,
            f"fraction_for_90pct{prefix}_hi": c.high, f"neurons_for_90pct{prefix}": c.neurons,
            f"neurons_for_90pct{prefix}_lo": c.low * c.n_neurons,
            f"neurons_for_90pct{prefix}_hi": c.high * c.n_neurons}


def _cost_values(summary: HowManyNeurons, result: SweepResult, params: StudyParams,
                 n_workers: int) -> dict:
    design = summary.design
    n_full = len(sweep.sweep_tasks(params, design.full, design.kinds))
    beyond = sweep.beyond_study(params, sweep.batch_tasks(params, design.grids, design.kinds),
                                design.kinds)
    seconds = (result.table["seconds"].fillna(0) + result.table["train_seconds"].fillna(0))
    if len(beyond) != len(seconds):
        raise ValueError("the sweep's table does not hold the design's tasks (run the design's "
                         "grids with its kinds)")
    return {
        "sweep_n_tasks": result.n_tasks, "sweep_wall_seconds": result.wall_seconds,
        "sweep_task_seconds_total": result.task_seconds_total,
        "sweep_cache_hits": result.cache_hits, "sweep_n_workers_used": result.n_workers_used,
        "sweep_n_rows": summary.n_rows,
        "sweep_n_new_trainings": sweep.new_trainings(params, design.grids),
        "sweep_cold_minutes": result.task_seconds_total / 60 / n_workers,
        "sweep_cold_minutes_beyond_study": float(seconds[beyond].sum()) / 60 / n_workers,
        "sweep_cold_workers": n_workers, "sweep_full_n_tasks": n_full,
        "sweep_full_hours": n_full / 2 * summary.median_training_seconds / 3600 / 2,
        "sweep_full_fractions_text": ", ".join(f"{100 * f:g} %"
                                               for f in design.full.neuron_fractions),
    }


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
        Workers of the chapter's cluster (for the cold-cache estimates).

    Notes
    -----
    ``sweep_cold_minutes`` is every task's compute time from an empty cache over ``n_workers``;
    ``sweep_cold_minutes_beyond_study`` only the tasks the base study (chapter 05's networks and
    rows) does not run. The complete grid's estimate assumes half its tasks are trainings, each
    at the median FFH training time of this table, spread over two cores.
    """
    s, b, c = summary.similarity, summary.behaviour, summary.similarity.crossing
    fractions = summary.design.fractions
    v = summary.versus_hints
    return {
        **_cost_values(summary, result, params, n_workers),
        **_crossing_values("", c), **_crossing_values("_recordings", s.crossing_recordings),
        "sweep_n_boot": c.n_boot,
        "sweep_spearman_cca_fraction": s.spearman, "sweep_n_ffh_rows": s.n_ffh_rows,
        "cca_unobserved_ffh_at_5pct": value_at(s.ffh, 0.05),
        "cca_unobserved_hints_at_5pct": value_at(s.hints, 0.05),
        "cca_unobserved_ffh_at_max_fraction": float(s.ffh.mean[-1]),
        "cca_unobserved_ffh_at_min_fraction": float(s.ffh.mean[0]),
        "cca_unobserved_ff_mean": s.flat["ff"].mean, "sweep_ceiling_mean": s.flat["ceiling"].mean,
        "sweep_oracle_mean": s.flat["oracle"].mean, "sweep_floor_mean": s.flat["floor"].mean,
        "sweep_ceiling_normalized_mean": s.normalized_flat["ceiling"].mean,
        "sweep_hints_normalized_max": float(np.nanmax(s.normalized["hints"].mean)),
        "sweep_ffh_normalized_max": float(np.nanmax(s.normalized["ffh"].mean)),
        "sweep_family_size": v.family_size,
        "sweep_level": summary.similarity.crossing.level,
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
        "sweep_strong_gain": summary.strong_gain,
    }
