"""Chapter 05's summaries of the study (similarity with the neurons no network saw), named.

Chapter 05 runs the study (:func:`ffhlib.study.run_study`) in its trial design and, one network
seed per ground truth, in the other, and reports

- the per-kind summaries of each similarity measure over ground truths
  (:func:`summarize_similarity`, :class:`SimilaritySummaries`);
- the paired comparisons FFH − FF (and FFH − hints), whose wording comes from
  :mod:`ffhlib.report`;
- where FF, the hints and FFH stand between the floor (0) and the ceiling (1)
  (:func:`floor_ceiling_positions`);
- the headline measure against the number of PCA factors d (:func:`dimension_sweep`);
- the two trial designs side by side (:func:`design_comparison`);
- one unit's latent trajectories and how many PCA factors the circuit needs (:func:`unit_view`);
- every value the chapter glues (:func:`glue_values`).

The module computes from the study tables and the cached networks only; the figures are drawn by
:mod:`ffhlib.plotting.similarity`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

import numpy as np

from . import fullforce, study
from .inference import PairedComparison
from .report import claim_status, describe_comparison
from .similarity import (
    direction_offset_share,
    explained_variance_ratio,
    latent_trajectories,
    n_components_for_variance,
    stack_activity,
)
from .study import KindSummary, StudyParams
from .summaries import comparison_values, summary_values

__all__ = [
    "DESIGNS",
    "DESIGN_PANELS",
    "FIT_KINDS",
    "KINDS",
    "POSITION_KINDS",
    "WHOLE_KINDS",
    "DesignComparison",
    "DesignTables",
    "DimensionSweep",
    "SimilaritySummaries",
    "UnitView",
    "check_no_failures",
    "compute_values",
    "design_comparison",
    "dimension_sweep",
    "floor_ceiling_positions",
    "glue_values",
    "kind_summaries",
    "other_design",
    "run_designs",
    "summarize_similarity",
    "unit_differences",
    "unit_view",
]

#: The kinds of activity compared with the evaluation neurons, in the order shown.
KINDS = ("floor", "ff", "hints", "ffh", "ceiling")
#: The kinds compared with the whole circuit (the hints are circular there; no ceiling).
WHOLE_KINDS = ("floor", "ff", "ffh")
#: The networks whose EMG fit is reported.
FIT_KINDS = study.NETWORKS
#: The kinds placed on the floor-to-ceiling scale.
POSITION_KINDS = ("ff", "hints", "ffh")
#: The trial designs, in the order they are shown side by side.
DESIGNS = ("preparation", "trial")
#: The measures of the trial-design comparison and the kinds each shows, in panel order.
DESIGN_PANELS = (("offset_share", ("ff", "ffh")),
                 ("cca_e", ("ff", "ffh", "hints", "ceiling")),
                 ("cca_nomean_e", ("ff", "ffh", "hints", "ceiling")),
                 ("gen_err", ("ff", "ffh", "interpolation")))


# ----------------------------------------------------------------------------- running the study


def other_design(design: str) -> str:
    """The trial design that is not ``design``."""
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}; got {design!r}")
    return DESIGNS[1 - DESIGNS.index(design)]


def check_no_failures(table, what: str = "study") -> None:
    """Raise ``RuntimeError`` listing the failed rows of a study table, if any."""
    failed = table[table["error"] != ""]
    if not failed.empty:
        raise RuntimeError(f"{len(failed)} {what} tasks failed:\n"
                           f"{failed[['ground_truth', 'seed', 'network', 'error']]}")


@dataclasses.dataclass(frozen=True)
class DesignTables:
    """The study in the chapter's trial design and (first network seed only) in the other.

    Attributes
    ----------
    params, params_other : StudyParams
    table, table_other : pandas.DataFrame
        :func:`ffhlib.study.run_study` of each.
    seconds : float
        Wall time of both runs in this execution (s).
    """

    params: StudyParams
    params_other: StudyParams
    table: object
    table_other: object
    seconds: float

    @property
    def design(self) -> str:
        """The chapter's trial design."""
        return self.params.force.cue_epoch

    @property
    def by_design(self) -> dict:
        """``{design: table}`` in :data:`DESIGNS` order, the chapter's design restricted to its
        first network seed (as the other design has only that one)."""
        own = self.table[self.table["seed"] == self.params.seeds[0]]
        tables = {self.design: own, self.params_other.force.cue_epoch: self.table_other}
        return {d: tables[d] for d in DESIGNS}


