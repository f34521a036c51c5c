"""full-FORCE training with and without hints (DePasquale et al. 2018; Salatiello & Giese 2020).

One code path trains both networks of the paper: **FF** (``hints=None``) and **FFH** (``hints`` =
the observed SOC neurons' rates). The public functions validate, draw every random number with
NumPy from named seed streams, and call the numba kernels of :mod:`ffhlib._force_kernels`.

Trial structure [choice]: a preparatory period of ``prep_ms`` in which the network receives the
reach direction ``input_scale * (cos theta, sin theta)``, a go pulse in its last ``go_ms`` on a
third input channel, then the movement epoch on which the targets are defined (500 ms in this book).
During preparation the output target is the EMG at movement onset and the hint holds the SOC's
rates at movement onset. Both networks start every trial from ``x = 0``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator

import numpy as np
from tqdm.auto import tqdm

from . import _force_kernels as K
from ._params import param
from ._validate import check_array, check_bool, check_choice, check_float, check_int, check_seed
from .cache import cached
from .errors import DivergenceError
from .gains import r2_score
from .seeds import rng_for

__all__ = [
    "FittedPair",
    "ForceParams",
    "RNNActivity",
    "TrainedRNN",
    "fit_pair",
    "simulate",
    "train",
    "train_cached",
    "train_on_ground_truth",
    "trial_inputs",
    "untrained",
]

#: |x| beyond which a run counts as exploding (tanh units saturate long before).
_X_LIMIT = 1e4
#: Points of the learning curve ``TrainedRNN.r2_curve``.
_N_CHECKPOINTS = 20
#: Input channels: cos theta, sin theta, go pulse.
N_INPUTS = 3


@dataclasses.dataclass(frozen=True)
class ForceParams:
    """Parameters of the task network, the target-generating network and the RLS training.

    Notes
    -----
    Task network ``tau dx/dt = -x + J r + U_in f_in``, ``r = tanh(x)``, output ``z = W r``; target
    network ``tau dx_D/dt = -x_D + J_D r_D + U_in f_in + U_out f_out + U_hint f_hint`` with fixed
    ``J_D ~ N(0, g^2/N)`` and ``U_in, U_out, U_hint ~ U[-1, 1]``. Euler steps of ``dt``.
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
    n_passes: int = param(100, doc="training passes; each pass is one trial per training "
                          "direction, in shuffled order", provenance="choice")
    hint_gain: float = param(0.3, doc="hints are the observed SOC rates z-scored per neuron "
                             "times this gain (1.0 gave FFH R2 ~ 0.91, 0.3 ~ 0.99)",
                             provenance="choice")
    training_noise: float = param(0.05, doc="state noise sigma during training: each step adds "
                                  "N(0, sigma^2 dt/tau) to x of the task network",
                                  provenance="choice")
    prep_ms: float = param(200.0, doc="preparatory period before movement onset",
                           provenance="choice", unit="ms")
    go_ms: float = param(20.0, doc="duration of the go pulse (the end of the preparatory period)",
                         provenance="choice", unit="ms")
    go_amplitude: float = param(1.0, doc="amplitude of the go pulse (third input channel)",
                                provenance="choice")
    input_scale: float = param(1.0, doc="amplitude of the direction input (cos theta, sin theta)",
                               provenance="choice")
    cue_epoch: str = param("trial", doc="when the direction input is on: 'trial' (preparation "
                           "and movement) or 'preparation' (switched off at movement onset)",
                           provenance="choice")

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
        check_choice("cue_epoch", self.cue_epoch, ("trial", "preparation"))

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
class TrainedRNN:
    """A network trained with full-FORCE (or an untrained one, see :func:`untrained`).

    Attributes
    ----------
    params : ForceParams
    seed : int
    J : ndarray (N, N)
        Recurrent weights.
    W : ndarray (M, N)
        Readout of the M trained outputs (observed muscles).
    W_hint : ndarray (K, N)
        Readout of the K z-scored hints, learned by the same RLS alongside ``W`` (it does not
        act on the network); (0, N) for FF.
    U_in : ndarray (N, 3)
        Input weights (cos theta, sin theta, go).
    angles : ndarray (C,)
        Training directions, rad.
    time_ms : ndarray (T,)
        Grid of the movement-epoch targets, ms from movement onset.
    training_error : ndarray (n_passes,)
        Normalised squared output error during each pass (online, before each update; movement
        epoch; ``1 - R^2`` of the outputs seen during training).
    r2_curve : ndarray (n_checkpoints,)
        R^2 of the noiseless network (no learning) on the training directions after the passes
        ``curve_passes`` (movement epoch, dt grid): the learning curve.
    curve_passes : ndarray (n_checkpoints,)
        1-based pass numbers of ``r2_curve`` (up to 20, evenly spaced, the last pass included).
    current_error : ndarray (n_passes,)
        Mean squared error of ``J r`` against the target currents at update steps, divided by
        the mean square of the target currents.
    r2 : float
        R^2 of the noiseless output against the targets on the training directions (movement
        epoch, on ``time_ms``).
    hint_r2 : float
        R^2 of the hint readout against the z-scored hints (nan for FF).
    hint_mean, hint_std : ndarray (K,)
        The hints' z-scoring statistics.
    seconds : float
        Wall time of the training (of the original run when read from the cache).
    """

    params: ForceParams
    seed: int
    J: np.ndarray
    W: np.ndarray
    W_hint: np.ndarray
    U_in: np.ndarray
    angles: np.ndarray
    time_ms: np.ndarray
    training_error: np.ndarray
    current_error: np.ndarray
    r2_curve: np.ndarray
    curve_passes: np.ndarray
    r2: float
    hint_r2: float
    hint_mean: np.ndarray
    hint_std: np.ndarray
    seconds: float

    @property
    def n_units(self) -> int:
        return int(self.J.shape[0])

    @property
    def n_outputs(self) -> int:
        return int(self.W.shape[0])

    @property
    def n_hints(self) -> int:
        return int(self.W_hint.shape[0])

    @property
    def has_hints(self) -> bool:
        """True for FFH."""
        return self.n_hints > 0


