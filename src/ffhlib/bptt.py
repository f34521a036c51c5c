"""Rate networks trained by backpropagation through time (BPTT) with rate and weight penalties
(Sussillo et al. 2015), optionally with an activity loss on the recorded neurons: the
gradient-trained rivals of full-FORCE.

Model [ref-paper, Sussillo et al. 2015; choice where noted]::

    tau dx/dt = -x + J phi(x) + B u(t) + b,      z = W phi(x) + b_z,

run with Euler steps of ``dt`` over the book's trial design (:mod:`ffhlib.trials`: the reach
direction during preparation, a go pulse, then the movement epoch), from a learned initial state
``x(0) = x0`` (one for all directions). ``phi`` is one of :mod:`ffhlib.activations`.

Loss, minimised by Adam with gradient-norm clipping over all training directions at once::

    mean (z - EMG)^2 + rate_l2 mean phi(x)^2 + weight_l2 (|J|^2 + |B|^2 + |W|^2) / n_params
        [+ activity_l2 mean (C phi(x) + c - h)^2]

- the EMG term: every muscle, direction and dt step of the **movement epoch** (the targets
  interpolated linearly from their grid onto the dt grid, as full-FORCE's);
- the rate term: every unit, direction and dt step of the **whole trial** (preparation included);
- the weight term: the mean square of the recurrent, input and output weights;
- the activity term (only with recorded neurons, ``hints``): ``h`` is the recorded rates z-scored
  per neuron (over all directions and times) times ``activity_gain`` (FFH's hint transform), and
  ``C, c`` is a learned linear readout of all units (the network is not told which units are "the"
  recorded ones). **Epoch convention** [choice]: the activity loss covers the **movement epoch
  only**, on the same dt grid as the EMG term; nothing constrains the preparatory activity to the
  recordings (full-FORCE's hints instead hold the value at onset through preparation).

Each mean is over all its elements, so the terms do not grow with the number of muscles, units or
neurons. The gradient comes from JAX (:mod:`ffhlib._bptt_jax`); everything else, the simulation of
a trained network included, is plain NumPy.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from importlib import metadata

import numpy as np
from tqdm.auto import tqdm

from . import _bptt_jax
from ._host import worker_name
from ._params import param
from ._validate import check_array, check_bool, check_choice, check_float, check_int
from .activations import activate, check_activation
from .cache import cached_result
from .errors import DivergenceError
from .metrics import r2_score
from .rnn import RNNActivity
from .seeds import SeedKey, check_seed_key, rng_for
from .trials import CUE_EPOCHS, N_INPUTS, interp_time, movement_steps, to_trial_grid, trial_inputs

__all__ = ["DTYPES", "TRAINING_RUNS", "BPTTNetwork", "BPTTParams", "simulate", "train",
           "library_versions"]

#: The floating-point types a network can be trained in.
DTYPES = ("float32", "float64")
#: |x| beyond which a run counts as exploding.
_X_LIMIT = 1e4
#: How many networks this process has trained (not read from the cache), by kind ("bptt",
#: "bptt_rec"): the tests count trainings with it.
TRAINING_RUNS: Counter = Counter()


@dataclasses.dataclass(frozen=True)
class BPTTParams:
    """The network, the trial design and the training of a BPTT network.

    The trial fields (``prep_ms`` ... ``cue_epoch``) mean what they mean in
    :class:`ffhlib.fullforce.ForceParams`, with the same defaults, so both families run the same
    trials (:class:`ffhlib.trials.TrialDesign`). The time constant is the ground truth's (200 ms);
    the coarse step of 10 ms keeps BPTT's cost per step low (71 steps per trial at the default
    design).
    """

    n_units: int = param(300, doc="units N of the network", provenance="choice")
    tau_ms: float = param(200.0, doc="unit time constant tau (the ground-truth SOC's)",
                          provenance="choice", unit="ms")
    dt_ms: float = param(10.0, doc="Euler time step dt", provenance="choice", unit="ms")
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
    activation: str = param("tanh", doc="the units' activation phi: 'tanh', 'rtanh' "
                            "(max(0, tanh x)) or 'softplus'", provenance="ref-paper")
    g_init: float = param(1.0, doc="initial recurrent weights J ~ N(0, g_init^2/N)",
                          provenance="choice")
    steps: int = param(2000, doc="Adam steps (each on all training directions at once)",
                       provenance="choice")
    learning_rate: float = param(3e-3, doc="Adam's learning rate", provenance="choice")
    clip_norm: float = param(1.0, doc="the gradient's global norm is clipped to this before "
                             "each Adam step", provenance="choice")
    rate_l2: float = param(0.01, doc="weight of the rate penalty mean phi(x)^2 (whole trial)",
                           provenance="choice")
    weight_l2: float = param(0.001, doc="weight of the weight penalty (|J|^2 + |B|^2 + "
                             "|W|^2) / n_params", provenance="choice")
    activity_l2: float = param(0.0, doc="weight of the activity loss on the recorded neurons "
                               "(movement epoch; used only when recordings are given)",
                               provenance="choice")
    activity_gain: float = param(0.2, doc="the recorded rates are z-scored per neuron and "
                                 "multiplied by this gain (FFH's hint transform and default "
                                 "gain)", provenance="choice")
    dtype: str = param("float32", doc="floating-point type of the training ('float32' or "
                       "'float64')", provenance="choice")

    def __post_init__(self):
        check_int("n_units", self.n_units, minimum=1)
        check_float("tau_ms", self.tau_ms, minimum=0.0, exclusive_minimum=True)
        check_float("dt_ms", self.dt_ms, minimum=0.0, exclusive_minimum=True)
        if self.dt_ms > self.tau_ms:
            raise ValueError(f"dt_ms must not exceed tau_ms ({self.tau_ms}); got {self.dt_ms}")
        check_float("prep_ms", self.prep_ms, minimum=0.0)
        check_float("go_ms", self.go_ms, minimum=0.0, maximum=self.prep_ms)
        check_float("go_amplitude", self.go_amplitude)
        check_float("input_scale", self.input_scale)
        check_choice("cue_epoch", self.cue_epoch, CUE_EPOCHS)
        check_activation(self.activation)
        check_float("g_init", self.g_init, minimum=0.0)
        check_int("steps", self.steps, minimum=1)
        check_float("learning_rate", self.learning_rate, minimum=0.0, exclusive_minimum=True)
        check_float("clip_norm", self.clip_norm, minimum=0.0, exclusive_minimum=True)
        check_float("rate_l2", self.rate_l2, minimum=0.0)
        check_float("weight_l2", self.weight_l2, minimum=0.0)
        check_float("activity_l2", self.activity_l2, minimum=0.0)
        check_float("activity_gain", self.activity_gain, minimum=0.0, exclusive_minimum=True)
        check_choice("dtype", self.dtype, DTYPES)

    @classmethod
    def quick(cls) -> BPTTParams:
        """Small network, few steps: the chapters' quick mode (seconds)."""
        return cls(n_units=100, steps=300)

    @property
    def n_prep_steps(self) -> int:
        """Steps of the preparatory period."""
        return int(round(self.prep_ms / self.dt_ms))

    @property
    def n_go_steps(self) -> int:
        """Steps of the go pulse."""
        return int(round(self.go_ms / self.dt_ms))


