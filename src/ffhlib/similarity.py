"""Similarity of population dynamics: PCA latent factors, CCA, and a Procrustes shape distance.

Small pure functions (no state, no randomness). The pipeline of Sussillo et al. (2015), used by
Salatiello & Giese (2020) to compare each RNN with the ground-truth SOC:

1. :func:`stack_activity`: trial-averaged activity ``(C, T, N)`` -> samples ``(C*T, N)``, centred.
2. :func:`pca`: project onto the top ``d`` principal components -> latent factors ``(C*T, d)``.
3. :func:`cca`: canonical correlations between two latent sets (all ``d`` of them, descending);
   their mean is the headline number.

CCA is invariant to *every* invertible linear map of either latent set, so with ``d`` large
relative to the number of samples it finds correlations in anything. :func:`procrustes_distance`
(the angular shape distance of Williams et al. 2021) is the second metric: it is invariant only to
rotations/reflections, translation and overall scale, so it also sees how variance is distributed
across the latent dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_array, check_int

__all__ = [
    "SimilarityScores",
    "cca",
    "compare",
    "compare_dims",
    "condition_dependent",
    "direction_offset_share",
    "explained_variance_ratio",
    "latent_trajectories",
    "mean_canonical_correlation",
    "n_components_for_variance",
    "oracle_activity",
    "pca",
    "procrustes_distance",
    "remove_direction_means",
    "shared_variance_share",
    "stack_activity",
]

#: Relative tolerance below which a latent dimension counts as degenerate (zero variance).
_RANK_RTOL = 1e-10


def stack_activity(rates) -> np.ndarray:
    """Stack activity over conditions and time, and centre each unit.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
        Trial-averaged activity: conditions (reach directions), time, units.

    Returns
    -------
    ndarray, shape (C*T, N)
        Row ``c*T + t`` holds ``rates[c, t]`` minus the unit's mean over all conditions and times.

    Notes
    -----
    .. math:: X_{(c,t),i} = r_i(c, t) - \\frac{1}{CT} \\sum_{c', t'} r_i(c', t')
    """
    rates = check_array("rates", rates, ndim=3)
    C, T, N = rates.shape
    X = rates.reshape(C * T, N)
    return X - X.mean(axis=0)


def _check_dim(d, n_samples: int, n_units: int, name: str = "d") -> int:
    limit = min(n_samples - 1, n_units)
    if limit < 1:
        raise ValueError(f"{n_samples} samples of {n_units} units span no dimension to keep")
    return check_int(name, d, minimum=1, maximum=limit)


def _centred(name: str, X) -> np.ndarray:
    X = check_array(name, X, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 samples (rows), got {X.shape[0]}")
    return X - X.mean(axis=0)


def explained_variance_ratio(X) -> np.ndarray:
    """Fraction of the total variance along each principal component of ``X``.

    Parameters
    ----------
    X : array_like, shape (S, N)
        Samples x units (centred here).

    Returns
    -------
    ndarray, shape (min(S, N),)
        Descending, sums to 1 (all zeros if ``X`` is constant).
    """
    s = np.linalg.svd(_centred("X", X), compute_uv=False)
    var = s**2
    total = var.sum()
    return var / total if total > 0 else var


def n_components_for_variance(X, fraction: float = 0.9) -> int:
    """Smallest number of principal components explaining at least ``fraction`` of the variance."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    cumulative = np.cumsum(explained_variance_ratio(X))
    return int(np.searchsorted(cumulative, fraction - 1e-12) + 1)


def pca(X, d: int) -> np.ndarray:
    """Latent factors: the centred data projected onto its top ``d`` principal components.

    Parameters
    ----------
    X : array_like, shape (S, N)
        Samples (stacked conditions x time) by units; centred here.
    d : int
        Number of components, ``1 <= d <= min(S - 1, N)`` (a centred set of ``S`` samples spans at
        most ``S - 1`` dimensions).

    Returns
    -------
    ndarray, shape (S, d)
        Scores ``X V_d`` (not whitened: column ``k`` has the variance of component ``k``). The sign
        of each component is fixed so that its largest-magnitude loading is positive.

    Notes
    -----
    With the thin SVD :math:`X - \\bar X = U \\Sigma V^\\top`, the scores are
    :math:`U_{:, :d} \\Sigma_{:d}`.
    """
    X = _centred("X", X)
    d = _check_dim(d, X.shape[0], X.shape[1])
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    V = Vt[:d].T
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(d)])
    signs[signs == 0] = 1.0
    return (U[:, :d] * s[:d]) * signs


