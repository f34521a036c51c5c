"""full-FORCE training with and without hints (DePasquale et al. 2018; Salatiello & Giese 2020).

One code path trains both networks of the paper: **FF** (``hints=None``) and **FFH** (``hints`` =
the observed SOC neurons' rates). The public functions validate, draw every random number with
NumPy from named seed streams, and call the numba kernels of :mod:`ffhlib._force_kernels`.

Trial structure [choice]: a preparatory period of ``prep_ms`` in which the network receives the
reach direction ``input_scale * (cos theta, sin theta)``, a go pulse in its last ``go_ms`` on a
third input channel, then the movement epoch on which the targets are defined (500 ms in this book).
By default the direction input is switched off at movement onset (``cue_epoch="preparation"``): the
direction sets the state from which the movement unfolds, as in the ground-truth circuit, whose
direction enters through its gains and preparatory state and never as an input during the movement.
During preparation the output target is the EMG at movement onset and the hint holds the SOC's
rates at movement onset. Both networks start every trial from ``x = 0``.

Input weights are drawn per channel *identity*: the weights through which SOC neuron ``i`` drives
the target-generating network (``U_hint[:, i]``) and those of muscle ``k`` (``U_out[:, k]``) come
from their own sub-streams, so they do not depend on which other neurons or muscles are observed.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from . import _force_kernels as K
from ._host import worker_name
from ._params import param
from ._validate import check_array, check_bool, check_choice, check_float, check_int
from .cache import cached_result
from .errors import DivergenceError
from .metrics import r2_score
from .rnn import RNNActivity, TrainedRNN, simulate, trial_states
from .seeds import SeedKey, check_seed_key, rng_for
from .trials import (
    CUE_EPOCHS,
    N_INPUTS,
    movement_steps,
    simulate_arrays,
    to_trial_grid,
    trial_inputs,
)

__all__ = [
    "N_INPUTS",
    "TRAINING_RUNS",
    "ForceParams",
    "RNNActivity",
    "TrainedRNN",
    "simulate",
    "train",
    "trial_states",
    "trial_inputs",
    "untrained",
]

#: |x| beyond which a run counts as exploding (tanh units saturate long before).
_X_LIMIT = 1e4
#: Points of the learning curve ``TrainedRNN.r2_curve``.
_N_CHECKPOINTS = 20
#: How many networks this process has trained (not loaded from the cache), by kind ("ff",
#: "ffh"): the tests count trainings with it.
TRAINING_RUNS: Counter = Counter()


@dataclasses.dataclass(frozen=True)
class ForceParams:
    """Parameters of the task network, the target-generating network and the RLS training.

    Notes
    -----
    Task network ``tau dx/dt = -x + J r + U_in f_in``, ``r = tanh(x)``, output ``z = W r``; target
    network ``tau dx_D/dt = -x_D + J_D r_D + U_in f_in + U_out f_out + U_hint f_hint`` with fixed
    ``J_D ~ N(0, g^2/N)`` and ``U_in, U_out, U_hint ~ U[-1, 1]``. Euler steps of ``dt``.
    The defaults of ``n_passes``, ``hint_gain`` and ``training_noise`` are the calibrated values
    for the default trial design (:mod:`ffhlib.calibration`).
    """

    n_units: int = param(300, doc="units N of the task (and target-generating) network",
                         provenance="ref-code")
    tau_ms: float = param(10.0, doc="unit time constant tau", provenance="ref-code", unit="ms")
    dt_ms: float = param(1.0, doc="Euler time step dt", provenance="ref-code", unit="ms")
    g: float = param(1.5, doc="gain of the target network's random J_D ~ N(0, g^2/N)",
                     provenance="ref-paper")
    alpha: float = param(1.0, doc="RLS regulariser: P(0) = I / alpha (ridge penalty)",
                         provenance="ref-code")
    update_every: int = param(2, doc="RLS update every this many time steps",
                              provenance="ref-code")
    n_passes: int = param(70, doc="training passes; each pass is one trial per training "
                          "direction, in shuffled order", provenance="calibrated")
    hint_gain: float = param(0.2, doc="hints are the observed SOC rates z-scored per neuron "
                             "times this gain", provenance="calibrated")
    training_noise: float = param(0.05, doc="state noise sigma during training: each step adds "
                                  "N(0, sigma^2 dt/tau) to x of the task network",
                                  provenance="calibrated")
    prep_ms: float = param(200.0, doc="preparatory period before movement onset",
                           provenance="choice", unit="ms")
    go_ms: float = param(20.0, doc="duration of the go pulse (the end of the preparatory period)",
                         provenance="choice", unit="ms")
    go_amplitude: float = param(1.0, doc="amplitude of the go pulse (third input channel)",
                                provenance="choice")
    input_scale: float = param(1.0, doc="amplitude of the direction input (cos theta, sin theta)",
                               provenance="choice")
    cue_epoch: str = param("preparation", doc="when the direction input is on: 'preparation' "
                           "(switched off at movement onset) or 'trial' (held through the "
                           "movement too)", provenance="choice")

    def __post_init__(self):
        check_int("n_units", self.n_units, minimum=1)
        check_float("tau_ms", self.tau_ms, minimum=0.0, exclusive_minimum=True)
        check_float("dt_ms", self.dt_ms, minimum=0.0, exclusive_minimum=True)
        if self.dt_ms > self.tau_ms:
            raise ValueError(f"dt_ms must not exceed tau_ms ({self.tau_ms}); got {self.dt_ms}")
        check_float("g", self.g, minimum=0.0)
        check_float("alpha", self.alpha, minimum=0.0, exclusive_minimum=True)
        check_int("update_every", self.update_every, minimum=1)
        check_int("n_passes", self.n_passes, minimum=1)
        check_float("hint_gain", self.hint_gain, minimum=0.0)
        check_float("training_noise", self.training_noise, minimum=0.0)
        check_float("prep_ms", self.prep_ms, minimum=0.0)
        check_float("go_ms", self.go_ms, minimum=0.0, maximum=self.prep_ms)
        check_float("go_amplitude", self.go_amplitude)
        check_float("input_scale", self.input_scale)
        check_choice("cue_epoch", self.cue_epoch, CUE_EPOCHS)

    @classmethod
    def quick(cls) -> ForceParams:
        """Small network, few passes: the chapters' quick mode (seconds, not minutes)."""
        return cls(n_units=250, n_passes=20)

    @property
    def n_prep_steps(self) -> int:
        """Steps of the preparatory period."""
        return int(round(self.prep_ms / self.dt_ms))

    @property
    def n_go_steps(self) -> int:
        """Steps of the go pulse."""
        return int(round(self.go_ms / self.dt_ms))


