"""The JAX side of :mod:`ffhlib.bptt`: the loss of a rate network over a batch of trials, its
gradient by backpropagation through time (``jax.lax.scan`` over time, conditions as a batch
axis) and the Adam loop (optax: gradient-norm clipping, then Adam), ``jit``-compiled.

Everything here takes and returns NumPy arrays and plain scalars; JAX is imported inside the
functions only, after :func:`configure_threads` has set XLA's thread flags (unless the caller set
``XLA_FLAGS`` already), so that importing :mod:`ffhlib.bptt` in a parent process never starts
JAX before its worker processes are forked or spawned.

Parameters of a network (the dict ``theta``): ``J`` (N, N), ``B`` (N, 3), ``b`` (N,), ``W``
(M, N), ``b_z`` (M,), ``x0`` (N,), ``C`` (K, N), ``c`` (K,). Data (the dict ``data``): ``u``
(S, C, 3) the inputs, time first; ``y`` (S_m, C, M) the targets on the movement epoch's
dt grid; ``h`` (S_m, C, K) the transformed recordings (K = 0: no activity loss).
"""

from __future__ import annotations

import dataclasses
import functools
import os

import numpy as np

__all__ = ["LossSettings", "THREAD_FLAGS", "configure_threads", "fit", "loss_and_grad",
           "rates"]

#: XLA's flags for one thread (single-threaded Eigen, one intra-op thread).
THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
#: The names of a network's parameters, in a fixed order.
THETA = ("J", "B", "b", "W", "b_z", "x0", "C", "c")
#: The weights the weight penalty acts on.
PENALISED = ("J", "B", "W")


@dataclasses.dataclass(frozen=True)
class LossSettings:
    """What the loss needs besides weights and data (static under ``jit``)."""

    activation: str
    dt_tau: float
    n_prep: int
    rate_l2: float
    weight_l2: float
    activity_l2: float

    @property
    def static(self) -> tuple[str, int]:
        """What ``jit`` compiles for: the activation and the start of the movement epoch."""
        return (self.activation, self.n_prep)

    @property
    def coefficients(self) -> np.ndarray:
        """What ``jit`` takes as data (no recompilation when they change): dt/tau and the
        penalties' weights."""
        return np.array([self.dt_tau, self.rate_l2, self.weight_l2, self.activity_l2])


def configure_threads() -> None:
    """Set ``XLA_FLAGS`` to one thread unless it is set (has effect only before JAX starts)."""
    if "XLA_FLAGS" not in os.environ:
        os.environ["XLA_FLAGS"] = THREAD_FLAGS


def _jax():
    configure_threads()
    import jax
    import jax.numpy as jnp

    return jax, jnp


def _phi(name: str, x):
    _, jnp = _jax()
    if name == "tanh":
        return jnp.tanh(x)
    if name == "rtanh":
        return jnp.maximum(0.0, jnp.tanh(x))
    if name == "softplus":
        return jnp.logaddexp(0.0, x)
    raise ValueError(f"activation must be one of 'tanh', 'rtanh', 'softplus'; got {name!r}")


def _trajectory(theta, u, activation: str, dt_tau):
    """Rates (S, C, N) at the states x_0 .. x_{S-1} and the largest |x| reached."""
    jax, jnp = _jax()
    drive = u @ theta["B"].T + theta["b"]  # (S, C, N)
    x_start = jnp.broadcast_to(theta["x0"], drive.shape[1:])
    J_T = theta["J"].T

    def step(x, d):
        r = _phi(activation, x)
        x_next = x + dt_tau * (-x + r @ J_T + d)
        return x_next, (r, jnp.max(jnp.abs(x)))

    _, (r, x_abs) = jax.lax.scan(step, x_start, drive)
    return r, jnp.max(x_abs)


def _loss(theta, data, static: tuple[str, int], coefficients):
    """Total loss and its parts ``(emg, rate, weight, activity, max|x|)``."""
    _, jnp = _jax()
    activation, n_prep = static
    dt_tau, rate_l2, weight_l2, activity_l2 = (coefficients[i] for i in range(4))
    r, x_max = _trajectory(theta, data["u"], activation, dt_tau)
    move = r[n_prep:]
    emg = jnp.mean((move @ theta["W"].T + theta["b_z"] - data["y"]) ** 2)
    rate = jnp.mean(r ** 2)
    n_params = sum(theta[k].size for k in PENALISED)
    weight = sum(jnp.sum(theta[k] ** 2) for k in PENALISED) / n_params
    if data["h"].shape[-1] > 0:
        activity = jnp.mean((move @ theta["C"].T + theta["c"] - data["h"]) ** 2)
    else:
        activity = jnp.zeros((), dtype=emg.dtype)
    total = emg + rate_l2 * rate + weight_l2 * weight + activity_l2 * activity
    return total, jnp.stack([emg, rate, weight, activity, x_max])


def _to_device(tree: dict, dtype) -> dict:
    _, jnp = _jax()
    return {k: jnp.asarray(v, dtype=dtype) for k, v in tree.items()}


