"""Numba kernels of full-FORCE: the RLS step and one trial of the task network.

Arrays, scalars and preallocated outputs only: no random numbers (noise arrives inside ``drive``),
no validation. The public wrappers are in :mod:`ffhlib.fullforce`; the plain-NumPy reference of the
same algorithm, against which every kernel is tested, is :mod:`ffhlib._force_reference`.

Memory layout and the three ideas that make one RLS step cheap:

1. ``P`` is symmetric: only its upper triangle is stored and updated (half the memory traffic).
2. ``J`` and ``W`` share the gain vector ``k = P r / (1 + r' P r)``.
3. Updates are fused with the next use of the same matrix, so each matrix is read once per update:
   the rank-1 update of ``P`` is applied lazily during the next product ``P r``, and the rank-1
   update of ``J`` during the product ``J r`` of the next time step (``J_new r`` at the current step
   follows from ``J r - e (k' r)`` without touching ``J``).
"""

from __future__ import annotations

import numba
import numpy as np

#: Fast-math flags without ``nnan``/``ninf``, so that divergence stays detectable.
FASTMATH = {"nsz", "arcp", "contract", "reassoc"}


@numba.njit(cache=True, fastmath=FASTMATH)
def p_update_times(P, a, inv_c, r, y):
    """Apply ``P <- P - inv_c a a'`` and then compute ``y = P r``, in one pass over ``P``.

    ``P`` (N, N) is symmetric and only its upper triangle (``i <= j``) is read and written;
    the lower triangle is left stale. ``inv_c = 0`` applies no update.
    """
    n = P.shape[0]
    for i in range(n):
        y[i] = 0.0
    for i in range(n):
        ai = a[i] * inv_c
        ri = r[i]
        p = P[i, i] - ai * a[i]
        P[i, i] = p
        acc = p * ri
        # slices make the inner loop start at 0, which lets LLVM vectorise it (6x faster)
        row = P[i, i + 1:]
        a_tail = a[i + 1:]
        r_tail = r[i + 1:]
        y_tail = y[i + 1:]
        for j in range(row.shape[0]):
            p = row[j] - ai * a_tail[j]
            row[j] = p
            acc += p * r_tail[j]
            y_tail[j] += p * ri
        y[i] += acc


@numba.njit(cache=True, fastmath=FASTMATH)
def rank1_update_matvec(J, e, k, r, out):
    """``J <- J - e k'`` and then ``out = J r``, in one pass over ``J`` (J: rows x N)."""
    n_rows, n = J.shape
    for i in range(n_rows):
        ei = e[i]
        acc = 0.0
        row = J[i]
        for j in range(n):
            v = row[j] - ei * k[j]
            row[j] = v
            acc += v * r[j]
        out[i] = acc


@numba.njit(cache=True, fastmath=FASTMATH)
def matvec(J, r, out):
    """``out = J r``."""
    n_rows, n = J.shape
    for i in range(n_rows):
        acc = 0.0
        row = J[i]
        for j in range(n):
            acc += row[j] * r[j]
        out[i] = acc


@numba.njit(cache=True, fastmath=FASTMATH)
def rls_fit(P, W, R, Y, every):
    """Run RLS over the samples ``R[s]`` (S, N) with targets ``Y[s]`` (S, M); update ``P``, ``W``.

    Uses the same fused steps as :func:`train_trial` (lazy update of the upper triangle of ``P``).
    ``every`` > 1 skips samples as the trainer does. On return ``P`` is complete (upper triangle
    only) and ``W`` holds the RLS solution; with ``W(0) = 0``, ``P(0) = I / alpha`` this is ridge
    regression with penalty ``alpha``.
    """
    n_samples, n = R.shape
    m = W.shape[0]
    a = np.zeros(n)
    y = np.empty(n)
    kvec = np.empty(n)
    z = np.empty(m)
    inv_c = 0.0
    for s in range(0, n_samples, every):
        r = R[s]
        p_update_times(P, a, inv_c, r, y)
        c = 1.0
        for i in range(n):
            c += r[i] * y[i]
        inv_c = 1.0 / c
        for i in range(n):
            kvec[i] = y[i] * inv_c
            a[i] = y[i]
        matvec(W, r, z)
        for o in range(m):
            eo = z[o] - Y[s, o]
            for j in range(n):
                W[o, j] -= eo * kvec[j]
    p_update_times(P, a, inv_c, a, y)  # flush the pending update (y is scratch)