@dataclasses.dataclass(frozen=True)
class TrainingRecord:
    """What one training run produces (the cached part of a :class:`TrainedRNN`).

    Attributes
    ----------
    J : ndarray (N, N)
    W : ndarray (M, N)
    W_hint : ndarray (K, N)
    U_in : ndarray (N, 3)
    training_error, current_error : ndarray (n_passes,)
    r2_curve : ndarray (n_checkpoints,)
    curve_passes : ndarray (n_checkpoints,)
    r2, hint_r2 : float
    hint_mean, hint_std : ndarray (K,)
    seconds : float
        Wall time of the training run.
    worker : str
        ``host:pid`` of the process that trained it.
    """

    J: np.ndarray
    W: np.ndarray
    W_hint: np.ndarray
    U_in: np.ndarray
    training_error: np.ndarray
    current_error: np.ndarray
    r2_curve: np.ndarray
    curve_passes: np.ndarray
    r2: float
    hint_r2: float
    hint_mean: np.ndarray
    hint_std: np.ndarray
    seconds: float
    worker: str


# ----------------------------------------------------------------------------- weights


def _columns(seed: SeedKey, stream: str, ids: np.ndarray, n: int) -> np.ndarray:
    """(n, len(ids)) U[-1, 1] weights; column j from the sub-stream of channel ``ids[j]``."""
    if ids.size == 0:
        return np.zeros((n, 0))
    return np.stack([rng_for(seed, stream, int(i)).uniform(-1.0, 1.0, size=n) for i in ids],
                    axis=1)


def _draw_weights(params: ForceParams, output_ids: np.ndarray, hint_ids: np.ndarray,
                  seed: SeedKey):
    """J_D, U_in (stream ``rnn_weights``), U_out and U_hint (one sub-stream per channel id).

    FF and FFH with the same seed share J_D, U_in and U_out; a neuron's (a muscle's) input
    weights are the same whichever other neurons (muscles) are observed.
    """
    n = params.n_units
    rng = rng_for(seed, "rnn_weights")
    J_D = rng.normal(0.0, params.g / math.sqrt(n), size=(n, n))
    U_in = rng.uniform(-1.0, 1.0, size=(n, N_INPUTS))
    return (J_D, U_in, _columns(seed, "output_weights", output_ids, n),
            _columns(seed, "hint_weights", hint_ids, n))