def loss_and_grad(theta: dict, data: dict, settings: LossSettings, *, dtype: str = "float64"):
    """The loss, its parts and its gradient at ``theta`` (NumPy in, NumPy out).

    Returns
    -------
    (loss, parts, grad) : float, ndarray (5,), dict of ndarray
        ``parts`` = emg, rate, weight and activity terms (unweighted) and the largest |x|.
    """
    jax, _ = _jax()
    with jax.enable_x64(dtype == "float64"):
        fun = jax.jit(jax.value_and_grad(_loss, has_aux=True), static_argnums=2)
        (loss, parts), grad = fun(_to_device(theta, dtype), _to_device(data, dtype),
                                  settings.static, _to_device({"k": settings.coefficients},
                                                              dtype)["k"])
        return (float(loss), np.asarray(parts, dtype=np.float64),
                {k: np.asarray(v, dtype=np.float64) for k, v in grad.items()})


def rates(theta: dict, u: np.ndarray, settings: LossSettings, *,
          dtype: str = "float64") -> np.ndarray:
    """The JAX forward pass: rates (S, C, N) of the inputs ``u`` (S, C, 3)."""
    jax, _ = _jax()
    with jax.enable_x64(dtype == "float64"):
        fun = jax.jit(_trajectory, static_argnums=2)
        arrays = _to_device({"u": u, "dt_tau": np.asarray(settings.dt_tau)}, dtype)
        r, _ = fun(_to_device(theta, dtype), arrays["u"], settings.activation, arrays["dt_tau"])
        return np.asarray(r, dtype=np.float64)


def _optimiser(learning_rate: float, clip_norm: float):
    """Clip the gradient's global norm, then Adam."""
    import optax

    return optax.chain(optax.clip_by_global_norm(clip_norm), optax.adam(learning_rate))


@functools.cache
def _compiled_step():
    """One Adam step, ``jit``-compiled once per process for each activation, epoch start,
    shapes and dtype (learning rate, clipping and the penalties' weights are data)."""
    jax, _ = _jax()
    import optax

    value_and_grad = jax.value_and_grad(_loss, has_aux=True)

    def step(params, state, batch, static, coefficients, learning_rate, clip_norm):
        (loss, parts), grad = value_and_grad(params, batch, static, coefficients)
        updates, state = _optimiser(learning_rate, clip_norm).update(grad, state, params)
        return optax.apply_updates(params, updates), state, loss, parts, optax.tree.norm(grad)

    return jax.jit(step, static_argnums=3)


@dataclasses.dataclass(frozen=True)
class FitResult:
    """The trained parameters and the history of the loss (at each step, before its update)."""

    theta: dict
    loss: np.ndarray
    parts: np.ndarray


class Diverged(Exception):
    """The loop's own signal (turned into :class:`ffhlib.errors.DivergenceError` by the caller,
    which knows the parameters to advise on)."""

    def __init__(self, step: int, what: str):
        super().__init__(f"step {step}: {what}")
        self.step = step
        self.what = what


def fit(theta: dict, data: dict, settings: LossSettings, *, steps: int, learning_rate: float,
        clip_norm: float, dtype: str, x_limit: float, progress=None) -> FitResult:
    """Adam on the loss from ``theta`` for ``steps`` steps (clip the gradient's global norm to
    ``clip_norm``, then Adam with ``learning_rate``).

    Raises
    ------
    Diverged
        At the first step whose loss or gradient is not finite or whose state exceeds ``x_limit``
        in absolute value, or if the final weights are not finite.
    """
    jax, _ = _jax()

    with jax.enable_x64(dtype == "float64"):
        step = _compiled_step()
        optimiser = _optimiser(learning_rate, clip_norm)
        params = _to_device(theta, dtype)
        batch = _to_device(data, dtype)
        scalars = _to_device({"k": settings.coefficients, "lr": np.asarray(learning_rate),
                              "clip": np.asarray(clip_norm)}, dtype)
        state = optimiser.init(params)
        loss = np.empty(steps)
        parts = np.empty((steps, 4))
        for i in range(steps):
            params, state, value, aux, norm = step(params, state, batch, settings.static,
                                                   scalars["k"], scalars["lr"], scalars["clip"])
            value, aux, norm = float(value), np.asarray(aux, dtype=np.float64), float(norm)
            if not (np.isfinite(value) and np.all(np.isfinite(aux)) and np.isfinite(norm)):
                raise Diverged(i + 1, "the loss or its gradient is not finite")
            if aux[4] > x_limit:
                raise Diverged(i + 1, f"|x| reached {aux[4]:.3g}")
            loss[i] = value
            parts[i] = aux[:4]
            if progress is not None:
                progress(i, value)
        final = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        if not all(np.all(np.isfinite(v)) for v in final.values()):
            raise Diverged(steps, "the weights after the last update are not finite")
        return FitResult(theta=final, loss=loss, parts=parts)