@dataclasses.dataclass(frozen=True)
class BPTTRecord:
    """What one training run produces (the cached part of a :class:`BPTTNetwork`)."""

    J: np.ndarray
    B: np.ndarray
    b: np.ndarray
    W: np.ndarray
    b_z: np.ndarray
    x0: np.ndarray
    C: np.ndarray
    c: np.ndarray
    hint_mean: np.ndarray
    hint_std: np.ndarray
    loss: np.ndarray
    loss_parts: np.ndarray
    r2: float
    hint_r2: float
    seconds: float
    worker: str


@dataclasses.dataclass(frozen=True)
class BPTTNetwork:
    """A network trained by BPTT (:func:`train`).

    Attributes
    ----------
    J : ndarray (N, N)
        Recurrent weights.
    B : ndarray (N, 3)
        Input weights (cos theta, sin theta, go).
    b : ndarray (N,)
        Bias of every unit.
    W : ndarray (M, N)
        Readout of the M muscles.
    b_z : ndarray (M,)
        Readout bias.
    x0 : ndarray (N,)
        Learned initial state of every trial.
    C : ndarray (K, N)
        Readout of the K transformed recorded neurons (z-scored times ``activity_gain``);
        (0, N) without recordings.
    c : ndarray (K,)
        Its bias.
    params : BPTTParams
    seed : tuple of int
        The seed key the initial weights were drawn with.
    angles : ndarray (C,)
        Training directions, rad.
    time_ms : ndarray (T,)
        Grid of the movement-epoch targets, ms from movement onset.
    r2 : float
        R^2 of the noiseless output against the targets on the training directions (movement
        epoch, on ``time_ms``; :func:`ffhlib.metrics.r2_score`, as ``TrainedRNN.r2``).
    hint_r2 : float
        R^2 of ``C phi + c`` against the transformed recordings there (nan without them).
    hint_mean, hint_std : ndarray (K,)
        The recordings' z-scoring statistics.
    loss : ndarray (steps,)
        The total loss at each Adam step (before its update).
    loss_parts : ndarray (steps, 4)
        Its EMG, rate, weight and activity terms (unweighted).
    seconds : float
        Wall time of the training (of the original run when read from the cache).
    worker : str
        ``host:pid`` of the process that trained it.
    """

    J: np.ndarray
    B: np.ndarray
    b: np.ndarray
    W: np.ndarray
    b_z: np.ndarray
    x0: np.ndarray
    C: np.ndarray
    c: np.ndarray
    params: BPTTParams
    seed: tuple
    angles: np.ndarray
    time_ms: np.ndarray
    r2: float
    hint_r2: float
    hint_mean: np.ndarray
    hint_std: np.ndarray
    loss: np.ndarray
    loss_parts: np.ndarray
    seconds: float
    worker: str = ""

    @property
    def activation(self) -> str:
        return self.params.activation

    @property
    def n_units(self) -> int:
        return int(self.J.shape[0])

    @property
    def n_outputs(self) -> int:
        return int(self.W.shape[0])

    @property
    def n_hints(self) -> int:
        return int(self.C.shape[0])

    @property
    def has_hints(self) -> bool:
        """True when trained with the activity loss on recorded neurons."""
        return self.n_hints > 0


