"""Kao's first consideration (chapter 10): regularised BPTT networks over activation x rate-penalty
strength, scored neuron by neuron and as a population.

Kao (2019) reports that networks can reproduce single-neuron firing-rate motifs while missing the
population's. The grid trains chapter 09's rival ``bptt`` (a rate network trained by BPTT on the
EMG alone, :mod:`ffhlib.rivals`) with each activation of :data:`ffhlib.activations.ACTIVATIONS`
and each rate-penalty strength of the design (:class:`KaoDesign`), on every ground truth of the
study, and measures each network three ways:

- its **study row** (:func:`ffhlib.rivals.score_task`): the EMG fit and the CCA with E, all and
  condition-dependent (the population level);
- its **robustness** (:func:`ffhlib.rival_measures.evaluate`): the EMG error under input noise and
  with the cue switched during the delay, and the DSA distance to E, by chapters 06 and 08's
  protocols;
- its **Kao row** (:func:`kao_unit`, here): the single-neuron match
  (:func:`ffhlib.single_neuron.single_neuron_match`: for each neuron of E the best PSTH correlation
  over a fixed random subset of as many units as there are recorded neurons, median over E) and
  the jPCA rotational strength (chapter 08's settings).

The references get the same measures: FF, FFH, the recorded neurons themselves (``hints``), the
untrained network (``floor``) and, for jPCA, the ground truth (``soc``). Every result is cached
(keyed by the network's own parameters, as its study row is), so an interrupted grid resumes and a
cell equal to chapter 09's rival (same :class:`~ffhlib.rivals.RivalParams`) is chapter 09's row.
:func:`run_kao_grid` runs everything on any executor of :mod:`ffhlib.parallel` (local processes or
a dask scheduler) and returns one tidy table for :mod:`ffhlib.kao_summary`.
"""

from __future__ import annotations

import dataclasses
import math
import time
import zlib

import numpy as np

from . import fullforce, rival_measures, rivals, study
from . import kao_calibration as kc
from ._params import param
from .activations import ACTIVATIONS
from .cache import cached_result
from .generalization import GeneralizationParams
from .mechanism_study import MechanismParams, jpca_of
from .observe import observe
from .parallel import run_tasks
from .rivals import RivalParams, rival_key
from .single_neuron import single_neuron_match
from .study import StudyParams
from .sweep import SweepGrid, _check_grid

__all__ = ["KAO_KINDS", "REFERENCE_KINDS", "KaoDesign", "KaoUnit", "cell_rivals", "grid_table",
           "kao_design", "kao_unit", "run_kao_grid", "subset_seed"]

#: The references scored beside the grid (``soc``: jPCA only).
REFERENCE_KINDS = ("ff", "ffh", "hints", "floor", "soc")
#: Every kind of Kao row.
KAO_KINDS = ("bptt",) + REFERENCE_KINDS


@dataclasses.dataclass(frozen=True)
class KaoDesign:
    """The grid: chapter 09's rival, the cells' network, the factors and the measures' settings.

    Attributes
    ----------
    study : StudyParams
        Ground truths, observation, similarity, trial design and the references' networks.
    rivals : RivalParams
        Chapter 09's rivals; a cell is these with ``bptt`` replaced by the cell's network.
    network : ffhlib.bptt.BPTTParams
        The grid's network (size, steps, and every setting a cell does not vary).
    grid : SweepGrid
        ``activations`` x ``rate_l2s`` x ground truths x seeds.
    strengths : tuple of float
        The rate-penalty strengths in the chapter's order (k = 0, 1, 2: none, chapter 09's, the
        strongest keeping the fit; more with ``full``).
    gen : GeneralizationParams
        The input-noise protocol (chapter 06's).
    mech : MechanismParams
        jPCA, DSA and cue-switch settings (chapter 08's).
    """

    study: StudyParams = param(StudyParams(), doc="the study of the references and units",
                               provenance="choice")
    rivals: RivalParams = param(RivalParams(), doc="chapter 09's rivals", provenance="calibrated")
    network: object = param(None, doc="the grid's BPTT network (BPTTParams)", provenance="choice")
    grid: SweepGrid = param(SweepGrid(), doc="activations x strengths x units", provenance="choice")
    strengths: tuple = param((), doc="rate-penalty strengths, k = 0, 1, 2, ...",
                             provenance="calibrated")
    gen: GeneralizationParams = param(GeneralizationParams(), doc="input-noise protocol",
                                      provenance="choice")
    mech: MechanismParams = param(MechanismParams(), doc="jPCA, DSA, cue switch",
                                  provenance="choice")

    def __post_init__(self):
        if not isinstance(self.grid, SweepGrid) or self.grid.activations is None \
                or self.grid.rate_l2s is None:
            raise ValueError("grid must be a SweepGrid with activations and rate_l2s")
        if sorted(set(self.strengths)) != list(self.grid.rate_l2s):
            raise ValueError(f"strengths {self.strengths} must be the grid's rate_l2s "
                             f"{self.grid.rate_l2s} (in the chapter's order)")
        _check_grid(self.study, self.grid)
        gtp = self.study.ground_truth
        recorded = observe(gtp.soc.n_neurons, gtp.emg.n_muscles, self.study.observation, 0,
                           0).neuron_idx.size
        if self.network.n_units < recorded:
            raise ValueError(f"the grid's network has {self.network.n_units} units, fewer than "
                             f"the {recorded} recorded neurons its single-neuron match draws "
                             f"from; use n_units >= {recorded}")

    @property
    def units(self) -> list[tuple[int, int]]:
        """Every ``(ground_truth_seed, seed)`` of the grid."""
        return self.grid.cells(self.study)[0].units

    def cells(self) -> list[RivalParams]:
        """One :class:`RivalParams` per cell, activation first (then strength in grid order)."""
        return [cell_rivals(self.rivals, net) for net in self.grid.bptt_cells(self.network)]

    def strength_index(self, rate_l2: float) -> int:
        """The position ``k`` of a strength in :attr:`strengths`."""
        return self.strengths.index(rate_l2)


