"""Chapter 05's summaries of the study (similarity with the neurons no network saw), named.

Chapter 05 runs the study (:func:`ffhlib.study.run_study`) on all the training directions (the
headline) and on half of them (every other one), and, under ``full`` or when a complete run left
their rows in the cache, in the other trial design and with two network seeds on the first
ground truths (:func:`chapter_plan`). It reports

- the per-kind summaries of each similarity measure on the training directions, all of the
  activity and its condition-dependent part (:func:`summarize_similarity`,
  :class:`SimilaritySummaries`), and where each kind stands between the floor (0) and the
  oracle (1) (:func:`floor_oracle_positions`);
- the untrained directions, the chapter's family of paired comparisons and the spread between
  network seeds (:mod:`ffhlib.beyond_recordings`), gathered with the above by
  :func:`summarize_chapter`;
- the headline measure against the number of PCA factors d (:func:`dimension_sweep`);
- the two trial designs side by side (:func:`design_comparison`);
- one unit's latent trajectories and how many PCA factors the circuit needs (:func:`unit_view`);

The module computes from the study tables and the cached networks only; every value the chapter
glues is gathered by :mod:`ffhlib.similarity_values`, the figures are drawn by
:mod:`ffhlib.plotting.similarity`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

import numpy as np

from . import beyond_recordings as beyond
from . import fullforce, study
from .inference import PairedComparison
from .similarity import (
    direction_offset_share,
    explained_variance_ratio,
    latent_trajectories,
    n_components_for_variance,
    stack_activity,
)
from .study import KindSummary, StudyParams
from .study_lookup import rows_in_cache

__all__ = [
    "DESIGNS",
    "DESIGN_PANELS",
    "FIT_KINDS",
    "KINDS",
    "OTHER_DESIGN_GROUND_TRUTHS",
    "PLAN_KINDS",
    "POSITION_KINDS",
    "SEED_GROUND_TRUTHS",
    "SEED_MEASURES",
    "WHOLE_KINDS",
    "ChapterSummaries",
    "ChapterTables",
    "DesignComparison",
    "DimensionSweep",
    "SimilaritySummaries",
    "StudyPlan",
    "UnitView",
    "chapter_plan",
    "check_no_failures",
    "design_comparison",
    "dimension_sweep",
    "floor_oracle_positions",
    "kind_summaries",
    "other_design",
    "run_chapter",
    "summarize_chapter",
    "summarize_similarity",
    "unit_differences",
    "unit_view",
]

#: The kinds of activity compared with the evaluation neurons, in the order shown.
KINDS = ("floor", "ff", "hints", "ffh", "ceiling", "oracle")
#: The kinds compared with the whole circuit (the hints are circular there; no references).
WHOLE_KINDS = ("floor", "ff", "ffh")
#: The networks whose EMG fit is reported.
FIT_KINDS = study.NETWORKS
#: The kinds placed on the floor-to-oracle scale.
POSITION_KINDS = ("ff", "hints", "ffh", "ceiling")
#: The trial designs, in the order they are shown side by side.
DESIGNS = ("preparation", "trial")
#: The measures of the trial-design comparison and the kinds each shows, in panel order.
DESIGN_PANELS = (("offset_share", ("ff", "ffh")),
                 ("cca_e", ("ff", "ffh", "hints", "ceiling")),
                 ("cca_nomean_e", ("ff", "ffh", "hints", "ceiling")),
                 ("gen_err", ("ff", "ffh", "interpolation")))
#: Ground truths of the other trial design (the first ones; too few for an interval or a test).
OTHER_DESIGN_GROUND_TRUTHS = 6
#: Ground truths (the first ones) and network seeds of the network-seed figure.
SEED_GROUND_TRUTHS = (6, 2)
#: The measures whose spread between network seeds is shown (training directions; untrained
#: directions, condition-dependent).
SEED_MEASURES = ("cca_e", "cca_cd_untrained_e")


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
class StudyPlan:
    """The studies of chapter 05.

    The headline study and the half-direction study always run; the other trial design and the
    network-seed study (optional figures, beyond the chapter's time budget from an empty cache)
    run under ``full``, or when a run left all their rows in the cache.

    Attributes
    ----------
    params : StudyParams
        The headline study (all the training directions).
    half : StudyParams
        The same on every other training direction (``training_directions="half"``).
    other_study : StudyParams
        The other trial design on the first :data:`OTHER_DESIGN_GROUND_TRUTHS` ground truths,
        one network seed (dots: too few for an interval or a test).
    seed_study : StudyParams
        Two network seeds on the first ground truths (:data:`SEED_GROUND_TRUTHS`).
    run_other, run_seeds : bool
        Whether each optional study runs.
    """

    params: StudyParams
    half: StudyParams
    other_study: StudyParams
    seed_study: StudyParams
    run_other: bool
    run_seeds: bool

    @property
    def other(self) -> StudyParams | None:
        """The other-design study if it runs, else None."""
        return self.other_study if self.run_other else None

    @property
    def seeds(self) -> StudyParams | None:
        """The seed study if it runs, else None."""
        return self.seed_study if self.run_seeds else None

    @property
    def other_networks(self) -> int:
        """Networks the other-design study trains."""
        return len(study.NETWORKS) * len(self.other_study.units)

    @property
    def extra_seed_units(self) -> list[tuple[int, int]]:
        """The seed study's units that the headline study does not have."""
        return [u for u in self.seed_study.units if u[1] not in self.params.seeds]

    @property
    def extra_networks(self) -> int:
        """Networks the seed study trains beyond the headline study's."""
        return len(study.NETWORKS) * len(self.extra_seed_units)


#: The kinds of row of each study of the plan (the half-direction study shows fewer references;
#: the seed study only the networks).
PLAN_KINDS = {"params": study.KINDS, "half": beyond.HALF_KINDS, "other": study.KINDS,
              "seeds": study.NETWORKS}


def chapter_plan(params: StudyParams, params_other: StudyParams, *, full: bool) -> StudyPlan:
    """The chapter's studies (:class:`StudyPlan`) from its headline study and the other design's.

    Parameters
    ----------
    params : StudyParams
        The headline study.
    params_other : StudyParams
        The other trial design with its calibrated settings; its first
        :data:`OTHER_DESIGN_GROUND_TRUTHS` ground truths are kept, with the first network seed.
    full : bool
        Run the optional studies (otherwise each runs only if its rows are all in the cache).
    """
    if params.force.cue_epoch == params_other.force.cue_epoch:
        raise ValueError("params_other must be the other trial design; both are "
                         f"{params.force.cue_epoch!r}")
    gts = params.ground_truth_seeds
    other = dataclasses.replace(params_other, ground_truth_seeds=gts[:OTHER_DESIGN_GROUND_TRUTHS],
                                seeds=params.seeds[:1])
    n_gts, n_seeds = SEED_GROUND_TRUTHS
    first = params.seeds[0]
    seeds = dataclasses.replace(params, ground_truth_seeds=gts[:n_gts],
                                seeds=tuple(range(first, first + n_seeds)))
    plan = StudyPlan(params=params, half=dataclasses.replace(params, training_directions="half"),
                     other_study=other, seed_study=seeds, run_other=True, run_seeds=True)
    if full:
        return plan
    return dataclasses.replace(
        plan, run_other=rows_in_cache(other, PLAN_KINDS["other"]),
        run_seeds=rows_in_cache(seeds, PLAN_KINDS["seeds"], plan.extra_seed_units))


@dataclasses.dataclass(frozen=True)
class ChapterTables:
    """The study tables of :class:`StudyPlan` (:func:`ffhlib.study.run_study` of each).

    Attributes
    ----------
    plan : StudyPlan
    table, table_half : pandas.DataFrame
    table_other, table_seeds : pandas.DataFrame or None
        None when the plan does not run that study.
    seconds : float
        Wall time of every run in this execution (s).
    """

    plan: StudyPlan
    table: object
    table_half: object
    table_other: object
    table_seeds: object
    seconds: float

    params = property(lambda self: self.plan.params, doc="The headline study.")
    design = property(lambda self: self.plan.params.force.cue_epoch,
                      doc="The chapter's trial design.")

    @property
    def tables(self) -> tuple:
        """Every table run."""
        return tuple(t for t in (self.table, self.table_half, self.table_other,
                                 self.table_seeds) if t is not None)

    @property
    def by_design(self) -> dict | None:
        """``{design: table}`` in :data:`DESIGNS` order, the chapter's design restricted to the
        other design's ground truths and network seed; None when the other design did not
        run."""
        other = self.plan.other
        if other is None or self.table_other is None:
            return None
        own = self.table[self.table["seed"].isin(other.seeds)
                         & self.table["ground_truth"].isin(other.ground_truth_seeds)]
        tables = {self.design: own, other.force.cue_epoch: self.table_other}
        return {d: tables[d] for d in DESIGNS}


def run_chapter(plan: StudyPlan, *, n_workers: int = 1, progress: bool = True) -> ChapterTables:
    """Run every study of ``plan`` on ``n_workers`` processes; stop on a failed row."""
    from .parallel import make_executor

    start = time.perf_counter()
    studies = {"params": plan.params, "half": plan.half, "other": plan.other,
               "seeds": plan.seeds}
    with make_executor(n_workers, backend="processes") as executor:
        tables = {name: None if p is None else study.run_study(
            p, kinds=PLAN_KINDS[name], executor=executor, progress=progress)
                  for name, p in studies.items()}
    seconds = time.perf_counter() - start
    for name, t in tables.items():
        if t is not None:
            check_no_failures(t, {"params": "study"}.get(name, f"{name} study"))
    return ChapterTables(plan=plan, table=tables["params"], table_half=tables["half"],
                         table_other=tables["other"], table_seeds=tables["seeds"],
                         seconds=seconds)


# ----------------------------------------------------------------------------- summaries


def kind_summaries(table, measure, kinds: Sequence[str]) -> dict[str, KindSummary]:
    """:func:`ffhlib.study.summarize` of ``measure`` (a column, or several) for each kind."""
    return {kind: study.summarize(table, measure, kind) for kind in kinds}


def floor_oracle_positions(summaries: Mapping[str, KindSummary],
                           kinds: Sequence[str] = POSITION_KINDS, *,
                           top: str = "oracle") -> dict[str, float]:
    """Where each kind stands between the floor (0) and the oracle (1), mean over ground truths.

    Parameters
    ----------
    summaries : mapping of kind to scalar KindSummary
        Must hold ``"floor"``, ``top`` and ``kinds``, over the same ground truths.
    kinds : sequence of str
    top : str
        The kind at 1 (the oracle: every SOC neuron outside the scored half of E). It is a
        reference, not a bound: a kind above it stands above 1, shown as it is.

    Returns
    -------
    dict of str to float

    Notes
    -----
    The mean over ground truths g of :math:`(m_g - f_g) / (o_g - f_g)`, with :math:`m_g, f_g,
    o_g` g's means (over network seeds) of the kind, the floor and the oracle.
    """
    missing = [k for k in ("floor", top, *kinds) if k not in summaries]
    if missing:
        raise ValueError(f"summaries lacks the kinds {missing}")
    floor, oracle = summaries["floor"], summaries[top]
    for kind in kinds:
        if not np.array_equal(summaries[kind].ground_truths, floor.ground_truths) or \
                not np.array_equal(oracle.ground_truths, floor.ground_truths):
            raise ValueError(f"the summaries of {kind!r}, floor and {top} must cover the same "
                             "ground truths")
    span = oracle.per_ground_truth - floor.per_ground_truth
    if np.any(span == 0):
        flat = floor.ground_truths[span == 0].tolist()
        raise ValueError(f"the {top} equals the floor for ground truths {flat}: no scale")
    return {k: float(np.mean((summaries[k].per_ground_truth - floor.per_ground_truth) / span))
            for k in kinds}


def unit_differences(table, measure: str = "cca_e", a: str = "ffh",
                     b: str = "ff") -> dict[int, np.ndarray]:
    """Each ground truth's paired differences ``a - b`` of ``measure``, one per network seed."""
    merged = study.paired_differences(table, measure, a, b)
    return {g: d[measure].to_numpy() for g, d in merged.groupby("ground_truth")}


@dataclasses.dataclass(frozen=True)
class SimilaritySummaries:
    """The study's similarity results on the training directions, over ground truths.

    Attributes
    ----------
    cca_e, cca_cd, nomean, procrustes, procrustes_cd : dict of str to KindSummary
        Mean canonical correlation with the evaluation neurons E, the same on the
        condition-dependent part and without the direction means, and the angular Procrustes
        distance to E (all, condition-dependent), for each of :data:`KINDS`.
    whole : dict of str to KindSummary
        Canonical correlation with the whole SOC (:data:`WHOLE_KINDS`).
    fit : dict of str to KindSummary
        EMG fit R^2 on the training directions (:data:`FIT_KINDS`).
    ffh_ff, ffh_hints, cd_ff, cd_hints, whole_cmp, nomean_cmp, procrustes_cmp : PairedComparison
        FFH − FF and FFH − hints of the CCA with E (all, condition-dependent), and FFH − FF of
        the other measures, each adjusted within the chapter's family.
    positions : dict of str to float
        :func:`floor_oracle_positions` of the CCA with E.
    differences : dict of int to ndarray
        Each ground truth's FFH − FF CCA with E, per network seed.
    fit_r2_min_network : float
        The worst EMG fit of any network.
    """

    cca_e: dict
    cca_cd: dict
    nomean: dict
    procrustes: dict
    procrustes_cd: dict
    whole: dict
    fit: dict
    ffh_ff: PairedComparison
    ffh_hints: PairedComparison
    cd_ff: PairedComparison
    cd_hints: PairedComparison
    whole_cmp: PairedComparison
    nomean_cmp: PairedComparison
    procrustes_cmp: PairedComparison
    positions: dict
    differences: dict
    fit_r2_min_network: float


def summarize_similarity(table, family: Mapping[str, PairedComparison]) -> SimilaritySummaries:
    """Every training-direction summary chapter 05 reports, from the headline study table and
    the chapter's adjusted family of comparisons (:func:`ffhlib.beyond_recordings.
    comparison_family`)."""
    cca_e = kind_summaries(table, "cca_e", KINDS)
    networks = table[table["network"].isin(study.NETWORKS)]
    return SimilaritySummaries(
        cca_e=cca_e, cca_cd=kind_summaries(table, "cca_cd_e", KINDS),
        nomean=kind_summaries(table, "cca_nomean_e", KINDS),
        procrustes=kind_summaries(table, "procrustes_e", KINDS),
        procrustes_cd=kind_summaries(table, "procrustes_cd_e", KINDS),
        whole=kind_summaries(table, "cca_whole", WHOLE_KINDS),
        fit=kind_summaries(table, "fit_r2", FIT_KINDS),
        ffh_ff=family["cca_unobserved"], ffh_hints=family["cca_hints_cmp"],
        cd_ff=family["cca_cd_train_ffh_vs_ff"], cd_hints=family["cca_cd_train_ffh_vs_hints"],
        whole_cmp=family["cca_whole_cmp"], nomean_cmp=family["cca_nomean_cmp"],
        procrustes_cmp=family["procrustes_e_cmp"],
        positions=floor_oracle_positions(cca_e), differences=unit_differences(table),
        fit_r2_min_network=float(networks["fit_r2"].min()))


@dataclasses.dataclass(frozen=True)
class ChapterSummaries:
    """Everything chapter 05 reports from its study tables.

    Attributes
    ----------
    family : dict of str to PairedComparison
        The chapter's summary table (:data:`ffhlib.beyond_recordings.FAMILY`), Holm-adjusted
        together.
    training : SimilaritySummaries
        The training directions.
    untrained, untrained_half : ffhlib.beyond_recordings.UntrainedSimilarity
        The untrained directions, with all and with half the training directions.
    seeds : dict of str to SeedSpread, or None
        The spread between network seeds of each of :data:`SEED_MEASURES` (None: not run).
    """

    family: dict
    training: SimilaritySummaries
    untrained: beyond.UntrainedSimilarity
    untrained_half: beyond.UntrainedSimilarity
    seeds: dict | None

    @property
    def primary(self) -> PairedComparison:
        """FFH − interpolated recordings, condition-dependent CCA on the untrained directions."""
        return self.family[beyond.PRIMARY]


def summarize_chapter(tables: ChapterTables) -> ChapterSummaries:
    """:class:`ChapterSummaries` of the chapter's study tables."""
    family = beyond.comparison_family({"all": tables.table, "half": tables.table_half})
    seeds = None
    if tables.table_seeds is not None:
        seeds = {m: beyond.seed_spread(tables.table_seeds, m) for m in SEED_MEASURES}
    return ChapterSummaries(family=family,
                            training=summarize_similarity(tables.table, family),
                            untrained=beyond.untrained_summaries(tables.table, "all"),
                            untrained_half=beyond.untrained_summaries(
                                tables.table_half, "half", kinds=PLAN_KINDS["half"]),
                            seeds=seeds)


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

    @property
    def n_ground_truths(self) -> int:
        """Ground truths compared."""
        return int(self.soc_offset_share.size)

    def values(self) -> dict:
        """``design_{design}_{measure}_{kind}`` (the mean over ground truths),
        ``design_soc_offset_share`` and ``design_n_ground_truths``."""
        out = {f"design_{d}_{measure}_{k}": s.mean
               for measure, per_design in self.summaries.items()
               for d, per_kind in per_design.items() for k, s in per_kind.items()}
        out["design_soc_offset_share"] = self.soc_offset_mean
        out["design_n_ground_truths"] = self.n_ground_truths
        return out

    @staticmethod
    def keys() -> list[str]:
        """The keys of :meth:`values` (whatever ran)."""
        return ([f"design_{d}_{measure}_{k}" for measure, kinds in DESIGN_PANELS
                 for d in DESIGNS for k in kinds]
                + ["design_soc_offset_share", "design_n_ground_truths"])


def design_comparison(tables: ChapterTables, soc_offset_share=None) -> DesignComparison | None:
    """Summaries of :data:`DESIGN_PANELS` in each trial design, and the SOC's offset share; None
    when the other design did not run.

    ``soc_offset_share`` (one per ground truth of the other design) defaults to
    :func:`ffhlib.similarity.direction_offset_share` of each ground truth's training rates.
    """
    if tables.by_design is None:
        return None
    other = tables.plan.other
    if soc_offset_share is None:
        soc_offset_share = [direction_offset_share(study.ground_truth(other, g).training.rates)
                            for g in other.ground_truth_seeds]
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