# ----------------------------------------------------------------------------- simulation


def _run(net_arrays: dict, activation: str, dt_tau: float, f_in: np.ndarray) -> np.ndarray:
    """Rates (C, S, N) of ``x(t+1) = x + dt/tau (-x + J phi(x) + B u(t) + b)`` from ``x0``;
    ``phi(x(t))`` for t = 0 .. S-1 (float64, all directions at once)."""
    J, B, b, x0 = (net_arrays[k] for k in ("J", "B", "b", "x0"))
    n_dir, n_steps, _ = f_in.shape
    drive = f_in @ B.T + b
    rates = np.empty((n_dir, n_steps, J.shape[0]))
    x = np.broadcast_to(x0, (n_dir, x0.size)).copy()
    for t in range(n_steps):
        r = activate(activation, x)
        rates[:, t] = r
        x += dt_tau * (-x + r @ J.T + drive[:, t])
    return rates


def simulate(net: BPTTNetwork, angles, *, time_ms=None, input_noise: float = 0.0,
             noise_seed=None, prep_ms: float | None = None, switch_angles=None,
             switch_ms: float | None = None) -> RNNActivity:
    """Run a trained network (no learning, no state noise) for any directions, in NumPy.

    The arguments mean what they mean in :func:`ffhlib.rnn.simulate`: ``time_ms`` the
    movement-epoch times to report (within the trained span; default the trained grid, the dt-grid
    activity interpolated linearly), ``input_noise`` the standard deviation of Gaussian white
    noise added to every input channel at every step (preparation included) from ``noise_seed``
    (required when ``input_noise > 0``), ``prep_ms``, ``switch_angles``, ``switch_ms`` the task
    variants of :func:`ffhlib.trials.trial_inputs`.

    Returns
    -------
    RNNActivity
        Movement epoch only: ``rates = phi(x)``, ``output = W phi + b_z``, ``hint_output =
        C phi + c`` ((C, T, 0) without recordings).
    """
    if not isinstance(net, BPTTNetwork):
        raise TypeError(f"net must be a BPTTNetwork, got {type(net).__name__}")
    angles = check_array("angles", np.atleast_1d(angles), ndim=1)
    input_noise = check_float("input_noise", input_noise, minimum=0.0)
    if input_noise > 0 and noise_seed is None:
        raise ValueError("noise_seed is required when input_noise > 0")
    params = net.params
    n_move = movement_steps(net.time_ms, params.dt_ms)
    fine = float(net.time_ms[0]) + params.dt_ms * np.arange(n_move)
    time_ms = net.time_ms if time_ms is None else check_array("time_ms", time_ms, ndim=1)
    if time_ms.size and (time_ms.min() < fine[0] - 1e-9 or time_ms.max() > fine[-1] + 1e-9):
        raise ValueError(f"time_ms must lie within the trained movement epoch "
                         f"[{fine[0]}, {fine[-1]}] ms")
    f_in = trial_inputs(angles, params, n_move, prep_ms=prep_ms, switch_angles=switch_angles,
                        switch_ms=switch_ms)
    if input_noise > 0:
        f_in = f_in + input_noise * np.random.default_rng(noise_seed).standard_normal(f_in.shape)
    arrays = {k: np.asarray(getattr(net, k), dtype=np.float64) for k in ("J", "B", "b", "x0")}
    rates = _run(arrays, params.activation, params.dt_ms / params.tau_ms, f_in)[:, -n_move:]
    rates = interp_time(rates, fine, time_ms)
    return RNNActivity(angles=angles, time_ms=time_ms, output=rates @ net.W.T + net.b_z,
                       rates=rates, hint_output=rates @ net.C.T + net.c)