@dataclasses.dataclass(frozen=True)
class RNNActivity:
    """A network's activity in the movement epoch.

    Attributes
    ----------
    angles : ndarray (C,)
        Directions, rad.
    time_ms : ndarray (T,)
        ms from movement onset.
    output : ndarray (C, T, M)
        Readout ``W r`` (the muscles).
    rates : ndarray (C, T, N)
        ``r = tanh(x)`` of every unit.
    hint_output : ndarray (C, T, K)
        Hint readout ``W_hint r`` (z-scored hints; K = 0 for FF).
    """

    angles: np.ndarray
    time_ms: np.ndarray
    output: np.ndarray
    rates: np.ndarray
    hint_output: np.ndarray


@dataclasses.dataclass(frozen=True)
class FittedPair:
    """FF and FFH trained on the same targets, observation and seed; unpacks as ``ff, ffh``."""

    ff: TrainedRNN
    ffh: TrainedRNN

    def __iter__(self) -> Iterator[TrainedRNN]:
        return iter((self.ff, self.ffh))


# ----------------------------------------------------------------------------- trial construction


def _n_move_steps(time_ms: np.ndarray, dt_ms: float) -> int:
    span = float(time_ms[-1] - time_ms[0])
    return int(math.floor(span / dt_ms + 1e-9)) + 1


def trial_inputs(angles, params: ForceParams, n_move_steps: int) -> np.ndarray:
    """Inputs ``f_in`` (C, S, 3) of one trial per direction: cos, sin, go.

    ``S = n_prep_steps + n_move_steps``; step ``n_prep_steps`` is movement onset. The direction
    channels are on during preparation and, if ``cue_epoch == "trial"``, during movement too.
    """
    angles = np.atleast_1d(np.asarray(angles, dtype=np.float64))
    n_prep = params.n_prep_steps
    n_steps = n_prep + n_move_steps
    f_in = np.zeros((angles.size, n_steps, N_INPUTS))
    cue_end = n_steps if params.cue_epoch == "trial" else n_prep
    f_in[:, :cue_end, 0] = params.input_scale * np.cos(angles)[:, None]
    f_in[:, :cue_end, 1] = params.input_scale * np.sin(angles)[:, None]
    f_in[:, n_prep - params.n_go_steps:n_prep, 2] = params.go_amplitude
    return f_in


def _to_trial_grid(values: np.ndarray, time_ms: np.ndarray, params: ForceParams) -> np.ndarray:
    """(C, T, X) on ``time_ms`` -> (C, S, X) on the dt grid of a whole trial.

    Linear interpolation in the movement epoch; during preparation the value at onset.
    """
    n_move = _n_move_steps(time_ms, params.dt_ms)
    fine = time_ms[0] + params.dt_ms * np.arange(n_move)
    moved = _interp_time(values, time_ms, fine)
    prep = np.repeat(moved[:, :1], params.n_prep_steps, axis=1)
    return np.ascontiguousarray(np.concatenate([prep, moved], axis=1))