def run_designs(params: StudyParams, params_other: StudyParams, *, n_workers: int = 1,
                progress: bool = True) -> DesignTables:
    """Run the study in both trial designs on ``n_workers`` processes; stop on a failed row.

    Parameters
    ----------
    params : StudyParams
        The chapter's study.
    params_other : StudyParams
        The same ground truths in the other trial design (usually one network seed each).
    n_workers : int
    progress : bool
    """
    from .parallel import make_executor

    if params.force.cue_epoch == params_other.force.cue_epoch:
        raise ValueError("params_other must be the other trial design; both are "
                         f"{params.force.cue_epoch!r}")
    start = time.perf_counter()
    with make_executor(n_workers, backend="processes") as executor:
        table = study.run_study(params, executor=executor, progress=progress)
        table_other = study.run_study(params_other, executor=executor, progress=progress)
    seconds = time.perf_counter() - start
    check_no_failures(table)
    check_no_failures(table_other, what="other-design study")
    return DesignTables(params=params, params_other=params_other, table=table,
                        table_other=table_other, seconds=seconds)


# ----------------------------------------------------------------------------- summaries


def kind_summaries(table, measure, kinds: Sequence[str]) -> dict[str, KindSummary]:
    """:func:`ffhlib.study.summarize` of ``measure`` (a column, or several) for each kind."""
    return {kind: study.summarize(table, measure, kind) for kind in kinds}


def floor_ceiling_positions(summaries: Mapping[str, KindSummary],
                            kinds: Sequence[str] = POSITION_KINDS) -> dict[str, float]:
    """Where each kind stands between the floor (0) and the ceiling (1), mean over ground truths.

    Parameters
    ----------
    summaries : mapping of kind to scalar KindSummary
        Must hold ``"floor"``, ``"ceiling"`` and ``kinds``, over the same ground truths.
    kinds : sequence of str

    Returns
    -------
    dict of str to float

    Notes
    -----
    For ground truth g, :math:`p_g = (m_g - f_g) / (c_g - f_g)` with :math:`m_g, f_g, c_g` its
    mean (over network seeds) of the kind, the floor and the ceiling; the result is the mean of
    :math:`p_g` over ground truths.
    """
    missing = [k for k in ("floor", "ceiling", *kinds) if k not in summaries]
    if missing:
        raise ValueError(f"summaries lacks the kinds {missing}")
    floor, ceiling = summaries["floor"], summaries["ceiling"]
    for kind in kinds:
        if not np.array_equal(summaries[kind].ground_truths, floor.ground_truths) or \
                not np.array_equal(ceiling.ground_truths, floor.ground_truths):
            raise ValueError(f"the summaries of {kind!r}, floor and ceiling must cover the same "
                             "ground truths")
    span = ceiling.per_ground_truth - floor.per_ground_truth
    if np.any(span == 0):
        flat = floor.ground_truths[span == 0].tolist()
        raise ValueError(f"the ceiling equals the floor for ground truths {flat}: no scale")
    return {k: float(np.mean((summaries[k].per_ground_truth - floor.per_ground_truth) / span))
            for k in kinds}


def unit_differences(table, measure: str = "cca_e", a: str = "ffh",
                     b: str = "ff") -> dict[int, np.ndarray]:
    """Each ground truth's paired differences ``a - b`` of ``measure``, one per network seed."""
    merged = study.paired_differences(table, measure, a, b)
    return {g: d[measure].to_numpy() for g, d in merged.groupby("ground_truth")}


