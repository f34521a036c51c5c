"""The rivals of FFH (chapter 09): other ways to build a circuit model from the same data, as rows
of the study table.

==============  ==============================================================================
``ff_tau``      full-FORCE without hints, with the networks' time constant set to the SOC's
                (200 ms) and its settings recalibrated (:mod:`ffhlib.fullforce`)
``ffh_tau``     the same with hints: separates "hints" from "time scale"
``bptt``        a rate RNN trained by backpropagation through time on the EMG alone, with rate
                and weight regularisation (Sussillo et al. 2015; :mod:`ffhlib.bptt`)
``bptt_rec``    the same plus an activity loss: a learned linear readout of its units reproduces
                the recorded neurons (the gradient-trained counterpart of FFH)
``pinned``      data-constrained units (PINning, Rajan et al. 2016; CURBD, Perich et al. 2020):
                as many of the network's own units as there are recorded neurons are trained by
                RLS to follow them, with the EMG readout on top (:mod:`ffhlib.pinned`)
==============  ==============================================================================

Every rival is trained on the unit's trained directions (:func:`ffhlib.study.direction_split`)
with the study's trial design and seed key ``(ground_truth_seed, seed)``, and scored by the
measures of every other row (:func:`ffhlib.scoring.similarity_measures`).

**Epoch convention of the rivals that use recordings** (one for both, fixed before any run): the
recorded rates, z-scored per neuron and times a gain, constrain the network on the **movement
epoch only**: ``bptt_rec``'s activity loss covers the dt steps of the movement epoch
(:mod:`ffhlib.bptt`), ``pinned``'s units have targets there only (:mod:`ffhlib.pinned`); nothing
constrains their preparatory activity to the recordings. FFH's hints differ: their value at
movement onset is held through the preparatory period (:func:`ffhlib.trials.to_trial_grid`), and
``ffh_tau``, FFH with another time constant, keeps FFH's hints as they are.

:func:`simulate` runs any network of the book (a :class:`~ffhlib.rnn.TrainedRNN` or a
:class:`~ffhlib.bptt.BPTTNetwork`); :func:`run_study` gives the one study table with the FF/FFH
rows and the references of :func:`ffhlib.study.run_study` (their cache entries unchanged) and the
rivals' rows beside them. A rival whose training diverges becomes a failed row (its ``error``
names the divergence; every measure NaN), never a row of NaN measures passed off as a result.
The rivals' robustness measures (input noise, cue switch, dynamical similarity with E) are
:mod:`ffhlib.rival_measures`.

JAX is imported by :mod:`ffhlib.bptt` inside its functions only: the parent process of a chapter
never imports it before its worker processes start.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence

from . import bptt as _bptt
from . import force_rivals, fullforce, rnn, study
from . import pinned as _pinned
from ._host import worker_name
from ._params import param
from ._validate import check_bool, check_seed
from .cache import cached_result
from .metrics import emg_error
from .parallel import run_tasks
from .scoring import ScoreRow, similarity_measures
from .study import StudyParams

__all__ = ["DATA_NEEDED", "ENGINE_PACKAGES", "KINDS", "RIVALS", "USES_RECORDINGS",
           "RivalParams", "engine_versions", "rival_key", "run_study", "score", "score_task",
           "simulate", "train_rival"]

#: The rivals, in table order.
RIVALS = ("ff_tau", "ffh_tau", "bptt", "bptt_rec", "pinned")
#: Every kind of row of a study with rivals.
KINDS = study.KINDS + RIVALS
#: The rivals trained on recordings as well as the EMG.
USES_RECORDINGS = ("ffh_tau", "bptt_rec", "pinned")
#: What each network needs from the lab, for the chapter's table.
DATA_NEEDED = {"ff": "EMG", "ffh": "EMG + recordings",
               **{r: "EMG + recordings" if r in USES_RECORDINGS else "EMG" for r in RIVALS}}
#: The packages of the BPTT engine whose versions enter the cache keys of BPTT rows.
ENGINE_PACKAGES = ("jax", "jaxlib", "optax")
_BPTT_KINDS = ("bptt", "bptt_rec")
#: The BPTT rivals' rate penalty and activity-loss weight, chosen by the rule of
#: :mod:`ffhlib.bptt_calibration` from its record (a test checks that the rule gives these).
_BPTT_RATE_L2 = 0.1
_BPTT_ACTIVITY_L2 = 10.0
#: The quick mode's BPTT networks (a few seconds each).
_QUICK_BPTT = _bptt.BPTTParams(n_units=50, steps=80, rate_l2=_BPTT_RATE_L2)


def engine_versions() -> dict[str, str]:
    """The installed versions of :data:`ENGINE_PACKAGES` (read without importing JAX)."""
    return _bptt.library_versions()


@dataclasses.dataclass(frozen=True)
class RivalParams:
    """The rivals' own settings (each calibrated on the calibration ground truths).

    The study's ground truths, observation, similarity and trial design are the study's
    (:class:`~ffhlib.study.StudyParams`); these are what the rivals train with. They are kept out
    of ``StudyParams``, so that the cache entries of every FF, FFH and reference row stay those
    of the other chapters.
    """

    force_tau: fullforce.ForceParams = param(
        force_rivals.tau_matched_force(), doc="full-FORCE of ff_tau and ffh_tau (time constant "
        "the SOC's)", provenance="calibrated")
    bptt: _bptt.BPTTParams = param(_bptt.BPTTParams(rate_l2=_BPTT_RATE_L2),
                                  doc="BPTT on the EMG alone (bptt)", provenance="calibrated")
    bptt_rec: _bptt.BPTTParams = param(
        _bptt.BPTTParams(rate_l2=_BPTT_RATE_L2, activity_l2=_BPTT_ACTIVITY_L2),
        doc="BPTT with the activity loss on the recorded neurons (bptt_rec)",
        provenance="calibrated")
    pinned: _pinned.PinnedParams = param(_pinned.PinnedParams(), doc="data-constrained units "
                                        "(pinned)", provenance="calibrated")

    def __post_init__(self):
        for name, cls in (("force_tau", fullforce.ForceParams), ("bptt", _bptt.BPTTParams),
                          ("bptt_rec", _bptt.BPTTParams), ("pinned", _pinned.PinnedParams)):
            if not isinstance(getattr(self, name), cls):
                raise TypeError(f"{name} must be {cls.__name__}, got "
                                f"{type(getattr(self, name)).__name__}")

    def of(self, kind: str):
        """The parameters rival ``kind`` trains with."""
        _check_rival(kind)
        return {"ff_tau": self.force_tau, "ffh_tau": self.force_tau, "bptt": self.bptt,
                "bptt_rec": self.bptt_rec, "pinned": self.pinned}[kind]

    @classmethod
    def quick(cls) -> RivalParams:
        """Small networks, few passes and steps: the chapters' quick mode."""
        return cls(force_tau=force_rivals.tau_matched_force(fullforce.ForceParams.quick()),
                   bptt=_QUICK_BPTT,
                   bptt_rec=dataclasses.replace(_QUICK_BPTT, activity_l2=_BPTT_ACTIVITY_L2),
                   pinned=dataclasses.replace(_pinned.PinnedParams(), n_units=100, n_passes=3))