def kao_design(params: StudyParams, *, quick: bool = False, full: bool = False,
               rivals_params: RivalParams | None = None, n_units: int | None = None,
               steps: int | None = None) -> KaoDesign:
    """The chapter's grid.

    Parameters
    ----------
    params : StudyParams
        The study (ground truths, network seeds, FF and FFH).
    quick : bool
        A small network with few steps on the quick study (numbers not meaningful).
    full : bool
        Chapter 09's network size and steps (the tanh cell at chapter 09's strength is then
        chapter 09's row), every calibration strength up to the strongest kept, two network
        seeds per ground truth.
    rivals_params : RivalParams, optional
        Chapter 09's rivals (default: their defaults, or the quick preset).
    n_units, steps : int, optional
        The grid's network (default: :data:`ffhlib.kao_calibration.GRID_UNITS` and
        ``GRID_STEPS``; quick: 40 and 150; full: chapter 09's).

    Returns
    -------
    KaoDesign
        Strengths ``k = 0, 1, 2``: none, chapter 09's calibrated strength, the strongest keeping
        the fit (:data:`ffhlib.kao_calibration.STRONGEST_RATE_L2`); with ``full``, then the
        other calibration strengths below it.
    """
    if rivals_params is None:
        rivals_params = RivalParams.quick() if quick else RivalParams()
    rival = rivals_params.bptt
    size = (40, 150) if quick else ((rival.n_units, rival.steps) if full
                                    else (kc.GRID_UNITS, kc.GRID_STEPS))
    network = kc.grid_network(rival, n_units=n_units or size[0], steps=steps or size[1])
    strengths = [0.0, float(rival.rate_l2), float(kc.STRONGEST_RATE_L2)]
    if len(set(strengths)) < 3:
        raise ValueError(f"the grid's strengths {strengths} are not distinct: chapter 09's "
                         f"calibrated strength equals the strongest that keeps the fit")
    if full:
        strengths += [s for s in kc.STRENGTHS if s < kc.STRONGEST_RATE_L2 and s not in strengths]
    seeds = params.seeds + ((params.seeds[-1] + 1,) if full else ())
    grid = SweepGrid(activations=ACTIVATIONS, rate_l2s=tuple(strengths),
                     ground_truth_seeds=params.ground_truth_seeds, seeds=seeds)
    return KaoDesign(study=params, rivals=rivals_params, network=network, grid=grid,
                     strengths=tuple(strengths),
                     gen=GeneralizationParams.quick() if quick else GeneralizationParams(),
                     mech=MechanismParams.quick() if quick else MechanismParams())


def cell_rivals(base: RivalParams, network) -> RivalParams:
    """``base`` with its ``bptt`` rival replaced by ``network`` (a grid cell)."""
    return dataclasses.replace(base, bptt=network)


@dataclasses.dataclass(frozen=True)
class KaoUnit:
    """The single-neuron match and jPCA rotational strength of one activity in one unit.

    Attributes
    ----------
    ground_truth, seed : int
    network : str
        One of :data:`KAO_KINDS`.
    single_neuron : float
        Median over E of each neuron's best PSTH correlation (directions x time, training
        directions) with any of ``n_candidates`` units (NaN for the SOC).
    n_candidates : int
        Candidate units: as many as the recorded neurons (a random subset, seeded by the unit).
    jpca_rotation : float
        Rotational strength of jPCA (chapter 08's settings); NaN for the recorded neurons.
    seconds : float
        Compute seconds (not counting training the network).
    """

    ground_truth: int
    seed: int
    network: str
    single_neuron: float
    n_candidates: int
    jpca_rotation: float
    seconds: float


