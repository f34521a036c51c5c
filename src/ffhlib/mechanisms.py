"""Mechanisms behind the dynamics: jPCA rotations, fixed and slow points, dynamical similarity.

Small pure functions (NumPy/SciPy; every random draw takes a seed or ``np.random.Generator``).
Axis convention as everywhere in the library: conditions ``C``, time ``T``, units ``N``.

Three views of *how* a network produces its activity, beyond *what* activity it produces:

* **jPCA** (Churchland et al. 2012): in the top principal components of the movement epoch, fit
  :math:`\\dot X = X M` by least squares with ``M`` unconstrained and with ``M`` skew-symmetric
  (a pure rotation). The ratio of the two fits' :math:`R^2` is the rotational strength; the real
  planes of the skew fit's eigenvector pairs are the jPC planes, each with a rotation frequency.
  Entry point :func:`jpca`; pieces :func:`jpca_preprocess`, :func:`jpca_derivatives`,
  :func:`fit_linear_dynamics`, :func:`fit_skew_dynamics`, :func:`r2_dynamics`,
  :func:`jpc_planes`, :func:`jpca_fit`.
* **Fixed and slow points** (Sussillo & Barak 2013) of a tanh RNN under a constant input: minima
  of :math:`q(x) = \\tfrac12 \\lVert F(x) \\rVert^2`, their Jacobians and stability
  (:func:`find_fixed_points`, :func:`sample_states`); the ground-truth circuit's Jacobian
  (:func:`soc_jacobian`); spectra in 1/s so that networks with different time constants compare
  (:func:`spectrum_per_second`).
* **Dynamical similarity analysis** (Ostrow, Eisen, Kozachkov & Fiete 2023): delay-embed the
  trajectories (:func:`delay_embed`), fit a linear operator in the top singular directions of the
  delay embedding (:func:`fit_operator`), and compare two operators up to an orthogonal change of
  basis (:func:`dsa_distance`). :func:`resample_time` brings two systems to one time grid first.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, fields

import numpy as np
import scipy.interpolate
import scipy.linalg
import scipy.optimize
from threadpoolctl import threadpool_limits

from ._validate import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_square,
)

__all__ = [
    "DSADistance",
    "DerivativeSamples",
    "FixedPoints",
    "JPCAFit",
    "JPCAPreprocessing",
    "JPCAResult",
    "JPCPlanes",
    "OperatorFit",
    "delay_embed",
    "dsa_distance",
    "find_fixed_points",
    "fit_linear_dynamics",
    "fit_operator",
    "fit_skew_dynamics",
    "gain_function_slope",
    "jpc_planes",
    "jpca",
    "jpca_derivatives",
    "jpca_fit",
    "jpca_preprocess",
    "newton_fixed_point",
    "r2_dynamics",
    "resample_time",
    "rnn_jacobian",
    "rnn_q",
    "rnn_q_gradient",
    "rnn_velocity",
    "sample_states",
    "soc_jacobian",
    "spectrum_per_second",
]

_SCHEMES = ("midpoint", "left")
_SOFT_NORM_SCALES = ("absolute", "median_range")


# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------

def _as_rng(rng) -> np.random.Generator:
    """A ``np.random.Generator`` from a non-negative int seed or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"rng must be a non-negative int seed or a numpy Generator, got {rng!r}")
    return np.random.default_rng(check_seed("rng", rng))


def _sort_leading_first(eigenvalues: np.ndarray) -> np.ndarray:
    """Sort complex eigenvalues by real part, descending (ties: positive imaginary part first)."""
    order = np.lexsort((-eigenvalues.imag, -eigenvalues.real))
    return eigenvalues[order]


# ---------------------------------------------------------------------------------------------
# jPCA
# ---------------------------------------------------------------------------------------------

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


def _skew_basis_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row/column indices ``(i, j)``, ``i < j``, of the free entries of an n x n skew matrix."""
    return np.triu_indices(n, k=1)


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
    rows, cols = _skew_basis_index(n)
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


# ---------------------------------------------------------------------------------------------
# Fixed and slow points
# ---------------------------------------------------------------------------------------------

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
    rng = _as_rng(rng)
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
    eigenvalues = np.array([_sort_leading_first(np.linalg.eigvals(A)) for A in jacobians],
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
    return _sort_leading_first(values / (tau_ms * 1e-3))


# ---------------------------------------------------------------------------------------------
# Dynamical similarity analysis
# ---------------------------------------------------------------------------------------------

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
    rng = _as_rng(rng)
    n = A.shape[0]
    rows, cols = _skew_basis_index(n)
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
