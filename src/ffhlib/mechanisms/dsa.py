"""Dynamical similarity analysis (Ostrow, Eisen, Kozachkov & Fiete 2023).

Delay-embed the trajectories (:func:`delay_embed`), fit a linear operator in the top singular
directions of the delay embedding (:func:`fit_operator`), and compare two operators up to an
orthogonal change of basis (:func:`dsa_distance`). :func:`resample_time` brings two systems to one
time grid first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.interpolate
import scipy.linalg
import scipy.optimize
from threadpoolctl import threadpool_limits

from .._validate import check_array, check_int, check_square
from ._common import as_rng, skew_basis_index

__all__ = [
    "DSADistance",
    "OperatorFit",
    "delay_embed",
    "dsa_distance",
    "fit_operator",
    "resample_time",
]


def resample_time(values, t_old, t_new) -> np.ndarray:
    """Linear interpolation of trajectories onto a new time grid.

    Parameters
    ----------
    values : array_like, shape (T, N) or (C, T, N)
        Trajectories; time is the second-to-last axis.
    t_old : array_like, shape (T,)
        Their times, strictly increasing.
    t_new : array_like, shape (T_new,)
        The new times, inside ``[t_old[0], t_old[-1]]`` (no extrapolation).

    Returns
    -------
    ndarray, shape (T_new, N) or (C, T_new, N)
    """
    values = check_array("values", values)
    if values.ndim not in (2, 3):
        raise ValueError(f"values must have shape (T, N) or (C, T, N), got {values.shape}")
    t_old = check_array("t_old", t_old, shape=(values.shape[-2],))
    t_new = check_array("t_new", t_new, ndim=1)
    if t_old.size < 2 or np.any(np.diff(t_old) <= 0):
        raise ValueError("t_old must be strictly increasing with at least 2 points")
    if t_new.size and (t_new.min() < t_old[0] or t_new.max() > t_old[-1]):
        raise ValueError(f"t_new must lie inside [{t_old[0]}, {t_old[-1]}] (no extrapolation)")
    interpolant = scipy.interpolate.interp1d(t_old, values, axis=-2, kind="linear",
                                             assume_sorted=True)
    return interpolant(t_new)


def delay_embed(trajectories, n_delays: int) -> np.ndarray:
    """Delay (Hankel) embedding of each condition's trajectory.

    Parameters
    ----------
    trajectories : array_like, shape (C, T, N)
    n_delays : int
        Number of consecutive states per embedded sample, ``1 <= n_delays <= T``.

    Returns
    -------
    ndarray, shape (C, T - n_delays + 1, N * n_delays)
        ``out[c, t] = concat(x_c(t), x_c(t + 1), ..., x_c(t + n_delays - 1))`` (oldest first).
        Each condition is embedded on its own: no sample mixes two conditions.
    """
    trajectories = check_array("trajectories", trajectories, ndim=3)
    C, T, N = trajectories.shape
    n_delays = check_int("n_delays", n_delays, minimum=1, maximum=T)
    windows = np.lib.stride_tricks.sliding_window_view(trajectories, n_delays, axis=1)
    # windows: (C, T - d + 1, N, d) -> put the delay before the unit: (C, T - d + 1, d, N)
    return np.ascontiguousarray(windows.transpose(0, 1, 3, 2)).reshape(C, T - n_delays + 1,
                                                                      n_delays * N)


@dataclass(frozen=True)
class OperatorFit:
    """A linear operator fitted in the top singular directions of a delay embedding.

    Attributes
    ----------
    A : ndarray, shape (rank, rank)
        One-step operator, column convention :math:`y_{t+1} = A y_t`.
    basis : ndarray, shape (N * n_delays, rank)
        Orthonormal directions of the delay space (the top right singular vectors); the
        coordinates are :math:`y = V^\\top h` (not whitened).
    singular_values : ndarray, shape (min(S, N * n_delays),)
        All singular values of the stacked delay embedding, descending.
    explained_variance_ratio : ndarray, shape (rank,)
        Fraction of the delay embedding's (uncentred) sum of squares along each kept direction.
    r2 : float
        One-step prediction :math:`R^2` of the fit in those coordinates.
    n_delays, rank : int
    """

    A: np.ndarray
    basis: np.ndarray
    singular_values: np.ndarray
    explained_variance_ratio: np.ndarray
    r2: float
    n_delays: int
    rank: int


def fit_operator(trajectories, *, n_delays: int, rank: int) -> OperatorFit:
    """Fit a linear operator to delay-embedded trajectories (the first step of DSA).

    Parameters
    ----------
    trajectories : array_like, shape (C, T, N)
        All conditions on one time grid (see :func:`resample_time`), ``T - n_delays >= 1``.
    n_delays : int
        Delays of the embedding (:func:`delay_embed`); 1 = no embedding.
    rank : int
        Number of singular directions kept, ``1 <= rank <= N * n_delays``.

    Returns
    -------
    OperatorFit

    Notes
    -----
    Stack every condition's delay-embedded samples :math:`h` into :math:`H` (rows = samples), take
    the thin SVD :math:`H = U \\Sigma V^\\top`, and project onto the top ``rank`` right singular
    vectors, :math:`y = V_r^\\top h`. Pairs :math:`(y_t, y_{t+1})` of consecutive samples of the
    same condition give the least-squares operator

    .. math:: A = \\arg\\min_A \\sum_{c, t} \\lVert y_{c,t+1} - A y_{c,t} \\rVert^2,

    i.e. dynamic mode decomposition in Hankel-SVD coordinates (Ostrow et al. 2023 fit such an
    operator on the delay embedding before comparing systems). The data are not centred: a
    linear map of the states is fitted, as for DMD. Because :math:`V_r` is orthonormal and the
    coordinates are not whitened, an orthogonal change of basis of the states (or of the delay
    space) changes :math:`A` only by an orthogonal conjugation, to which :func:`dsa_distance` is
    blind; for ``n_delays = 1`` and ``rank = N`` on data from :math:`x_{t+1} = A x_t`, the fit is
    :math:`V^\\top A V`. :math:`R^2 = 1 - \\sum \\lVert y_{t+1} - A y_t \\rVert^2 / \\sum
    \\lVert y_{t+1} - \\bar y_{+} \\rVert^2`, centred on the targets' mean :math:`\\bar y_+`.
    """
    trajectories = check_array("trajectories", trajectories, ndim=3)
    C, T, N = trajectories.shape
    n_delays = check_int("n_delays", n_delays, minimum=1, maximum=max(1, T - 1))
    if T - n_delays < 1:
        raise ValueError(f"T - n_delays must be >= 1 to form one-step pairs, got T={T}")
    rank = check_int("rank", rank, minimum=1, maximum=N * n_delays)
    H = delay_embed(trajectories, n_delays)
    S = H.shape[1]
    _, s, Vt = np.linalg.svd(H.reshape(C * S, -1), full_matrices=False)
    if rank > s.size:
        raise ValueError(f"rank = {rank} exceeds the {s.size} singular directions of the "
                         f"{C * S} samples")
    V = Vt[:rank].T
    Y = H @ V  # (C, S, rank)
    now, nxt = Y[:, :-1].reshape(-1, rank), Y[:, 1:].reshape(-1, rank)
    At = np.linalg.lstsq(now, nxt, rcond=None)[0]
    total = float(np.sum((nxt - nxt.mean(axis=0)) ** 2))
    r2 = 1.0 - float(np.sum((nxt - now @ At) ** 2)) / total if total > 0 else np.nan
    energy = float(np.sum(s**2))
    ratio = s[:rank] ** 2 / energy if energy > 0 else np.zeros(rank)
    return OperatorFit(A=At.T, basis=V, singular_values=s, explained_variance_ratio=ratio, r2=r2,
                       n_delays=n_delays, rank=rank)


@dataclass(frozen=True)
class DSADistance:
    """Distance between two linear operators up to an orthogonal change of basis.

    Attributes
    ----------
    distance : float
        :math:`\\min_{C \\in O(n)} \\lVert A - C B C^\\top \\rVert_F` (same units as A and B).
    angular : float
        :math:`\\arccos(\\langle A, C^* B C^{*\\top} \\rangle_F / (\\lVert A \\rVert_F
        \\lVert B \\rVert_F))` at the optimum :math:`C^*`, radians in [0, pi] (nan if A or B is 0).
    C : ndarray, shape (n, n)
        The optimal orthogonal matrix :math:`C^*`.
    determinant : int
        +1 if :math:`C^*` is a rotation, -1 if it includes a reflection.
    """

    distance: float
    angular: float
    C: np.ndarray
    determinant: int


def _conjugation_loss(s, C0, A, B, rows, cols):
    """||A - C B C^T||^2 and its gradient in s, with C = C0 expm(S), S skew from s."""
    n = A.shape[0]
    S = np.zeros((n, n))
    S[rows, cols] = s
    S -= S.T
    C = C0 @ scipy.linalg.expm(S)
    R = A - C @ B @ C.T
    G = -2.0 * (R @ C @ B.T + R.T @ C @ B)  # d loss / d C
    # d loss / d S = L(S^T, C0^T G): the adjoint of the Frechet derivative of expm at S
    H = scipy.linalg.expm_frechet(S.T, C0.T @ G, compute_expm=False)
    return float(np.sum(R * R)), H[rows, cols] - H[cols, rows]


def _descend(C0, A, B, rows, cols) -> np.ndarray:
    """Local minimum of ||A - C B C^T|| over C = C0 expm(S), from S = 0."""
    if rows.size == 0:  # n = 1: O(1) = {+1, -1}, nothing to optimise within a component
        return C0
    res = scipy.optimize.minimize(_conjugation_loss, np.zeros(rows.size),
                                  args=(C0, A, B, rows, cols), jac=True, method="L-BFGS-B",
                                  options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12})
    S = np.zeros((C0.shape[0],) * 2)
    S[rows, cols] = res.x
    return C0 @ scipy.linalg.expm(S - S.T)


def _start_in_component(Q: np.ndarray, determinant: int) -> np.ndarray:
    if np.sign(np.linalg.det(Q)) != determinant:
        Q = Q.copy()
        Q[:, 0] = -Q[:, 0]
    return Q


def _haar_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    Z = rng.standard_normal((n, n))
    Q, R = np.linalg.qr(Z)
    return Q * np.sign(np.diag(R))


def dsa_distance(A, B, *, n_starts: int = 8, rng=0) -> DSADistance:
    """Dynamical similarity (Ostrow et al. 2023): operators compared over all orthogonal maps.

    Parameters
    ----------
    A, B : array_like, shape (n, n)
        Linear operators, e.g. :attr:`OperatorFit.A` of two systems fitted with the same
        ``n_delays`` and ``rank``.
    n_starts : int
        Random starting points per component of O(n) (>= 1), besides the identity and its
        reflection.
    rng : int or numpy.random.Generator
        Seed or generator for the starting points (Haar-distributed); default seed 0, so the
        result is deterministic.

    Returns
    -------
    DSADistance

    Notes
    -----
    Minimises :math:`\\lVert A - C B C^\\top \\rVert_F^2 = \\lVert A \\rVert_F^2 +
    \\lVert B \\rVert_F^2 - 2 \\langle A, C B C^\\top \\rangle_F` over both components of
    O(n): :math:`C = C_0 e^{S}` with :math:`S` skew-symmetric (its :math:`n(n-1)/2` free entries
    are the parameters) and :math:`C_0` a start of determinant +1 (rotations) or -1 (the other
    component), by L-BFGS with the exact gradient (through the Fréchet derivative of the matrix
    exponential); the lowest minimum over all starts of both components is returned. The
    exponential map covers each component, so every orthogonal matrix is reachable. The same
    :math:`C^*` maximises the inner product, hence also minimises the angular form, the angle
    between :math:`A` and :math:`C B C^\\top` (their Frobenius norms do not depend on C).
    The distance is 0 iff B is an orthogonal conjugate of A, and symmetric in A and B.
    """
    A = check_square("A", A)
    B = check_square("B", B)
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {A.shape} and {B.shape}")
    n_starts = check_int("n_starts", n_starts, minimum=1)
    rng = as_rng(rng)
    n = A.shape[0]
    rows, cols = skew_basis_index(n)
    best = (np.inf, None)
    with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: threads only hurt
        for determinant in (1, -1):
            starts = [np.eye(n)] + [_haar_orthogonal(n, rng) for _ in range(n_starts)]
            for Q in starts:
                C = _descend(_start_in_component(Q, determinant), A, B, rows, cols)
                loss = float(np.sum((A - C @ B @ C.T) ** 2))
                if loss < best[0]:
                    best = (loss, C)
    loss, C = best
    norms = np.linalg.norm(A) * np.linalg.norm(B)
    inner = float(np.sum(A * (C @ B @ C.T)))
    angular = float(np.arccos(np.clip(inner / norms, -1.0, 1.0))) if norms > 0 else np.nan
    return DSADistance(distance=float(np.sqrt(max(loss, 0.0))), angular=angular, C=C,
                       determinant=int(round(np.linalg.det(C))))


# ---------------------------------------------------------------------------------------------
# Applied to population activity
# ---------------------------------------------------------------------------------------------

def activity_operator(rates, *, n_pcs: int, n_delays: int, rank: int) -> OperatorFit:
    """The linear operator of a population's activity: top PCs, delay embedding, reduced-rank DMD.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
        Trial-averaged activity on a common time grid.
    n_pcs : int
        Principal components kept before the embedding (>= 1; at most ``N`` are used).
    n_delays : int
        Delays of the embedding (:func:`delay_embed`), >= 1.
    rank : int
        Rank of the operator (>= 1; at most ``min(n_pcs, N) * n_delays`` is used).

    Returns
    -------
    OperatorFit

    Notes
    -----
    The activity, centred over conditions and time, is projected onto its top
    :math:`k = \\min(n_{pcs}, N)` principal components (:func:`ffhlib.similarity.pca`, not
    whitened), so that systems of different sizes (a network, a set of neurons) are fitted in a
    space of the same dimension; then :func:`fit_operator`. An orthogonal change of the units
    changes the operator only by an orthogonal conjugation (up to the signs of the components), to
    which :func:`dsa_distance` is blind.
    """
    from ..similarity import pca, stack_activity

    rates = check_array("rates", rates, ndim=3)
    n_pcs = check_int("n_pcs", n_pcs, minimum=1)
    n_delays = check_int("n_delays", n_delays, minimum=1)
    rank = check_int("rank", rank, minimum=1)
    C, T, N = rates.shape
    k = min(n_pcs, N)
    latent = pca(stack_activity(rates), k).reshape(C, T, k)
    return fit_operator(latent, n_delays=n_delays, rank=min(rank, k * n_delays))


@dataclass(frozen=True)
class MeanDSADistance:
    """Distance of one operator to several references, averaged over the references.

    Attributes
    ----------
    distance : float
        Mean of :attr:`DSADistance.distance` over the references.
    angular : float
        Mean of :attr:`DSADistance.angular` (rad).
    each : tuple of DSADistance
        One per reference, in order.
    """

    distance: float
    angular: float
    each: tuple


def dsa_to_references(references, A, *, n_starts: int = 8, rng=0) -> MeanDSADistance:
    """:func:`dsa_distance` of ``A`` to each reference operator, and the means.

    Parameters
    ----------
    references : sequence of array_like, each shape (n, n)
        E.g. the operators of each half of a set of neurons (at least one).
    A : array_like, shape (n, n)
    n_starts, rng
        See :func:`dsa_distance` (every comparison starts from the same seed).

    Returns
    -------
    MeanDSADistance
    """
    references = list(references)
    if not references:
        raise ValueError("references must hold at least one operator")
    each = tuple(dsa_distance(ref, A, n_starts=n_starts, rng=rng) for ref in references)
    return MeanDSADistance(distance=float(np.mean([d.distance for d in each])),
                           angular=float(np.mean([d.angular for d in each])), each=each)