def subset_seed(ground_truth_seed: int, seed: int) -> int:
    """The seed of the unit's draw of candidate units for the single-neuron match (the same for
    every activity of the unit): from the unit and the CRC32 of "single_neuron", so that it is
    independent of every stream of :mod:`ffhlib.seeds`."""
    entropy = [int(ground_truth_seed), int(seed), zlib.crc32(b"single_neuron")]
    return int(np.random.default_rng(entropy).integers(2**31))


def _activity(params, rivals_cell, gt, obs, g, s, kind):
    """The activity (C, T, units) a Kao row scores, on the training directions."""
    train = gt.training
    if kind == "hints":
        return obs.neurons(train.rates)
    if kind == "soc":
        return train.rates
    if kind == "floor":
        net = fullforce.untrained(params.force, n_outputs=obs.muscle_idx.size,
                                  angles=train.angles, time_ms=train.time_ms, seed=(g, s))
    else:
        net = rival_measures.network(params, rivals_cell, g, s, kind)
    return rivals.simulate(net, train.angles, time_ms=train.time_ms).rates


def _kao(params, rivals_cell, mech, g, s, kind) -> KaoUnit:
    gt = study.ground_truth(params, g)
    obs = study.observation(params, gt, g, s)
    before = time.perf_counter()
    rates = _activity(params, rivals_cell, gt, obs, g, s, kind)
    start = time.perf_counter()
    train = gt.training
    k = int(obs.neuron_idx.size)
    single = math.nan
    if kind != "soc":
        if rates.shape[-1] < k:
            raise ValueError(f"the {kind} network has {rates.shape[-1]} units, fewer than the "
                             f"{k} recorded neurons its single-neuron match draws from")
        draw = subset_seed(g, s)
        single = single_neuron_match(train.rates[..., obs.evaluation.neurons], rates,
                                     n_units=k, rng=draw).median
    rotation = math.nan
    if kind != "hints":
        dt_s = float(train.time_ms[1] - train.time_ms[0]) / 1000.0
        rotation = float(jpca_of(rates, dt_s, mech).rotational_strength)
    return KaoUnit(ground_truth=g, seed=s, network=kind, single_neuron=float(single),
                   n_candidates=k, jpca_rotation=rotation,
                   seconds=time.perf_counter() - start + (start - before) * (kind == "hints"))


def kao_unit(params: StudyParams, rivals_cell: RivalParams, mech: MechanismParams,
             ground_truth_seed: int, seed: int, kind: str) -> KaoUnit:
    """The Kao row of ``kind`` (:data:`KAO_KINDS`) in the unit (cached; a ``bptt`` row is keyed
    by its network's parameters, as its study row is)."""
    unit_params, ground_truth_seed, seed = study.reported_unit(params, ground_truth_seed, seed)
    if kind not in KAO_KINDS:
        raise ValueError(f"kind must be one of {KAO_KINDS}; got {kind!r}")
    if not isinstance(mech, MechanismParams):
        raise TypeError(f"mech must be MechanismParams, got {type(mech).__name__}")
    net_key = (rival_key(params, rivals_cell, kind) if kind == "bptt"
               else {"params": study.kind_key(unit_params, kind if kind != "soc" else "oracle"),
                     "kind": kind})
    key = {"network": net_key, "jpca_pcs": mech.jpca_pcs, "jpca_soft_norm": mech.jpca_soft_norm,
           "ground_truth_seed": ground_truth_seed, "seed": seed}
    result, _ = cached_result("kao_unit", key,
                              lambda: _kao(params, rivals_cell, mech, ground_truth_seed, seed,
                                           kind), KaoUnit, module=__name__)
    return result


# ----------------------------------------------------------------------------- the grid


def _task(what: str, *args):
    """One task of the grid: a study row (``"row"``), robustness (``"robust"``) or a Kao row."""
    if what == "row":
        return rivals.score_task(*args)[0]
    if what == "robust":
        return rival_measures.evaluate(*args)
    return kao_unit(*args)


