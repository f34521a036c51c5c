"""Generalization and robustness of the study's networks, beyond the untrained directions.

Salatiello & Giese (2020) state that FFH "significantly improves" generalization over FF; the
protocol is not given, so every test here is a choice, stated where it is made. The primary test,
the error on untrained reach directions (half-way between the trained ones), is a column of the
study table itself (:mod:`ffhlib.study`, ``gen_err``, beside the network-free angular
interpolation). This module adds, on the same cached networks:

1. **Unobserved muscles** (:func:`evaluate_unit`): a ridge readout of the muscles the networks never
   saw from each network's units, cross-validated over *directions*; the same readout from the
   observed SOC neurons and from all SOC neurons brackets the networks.
2. **Robustness to input noise** (after Kao 2019): Gaussian noise on every input channel at test
   time; the EMG error and the similarity with the evaluation set as functions of its size. Every
   noisy trial has its own seed, spawned from the unit's ``test_noise`` stream, and FF and FFH of a
   unit receive identical noise (paired).
3. **Leave one direction out** (:func:`leave_one_out`): FF and FFH trained again on all training
   directions but one and tested on it, beside the angular interpolation of its two neighbours.
4. **Training noise** (:func:`run_training_noise`): the primary test repeated with the networks
   trained at other state-noise levels.

The chapter's summaries of these tables are in :mod:`ffhlib.generalization_summary`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from . import fullforce
from ._params import param
from ._validate import check_float, check_int
from .cache import cached_result
from .metrics import (
    angular_interpolation,
    check_number_tuple,
    cross_validated_readout,
    emg_error,
    leave_one_out_folds,
)
from .seeds import spawn_seeds
from .similarity import compare_dims
from .study import (
    NETWORKS,
    StudyParams,
    check_reported,
    ground_truth,
    observation,
    reported_unit,
    run_study,
    train_pair,
)

__all__ = [
    "EVALUATION_KINDS",
    "LOO_KINDS",
    "GeneralizationParams",
    "LeaveOneOutRow",
    "UnitGeneralization",
    "UntrainedExample",
    "evaluate_unit",
    "leave_one_out",
    "loo_direction",
    "run_evaluations",
    "run_leave_one_out",
    "run_training_noise",
    "untrained_example",
]


@dataclasses.dataclass(frozen=True)
class GeneralizationParams:
    """How the networks are tested beyond the untrained directions.

    The networks themselves (size, passes, training noise, hint gain) are the study's; these
    parameters only say how they are tested.
    """

    input_noise_sigmas: tuple = param(
        (0.0, 0.1, 0.2, 0.4, 0.8),
        doc="std of the Gaussian noise added to every input channel at every step at test time "
            "(the inputs are cos and sin of the reach angle and a go pulse of 1)",
        unit="input units", provenance="choice")
    noise_sigma: float = param(
        0.4, doc="the input-noise std whose paired FF/FFH comparison is quoted",
        unit="input units", provenance="choice")
    noise_trials: int = param(
        4, doc="noisy trials per direction and noise level (errors are averaged over them)",
        provenance="choice")
    ridge_penalty: float = param(
        0.1, doc="ridge penalty of the unobserved-muscle readout, relative to the mean feature "
                 "variance times the number of samples", provenance="choice")
    ridge_penalties: tuple = param(
        (1e-3, 1e-2, 1e-1, 1.0),
        doc="relative ridge penalties of the readout's sensitivity sweep (must hold "
            "ridge_penalty)", provenance="choice")
    readout_folds: int = param(
        8, doc="folds over the training directions for the unobserved-muscle readout "
               "(8 = leave one direction out)", provenance="choice")

    def __post_init__(self):
        sigmas = check_number_tuple("input_noise_sigmas", self.input_noise_sigmas, minimum=0.0)
        object.__setattr__(self, "input_noise_sigmas", sigmas)
        check_float("noise_sigma", self.noise_sigma, minimum=0.0)
        if self.noise_sigma not in sigmas:
            raise ValueError(f"noise_sigma={self.noise_sigma} must be one of input_noise_sigmas "
                             f"{sigmas}")
        check_int("noise_trials", self.noise_trials, minimum=1)
        check_float("ridge_penalty", self.ridge_penalty, minimum=0.0)
        penalties = check_number_tuple("ridge_penalties", self.ridge_penalties, minimum=0.0)
        object.__setattr__(self, "ridge_penalties", penalties)
        if self.ridge_penalty not in penalties:
            raise ValueError(f"ridge_penalty={self.ridge_penalty} must be one of ridge_penalties "
                             f"{penalties}")
        check_int("readout_folds", self.readout_folds, minimum=2)

    @classmethod
    def quick(cls) -> GeneralizationParams:
        """Reduced preset for quick mode: three noise levels, two trials, four folds."""
        return cls(input_noise_sigmas=(0.0, 0.4, 0.8), noise_trials=2, readout_folds=4)


@dataclasses.dataclass(frozen=True)
class UnitGeneralization:
    """The tests of one kind of activity in one unit.

    Attributes
    ----------
    ground_truth, seed : int
    network : str
        ``ff``, ``ffh``, ``hints`` (the observed SOC neurons) or ``soc`` (all SOC neurons).
    unobs_r2 : float
        Held-out R^2 of the ridge readout of the unobserved muscles at ``ridge_penalty``.
    unobs_r2_penalties : ndarray (len(ridge_penalties),)
    noise_err : ndarray (len(input_noise_sigmas),)
        EMG error (``1 - R^2``, observed muscles, training directions) under input noise, mean
        over the noisy trials (NaN for the SOC rows: the SOC has no input to perturb).
    noise_cca : ndarray (len(input_noise_sigmas),)
        Mean canonical correlation with the evaluation set (each half in turn) under noise.
    """

    ground_truth: int
    seed: int
    network: str
    unobs_r2: float
    unobs_r2_penalties: np.ndarray
    noise_err: np.ndarray
    noise_cca: np.ndarray


def _readout_scores(rates, unobserved, gen: GeneralizationParams) -> tuple[float, np.ndarray]:
    n_folds = min(gen.readout_folds, rates.shape[0])
    sweep = np.array([cross_validated_readout(rates, unobserved, penalty=p, n_folds=n_folds).r2
                      for p in gen.ridge_penalties])
    return float(sweep[gen.ridge_penalties.index(gen.ridge_penalty)]), sweep


def _evaluate(params: StudyParams, gen: GeneralizationParams, ground_truth_seed: int, seed: int,
              network: str) -> UnitGeneralization:
    gt = ground_truth(params, ground_truth_seed)
    obs = observation(params, gt, ground_truth_seed, seed)
    train = gt.training
    unobserved = obs.unobserved_muscles(train.emg)
    nan = np.full(len(gen.input_noise_sigmas), np.nan)
    if network in NETWORKS:
        net = train_pair(params, ground_truth_seed, seed).network(network)
        act = fullforce.simulate(net, train.angles, time_ms=train.time_ms)
        rates = act.rates
        noise_err, noise_cca = _noise_curves(params, gen, net, gt, obs, ground_truth_seed, seed)
    elif network == "hints":
        rates, noise_err, noise_cca = obs.neurons(train.rates), nan, nan.copy()
    elif network == "soc":
        rates, noise_err, noise_cca = train.rates, nan, nan.copy()
    else:
        raise ValueError(f"network must be one of {NETWORKS + ('hints', 'soc')}; got {network!r}")
    if unobserved.shape[-1]:
        unobs_r2, sweep = _readout_scores(rates, unobserved, gen)
    else:
        unobs_r2, sweep = math.nan, np.full(len(gen.ridge_penalties), np.nan)
    return UnitGeneralization(ground_truth=ground_truth_seed, seed=seed, network=network,
                              unobs_r2=unobs_r2, unobs_r2_penalties=sweep, noise_err=noise_err,
                              noise_cca=noise_cca)


def _noise_curves(params, gen, net, gt, obs, ground_truth_seed, seed):
    train = gt.training
    target = obs.muscles(train.emg)
    soc = train.rates
    children = spawn_seeds((ground_truth_seed, seed), "test_noise", gen.noise_trials)
    err = np.empty((len(gen.input_noise_sigmas), gen.noise_trials))
    cca = np.empty_like(err)
    for i, sigma in enumerate(gen.input_noise_sigmas):
        for k, child in enumerate(children):
            if sigma == 0.0 and k > 0:  # noiseless runs are deterministic
                err[i, k], cca[i, k] = err[i, 0], cca[i, 0]
                continue
            act = fullforce.simulate(net, train.angles, time_ms=train.time_ms, input_noise=sigma,
                                     noise_seed=child)
            err[i, k] = emg_error(act.output, target).overall
            cca[i, k] = np.mean([compare_dims(soc[..., half], act.rates,
                                              [params.similarity.pca_dim])[0].mean_correlation
                                 for half in obs.evaluation.halves])
    return err.mean(axis=1), cca.mean(axis=1)


def evaluate_unit(params: StudyParams, gen: GeneralizationParams, ground_truth_seed: int,
                  seed: int, network: str) -> UnitGeneralization:
    """Unobserved-muscle readout and input-noise robustness of one kind in one unit (cached).

    ``network`` is ``ff`` or ``ffh`` (the study's cached networks), ``hints`` (the readout from
    the observed SOC neurons) or ``soc`` (from all SOC neurons: the EMG is a linear readout of
    them, so this is the ceiling).
    """
    unit_params, ground_truth_seed, seed = reported_unit(params, ground_truth_seed, seed)
    if not isinstance(gen, GeneralizationParams):
        raise TypeError(f"gen must be GeneralizationParams, got {type(gen).__name__}")
    key = {"params": unit_params, "gen": gen, "ground_truth_seed": ground_truth_seed,
           "seed": seed, "network": network}
    result, _ = cached_result("generalization_unit", key,
                              lambda: _evaluate(params, gen, ground_truth_seed, seed, network),
                              UnitGeneralization, module=__name__)
    return result


# ----------------------------------------------------------------------------- leave one out


@dataclasses.dataclass(frozen=True)
class LeaveOneOutRow:
    """FF, FFH or the interpolation baseline with one training direction left out.

    Attributes
    ----------
    ground_truth, seed : int
    network : str
        ``ff``, ``ffh`` or ``interpolation``.
    held_out : int
        Index of the training direction left out.
    loo_err : float
        ``1 - R^2`` on the left-out direction (observed muscles).
    fit_err : float
        The same on the other training directions (NaN for the baseline).
    output : ndarray (T, M_obs)
        The prediction for the left-out direction.
    """

    ground_truth: int
    seed: int
    network: str
    held_out: int
    loo_err: float
    fit_err: float
    output: np.ndarray


def loo_direction(params: StudyParams, ground_truth_seed: int, seed: int) -> int:
    """The training direction a unit leaves out: ``(ground_truth_seed + seed) % n_directions``,
    so that units of the study cover the directions in turn."""
    return (ground_truth_seed + seed) % params.ground_truth.n_directions


#: The rows of a leave-one-out test, in order.
LOO_KINDS = NETWORKS + ("interpolation",)


@dataclasses.dataclass(frozen=True)
class _LeaveOneOut:
    """The cached result of one unit's leave-one-out test (one entry per :data:`LOO_KINDS`)."""

    held_out: int
    loo_err: np.ndarray
    fit_err: np.ndarray
    output: np.ndarray