def _check_rival(kind: str) -> None:
    if kind not in RIVALS:
        raise ValueError(f"kind must be one of {RIVALS}; got {kind!r}")


def _check_design(params: StudyParams, rival) -> None:
    """A rival runs the study's trial design (direction input, preparation, go pulse)."""
    own = params.force
    for name in ("cue_epoch", "prep_ms", "go_ms", "go_amplitude", "input_scale"):
        if getattr(rival, name) != getattr(own, name):
            raise ValueError(f"the rival's {name} ({getattr(rival, name)!r}) must be the study's "
                             f"({getattr(own, name)!r}): every network runs one trial design")


# ----------------------------------------------------------------------------- networks


def simulate(net, angles, **options) -> rnn.RNNActivity:
    """Run any network of the book: :func:`ffhlib.rnn.simulate` for a
    :class:`~ffhlib.rnn.TrainedRNN` (FF, FFH, ff_tau, ffh_tau, pinned, the floor),
    :func:`ffhlib.bptt.simulate` for a :class:`~ffhlib.bptt.BPTTNetwork`. ``options`` are
    theirs (``time_ms``, ``input_noise``, ``noise_seed``, ``prep_ms``, ``switch_angles``,
    ``switch_ms``)."""
    if isinstance(net, rnn.TrainedRNN):
        return rnn.simulate(net, angles, **options)
    if isinstance(net, _bptt.BPTTNetwork):
        return _bptt.simulate(net, angles, **options)
    raise TypeError(f"net must be a TrainedRNN or a BPTTNetwork, got {type(net).__name__}")