@dataclasses.dataclass(frozen=True)
class SimilaritySummaries:
    """The study's similarity results over ground truths.

    Attributes
    ----------
    cca_e, nomean, procrustes : dict of str to KindSummary
        Mean canonical correlation with the evaluation neurons E, the same without the direction
        means, and the angular Procrustes distance to E, for each of :data:`KINDS`.
    whole : dict of str to KindSummary
        Canonical correlation with the whole SOC (:data:`WHOLE_KINDS`).
    fit : dict of str to KindSummary
        EMG fit R^2 on the training directions (:data:`FIT_KINDS`).
    ffh_ff, ffh_hints, whole_cmp, nomean_cmp, procrustes_cmp : PairedComparison
        FFH − FF (FFH − hints) of the CCA with E, and FFH − FF of the other measures.
    positions : dict of str to float
        :func:`floor_ceiling_positions` of the CCA with E.
    differences : dict of int to ndarray
        Each ground truth's FFH − FF CCA with E, per network seed.
    fit_r2_min_network : float
        The worst EMG fit of any network.
    """

    cca_e: dict
    nomean: dict
    procrustes: dict
    whole: dict
    fit: dict
    ffh_ff: PairedComparison
    ffh_hints: PairedComparison
    whole_cmp: PairedComparison
    nomean_cmp: PairedComparison
    procrustes_cmp: PairedComparison
    positions: dict
    differences: dict
    fit_r2_min_network: float


def summarize_similarity(table) -> SimilaritySummaries:
    """Every summary and paired comparison chapter 05 reports, from one study table."""
    cca_e = kind_summaries(table, "cca_e", KINDS)
    networks = table[table["network"].isin(study.NETWORKS)]
    return SimilaritySummaries(
        cca_e=cca_e, nomean=kind_summaries(table, "cca_nomean_e", KINDS),
        procrustes=kind_summaries(table, "procrustes_e", KINDS),
        whole=kind_summaries(table, "cca_whole", WHOLE_KINDS),
        fit=kind_summaries(table, "fit_r2", FIT_KINDS),
        ffh_ff=study.compare_kinds(table, "cca_e", "ffh", "ff"),
        ffh_hints=study.compare_kinds(table, "cca_e", "ffh", "hints"),
        whole_cmp=study.compare_kinds(table, "cca_whole", "ffh", "ff"),
        nomean_cmp=study.compare_kinds(table, "cca_nomean_e", "ffh", "ff"),
        procrustes_cmp=study.compare_kinds(table, "procrustes_e", "ffh", "ff"),
        positions=floor_ceiling_positions(cca_e), differences=unit_differences(table),
        fit_r2_min_network=float(networks["fit_r2"].min()))


# ----------------------------------------------------------------------------- the d-sweep


@dataclasses.dataclass(frozen=True)
class DimensionSweep:
    """The CCA with E against the number d of PCA factors.

    Attributes
    ----------
    dims : tuple of int
        The values of d, ascending.
    headline : int
        The d of the headline numbers.
    by_dim : dict of str to KindSummary
        Array summaries (one value per d) of each of :data:`KINDS`.
    diff_ffh_ff : ndarray, shape (K,)
        Mean paired difference FFH − FF over ground truths, at each d.
    ffh_above_hints : ndarray of bool, shape (K,)
        Whether the mean paired difference FFH − hints is positive, at each d.
    """

    dims: tuple
    headline: int
    by_dim: dict
    diff_ffh_ff: np.ndarray
    ffh_above_hints: np.ndarray


def dimension_sweep(table, dims: Sequence[int], headline: int) -> DimensionSweep:
    """The columns ``cca_e_d{d}`` of a study table summarised and compared at each d."""
    dims = tuple(int(d) for d in dims)
    if not dims:
        raise ValueError("dims must hold at least one d")
    cols = [f"cca_e_d{d}" for d in dims]
    missing = [c for c in cols if c not in table]
    if missing:
        raise ValueError(f"the table has no columns {missing} (dims {dims})")
    diffs = np.array([study.compare_kinds(table, c, "ffh", "ff").mean_diff for c in cols])
    above = np.array([study.compare_kinds(table, c, "ffh", "hints").mean_diff > 0 for c in cols])
    return DimensionSweep(dims=dims, headline=int(headline),
                          by_dim=kind_summaries(table, cols, KINDS), diff_ffh_ff=diffs,
                          ffh_above_hints=above)