@numba.njit(cache=True, fastmath=FASTMATH)
def train_trial(J, W, P, x0, drive, noise, noise_scale, target_current, target_output, dt_tau,
                update_every, output, rates, stats):
    """One training trial of full-FORCE: simulate the task network and update J, W and P.

    Parameters
    ----------
    J : (N, N) recurrent weights, updated in place.
    W : (M, N) readout weights (outputs and, for FFH, hint readouts), updated in place.
    P : (N, N) inverse correlation matrix, upper triangle, updated in place.
    x0 : (N,) initial state.
    drive : (S, N) input current at each step, ``U_in f_in(t)``.
    noise : (S, N) (any float dtype) or (0, N): standard normal draws, used when S rows.
    noise_scale : the noise enters the drive as ``noise_scale * noise(t)``.
    target_current : (S, N) ``J_D r_D + U_out f_out + U_hint f_hint`` of the target network.
    target_output : (S, M) targets of ``W r``.
    dt_tau : dt / tau.
    update_every : RLS update at steps ``t % update_every == 0``.
    output : (S, M) out: ``W r(t)`` before the update at ``t``.
    rates : (S, N) or (0, N) out: ``r(t)`` (recorded only when it has S rows).
    stats : (3,) out: sum of squared current errors, number of updates, max |x|.

    Notes
    -----
    ``x(t+1) = x(t) + dt/tau (-x(t) + J r(t) + drive(t) + noise_scale noise(t))``, ``r = tanh(x)``.
    At an update step,
    with ``k = P r / (1 + r' P r)``: ``P <- P - k (P r)'``, ``J <- J - e_J k'``, ``W <- W - e_W k'``
    with ``e_J = J r - target_current``, ``e_W = W r - target_output``; ``x(t+1)`` then uses the
    updated ``J``, as in the reference code (DePasquale et al. 2018).
    """
    n_steps, n = drive.shape
    m = W.shape[0]
    record = rates.shape[0] == n_steps
    noisy = noise.shape[0] == n_steps
    x = x0.copy()
    r = np.tanh(x)
    Jr = np.empty(n)
    y = np.empty(n)
    a = np.zeros(n)
    e = np.zeros(n)
    kvec = np.zeros(n)
    z = np.empty(m)
    inv_c = 0.0
    pending_j = False
    sq_current = 0.0
    n_updates = 0
    xmax = 0.0
    matvec(J, r, Jr)
    for t in range(n_steps):
        matvec(W, r, z)
        for o in range(m):
            output[t, o] = z[o]
        if record:
            for i in range(n):
                rates[t, i] = r[i]
        if t % update_every == 0:
            p_update_times(P, a, inv_c, r, y)
            c = 1.0
            for i in range(n):
                c += r[i] * y[i]
            inv_c = 1.0 / c
            kr = 0.0
            for i in range(n):
                kvec[i] = y[i] * inv_c
                a[i] = y[i]
                kr += kvec[i] * r[i]
            for i in range(n):
                ei = Jr[i] - target_current[t, i]
                e[i] = ei
                sq_current += ei * ei
                Jr[i] -= ei * kr  # = J_new r(t)
            for o in range(m):
                eo = z[o] - target_output[t, o]
                row = W[o]
                for j in range(n):
                    row[j] -= eo * kvec[j]
            pending_j = True
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
            rank1_update_matvec(J, e, kvec, r, Jr)
            pending_j = False
        else:
            matvec(J, r, Jr)
    if pending_j:
        rank1_update_matvec(J, e, kvec, r, Jr)
    p_update_times(P, a, inv_c, a, y)  # flush the pending update of P (y is scratch)
    stats[0] = sq_current
    stats[1] = n_updates
    stats[2] = xmax


@numba.njit(cache=True, fastmath=FASTMATH)
def simulate_trial(J, W, x0, drive, dt_tau, output, rates):
    """Run a network without learning: ``x(t+1) = x + dt/tau (-x + J r + drive(t))``.

    Writes ``r(t)`` into ``rates`` (S, N) and ``W r(t)`` into ``output`` (S, M); ``t = 0`` is the
    initial state ``x0``.
    """
    n_steps, n = drive.shape
    m = W.shape[0]
    x = x0.copy()
    r = np.tanh(x)
    Jr = np.empty(n)
    z = np.empty(m)
    for t in range(n_steps):
        for i in range(n):
            rates[t, i] = r[i]
        matvec(W, r, z)
        for o in range(m):
            output[t, o] = z[o]
        if t == n_steps - 1:
            break
        matvec(J, r, Jr)
        for i in range(n):
            xi = x[i] + dt_tau * (-x[i] + Jr[i] + drive[t, i])
            x[i] = xi
            r[i] = np.tanh(xi)
