"""Numba kernels of the SOC rate dynamics and of its adjoint (backprop through time).

Arrays, scalars and preallocated outputs only: no RNG, no allocation of results, no validation.
The public wrappers are :func:`ffhlib.dynamics.simulate_rates` and
:func:`ffhlib.gains.learn_gains`.

Layout inside the kernels is time-major, ``(T, C, N)`` (time, conditions, neurons), so that the
state of all conditions at one time step is one contiguous ``(C, N)`` block and the recurrent input
of all conditions is a single ``(C, N) @ (N, N)`` matrix product (BLAS). The wrappers transpose to
the library's ``(C, T, N)`` convention.

Model (Euler step ``a = dt / tau``)::

    r_k     = f(x_k; g)
    x_{k+1} = (1 - a) x_k + a W r_k

with the per-neuron gain function ``f_i(x) = s tanh(g_i x / s)``, ``s = r0`` for ``x < 0`` and
``s = r_max - r0`` for ``x >= 0``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["rates_adjoint", "rates_forward"]


@numba.njit(cache=True)
def rates_forward(WT, gains, x0, a, r0, r_max, states, rates, drive):
    """Euler-integrate the rate model for all conditions at once.

    Parameters
    ----------
    WT : (N, N) float64, C-contiguous
        Transpose of the recurrent weights (``WT[j, i] = W[i, j]``).
    gains : (C, N) float64
        One gain per condition and neuron.
    x0 : (C, N) float64
        Initial state of each condition.
    a : float
        ``dt / tau``.
    r0, r_max : float
        Gain-function scales (Hz).
    states : (T, C, N) float64, output
        ``x_k`` for ``k = 0 .. T-1``.
    rates : (T, C, N) float64, output
        ``r_k = f(x_k; g)`` (Hz).
    drive : (C, N) float64, scratch
        Holds ``r_k @ W.T``.
    """
    T, C, N = states.shape
    s_neg = r0
    s_pos = r_max - r0
    states[0] = x0
    for k in range(T):
        xk = states[k]
        rk = rates[k]
        for c in range(C):
            for i in range(N):
                x = xk[c, i]
                s = s_neg if x < 0.0 else s_pos
                rk[c, i] = s * math.tanh(gains[c, i] * x / s)
        if k + 1 < T:
            np.dot(rk, WT, drive)
            xn = states[k + 1]
            for c in range(C):
                for i in range(N):
                    xn[c, i] = (1.0 - a) * xk[c, i] + a * drive[c, i]


@numba.njit(cache=True)
def rates_adjoint(W, gains, states, rates, drates, a, r0, r_max, grad_gains, lam, back):
    """Backpropagate ``dL/dr_k`` through the Euler simulation (exact for the discrete model).

    With ``mu_k = dL/dr_k (direct) + a W^T lam_{k+1}`` (total derivative w.r.t. ``r_k``)::

        lam_k  = (1 - a) lam_{k+1} + f'_x(x_k) * mu_k,       lam_T = 0
        dL/dg  = sum_k f'_g(x_k) * mu_k

    where ``f'_x = g (1 - tanh^2)`` and ``f'_g = x (1 - tanh^2)``, ``tanh = r / s``.

    Parameters
    ----------
    W : (N, N) float64, C-contiguous
        Recurrent weights.
    gains : (C, N) float64
    states, rates : (T, C, N) float64
        From :func:`rates_forward`.
    drates : (T, C, N) float64
        Direct derivative of the loss with respect to each rate.
    a, r0, r_max : float
        As in :func:`rates_forward`.
    grad_gains : (C, N) float64, output
        ``dL/dg``.
    lam : (C, N) float64, output
        On return ``dL/dx_0`` (the adjoint state at time 0).
    back : (C, N) float64, scratch
        Holds ``lam_{k+1} @ W``.
    """
    T, C, N = states.shape
    s_neg = r0
    s_pos = r_max - r0
    lam[:] = 0.0
    grad_gains[:] = 0.0
    for k in range(T - 1, -1, -1):
        xk = states[k]
        rk = rates[k]
        dk = drates[k]
        np.dot(lam, W, back)
        for c in range(C):
            for i in range(N):
                x = xk[c, i]
                s = s_neg if x < 0.0 else s_pos
                th = rk[c, i] / s
                sech2 = 1.0 - th * th
                mu = dk[c, i] + a * back[c, i]
                grad_gains[c, i] += x * sech2 * mu
                lam[c, i] = (1.0 - a) * lam[c, i] + gains[c, i] * sech2 * mu
