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
import os
import socket
import time
from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from . import _force_kernels as K
from ._params import param
from ._validate import check_array, check_bool, check_choice, check_float, check_int
from .cache import cached_result
from .errors import DivergenceError
from .metrics import r2_score
from .seeds import SeedKey, check_seed_key, rng_for

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
#: Input channels: cos theta, sin theta, go pulse.
N_INPUTS = 3
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


#: The trial designs: the direction input during preparation only, or held through the movement.
CUE_EPOCHS = ("preparation", "trial")


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


@dataclasses.dataclass(frozen=True)
class TrainedRNN:
    """A network trained with full-FORCE (or an untrained one, see :func:`untrained`).

    Attributes
    ----------
    params : ForceParams
    seed : tuple of int
        The seed key its weights, noise and order of directions were drawn with.
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
    current_error : ndarray (n_passes,)
        Mean squared error of ``J r`` against the target currents at the informative update
        steps (``r != 0``), divided by the mean square of the target currents.
    r2_curve : ndarray (n_checkpoints,)
        R^2 of the noiseless network (no learning) on the training directions after the passes
        ``curve_passes`` (movement epoch, dt grid): the learning curve.
    curve_passes : ndarray (n_checkpoints,)
        1-based pass numbers of ``r2_curve`` (up to 20, evenly spaced, the last pass included).
    r2 : float
        R^2 of the noiseless output against the targets on the training directions (movement
        epoch, on ``time_ms``; each muscle against its own mean, :func:`ffhlib.metrics.r2_score`).
    hint_r2 : float
        R^2 of the hint readout against the z-scored hints (nan for FF).
    hint_mean, hint_std : ndarray (K,)
        The hints' z-scoring statistics.
    seconds : float
        Wall time of the training (of the original run when read from the cache).
    worker : str
        ``host:pid`` of the process that trained it.
    """

    params: ForceParams
    seed: tuple
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
    worker: str = ""

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


# ----------------------------------------------------------------------------- trial construction


def _n_move_steps(time_ms: np.ndarray, dt_ms: float) -> int:
    span = float(time_ms[-1] - time_ms[0])
    return int(math.floor(span / dt_ms + 1e-9)) + 1


def trial_inputs(angles, params: ForceParams, n_move_steps: int, *, prep_ms: float | None = None,
                 switch_angles=None, switch_ms: float | None = None) -> np.ndarray:
    """Inputs ``f_in`` (C, S, 3) of one trial per direction: cos, sin, go.

    Parameters
    ----------
    angles : array (C,)
        Reach directions, rad.
    params : ForceParams
    n_move_steps : int
        Steps of the movement epoch.
    prep_ms : float, optional
        Preparatory period of this trial (default ``params.prep_ms``): a task variant with a
        shorter or longer delay than in training. The go pulse always ends the preparation.
    switch_angles : array (C,), optional
        A task variant: the cue switches to these directions ``switch_ms`` after trial start.
    switch_ms : float, optional
        When the cue switches (within the preparatory period).

    Returns
    -------
    ndarray (C, S, 3)
        ``S = n_prep + n_move_steps``; step ``n_prep`` is movement onset. The direction channels
        are on during preparation and, if ``cue_epoch == "trial"``, during movement too.
    """
    angles = np.atleast_1d(np.asarray(angles, dtype=np.float64))
    prep_ms = params.prep_ms if prep_ms is None else check_float(
        "prep_ms", prep_ms, minimum=params.go_ms)
    n_prep = int(round(prep_ms / params.dt_ms))
    n_steps = n_prep + n_move_steps
    f_in = np.zeros((angles.size, n_steps, N_INPUTS))
    cue_end = n_steps if params.cue_epoch == "trial" else n_prep
    f_in[:, :cue_end, 0] = params.input_scale * np.cos(angles)[:, None]
    f_in[:, :cue_end, 1] = params.input_scale * np.sin(angles)[:, None]
    if switch_angles is not None:
        switch_angles = check_array("switch_angles", np.atleast_1d(switch_angles),
                                    shape=(angles.size,))
        switch_ms = check_float("switch_ms", switch_ms, minimum=0.0, maximum=prep_ms)
        start = int(round(switch_ms / params.dt_ms))
        f_in[:, start:cue_end, 0] = params.input_scale * np.cos(switch_angles)[:, None]
        f_in[:, start:cue_end, 1] = params.input_scale * np.sin(switch_angles)[:, None]
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


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _train(targets, angles, time_ms, params, seed, hints, output_ids, hint_ids,
           progress) -> TrainingRecord:
    start = time.perf_counter()
    c, _, m = targets.shape
    n = params.n_units
    k_hints = hint_ids.size
    J_D, U_in, U_out, U_hint = _draw_weights(params, output_ids, hint_ids, seed)
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
    act = _simulate_arrays(J, np.concatenate([W, W_hint]), U_in, params, angles, time_ms)
    r2 = r2_score(act[0][..., :m], targets)
    hint_r2 = (r2_score(act[0][..., m:], (hints - hint_mean) / hint_std) if k_hints
               else math.nan)
    return TrainingRecord(J=J, W=W, W_hint=W_hint, U_in=U_in, training_error=training_error,
                          current_error=current_error, r2_curve=r2_curve,
                          curve_passes=curve_passes, r2=float(r2), hint_r2=float(hint_r2),
                          hint_mean=hint_mean, hint_std=hint_std,
                          seconds=time.perf_counter() - start, worker=_worker())


# ----------------------------------------------------------------------------- evaluation


