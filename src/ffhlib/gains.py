"""Gain modulation: one gain vector per reach direction makes the fixed SOC produce its EMG.

Stroud et al. (2018) learn the gains with a reward-modulated node-perturbation rule. We compute the
exact gradient of the loss with respect to the gains instead, by backpropagation through the Euler
simulation (the adjoint of :func:`ffhlib._rates_kernels.rates_forward`, written out by hand in
:func:`ffhlib._rates_kernels.rates_adjoint`), and step with Adam. The EMG readout (weights from the
excitatory neurons plus a bias, shared by all directions) is refitted by exact least squares before
every step, so the loss is always the best the current gains allow (a choice of this book).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from ._params import param
from ._rates_kernels import rates_adjoint
from ._validate import check_array, check_bool, check_float, check_int, check_square
from .dynamics import RateParams, simulate_states
from .errors import DivergenceError
from .metrics import r2_score

__all__ = [
    "GainFit",
    "GainParams",
    "fit_readout",
    "gain_similarity",
    "learn_gains",
    "loss_and_gradient",
]


@dataclass(frozen=True)
class GainParams:
    """Parameters of gain learning (exact gradients + Adam + least-squares readout).

    Notes
    -----
    Adam (Kingma & Ba 2015) on the loss ``L(g) = min_{w,b} SSE / SST = 1 - R^2``; after each step
    the gains are clipped to ``[gain_min, gain_max]``.
    """

    n_steps: int = param(400, doc="optimizer steps (each: simulate, refit readout, backprop, Adam)",
                         provenance="choice")
    learning_rate: float = param(0.02, doc="Adam learning rate on the gains", provenance="choice")
    gain_min: float = param(0.05, doc="lower bound on every gain", provenance="choice")
    gain_max: float = param(5.0, doc="upper bound on every gain", provenance="choice")
    initial_gain: float = param(1.0, doc="every gain before learning (the circuit's baseline)",
                                provenance="ref-code")
    beta1: float = param(0.9, doc="Adam first-moment decay", provenance="ref-paper")
    beta2: float = param(0.999, doc="Adam second-moment decay", provenance="ref-paper")

    def __post_init__(self):
        check_int("n_steps", self.n_steps, minimum=0)
        check_float("learning_rate", self.learning_rate, minimum=0.0, exclusive_minimum=True)
        check_float("gain_min", self.gain_min, minimum=0.0, exclusive_minimum=True)
        check_float("gain_max", self.gain_max, minimum=0.0, exclusive_minimum=True)
        if self.gain_max <= self.gain_min:
            raise ValueError(f"gain_max must be > gain_min ({self.gain_min}), got {self.gain_max}")
        check_float("initial_gain", self.initial_gain, minimum=self.gain_min,
                    maximum=self.gain_max)
        check_float("beta1", self.beta1, minimum=0.0, maximum=1.0, exclusive_maximum=True)
        check_float("beta2", self.beta2, minimum=0.0, maximum=1.0, exclusive_maximum=True)

    @classmethod
    def quick(cls) -> GainParams:
        """Quick mode: fewer optimizer steps."""
        return cls(n_steps=200)


@dataclass(frozen=True)
class GainFit:
    """Learned gains and the SOC's EMG under them.

    Attributes
    ----------
    gains : (C, N) ndarray
        One gain vector per condition.
    readout : (M, N_E) ndarray
        EMG readout weights from the excitatory neurons (shared by all conditions).
    bias : (M,) ndarray
    rates : (C, T, N) ndarray
        SOC rates (Hz) under the learned gains.
    emg : (C, T, M) ndarray
        ``bias + rates_E @ readout.T``.
    r2 : float
        R^2 of ``emg`` against the targets over all conditions, time and muscles.
    r2_per_direction : (C,) ndarray
    r2_trace : (n_steps + 1,) ndarray
        R^2 before each optimizer step (readout refitted), and after the last.
    seconds : float
        Wall-clock time of the optimisation.
    """

    gains: np.ndarray
    readout: np.ndarray
    bias: np.ndarray
    rates: np.ndarray
    emg: np.ndarray
    r2: float
    r2_per_direction: np.ndarray
    r2_trace: np.ndarray
    seconds: float


def gain_similarity(gains, angles) -> tuple[np.ndarray, np.ndarray]:
    """How similar the gain vectors of two directions are, as a function of their angular distance.

    Parameters
    ----------
    gains : (C, N) array
        Gains per direction (> 0).
    angles : (C,) array
        Reach angles (rad).

    Returns
    -------
    separation : (S,) ndarray
        The distinct angular distances between pairs of directions (rad, in [0, pi]), ascending.
    correlation : (S,) ndarray
        Mean Pearson correlation, over pairs at that distance, of the directions' log-gain profiles
        after subtracting each neuron's mean log gain across directions (1 at distance 0).
    """
    gains = check_array("gains", gains, ndim=2)
    if np.any(gains <= 0):
        raise ValueError("gains must be > 0")
    angles = check_array("angles", angles, shape=(gains.shape[0],))
    dev = np.log(gains)
    dev = dev - dev.mean(axis=0)
    corr = np.corrcoef(dev)
    diff = np.abs(np.angle(np.exp(1j * (angles[:, None] - angles[None, :]))))
    diff = np.round(diff, 9)
    separation = np.unique(diff)
    return separation, np.array([corr[diff == d].mean() for d in separation])


def _lstsq_readout(rates_e: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact least squares of ``targets (S, M)`` on ``[rates_e (S, N_E), 1]``."""
    design = np.empty((rates_e.shape[0], rates_e.shape[1] + 1))
    design[:, :-1] = rates_e
    design[:, -1] = 1.0
    coef, *_ = np.linalg.lstsq(design, targets, rcond=None)
    return np.ascontiguousarray(coef[:-1].T), coef[-1].copy()


