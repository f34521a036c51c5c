"""Numba kernel of one training trial of a network with data-constrained (pinned) units.

Same conventions as :mod:`ffhlib._force_kernels` (arrays from the caller, no random numbers, no
allocation, no validation) and the same RLS step (:func:`ffhlib._force_kernels.rls_step`, the one
RLS update of the library); the public wrapper is :func:`ffhlib.pinned.train`.
"""

from __future__ import annotations

import numba
import numpy as np

from . import _force_kernels as K

#: Rows of the scratch array ``work`` of :func:`train_trial` (each of length N).
TRAIN_WORK_ROWS = 7


@numba.njit(cache=True, fastmath=K.FASTMATH)
def train_trial(J, W, P, x0, drive, noise, noise_scale, target_current, target_output, learn,
                dt_tau, update_every, output, rates, stats, work, z):
    """One trial: simulate the whole network, update the first K rows of ``J``, ``W`` and ``P``.

    Parameters
    ----------
    J : (N, N) recurrent weights; rows ``0 .. K-1`` (the pinned units) are updated in place, the
        others are never written.
    W : (M, N) readout, updated in place.
    P : (N, N) inverse correlation matrix, upper triangle, updated in place.
    x0 : (N,) initial state.
    drive : (S, N) input current ``U_in f_in(t)``.
    noise : (S, N) standard normal draws (any float dtype) or (0, N) for none.
    noise_scale : the noise enters the drive as ``noise_scale * noise(t)``.
    target_current : (S, K) targets of the pinned rows' currents ``(J r)_i``.
    target_output : (S, M) targets of ``W r``.
    learn : (S,) uint8: 1 at the steps whose samples are learned from.
    dt_tau : dt / tau.
    update_every : RLS update at learning steps with ``t % update_every == 0``.
    output : (S, M) out: ``W r(t)`` before the update at ``t``.
    rates : (S, N) or (0, N) out: ``r(t)`` (recorded only when it has S rows).
    stats : (3,) out: sum of squared current errors of the pinned rows at informative updates
        (``k' r > 0``), number of those updates, max |x|.
    work : (TRAIN_WORK_ROWS, N) scratch.
    z : (M,) scratch.

    Notes
    -----
    ``x(t+1) = x(t) + dt/tau (-x(t) + J r(t) + drive(t) + noise_scale noise(t))``. At an update
    step, ``k = P r / (1 + r' P r)``, ``P <- P - k (P r)'``, ``J[:K] <- J[:K] - e_J k'`` with
    ``e_J = J[:K] r - target_current(t)`` and ``W <- W - (W r - target_output(t)) k'``; ``x(t+1)``
    uses the updated ``J`` (as :func:`ffhlib._force_kernels.train_trial`).
    """
    n_steps, n = drive.shape
    k_pin = target_current.shape[1]
    m = W.shape[0]
    record = rates.shape[0] == n_steps
    noisy = noise.shape[0] == n_steps
    x, r, Jr, y, a, e, kvec = work[0], work[1], work[2], work[3], work[4], work[5], work[6]
    J_pin = J[:k_pin]
    for i in range(n):
        x[i] = x0[i]
        r[i] = np.tanh(x0[i])
        a[i] = 0.0
    inv_c = 0.0
    pending_j = False
    sq_current = 0.0
    n_updates = 0
    xmax = 0.0
    K.matvec(J, r, Jr)
    for t in range(n_steps):
        K.matvec(W, r, z)
        for o in range(m):
            output[t, o] = z[o]
        if record:
            for i in range(n):
                rates[t, i] = r[i]
        if learn[t] != 0 and t % update_every == 0:
            inv_c = K.rls_step(P, a, inv_c, r, y, kvec)
            kr = 0.0
            for i in range(n):
                kr += kvec[i] * r[i]
            informative = kr > 0.0
            for i in range(k_pin):
                ei = Jr[i] - target_current[t, i]
                e[i] = ei
                if informative:
                    sq_current += ei * ei
                Jr[i] -= ei * kr  # = J_new r(t)
            for o in range(m):
                eo = z[o] - target_output[t, o]
                row = W[o]
                for j in range(n):
                    row[j] -= eo * kvec[j]
            pending_j = True
            if informative:
                n_updates += 1
        if t == n_steps - 1:
            break
        if noisy:
            for i in range(n):
                x[i] += dt_tau * (-x[i] + Jr[i] + drive[t, i] + noise_scale * noise[t, i])
        else:
            for i in range(n):
                x[i] += dt_tau * (-x[i] + Jr[i] + drive[t, i])
        for i in range(n):
            xi = x[i]
            r[i] = np.tanh(xi)
            if abs(xi) > xmax or xi != xi:
                xmax = abs(xi)
        if pending_j:
            K.rank1_update_matvec(J_pin, e[:k_pin], kvec, r, Jr[:k_pin])
            K.matvec(J[k_pin:], r, Jr[k_pin:])
            pending_j = False
        else:
            K.matvec(J, r, Jr)
    if pending_j:
        K.rank1_update_matvec(J_pin, e[:k_pin], kvec, r, Jr[:k_pin])
    K.rls_flush(P, a, inv_c, y)
    stats[0] = sq_current
    stats[1] = n_updates
    stats[2] = xmax
