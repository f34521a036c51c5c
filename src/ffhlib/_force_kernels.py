"""Numba kernels of full-FORCE: the RLS step and one trial of the task network.

Arrays, scalars, preallocated outputs and scratch arrays from the caller only: no random numbers
(noise arrives as an array of standard normal draws), no allocation, no validation. The public
wrappers are in :mod:`ffhlib.fullforce`; the plain-NumPy reference of the same algorithm, against
which every kernel is tested, is :mod:`ffhlib._force_reference`.

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
def rls_step(P, a, inv_c, r, y, k):
    """One RLS step: the gain vector ``k = P r / (1 + r' P r)`` with the update of ``P`` deferred.

    On entry ``(a, inv_c)`` is the update still pending from the previous step (``inv_c = 0``:
    none); it is applied to ``P`` during the product ``y = P r`` (one pass over the upper triangle
    of ``P``). On return ``k`` holds the gain vector, ``a`` holds ``P r`` and the returned
    ``1 / (1 + r' P r)`` is the new pending update ``P <- P - inv_c a a'`` (apply it with
    :func:`rls_flush` when no further step follows). ``y`` is scratch.

    This is the only RLS update of the library: :func:`train_trial` calls it at every update
    step, and the tests run it over samples against batch ridge regression.
    """
    n = P.shape[0]
    p_update_times(P, a, inv_c, r, y)
    c = 1.0
    for i in range(n):
        c += r[i] * y[i]
    new_inv_c = 1.0 / c
    for i in range(n):
        k[i] = y[i] * new_inv_c
        a[i] = y[i]
    return new_inv_c


@numba.njit(cache=True, fastmath=FASTMATH)
def rls_flush(P, a, inv_c, y):
    """Apply the pending update ``P <- P - inv_c a a'`` (``y`` is scratch)."""
    p_update_times(P, a, inv_c, a, y)


#: Rows of the scratch array ``work`` of :func:`train_trial` (each of length N).
TRAIN_WORK_ROWS = 7
#: Rows of the scratch array ``work`` of :func:`simulate_trial`.
SIMULATE_WORK_ROWS = 3


@numba.njit(cache=True, fastmath=FASTMATH)
def train_trial(J, W, P, x0, drive, noise, noise_scale, target_current, target_output, dt_tau,
                update_every, output, rates, stats, work, z):
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
    stats : (3,) out: sum of squared current errors, number of updates, max |x|. Updates at
        which ``r = 0`` (the first step of a trial from ``x0 = 0``) change nothing and are not
        counted.
    work : (TRAIN_WORK_ROWS, N) scratch.
    z : (M,) scratch.

    Notes
    -----
    ``x(t+1) = x(t) + dt/tau (-x(t) + J r(t) + drive(t) + noise_scale noise(t))``, ``r = tanh(x)``.
    At an update step, with ``k = P r / (1 + r' P r)`` (:func:`rls_step`):
    ``P <- P - k (P r)'``, ``J <- J - e_J k'``, ``W <- W - e_W k'``
    with ``e_J = J r - target_current``, ``e_W = W r - target_output``; ``x(t+1)`` then uses the
    updated ``J``, as in the reference code (DePasquale et al. 2018). The update of ``J`` is
    fused with the product ``J r`` of the next step (``J_new r(t) = J r(t) - e (k' r)``).
    """
    n_steps, n = drive.shape
    m = W.shape[0]
    record = rates.shape[0] == n_steps
    noisy = noise.shape[0] == n_steps
    x, r, Jr, y, a, e, kvec = work[0], work[1], work[2], work[3], work[4], work[5], work[6]
    for i in range(n):
        x[i] = x0[i]
        r[i] = np.tanh(x0[i])
        a[i] = 0.0
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
            inv_c = rls_step(P, a, inv_c, r, y, kvec)
            kr = 0.0
            for i in range(n):
                kr += kvec[i] * r[i]
            informative = kr > 0.0
            for i in range(n):
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
            rank1_update_matvec(J, e, kvec, r, Jr)
            pending_j = False
        else:
            matvec(J, r, Jr)
    if pending_j:
        rank1_update_matvec(J, e, kvec, r, Jr)
    rls_flush(P, a, inv_c, y)
    stats[0] = sq_current
    stats[1] = n_updates
    stats[2] = xmax


@numba.njit(cache=True, fastmath=FASTMATH)
def simulate_trial(J, W, x0, drive, dt_tau, output, rates, work, z):
    """Run a network without learning: ``x(t+1) = x + dt/tau (-x + J r + drive(t))``.

    Writes ``r(t)`` into ``rates`` (S, N) and ``W r(t)`` into ``output`` (S, M); ``t = 0`` is the
    initial state ``x0``. ``work`` (SIMULATE_WORK_ROWS, N) and ``z`` (M,) are scratch.
    """
    n_steps, n = drive.shape
    m = W.shape[0]
    x, r, Jr = work[0], work[1], work[2]
    for i in range(n):
        x[i] = x0[i]
        r[i] = np.tanh(x0[i])
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