def latent_trajectories(rates, d: int = 3) -> np.ndarray:
    """Each condition's trajectory in the network's own top-``d`` principal components.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
    d : int

    Returns
    -------
    ndarray, shape (C, T, d)
        :func:`pca` of :func:`stack_activity`, reshaped back to conditions x time.
    """
    rates = check_array("rates", rates, ndim=3)
    C, T, _ = rates.shape
    return pca(stack_activity(rates), d).reshape(C, T, -1)


def _orthonormal_basis(name: str, A: np.ndarray) -> np.ndarray:
    Q, R = np.linalg.qr(A)
    diag = np.abs(np.diag(R))
    if diag.size == 0 or diag.max() == 0 or diag.min() <= _RANK_RTOL * diag.max():
        raise ValueError(
            f"{name} is rank deficient (a latent dimension has ~zero variance or duplicates "
            f"another); reduce d")
    return Q


def cca(A, B) -> np.ndarray:
    """Canonical correlations between two latent sets over the same samples.

    Parameters
    ----------
    A : array_like, shape (S, d_a)
    B : array_like, shape (S, d_b)
        The same ``S`` samples (rows) in two coordinate systems, e.g. PCA latent factors of two
        networks. Centred here. Requires ``d_a + d_b <= S - 1``: otherwise the two subspaces of
        the ``(S-1)``-dimensional centred sample space must intersect and some correlations are 1
        whatever the data.

    Returns
    -------
    ndarray, shape (min(d_a, d_b),)
        Canonical correlations in ``[0, 1]``, descending.

    Raises
    ------
    ValueError
        If either set is rank deficient, or the dimensions are too large for ``S``.

    Notes
    -----
    The canonical correlations are the cosines of the principal angles between the column spaces
    of the centred ``A`` and ``B`` (Björck & Golub 1973). With thin QR factorisations
    :math:`A = Q_A R_A`, :math:`B = Q_B R_B`,

    .. math:: \\rho_k = \\sigma_k(Q_A^\\top Q_B).

    Why QR + SVD rather than scikit-learn's ``CCA``: it is exact and direct (one QR per set and
    one small SVD), never forms or inverts the covariance matrices (so it stays accurate when a
    set is ill-conditioned), returns *all* correlations at once, and has no iterations, tolerance
    or random state. ``sklearn.cross_decomposition.CCA`` fits the pairs one by one with an
    iterative NIPALS algorithm; the tests use it as an independent reference.
    """
    A = _centred("A", A)
    B = _centred("B", B)
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of samples, got {A.shape[0]} "
                         f"and {B.shape[0]}")
    S = A.shape[0]
    if A.shape[1] + B.shape[1] > S - 1:
        raise ValueError(
            f"d_a + d_b = {A.shape[1] + B.shape[1]} must be <= S - 1 = {S - 1} samples; "
            f"reduce d")
    Qa = _orthonormal_basis("A", A)
    Qb = _orthonormal_basis("B", B)
    rho = np.linalg.svd(Qa.T @ Qb, compute_uv=False)
    return np.clip(rho, 0.0, 1.0)


def mean_canonical_correlation(A, B) -> float:
    """Mean of :func:`cca`'s canonical correlations (the paper's summary number)."""
    return float(np.mean(cca(A, B)))


def procrustes_distance(A, B) -> float:
    """Angular Procrustes shape distance between two latent sets (Williams et al. 2021).

    Parameters
    ----------
    A, B : array_like, shape (S, d)
        The same ``S`` samples in two ``d``-dimensional coordinate systems (equal ``d``: compare
        PCA latent factors of the same dimension).

    Returns
    -------
    float
        Distance in radians, in ``[0, pi/2]``: 0 iff ``B`` is a rotated/reflected, translated and
        rescaled copy of ``A``. A metric: symmetric, and obeys the triangle inequality.

    Notes
    -----
    Centre each set and scale it to unit Frobenius norm, :math:`\\tilde A = (A - \\bar A) /
    \\lVert A - \\bar A \\rVert_F` (same for B). The best rotation aligning them gives

    .. math:: \\theta(A, B)
              = \\arccos \\max_{Q \\in O(d)} \\langle \\tilde A Q, \\tilde B \\rangle_F
              = \\arccos \\lVert \\tilde A^\\top \\tilde B \\rVert_*,

    the nuclear norm (sum of singular values) of :math:`\\tilde A^\\top \\tilde B`: the solution
    of the orthogonal Procrustes problem. It is the angle between the two shapes on the sphere,
    hence a metric (Williams et al. 2021, "angular" shape metric with alpha = 1). Unlike CCA it is
    not invariant to a general invertible map, which can reshape the distribution of variance.
    """
    A = _centred("A", A)
    B = _centred("B", B)
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape (S, d), got {A.shape} and {B.shape}")
    na, nb = np.linalg.norm(A), np.linalg.norm(B)
    if na == 0 or nb == 0:
        raise ValueError("A and B must not be constant (zero variance)")
    nuclear = np.linalg.svd((A / na).T @ (B / nb), compute_uv=False).sum()
    return float(np.arccos(np.clip(nuclear, -1.0, 1.0)))


