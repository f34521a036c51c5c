"""The study: FF and FFH over ground truths x network seeds, scored against held-out neurons.

A **unit** of the study is a pair ``(ground_truth_seed, seed)``: one ground truth (EMG, SOC and
gains from independent seeds) and one network seed (observed subsets, RNN weights, training
noise). In a unit, FF and FFH share everything but the hints, so every comparison is paired;
ground truths are the independent units of the statistics (:mod:`ffhlib.stats`).

For each unit the study produces one :class:`~ffhlib.scoring.ScoreRow` per *kind*:

===================  =======================================================================
``ff``, ``ffh``      the trained networks
``hints``            the recorded SOC neurons themselves (what FFH was shown; on the untrained
                     directions, their rates there, which no predictor has)
``floor``            an untrained network with the unit's random weights
``ceiling``          two samples of unrecorded neurons: one half of the evaluation set E
                     against the other half (same sizes; a reference, not a bound)
``oracle``           every SOC neuron outside the scored half of E (a reference, not a bound:
                     PCA followed by CCA is not monotone in the number of neurons)
``interpolation``    the recordings-only predictor: the training directions' EMG and recorded
                     rates, interpolated in angle to the untrained directions
``e_interpolation``  E's own angular interpolation: the headroom of any predictor
===================  =======================================================================

and each row holds the measures of :mod:`ffhlib.scoring`: the EMG fit, the error on untrained
directions, canonical correlations and Procrustes distances with E on the trained and untrained
directions, of all the activity and of its condition-dependent part, and with the whole SOC.

:func:`score` is the pure task function ``(study params, ground truth, seed, kind) -> row``, cached
on disk; :func:`run_study` maps it over units (serially, on local processes or on dask, see
:mod:`ffhlib.parallel`) and returns a tidy :class:`pandas.DataFrame`. Every chapter reads the same
cached networks through :func:`train_pair`: chapter 07's 30 % cell is chapter 05's networks.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterable, Sequence

import numpy as np

from . import fullforce
from ._host import worker_name
from ._params import param
from ._validate import check_bool, check_choice, check_int, check_seed
from .cache import cached_result
from .groundtruth import GroundTruth, GroundTruthParams, make_ground_truth
from .metrics import angular_interpolation, check_number_tuple, emg_error
from .observe import Observation, ObservationParams, observe
from .parallel import run_tasks
from .scoring import ScoreRow, empty_measures, interpolation_r2, similarity_measures
from .similarity import oracle_activity
from .summaries import (
    KindSummary,
    compare_kinds,
    paired_differences,
    rows_to_frame,
    summarize,
)

__all__ = [
    "BASELINES",
    "CALIBRATION_GROUND_TRUTHS",
    "KINDS",
    "NETWORKS",
    "KindSummary",
    "ScoreRow",
    "SimilarityParams",
    "StudyParams",
    "TRAINING_DIRECTIONS",
    "TrainedPair",
    "check_reported",
    "compare_kinds",
    "direction_split",
    "ground_truth",
    "ground_truth_task",
    "kind_key",
    "observation",
    "outcomes_to_frame",
    "paired_differences",
    "reported_unit",
    "rows_to_frame",
    "run_study",
    "score",
    "score_task",
    "summarize",
    "train_network",
    "train_pair",
]

#: The trained networks of every unit.
NETWORKS = ("ff", "ffh")
#: The reference rows of every unit: the recorded neurons (on the untrained directions: their
#: rates there, which no predictor has), the untrained network, two samples of E (one half against
#: the other), the recordings interpolated in angle, the oracle (every SOC neuron outside the
#: scored half of E) and E's own interpolation (the headroom of any predictor).
BASELINES = ("hints", "floor", "ceiling", "interpolation", "oracle", "e_interpolation")
#: The choices of ``StudyParams.training_directions``.
TRAINING_DIRECTIONS = ("all", "half")
#: Every kind of row, in table order.
KINDS = NETWORKS + BASELINES
#: Ground truths reserved for calibrating the training settings; never part of a reported study.
CALIBRATION_GROUND_TRUTHS = (100, 101, 102)


@dataclasses.dataclass(frozen=True)
class SimilarityParams:
    """How population activity is compared (PCA latent factors, CCA, Procrustes)."""

    pca_dim: int = param(
        6, doc="latent dimension d of the headline canonical correlations and Procrustes "
               "distances", provenance="choice")
    pca_dims: tuple = param(
        (2, 3, 4, 6, 8, 10, 12), doc="latent dimensions of the sensitivity sweep over d (must "
                                     "hold pca_dim)", provenance="choice")

    def __post_init__(self):
        check_int("pca_dim", self.pca_dim, minimum=1)
        dims = check_number_tuple("pca_dims", self.pca_dims, minimum=1, kind=int)
        if list(dims) != sorted(dims):
            raise ValueError(f"pca_dims must be increasing, got {self.pca_dims}")
        object.__setattr__(self, "pca_dims", dims)
        if self.pca_dim not in dims:
            raise ValueError(f"pca_dim={self.pca_dim} must be one of pca_dims={dims}")

    @property
    def dim_index(self) -> int:
        """Position of ``pca_dim`` in ``pca_dims``."""
        return self.pca_dims.index(self.pca_dim)

    @classmethod
    def quick(cls) -> SimilarityParams:
        """Fewer dimensions (the quick ground truth's SOC is small)."""
        return cls(pca_dim=4, pca_dims=(2, 3, 4, 6))


@dataclasses.dataclass(frozen=True)
class StudyParams:
    """Everything a study depends on: the ground truths, what is observed, the training, the
    comparison, and which units (ground truths x network seeds) are run."""

    ground_truth: GroundTruthParams = param(
        GroundTruthParams(), doc="the ground-truth circuits (EMG, SOC, gains)",
        provenance="choice")
    observation: ObservationParams = param(
        ObservationParams(), doc="observed fractions and the held-out evaluation set",
        provenance="choice")
    force: fullforce.ForceParams = param(
        fullforce.ForceParams(), doc="full-FORCE training of FF and FFH", provenance="choice")
    similarity: SimilarityParams = param(
        SimilarityParams(), doc="PCA/CCA comparison of activity", provenance="choice")
    training_directions: str = param(
        "all", doc="which of the ground truth's training directions the networks are trained "
                   "on: 'all', or 'half' (every other one; the others untrained too)",
        provenance="choice")
    ground_truth_seeds: tuple = param(
        tuple(range(12)), doc="independent ground truths (EMG, SOC and gains from their own "
                              "seeds): the units of the statistics", provenance="choice")
    seeds: tuple = param(
        (0,), doc="network seeds per ground truth (observed subsets, RNN weights, training "
                  "noise)", provenance="choice")

    def __post_init__(self):
        for name, cls in (("ground_truth", GroundTruthParams), ("observation", ObservationParams),
                          ("force", fullforce.ForceParams), ("similarity", SimilarityParams)):
            if not isinstance(getattr(self, name), cls):
                raise TypeError(f"{name} must be {cls.__name__}, got "
                                f"{type(getattr(self, name)).__name__}")
        check_choice("training_directions", self.training_directions, TRAINING_DIRECTIONS)
        object.__setattr__(self, "ground_truth_seeds", check_number_tuple(
            "ground_truth_seeds", self.ground_truth_seeds, minimum=0, kind=int))
        object.__setattr__(self, "seeds", check_number_tuple("seeds", self.seeds, minimum=0,
                                                             kind=int))

    @classmethod
    def quick(cls) -> StudyParams:
        """Small ground truths and networks, few passes, 3 ground truths x 1 seed (the fewest
        that give an interval)."""
        return cls(ground_truth=GroundTruthParams.quick(), force=fullforce.ForceParams.quick(),
                   similarity=SimilarityParams.quick(), ground_truth_seeds=(0, 1, 2), seeds=(0,))

    @property
    def units(self) -> list[tuple[int, int]]:
        """Every ``(ground_truth_seed, seed)`` of the study, ground truth first."""
        return [(g, s) for g in self.ground_truth_seeds for s in self.seeds]

    def cell(self) -> dict:
        """The values that define this study's cell of a sweep (the row's factor columns)."""
        return {"cue_epoch": self.force.cue_epoch,
                "training_directions": self.training_directions,
                "neuron_fraction": self.observation.neuron_fraction,
                "muscle_fraction": self.observation.muscle_fraction,
                "hint_gain": self.force.hint_gain,
                "training_noise": self.force.training_noise,
                "n_passes": self.force.n_passes}


#: What each kind of row does *not* depend on; :func:`kind_key` sets those parameters to fixed
#: values, so that one row serves every cell of a sweep that differs only in them (one FF row per
#: muscle fraction, training noise and unit, whatever the neuron fraction and hint gain).
_IGNORES = {
    "ff": ("neuron_fraction", "hint_gain"),
    "ffh": (),
    "hints": ("hint_gain", "training_noise", "n_passes"),
    "floor": ("neuron_fraction", "muscle_fraction", "hint_gain", "training_noise", "n_passes"),
    "ceiling": ("neuron_fraction", "muscle_fraction", "hint_gain", "training_noise", "n_passes"),
    "interpolation": ("hint_gain", "training_noise", "n_passes"),
    "oracle": ("neuron_fraction", "muscle_fraction", "hint_gain", "training_noise", "n_passes"),
    "e_interpolation": ("neuron_fraction", "muscle_fraction", "hint_gain", "training_noise",
                        "n_passes"),
}


def kind_key(params: StudyParams, kind: str) -> StudyParams:
    """``params`` with the values a row of ``kind`` ignores set to fixed ones (see _IGNORES)."""
    ignored = _IGNORES[kind]
    obs, force = params.observation, params.force
    fixed_obs = {"neuron_fraction": min(ObservationParams().neuron_fraction,
                                        obs.max_neuron_fraction),
                 "muscle_fraction": ObservationParams().muscle_fraction}
    fixed_force = {"hint_gain": 0.0, "training_noise": 0.0, "n_passes": 1}
    obs = dataclasses.replace(obs, **{k: v for k, v in fixed_obs.items() if k in ignored})
    force = dataclasses.replace(force, **{k: v for k, v in fixed_force.items() if k in ignored})
    return dataclasses.replace(params, observation=obs, force=force, ground_truth_seeds=(0,),
                               seeds=(0,))


# ----------------------------------------------------------------------------- units


def ground_truth(params: StudyParams, ground_truth_seed: int, *,
                 progress: bool = False) -> GroundTruth:
    """The (cached) ground truth of ``ground_truth_seed``."""
    return make_ground_truth(params.ground_truth, check_seed("ground_truth_seed",
                                                             ground_truth_seed),
                             progress=progress)


def observation(params: StudyParams, gt: GroundTruth, ground_truth_seed: int,
                seed: int) -> Observation:
    """What the unit ``(ground_truth_seed, seed)`` observes of ``gt``."""
    return observe(gt.n_neurons, gt.n_muscles, params.observation, ground_truth_seed, seed)


def train_network(params: StudyParams, ground_truth_seed: int, seed: int, network: str, *,
                  progress: bool = False, gt: GroundTruth | None = None,
                  obs: Observation | None = None) -> fullforce.TrainedRNN:
    """FF or FFH of a unit, trained on the unit's trained directions (cached).

    Targets: the observed muscles of the trained directions' EMG (:func:`direction_split`); FFH's
    hints: the observed neurons' rates there. The seed key of the weights and noise is
    ``(ground_truth_seed, seed)``.
    """
    if network not in NETWORKS:
        raise ValueError(f"network must be one of {NETWORKS}; got {network!r}")
    gt = ground_truth(params, ground_truth_seed) if gt is None else gt
    obs = observation(params, gt, ground_truth_seed, seed) if obs is None else obs
    tr, _ = direction_split(params, gt)
    hinted = network == "ffh"
    return fullforce.train(
        obs.muscles(tr.emg), tr.angles, tr.time_ms, params.force, (ground_truth_seed, seed),
        hints=obs.neurons(tr.rates) if hinted else None, output_ids=obs.muscle_idx,
        hint_ids=obs.neuron_idx if hinted else None, progress=progress, use_cache=True)


@dataclasses.dataclass(frozen=True)
class TrainedPair:
    """FF and FFH of one unit, with the ground truth and the observation they were trained on."""

    ground_truth_seed: int
    seed: int
    ground_truth: GroundTruth
    observation: Observation
    ff: fullforce.TrainedRNN
    ffh: fullforce.TrainedRNN

    def network(self, name: str) -> fullforce.TrainedRNN:
        """``ff`` or ``ffh`` by name."""
        if name not in NETWORKS:
            raise ValueError(f"name must be one of {NETWORKS}; got {name!r}")
        return getattr(self, name)


def train_pair(params: StudyParams, ground_truth_seed: int, seed: int, *,
               progress: bool = False) -> TrainedPair:
    """FF and FFH of the unit ``(ground_truth_seed, seed)``: the one pair API of the book.

    Both networks come from the on-disk cache when they exist, so every chapter evaluates exactly
    the networks every other chapter trained for the same parameters and unit.
    """
    gt = ground_truth(params, ground_truth_seed, progress=progress)
    obs = observation(params, gt, ground_truth_seed, seed)
    nets = {name: train_network(params, ground_truth_seed, seed, name, progress=progress, gt=gt,
                                obs=obs) for name in NETWORKS}
    return TrainedPair(ground_truth_seed=ground_truth_seed, seed=seed, ground_truth=gt,
                       observation=obs, **nets)


# ----------------------------------------------------------------------------- scores


def _cell_columns(params: StudyParams, kind: str) -> dict:
    cell = params.cell()
    if kind == "ff":
        cell.update(neuron_fraction=0.0, hint_gain=0.0)
    elif kind == "hints":
        cell.update(hint_gain=math.nan, training_noise=math.nan, n_passes=0)
    elif kind == "interpolation":
        cell.update(hint_gain=math.nan, training_noise=math.nan, n_passes=0)
    elif kind in ("floor", "ceiling", "oracle", "e_interpolation"):
        cell.update(neuron_fraction=math.nan, muscle_fraction=math.nan, hint_gain=math.nan,
                    training_noise=math.nan, n_passes=0)
    return cell


def direction_split(params: StudyParams, gt: GroundTruth) -> tuple[GroundTruth, GroundTruth]:
    """The trained and the untrained directions of a unit's ground truth.

    With ``training_directions="all"``: the ground truth's training directions and its
    intermediate ones. With ``"half"``: every other training direction (the first, third, ...);
    all the ground truth's other directions are untrained, so that the interpolation between
    trained directions spans twice the gap.
    """
    if params.training_directions == "all":
        return gt.training, gt.intermediate
    kept = gt.is_training & (np.cumsum(gt.is_training) % 2 == 1)
    others = np.flatnonzero(~kept)
    others = others[np.argsort(np.mod(gt.angles[others], 2 * np.pi), kind="stable")]
    return gt.select(kept), gt.select(others)


def _network_activity(kind, net, obs, trained, untrained):
    """What a network (FF, FFH, the untrained floor) is scored with, and its EMG measures."""
    act = fullforce.simulate(net, trained.angles, time_ms=trained.time_ms)
    held = fullforce.simulate(net, untrained.angles, time_ms=untrained.time_ms)
    extra = {}
    if kind != "floor":
        extra = {"fit_r2": net.r2, "train_seconds": net.seconds,
                 "gen_err": emg_error(held.output, obs.muscles(untrained.emg)).overall}
    halves = obs.evaluation.halves
    return extra, {"trained": [(h, act.rates) for h in halves],
                   "untrained": [(h, held.rates) for h in halves], "whole": act.rates}


def _reference_rows(kind, obs, trained, untrained):
    """The measures of the references that no training produces."""
    halves = obs.evaluation.halves
    rec_trained, rec_untrained = obs.neurons(trained.rates), obs.neurons(untrained.rates)
    if kind == "hints":
        return {}, {"trained": [(h, rec_trained) for h in halves],
                    "untrained": [(h, rec_untrained) for h in halves]}
    if kind == "interpolation":
        guess = angular_interpolation(rec_trained, trained.angles, untrained.angles)
        emg = angular_interpolation(obs.muscles(trained.emg), trained.angles, untrained.angles)
        return ({"gen_err": emg_error(emg, obs.muscles(untrained.emg)).overall},
                {"trained": None, "untrained": [(h, guess) for h in halves]})
    if kind == "ceiling":
        a, b = halves
        return {}, {"trained": [(a, trained.rates[..., b])],
                    "untrained": [(a, untrained.rates[..., b])]}
    if kind == "oracle":
        rest = [oracle_activity(trained.rates, halves, k) for k in range(2)]
        rest_new = [oracle_activity(untrained.rates, halves, k) for k in range(2)]
        return {}, {"trained": list(zip(halves, rest, strict=True)),
                    "untrained": list(zip(halves, rest_new, strict=True))}
    if kind == "e_interpolation":
        e = obs.evaluation.neurons
        guess = angular_interpolation(trained.rates, trained.angles, untrained.angles)
        return (interpolation_r2(trained.rates[..., e], guess[..., e], untrained.rates[..., e]),
                {"trained": None, "untrained": [(h, guess[..., h]) for h in halves]})
    raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")


def _score(params: StudyParams, ground_truth_seed: int, seed: int, kind: str) -> ScoreRow:
    start = time.perf_counter()
    gt = ground_truth(params, ground_truth_seed)
    obs = observation(params, gt, ground_truth_seed, seed)
    trained, untrained = direction_split(params, gt)
    getting_network = 0.0
    if kind in NETWORKS:
        before = time.perf_counter()
        net = train_network(params, ground_truth_seed, seed, kind, gt=gt, obs=obs)
        getting_network = time.perf_counter() - before
        extra, activity = _network_activity(kind, net, obs, trained, untrained)
    elif kind == "floor":
        net = fullforce.untrained(params.force, n_outputs=obs.muscle_idx.size,
                                  angles=trained.angles, time_ms=trained.time_ms,
                                  seed=(ground_truth_seed, seed))
        extra, activity = _network_activity(kind, net, obs, trained, untrained)
    else:
        extra, activity = _reference_rows(kind, obs, trained, untrained)
    sim = params.similarity
    measures = similarity_measures(trained.rates, untrained.rates, trained=activity["trained"],
                                   untrained=activity["untrained"], dims=sim.pca_dims,
                                   dim=sim.pca_dim, whole=activity.get("whole"))
    for name in ("r2_interp_e", "r2_interp_cd_e", "shared_share_e"):
        if name in extra:
            measures[name] = extra.pop(name)
    values = {"fit_r2": math.nan, "gen_err": math.nan, "train_seconds": 0.0, **extra}
    return ScoreRow(ground_truth=ground_truth_seed, seed=seed, network=kind,
                    **_cell_columns(params, kind), fit_r2=float(values["fit_r2"]),
                    gen_err=float(values["gen_err"]), **measures,
                    train_seconds=float(values["train_seconds"]),
                    seconds=time.perf_counter() - start - getting_network,
                    worker=worker_name())


def score(params: StudyParams, ground_truth_seed: int, seed: int, kind: str, *,
          use_cache: bool = True) -> ScoreRow:
    """The row of one kind of activity in the unit ``(ground_truth_seed, seed)`` (cached).

    Parameters
    ----------
    params : StudyParams
        Its ``ground_truth_seeds`` and ``seeds`` are not used (the unit is given).
    ground_truth_seed, seed : int
    kind : str
        One of :data:`KINDS`.
    use_cache : bool

    Returns
    -------
    ScoreRow
    """
    if not isinstance(params, StudyParams):
        raise TypeError(f"params must be StudyParams, got {type(params).__name__}")
    ground_truth_seed = check_seed("ground_truth_seed", ground_truth_seed)
    seed = check_seed("seed", seed)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    row, _ = score_task(params, ground_truth_seed, seed, kind,
                        use_cache=check_bool("use_cache", use_cache))
    return row


def score_task(params: StudyParams, ground_truth_seed: int, seed: int, kind: str, *,
               use_cache: bool = True):
    """:func:`score` as a task: ``(row, hit)``, ``hit`` True if the row was read from disk."""
    key = kind_key(params, kind)
    return cached_result("study_row", {"params": key, "ground_truth_seed": ground_truth_seed,
                                       "seed": seed, "kind": kind},
                         lambda: _score(key, ground_truth_seed, seed, kind), ScoreRow,
                         module=__name__, enabled=use_cache)


def ground_truth_task(params: StudyParams, ground_truth_seed: int) -> float:
    """Build (or load) one ground truth, as a task; returns its gain-fit R²."""
    return ground_truth(params, ground_truth_seed).r2


# ----------------------------------------------------------------------------- the table


def check_reported(ground_truth_seeds: Iterable[int], calibration: bool) -> None:
    """Calibration ground truths never enter a reported study (and vice versa)."""
    reserved = sorted(set(ground_truth_seeds) & set(CALIBRATION_GROUND_TRUTHS))
    if reserved and not calibration:
        raise ValueError(f"ground_truth_seeds {reserved} are reserved for calibration "
                         f"({CALIBRATION_GROUND_TRUTHS}) and never reported; choose others")
    if calibration and set(ground_truth_seeds) - set(CALIBRATION_GROUND_TRUTHS):
        raise ValueError(f"a calibration study uses only the ground truths "
                         f"{CALIBRATION_GROUND_TRUTHS}")


def reported_unit(params: StudyParams, ground_truth_seed: int,
                  seed: int) -> tuple[StudyParams, int, int]:
    """Check one reported unit ``(ground_truth_seed, seed)`` of ``params`` before any work.

    Returns
    -------
    unit_params : StudyParams
        ``params`` without its lists of units, the part a unit's cache key depends on (a unit's
        results do not change with the other units of the study).
    ground_truth_seed, seed : int
        The checked seeds.
    """
    if not isinstance(params, StudyParams):
        raise TypeError(f"params must be StudyParams, got {type(params).__name__}")
    ground_truth_seed = check_seed("ground_truth_seed", ground_truth_seed)
    seed = check_seed("seed", seed)
    check_reported((ground_truth_seed,), calibration=False)
    return (dataclasses.replace(params, ground_truth_seeds=(0,), seeds=(0,)), ground_truth_seed,
            seed)


def run_study(params: StudyParams, *, kinds: Sequence[str] = KINDS, executor=None,
              progress: bool = True, calibration: bool = False):
    """Every row of every unit of ``params``: a tidy table (one row per unit and kind).

    Parameters
    ----------
    params : StudyParams
    kinds : sequence of str
        Which kinds of row to compute (default all of :data:`KINDS`).
    executor : ffhlib.parallel executor, optional
        Where tasks run (default: serially in this process). The table does not depend on it.
    progress : bool
    calibration : bool
        Only calibrating code sets this: it allows the calibration ground truths, which any
        reported study refuses (:data:`CALIBRATION_GROUND_TRUTHS`).

    Returns
    -------
    pandas.DataFrame
        Columns of :class:`ScoreRow` (per-d arrays expanded) plus ``cached`` (the row was read
        from disk) and ``error`` (empty unless the task failed: then the measures are NaN).
    """
    if not isinstance(params, StudyParams):
        raise TypeError(f"params must be StudyParams, got {type(params).__name__}")
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}; got {kinds}")
    check_reported(params.ground_truth_seeds, calibration)
    # Ground truths first, each once (workers would otherwise build the same one at once).
    gt_outcomes = run_tasks(ground_truth_task, [(params, g) for g in params.ground_truth_seeds],
                            executor, progress=progress, desc="ground truths")
    failed = [o for o in gt_outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"ground truth {params.ground_truth_seeds[failed[0].index]} failed: "
                           f"{failed[0].error}")
    jobs = [(params, g, s, k) for g, s in params.units for k in kinds]
    outcomes = run_tasks(score_task, jobs, executor, progress=progress, desc="study rows")
    return outcomes_to_frame(jobs, outcomes, params.similarity.pca_dims)


def outcomes_to_frame(jobs, outcomes, dims):
    """The table of task outcomes: failed tasks become rows with NaN measures and their error."""
    rows, cached, errors = [], [], []
    for (p, g, s, k), outcome in zip(jobs, outcomes, strict=True):
        if outcome.ok:
            row, hit = outcome.value
        else:
            row, hit = _failed_row(p, g, s, k, outcome), False
        rows.append(row)
        cached.append(bool(hit))
        errors.append(outcome.error)
    frame = rows_to_frame(rows, dims)
    frame["cached"] = cached
    frame["error"] = errors
    return frame


def _failed_row(params: StudyParams, ground_truth_seed: int, seed: int, kind: str,
                outcome) -> ScoreRow:
    return ScoreRow(ground_truth=ground_truth_seed, seed=seed, network=kind,
                    **_cell_columns(params, kind), fit_r2=math.nan, gen_err=math.nan,
                    **empty_measures(len(params.similarity.pca_dims)), train_seconds=math.nan,
                    seconds=outcome.seconds, worker=outcome.worker)