def _interp_time(values: np.ndarray, t_old: np.ndarray, t_new: np.ndarray) -> np.ndarray:
    """Linear interpolation of (C, T, X) along axis 1 from ``t_old`` to ``t_new``."""
    pos = np.interp(t_new, t_old, np.arange(t_old.size, dtype=np.float64))
    lo = np.clip(np.floor(pos).astype(np.int64), 0, t_old.size - 1)
    hi = np.minimum(lo + 1, t_old.size - 1)
    w = (pos - lo)[None, :, None]
    if np.all(w == 0):
        return values[:, lo]
    return (1.0 - w) * values[:, lo] + w * values[:, hi]


# ----------------------------------------------------------------------------- weights


def _draw_weights(params: ForceParams, n_outputs: int, n_hints: int, seed: int):
    """J_D, U_in, U_out, U_hint from ``rng_for(seed, "rnn_weights")``.

    U_hint is drawn last, so FF and FFH with the same seed share J_D, U_in and U_out.
    """
    n = params.n_units
    rng = rng_for(seed, "rnn_weights")
    J_D = rng.normal(0.0, params.g / math.sqrt(n), size=(n, n))
    U_in = rng.uniform(-1.0, 1.0, size=(n, N_INPUTS))
    U_out = rng.uniform(-1.0, 1.0, size=(n, n_outputs))
    U_hint = rng.uniform(-1.0, 1.0, size=(n, n_hints))
    return J_D, U_in, U_out, U_hint