def train_rival(params: StudyParams, rivals: RivalParams, ground_truth_seed: int, seed: int,
                kind: str, *, gt=None, obs=None, progress: bool = False):
    """Rival ``kind`` of the unit ``(ground_truth_seed, seed)``, trained on its trained
    directions (cached by its trainer).

    Targets: the observed muscles' EMG there; recordings (``ffh_tau``, ``bptt_rec``,
    ``pinned``): the observed neurons' rates there.

    Returns
    -------
    TrainedRNN or BPTTNetwork
    """
    _check_rival(kind)
    own = rivals.of(kind)
    _check_design(params, own)
    gt = study.ground_truth(params, ground_truth_seed) if gt is None else gt
    obs = study.observation(params, gt, ground_truth_seed, seed) if obs is None else obs
    tr, _ = study.direction_split(params, gt)
    targets, recordings = obs.muscles(tr.emg), obs.neurons(tr.rates)
    key = (ground_truth_seed, seed)
    if kind in ("ff_tau", "ffh_tau"):
        hinted = kind == "ffh_tau"
        return fullforce.train(targets, tr.angles, tr.time_ms, own, key,
                               hints=recordings if hinted else None, output_ids=obs.muscle_idx,
                               hint_ids=obs.neuron_idx if hinted else None, progress=progress,
                               use_cache=True)
    if kind in _BPTT_KINDS:
        return _bptt.train(targets, tr.angles, tr.time_ms, own, key,
                          hints=recordings if kind == "bptt_rec" else None, progress=progress,
                          use_cache=True)
    return _pinned.train(targets, tr.angles, tr.time_ms, own, key, hints=recordings,
                        progress=progress, use_cache=True)


# ----------------------------------------------------------------------------- rows


def _cell_columns(params: StudyParams, rivals: RivalParams, kind: str) -> dict:
    """The cell of a rival's row: its own gain of the recordings, noise and passes."""
    cell = params.cell()
    own = rivals.of(kind)
    recorded = kind in USES_RECORDINGS
    cell.update(neuron_fraction=cell["neuron_fraction"] if recorded else 0.0)
    if kind in ("ff_tau", "ffh_tau"):
        cell.update(hint_gain=own.hint_gain if recorded else 0.0,
                    training_noise=own.training_noise, n_passes=own.n_passes)
    elif kind in _BPTT_KINDS:
        cell.update(hint_gain=own.activity_gain if recorded else 0.0, training_noise=math.nan,
                    n_passes=0)
    else:
        cell.update(hint_gain=math.nan, training_noise=math.nan, n_passes=0)
    return cell


def rival_key(params: StudyParams, rivals: RivalParams, kind: str) -> dict:
    """What a rival's row depends on: the study's ground truth, observation, similarity and
    trial design (not its FF/FFH settings), the rival's own parameters and, for BPTT, the
    versions of JAX, jaxlib and optax (the dtype is a field of its parameters)."""
    _check_rival(kind)
    proxy = "ffh" if kind in USES_RECORDINGS else "ff"
    unit = study.kind_key(params, proxy)
    design = {n: getattr(params.force, n)
              for n in ("cue_epoch", "prep_ms", "go_ms", "go_amplitude", "input_scale")}
    unit = dataclasses.replace(unit, force=dataclasses.replace(fullforce.ForceParams(), **design))
    key = {"params": unit, "rival": rivals.of(kind), "kind": kind}
    if kind in _BPTT_KINDS:
        key["engine"] = engine_versions()
    return key


def _score(params: StudyParams, rivals: RivalParams, ground_truth_seed: int, seed: int,
           kind: str) -> ScoreRow:
    start = time.perf_counter()
    gt = study.ground_truth(params, ground_truth_seed)
    obs = study.observation(params, gt, ground_truth_seed, seed)
    trained, untrained = study.direction_split(params, gt)
    before = time.perf_counter()
    net = train_rival(params, rivals, ground_truth_seed, seed, kind, gt=gt, obs=obs)
    getting_network = time.perf_counter() - before
    act = simulate(net, trained.angles, time_ms=trained.time_ms)
    held = simulate(net, untrained.angles, time_ms=untrained.time_ms)
    halves = obs.evaluation.halves
    sim = params.similarity
    measures = similarity_measures(trained.rates, untrained.rates,
                                   trained=[(h, act.rates) for h in halves],
                                   untrained=[(h, held.rates) for h in halves],
                                   dims=sim.pca_dims, dim=sim.pca_dim, whole=act.rates)
    return ScoreRow(ground_truth=ground_truth_seed, seed=seed, network=kind,
                    **_cell_columns(params, rivals, kind), fit_r2=float(net.r2),
                    gen_err=float(emg_error(held.output, obs.muscles(untrained.emg)).overall),
                    **measures, train_seconds=float(net.seconds),
                    seconds=time.perf_counter() - start - getting_network, worker=worker_name())


