"""Rate dynamics of the ground-truth SOC circuit, its preparatory state and its EMG readout.

The circuit (after Stroud et al. 2018) is the rate model

.. math:: \\tau \\dot x = -x + W f(x; g),

with one gain :math:`g_i` per neuron, integrated with the Euler method. Movement starts from a
fixed preparatory state :math:`x_0` (the most amplified direction of the linearised network), and
the EMG is a linear readout of the excitatory neurons' rates plus a bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ._params import param
from ._rates_kernels import rates_forward
from ._validate import check_array, check_float, check_int, check_square
from .amplification import most_amplified_direction
from .errors import DivergenceError

__all__ = [
    "RateParams",
    "gain_function",
    "preparatory_state",
    "readout_emg",
    "simulate_rates",
]


@dataclass(frozen=True)
class RateParams:
    """Parameters of the SOC rate dynamics.

    Notes
    -----
    ``tau dx/dt = -x + W f(x; g)`` with ``f_i(x) = r0 tanh(g_i x / r0)`` for ``x < 0`` and
    ``(r_max - r0) tanh(g_i x / (r_max - r0))`` for ``x >= 0`` (Hennequin et al. 2014; Stroud et al.
    2018), Euler step ``dt_ms``.
    """

    tau_ms: float = param(200.0, doc="membrane time constant of the SOC rate units",
                          provenance="ref-code", unit="ms")
    dt_ms: float = param(5.0, doc="Euler step of the SOC simulation (equal to the EMG time step)",
                         provenance="choice", unit="ms")
    r0: float = param(20.0, doc="baseline rate: scale of the gain function below threshold",
                      provenance="ref-code", unit="Hz")
    r_max: float = param(100.0, doc="maximal rate: the gain function saturates at r_max - r0",
                         provenance="ref-code", unit="Hz")
    x0_norm: float = param(5.0, doc="norm of the preparatory state divided by sqrt(N)",
                           provenance="choice", unit="Hz")

    def __post_init__(self):
        check_float("tau_ms", self.tau_ms, minimum=0.0, exclusive_minimum=True)
        check_float("dt_ms", self.dt_ms, minimum=0.0, maximum=self.tau_ms,
                    exclusive_minimum=True)
        check_float("r0", self.r0, minimum=0.0, exclusive_minimum=True)
        check_float("r_max", self.r_max, minimum=self.r0, exclusive_minimum=True)
        check_float("x0_norm", self.x0_norm, minimum=0.0, exclusive_minimum=True)

    @classmethod
    def quick(cls) -> RateParams:
        """The reduced preset for quick mode (the dynamics are cheap: same as the defaults)."""
        return cls()

    @property
    def step(self) -> float:
        """The Euler factor ``dt / tau``."""
        return self.dt_ms / self.tau_ms


def gain_function(x, g, r0: float = 20.0, r_max: float = 100.0) -> np.ndarray:
    """Rate of a unit with state ``x`` and gain ``g`` (Hz).

    Parameters
    ----------
    x : array_like
        State (Hz); broadcast against ``g``.
    g : array_like
        Gain (dimensionless, > 0).
    r0, r_max : float
        Scales (Hz), ``0 < r0 < r_max``.

    Returns
    -------
    ndarray
        ``r0 tanh(g x / r0)`` where ``x < 0``, ``(r_max - r0) tanh(g x / (r_max - r0))`` elsewhere;
        values in ``(-r0, r_max - r0)``, slope ``g`` at 0.
    """
    r0 = check_float("r0", r0, minimum=0.0, exclusive_minimum=True)
    r_max = check_float("r_max", r_max, minimum=r0, exclusive_minimum=True)
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    s = np.where(x < 0, r0, r_max - r0)
    return s * np.tanh(g * x / s)


def simulate_states(W, gains, x0, n_steps: int,
                    params: RateParams) -> tuple[np.ndarray, np.ndarray]:
    """States and rates, time-major ``(T, C, N)`` (for the gain learner; no validation)."""
    C, N = gains.shape
    states = np.empty((n_steps, C, N))
    rates = np.empty((n_steps, C, N))
    x0c = np.ascontiguousarray(np.broadcast_to(x0, (C, N)), dtype=np.float64)
    rates_forward(np.ascontiguousarray(W.T), np.ascontiguousarray(gains), x0c, params.step,
                  params.r0, params.r_max, states, rates, np.empty((C, N)))
    if not np.all(np.isfinite(states[-1])):
        raise DivergenceError("the SOC rate simulation produced non-finite states")
    return states, rates


def simulate_rates(W, gains, x0, n_steps: int, params: RateParams | None = None) -> np.ndarray:
    """Simulate the SOC from ``x0`` under one gain vector per condition.

    Parameters
    ----------
    W : (N, N) array
        Recurrent weights (column ``j`` = outgoing weights of neuron ``j``).
    gains : (C, N) array
        Gains per condition and neuron, > 0.
    x0 : (N,) array
        Preparatory state shared by all conditions (Hz).
    n_steps : int
        Number of time points ``T`` (the first is ``x0`` itself), spaced ``params.dt_ms``.
    params : RateParams, optional
        Defaults to ``RateParams()``.

    Returns
    -------
    rates : (C, T, N) ndarray
        ``r_k = f(x_k; g_c)`` in Hz at times ``k * dt_ms``.

    Notes
    -----
    Euler: :math:`x_{k+1} = x_k + \\frac{\\Delta t}{\\tau}(-x_k + W f(x_k; g))`, :math:`x_0` given.
    """
    params = RateParams() if params is None else params
    if not isinstance(params, RateParams):
        raise TypeError(f"params must be a RateParams, got {type(params).__name__}")
    W = check_square("W", W)
    N = W.shape[0]
    gains = check_array("gains", gains, shape=(None, N))
    if np.any(gains <= 0):
        raise ValueError("gains must be > 0")
    x0 = check_array("x0", x0, shape=(N,))
    n_steps = check_int("n_steps", n_steps, minimum=1)
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only hurt
        _, rates = simulate_states(W, gains, x0, n_steps, params)
    return np.ascontiguousarray(rates.transpose(1, 0, 2))


def preparatory_state(W, params: RateParams | None = None) -> np.ndarray:
    """The most amplified initial state of the linearised SOC, scaled to ``x0_norm * sqrt(N)``.

    Parameters
    ----------
    W : (N, N) array
        Recurrent weights; ``W - I`` must be stable (spectral abscissa of ``W`` below 1).
    params : RateParams, optional

    Returns
    -------
    x0 : (N,) ndarray
        Top eigenvector of the observability Gramian ``Q`` of ``W - I``, the solution of
        ``(W - I)^T Q + Q (W - I) = -2 I``; sign chosen so that its entries sum to a positive
        number (ties: the largest-magnitude entry positive).

    Notes
    -----
    Around :math:`x = 0` with all gains 1 the dynamics are linear, :math:`\\tau\\dot x = (W - I)x`,
    and the energy :math:`\\int \\|x(t)\\|^2 dt` of the trajectory from :math:`x_0` is
    proportional to :math:`x_0^T Q x_0`: the top eigenvector of :math:`Q` is the most amplified
    direction (Hennequin et al. 2014).
    """
    params = RateParams() if params is None else params
    W = check_square("W", W)
    return most_amplified_direction(W) * params.x0_norm * np.sqrt(W.shape[0])


def readout_emg(rates, readout, bias, n_excitatory: int) -> np.ndarray:
    """EMG read out from the excitatory neurons' rates.

    Parameters
    ----------
    rates : (C, T, N) array
        SOC rates (Hz); the first ``n_excitatory`` neurons are excitatory.
    readout : (M, N_E) array
        Readout weights.
    bias : (M,) array
    n_excitatory : int

    Returns
    -------
    emg : (C, T, M) ndarray
        ``EMG_k(t) = b_k + sum_{i in E} w_ki r_i(t)``.
    """
    rates = check_array("rates", rates, ndim=3)
    n_excitatory = check_int("n_excitatory", n_excitatory, minimum=1, maximum=rates.shape[2])
    readout = check_array("readout", readout, shape=(None, n_excitatory))
    bias = check_array("bias", bias, shape=(readout.shape[0],))
    return rates[:, :, :n_excitatory] @ readout.T + bias