@dataclass(frozen=True)
class SimilarityScores:
    """How similar two networks' population dynamics are, at latent dimension ``d``.

    Attributes
    ----------
    d : int
        Number of principal components kept on the reference side (``rates_a``).
    d_b : int
        Number kept on the other side: ``d``, or fewer when it has fewer units (e.g. a handful
        of recorded neurons).
    canonical_correlations : ndarray, shape (d_b,)
        All canonical correlations between the two latent sets, descending, in [0, 1].
    mean_correlation : float
        Their sum divided by ``d``: the mean over the reference's ``d`` latent dimensions, where
        a dimension the other side cannot match (``d_b < d``) counts as 0. Equal to the plain mean
        when ``d_b = d``; 1 = the latent dynamics are linearly identical.
    procrustes : float
        Angular Procrustes shape distance in radians, in [0, pi/2] (0 = identical up to rotation,
        translation and scale); a ``d_b < d`` latent set is padded with zero columns.
    variance_a, variance_b : float
        Fraction of each network's variance captured by its top ``d`` (``d_b``) components.
    """

    d: int
    d_b: int
    canonical_correlations: np.ndarray
    mean_correlation: float
    procrustes: float
    variance_a: float
    variance_b: float


def _pca_basis(X: np.ndarray, d_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores of the top ``d_max`` components (sign-fixed as :func:`pca`) and variance ratios."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    d_max = min(d_max, s.size)
    V = Vt[:d_max].T
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(d_max)])
    signs[signs == 0] = 1.0
    var = s**2
    total = var.sum()
    return (U[:, :d_max] * s[:d_max]) * signs, (var / total if total > 0 else var)


def _numerical_rank(ratios: np.ndarray) -> int:
    return int(np.sum(ratios > _RANK_RTOL))


def compare_dims(rates_a, rates_b, dims) -> list[SimilarityScores]:
    """:func:`compare` at several latent dimensions, with one SVD of each activity.

    Parameters
    ----------
    rates_a : array_like, shape (C, T, N_a)
        The reference (e.g. the SOC's evaluation neurons): ``d`` components are kept on this side.
    rates_b : array_like, shape (C, T, N_b)
        The compared activity, on the same conditions and time grid. When it spans fewer than
        ``d`` dimensions (few units), all of them are kept (``d_b < d``; see
        :class:`SimilarityScores`).
    dims : sequence of int
        Latent dimensions, each ``1 <= d <= min(C*T - 1, N_a)`` with ``2 d <= C*T - 1``.

    Returns
    -------
    list of SimilarityScores
        One per entry of ``dims``.
    """
    Xa = stack_activity(rates_a)
    Xb = stack_activity(rates_b)
    if np.shape(rates_a)[:2] != np.shape(rates_b)[:2]:
        raise ValueError(f"rates_a and rates_b must share (conditions, time), got "
                         f"{np.shape(rates_a)[:2]} and {np.shape(rates_b)[:2]}")
    S = Xa.shape[0]
    dims = [_check_dim(d, S, Xa.shape[1], "dims entry") for d in dims]
    if not dims:
        raise ValueError("dims must not be empty")
    d_max = max(dims)
    La_all, var_a = _pca_basis(Xa, d_max)
    Lb_all, var_b = _pca_basis(Xb, d_max)
    if _numerical_rank(var_a) < d_max:
        raise ValueError(f"rates_a spans {_numerical_rank(var_a)} dimensions, fewer than "
                         f"d = {d_max}; reduce d")
    rank_b = _numerical_rank(var_b)
    if rank_b < 1:
        raise ValueError("rates_b is constant: it spans no dimension")
    out = []
    for d in dims:
        d_b = min(d, rank_b)
        La, Lb = La_all[:, :d], Lb_all[:, :d_b]
        rho = cca(La, Lb)
        padded = np.zeros_like(La)
        padded[:, :d_b] = Lb
        out.append(SimilarityScores(
            d=d, d_b=d_b, canonical_correlations=rho, mean_correlation=float(rho.sum() / d),
            procrustes=procrustes_distance(La, padded),
            variance_a=float(var_a[:d].sum()), variance_b=float(var_b[:d_b].sum())))
    return out