def _simulate_arrays(J, W_all, U_in, params: ForceParams, angles, time_ms, *, input_noise=0.0,
                     noise_seed=None, time_out=None, prep_ms=None, switch_angles=None,
                     switch_ms=None):
    """(outputs (C, T, M+K), rates (C, T, N)) of the movement epoch, on ``time_out``."""
    t0 = float(time_ms[0])
    n_move = _n_move_steps(time_ms, params.dt_ms)
    fine = t0 + params.dt_ms * np.arange(n_move)
    time_out = time_ms if time_out is None else time_out
    f_in = trial_inputs(angles, params, n_move, prep_ms=prep_ms, switch_angles=switch_angles,
                        switch_ms=switch_ms)
    if input_noise > 0:
        f_in = f_in + input_noise * np.random.default_rng(noise_seed).standard_normal(f_in.shape)
    n = J.shape[0]
    n_steps = f_in.shape[1]
    rates = np.empty((angles.size, n_steps, n))
    out = np.empty((angles.size, n_steps, W_all.shape[0]))
    work = np.empty((K.SIMULATE_WORK_ROWS, n))
    z = np.empty(W_all.shape[0])
    dt_tau = params.dt_ms / params.tau_ms
    x0 = np.zeros(n)
    J = np.ascontiguousarray(J)
    W_all = np.ascontiguousarray(W_all)
    for ci in range(angles.size):
        drive = np.ascontiguousarray(f_in[ci] @ U_in.T)
        K.simulate_trial(J, W_all, x0, drive, dt_tau, out[ci], rates[ci], work, z)
    move = slice(n_steps - n_move, n_steps)
    return (_interp_time(out[:, move], fine, time_out),
            _interp_time(rates[:, move], fine, time_out))


def simulate(net: TrainedRNN, angles, *, time_ms=None, input_noise: float = 0.0,
             noise_seed=None, prep_ms: float | None = None, switch_angles=None,
             switch_ms: float | None = None) -> RNNActivity:
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
        (preparation included).
    noise_seed : np.random.SeedSequence or int, optional
        Seed of the input noise (required when ``input_noise > 0``); give each noisy trial its
        own child of ``SeedSequence.spawn`` (see :func:`ffhlib.seeds.spawn_seeds`).
    prep_ms, switch_angles, switch_ms
        Task variants (see :func:`trial_inputs`): another preparatory period; a cue switched to
        other directions during preparation.

    Returns
    -------
    RNNActivity
        Movement epoch only.
    """
    if not isinstance(net, TrainedRNN):
        raise TypeError(f"net must be a TrainedRNN, got {type(net).__name__}")
    angles = check_array("angles", np.atleast_1d(angles), ndim=1)
    input_noise = check_float("input_noise", input_noise, minimum=0.0)
    if input_noise > 0 and noise_seed is None:
        raise ValueError("noise_seed is required when input_noise > 0")
    params = net.params
    n_move = _n_move_steps(net.time_ms, params.dt_ms)
    fine = float(net.time_ms[0]) + params.dt_ms * np.arange(n_move)
    time_ms = net.time_ms if time_ms is None else check_array("time_ms", time_ms, ndim=1)
    if time_ms.size and (time_ms.min() < fine[0] - 1e-9 or time_ms.max() > fine[-1] + 1e-9):
        raise ValueError(f"time_ms must lie within the trained movement epoch "
                         f"[{fine[0]}, {fine[-1]}] ms")
    out, rates = _simulate_arrays(
        net.J, np.concatenate([net.W, net.W_hint], axis=0), net.U_in, params, angles, net.time_ms,
        input_noise=input_noise, noise_seed=noise_seed, time_out=time_ms, prep_ms=prep_ms,
        switch_angles=switch_angles, switch_ms=switch_ms)
    m = net.n_outputs
    return RNNActivity(angles=angles, time_ms=time_ms, output=out[..., :m], rates=rates,
                       hint_output=out[..., m:])


def trial_states(net: TrainedRNN, angles, *, prep_ms: float | None = None):
    """The state ``x`` of every unit over a whole noiseless trial, preparation included.

    Parameters
    ----------
    net : TrainedRNN
    angles : array (C,)
    prep_ms : float, optional
        Preparatory period (default: the trained one).

    Returns
    -------
    (time_ms, x) : ndarray (S,), ndarray (C, S, N)
        Time from movement onset on the dt grid (negative during preparation) and the states
        (``x = artanh(r)`` of the recorded rates).
    """
    if not isinstance(net, TrainedRNN):
        raise TypeError(f"net must be a TrainedRNN, got {type(net).__name__}")
    angles = check_array("angles", np.atleast_1d(angles), ndim=1)
    params = net.params
    n_move = _n_move_steps(net.time_ms, params.dt_ms)
    f_in = trial_inputs(angles, params, n_move, prep_ms=prep_ms)
    n, n_steps = net.n_units, f_in.shape[1]
    rates = np.empty((angles.size, n_steps, n))
    out = np.empty((angles.size, n_steps, 0))
    work = np.empty((K.SIMULATE_WORK_ROWS, n))
    J = np.ascontiguousarray(net.J)
    for ci in range(angles.size):
        drive = np.ascontiguousarray(f_in[ci] @ net.U_in.T)
        K.simulate_trial(J, np.zeros((0, n)), np.zeros(n), drive, params.dt_ms / params.tau_ms,
                         out[ci], rates[ci], work, np.empty(0))
    time_ms = float(net.time_ms[0]) + params.dt_ms * (np.arange(n_steps) - (n_steps - n_move))
    return time_ms, np.arctanh(np.clip(rates, -1 + 1e-15, 1 - 1e-15))


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
