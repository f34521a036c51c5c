"""Plain-NumPy reference of one full-FORCE training trial, written the way the public demo is.

One rank-1 RLS update per update step with full (not triangular) ``P`` and NumPy matrix products,
no fusion (Pollock's ``FF_Demo.py`` of the full-FORCE demos, DePasquale et al. 2018). It is slow on
purpose: the tests check the numba kernels of :mod:`ffhlib._force_kernels` against it, and the
benchmark times both on the same trials.
"""

from __future__ import annotations

import numpy as np

__all__ = ["reference_simulate_trial", "reference_train_trial"]


def reference_train_trial(J, W, P, x0, drive, noise, noise_scale, target_current, target_output,
                          dt_tau, update_every):
    """Same contract as :func:`ffhlib._force_kernels.train_trial`, ``P`` full and symmetric.

    Updates ``J``, ``W``, ``P`` in place; returns ``(output (S, M), rates (S, N))``.
    """
    n_steps, n = drive.shape
    output = np.empty((n_steps, W.shape[0]))
    rates = np.empty((n_steps, n))
    x = x0.copy()
    r = np.tanh(x)
    for t in range(n_steps):
        output[t] = W @ r
        rates[t] = r
        if t % update_every == 0:
            e_J = J @ r - target_current[t]
            e_W = W @ r - target_output[t]
            Pr = P @ r
            k = Pr / (1.0 + r @ Pr)
            P -= np.outer(Pr, k)
            J -= np.outer(e_J, k)
            W -= np.outer(e_W, k)
        if t == n_steps - 1:
            break
        noise_t = noise_scale * noise[t].astype(np.float64) if noise.shape[0] == n_steps else 0.0
        x = x + dt_tau * (-x + J @ r + drive[t] + noise_t)
        r = np.tanh(x)
    return output, rates


def reference_simulate_trial(J, W, x0, drive, dt_tau):
    """As :func:`ffhlib._force_kernels.simulate_trial`; returns ``(output, rates)``."""
    n_steps, n = drive.shape
    output = np.empty((n_steps, W.shape[0]))
    rates = np.empty((n_steps, n))
    x = x0.copy()
    r = np.tanh(x)
    for t in range(n_steps):
        rates[t] = r
        output[t] = W @ r
        if t == n_steps - 1:
            break
        x = x + dt_tau * (-x + J @ r + drive[t])
        r = np.tanh(x)
    return output, rates
