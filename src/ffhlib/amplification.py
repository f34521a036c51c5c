"""Transient amplification of the linearised circuit: the most amplified initial state and the
norm of the linear response (Hennequin et al. 2014).

The ground truth starts its movement from the most amplified direction (:mod:`ffhlib.dynamics`),
and chapter 02 shows how much more it is amplified than random states
(:mod:`ffhlib.groundtruth_analysis`). The SOC's construction and optimisation are in
:mod:`ffhlib.soc`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ._validate import check_array, check_float, check_square
from .soc import spectral_abscissa

__all__ = ["linear_response_norm", "most_amplified_direction"]


def most_amplified_direction(W) -> np.ndarray:
    r"""The initial state most amplified by the linear dynamics :math:`\tau\dot x = -x + Wx`.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Must have spectral abscissa < 1 (stable linear dynamics).

    Returns
    -------
    ndarray, shape (N,)
        Unit-norm top eigenvector of the observability Gramian Q, the solution of
        :math:`(W-I)^\top Q + Q(W-I) = -2I`; sign chosen so that its entries sum to a positive
        number (if they sum to zero: its largest-magnitude entry positive).

    Notes
    -----
    :math:`x_0^\top Q x_0 = 2\int_0^\infty \lVert x(t)\rVert^2 dt/\tau` for :math:`x(0) = x_0`,
    so this direction maximises the evoked activity energy among states of the same norm
    (Hennequin et al. 2014).
    """
    W = check_square("W", W)
    if spectral_abscissa(W) >= 1.0:
        raise ValueError("W must have spectral abscissa < 1 (W - I stable)")
    n = W.shape[0]
    A = W - np.eye(n)
    Q = scipy.linalg.solve_continuous_lyapunov(A.T, -2.0 * np.eye(n))
    Q = 0.5 * (Q + Q.T)
    _, vecs = np.linalg.eigh(Q)
    v = vecs[:, -1]
    total = v.sum()
    sign = np.sign(total) if abs(total) > 1e-12 else np.sign(v[np.argmax(np.abs(v))])
    return sign * v


def linear_response_norm(W, x0, time_ms, *, tau_ms: float) -> np.ndarray:
    r"""Norm of the activity of the linear dynamics :math:`\tau\dot x = -x + Wx` from ``x0``.

    Parameters
    ----------
    W : array_like, shape (N, N)
    x0 : array_like, shape (N,) or (K, N)
        Initial state(s).
    time_ms : array_like, shape (T,)
        Uniformly spaced times in ms, starting at 0.
    tau_ms : float
        Time constant tau in ms.

    Returns
    -------
    ndarray, shape (T,) or (K, T)
        :math:`\lVert x(t)\rVert_2`, computed exactly with
        :math:`x(t + \Delta) = e^{(W-I)\Delta/\tau} x(t)`.
    """
    W = check_square("W", W)
    n = W.shape[0]
    x0 = check_array("x0", x0)
    if x0.ndim not in (1, 2) or x0.shape[-1] != n:
        raise ValueError(f"x0 must have shape ({n},) or (K, {n}), got {x0.shape}")
    time_ms = check_array("time_ms", time_ms, ndim=1)
    tau_ms = check_float("tau_ms", tau_ms, minimum=0.0, exclusive_minimum=True)
    if time_ms.size < 1 or time_ms[0] != 0.0:
        raise ValueError("time_ms must start at 0")
    X = np.atleast_2d(x0).T.copy()  # (N, K)
    out = np.empty((X.shape[1], time_ms.size))
    out[:, 0] = np.linalg.norm(X, axis=0)
    if time_ms.size > 1:
        dt = np.diff(time_ms)
        if np.any(dt <= 0) or not np.allclose(dt, dt[0], rtol=1e-9, atol=1e-12):
            raise ValueError("time_ms must be increasing and uniformly spaced")
        M = scipy.linalg.expm((W - np.eye(n)) * (dt[0] / tau_ms))
        for k in range(1, time_ms.size):
            X = M @ X
            out[:, k] = np.linalg.norm(X, axis=0)
    return out[0] if x0.ndim == 1 else out
