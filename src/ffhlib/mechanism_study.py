"""Mechanisms of the study's networks: rotations, preparatory states, dynamics, task variants.

The analyses live in :mod:`ffhlib.mechanisms` (one module each); this module applies them to the
cached networks of a study unit and the unit's ground truth, one cached :class:`UnitMechanisms` row
per kind of activity:

============  ==================================================================================
``ff, ffh``   the trained networks: jPCA, preparatory states (fixed points), spectra at movement
              onset, dynamical similarity with the evaluation neurons, task variants
``soc``       the ground truth (all its neurons for jPCA and spectra)
``floor``     the untrained network: jPCA and dynamical similarity
``ceiling``   dynamical similarity of one half of the evaluation set with the other half (two
              samples of unrecorded neurons)
``hints``     dynamical similarity of the recorded neurons (what FFH was shown) with E
``oracle``    dynamical similarity with each half of E of every SOC neuron outside that half
============  ==================================================================================

Time scales differ (the SOC's tau is 200 ms, the networks' 10 ms), so every rate and eigenvalue is
given in physical units (Hz, s^-1) and every activity is compared on the ground truth's time grid.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from . import fullforce, mechanisms
from ._params import param
from ._validate import check_float, check_int
from .cache import cached_result
from .metrics import check_number_tuple
from .similarity import oracle_activity
from .study import (
    StudyParams,
    check_reported,
    ground_truth,
    observation,
    reported_unit,
    train_pair,
)

__all__ = ["ANALYSES", "MECHANISM_KINDS", "JPCProjections", "MechanismParams", "UnitMechanisms",
           "analyse_unit", "dsa_operator", "jpca_of", "jpca_projections", "mechanism_table",
           "rotation_deviation", "run_mechanisms"]

#: The kinds of rows.
MECHANISM_KINDS = ("ff", "ffh", "soc", "floor", "ceiling", "hints", "oracle")


#: The analyses :func:`analyse_unit` can run.
ANALYSES = ("jpca", "fixed_points", "dsa", "variants")


@dataclasses.dataclass(frozen=True)
class MechanismParams:
    """Settings of the mechanism analyses (every one a choice, stated in the chapter)."""

    analyses: tuple = param(ANALYSES, doc="which analyses to run (jpca, fixed_points, dsa, "
                                          "variants); the others' measures are NaN",
                            provenance="choice")
    jpca_pcs: int = param(6, doc="principal components of the movement epoch in which jPCA "
                                 "fits the dynamics", provenance="ref-paper")
    jpca_soft_norm: float = param(
        0.1, doc="soft normalisation of jPCA as a fraction of the median firing range of the "
                 "units (the same for SOC rates in Hz and tanh units)", provenance="choice")
    fp_radius: float = param(0.05, doc="a stable fixed point counts as the preparatory state "
                                       "when it lies within this root-mean-square distance "
                                       "(rate units per unit) of the state at the end of the cue "
                                       "period", provenance="choice")
    fp_q_tol: float = param(1e-6, doc="largest q = |F|^2/2 of a point counted as fixed (in "
                                      "(state units / tau)^2)", provenance="choice")
    n_eigenvalues: int = param(20, doc="leading eigenvalues kept of each linearisation",
                               provenance="choice")
    dsa_pcs: int = param(10, doc="principal components of each activity before the delay "
                                 "embedding of the dynamical similarity analysis",
                         provenance="choice")
    dsa_n_delays: int = param(10, doc="delays of the embedding (Hankel matrix)",
                              provenance="choice")
    dsa_rank: int = param(10, doc="rank of the fitted linear operator (reduced-rank DMD)",
                          provenance="choice")
    dsa_starts: int = param(4, doc="random starts of the optimisation over orthogonal "
                                   "matrices in each of its two components (plus the identity)",
                            provenance="choice")
    delays_ms: tuple = param((50.0, 100.0, 200.0, 300.0, 400.0),
                             doc="preparatory periods of the delay-length variant (the trained "
                                 "one is marked)", unit="ms", provenance="choice")
    switch_offset: int = param(4, doc="the cue switches to the direction this many training "
                                      "directions further (4 of 8: the opposite one)",
                               provenance="choice")
    switch_at: float = param(0.5, doc="when the cue switches, as a fraction of the preparatory "
                                      "period", provenance="choice")

    def __post_init__(self):
        analyses = tuple(self.analyses) if not isinstance(self.analyses, str) else None
        if not analyses or any(a not in ANALYSES for a in analyses):
            raise ValueError(f"analyses must be a non-empty subset of {ANALYSES}; got "
                             f"{self.analyses!r}")
        object.__setattr__(self, "analyses", analyses)
        check_int("jpca_pcs", self.jpca_pcs, minimum=2)
        check_float("jpca_soft_norm", self.jpca_soft_norm, minimum=0.0)
        check_float("fp_radius", self.fp_radius, minimum=0.0, exclusive_minimum=True)
        check_float("fp_q_tol", self.fp_q_tol, minimum=0.0, exclusive_minimum=True)
        check_int("n_eigenvalues", self.n_eigenvalues, minimum=1)
        check_int("dsa_pcs", self.dsa_pcs, minimum=1)
        check_int("dsa_n_delays", self.dsa_n_delays, minimum=1)
        check_int("dsa_rank", self.dsa_rank, minimum=1)
        check_int("dsa_starts", self.dsa_starts, minimum=1)
        if self.dsa_rank > self.dsa_pcs * self.dsa_n_delays:
            raise ValueError(f"dsa_rank must be <= dsa_pcs * dsa_n_delays "
                             f"({self.dsa_pcs * self.dsa_n_delays}); got {self.dsa_rank}")
        object.__setattr__(self, "delays_ms", check_number_tuple(
            "delays_ms", self.delays_ms, minimum=0.0))
        check_int("switch_offset", self.switch_offset, minimum=1)
        check_float("switch_at", self.switch_at, minimum=0.0, maximum=1.0,
                    exclusive_minimum=True, exclusive_maximum=True)

    @classmethod
    def quick(cls) -> MechanismParams:
        """Fewer starts, delays and a smaller operator."""
        return cls(dsa_pcs=6, dsa_n_delays=4, dsa_rank=6, dsa_starts=2,
                   delays_ms=(100.0, 200.0))


@dataclasses.dataclass(frozen=True)
class UnitMechanisms:
    """The mechanism measures of one kind of activity in one unit (NaN where they do not apply).

    Attributes
    ----------
    ground_truth, seed : int
    network : str
        One of :data:`MECHANISM_KINDS`.
    jpca_rotation : float
        Rotational strength R^2_skew / R^2_full of jPCA.
    jpca_frequency_hz : float
        Rotation frequency of the first jPC plane.
    fp_found_fraction : float
        Share of the training directions whose state at the end of the cue period lies at a
        stable fixed point of the preparatory input: Newton's method from that state converges
        (q below the tolerance) to a stable point within ``fp_radius`` of it.
    fp_distance : float
        Mean root-mean-square distance (rate units per unit) from the state at the end of the cue
        period to the stable fixed point Newton's method found from it, over the directions
        where it found one.
    prep_rsa : float
        Correlation of the upper triangles of the directions x directions distance matrices of
        the preparatory states (network: end of the cue period, before the go pulse) and of the
        SOC's rates at movement onset.
    onset_eigenvalues : ndarray (C, n_eigenvalues), complex
        Leading eigenvalues (s^-1) of the linearisation at movement onset of each direction.
    dsa : float
        Dynamical similarity distance to the evaluation neurons (each half in turn, averaged);
        for the ceiling, one half against the other; for the oracle, each half against every
        SOC neuron outside it (averaged).
    dsa_angular : float
        Its angular form (rad).
    delay_err : ndarray (len(delays_ms),)
        EMG error (1 - R^2, observed muscles, training directions) with each preparatory period.
    switch_err : float
        EMG error when the cue switches during preparation (target: the new direction's EMG).
    switch_ignore_err : float
        The error of ignoring the switch (the old direction's EMG as the prediction).
    seconds : float
        Compute seconds of the analysis when it ran (not counting training the network).
    """

    ground_truth: int
    seed: int
    network: str
    jpca_rotation: float
    jpca_frequency_hz: float
    fp_found_fraction: float
    fp_distance: float
    prep_rsa: float
    onset_eigenvalues: np.ndarray
    dsa: float
    dsa_angular: float
    delay_err: np.ndarray
    switch_err: float
    switch_ignore_err: float
    seconds: float


def jpca_of(rates, dt_s: float, mech: MechanismParams) -> mechanisms.JPCAResult:
    """jPCA of an activity (C, T, N) sampled every ``dt_s`` seconds, with the study's settings:
    ``mech.jpca_pcs`` components, soft normalisation by ``mech.jpca_soft_norm`` of the units'
    median range (:func:`ffhlib.mechanisms.jpca`)."""
    return mechanisms.jpca(rates, dt_s=dt_s, soft_norm=mech.jpca_soft_norm,
                           soft_norm_scale="median_range", n_pcs=mech.jpca_pcs)


def _jpca(rates, dt_s: float, mech: MechanismParams):
    fit = jpca_of(rates, dt_s, mech)
    return float(fit.rotational_strength), float(fit.frequencies_hz[0])


def dsa_operator(rates, mech: MechanismParams) -> np.ndarray:
    """The linear operator of an activity (C, T, N): top PCs, delay embedding, reduced-rank DMD
    (:func:`ffhlib.mechanisms.activity_operator` with the study's settings)."""
    return mechanisms.activity_operator(rates, n_pcs=mech.dsa_pcs, n_delays=mech.dsa_n_delays,
                                        rank=mech.dsa_rank).A


def _dsa_to(references, rates, mech: MechanismParams) -> tuple[float, float]:
    d = mechanisms.dsa_to_references(references, dsa_operator(rates, mech),
                                     n_starts=mech.dsa_starts)
    return d.distance, d.angular


def _network_measures(mech, gt, obs, net, refs) -> dict:
    train = gt.training
    dt_s = float(train.time_ms[1] - train.time_ms[0]) / 1000.0
    act = fullforce.simulate(net, train.angles, time_ms=train.time_ms)
    out = {}
    if "jpca" in mech.analyses:
        out["jpca_rotation"], out["jpca_frequency_hz"] = _jpca(act.rates, dt_s, mech)
    if "fixed_points" in mech.analyses:
        out.update(_preparatory_states(mech, gt, net))
    if "dsa" in mech.analyses:
        out["dsa"], out["dsa_angular"] = _dsa_to(refs, act.rates, mech)
    if "variants" in mech.analyses:
        out.update(_variants(mech, gt, obs, net))
    return out


def _preparatory_states(mech, gt, net) -> dict:
    train = gt.training
    prep = mechanisms.preparatory_states(net, train.angles, onset_ms=float(train.time_ms[0]),
                                         q_tol=mech.fp_q_tol, radius=mech.fp_radius,
                                         n_eigenvalues=mech.n_eigenvalues)
    return dict(fp_found_fraction=prep.found_fraction, fp_distance=prep.mean_distance,
                prep_rsa=mechanisms.geometry_correlation(prep.rates, train.rates[:, 0]),
                onset_eigenvalues=prep.onset_eigenvalues)


def _variants(mech, gt, obs, net) -> dict:
    train = gt.training
    out = mechanisms.task_variant_errors(net, train.angles, obs.muscles(train.emg),
                                         time_ms=train.time_ms, delays_ms=mech.delays_ms,
                                         switch_offset=mech.switch_offset,
                                         switch_at=mech.switch_at)
    return dict(delay_err=out.delay_err, switch_err=out.switch_err,
                switch_ignore_err=out.switch_ignore_err)


def _empty(mech: MechanismParams, C: int) -> dict:
    nan = math.nan
    return dict(jpca_rotation=nan, jpca_frequency_hz=nan, fp_found_fraction=nan,
                fp_distance=nan, prep_rsa=nan,
                onset_eigenvalues=np.full((C, mech.n_eigenvalues), np.nan, dtype=complex),
                dsa=nan, dsa_angular=nan, delay_err=np.full(len(mech.delays_ms), np.nan),
                switch_err=nan, switch_ignore_err=nan)


def _analyse(params: StudyParams, mech: MechanismParams, ground_truth_seed: int, seed: int,
             network: str) -> UnitMechanisms:
    start = time.perf_counter()
    training_seconds = 0.0  # reading (or training) the networks is not the analysis's cost
    gt = ground_truth(params, ground_truth_seed)
    obs = observation(params, gt, ground_truth_seed, seed)
    train = gt.training
    C = train.n_directions
    halves = [train.rates[..., h] for h in obs.evaluation.halves]
    values = _empty(mech, C)
    dt_s = float(train.time_ms[1] - train.time_ms[0]) / 1000.0
    dsa = "dsa" in mech.analyses
    if network in ("ff", "ffh"):
        refs = [dsa_operator(h, mech) for h in halves] if dsa else []
        before = time.perf_counter()
        net = train_pair(params, ground_truth_seed, seed).network(network)
        training_seconds = time.perf_counter() - before
        values.update(_network_measures(mech, gt, obs, net, refs))
    elif network == "soc":
        if "jpca" in mech.analyses:
            values["jpca_rotation"], values["jpca_frequency_hz"] = _jpca(train.rates, dt_s, mech)
        if "fixed_points" in mech.analyses:
            rp = params.ground_truth.rates
            values["onset_eigenvalues"] = mechanisms.soc_onset_spectra(
                gt.W, gt.x0, train.gains, r0=rp.r0, r_max=rp.r_max, tau_ms=rp.tau_ms,
                n_eigenvalues=mech.n_eigenvalues)
    elif network == "floor":
        net = fullforce.untrained(params.force, n_outputs=obs.muscle_idx.size,
                                  angles=train.angles, time_ms=train.time_ms,
                                  seed=(ground_truth_seed, seed))
        rates = fullforce.simulate(net, train.angles, time_ms=train.time_ms).rates
        if "jpca" in mech.analyses:
            values["jpca_rotation"], values["jpca_frequency_hz"] = _jpca(rates, dt_s, mech)
        if dsa:
            values["dsa"], values["dsa_angular"] = _dsa_to(
                [dsa_operator(h, mech) for h in halves], rates, mech)
    elif network == "ceiling":
        if dsa:
            values["dsa"], values["dsa_angular"] = _dsa_to([dsa_operator(halves[0], mech)],
                                                           halves[1], mech)
    elif network == "hints":
        if dsa:
            values["dsa"], values["dsa_angular"] = _dsa_to(
                [dsa_operator(h, mech) for h in halves], obs.neurons(train.rates), mech)
    elif network == "oracle":
        if dsa:
            each = [_dsa_to([dsa_operator(halves[k], mech)],
                            oracle_activity(train.rates, obs.evaluation.halves, k), mech)
                    for k in range(2)]
            values["dsa"], values["dsa_angular"] = (float(np.mean([e[i] for e in each]))
                                                    for i in range(2))
    else:
        raise ValueError(f"network must be one of {MECHANISM_KINDS}; got {network!r}")
    return UnitMechanisms(ground_truth=ground_truth_seed, seed=seed, network=network, **values,
                          seconds=time.perf_counter() - start - training_seconds)


def analyse_unit(params: StudyParams, mech: MechanismParams, ground_truth_seed: int, seed: int,
                 network: str) -> UnitMechanisms:
    """The mechanism measures of one kind of activity in the unit (cached)."""
    unit_params, ground_truth_seed, seed = reported_unit(params, ground_truth_seed, seed)
    if not isinstance(mech, MechanismParams):
        raise TypeError(f"mech must be MechanismParams, got {type(mech).__name__}")
    if network not in MECHANISM_KINDS:
        raise ValueError(f"network must be one of {MECHANISM_KINDS}; got {network!r}")
    key = {"params": unit_params, "mech": mech, "ground_truth_seed": ground_truth_seed,
           "seed": seed, "network": network}
    result, _ = cached_result("mechanisms", key,
                              lambda: _analyse(params, mech, ground_truth_seed, seed, network),
                              UnitMechanisms, module=__name__)
    return result


def _task(params, mech, ground_truth_seed, seed, network):
    return analyse_unit(params, mech, ground_truth_seed, seed, network)


def run_mechanisms(params: StudyParams, mech: MechanismParams, *, executor=None,
                   progress: bool = True):
    """:func:`analyse_unit` over every unit and kind; returns ``(table, rows)``: a tidy table of
    the scalar measures (plus ``delay_err_{i}``, :func:`mechanism_table`) and the rows
    themselves."""
    from .parallel import run_tasks

    check_reported(params.ground_truth_seeds, calibration=False)
    jobs = [(params, mech, g, s, k) for g, s in params.units for k in MECHANISM_KINDS]
    outcomes = run_tasks(_task, jobs, executor, progress=progress, desc="mechanisms")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(outcomes)} analyses failed; first: "
                           f"{failed[0].error}")
    rows = [o.value for o in outcomes]
    return mechanism_table(rows), rows


def mechanism_table(rows):
    """The tidy table of :class:`UnitMechanisms` rows: one row each, its scalar measures, and
    ``delay_err_{i}`` for each preparatory period (the eigenvalues stay in the rows)."""
    import pandas as pd

    records = []
    for r in rows:
        record = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)
                  if f.name not in ("onset_eigenvalues", "delay_err")}
        record.update({f"delay_err_{i}": v for i, v in enumerate(r.delay_err)})
        records.append(record)
    return pd.DataFrame.from_records(records)