# ----------------------------------------------------------------------------- training


def library_versions() -> dict[str, str]:
    """The versions of jax, jaxlib and optax (read without importing JAX): part of every BPTT
    network's cache key, as their numerics can differ between releases."""
    return {name: metadata.version(name) for name in ("jax", "jaxlib", "optax")}


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


def _zscore_stats(hints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-neuron mean and standard deviation over all directions and times (1 where 0)."""
    flat = hints.reshape(-1, hints.shape[-1])
    std = flat.std(axis=0)
    return flat.mean(axis=0), np.where(std > 0, std, 1.0)


def initial_weights(params: BPTTParams, n_outputs: int, n_hints: int, seed: SeedKey) -> dict:
    """The weights training starts from, drawn with NumPy from the seed key's named streams.

    ``J ~ N(0, g_init^2/N)`` and ``B ~ U[-1, 1]`` from ``rng_for(seed, "rnn_weights")`` (in that
    order: the task network's J_D and U_in of full-FORCE with the same seed and ``g``),
    ``W ~ N(0, 1/N)`` from ``"output_weights"``, ``C ~ N(0, 1/N)`` from ``"hint_weights"``; the
    biases and ``x0`` start at 0. The EMG-only and the recorded-neuron networks of one seed
    therefore start from the same J, B and W.
    """
    n = params.n_units
    rng = rng_for(seed, "rnn_weights")
    J = rng.normal(0.0, params.g_init / math.sqrt(n), size=(n, n))
    B = rng.uniform(-1.0, 1.0, size=(n, N_INPUTS))
    W = rng_for(seed, "output_weights").normal(0.0, 1.0 / math.sqrt(n), size=(n_outputs, n))
    C = rng_for(seed, "hint_weights").normal(0.0, 1.0 / math.sqrt(n), size=(n_hints, n))
    return {"J": J, "B": B, "b": np.zeros(n), "W": W, "b_z": np.zeros(n_outputs),
            "x0": np.zeros(n), "C": C, "c": np.zeros(n_hints)}


def loss_settings(params: BPTTParams, with_activity: bool) -> _bptt_jax.LossSettings:
    """The static part of the loss for ``params``."""
    return _bptt_jax.LossSettings(
        activation=params.activation, dt_tau=params.dt_ms / params.tau_ms,
        n_prep=params.n_prep_steps, rate_l2=params.rate_l2, weight_l2=params.weight_l2,
        activity_l2=params.activity_l2 if with_activity else 0.0)


def training_data(targets, angles, time_ms, params: BPTTParams, hints=None) -> dict:
    """The loss's data: inputs ``u`` (S, C, 3), targets ``y`` (S_m, C, M) and transformed
    recordings ``h`` (S_m, C, K) on the dt grid, time first; ``hint_mean``, ``hint_std``."""
    n_move = movement_steps(time_ms, params.dt_ms)
    u = trial_inputs(angles, params, n_move)
    y = to_trial_grid(targets, time_ms, params)[:, -n_move:]
    if hints is None:
        mean = std = np.zeros(0)
        h = np.zeros(y.shape[:2] + (0,))
    else:
        mean, std = _zscore_stats(hints)
        h = params.activity_gain * to_trial_grid((hints - mean) / std, time_ms, params)[:, -n_move:]
    return {"u": u.transpose(1, 0, 2), "y": y.transpose(1, 0, 2), "h": h.transpose(1, 0, 2),
            "hint_mean": mean, "hint_std": std}


def _as_key(seed: SeedKey) -> tuple:
    seed = check_seed_key("seed", seed)
    return seed if isinstance(seed, tuple) else (seed,)


def train(targets, angles, time_ms, params: BPTTParams, seed: SeedKey, *, hints=None,
          progress: bool = False, use_cache: bool = False) -> BPTTNetwork:
    """Train a rate network by BPTT to produce ``targets`` (and, with ``hints``, a linear readout
    of the recorded neurons).

    Parameters
    ----------
    targets : array (C, T, M)
        Output targets (observed EMG) per direction on ``time_ms``.
    angles : array (C,)
        Reach directions, rad.
    time_ms : array (T,)
        Movement-epoch grid, ms (strictly increasing); interpolated linearly to ``dt_ms``.
    params : BPTTParams
    seed : int or tuple of int
        Seed key of the initial weights (:func:`initial_weights`); nothing else is random.
    hints : array (C, T, K) or None
        Recorded rates for the activity loss (requires ``params.activity_l2 > 0``); None = EMG
        only (then ``activity_l2`` and ``activity_gain`` play no part, not even in the cache key).
    progress : bool
        tqdm bar over Adam steps.
    use_cache : bool
        Read/write the network from/to the on-disk cache (key: data, params, seed, dtype and the
        jax, jaxlib and optax versions).

    Returns
    -------
    BPTTNetwork

    Raises
    ------
    ValueError, TypeError
        On malformed input, before any training.
    DivergenceError
        If the loss or its gradient becomes non-finite or the state explodes.
    """
    if not isinstance(params, BPTTParams):
        raise TypeError(f"params must be BPTTParams, got {type(params).__name__}")
    seed = _as_key(seed)
    progress = check_bool("progress", progress)
    use_cache = check_bool("use_cache", use_cache)
    targets, angles, time_ms, hints = _validate_training_data(targets, angles, time_ms, hints)
    if hints is not None and params.activity_l2 == 0:
        raise ValueError("hints need an activity loss: set BPTTParams.activity_l2 > 0 (got 0)")
    key_params = params if hints is not None else dataclasses.replace(
        params, activity_l2=0.0, activity_gain=BPTTParams().activity_gain)
    key = {"targets": targets, "angles": angles, "time_ms": time_ms, "hints": hints,
           "params": key_params, "seed": seed, "dtype": params.dtype,
           "versions": library_versions()}
    record, _ = cached_result(
        "bptt", key, lambda: _train(targets, angles, time_ms, params, seed, hints, progress),
        BPTTRecord, module=__name__, enabled=use_cache)
    return BPTTNetwork(params=params, seed=seed, angles=angles, time_ms=time_ms,
                       **{f.name: getattr(record, f.name) for f in dataclasses.fields(record)})


def _advice(params: BPTTParams) -> str:
    return (f"Lower BPTTParams.learning_rate (now {params.learning_rate}) or clip the gradient "
            f"harder (clip_norm, now {params.clip_norm}); a smaller g_init (now {params.g_init}) "
            f"or float64 (dtype, now {params.dtype!r}) may help too.")


def _train(targets, angles, time_ms, params: BPTTParams, seed: tuple, hints,
           progress: bool) -> BPTTRecord:
    start = time.perf_counter()
    data = training_data(targets, angles, time_ms, params, hints)
    n_hints = 0 if hints is None else hints.shape[2]
    theta = initial_weights(params, targets.shape[2], n_hints, seed)
    bar = tqdm(total=params.steps, desc="BPTT" + (" + recordings" if n_hints else ""),
               unit="step", disable=not progress, leave=False)

    def report(i, value):
        bar.update(1)
        if i % 50 == 0:
            bar.set_postfix(loss=f"{value:.4g}")

    try:
        fit = _bptt_jax.fit(theta, {k: data[k] for k in ("u", "y", "h")},
                            loss_settings(params, n_hints > 0), steps=params.steps,
                            learning_rate=params.learning_rate, clip_norm=params.clip_norm,
                            dtype=params.dtype, x_limit=_X_LIMIT, progress=report)
    except _bptt_jax.Diverged as err:
        raise DivergenceError(f"BPTT training diverged at Adam step {err.step}/{params.steps}: "
                              f"{err.what}. {_advice(params)}") from None
    finally:
        bar.close()
    TRAINING_RUNS["bptt_rec" if n_hints else "bptt"] += 1
    net = BPTTNetwork(params=params, seed=seed, angles=angles, time_ms=time_ms, r2=math.nan,
                      hint_r2=math.nan, hint_mean=data["hint_mean"], hint_std=data["hint_std"],
                      loss=fit.loss, loss_parts=fit.parts, seconds=0.0, **fit.theta)
    act = simulate(net, angles)
    if not (np.all(np.isfinite(act.output)) and np.all(np.isfinite(act.rates))):
        raise DivergenceError(f"the trained BPTT network's simulation is not finite. "
                              f"{_advice(params)}")
    r2 = r2_score(act.output, targets)
    hint_r2 = (r2_score(act.hint_output, params.activity_gain * (hints - data["hint_mean"])
                        / data["hint_std"]) if n_hints else math.nan)
    return BPTTRecord(**fit.theta, hint_mean=data["hint_mean"], hint_std=data["hint_std"],
                      loss=fit.loss, loss_parts=fit.parts, r2=float(r2), hint_r2=float(hint_r2),
                      seconds=time.perf_counter() - start, worker=worker_name())