def _loo(params: StudyParams, ground_truth_seed: int, seed: int, held_out: int) -> _LeaveOneOut:
    gt = ground_truth(params, ground_truth_seed)
    obs = observation(params, gt, ground_truth_seed, seed)
    train = gt.training
    (keep, _), = leave_one_out_folds(train.n_directions, (held_out,))
    fit, test = train.select(keep), train.select([held_out])
    targets, target = obs.muscles(fit.emg), obs.muscles(test.emg)
    loo_err, fit_err, outputs = [], [], []
    for network in NETWORKS:
        hinted = network == "ffh"
        net = fullforce.train(targets, fit.angles, fit.time_ms, params.force,
                              (ground_truth_seed, seed),
                              hints=obs.neurons(fit.rates) if hinted else None,
                              output_ids=obs.muscle_idx,
                              hint_ids=obs.neuron_idx if hinted else None, progress=False,
                              use_cache=True)
        out = fullforce.simulate(net, test.angles, time_ms=test.time_ms).output
        fitted = fullforce.simulate(net, fit.angles, time_ms=fit.time_ms).output
        loo_err.append(emg_error(out, target).overall)
        fit_err.append(emg_error(fitted, targets).overall)
        outputs.append(out[0])
    guess = angular_interpolation(targets, fit.angles, test.angles)
    loo_err.append(emg_error(guess, target).overall)
    fit_err.append(math.nan)
    outputs.append(guess[0])
    return _LeaveOneOut(held_out=held_out, loo_err=np.array(loo_err), fit_err=np.array(fit_err),
                        output=np.stack(outputs))