def score_task(params: StudyParams, rivals: RivalParams, ground_truth_seed: int, seed: int,
               kind: str, *, use_cache: bool = True):
    """The row of any kind (:data:`KINDS`) of the unit as a task: ``(row, hit)``.

    FF, FFH and the references are :func:`ffhlib.study.score_task`'s rows (the same cache
    entries); a rival's row is cached under :func:`rival_key`.
    """
    if kind in study.KINDS:
        return study.score_task(params, ground_truth_seed, seed, kind, use_cache=use_cache)
    key = rival_key(params, rivals, kind)
    key.update(ground_truth_seed=ground_truth_seed, seed=seed)
    return cached_result("rival_row", key,
                         lambda: _score(params, rivals, ground_truth_seed, seed, kind),
                         ScoreRow, module=__name__, enabled=use_cache)


def score(params: StudyParams, rivals: RivalParams, ground_truth_seed: int, seed: int,
          kind: str, *, use_cache: bool = True) -> ScoreRow:
    """The row of one kind (:data:`KINDS`) in the unit ``(ground_truth_seed, seed)`` (cached)."""
    params, rivals, kinds = _checked(params, rivals, (kind,))
    ground_truth_seed = check_seed("ground_truth_seed", ground_truth_seed)
    seed = check_seed("seed", seed)
    row, _ = score_task(params, rivals, ground_truth_seed, seed, kinds[0],
                        use_cache=check_bool("use_cache", use_cache))
    return row


def _checked(params, rivals, kinds):
    if not isinstance(params, StudyParams):
        raise TypeError(f"params must be StudyParams, got {type(params).__name__}")
    if not isinstance(rivals, RivalParams):
        raise TypeError(f"rivals must be RivalParams, got {type(rivals).__name__}")
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}; got {kinds}")
    for kind in kinds:
        if kind in RIVALS:
            _check_design(params, rivals.of(kind))
    return params, rivals, kinds


#: The order tasks are submitted in: the longest first, so that workers finish together.
_SUBMIT_ORDER = ("bptt_rec", "bptt", "pinned", "ffh_tau", "ff_tau", "ffh", "ff")


def run_study(params: StudyParams, rivals: RivalParams, *, kinds: Sequence[str] = KINDS,
              executor=None, progress: bool = True):
    """Every row of every unit of ``params``, rivals included: one tidy table.

    Parameters
    ----------
    params : StudyParams
    rivals : RivalParams
    kinds : sequence of str
        Kinds of row (:data:`KINDS`: the study's and the rivals').
    executor : ffhlib.parallel executor, optional
        Where tasks run (default: serially in this process). The table does not depend on it.
    progress : bool

    Returns
    -------
    pandas.DataFrame
        :func:`ffhlib.study.run_study`'s columns, rows in the order of units and ``kinds``. A
        task that failed (e.g. a diverging training: ``error`` is
        ``ffhlib.errors.DivergenceError: ...``) is a row with NaN measures and its error.
    """
    params, rivals, kinds = _checked(params, rivals, kinds)
    study.check_reported(params.ground_truth_seeds, calibration=False)
    gt_outcomes = run_tasks(study.ground_truth_task,
                            [(params, g) for g in params.ground_truth_seeds], executor,
                            progress=progress, desc="ground truths")
    failed = [o for o in gt_outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"ground truth {params.ground_truth_seeds[failed[0].index]} failed: "
                           f"{failed[0].error}")
    jobs = [(params, rivals, g, s, k) for g, s in params.units for k in kinds]
    rank = {k: i for i, k in enumerate(_SUBMIT_ORDER)}
    order = sorted(range(len(jobs)), key=lambda i: rank.get(jobs[i][4], len(rank)))
    outcomes = run_tasks(score_task, [jobs[i] for i in order], executor, progress=progress,
                         desc="study rows")
    by_job = [None] * len(jobs)
    for i, outcome in zip(order, outcomes, strict=True):
        by_job[i] = dataclasses.replace(outcome, index=i)
    return study.outcomes_to_frame([(p, g, s, k) for p, _, g, s, k in jobs], by_job,
                                   params.similarity.pca_dims)