# ----------------------------------------------------------------------------- trial designs


@dataclasses.dataclass(frozen=True)
class DesignComparison:
    """The two trial designs on the same ground truths (first network seed of each).

    Attributes
    ----------
    summaries : dict
        ``{measure: {design: {kind: KindSummary}}}`` for each of :data:`DESIGN_PANELS`, designs
        in :data:`DESIGNS` order.
    soc_offset_share : ndarray, shape (G,)
        Each ground truth's SOC share of variance that is a static offset per direction.
    """

    summaries: dict
    soc_offset_share: np.ndarray

    @property
    def soc_offset_mean(self) -> float:
        """The SOC's offset share, mean over ground truths."""
        return float(np.mean(self.soc_offset_share))

    def values(self) -> dict:
        """``design_{design}_{measure}_{kind}`` (the mean over ground truths) and
        ``design_soc_offset_share``."""
        out = {f"design_{d}_{measure}_{k}": s.mean
               for measure, per_design in self.summaries.items()
               for d, per_kind in per_design.items() for k, s in per_kind.items()}
        out["design_soc_offset_share"] = self.soc_offset_mean
        return out


def design_comparison(tables: DesignTables, soc_offset_share=None) -> DesignComparison:
    """Summaries of :data:`DESIGN_PANELS` in each trial design, and the SOC's offset share.

    ``soc_offset_share`` (one per ground truth) defaults to
    :func:`ffhlib.similarity.direction_offset_share` of each ground truth's training rates.
    """
    params = tables.params
    if soc_offset_share is None:
        soc_offset_share = [direction_offset_share(study.ground_truth(params, g).training.rates)
                            for g in params.ground_truth_seeds]
    summaries = {measure: {d: kind_summaries(t, measure, kinds)
                           for d, t in tables.by_design.items()}
                 for measure, kinds in DESIGN_PANELS}
    return DesignComparison(summaries=summaries,
                            soc_offset_share=np.asarray(soc_offset_share, dtype=float))


# ----------------------------------------------------------------------------- one unit


@dataclasses.dataclass(frozen=True)
class UnitView:
    """One unit of the study seen in its networks' own latent spaces.

    Attributes
    ----------
    pair : ffhlib.study.TrainedPair
    latents : dict of str to ndarray, shape (C, T, 3)
        "SOC" (one half of the evaluation neurons), "FF" and "FFH" in their own top-3 PCs.
    n_samples : int
        Conditions x time points of the stacked activity.
    var_at_d : float
        Share of the evaluation neurons' variance in their top ``d`` principal components.
    n90 : int
        Principal components that 90 % of that variance needs.
    """

    pair: study.TrainedPair
    latents: dict
    n_samples: int
    var_at_d: float
    n90: int

    @property
    def angles(self) -> np.ndarray:
        """The training directions (rad)."""
        return self.pair.ground_truth.training.angles


def unit_view(params: StudyParams, unit: tuple[int, int] | None = None) -> UnitView:
    """The latent trajectories and PCA dimensions of ``unit`` (default the study's first)."""
    unit = params.units[0] if unit is None else tuple(unit)
    pair = study.train_pair(params, *unit)
    train = pair.ground_truth.training
    evaluation = pair.observation.evaluation
    latents = {"SOC": latent_trajectories(train.rates[..., evaluation.half_a], 3),
               "FF": latent_trajectories(fullforce.simulate(pair.ff, train.angles).rates, 3),
               "FFH": latent_trajectories(fullforce.simulate(pair.ffh, train.angles).rates, 3)}
    soc_X = stack_activity(train.rates[..., evaluation.neurons])
    return UnitView(pair=pair, latents=latents, n_samples=int(soc_X.shape[0]),
                    var_at_d=float(explained_variance_ratio(soc_X)[:params.similarity.pca_dim]
                                   .sum()),
                    n90=int(n_components_for_variance(soc_X, 0.9)))


# ----------------------------------------------------------------------------- glued values


