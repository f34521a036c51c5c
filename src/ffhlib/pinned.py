"""Data-constrained units: a network some of whose own units follow the recorded neurons.

The FORCE family's own way to use recordings (PINning, Rajan, Harvey & Tank 2016; CURBD, Perich
et al. 2020): instead of feeding the recordings to a target-generating network as hints (FFH),
K units of the task network itself (K = the number of recorded neurons) are trained to reproduce
the recorded rates, and the EMG is read out from the whole network.

The network [as :mod:`ffhlib.fullforce`]: ``tau dx/dt = -x + J r + U_in f_in``, ``r = tanh(x)``,
EMG ``z = W r``, the book's trial design (:mod:`ffhlib.trials`), every trial from ``x = 0``.
``J(0) ~ N(0, g^2/N)`` and ``U_in ~ U[-1, 1]`` are drawn from the stream ``rnn_weights`` exactly as
full-FORCE's target-generating network ``J_D`` and input weights, so FF, FFH and the pinned network
of one seed share them.

Which units, and their targets [choice]:

- **Pinned units**: the first K units ``0 .. K-1``; unit ``i`` follows recorded neuron ``i`` (the
  i-th column of ``hints``). The other ``N - K`` units are **free**: their rows of ``J`` stay the
  random ``J(0)`` (gain ``g``, as full-FORCE's target network), their input weights ``U_in``.
- **Transform into the unit's range**: each recorded neuron is z-scored (over all training
  directions and times, as FFH's hints), times ``target_gain``; that is the pinned unit's target
  *state* ``h = target_gain * z`` and its target *rate* is ``tanh(h)``, always inside tanh's
  range (CURBD scales the data into (-1, 1) by the maximum and clips; the monotone squashing
  needs no clipping).
- **Epoch [the convention of every rival that uses recordings]**: targets exist on the movement
  epoch only, where the recorded rates do (``time_ms``, interpolated linearly to dt). During the
  preparatory period nothing is learned: the network runs freely under its input, and no target
  is held (FFH's hints hold the onset value through preparation; here, as in the BPTT activity
  loss, the preparatory activity is left to the network).

Learning [the CURBD/PINning formulation, made exact for any tau]: at an update step ``t`` of the
learning steps (from the last preparatory step to the second-to-last step, so that every state of
the movement epoch is a target), RLS (:func:`ffhlib._force_kernels.rls_step`, one ``P`` shared by
``J`` and ``W``; ``P(0) = I / alpha``) moves the pinned rows of ``J`` so that their recurrent
current ``(J r)_i`` equals

    ``I_i(t) = h_i(t) + (tau / dt) (h_i(t+1) - h_i(t)) - (U_in f_in(t))_i``,

the current that carries a unit at ``x_i(t) = h_i(t)`` to ``h_i(t+1)`` in one Euler step, and ``W``
so that ``W r(t)`` equals the EMG at ``t`` (full-FORCE's readout rule). CURBD trains the total
current to the scaled rate itself, which its small tau (relative to the data) makes the state
follow; the derivative term makes the state follow ``h`` at any tau, and ``tanh`` makes the rate
follow ``tanh(h)``.

What :func:`train` returns is a :class:`ffhlib.rnn.TrainedRNN`, so :func:`ffhlib.rnn.simulate`
runs it unchanged: ``W_hint`` is the identity readout of the pinned units (``[I_K, 0]``), so the
``hint_output`` of a run is the pinned units' rates, to be compared with ``tanh(target_gain z)``;
``hint_r2`` is that fit on the training directions (movement epoch, on ``time_ms``), ``r2`` the EMG
fit; ``hint_mean`` and ``hint_std`` are the z-scoring statistics.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from . import _force_kernels as K
from . import _pinned_kernels as PK
from ._host import worker_name
from ._params import param
from ._validate import check_array, check_bool, check_choice, check_float, check_int
from .cache import cached_result
from .errors import DivergenceError
from .fullforce import ForceParams, TrainingRecord
from .metrics import r2_score
from .rnn import TrainedRNN
from .seeds import SeedKey, check_seed_key, rng_for
from .trials import (
    CUE_EPOCHS,
    N_INPUTS,
    movement_steps,
    simulate_arrays,
    to_trial_grid,
    trial_inputs,
)

__all__ = ["TRAINING_RUNS", "PinnedParams", "pinned_targets", "train"]

#: |x| beyond which a run counts as exploding.
_X_LIMIT = 1e4
#: Points of the learning curve.
_N_CHECKPOINTS = 20
#: How many pinned networks this process has trained (not loaded from the cache).
TRAINING_RUNS: Counter = Counter()
#: The fields shared with :class:`ffhlib.fullforce.ForceParams` (network and trial design).
_SHARED = ("n_units", "tau_ms", "dt_ms", "g", "alpha", "update_every", "training_noise",
           "n_passes", "prep_ms", "go_ms", "go_amplitude", "input_scale", "cue_epoch")


@dataclasses.dataclass(frozen=True)
class PinnedParams:
    """Parameters of a network with data-constrained units and of its RLS training.

    The network and the trial design are full-FORCE's (:class:`ffhlib.fullforce.ForceParams`,
    :meth:`from_force` copies them); ``target_gain``, ``training_noise`` and ``n_passes`` are
    calibrated by chapter 04's rule (:mod:`ffhlib.rival_calibration`).
    """

    n_units: int = param(300, doc="units N of the network (the first K are pinned)",
                         provenance="ref-code")
    tau_ms: float = param(10.0, doc="unit time constant tau", provenance="ref-code", unit="ms")
    dt_ms: float = param(1.0, doc="Euler time step dt", provenance="ref-code", unit="ms")
    g: float = param(1.5, doc="gain of the initial random J ~ N(0, g^2/N) (the free units' rows "
                     "keep it)", provenance="ref-paper")
    alpha: float = param(1.0, doc="RLS regulariser: P(0) = I / alpha (ridge penalty)",
                         provenance="ref-code")
    update_every: int = param(2, doc="RLS update every this many time steps (of the learning "
                              "steps)", provenance="ref-code")
    n_passes: int = param(44, doc="training passes; each pass is one trial per training "
                          "direction, in shuffled order", provenance="calibrated")
    target_gain: float = param(0.5, doc="a pinned unit's target state is its recorded neuron "
                               "z-scored times this gain; its target rate tanh of that",
                               provenance="calibrated")
    training_noise: float = param(0.02, doc="state noise sigma during training: each step adds "
                                  "N(0, sigma^2 dt/tau) to x", provenance="calibrated")
    prep_ms: float = param(200.0, doc="preparatory period before movement onset",
                           provenance="choice", unit="ms")
    go_ms: float = param(20.0, doc="duration of the go pulse (the end of the preparatory period)",
                         provenance="choice", unit="ms")
    go_amplitude: float = param(1.0, doc="amplitude of the go pulse (third input channel)",
                                provenance="choice")
    input_scale: float = param(1.0, doc="amplitude of the direction input (cos theta, sin theta)",
                               provenance="choice")
    cue_epoch: str = param("preparation", doc="when the direction input is on: 'preparation' or "
                           "'trial'", provenance="choice")

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
        check_float("target_gain", self.target_gain, minimum=0.0, exclusive_minimum=True)
        check_float("training_noise", self.training_noise, minimum=0.0)
        check_float("prep_ms", self.prep_ms, minimum=0.0)
        check_float("go_ms", self.go_ms, minimum=0.0, maximum=self.prep_ms)
        check_float("go_amplitude", self.go_amplitude)
        check_float("input_scale", self.input_scale)
        check_choice("cue_epoch", self.cue_epoch, CUE_EPOCHS)
        if self.n_prep_steps < 1:
            raise ValueError(f"prep_ms must be at least one step dt_ms={self.dt_ms} (the last "
                             f"preparatory step is a learning step); got {self.prep_ms}")

    @classmethod
    def from_force(cls, force: ForceParams, **changes) -> PinnedParams:
        """The network and trial design of ``force`` (everything but the hint gain), with
        ``changes``; ``target_gain`` keeps its default unless given."""
        if not isinstance(force, ForceParams):
            raise TypeError(f"force must be ForceParams, got {type(force).__name__}")
        return cls(**{**{name: getattr(force, name) for name in _SHARED}, **changes})

    @property
    def n_prep_steps(self) -> int:
        """Steps of the preparatory period."""
        return int(round(self.prep_ms / self.dt_ms))

    @property
    def n_go_steps(self) -> int:
        """Steps of the go pulse."""
        return int(round(self.go_ms / self.dt_ms))


def pinned_targets(hints: np.ndarray, target_gain: float):
    """The pinned units' target states ``h`` and the z-scoring statistics.

    Parameters
    ----------
    hints : array (C, T, K)
        Recorded rates.
    target_gain : float

    Returns
    -------
    (h, mean, std) : ndarray (C, T, K), ndarray (K,), ndarray (K,)
        ``h = target_gain * (hints - mean) / std``; the target rates are ``tanh(h)``. A neuron
        with zero variance gets ``std = 1``.
    """
    flat = hints.reshape(-1, hints.shape[-1])
    mean = flat.mean(axis=0)
    std = flat.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return target_gain * (hints - mean) / std, mean, std


def _validate(targets, angles, time_ms, hints, params):
    targets = check_array("targets", targets, ndim=3)
    c, t, m = targets.shape
    if c < 1 or t < 2 or m < 1:
        raise ValueError(f"targets must have shape (C >= 1, T >= 2, M >= 1), got {targets.shape}")
    angles = check_array("angles", angles, shape=(c,))
    time_ms = check_array("time_ms", time_ms, shape=(t,))
    if np.any(np.diff(time_ms) <= 0):
        raise ValueError("time_ms must be strictly increasing")
    steps = (time_ms[-1] - time_ms[0]) / params.dt_ms
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(f"time_ms must span a whole number of dt_ms={params.dt_ms} steps (else "
                         f"its last times lie beyond the simulated ones); got a span of "
                         f"{time_ms[-1] - time_ms[0]} ms")
    hints = check_array("hints", hints, ndim=3)
    if hints.shape[:2] != (c, t) or hints.shape[2] < 1:
        raise ValueError(f"hints must have shape ({c}, {t}, K >= 1) to match targets "
                         f"{targets.shape}, got {hints.shape}")
    if hints.shape[2] > params.n_units:
        raise ValueError(f"hints has K={hints.shape[2]} recorded neurons, more than the network's "
                         f"n_units={params.n_units}: each needs a unit of its own")
    return targets, angles, time_ms, hints


def train(targets, angles, time_ms, params: PinnedParams, seed: SeedKey, *, hints,
          progress: bool = True, use_cache: bool = False) -> TrainedRNN:
    """Train a network whose first K units follow the recorded neurons (see the module docstring).

    Parameters
    ----------
    targets : array (C, T, M)
        EMG targets per direction on ``time_ms``.
    angles : array (C,)
        Reach directions, rad.
    time_ms : array (T,)
        Movement-epoch grid, ms (strictly increasing).
    params : PinnedParams
    seed : int or tuple of int
        Weights from ``rng_for(seed, "rnn_weights")`` (as full-FORCE's ``J_D`` and ``U_in``),
        training noise and the order of directions from ``rng_for(seed, "training_noise")``.
    hints : array (C, T, K)
        The recorded neurons' rates; K <= N.
    progress : bool
        tqdm bar over passes.
    use_cache : bool
        Read/write the trained weights from/to the on-disk cache (stage ``pinned``).

    Returns
    -------
    TrainedRNN
        ``W_hint = [I_K, 0]`` (the pinned units' rates), ``hint_r2`` their fit to
        ``tanh(target_gain z)``.

    Raises
    ------
    ValueError, TypeError
        On malformed input, before any training.
    DivergenceError
        If the state or the weights become non-finite or explode.
    """
    if not isinstance(params, PinnedParams):
        raise TypeError(f"params must be PinnedParams, got {type(params).__name__}")
    seed = check_seed_key("seed", seed)
    seed = seed if isinstance(seed, tuple) else (seed,)
    progress = check_bool("progress", progress)
    use_cache = check_bool("use_cache", use_cache)
    targets, angles, time_ms, hints = _validate(targets, angles, time_ms, hints, params)
    key = {"targets": targets, "angles": angles, "time_ms": time_ms, "hints": hints,
           "params": params, "seed": seed}
    record, _ = cached_result(
        "pinned", key, lambda: _train(targets, angles, time_ms, params, seed, hints, progress),
        TrainingRecord, module=__name__, enabled=use_cache)
    return TrainedRNN(params=params, seed=seed, angles=angles, time_ms=time_ms,
                      **{f.name: getattr(record, f.name) for f in dataclasses.fields(record)})


def _draw_weights(params: PinnedParams, seed: tuple):
    """``J(0)`` and ``U_in`` from the stream ``rnn_weights``, as full-FORCE's ``J_D``, ``U_in``."""
    n = params.n_units
    rng = rng_for(seed, "rnn_weights")
    J = rng.normal(0.0, params.g / math.sqrt(n), size=(n, n))
    U_in = rng.uniform(-1.0, 1.0, size=(n, N_INPUTS))
    return J, U_in


def _train(targets, angles, time_ms, params, seed, hints, progress) -> TrainingRecord:
    start = time.perf_counter()
    c, _, m = targets.shape
    k_pin = hints.shape[2]
    n = params.n_units
    J, U_in = _draw_weights(params, seed)
    dt_tau = params.dt_ms / params.tau_ms
    f_in = trial_inputs(angles, params, movement_steps(time_ms, params.dt_ms))
    f_out = to_trial_grid(targets, time_ms, params)
    h, hint_mean, hint_std = pinned_targets(hints, params.target_gain)
    h_grid = to_trial_grid(h, time_ms, params)  # (C, S, K); the onset value during preparation
    n_steps, n_prep = f_in.shape[1], params.n_prep_steps
    drive = np.ascontiguousarray(np.einsum("csi,ni->csn", f_in, U_in))
    # the current that carries x_i(t) = h_i(t) to h_i(t+1) (defined for t < S - 1)
    target_current = np.zeros((c, n_steps, k_pin))
    target_current[:, :-1] = (h_grid[:, :-1] + (h_grid[:, 1:] - h_grid[:, :-1]) / dt_tau
                              - drive[:, :-1, :k_pin])
    target_current = np.ascontiguousarray(target_current)
    learn = np.zeros(n_steps, dtype=np.uint8)
    learn[n_prep - 1:n_steps - 1] = 1
    W = np.zeros((m, n))
    P = np.eye(n) / params.alpha
    rng = rng_for(seed, "training_noise")
    noise_std = params.training_noise * math.sqrt(params.tau_ms / params.dt_ms)
    move = slice(n_prep, n_steps)
    sst_out = float(np.sum((f_out[:, move] - f_out[:, move].mean(axis=(0, 1), keepdims=True)) ** 2))
    ms_current = float(np.mean(target_current[:, learn.astype(bool)] ** 2)) or 1.0
    output = np.empty((n_steps, m))
    no_rates = np.empty((0, n))
    noise = np.empty((n_steps if noise_std > 0 else 0, n), dtype=np.float32)
    stats = np.zeros(3)
    work = np.empty((PK.TRAIN_WORK_ROWS, n))
    z = np.empty(m)
    training_error = np.empty(params.n_passes)
    current_error = np.empty(params.n_passes)
    curve_passes = np.unique(np.linspace(1, params.n_passes, min(params.n_passes, _N_CHECKPOINTS))
                             .round().astype(np.int64))
    r2_curve = np.empty(curve_passes.size)
    sim_work = np.empty((K.SIMULATE_WORK_ROWS, n))
    eval_out, eval_rates, eval_z = np.empty((n_steps, m)), np.empty((n_steps, n)), np.empty(m)
    eval_pred = np.empty((c, n_steps - n_prep, m))
    x0 = np.zeros(n)
    bar = tqdm(range(params.n_passes), desc="pinned units", unit="pass", disable=not progress,
               leave=False)
    for p in bar:
        sse_out = sq_cur = n_upd = 0.0
        for i, ci in enumerate(rng.permutation(c)):
            if noise_std > 0:
                rng.standard_normal(dtype=np.float32, out=noise)
            PK.train_trial(J, W, P, x0, drive[ci], noise, noise_std, target_current[ci],
                           f_out[ci], learn, dt_tau, params.update_every, output, no_rates,
                           stats, work, z)
            sse = float(np.sum((output[move] - f_out[ci, move]) ** 2))
            if not (np.isfinite(sse) and np.all(np.isfinite(stats)) and stats[2] < _X_LIMIT):
                what = ("non-finite values" if not np.isfinite(sse + stats.sum())
                        else f"|x| reached {stats[2]:.3g}")
                raise DivergenceError(
                    f"training of the pinned network diverged in pass {p + 1}/{params.n_passes}, "
                    f"trial {i + 1}/{c} (direction {np.degrees(angles[ci]):.1f} deg): {what}. "
                    f"Increase PinnedParams.alpha (now {params.alpha}) or lower target_gain "
                    f"(now {params.target_gain}), training_noise (now {params.training_noise}) "
                    f"or g (now {params.g}).")
            sse_out += sse
            sq_cur += stats[0]
            n_upd += stats[1]
        training_error[p] = sse_out / sst_out if sst_out > 0 else sse_out
        current_error[p] = sq_cur / max(n_upd, 1.0) / k_pin / ms_current
        if p + 1 in curve_passes:
            for ci in range(c):
                K.simulate_trial(J, W, x0, drive[ci], dt_tau, eval_out, eval_rates, sim_work,
                                 eval_z)
                eval_pred[ci] = eval_out[move]
            k = np.searchsorted(curve_passes, p + 1)
            r2_curve[k] = r2_score(eval_pred, f_out[:, move])
            bar.set_postfix(r2=f"{r2_curve[k]:.3f}")
    bar.close()
    TRAINING_RUNS["pinned"] += 1

    W_hint = np.eye(k_pin, n)
    out, _ = simulate_arrays(J, np.concatenate([W, W_hint]), U_in, params, angles, time_ms)
    r2 = r2_score(out[..., :m], targets)
    hint_r2 = r2_score(out[..., m:], np.tanh(h))
    return TrainingRecord(J=J, W=W, W_hint=W_hint, U_in=U_in, training_error=training_error,
                          current_error=current_error, r2_curve=r2_curve,
                          curve_passes=curve_passes, r2=float(r2), hint_r2=float(hint_r2),
                          hint_mean=hint_mean, hint_std=hint_std,
                          seconds=time.perf_counter() - start, worker=worker_name())
