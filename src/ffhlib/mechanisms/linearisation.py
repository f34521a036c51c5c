"""Linearised dynamics in physical units: the SOC's Jacobian and spectra in 1/s.

The ground-truth circuit's Jacobian (:func:`soc_jacobian`, with :func:`gain_function_slope`) and
the conversion of any Jacobian's eigenvalues to 1/s (:func:`spectrum_per_second`), so that networks
with different time constants compare (the SOC's tau is 200 ms, the RNNs' 10 ms);
:func:`soc_onset_spectra` applies them to each condition of a ground truth.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_array, check_float, check_int, check_square
from ._common import sort_leading_first

__all__ = [
    "gain_function_slope",
    "soc_jacobian",
    "soc_onset_spectra",
    "spectrum_per_second",
]


def gain_function_slope(x, g, r0: float = 20.0, r_max: float = 100.0) -> np.ndarray:
    """Derivative :math:`f'(x; g)` of the SOC's gain function with respect to the state.

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
        :math:`g (1 - \\tanh^2(g x / s))` with :math:`s = r_0` for :math:`x < 0` and
        :math:`r_\\max - r_0` otherwise; equals ``g`` at ``x = 0`` from both sides.

    Notes
    -----
    Derivative of :math:`f(x; g) = s \\tanh(g x / s)`, the gain function of
    :func:`ffhlib.dynamics.gain_function`.
    """
    r0 = check_float("r0", r0, minimum=0.0, exclusive_minimum=True)
    r_max = check_float("r_max", r_max, minimum=r0, exclusive_minimum=True)
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    s = np.where(x < 0, r0, r_max - r0)
    return g * (1.0 - np.tanh(g * x / s) ** 2)


def soc_jacobian(W, x, gains, r0: float = 20.0, r_max: float = 100.0) -> np.ndarray:
    """Jacobian of the SOC's rate dynamics at state ``x``, in units of :math:`1/\\tau`.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Recurrent weights (column ``j`` = outgoing weights of neuron ``j``).
    x : array_like, shape (N,)
        State (Hz).
    gains : array_like, shape (N,)
        Gains (> 0) of the condition.
    r0, r_max : float
        Scales of the gain function (Hz).

    Returns
    -------
    ndarray, shape (N, N)
        :math:`-I + W \\operatorname{diag}(f'(x; g))`; at ``x = 0`` with unit gains, ``W - I``.

    Notes
    -----
    For :math:`\\tau \\dot x = -x + W f(x; g)` (Hennequin et al. 2014; Stroud et al. 2018),
    :math:`\\partial(\\tau \\dot x) / \\partial x = -I + W \\operatorname{diag}(f'(x; g))`, with
    :func:`gain_function_slope` for :math:`f'`. Divide the eigenvalues by :math:`\\tau` (200 ms)
    with :func:`spectrum_per_second` to compare them with an RNN's.
    """
    W = check_square("W", W)
    N = W.shape[0]
    x = check_array("x", x, shape=(N,))
    gains = check_array("gains", gains, shape=(N,))
    if np.any(gains <= 0):
        raise ValueError("gains must be > 0")
    return W * gain_function_slope(x, gains, r0, r_max)[None, :] - np.eye(N)


def spectrum_per_second(eigenvalues, tau_ms: float) -> np.ndarray:
    """Eigenvalues of a Jacobian in units of :math:`1/\\tau` converted to 1/s, leading first.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,), real or complex
        Eigenvalues of :math:`\\partial(\\tau \\dot x)/\\partial x`.
    tau_ms : float
        The network's time constant in ms (> 0): 200 for the SOC, 10 for the RNNs.

    Returns
    -------
    ndarray, shape (n,), complex
        :math:`\\lambda / \\tau` in 1/s, sorted by real part, descending (ties: positive
        imaginary part first). Real parts are decay (negative) or growth rates; imaginary parts
        angular frequencies in rad/s.
    """
    tau_ms = check_float("tau_ms", tau_ms, minimum=0.0, exclusive_minimum=True)
    try:
        values = np.asarray(eigenvalues, dtype=np.complex128)
    except (TypeError, ValueError) as err:
        raise TypeError("eigenvalues must be an array of numbers") from err
    if values.ndim != 1:
        raise ValueError(f"eigenvalues must be 1-D, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("eigenvalues must contain only finite numbers")
    return sort_leading_first(values / (tau_ms * 1e-3))


def soc_onset_spectra(W, x0, gains, *, r0: float, r_max: float, tau_ms: float,
                      n_eigenvalues: int) -> np.ndarray:
    """Leading eigenvalues (1/s) of the SOC's linearisation at its initial state, per condition.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Recurrent weights of the SOC.
    x0 : array_like, shape (N,)
        The state every condition starts from (Hz): the movement-onset state of the ground truth.
    gains : array_like, shape (C, N)
        Each condition's gains (> 0).
    r0, r_max : float
        Scales of the gain function (Hz).
    tau_ms : float
        The SOC's time constant (ms).
    n_eigenvalues : int
        How many eigenvalues to keep, ``1 <= n_eigenvalues <= N``.

    Returns
    -------
    ndarray, shape (C, n_eigenvalues), complex
        Row ``c``: the leading eigenvalues (real part descending) of
        :math:`(-I + W \\operatorname{diag}(f'(x_0; g_c))) / \\tau` (:func:`soc_jacobian`,
        :func:`spectrum_per_second`).
    """
    W = check_square("W", W)
    gains = check_array("gains", gains, shape=(None, W.shape[0]))
    n_eigenvalues = check_int("n_eigenvalues", n_eigenvalues, minimum=1, maximum=W.shape[0])
    return np.stack([spectrum_per_second(np.linalg.eigvals(soc_jacobian(W, x0, g, r0, r_max)),
                                         tau_ms)[:n_eigenvalues] for g in gains])
