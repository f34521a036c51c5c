"""Robustness and dynamics of every trained network of chapter 09: FF, FFH and the rivals.

Chapter 06 tests FF and FFH under input noise, chapter 08 with the cue switched during the delay
and by the dynamical similarity (DSA) of their activity with the evaluation neurons E. This module
computes the same measures, with the same settings, noise seeds and code paths, for any network
of :data:`NETWORK_KINDS` through one :func:`ffhlib.rivals.simulate` dispatch, so that each rival
is compared with FFH on exactly what FFH was measured by (a test checks that FF's and FFH's values
equal chapters 06 and 08's).

One cached :class:`UnitRobustness` per unit and kind (:func:`evaluate`); :func:`run_measures`
maps it over a study's units and returns a tidy table.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import mechanisms, study
from .cache import cached_result
from .generalization import GeneralizationParams
from .mechanism_study import MechanismParams, dsa_operator
from .metrics import emg_error
from .rivals import RIVALS, RivalParams, rival_key, simulate, train_rival
from .seeds import spawn_seeds
from .similarity import compare_dims
from .study import StudyParams

__all__ = ["NETWORK_KINDS", "UnitRobustness", "evaluate", "network", "run_measures"]

#: The networks measured: FF, FFH and every rival.
NETWORK_KINDS = study.NETWORKS + RIVALS


@dataclasses.dataclass(frozen=True)
class UnitRobustness:
    """Input noise, cue switch and DSA of one network of one unit.

    Attributes
    ----------
    ground_truth, seed : int
    network : str
    noise_err : ndarray (len(input_noise_sigmas),)
        EMG error (``1 - R^2``, observed muscles, training directions) with Gaussian noise of
        each std on every input channel, mean over the noisy trials (chapter 06's protocol).
    noise_cca : ndarray (len(input_noise_sigmas),)
        Mean canonical correlation with E (each half in turn) under the same noise.
    switch_err : float
        EMG error with the cue switched during the delay to the direction
        ``switch_offset`` further, against that direction's EMG (chapter 08's protocol).
    dsa, dsa_angular : float
        DSA distance (and its angular form) of the activity to each half of E, averaged.
    """

    ground_truth: int
    seed: int
    network: str
    noise_err: np.ndarray
    noise_cca: np.ndarray
    switch_err: float
    dsa: float
    dsa_angular: float


def network(params: StudyParams, rivals: RivalParams, ground_truth_seed: int, seed: int,
            kind: str):
    """FF or FFH (:func:`ffhlib.study.train_network`) or a rival (:func:`train_rival`) of the
    unit, from the cache when it is there."""
    if kind in study.NETWORKS:
        return study.train_network(params, ground_truth_seed, seed, kind)
    return train_rival(params, rivals, ground_truth_seed, seed, kind)


def _noise(params, gen, net, train, target, halves, unit):
    children = spawn_seeds(unit, "test_noise", gen.noise_trials)
    err = np.empty((len(gen.input_noise_sigmas), gen.noise_trials))
    cca = np.empty_like(err)
    for i, sigma in enumerate(gen.input_noise_sigmas):
        for k, child in enumerate(children):
            if sigma == 0.0 and k > 0:  # noiseless runs are deterministic
                err[i, k], cca[i, k] = err[i, 0], cca[i, 0]
                continue
            act = simulate(net, train.angles, time_ms=train.time_ms, input_noise=sigma,
                           noise_seed=child)
            err[i, k] = emg_error(act.output, target).overall
            cca[i, k] = np.mean([compare_dims(train.rates[..., h], act.rates,
                                              [params.similarity.pca_dim])[0].mean_correlation
                                 for h in halves])
    return err.mean(axis=1), cca.mean(axis=1)


def _evaluate(params, rivals, gen, mech, ground_truth_seed, seed, kind) -> UnitRobustness:
    gt = study.ground_truth(params, ground_truth_seed)
    obs = study.observation(params, gt, ground_truth_seed, seed)
    train = gt.training
    target = obs.muscles(train.emg)
    net = network(params, rivals, ground_truth_seed, seed, kind)
    halves = obs.evaluation.halves
    noise_err, noise_cca = _noise(params, gen, net, train, target, halves,
                                  (ground_truth_seed, seed))
    new = mechanisms.switched_directions(train.n_directions, mech.switch_offset)
    switched = simulate(net, train.angles, time_ms=train.time_ms,
                        switch_angles=train.angles[new],
                        switch_ms=mech.switch_at * net.params.prep_ms)
    act = simulate(net, train.angles, time_ms=train.time_ms)
    refs = [dsa_operator(train.rates[..., h], mech) for h in halves]
    d = mechanisms.dsa_to_references(refs, dsa_operator(act.rates, mech),
                                     n_starts=mech.dsa_starts)
    return UnitRobustness(ground_truth=ground_truth_seed, seed=seed, network=kind,
                          noise_err=noise_err, noise_cca=noise_cca,
                          switch_err=float(emg_error(switched.output, target[new]).overall),
                          dsa=float(d.distance), dsa_angular=float(d.angular))


def evaluate(params: StudyParams, rivals: RivalParams, gen: GeneralizationParams,
             mech: MechanismParams, ground_truth_seed: int, seed: int,
             kind: str) -> UnitRobustness:
    """Input noise, cue switch and DSA of network ``kind`` (:data:`NETWORK_KINDS`) in the unit
    (cached; the key holds the network's own parameters, as its study row's does)."""
    unit_params, ground_truth_seed, seed = study.reported_unit(params, ground_truth_seed, seed)
    if kind not in NETWORK_KINDS:
        raise ValueError(f"kind must be one of {NETWORK_KINDS}; got {kind!r}")
    if not isinstance(gen, GeneralizationParams):
        raise TypeError(f"gen must be GeneralizationParams, got {type(gen).__name__}")
    if not isinstance(mech, MechanismParams):
        raise TypeError(f"mech must be MechanismParams, got {type(mech).__name__}")
    net_key = (rival_key(params, rivals, kind) if kind in RIVALS
               else {"params": study.kind_key(unit_params, kind), "kind": kind})
    key = {"network": net_key, "gen": gen, "mech": mech, "ground_truth_seed": ground_truth_seed,
           "seed": seed}
    result, _ = cached_result(
        "network_robustness", key,
        lambda: _evaluate(params, rivals, gen, mech, ground_truth_seed, seed, kind),
        UnitRobustness, module=__name__)
    return result


def run_measures(params: StudyParams, rivals: RivalParams, gen: GeneralizationParams,
                 mech: MechanismParams, *, kinds=NETWORK_KINDS, executor=None,
                 progress: bool = True):
    """:func:`evaluate` for every unit and kind: a tidy table (``noise_err_s{i}``,
    ``noise_cca_s{i}`` per input-noise std; ``error`` non-empty where the network failed,
    e.g. diverged, with NaN measures)."""
    import pandas as pd

    from .parallel import run_tasks

    study.check_reported(params.ground_truth_seeds, calibration=False)
    jobs = [(params, rivals, gen, mech, g, s, k) for g, s in params.units for k in kinds]
    outcomes = run_tasks(evaluate, jobs, executor, progress=progress, desc="robustness")
    n_sigmas = len(gen.input_noise_sigmas)
    records = []
    for job, outcome in zip(jobs, outcomes, strict=True):
        g, s, k = job[4:]
        r = outcome.value if outcome.ok else UnitRobustness(
            g, s, k, np.full(n_sigmas, np.nan), np.full(n_sigmas, np.nan), np.nan, np.nan,
            np.nan)
        record = {"ground_truth": g, "seed": s, "network": k, "switch_err": r.switch_err,
                  "dsa": r.dsa, "dsa_angular": r.dsa_angular, "error": outcome.error}
        record.update({f"noise_err_s{i}": v for i, v in enumerate(r.noise_err)})
        record.update({f"noise_cca_s{i}": v for i, v in enumerate(r.noise_cca)})
        records.append(record)
    return pd.DataFrame.from_records(records)