def _zscore_stats(hints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = hints.reshape(-1, hints.shape[-1])
    mean = flat.mean(axis=0)
    std = flat.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


# ----------------------------------------------------------------------------- training


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


def train(
    targets,
    angles,
    time_ms,
    params: ForceParams,
    seed: int,
    *,
    hints=None,
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
    seed : int
        Weights from ``rng_for(seed, "rnn_weights")``; training noise and the order of directions
        from ``rng_for(seed, "training_noise")``.
    hints : array (C, T, K) or None
        Hint signals (observed SOC rates); z-scored per unit over all directions and times and
        multiplied by ``params.hint_gain`` before they drive the target network. None = FF.
    progress : bool
        tqdm bar over passes.
    use_cache : bool
        Read/write the trained weights from/to the on-disk cache (key: data, params, seed).

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
    seed = check_seed("seed", seed)
    progress = check_bool("progress", progress)
    use_cache = check_bool("use_cache", use_cache)
    targets, angles, time_ms, hints = _validate_training_data(targets, angles, time_ms, hints)
    key = {"targets": targets, "angles": angles, "time_ms": time_ms, "hints": hints,
           "params": params, "seed": seed}
    arrays = cached("fullforce", key,
                    lambda: _train_arrays(targets, angles, time_ms, params, seed, hints, progress),
                    enabled=use_cache)
    return TrainedRNN(
        params=params, seed=seed, angles=angles, time_ms=time_ms,
        J=arrays["J"], W=arrays["W"], W_hint=arrays["W_hint"], U_in=arrays["U_in"],
        training_error=arrays["training_error"], current_error=arrays["current_error"],
        r2_curve=arrays["r2_curve"], curve_passes=arrays["curve_passes"],
        r2=float(arrays["r2"]), hint_r2=float(arrays["hint_r2"]),
        hint_mean=arrays["hint_mean"], hint_std=arrays["hint_std"],
        seconds=float(arrays["seconds"]),
    )


def train_cached(targets, angles, time_ms, params: ForceParams, seed: int, *, hints=None,
                 progress: bool = True) -> TrainedRNN:
    """:func:`train` through the on-disk cache: trained once per (data, params, seed)."""
    return train(targets, angles, time_ms, params, seed, hints=hints, progress=progress,
                 use_cache=True)


def _train_arrays(targets, angles, time_ms, params, seed, hints, progress) -> dict:
    start = time.perf_counter()
    c, _, m = targets.shape
    n = params.n_units
    k_hints = 0 if hints is None else hints.shape[2]
    J_D, U_in, U_out, U_hint = _draw_weights(params, m, k_hints, seed)
    dt_tau = params.dt_ms / params.tau_ms

    # Signals on the trial grid (C, S, .)
    f_in = trial_inputs(angles, params, _n_move_steps(time_ms, params.dt_ms))
    f_out = _to_trial_grid(targets, time_ms, params)
    if hints is not None:
        hint_mean, hint_std = _zscore_stats(hints)
        z_hints = _to_trial_grid((hints - hint_mean) / hint_std, time_ms, params)
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
    x0 = np.zeros(n)
    for ci in range(c):
        K.simulate_trial(J_D, np.zeros((0, n)), x0, np.ascontiguousarray(drive[ci] + external[ci]),
                         dt_tau, no_out, rates_D)
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
    # about each muscle's own mean, as in gains.r2_score
    sst_out = float(np.sum((f_out[:, move] - f_out[:, move].mean(axis=(0, 1), keepdims=True)) ** 2))
    ms_current = float(np.mean(target_current ** 2)) or 1.0
    output = np.empty((n_steps, m + k_hints))
    no_rates = np.empty((0, n))
    # float32 standard normals: half the cost of float64 draws, ample for noise
    noise = np.empty((n_steps if noise_std > 0 else 0, n), dtype=np.float32)
    stats = np.zeros(3)
    training_error = np.empty(params.n_passes)
    current_error = np.empty(params.n_passes)
    curve_passes = np.unique(np.linspace(1, params.n_passes, min(params.n_passes, _N_CHECKPOINTS))
                             .round().astype(np.int64))
    r2_curve = np.empty(curve_passes.size)
    W_eval = np.empty((m, n))
    eval_out = np.empty((n_steps, m))
    eval_rates = np.empty((n_steps, n))
    eval_pred = np.empty((c, n_steps - n_prep, m))
    bar = tqdm(range(params.n_passes), desc="full-FORCE" + (" + hints" if k_hints else ""),
               unit="pass", disable=not progress, leave=False)
    for p in bar:
        sse_out = sq_cur = n_upd = 0.0
        for i, ci in enumerate(rng.permutation(c)):
            if noise_std > 0:
                rng.standard_normal(dtype=np.float32, out=noise)
            K.train_trial(J, W_all, P, x0, drive[ci], noise, noise_std, target_current[ci],
                          target_output[ci], dt_tau, params.update_every, output, no_rates, stats)
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
                K.simulate_trial(J, W_eval, x0, drive[ci], dt_tau, eval_out, eval_rates)
                eval_pred[ci] = eval_out[move]
            r2_curve[np.searchsorted(curve_passes, p + 1)] = r2_score(eval_pred, f_out[:, move])
            bar.set_postfix(r2=f"{r2_curve[np.searchsorted(curve_passes, p + 1)]:.3f}")
    bar.close()

    W, W_hint = W_all[:m].copy(), W_all[m:].copy()
    net = TrainedRNN(params=params, seed=seed, J=J, W=W, W_hint=W_hint, U_in=U_in,
                     angles=angles, time_ms=time_ms, training_error=training_error,
                     current_error=current_error, r2_curve=r2_curve, curve_passes=curve_passes,
                     r2=math.nan, hint_r2=math.nan,
                     hint_mean=hint_mean, hint_std=hint_std, seconds=math.nan)
    act = simulate(net, angles, time_ms=time_ms)
    r2 = r2_score(act.output, targets)
    hint_r2 = (r2_score(act.hint_output, (hints - hint_mean) / hint_std) if k_hints
               else math.nan)
    return {"J": J, "W": W, "W_hint": W_hint, "U_in": U_in, "training_error": training_error,
            "current_error": current_error, "r2_curve": r2_curve, "curve_passes": curve_passes,
            "r2": np.float64(r2), "hint_r2": np.float64(hint_r2),
            "hint_mean": hint_mean, "hint_std": hint_std,
            "seconds": np.float64(time.perf_counter() - start)}


# ----------------------------------------------------------------------------- evaluation


def simulate(net: TrainedRNN, angles, *, time_ms=None, input_noise: float = 0.0,
             seed: int = 0) -> RNNActivity:
    """Run a trained network (no learning, no state noise) for any directions.

    Parameters
    ----------
    net : TrainedRNN
    angles : array (C,)
        Directions, rad; need not be trained ones.
    time_ms : array (T,) or None
        Movement-epoch times to report, within the trained span (default: the trained grid);
        the dt-grid activity is interpolated linearly.
    input_noise : float
        Standard deviation of Gaussian white noise added to every input channel at every step
        (preparation included), from ``rng_for(seed, "test_noise")``.
    seed : int

    Returns
    -------
    RNNActivity
        Movement epoch only.
    """
    if not isinstance(net, TrainedRNN):
        raise TypeError(f"net must be a TrainedRNN, got {type(net).__name__}")
    angles = check_array("angles", np.atleast_1d(angles), ndim=1)
    input_noise = check_float("input_noise", input_noise, minimum=0.0)
    seed = check_seed("seed", seed)
    params = net.params
    t0 = float(net.time_ms[0])
    n_move = _n_move_steps(net.time_ms, params.dt_ms)
    fine = t0 + params.dt_ms * np.arange(n_move)
    if time_ms is None:
        time_ms = net.time_ms
    time_ms = check_array("time_ms", time_ms, ndim=1)
    if time_ms.size and (time_ms.min() < fine[0] - 1e-9 or time_ms.max() > fine[-1] + 1e-9):
        raise ValueError(f"time_ms must lie within the trained movement epoch "
                         f"[{fine[0]}, {fine[-1]}] ms")
    f_in = trial_inputs(angles, params, n_move)
    if input_noise > 0:
        f_in = f_in + input_noise * rng_for(seed, "test_noise").standard_normal(f_in.shape)
    n = net.n_units
    W_all = np.ascontiguousarray(np.concatenate([net.W, net.W_hint], axis=0))
    n_steps = f_in.shape[1]
    rates = np.empty((angles.size, n_steps, n))
    out = np.empty((angles.size, n_steps, W_all.shape[0]))
    dt_tau = params.dt_ms / params.tau_ms
    x0 = np.zeros(n)
    J = np.ascontiguousarray(net.J)
    for ci in range(angles.size):
        drive = np.ascontiguousarray(f_in[ci] @ net.U_in.T)
        K.simulate_trial(J, W_all, x0, drive, dt_tau, out[ci], rates[ci])
    move = slice(params.n_prep_steps, n_steps)
    rates = _interp_time(rates[:, move], fine, time_ms)
    out = _interp_time(out[:, move], fine, time_ms)
    m = net.n_outputs
    return RNNActivity(angles=angles, time_ms=time_ms, output=out[..., :m], rates=rates,
                       hint_output=out[..., m:])


def untrained(params: ForceParams, *, n_inputs_like: TrainedRNN, seed: int) -> TrainedRNN:
    """An untrained random network, the baseline of the similarity study.

    Its recurrent weights are the target-generating network's ``J_D ~ N(0, g^2/N)`` and its
    input weights ``U_in`` of ``seed``; the readouts are zero. Grids and output sizes are taken
    from ``n_inputs_like``.
    """
    if not isinstance(params, ForceParams):
        raise TypeError(f"params must be ForceParams, got {type(params).__name__}")
    seed = check_seed("seed", seed)
    like = n_inputs_like
    J_D, U_in, _, _ = _draw_weights(params, like.n_outputs, 0, seed)
    n = params.n_units
    return TrainedRNN(params=params, seed=seed, J=J_D, W=np.zeros((like.n_outputs, n)),
                      W_hint=np.zeros((0, n)), U_in=U_in, angles=like.angles,
                      time_ms=like.time_ms, training_error=np.zeros(0),
                      current_error=np.zeros(0), r2_curve=np.zeros(0),
                      curve_passes=np.zeros(0, dtype=np.int64), r2=math.nan, hint_r2=math.nan,
                      hint_mean=np.zeros(0), hint_std=np.zeros(0), seconds=0.0)


# ----------------------------------------------------------------------------- ground truth


def train_on_ground_truth(gt, obs, params: ForceParams, seed: int, *, hints: bool,
                          progress: bool = True, use_cache: bool = True) -> TrainedRNN:
    """Train FF (``hints=False``) or FFH on the ground truth's **training** directions.

    Targets: ``gt.training.emg`` of the observed muscles; hints: ``gt.training.rates`` of the
    observed neurons (see :class:`ffhlib.observe.Observation`).
    """
    hints = check_bool("hints", hints)
    tr = gt.training
    return train(obs.muscles(tr.emg), tr.angles, tr.time_ms, params, seed,
                 hints=obs.neurons(tr.rates) if hints else None, progress=progress,
                 use_cache=use_cache)


def fit_pair(gt, obs, params: ForceParams, seed: int, *, progress: bool = True,
             use_cache: bool = True) -> FittedPair:
    """FF and FFH with the same seed on the same observed data; ``ff, ffh = fit_pair(...)``."""
    kw = dict(progress=progress, use_cache=use_cache)
    return FittedPair(ff=train_on_ground_truth(gt, obs, params, seed, hints=False, **kw),
                      ffh=train_on_ground_truth(gt, obs, params, seed, hints=True, **kw))