def compare(rates_a, rates_b, d: int) -> SimilarityScores:
    """Compare two networks' trial-averaged activity over the same conditions and times.

    Parameters
    ----------
    rates_a : array_like, shape (C, T, N_a)
    rates_b : array_like, shape (C, T, N_b)
        Activity on the same conditions and time grid (units may differ in number and kind, e.g.
        SOC rates in Hz vs. RNN tanh units: both metrics ignore overall scale).
    d : int
        Latent dimension, ``1 <= d <= min(C*T - 1, N_a)`` and ``2 d <= C*T - 1``.

    Returns
    -------
    SimilarityScores
        CCA spectrum and mean, and the Procrustes distance, between the top-``d`` PCA latent
        factors of each network (:func:`stack_activity` -> :func:`pca`).
    """
    return compare_dims(rates_a, rates_b, [d])[0]


def remove_direction_means(rates) -> np.ndarray:
    """Activity minus each direction's (condition's) mean over time, per unit.

    What is left is the time-varying part of each trajectory; the static per-direction offsets
    (what a constant direction input adds) are gone. Activity without such offsets is returned
    unchanged up to its overall mean.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)

    Returns
    -------
    ndarray, shape (C, T, N)

    See Also
    --------
    condition_dependent : removes, at each time, the mean over *directions* instead (the
        condition-independent time course); a different operation.
    """
    rates = check_array("rates", rates, ndim=3)
    return rates - rates.mean(axis=1, keepdims=True)


def direction_offset_share(rates) -> float:
    """Share of the activity's variance that is a static offset per direction.

    .. math:: \\frac{T \\sum_{c,i} (\\bar r_{ci} - \\bar r_i)^2}{\\sum_{c,t,i}
              (r_{cti} - \\bar r_i)^2},

    with :math:`\\bar r_{ci}` unit ``i``'s mean over time in direction ``c`` and
    :math:`\\bar r_i` its mean over everything: 0 when every direction's trajectory has the same
    time average, 1 when the activity is constant in time within each direction.
    """
    rates = check_array("rates", rates, ndim=3)
    grand = rates.mean(axis=(0, 1), keepdims=True)
    total = float(((rates - grand) ** 2).sum())
    if total == 0:
        raise ValueError("rates is constant: its offset share is undefined")
    offsets = rates.mean(axis=1, keepdims=True) - grand
    return float(rates.shape[1] * (offsets**2).sum() / total)


def condition_dependent(rates) -> np.ndarray:
    """The condition-dependent part of the activity: each time's mean over directions removed.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
        Trial-averaged activity: conditions (reach directions, C >= 2), time, units; any unit
        (Hz, tanh).

    Returns
    -------
    ndarray, shape (C, T, N)
        Same units as ``rates``; its mean over directions is zero at every time and unit.

    See Also
    --------
    remove_direction_means : removes each direction's mean over *time* (the static offset of
        each trajectory) and keeps the time course shared by all directions.
    shared_variance_share : how much of the variance this removes.

    Notes
    -----
    .. math:: r^{cd}_i(c, t) = r_i(c, t) - \\frac{1}{C} \\sum_{c'} r_i(c', t)

    The two operations side by side, with :math:`\\langle\\cdot\\rangle_c` the mean over
    directions and :math:`\\langle\\cdot\\rangle_t` over time:

    - ``condition_dependent``: :math:`r - \\langle r \\rangle_c` (a function of ``t``): what
      differs between directions at each moment; activity that is the same in every direction
      becomes 0, activity whose mean over directions is zero at every time is unchanged.
    - :func:`remove_direction_means`: :math:`r - \\langle r \\rangle_t` (a function of ``c``):
      what varies in time within each direction; activity constant in time within each direction
      becomes 0.

    In a circuit whose activity is dominated by a time course shared by all directions, CCA and
    Procrustes on ``rates`` mostly score that shared course; on ``condition_dependent(rates)``
    they score what differs between directions.
    """
    rates = check_array("rates", rates, ndim=3)
    if rates.shape[0] < 2:
        raise ValueError(f"rates must hold at least 2 conditions (axis 0) to have a "
                         f"condition-dependent part, got {rates.shape[0]}")
    return rates - rates.mean(axis=0, keepdims=True)