def leave_one_out(params: StudyParams, ground_truth_seed: int, seed: int,
                  held_out: int | None = None) -> list[LeaveOneOutRow]:
    """Train FF and FFH on every training direction but ``held_out`` and test them on it.

    Parameters
    ----------
    params : StudyParams
    ground_truth_seed, seed : int
        The unit (same observed subset and weight seed as its networks in the study).
    held_out : int, optional
        Index of the training direction left out (default :func:`loo_direction`). Only training
        directions are ever left out, never an intermediate one.

    Returns
    -------
    list of LeaveOneOutRow
        FF, FFH and the angular interpolation of the two neighbours (90 degrees apart for 8
        directions). Each network is one extra training; the result is cached.
    """
    unit_params, ground_truth_seed, seed = reported_unit(params, ground_truth_seed, seed)
    n = params.ground_truth.n_directions
    held_out = loo_direction(params, ground_truth_seed, seed) if held_out is None else \
        check_int("held_out", held_out, minimum=0, maximum=n - 1)
    key = {"params": unit_params, "ground_truth_seed": ground_truth_seed, "seed": seed,
           "held_out": held_out}
    result, _ = cached_result("leave_one_out", key,
                              lambda: _loo(params, ground_truth_seed, seed, held_out),
                              _LeaveOneOut, module=__name__)
    return [LeaveOneOutRow(ground_truth=ground_truth_seed, seed=seed, network=kind,
                           held_out=result.held_out, loo_err=float(result.loo_err[k]),
                           fit_err=float(result.fit_err[k]), output=result.output[k])
            for k, kind in enumerate(LOO_KINDS)]