def _jobs(design: KaoDesign):
    """The grid's tasks in two phases: the trainings (study rows) first, then the measures that
    read the trained networks from the cache (so that no network trains twice at once)."""
    p, gen, mech = design.study, design.gen, design.mech
    rows, measures, labels = [], [], []
    cells = design.cells()
    for g, s in design.units:
        for cell in cells:
            label = (g, s, "bptt", cell.bptt.activation, cell.bptt.rate_l2)
            rows.append(("row", p, cell, g, s, "bptt"))
            measures += [("robust", p, cell, gen, mech, g, s, "bptt"),
                         ("kao", p, cell, mech, g, s, "bptt")]
            labels.append(label)
        for kind in REFERENCE_KINDS:
            label = (g, s, kind, "", math.nan)
            if kind != "soc":
                rows.append(("row", p, design.rivals, g, s, kind))
            if kind in ("ff", "ffh"):
                measures.append(("robust", p, design.rivals, gen, mech, g, s, kind))
            measures.append(("kao", p, design.rivals, mech, g, s, kind))
            labels.append(label)
    return rows, measures, labels


def run_kao_grid(design: KaoDesign, *, executor=None, progress: bool = True):
    """Every task of the grid on ``executor`` (default: serially here); the tidy table.

    The ground truths are built first (each once), then the trainings with their study rows,
    then the robustness and Kao rows. A failing task (e.g. a diverging training) leaves its
    row's measures NaN with its error; the others finish.

    Returns
    -------
    pandas.DataFrame
        :func:`grid_table` of the results.
    """
    if not isinstance(design, KaoDesign):
        raise TypeError(f"design must be a KaoDesign, got {type(design).__name__}")
    start = time.perf_counter()
    gts = sorted({g for g, _ in design.units})
    built = run_tasks(study.ground_truth_task, [(design.study, g) for g in gts], executor,
                      progress=progress, desc="ground truths")
    failed = [o for o in built if not o.ok]
    if failed:
        raise RuntimeError(f"ground truth {gts[failed[0].index]} failed: {failed[0].error}")
    rows, measures, labels = _jobs(design)
    out_rows = run_tasks(_task, rows, executor, progress=progress, desc="kao trainings")
    out_measures = run_tasks(_task, measures, executor, progress=progress, desc="kao measures")
    table = grid_table(design, list(zip(rows, out_rows, strict=True))
                       + list(zip(measures, out_measures, strict=True)), labels)
    table.attrs["wall_seconds"] = time.perf_counter() - start
    return table


def _label_of(job) -> tuple:
    """The table row a task fills: ``(ground truth, seed, kind, activation, strength)``."""
    cell, (g, s, kind) = job[2], job[-3:]
    if kind == "bptt":
        return (g, s, kind, cell.bptt.activation, cell.bptt.rate_l2)
    return (g, s, kind, "", math.nan)


def grid_table(design: KaoDesign, results, labels):
    """The tidy table of the grid's results: one row per unit and activity (label order).

    Columns: ``ground_truth``, ``seed``, ``network``, ``activation``, ``rate_l2``,
    ``strength_index`` (-1 for references), the study row's ``fit_r2``, ``cca_e``, ``cca_cd_e``,
    ``cca_cd_untrained_e``, ``train_seconds``; ``noise_err`` (at ``gen.noise_sigma``),
    ``switch_err``, ``dsa``; ``single_neuron``, ``jpca_rotation``; ``error`` (the first error of
    the row's tasks, empty if none).
    """
    import pandas as pd

    sigma = design.gen.input_noise_sigmas.index(design.gen.noise_sigma)
    records = {}
    for label in labels:
        g, s, kind, act, lam = label
        records[_key(label)] = {
            "ground_truth": g, "seed": s, "network": kind, "activation": act, "rate_l2": lam,
            "strength_index": design.strength_index(lam) if kind == "bptt" else -1,
            "error": ""}
    for job, outcome in results:
        record = records[_key(_label_of(job))]
        if not outcome.ok:
            record["error"] = record["error"] or outcome.error
            continue
        v = outcome.value
        if job[0] == "row":
            record.update(fit_r2=v.fit_r2, cca_e=v.cca_e, cca_cd_e=v.cca_cd_e,
                          cca_cd_untrained_e=v.cca_cd_untrained_e, train_seconds=v.train_seconds)
        elif job[0] == "robust":
            record.update(noise_err=float(v.noise_err[sigma]), switch_err=v.switch_err,
                          dsa=v.dsa)
        else:
            record.update(single_neuron=v.single_neuron, jpca_rotation=v.jpca_rotation)
    columns = ["ground_truth", "seed", "network", "activation", "rate_l2", "strength_index",
               "fit_r2", "cca_e", "cca_cd_e", "cca_cd_untrained_e", "train_seconds",
               "noise_err", "switch_err", "dsa", "single_neuron", "jpca_rotation", "error"]
    return pd.DataFrame.from_records(list(records.values())).reindex(columns=columns)


def _key(label) -> tuple:
    g, s, kind, act, lam = label
    return (g, s, kind, act, None if kind != "bptt" else float(lam))
