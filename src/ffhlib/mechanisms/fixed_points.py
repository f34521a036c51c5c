"""Fixed and slow points (Sussillo & Barak 2013), and the preparatory states of a trained network.

Fixed and slow points of a tanh RNN under a constant input are minima of
:math:`q(x) = \\tfrac12 \\lVert F(x) \\rVert^2` (:func:`find_fixed_points`, from states drawn
with :func:`sample_states`), with their Jacobians and stability; :func:`newton_fixed_point` is the
fast path near a known state. :func:`preparatory_states` asks whether a trained network rests at a
stable fixed point of each direction's cue, and :func:`geometry_correlation` compares the
arrangement of its preparatory states with the ground truth's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from .._validate import check_array, check_float, check_int, check_square
from ._common import as_rng, sort_leading_first
from .linearisation import spectrum_per_second

__all__ = [
    "FixedPoints",
    "PreparatoryStates",
    "find_fixed_points",
    "geometry_correlation",
    "newton_fixed_point",
    "preparatory_states",
    "rnn_jacobian",
    "rnn_q",
    "rnn_q_gradient",
    "rnn_velocity",
    "sample_states",
]


def _check_rnn(J, input_current) -> tuple[np.ndarray, np.ndarray]:
    J = check_square("J", J)
    b = check_array("input_current", input_current, shape=(J.shape[0],))
    return J, b


def rnn_velocity(x, J, input_current) -> np.ndarray:
    """The flow :math:`F(x) = -x + J \\tanh(x) + b` of a tanh RNN, in units of :math:`1/\\tau`.

    Parameters
    ----------
    x : array_like, shape (N,) or (K, N)
        State(s) (pre-activations).
    J : array_like, shape (N, N)
        Recurrent weights.
    input_current : array_like, shape (N,)
        Constant input current :math:`b = U u` (input weights times the held input).

    Returns
    -------
    ndarray, same shape as ``x``
        :math:`\\tau \\dot x`.
    """
    J, b = _check_rnn(J, input_current)
    x = check_array("x", x)
    if x.ndim not in (1, 2) or x.shape[-1] != J.shape[0]:
        raise ValueError(f"x must have shape (N,) or (K, N) with N = {J.shape[0]}, got {x.shape}")
    return -x + np.tanh(x) @ J.T + b


def rnn_jacobian(x, J) -> np.ndarray:
    """Jacobian :math:`-I + J D(x)`, :math:`D = \\operatorname{diag}(1 - \\tanh^2 x)`.

    Parameters
    ----------
    x : array_like, shape (N,) or (K, N)
    J : array_like, shape (N, N)

    Returns
    -------
    ndarray, shape (N, N) or (K, N, N)
        :math:`\\partial F / \\partial x` in units of :math:`1/\\tau` (eigenvalues with negative
        real part are stable directions).
    """
    J = check_square("J", J)
    x = check_array("x", x)
    if x.ndim not in (1, 2) or x.shape[-1] != J.shape[0]:
        raise ValueError(f"x must have shape (N,) or (K, N) with N = {J.shape[0]}, got {x.shape}")
    d = 1.0 - np.tanh(x) ** 2
    return J * d[..., None, :] - np.eye(J.shape[0])


def _q_terms(x, J, b):
    t = np.tanh(x)
    d = 1.0 - t * t
    F = -x + J @ t + b
    return t, d, F


def _q_and_gradient(x, J, b):
    _, d, F = _q_terms(x, J, b)
    return 0.5 * float(F @ F), -F + d * (J.T @ F)


def _q_hessp(x, v, J, b):
    """Hessian of q times v: Jac^T Jac v + (J^T F) * tanh''(x) * v."""
    t, d, F = _q_terms(x, J, b)
    Jv = -v + J @ (d * v)
    return -Jv + d * (J.T @ Jv) + (J.T @ F) * (-2.0 * t * d) * v


def rnn_q(x, J, input_current) -> float:
    """The slowness :math:`q(x) = \\tfrac12 \\lVert F(x) \\rVert^2` (Sussillo & Barak 2013).

    Parameters
    ----------
    x : array_like, shape (N,)
    J : array_like, shape (N, N)
    input_current : array_like, shape (N,)

    Returns
    -------
    float
        Zero exactly at fixed points; small at slow points. In (state units / tau)^2.
    """
    J, b = _check_rnn(J, input_current)
    x = check_array("x", x, shape=(J.shape[0],))
    return _q_and_gradient(x, J, b)[0]


def rnn_q_gradient(x, J, input_current) -> np.ndarray:
    """Analytic gradient :math:`\\nabla q = (-I + J D)^\\top F(x)`.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : array_like, shape (N, N)
    input_current : array_like, shape (N,)

    Returns
    -------
    ndarray, shape (N,)
        Computed without forming the Jacobian: :math:`-F + D (J^\\top F)`.
    """
    J, b = _check_rnn(J, input_current)
    x = check_array("x", x, shape=(J.shape[0],))
    return _q_and_gradient(x, J, b)[1]


def sample_states(trajectories, n_samples: int, *, rng, jitter: float = 0.0) -> np.ndarray:
    """Draw starting states for :func:`find_fixed_points` from trajectories.

    Parameters
    ----------
    trajectories : array_like, shape (T, N) or (C, T, N)
        States visited by the network (all conditions and times are pooled).
    n_samples : int
        Number of states ``K``, at most the number of pooled states (drawn without replacement).
    rng : int or numpy.random.Generator
        Seed or generator (normalised with ``np.random.default_rng``).
    jitter : float
        Standard deviation of independent Gaussian noise added to every coordinate (>= 0, in
        the units of the states; 0 = the visited states themselves).

    Returns
    -------
    ndarray, shape (K, N)
    """
    trajectories = check_array("trajectories", trajectories)
    if trajectories.ndim not in (2, 3):
        raise ValueError(f"trajectories must have shape (T, N) or (C, T, N), got "
                         f"{trajectories.shape}")
    pool = trajectories.reshape(-1, trajectories.shape[-1])
    n_samples = check_int("n_samples", n_samples, minimum=1, maximum=pool.shape[0])
    jitter = check_float("jitter", jitter, minimum=0.0)
    rng = as_rng(rng)
    idx = rng.choice(pool.shape[0], size=n_samples, replace=False)
    states = pool[idx]
    if jitter > 0:
        states = states + jitter * rng.standard_normal(states.shape)
    return states


@dataclass(frozen=True)
class FixedPoints:
    """Fixed and slow points of :math:`F(x) = -x + J \\tanh(x) + b` found by minimising q.

    Attributes
    ----------
    points : ndarray, shape (K, N)
        The distinct minima with :math:`q <` ``q_tol``, lowest q first.
    q : ndarray, shape (K,)
        Their :math:`q = \\tfrac12 \\lVert F \\rVert^2` ((state units / tau)^2).
    jacobians : ndarray, shape (K, N, N)
        :math:`-I + J D(x)` at each point, in units of :math:`1/\\tau`.
    eigenvalues : ndarray, shape (K, N), complex
        Eigenvalues of each Jacobian, leading first (real part descending).
    stable : ndarray, shape (K,), bool
        Whether all eigenvalues have negative real part (a linearly stable point).
    n_starts : ndarray, shape (K,), int
        How many starting states converged to each point (after merging duplicates).
    q_per_start : ndarray, shape (S,)
        The final q reached from every starting state, kept or not (a diagnostic: how many
        starts failed to reach ``q_tol``).
    q_tol, merge_distance : float
        The thresholds used.
    """

    points: np.ndarray
    q: np.ndarray
    jacobians: np.ndarray
    eigenvalues: np.ndarray
    stable: np.ndarray
    n_starts: np.ndarray
    q_per_start: np.ndarray
    q_tol: float
    merge_distance: float


def _merge(points: np.ndarray, q: np.ndarray, distance: float):
    """Greedy merge, lowest q first: a point within ``distance`` of a kept one joins it."""
    order = np.argsort(q, kind="stable")
    kept: list[int] = []
    counts: list[int] = []
    for i in order:
        if kept:
            gaps = np.linalg.norm(points[kept] - points[i], axis=1)
            j = int(np.argmin(gaps))
            if gaps[j] <= distance:
                counts[j] += 1
                continue
        kept.append(int(i))
        counts.append(1)
    return np.array(kept, dtype=int), np.array(counts, dtype=int)


def find_fixed_points(J, input_current, initial_states, *, q_tol: float = 1e-6,
                      merge_distance: float = 1e-3, gradient_tol: float = 1e-10,
                      max_iter: int = 200) -> FixedPoints:
    """Fixed and slow points of a tanh RNN under a constant input (Sussillo & Barak 2013).

    Parameters
    ----------
    J : array_like, shape (N, N)
        Recurrent weights of :math:`\\tau \\dot x = -x + J \\tanh(x) + b`.
    input_current : array_like, shape (N,)
        The constant input current :math:`b = U u` (input weights times the held input; zeros
        for no input).
    initial_states : array_like, shape (S, N)
        Starting states, typically sampled along the network's trajectories with
        :func:`sample_states`.
    q_tol : float
        Keep minima with :math:`q <` ``q_tol`` (> 0). A choice: the default 1e-6 keeps points
        whose speed :math:`\\lVert F \\rVert = \\sqrt{2q}` is below 1.5e-3 state units per
        :math:`\\tau`, i.e. that move less than 0.1 state units over 50 time constants (a
        500 ms movement of a 10 ms RNN) -- slow on the task's time scale. True fixed points reach
        q near machine precision; :attr:`FixedPoints.q` separates them from slow points.
    merge_distance : float
        Minima closer than this (Euclidean, state units) are one point (>= 0); the one with the
        lowest q represents them. A choice: 1e-3 is far above the optimiser's accuracy at a
        nondegenerate point and far below the spacing of distinct attractors of a tanh network.
    gradient_tol : float
        The optimiser stops when :math:`\\lVert \\nabla q \\rVert <` ``gradient_tol`` (> 0).
    max_iter : int
        Maximum trust-region iterations per start (>= 1).

    Returns
    -------
    FixedPoints

    Notes
    -----
    Each start is a local minimisation of

    .. math:: q(x) = \\tfrac12 \\lVert F(x) \\rVert^2, \\quad
              \\nabla q = (-I + J D)^\\top F, \\quad D = \\operatorname{diag}(1 - \\tanh^2 x),

    by SciPy's ``trust-ncg`` method (Newton-CG in a trust region) with the analytic gradient
    and the exact Hessian-vector product
    :math:`\\nabla^2 q\\, v = A^\\top A v + (J^\\top F) \\odot \\tanh''(x) \\odot v`,
    :math:`A = -I + J D`, :math:`\\tanh'' = -2 \\tanh (1 - \\tanh^2)`. Every zero of F (stable,
    saddle or unstable) is a global minimum of q, so the search finds all kinds, as well as slow
    points (local minima with small positive q). A point is stable when the largest real part of
    the eigenvalues of its Jacobian is negative.
    """
    J, b = _check_rnn(J, input_current)
    N = J.shape[0]
    starts = check_array("initial_states", initial_states, shape=(None, N))
    if starts.shape[0] < 1:
        raise ValueError("initial_states must hold at least one state")
    q_tol = check_float("q_tol", q_tol, minimum=0.0, exclusive_minimum=True)
    merge_distance = check_float("merge_distance", merge_distance, minimum=0.0)
    gradient_tol = check_float("gradient_tol", gradient_tol, minimum=0.0,
                               exclusive_minimum=True)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    ends = np.empty_like(starts)
    q_end = np.empty(starts.shape[0])
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only hurt
        for s, x0 in enumerate(starts):
            res = scipy.optimize.minimize(_q_and_gradient, x0, args=(J, b), jac=True,
                                          hessp=_q_hessp, method="trust-ncg",
                                          options={"gtol": gradient_tol, "maxiter": max_iter})
            ends[s] = res.x
            q_end[s] = _q_and_gradient(res.x, J, b)[0]
    good = np.flatnonzero(q_end < q_tol)
    kept, counts = _merge(ends[good], q_end[good], merge_distance)
    points = ends[good][kept]
    jacobians = (J * (1.0 - np.tanh(points) ** 2)[:, None, :] - np.eye(N) if points.size
                 else np.zeros((0, N, N)))
    eigenvalues = np.array([sort_leading_first(np.linalg.eigvals(A)) for A in jacobians],
                           dtype=complex).reshape(-1, N)
    stable = (eigenvalues.real.max(axis=1) < 0 if points.size
              else np.zeros(0, dtype=bool))
    return FixedPoints(points=points.reshape(-1, N), q=q_end[good][kept], jacobians=jacobians,
                       eigenvalues=eigenvalues, stable=stable, n_starts=counts,
                       q_per_start=q_end, q_tol=q_tol, merge_distance=merge_distance)


def newton_fixed_point(J, input_current, x0, *, tol: float = 1e-10,
                       max_iter: int = 50) -> tuple[np.ndarray, bool]:
    """Newton's method on :math:`F(x) = -x + J \\tanh(x) + b = 0` from ``x0``.

    The fast path to the fixed point near a state the network settles in (e.g. the end of a
    preparatory period): each step solves :math:`(-I + J D)\\,\\delta = -F`. Converges
    quadratically near a nondegenerate fixed point; far from one it may not converge, and then
    :func:`find_fixed_points` (global minimisation of q) is the tool.

    Parameters
    ----------
    J : array_like (N, N)
    input_current : array_like (N,)
    x0 : array_like (N,)
        Starting state.
    tol : float
        Converged when :math:`\\lVert F \\rVert_\\infty <` ``tol``.
    max_iter : int

    Returns
    -------
    (x, converged) : ndarray (N,), bool
    """
    J, b = _check_rnn(J, input_current)
    x = check_array("x0", x0, shape=(J.shape[0],)).copy()
    tol = check_float("tol", tol, minimum=0.0, exclusive_minimum=True)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    eye = np.eye(J.shape[0])
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(max_iter):
            F = -x + J @ np.tanh(x) + b
            if not np.all(np.isfinite(F)):
                return x, False
            if np.max(np.abs(F)) < tol:
                return x, True
            try:
                x = x - np.linalg.solve(J * (1.0 - np.tanh(x) ** 2) - eye, F)
            except np.linalg.LinAlgError:
                return x, False
        F = -x + J @ np.tanh(x) + b
    return x, bool(np.all(np.isfinite(F)) and np.max(np.abs(F)) < tol)


# ---------------------------------------------------------------------------------------------
# Applied to a trained network
# ---------------------------------------------------------------------------------------------

def geometry_correlation(a, b) -> float:
    """Pearson correlation of two conditions x conditions distance matrices (upper triangles).

    Parameters
    ----------
    a : array_like, shape (C, N)
        One state per condition (e.g. a network's preparatory rates), ``C >= 3``.
    b : array_like, shape (C, M)
        Another set of states of the same conditions (any dimension ``M``).

    Returns
    -------
    float
        :math:`\\operatorname{corr}(D^a_{ij}, D^b_{ij})` over :math:`i < j`, with
        :math:`D_{ij} = \\lVert s_i - s_j \\rVert` (representational similarity of the two
        arrangements; invariant to rotations, translations and scaling of either set). NaN if
        all the distances of one set are equal.
    """
    a = check_array("a", a, ndim=2)
    b = check_array("b", b, shape=(a.shape[0], None))
    if a.shape[0] < 3:
        raise ValueError(f"a and b need at least 3 conditions, got {a.shape[0]}")

    def distances(x):
        return np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)

    iu = np.triu_indices(a.shape[0], 1)
    da, db = distances(a)[iu], distances(b)[iu]
    if np.ptp(da) == 0 or np.ptp(db) == 0:
        return math.nan
    return float(np.corrcoef(da, db)[0, 1])


@dataclass(frozen=True)
class PreparatoryStates:
    """Where a trained network rests before the go pulse, and its linearisation at movement onset.

    Attributes
    ----------
    input_currents : ndarray, shape (C, N)
        The preparatory input :math:`b_c = U u_c` of each direction (cue on, go pulse off).
    points : ndarray, shape (C, N)
        The stable fixed point of :math:`b_c` that Newton's method reaches from the state at the
        end of the cue period; NaN rows where it reaches none (no convergence, or an unstable
        point).
    distances : ndarray, shape (C,)
        Root-mean-square distance of the rates (rate units per unit) between that state and its
        point; NaN where there is none.
    found_fraction : float
        Share of the directions whose distance is at most ``radius``: the network rests at a
        stable fixed point of that direction's input.
    mean_distance : float
        Mean of the finite distances (NaN if there is none).
    rates : ndarray, shape (C, N)
        The rates :math:`\\tanh x` at the last step before the go pulse.
    onset_eigenvalues : ndarray, shape (C, n_eigenvalues), complex
        Leading eigenvalues (1/s) of the Jacobian :math:`-I + J D(x)` at movement onset.
    radius : float
    """

    input_currents: np.ndarray
    points: np.ndarray
    distances: np.ndarray
    found_fraction: float
    mean_distance: float
    rates: np.ndarray
    onset_eigenvalues: np.ndarray
    radius: float


def preparatory_states(net, angles, *, onset_ms: float, q_tol: float, radius: float,
                       n_eigenvalues: int) -> PreparatoryStates:
    """Does a trained network rest at a stable fixed point of each direction's cue?

    Parameters
    ----------
    net : ffhlib.fullforce.TrainedRNN
        A trained network (its ``params`` give the trial's timing, input scale and tau).
    angles : array_like, shape (C,)
        Reach directions (rad).
    onset_ms : float
        Movement onset (ms) on the trial's time axis (the first time of the movement epoch).
    q_tol : float
        Newton's method has converged when :math:`\\lVert F \\rVert_\\infty < \\sqrt{2 q_{tol}}`
        (> 0; the tolerance on :math:`q = \\tfrac12 \\lVert F \\rVert^2` of
        :func:`find_fixed_points`).
    radius : float
        Largest root-mean-square rate distance (> 0) at which the state counts as resting at
        the fixed point.
    n_eigenvalues : int
        Leading eigenvalues kept of the linearisation at movement onset (``1 <= k <= N``).

    Returns
    -------
    PreparatoryStates

    Notes
    -----
    For direction :math:`c` the preparatory input is held constant, :math:`b_c = U u_c`, and
    :func:`newton_fixed_point` solves :math:`F(x) = -x + J \\tanh x + b_c = 0` from the state
    :math:`x_c` at the end of the cue period. A zero :math:`x^*` counts when it is stable (every
    eigenvalue of :func:`rnn_jacobian` has negative real part) and
    :math:`\\lVert \\tanh x^* - \\tanh x_c \\rVert / \\sqrt N \\le` ``radius``.
    """
    from ..fullforce import TrainedRNN, trial_states

    if not isinstance(net, TrainedRNN):
        raise TypeError(f"net must be a TrainedRNN, got {type(net).__name__}")
    angles = check_array("angles", angles, ndim=1)
    onset_ms = check_float("onset_ms", onset_ms)
    q_tol = check_float("q_tol", q_tol, minimum=0.0, exclusive_minimum=True)
    radius = check_float("radius", radius, minimum=0.0, exclusive_minimum=True)
    n_eigenvalues = check_int("n_eigenvalues", n_eigenvalues, minimum=1, maximum=net.n_units)
    force = net.params
    time_ms, x = trial_states(net, angles)
    cue_end = int(np.searchsorted(time_ms, -force.go_ms - 1e-9))  # last step before the go pulse
    onset = int(np.searchsorted(time_ms, onset_ms - 1e-9))
    if cue_end < 1 or onset >= time_ms.size:
        raise ValueError(f"onset_ms = {onset_ms} or the go pulse lies outside the trial")
    currents = np.empty((angles.size, net.n_units))
    points = np.full((angles.size, net.n_units), np.nan)
    distances = np.full(angles.size, np.nan)
    eigenvalues = np.zeros((angles.size, n_eigenvalues), dtype=complex)
    for c, angle in enumerate(angles):
        b = net.U_in @ (force.input_scale * np.array([np.cos(angle), np.sin(angle), 0.0]))
        currents[c] = b
        state = x[c, cue_end - 1]
        point, ok = newton_fixed_point(net.J, b, state, tol=math.sqrt(2 * q_tol))
        if ok and np.linalg.eigvals(rnn_jacobian(point, net.J)).real.max() < 0:
            points[c] = point
            distances[c] = float(np.linalg.norm(np.tanh(point) - np.tanh(state))
                                 / math.sqrt(net.n_units))
        jac = rnn_jacobian(x[c, onset], net.J)
        eigenvalues[c] = spectrum_per_second(np.linalg.eigvals(jac), force.tau_ms)[:n_eigenvalues]
    found = distances[np.isfinite(distances)]
    return PreparatoryStates(
        input_currents=currents, points=points, distances=distances,
        found_fraction=int(np.sum(found <= radius)) / angles.size,
        mean_distance=float(np.mean(found)) if found.size else math.nan,
        rates=np.tanh(x[:, cue_end - 1]), onset_eigenvalues=eigenvalues, radius=radius)