# ----------------------------------------------------------------------------- runners

#: The kinds of :func:`evaluate_unit` rows.
EVALUATION_KINDS = NETWORKS + ("hints", "soc")


def _evaluation_task(params, gen, ground_truth_seed, seed, network):
    return evaluate_unit(params, gen, ground_truth_seed, seed, network)


def _loo_task(params, ground_truth_seed, seed):
    return leave_one_out(params, ground_truth_seed, seed)


def _raise_failures(outcomes, what: str) -> None:
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(outcomes)} {what} failed; first: "
                           f"{failed[0].error}")


def run_evaluations(params: StudyParams, gen: GeneralizationParams, *, executor=None,
                    progress: bool = True):
    """:func:`evaluate_unit` for every unit of ``params`` and every kind of
    :data:`EVALUATION_KINDS`: a tidy table (per-sigma arrays as columns ``noise_err_s{i}``,
    ``noise_cca_s{i}``; per-penalty readouts as ``unobs_r2_p{i}``)."""
    import pandas as pd

    from .parallel import run_tasks

    check_reported(params.ground_truth_seeds, calibration=False)
    jobs = [(params, gen, g, s, k) for g, s in params.units for k in EVALUATION_KINDS]
    outcomes = run_tasks(_evaluation_task, jobs, executor, progress=progress,
                         desc="generalization")
    _raise_failures(outcomes, "evaluations")
    records = []
    for outcome in outcomes:
        r = outcome.value
        record = {"ground_truth": r.ground_truth, "seed": r.seed, "network": r.network,
                  "unobs_r2": r.unobs_r2}
        record.update({f"noise_err_s{i}": v for i, v in enumerate(r.noise_err)})
        record.update({f"noise_cca_s{i}": v for i, v in enumerate(r.noise_cca)})
        record.update({f"unobs_r2_p{i}": v for i, v in enumerate(r.unobs_r2_penalties)})
        records.append(record)
    return pd.DataFrame.from_records(records)