def rotation_deviation(table):
    """``table`` with ``jpca_deviation`` = |rotational strength - the SOC's| (same ground
    truth) on the network rows (NaN elsewhere)."""
    soc = table[table["network"] == "soc"].groupby("ground_truth")["jpca_rotation"].mean()
    out = table.copy()
    out["jpca_deviation"] = (out["jpca_rotation"] - out["ground_truth"].map(soc)).abs()
    out.loc[out["network"] == "soc", "jpca_deviation"] = np.nan
    return out


@dataclasses.dataclass(frozen=True)
class JPCProjections:
    """One unit's movement activity in each activity's own first jPC plane (for a figure).

    Attributes
    ----------
    ground_truth, seed : int
        The unit.
    angles : ndarray (C,)
        Its training directions (rad).
    projections : dict of "SOC", "FF", "FFH" to ndarray (C, T, 2)
        :attr:`ffhlib.mechanisms.JPCAFit.projections` of the ground truth's rates and of each
        network's (oriented so that the rotation runs counter-clockwise).
    rotational_strength : dict of the same keys to float
        The jPCA rotational strength of each activity (the unit's ``jpca_rotation``).
    """

    ground_truth: int
    seed: int
    angles: np.ndarray
    projections: dict
    rotational_strength: dict


def jpca_projections(params: StudyParams, mech: MechanismParams,
                     ground_truth_seed: int | None = None,
                     seed: int | None = None) -> JPCProjections:
    """jPCA of one unit's SOC, FF and FFH activity (default: the study's first unit), with the
    settings and on the activity of :func:`analyse_unit` (the training directions on the ground
    truth's time grid); the networks are read from the cache (trained if absent)."""
    if not isinstance(mech, MechanismParams):
        raise TypeError(f"mech must be MechanismParams, got {type(mech).__name__}")
    if (ground_truth_seed is None) != (seed is None):
        raise ValueError("give both ground_truth_seed and seed, or neither (the first unit)")
    if ground_truth_seed is None:
        ground_truth_seed, seed = params.units[0]
    pair = train_pair(params, ground_truth_seed, seed)
    train = pair.ground_truth.training
    dt_s = float(train.time_ms[1] - train.time_ms[0]) / 1000.0
    fits = {"SOC": jpca_of(train.rates, dt_s, mech)}
    for name, net in (("FF", pair.ff), ("FFH", pair.ffh)):
        rates = fullforce.simulate(net, train.angles, time_ms=train.time_ms).rates
        fits[name] = jpca_of(rates, dt_s, mech)
    return JPCProjections(ground_truth=int(ground_truth_seed), seed=int(seed), angles=train.angles,
                          projections={k: f.projections for k, f in fits.items()},
                          rotational_strength={k: float(f.rotational_strength)
                                               for k, f in fits.items()})