def compute_values(tables: DesignTables, n_workers: int) -> dict:
    """What the study cost: rows, cached rows, networks and their training time."""
    both = (tables.table, tables.table_other)
    networks = [t[t["network"].isin(study.NETWORKS)] for t in both]
    train_minutes = sum(t["train_seconds"].sum() for t in networks) / 60
    return {"similarity_study_seconds": tables.seconds,
            "sim_n_rows": sum(len(t) for t in both),
            "sim_n_cached": int(sum(t["cached"].sum() for t in both)),
            "sim_n_networks": sum(len(t) for t in networks),
            "sim_train_minutes": train_minutes,
            "sim_cold_minutes": train_minutes / n_workers,
            "sim_cold_workers": n_workers}


def _verdicts(s: SimilaritySummaries) -> dict:
    return {
        "sim_verdict_ff": describe_comparison(s.ffh_ff, what="similarity with E"),
        "sim_verdict_hints": describe_comparison(s.ffh_hints, what="similarity with E",
                                                 b="recorded neurons"),
        "sim_verdict_procrustes": describe_comparison(s.procrustes_cmp,
                                                      what="Procrustes distance",
                                                      better="lower"),
        "sim_verdict_whole": describe_comparison(s.whole_cmp,
                                                 what="similarity with the whole SOC"),
        "sim_claim": claim_status(s.ffh_ff), "sim_claim_hints": claim_status(s.ffh_hints),
        "sim_claim_whole": claim_status(s.whole_cmp),
        "sim_claim_procrustes": claim_status(s.procrustes_cmp, better="lower"),
    }


def glue_values(tables: DesignTables, s: SimilaritySummaries, unit: UnitView,
                designs: DesignComparison, sweep: DimensionSweep, *, n_workers: int) -> dict:
    """Every value chapter 05 glues, by key."""
    from .plotting.style import interval_text

    params = tables.params
    obs = unit.pair.observation
    train = unit.pair.ground_truth.training
    values = {
        "cue_epoch": tables.design, "n_ground_truths": len(params.ground_truth_seeds),
        "n_seeds": len(params.seeds), "pca_dim": params.similarity.pca_dim,
        "pca_dim_min": min(sweep.dims), "pca_dim_max": max(sweep.dims),
        "n_samples": unit.n_samples, "soc_n90": unit.n90, "soc_var_at_d": unit.var_at_d,
        "sim_n_evaluation": obs.evaluation.neurons.size,
        "sim_n_half": obs.evaluation.half_a.size, "sim_n_hints": obs.neuron_idx.size,
        "sim_n_soc": unit.pair.ground_truth.n_neurons,
        "sim_evaluation_percent": 100 * params.observation.evaluation_fraction,
        "sim_n_directions": train.n_directions, "sim_n_times": train.time_ms.size,
        "sim_unit_ground_truth": unit.pair.ground_truth_seed, "sim_unit_seed": unit.pair.seed,
        **{f"sim_position_{k}": v for k, v in s.positions.items()},
        **_verdicts(s),
        "fit_r2_min_network": s.fit_r2_min_network,
        "sim_interval_text": interval_text(len(params.ground_truth_seeds)),
        "sweep_min_diff": float(sweep.diff_ffh_ff.min()),
        "sweep_max_diff": float(sweep.diff_ffh_ff.max()),
        "sweep_ffh_above_hints": int(sweep.ffh_above_hints.sum()), "sweep_n": len(sweep.dims),
        **compute_values(tables, n_workers),
        **designs.values(),
    }
    for prefix, summaries in (("cca_unobserved", s.cca_e), ("cca", s.whole),
                              ("cca_nomean", s.nomean), ("procrustes_e", s.procrustes),
                              ("fit_r2", s.fit)):
        values.update(summary_values(prefix, summaries))
    for prefix, cmp in (("cca_unobserved", s.ffh_ff), ("cca_hints_cmp", s.ffh_hints),
                        ("cca_whole_cmp", s.whole_cmp), ("cca_nomean_cmp", s.nomean_cmp),
                        ("procrustes_e_cmp", s.procrustes_cmp)):
        values.update(comparison_values(prefix, cmp))
    return values