def run_leave_one_out(params: StudyParams, *, executor=None, progress: bool = True):
    """:func:`leave_one_out` for every unit of ``params``: a tidy table (one row per unit and
    kind of :data:`LOO_KINDS`; the predictions are left out)."""
    import pandas as pd

    from .parallel import run_tasks

    check_reported(params.ground_truth_seeds, calibration=False)
    outcomes = run_tasks(_loo_task, [(params, g, s) for g, s in params.units], executor,
                         progress=progress, desc="leave one out")
    _raise_failures(outcomes, "leave-one-out units")
    return pd.DataFrame.from_records(
        [{"ground_truth": r.ground_truth, "seed": r.seed, "network": r.network,
          "held_out": r.held_out, "loo_err": r.loo_err, "fit_err": r.fit_err}
         for outcome in outcomes for r in outcome.value])


def run_training_noise(params: StudyParams, noise_values, *,
                       kinds=("ff", "ffh", "interpolation"), executor=None,
                       progress: bool = True):
    """The study of ``params`` repeated with the networks trained at each training noise.

    Parameters
    ----------
    params : StudyParams
        The study; only ``params.force.training_noise`` changes from one run to the next.
    noise_values : sequence of float
        State-noise sigmas during training (the study's own value reuses its cached networks).
    kinds : sequence of str
        Kinds of row (:data:`ffhlib.study.KINDS`).
    executor : ffhlib.parallel executor, optional
    progress : bool

    Returns
    -------
    pandas.DataFrame
        The study tables one after the other, with a column ``sigma_train``.
    """
    import pandas as pd

    values = check_number_tuple("noise_values", noise_values, minimum=0.0)
    return pd.concat([run_study(dataclasses.replace(params, force=dataclasses.replace(
        params.force, training_noise=float(s))), kinds=kinds, executor=executor,
        progress=progress).assign(sigma_train=float(s)) for s in values], ignore_index=True)


@dataclasses.dataclass(frozen=True)
class UntrainedExample:
    """One unit's FF and FFH run on every second untrained direction, for a figure.

    Attributes
    ----------
    time_ms : ndarray (T,)
    target : ndarray (C, T, M_obs)
        The ground truth's EMG on the observed muscles.
    outputs : mapping of str to ndarray (C, T, M_obs)
        ``{"FF": ..., "FFH": ...}``.
    angles : ndarray (C,)
        The directions drawn (rad).
    muscles : ndarray (M_obs,)
        Indices of the observed muscles.
    ground_truth, seed : int
        The unit.
    n_directions : int
        Training directions of the ground truth (as many untrained ones lie between them).
    """

    time_ms: np.ndarray
    target: np.ndarray
    outputs: Mapping[str, np.ndarray]
    angles: np.ndarray
    muscles: np.ndarray
    ground_truth: int
    seed: int
    n_directions: int


def untrained_example(params: StudyParams) -> UntrainedExample:
    """FF and FFH of the study's first unit (from the cache) on every second untrained direction.

    Parameters
    ----------
    params : StudyParams
    """
    g, s = params.units[0]
    pair = train_pair(params, g, s)
    inter = pair.ground_truth.intermediate
    show = list(range(0, inter.n_directions, 2))
    outputs = {name: fullforce.simulate(pair.network(name.lower()), inter.angles[show]).output
               for name in ("FF", "FFH")}
    return UntrainedExample(time_ms=inter.time_ms,
                            target=pair.observation.muscles(inter.emg)[show], outputs=outputs,
                            angles=inter.angles[show], muscles=pair.observation.muscle_idx,
                            ground_truth=g, seed=s,
                            n_directions=pair.ground_truth.training.n_directions)