def _zscore_stats(hints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = hints.reshape(-1, hints.shape[-1])
    mean = flat.mean(axis=0)
    std = flat.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


# ----------------------------------------------------------------------------- training


def _channel_ids(name: str, ids, count: int) -> np.ndarray:
    if ids is None:
        return np.arange(count, dtype=np.int64)
    ids = np.asarray(ids)
    if ids.shape != (count,) or not np.issubdtype(ids.dtype, np.integer) or np.any(ids < 0):
        raise ValueError(f"{name} must be {count} non-negative integers (one per channel), got "
                         f"{ids!r}")
    if np.unique(ids).size != count:
        raise ValueError(f"{name} must not repeat a channel, got {ids!r}")
    return ids.astype(np.int64)


def _validate_training_data(targets, angles, time_ms, hints):
    targets = check_array("targets", targets, ndim=3)
    c, t, m = targets.shape
    if c < 1 or t < 2 or m < 1:
        raise ValueError(f"targets must have shape (C >= 1, T >= 2, M >= 1), got {targets.shape}")
    angles = check_array("angles", angles, shape=(c,))
    time_ms = check_array("time_ms", time_ms, shape=(t,))
    if np.any(np.diff(time_ms) <= 0):
        raise ValueError("time_ms must be strictly increasing")
    if hints is not None:
        hints = check_array("hints", hints, ndim=3)
        if hints.shape[:2] != (c, t) or hints.shape[2] < 1:
            raise ValueError(f"hints must have shape ({c}, {t}, K >= 1) to match targets "
                             f"{targets.shape}, got {hints.shape}")
    return targets, angles, time_ms, hints


def _as_key(seed: SeedKey) -> tuple:
    seed = check_seed_key("seed", seed)
    return seed if isinstance(seed, tuple) else (seed,)


def train(
    targets,
    angles,
    time_ms,
    params: ForceParams,
    seed: SeedKey,
    *,
    hints=None,
    output_ids=None,
    hint_ids=None,
    progress: bool = True,
    use_cache: bool = False,
) -> TrainedRNN:
    """Train a task network with full-FORCE; with ``hints`` it is full-FORCE with hints (FFH).

    Parameters
    ----------
    targets : array (C, T, M)
        Output targets (observed EMG) per direction on ``time_ms``.
    angles : array (C,)
        Reach directions, rad.
    time_ms : array (T,)
        Movement-epoch grid, ms (strictly increasing); interpolated linearly to ``dt_ms``.
    params : ForceParams
    seed : int or tuple of int
        Seed key: weights from ``rng_for(seed, "rnn_weights")`` (and per-channel sub-streams),
        training noise and the order of directions from ``rng_for(seed, "training_noise")``.
    hints : array (C, T, K) or None
        Hint signals (observed SOC rates); z-scored per unit over all directions and times and
        multiplied by ``params.hint_gain`` before they drive the target network. None = FF.
    output_ids, hint_ids : array of int, optional
        The identity of each output (muscle index) and hint (SOC neuron index), which selects
        its input weights; default ``0 .. M-1`` and ``0 .. K-1``.
    progress : bool
        tqdm bar over passes.
    use_cache : bool
        Read/write the trained weights from/to the on-disk cache (key: data, ids, params, seed;
        for FF the hint gain is not part of the key, since FF has no hints).

    Returns
    -------
    TrainedRNN

    Raises
    ------
    ValueError, TypeError
        On malformed input, before any training.
    DivergenceError
        If the state or the weights become non-finite or explode.

    Notes
    -----
    Each update step (every ``update_every`` steps), with ``k = P r / (1 + r' P r)``:
    ``P <- P - k (P r)'``, ``J <- J - (J r - J_D r_D - U_out f_out - U_hint f_hint) k'``,
    ``W <- W - (W r - f_out) k'``, ``P(0) = I / alpha``, ``J(0) = 0``, ``W(0) = 0``
    (DePasquale et al. 2018). The target network's trajectory per direction is computed once.
    """
    if not isinstance(params, ForceParams):
        raise TypeError(f"params must be ForceParams, got {type(params).__name__}")
    seed = _as_key(seed)
    progress = check_bool("progress", progress)
    use_cache = check_bool("use_cache", use_cache)
    targets, angles, time_ms, hints = _validate_training_data(targets, angles, time_ms, hints)
    output_ids = _channel_ids("output_ids", output_ids, targets.shape[2])
    hint_ids = _channel_ids("hint_ids", hint_ids, 0 if hints is None else hints.shape[2])
    key_params = params if hints is not None else dataclasses.replace(params, hint_gain=0.0)
    key = {"targets": targets, "angles": angles, "time_ms": time_ms, "hints": hints,
           "output_ids": output_ids, "hint_ids": hint_ids, "params": key_params, "seed": seed}
    record, _ = cached_result(
        "fullforce", key,
        lambda: _train(targets, angles, time_ms, params, seed, hints, output_ids, hint_ids,
                       progress),
        TrainingRecord, module=__name__, enabled=use_cache)
    return TrainedRNN(params=params, seed=seed, angles=angles, time_ms=time_ms,
                      **{f.name: getattr(record, f.name) for f in dataclasses.fields(record)})


def _train(targets, angles, time_ms, params, seed, hints, output_ids, hint_ids,
           progress) -> TrainingRecord:
    start = time.perf_counter()
    c, _, m = targets.shape
    n = params.n_units
    k_hints = hint_ids.size
    J_D, U_in, U_out, U_hint = _draw_weights(params, output_ids, hint_ids, seed)
    dt_tau = params.dt_ms / params.tau_ms

    # Signals on the trial grid (C, S, .)
    f_in = trial_inputs(angles, params, movement_steps(time_ms, params.dt_ms))
    f_out = to_trial_grid(targets, time_ms, params)
    if hints is not None:
        hint_mean, hint_std = _zscore_stats(hints)
        z_hints = to_trial_grid((hints - hint_mean) / hint_std, time_ms, params)
        f_hint = params.hint_gain * z_hints
    else:
        hint_mean = hint_std = np.zeros(0)
        z_hints = np.zeros(f_out.shape[:2] + (0,))
        f_hint = z_hints
    n_steps = f_in.shape[1]
    n_prep = params.n_prep_steps

    # Target-generating network: once per direction.
    drive = np.ascontiguousarray(np.einsum("csi,ni->csn", f_in, U_in))
    external = np.einsum("csm,nm->csn", f_out, U_out) + np.einsum("csk,nk->csn", f_hint, U_hint)
    target_current = np.empty((c, n_steps, n))
    rates_D = np.empty((n_steps, n))
    no_out = np.empty((n_steps, 0))
    sim_work = np.empty((K.SIMULATE_WORK_ROWS, n))
    no_z = np.empty(0)
    x0 = np.zeros(n)
    for ci in range(c):
        K.simulate_trial(J_D, np.zeros((0, n)), x0, np.ascontiguousarray(drive[ci] + external[ci]),
                         dt_tau, no_out, rates_D, sim_work, no_z)
        target_current[ci] = rates_D @ J_D.T + external[ci]
    if not np.all(np.isfinite(target_current)):
        raise DivergenceError("the target-generating network diverged; lower ForceParams.g, "
                              "hint_gain or input_scale")
    target_output = np.ascontiguousarray(np.concatenate([f_out, z_hints], axis=2))

    # RLS training of the task network.
    J = np.zeros((n, n))
    W_all = np.zeros((m + k_hints, n))
    P = np.eye(n) / params.alpha
    rng = rng_for(seed, "training_noise")
    noise_std = params.training_noise * math.sqrt(params.tau_ms / params.dt_ms)  # in drive units
    move = slice(n_prep, n_steps)
    # about each muscle's own mean, as in metrics.r2_score
    sst_out = float(np.sum((f_out[:, move] - f_out[:, move].mean(axis=(0, 1), keepdims=True)) ** 2))
    ms_current = float(np.mean(target_current ** 2)) or 1.0
    output = np.empty((n_steps, m + k_hints))
    no_rates = np.empty((0, n))
    # float32 standard normals: half the cost of float64 draws, ample for noise
    noise = np.empty((n_steps if noise_std > 0 else 0, n), dtype=np.float32)
    stats = np.zeros(3)
    work = np.empty((K.TRAIN_WORK_ROWS, n))
    z = np.empty(m + k_hints)
    training_error = np.empty(params.n_passes)
    current_error = np.empty(params.n_passes)
    curve_passes = np.unique(np.linspace(1, params.n_passes, min(params.n_passes, _N_CHECKPOINTS))
                             .round().astype(np.int64))
    r2_curve = np.empty(curve_passes.size)
    W_eval = np.empty((m, n))
    eval_out = np.empty((n_steps, m))
    eval_rates = np.empty((n_steps, n))
    eval_z = np.empty(m)
    eval_pred = np.empty((c, n_steps - n_prep, m))
    bar = tqdm(range(params.n_passes), desc="full-FORCE" + (" + hints" if k_hints else ""),
               unit="pass", disable=not progress, leave=False)
    for p in bar:
        sse_out = sq_cur = n_upd = 0.0
        for i, ci in enumerate(rng.permutation(c)):
            if noise_std > 0:
                rng.standard_normal(dtype=np.float32, out=noise)
            K.train_trial(J, W_all, P, x0, drive[ci], noise, noise_std, target_current[ci],
                          target_output[ci], dt_tau, params.update_every, output, no_rates, stats,
                          work, z)
            err = output[move, :m] - f_out[ci, move]
            sse = float(np.sum(err ** 2))
            if not (np.isfinite(sse) and np.all(np.isfinite(stats)) and stats[2] < _X_LIMIT):
                what = ("non-finite values" if not np.isfinite(sse + stats.sum())
                        else f"|x| reached {stats[2]:.3g}")
                raise DivergenceError(
                    f"full-FORCE training diverged in pass {p + 1}/{params.n_passes}, trial "
                    f"{i + 1}/{c} (direction {np.degrees(angles[ci]):.1f} deg): {what}. "
                    f"Increase ForceParams.alpha (now {params.alpha}) or lower hint_gain "
                    f"(now {params.hint_gain}), training_noise (now {params.training_noise}) "
                    f"or g (now {params.g}).")
            sse_out += sse
            sq_cur += stats[0]
            n_upd += stats[1]
        training_error[p] = sse_out / sst_out if sst_out > 0 else sse_out
        current_error[p] = sq_cur / max(n_upd, 1.0) / n / ms_current
        if p + 1 in curve_passes:
            W_eval[:] = W_all[:m]
            for ci in range(c):
                K.simulate_trial(J, W_eval, x0, drive[ci], dt_tau, eval_out, eval_rates,
                                 sim_work, eval_z)
                eval_pred[ci] = eval_out[move]
            k = np.searchsorted(curve_passes, p + 1)
            r2_curve[k] = r2_score(eval_pred, f_out[:, move])
            bar.set_postfix(r2=f"{r2_curve[k]:.3f}")
    bar.close()
    TRAINING_RUNS["ffh" if k_hints else "ff"] += 1

    W, W_hint = W_all[:m].copy(), W_all[m:].copy()
    act = simulate_arrays(J, np.concatenate([W, W_hint]), U_in, params, angles, time_ms)
    r2 = r2_score(act[0][..., :m], targets)
    hint_r2 = (r2_score(act[0][..., m:], (hints - hint_mean) / hint_std) if k_hints
               else math.nan)
    return TrainingRecord(J=J, W=W, W_hint=W_hint, U_in=U_in, training_error=training_error,
                          current_error=current_error, r2_curve=r2_curve,
                          curve_passes=curve_passes, r2=float(r2), hint_r2=float(hint_r2),
                          hint_mean=hint_mean, hint_std=hint_std,
                          seconds=time.perf_counter() - start, worker=worker_name())


def untrained(params: ForceParams, *, n_outputs: int, angles, time_ms,
              seed: SeedKey) -> TrainedRNN:
    """An untrained random network, the floor of the similarity study.

    Its recurrent weights are the target-generating network's ``J_D ~ N(0, g^2/N)`` and its
    input weights ``U_in`` of ``seed`` (those of the trained networks of the same seed); the
    ``n_outputs`` readouts are zero. ``angles`` and ``time_ms`` are the grids of the networks it
    stands beside.
    """
    if not isinstance(params, ForceParams):
        raise TypeError(f"params must be ForceParams, got {type(params).__name__}")
    seed = _as_key(seed)
    n_outputs = check_int("n_outputs", n_outputs, minimum=0)
    angles = check_array("angles", np.atleast_1d(angles), ndim=1)
    time_ms = check_array("time_ms", time_ms, ndim=1)
    J_D, U_in, _, _ = _draw_weights(params, np.zeros(0, np.int64), np.zeros(0, np.int64), seed)
    n = params.n_units
    return TrainedRNN(params=params, seed=seed, J=J_D, W=np.zeros((n_outputs, n)),
                      W_hint=np.zeros((0, n)), U_in=U_in, angles=angles, time_ms=time_ms,
                      training_error=np.zeros(0), current_error=np.zeros(0), r2_curve=np.zeros(0),
                      curve_passes=np.zeros(0, dtype=np.int64), r2=math.nan, hint_r2=math.nan,
                      hint_mean=np.zeros(0), hint_std=np.zeros(0), seconds=0.0)
