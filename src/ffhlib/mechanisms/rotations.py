"""Rotations: jPCA (Churchland et al. 2012), the rotational structure of population trajectories.

In the top principal components of the movement epoch, fit :math:`\\dot X = X M` by least squares
with ``M`` unconstrained and with ``M`` skew-symmetric (a pure rotation). The ratio of the two
fits' :math:`R^2` is the rotational strength; the real planes of the skew fit's eigenvector pairs
are the jPC planes, each with a rotation frequency. Entry point :func:`jpca`; pieces
:func:`jpca_preprocess`, :func:`jpca_derivatives`, :func:`fit_linear_dynamics`,
:func:`fit_skew_dynamics`, :func:`r2_dynamics`, :func:`jpc_planes`, :func:`jpca_fit`.

Axis convention as everywhere in the library: conditions ``C``, time ``T``, units ``N``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import scipy.linalg

from .._validate import check_array, check_choice, check_float, check_int, check_square
from ._common import skew_basis_index

__all__ = [
    "DerivativeSamples",
    "JPCAFit",
    "JPCAPreprocessing",
    "JPCAResult",
    "JPCPlanes",
    "fit_linear_dynamics",
    "fit_skew_dynamics",
    "jpc_planes",
    "jpca",
    "jpca_derivatives",
    "jpca_fit",
    "jpca_preprocess",
    "r2_dynamics",
]

_SCHEMES = ("midpoint", "left")
_SOFT_NORM_SCALES = ("absolute", "median_range")


@dataclass(frozen=True)
class JPCAPreprocessing:
    """Trajectories prepared for jPCA: soft-normalised, cross-condition mean removed, top PCs.

    Attributes
    ----------
    states : ndarray, shape (C, T, n_pcs)
        The projected states :math:`X` (normalised units).
    components : ndarray, shape (N, n_pcs)
        Orthonormal principal directions in unit space (column ``k`` = PC ``k``; sign fixed so
        that its largest-magnitude loading is positive).
    explained_variance_ratio : ndarray, shape (n_pcs,)
        Fraction of the normalised, mean-removed data's variance along each kept PC.
    unit_scale : ndarray, shape (N,)
        Each unit's divisor, ``range + soft_norm constant`` (ones when normalisation is off).
    condition_mean : ndarray, shape (T, N)
        The cross-condition mean that was subtracted (in normalised units).
    soft_norm_constant : float
        The constant actually added to each unit's range (0 when normalisation is off), in the
        units of the rates.
    """

    states: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray
    unit_scale: np.ndarray
    condition_mean: np.ndarray
    soft_norm_constant: float


def jpca_preprocess(rates, *, soft_norm: float | None = 5.0, soft_norm_scale: str = "absolute",
                    n_pcs: int = 6) -> JPCAPreprocessing:
    """Soft-normalise each unit, remove the cross-condition mean, project onto the top PCs.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
        Trial-averaged activity over the epoch to analyse (e.g. the movement epoch), ``C >= 2``.
    soft_norm : float or None
        Soft-normalisation constant, >= 0; ``None`` switches normalisation off (each unit keeps
        its own scale). Its meaning depends on ``soft_norm_scale``.
    soft_norm_scale : {"absolute", "median_range"}
        ``"absolute"``: the constant is ``soft_norm`` itself, in the units of ``rates``. The
        default 5 is the standard jPCA value for firing rates in spikes/s (Churchland et al.
        2012): units with ranges well above 5 Hz are brought to a common scale, weakly modulated
        units are shrunk. For tanh units (ranges of at most 2) an absolute 5 makes the
        normalisation nearly uniform, i.e. almost none. ``"median_range"``: the constant is
        ``soft_norm`` times the median range of the units, which treats networks whose units
        live on different scales (Hz vs. tanh) alike; e.g. 0.2 roughly mirrors 5 spikes/s for
        cortical neurons whose ranges are a few tens of spikes/s (a choice, not a published value).
    n_pcs : int
        Number of principal components kept, ``2 <= n_pcs <= min(N, (C - 1) T)`` (6 in
        Churchland et al. 2012).

    Returns
    -------
    JPCAPreprocessing

    Notes
    -----
    With :math:`r_i(c, t)` the rate of unit :math:`i` and :math:`\\rho_i = \\max_{c,t} r_i -
    \\min_{c,t} r_i` its range,

    .. math:: \\tilde r_i(c, t) = \\frac{r_i(c, t)}{\\rho_i + s}, \\qquad
              y_i(c, t) = \\tilde r_i(c, t) - \\frac1C \\sum_{c'} \\tilde r_i(c', t),

    then :math:`X(c, t) = y(c, t) V` with :math:`V` the top ``n_pcs`` right singular vectors of
    the ``(C T, N)`` matrix of :math:`y` (already zero-mean over all samples).
    """
    rates = check_array("rates", rates, ndim=3)
    C, T, N = rates.shape
    if C < 2 or T < 2:
        raise ValueError(f"rates must have at least 2 conditions and 2 time points, got C={C}, "
                         f"T={T}")
    limit = min(N, (C - 1) * T)  # rank of the data once the cross-condition mean is removed
    if limit < 2:
        raise ValueError(f"rates of shape {rates.shape} span fewer than 2 dimensions")
    n_pcs = check_int("n_pcs", n_pcs, minimum=2, maximum=limit)
    soft_norm_scale = check_choice("soft_norm_scale", soft_norm_scale, _SOFT_NORM_SCALES)
    ranges = rates.max(axis=(0, 1)) - rates.min(axis=(0, 1))
    if soft_norm is None:
        constant, scale = 0.0, np.ones(N)
    else:
        soft_norm = check_float("soft_norm", soft_norm, minimum=0.0)
        constant = soft_norm * (float(np.median(ranges)) if soft_norm_scale == "median_range"
                                else 1.0)
        scale = ranges + constant
        if np.any(scale <= 0):
            raise ValueError("a unit is constant and soft_norm is 0: its normalised rate is "
                             "undefined; use soft_norm > 0")
    normalised = rates / scale
    mean = normalised.mean(axis=0)
    Y = (normalised - mean).reshape(C * T, N)
    _, s, Vt = np.linalg.svd(Y, full_matrices=False)
    V = Vt[:n_pcs].T
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(n_pcs)])
    signs[signs == 0] = 1.0
    V = V * signs
    total = float(np.sum(s**2))
    ratio = s[:n_pcs] ** 2 / total if total > 0 else np.zeros(n_pcs)
    return JPCAPreprocessing(states=(Y @ V).reshape(C, T, n_pcs), components=V,
                             explained_variance_ratio=ratio, unit_scale=scale,
                             condition_mean=mean, soft_norm_constant=float(constant))


@dataclass(frozen=True)
class DerivativeSamples:
    """State/derivative pairs from sampled trajectories, stacked over conditions.

    Attributes
    ----------
    states : ndarray, shape (C (T - 1), n)
        The state :math:`X` at which each derivative is evaluated.
    derivatives : ndarray, shape (C (T - 1), n)
        The finite-difference derivative :math:`\\dot X`, per second.
    scheme : str
        ``"midpoint"`` or ``"left"``.
    """

    states: np.ndarray
    derivatives: np.ndarray
    scheme: str


def jpca_derivatives(states, *, dt_s: float, scheme: str = "midpoint") -> DerivativeSamples:
    """Finite-difference derivatives of sampled trajectories, never across conditions.

    Parameters
    ----------
    states : array_like, shape (C, T, n)
        Trajectories sampled every ``dt_s`` seconds, ``T >= 2``.
    dt_s : float
        Sampling interval in seconds (> 0), so that fitted dynamics are in 1/s.
    scheme : {"midpoint", "left"}
        Where the state paired with each forward difference sits: ``"midpoint"`` (default,
        second-order accurate) averages the two samples; ``"left"`` takes the earlier one, as in
        the original jPCA code.

    Returns
    -------
    DerivativeSamples

    Notes
    -----
    For each condition and :math:`t = 0, \\dots, T-2`,

    .. math:: \\dot X_t = \\frac{x_{t+1} - x_t}{\\Delta t}, \\qquad
              X_t = \\tfrac12 (x_t + x_{t+1}) \\ \\text{(midpoint)} \\quad\\text{or}\\quad x_t.

    For a linear flow :math:`\\dot x = x M` sampled exactly, the midpoint pairs satisfy
    :math:`\\dot X = X \\hat M` exactly with :math:`\\hat M = \\tfrac{2}{\\Delta t}(E + I)^{-1}
    (E - I)`, :math:`E = e^{M \\Delta t}`: a rotation at :math:`f` Hz is recovered at
    :math:`\\tan(\\pi f \\Delta t) / (\\pi \\Delta t)` Hz.
    """
    states = check_array("states", states, ndim=3)
    C, T, n = states.shape
    if T < 2:
        raise ValueError(f"states need at least 2 time points, got T={T}")
    dt_s = check_float("dt_s", dt_s, minimum=0.0, exclusive_minimum=True)
    scheme = check_choice("scheme", scheme, _SCHEMES)
    diff = (states[:, 1:] - states[:, :-1]) / dt_s
    at = 0.5 * (states[:, 1:] + states[:, :-1]) if scheme == "midpoint" else states[:, :-1]
    return DerivativeSamples(states=at.reshape(-1, n), derivatives=diff.reshape(-1, n),
                             scheme=scheme)


def _check_pairs(states, derivatives) -> tuple[np.ndarray, np.ndarray]:
    X = check_array("states", states, ndim=2)
    dX = check_array("derivatives", derivatives, shape=X.shape)
    if X.shape[1] < 2:
        raise ValueError(f"states need at least 2 dimensions, got {X.shape[1]}")
    return X, dX


def fit_linear_dynamics(states, derivatives) -> np.ndarray:
    """Least-squares ``M`` (unconstrained) in :math:`\\dot X \\approx X M`.

    Parameters
    ----------
    states, derivatives : array_like, shape (S, n)
        Samples as rows (e.g. from :func:`jpca_derivatives`).

    Returns
    -------
    ndarray, shape (n, n)
        :math:`M = \\arg\\min_M \\lVert \\dot X - X M \\rVert_F` (minimum-norm if ``X`` is rank
        deficient), in the units of ``derivatives`` per unit of ``states`` (1/s).
    """
    X, dX = _check_pairs(states, derivatives)
    return np.linalg.lstsq(X, dX, rcond=None)[0]


def fit_skew_dynamics(states, derivatives) -> np.ndarray:
    """Least-squares skew-symmetric ``M`` (:math:`M = -M^\\top`) in :math:`\\dot X \\approx X M`.

    Parameters
    ----------
    states, derivatives : array_like, shape (S, n)

    Returns
    -------
    ndarray, shape (n, n)
        The exactly skew-symmetric minimiser of :math:`\\lVert \\dot X - X M \\rVert_F`.

    Notes
    -----
    Write :math:`M = \\sum_{i<j} m_{ij} (E_{ij} - E_{ji})` with the :math:`n(n-1)/2` free entries
    :math:`m_{ij}`. Column :math:`j` of :math:`X (E_{ij} - E_{ji})` is :math:`X_{:,i}`, column
    :math:`i` is :math:`-X_{:,j}`, the rest are zero. Stacking the columns of :math:`\\dot X` into
    one vector of length :math:`S n` gives an ordinary linear least-squares problem
    :math:`\\min_m \\lVert \\mathrm{vec}(\\dot X) - D m \\rVert` with a design :math:`D` of shape
    :math:`(S n, n(n-1)/2)`, solved directly (no iteration).
    """
    X, dX = _check_pairs(states, derivatives)
    S, n = X.shape
    rows, cols = skew_basis_index(n)
    k = np.arange(rows.size)
    design = np.zeros((n, S, rows.size))
    design[cols, :, k] = X[:, rows].T
    design[rows, :, k] = -X[:, cols].T
    m = np.linalg.lstsq(design.reshape(n * S, -1), dX.T.reshape(-1), rcond=None)[0]
    M = np.zeros((n, n))
    M[rows, cols] = m
    return M - M.T


def r2_dynamics(states, derivatives, M) -> float:
    """Fraction of the derivatives' sum of squares explained by :math:`\\dot X \\approx X M`.

    Parameters
    ----------
    states, derivatives : array_like, shape (S, n)
    M : array_like, shape (n, n)

    Returns
    -------
    float
        :math:`R^2 = 1 - \\lVert \\dot X - X M \\rVert_F^2 / \\lVert \\dot X \\rVert_F^2`.

    Notes
    -----
    The model has no intercept, so the reference is the plain sum of squares of :math:`\\dot X`.
    After :func:`jpca_preprocess` the derivatives have zero mean over all samples (the
    cross-condition mean is removed at every time), so this is also the usual centred
    :math:`R^2`.
    """
    X, dX = _check_pairs(states, derivatives)
    M = check_array("M", M, shape=(X.shape[1], X.shape[1]))
    total = float(np.sum(dX**2))
    if total == 0:
        raise ValueError("derivatives are all zero: R^2 is undefined")
    return 1.0 - float(np.sum((dX - X @ M) ** 2)) / total


@dataclass(frozen=True)
class JPCPlanes:
    """The real rotation planes of a skew-symmetric ``M``, fastest first.

    Attributes
    ----------
    bases : ndarray, shape (P, n, 2)
        ``P = n // 2`` orthonormal bases; ``bases[k][:, 0]`` is jPC ``2k + 1``, ``bases[k][:, 1]``
        jPC ``2k + 2``. Oriented so that the rotation runs counter-clockwise (see
        :func:`jpc_planes`).
    angular_velocities : ndarray, shape (P,)
        :math:`|\\operatorname{Im} \\lambda_k|`, rad per unit time of ``M`` (rad/s), descending.
    frequencies_hz : ndarray, shape (P,)
        :math:`|\\operatorname{Im} \\lambda_k| / 2\\pi` (Hz when ``M`` is in 1/s).
    """

    bases: np.ndarray
    angular_velocities: np.ndarray
    frequencies_hz: np.ndarray


def _orient_plane(U: np.ndarray, M: np.ndarray, initial_states: np.ndarray | None) -> np.ndarray:
    """Make the rotation in plane ``U`` counter-clockwise; align axis 1 with the initial spread."""
    if (U.T @ M @ U)[0, 1] < 0:  # dp/dt = p K with K = U^T M U: CCW iff K[0, 1] > 0
        U = U * np.array([1.0, -1.0])
    if initial_states is None:
        return U
    P = initial_states @ U
    P = P - P.mean(axis=0)
    if not np.any(P):
        return U
    d = np.linalg.svd(P, full_matrices=False)[2][0]  # direction of largest spread, in-plane
    rotated = U @ np.array([[d[0], -d[1]], [d[1], d[0]]])  # a proper rotation: keeps CCW
    if (initial_states[0] @ rotated[:, 0]) < 0:
        rotated = -rotated  # rotation by pi: still CCW
    return rotated


def jpc_planes(M, initial_states=None) -> JPCPlanes:
    """The jPC planes: real planes of the complex eigenvector pairs of a skew-symmetric ``M``.

    Parameters
    ----------
    M : array_like, shape (n, n)
        Skew-symmetric (from :func:`fit_skew_dynamics`), in the row convention
        :math:`\\dot x = x M`. Checked to be skew-symmetric to a relative 1e-8.
    initial_states : array_like, shape (C, n), optional
        Each condition's first state; orients each plane (below). Without it, only the
        rotation's direction is fixed.

    Returns
    -------
    JPCPlanes

    Notes
    -----
    The eigenvalues of a real skew-symmetric matrix are :math:`\\pm i\\omega_k` (and 0 for odd
    ``n``); the eigenvector :math:`v_k = a_k + i b_k` of :math:`+i\\omega_k` has orthogonal real
    and imaginary parts of equal norm, which span plane :math:`k`. Planes are sorted by
    :math:`\\omega_k` (largest first). They are computed from the real Schur decomposition
    :math:`M = Z T Z^\\top`: for a normal matrix :math:`T` is block diagonal, and the two Schur
    vectors of each 2x2 block span the plane of one eigenvector pair (an orthonormal basis even
    when frequencies repeat). Zero eigenvalues, if any, fill the last planes with frequency 0.

    Orientation convention, per plane with basis
    :math:`U = [u_1, u_2]`: the in-plane dynamics :math:`\\dot p = p\\, U^\\top M U` turn
    counter-clockwise (from :math:`u_1` towards :math:`u_2`); then, if ``initial_states`` are
    given, the basis is rotated within the plane so that :math:`u_1` is the direction of largest
    spread of the (centred) initial states projected onto the plane, with the sign that gives the
    first condition's initial state a non-negative :math:`u_1` coordinate.
    """
    M = check_square("M", M)
    n = M.shape[0]
    if np.max(np.abs(M + M.T)) > 1e-8 * max(np.max(np.abs(M)), 1e-300):
        raise ValueError("M must be skew-symmetric (M = -M^T)")
    if initial_states is not None:
        initial_states = check_array("initial_states", initial_states, shape=(None, n))
    M = 0.5 * (M - M.T)
    T, Z = scipy.linalg.schur(M, output="real")
    pairs, singles, k = [], [], 0
    while k < n:  # 2x2 blocks [[a, b], [c, a]] hold the pairs a +- i sqrt(-bc); a ~ 0 here
        if k + 1 < n and T[k + 1, k] != 0:
            pairs.append((np.sqrt(max(-T[k, k + 1] * T[k + 1, k], 0.0)), k))
            k += 2
        else:
            singles.append(k)
            k += 1
    pairs.sort(key=lambda p: -p[0])
    # zero eigenvalues (a rank-deficient M) fill the remaining planes, with frequency 0
    columns = [[k, k + 1] for _, k in pairs] + [singles[i:i + 2]
                                                for i in range(0, len(singles) - 1, 2)]
    omega = np.array([w for w, _ in pairs] + [0.0] * (n // 2 - len(pairs)))
    bases = np.stack([_orient_plane(Z[:, c], M, initial_states) for c in columns[: n // 2]])
    return JPCPlanes(bases=bases, angular_velocities=omega, frequencies_hz=omega / (2 * np.pi))


@dataclass(frozen=True)
class JPCAFit:
    """Linear and rotational fits of :math:`\\dot X = X M` to a set of trajectories.

    Attributes
    ----------
    matrix_full : ndarray, shape (n, n)
        Unconstrained least-squares ``M`` (1/s), row convention :math:`\\dot x = x M`.
    matrix_skew : ndarray, shape (n, n)
        Skew-symmetric least-squares ``M`` (1/s).
    r2_full, r2_skew : float
        :math:`R^2` of each fit (:func:`r2_dynamics`).
    rotational_strength : float
        ``r2_skew / r2_full`` (1 = the dynamics are a pure rotation; nan if ``r2_full`` is 0).
    planes : ndarray, shape (n // 2, n, 2)
        jPC planes (orthonormal bases in the fitted state space), fastest first
        (:func:`jpc_planes`).
    frequencies_hz : ndarray, shape (n // 2,)
        Rotation frequency of each plane, Hz.
    plane_variance : ndarray, shape (n // 2,)
        Fraction of the states' sum of squares in each plane.
    projections : ndarray, shape (C, T, 2)
        The trajectories projected onto the first jPC plane (for plotting).
    scheme : str
        The derivative scheme (:func:`jpca_derivatives`).
    """

    matrix_full: np.ndarray
    matrix_skew: np.ndarray
    r2_full: float
    r2_skew: float
    rotational_strength: float
    planes: np.ndarray
    frequencies_hz: np.ndarray
    plane_variance: np.ndarray
    projections: np.ndarray
    scheme: str


def jpca_fit(states, *, dt_s: float, scheme: str = "midpoint") -> JPCAFit:
    """Fit the linear and skew-symmetric dynamics of trajectories already in a reduced space.

    Parameters
    ----------
    states : array_like, shape (C, T, n)
        Trajectories (e.g. :attr:`JPCAPreprocessing.states`), ``n >= 2``.
    dt_s : float
        Sampling interval, seconds.
    scheme : {"midpoint", "left"}
        See :func:`jpca_derivatives`.

    Returns
    -------
    JPCAFit

    Notes
    -----
    Rotational strength :math:`R^2_\\text{skew} / R^2_\\text{full}`, with both fits of
    :math:`\\dot X \\approx X M` by least squares (Churchland et al. 2012). The planes are
    oriented with each condition's first state as its initial state (:func:`jpc_planes`).
    """
    pairs = jpca_derivatives(states, dt_s=dt_s, scheme=scheme)
    X, dX = pairs.states, pairs.derivatives
    states = np.asarray(states, dtype=np.float64)
    M_full = fit_linear_dynamics(X, dX)
    M_skew = fit_skew_dynamics(X, dX)
    r2_full = r2_dynamics(X, dX, M_full)
    r2_skew = r2_dynamics(X, dX, M_skew)
    planes = jpc_planes(M_skew, initial_states=states[:, 0])
    flat = states.reshape(-1, states.shape[-1])
    total = float(np.sum(flat**2))
    variance = np.array([np.sum((flat @ U) ** 2) / total if total > 0 else 0.0
                         for U in planes.bases])
    return JPCAFit(matrix_full=M_full, matrix_skew=M_skew, r2_full=r2_full, r2_skew=r2_skew,
                   rotational_strength=r2_skew / r2_full if r2_full > 0 else np.nan,
                   planes=planes.bases,
                   frequencies_hz=planes.frequencies_hz, plane_variance=variance,
                   projections=states @ planes.bases[0], scheme=pairs.scheme)


@dataclass(frozen=True)
class JPCAResult(JPCAFit):
    """jPCA of a population's activity: :class:`JPCAFit` plus the preprocessing it ran on.

    Attributes
    ----------
    preprocessing : JPCAPreprocessing
        Normalisation, cross-condition mean, principal directions. The jPC planes in unit space
        are ``preprocessing.components @ planes[k]``, shape (N, 2).
    """

    preprocessing: JPCAPreprocessing


def jpca(rates, *, dt_s: float, soft_norm: float | None = 5.0, soft_norm_scale: str = "absolute",
         n_pcs: int = 6, scheme: str = "midpoint") -> JPCAResult:
    """jPCA (Churchland et al. 2012): rotational structure of population trajectories.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
        Trial-averaged activity over the epoch to analyse, sampled every ``dt_s`` seconds.
    dt_s : float
        Sampling interval, seconds (frequencies come out in Hz).
    soft_norm, soft_norm_scale, n_pcs
        See :func:`jpca_preprocess` (defaults: 5 in the units of ``rates``, 6 PCs).
    scheme : {"midpoint", "left"}
        See :func:`jpca_derivatives`.

    Returns
    -------
    JPCAResult

    Notes
    -----
    :func:`jpca_preprocess`, then :func:`jpca_fit`: least-squares fits of :math:`\\dot X = X M`
    with ``M`` unconstrained and ``M`` skew-symmetric, rotational strength
    :math:`R^2_\\text{skew} / R^2_\\text{full}`, jPC planes of :math:`M_\\text{skew}` with their
    frequencies :math:`|\\operatorname{Im}\\lambda| / 2\\pi`.
    """
    pre = jpca_preprocess(rates, soft_norm=soft_norm, soft_norm_scale=soft_norm_scale,
                          n_pcs=n_pcs)
    fit = jpca_fit(pre.states, dt_s=dt_s, scheme=scheme)
    return JPCAResult(**{f.name: getattr(fit, f.name) for f in fields(JPCAFit)},
                      preprocessing=pre)