def shared_variance_share(rates) -> float:
    """Share of the activity's variance that is the condition-independent time course.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
        C >= 2 conditions; not constant.

    Returns
    -------
    float
        In [0, 1]: 1 when every direction has the same activity (nothing is condition
        dependent), 0 when the mean over directions is the same at every time (each unit's
        mean over directions is constant in time).

    Notes
    -----
    With :math:`m_i(t) = \\frac{1}{C}\\sum_c r_i(c, t)` and :math:`\\bar r_i` unit ``i``'s mean
    over all conditions and times (the centring of :func:`stack_activity`),

    .. math:: s = \\frac{C \\sum_{t,i} (m_i(t) - \\bar r_i)^2}
                        {\\sum_{c,t,i} (r_i(c, t) - \\bar r_i)^2}
                = 1 - \\frac{\\lVert r^{cd} \\rVert^2}{\\lVert r - \\bar r \\rVert^2},

    the two terms of the centred variance being orthogonal (:func:`condition_dependent` gives
    :math:`r^{cd} = r - m`). Computed as the first ratio, clipped to [0, 1] against rounding.
    """
    rates = check_array("rates", rates, ndim=3)
    if rates.shape[0] < 2:
        raise ValueError(f"rates must hold at least 2 conditions (axis 0), got {rates.shape[0]}")
    grand = rates.mean(axis=(0, 1), keepdims=True)
    total = float(((rates - grand) ** 2).sum())
    if total == 0:
        raise ValueError("rates is constant: its shared-variance share is undefined")
    shared = rates.mean(axis=0, keepdims=True) - grand
    return float(np.clip(rates.shape[0] * (shared**2).sum() / total, 0.0, 1.0))


def oracle_activity(rates, halves, scored: int) -> np.ndarray:
    """The oracle's activity: every ground-truth neuron outside the scored half of E.

    Parameters
    ----------
    rates : array_like, shape (C, T, N_all)
        The ground truth's rates (all SOC neurons).
    halves : pair of array_like of int
        The evaluation set's two halves (SOC indices in ``[0, N_all)``, disjoint, each
        non-empty), e.g. ``EvaluationSet.halves``.
    scored : {0, 1}
        Which half is scored; the oracle holds all neurons but that half (the other half of E
        and every neuron outside E).

    Returns
    -------
    ndarray, shape (C, T, N_all - len(halves[scored]))
        The neurons in ascending SOC index order.

    Notes
    -----
    The oracle sees everything a model could, short of the scored neurons themselves; it is a
    **reference, not a bound**. PCA followed by CCA is not monotone in the number of neurons: a
    neuron set can lose similarity to the scored half when neurons are added (they can move the
    top ``d`` principal components away from the directions the scored half varies along), so a
    network can score above the oracle. The only bounds are those of the measures themselves:
    mean canonical correlation 1 and Procrustes distance 0. Normalise floor -> oracle and show
    values above 1 as they are.
    """
    rates = check_array("rates", rates, ndim=3)
    n_all = rates.shape[2]
    scored = check_int("scored", scored, minimum=0, maximum=1)
    if isinstance(halves, (str, bytes)) or len(halves) != 2:
        raise ValueError("halves must be a pair of index arrays (the evaluation set's halves)")
    parts = []
    for k, half in enumerate(halves):
        index = np.asarray(half)
        if index.ndim != 1 or index.size == 0 or not np.issubdtype(index.dtype, np.integer):
            raise ValueError(f"halves[{k}] must be a non-empty 1-D array of integer indices, got "
                             f"{half!r}")
        if index.min() < 0 or index.max() >= n_all or np.unique(index).size != index.size:
            raise ValueError(f"halves[{k}] must hold distinct neuron indices in [0, {n_all}), "
                             f"got {index.tolist()}")
        parts.append(index)
    if np.intersect1d(parts[0], parts[1]).size:
        raise ValueError("halves must be disjoint")
    return rates[:, :, np.setdiff1d(np.arange(n_all), parts[scored])]