def fit_readout(rates, targets, n_excitatory: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares EMG readout from the excitatory neurons, shared by all conditions.

    Parameters
    ----------
    rates : (C, T, N) array
        SOC rates (Hz); the first ``n_excitatory`` neurons are excitatory.
    targets : (C, T, M) array
        EMG to reproduce.
    n_excitatory : int

    Returns
    -------
    readout : (M, N_E) ndarray
    bias : (M,) ndarray
        Minimise ``sum_{c,t,k} (b_k + sum_i w_ki r_cti - y_ctk)^2`` (minimum-norm solution when
        the rates are rank-deficient).
    """
    rates = check_array("rates", rates, ndim=3)
    C, T, N = rates.shape
    targets = check_array("targets", targets, shape=(C, T, None))
    n_excitatory = check_int("n_excitatory", n_excitatory, minimum=1, maximum=N)
    return _lstsq_readout(rates[:, :, :n_excitatory].reshape(C * T, n_excitatory),
                          targets.reshape(C * T, -1))


class _Problem:
    """Inputs of gain learning in the time-major layout of the kernels, with scratch arrays."""

    def __init__(self, W, n_excitatory, x0, targets, rate_params):
        self.W = np.ascontiguousarray(W)
        self.ne = n_excitatory
        self.x0 = x0
        self.rp = rate_params
        C, T, M = targets.shape
        self.shape = (C, T, M)
        self.targets = np.ascontiguousarray(targets.transpose(1, 0, 2))  # (T, C, M)
        # SST about each muscle's own mean, as in r2_score: then 1 - loss is the reported R^2.
        self.sst = float(np.sum((targets - targets.mean(axis=(0, 1), keepdims=True)) ** 2))
        if self.sst <= 0:
            raise ValueError("targets must not be constant (their variance is the R^2 reference)")
        N = W.shape[0]
        self.drates = np.zeros((T, C, N))
        self.grad = np.empty((C, N))
        self.lam = np.empty((C, N))
        self.back = np.empty((C, N))

    def forward(self, gains, readout=None, bias=None):
        """Simulate, refit the readout (if not given); return states, rates, readout, bias, err."""
        C, T, M = self.shape
        states, rates = simulate_states(self.W, gains, self.x0, T, self.rp)
        rates_e = rates[:, :, : self.ne]
        if readout is None:
            readout, bias = _lstsq_readout(rates_e.reshape(T * C, self.ne),
                                           self.targets.reshape(T * C, M))
        err = rates_e @ readout.T + bias - self.targets
        return states, rates, readout, bias, err

    def backward(self, gains, states, rates, readout, err):
        """Gradient of ``SSE / SST`` with respect to the gains (readout held fixed)."""
        np.matmul(err, (2.0 / self.sst) * readout, out=self.drates[:, :, : self.ne])
        rates_adjoint(self.W, gains, states, rates, self.drates, self.rp.step, self.rp.r0,
                      self.rp.r_max, self.grad, self.lam, self.back)
        return self.grad


def _validate_problem(W, n_excitatory, x0, targets, gains=None):
    W = check_square("W", W)
    N = W.shape[0]
    n_excitatory = check_int("n_excitatory", n_excitatory, minimum=1, maximum=N)
    x0 = check_array("x0", x0, shape=(N,))
    targets = check_array("targets", targets, ndim=3)
    if gains is not None:
        gains = check_array("gains", gains, shape=(targets.shape[0], N))
        if np.any(gains <= 0):
            raise ValueError("gains must be > 0")
    return W, n_excitatory, x0, targets, gains


def loss_and_gradient(W, n_excitatory: int, x0, targets, gains,
                      rate_params: RateParams | None = None, *, readout=None,
                      bias=None) -> tuple[float, np.ndarray]:
    """The gain-learning loss and its exact gradient with respect to the gains.

    Parameters
    ----------
    W : (N, N) array
    n_excitatory : int
    x0 : (N,) array
    targets : (C, T, M) array
        EMG targets on the simulation's time grid (``T`` steps of ``rate_params.dt_ms``).
    gains : (C, N) array
    rate_params : RateParams, optional
    readout, bias : (M, N_E) and (M,) arrays, optional
        Fixed readout. When omitted, the least-squares readout for these gains is used, and the
        result is the gradient of the *profile* loss ``min_{w,b} L`` (envelope theorem: the partial
        derivative at the optimal readout).

    Returns
    -------
    loss : float
        ``L = sum (EMG - target)^2 / sum (target - mean target)^2`` (``= 1 - R^2``).
    grad : (C, N) ndarray
        ``dL/dg`` by backpropagation through the Euler simulation.
    """
    rate_params = RateParams() if rate_params is None else rate_params
    W, n_excitatory, x0, targets, gains = _validate_problem(W, n_excitatory, x0, targets, gains)
    if (readout is None) != (bias is None):
        raise ValueError("give both readout and bias, or neither")
    if readout is not None:
        readout = check_array("readout", readout, shape=(targets.shape[2], n_excitatory))
        bias = check_array("bias", bias, shape=(targets.shape[2],))
    problem = _Problem(W, n_excitatory, x0, targets, rate_params)
    with threadpool_limits(limits=1, user_api="blas"):
        states, rates, readout, bias, err = problem.forward(gains, readout, bias)
        grad = problem.backward(gains, states, rates, readout, err)
    return float(np.sum(err**2) / problem.sst), grad.copy()


def learn_gains(W, n_excitatory: int, x0, targets, params: GainParams | None = None,
                rate_params: RateParams | None = None, *, progress: bool = False) -> GainFit:
    """Learn one gain vector per condition so that the SOC's readout reproduces the targets.

    Parameters
    ----------
    W : (N, N) array
        SOC weights (first ``n_excitatory`` columns excitatory).
    n_excitatory : int
    x0 : (N,) array
        Preparatory state (see :func:`ffhlib.dynamics.preparatory_state`).
    targets : (C, T, M) array
        EMG per condition on ``T`` points spaced ``rate_params.dt_ms`` from movement onset.
    params : GainParams, optional
    rate_params : RateParams, optional
    progress : bool
        Show a progress bar.

    Returns
    -------
    GainFit

    Notes
    -----
    Each step: simulate all conditions (:math:`x_{k+1} = x_k + \\frac{\\Delta t}{\\tau}(-x_k +
    W f(x_k; g_c))`), refit readout and bias by least squares, backpropagate
    :math:`L = \\sum (\\hat y - y)^2 / \\sum (y - \\bar y)^2` to the gains, take an Adam step, clip
    the gains to ``[gain_min, gain_max]``. The gradient is exact for the discrete simulation.
    """
    params = GainParams() if params is None else params
    rate_params = RateParams() if rate_params is None else rate_params
    if not isinstance(params, GainParams):
        raise TypeError(f"params must be a GainParams, got {type(params).__name__}")
    if not isinstance(rate_params, RateParams):
        raise TypeError(f"rate_params must be a RateParams, got {type(rate_params).__name__}")
    progress = check_bool("progress", progress)
    W, n_excitatory, x0, targets, _ = _validate_problem(W, n_excitatory, x0, targets)
    start = time.perf_counter()
    problem = _Problem(W, n_excitatory, x0, targets, rate_params)
    # Many small (C, N) @ (N, N) products: a multithreaded BLAS only adds synchronisation, and on a
    # busy machine its spinning threads slow the run down by an order of magnitude (measured).
    with threadpool_limits(limits=1, user_api="blas"):
        gains, trace, rates, readout, bias, err = _adam(problem, params, progress)
    seconds = time.perf_counter() - start
    rates = np.ascontiguousarray(rates.transpose(1, 0, 2))
    emg = np.ascontiguousarray((err + problem.targets).transpose(1, 0, 2))
    return GainFit(
        gains=gains, readout=readout, bias=bias, rates=rates, emg=emg, r2=float(trace[-1]),
        r2_per_direction=np.asarray(r2_score(emg, targets, axis=(1, 2))), r2_trace=trace,
        seconds=seconds,
    )


def _adam(problem: _Problem, params: GainParams, progress: bool):
    """Adam on the gains with a least-squares readout refit before every step (see learn_gains)."""
    C, T, M = problem.shape
    gains = np.full((C, problem.W.shape[0]), params.initial_gain)
    m = np.zeros_like(gains)
    v = np.zeros_like(gains)
    b1, b2, eps = params.beta1, params.beta2, 1e-8
    trace = np.empty(params.n_steps + 1)
    with tqdm(total=params.n_steps, desc="gains", disable=not progress, leave=False) as bar:
        for step in range(params.n_steps + 1):
            states, rates, readout, bias, err = problem.forward(gains)
            trace[step] = 1.0 - float(np.sum(err**2)) / problem.sst
            if not np.isfinite(trace[step]):
                raise DivergenceError(f"gain learning diverged at step {step} (non-finite loss)")
            if step == params.n_steps:
                break
            grad = problem.backward(gains, states, rates, readout, err)
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad**2
            mhat = m / (1 - b1 ** (step + 1))
            vhat = v / (1 - b2 ** (step + 1))
            gains -= params.learning_rate * mhat / (np.sqrt(vhat) + eps)
            np.clip(gains, params.gain_min, params.gain_max, out=gains)
            bar.update()
            if step % 10 == 0:
                bar.set_postfix(r2=f"{trace[step]:.4f}")
    return gains, trace, rates, readout, bias, err
