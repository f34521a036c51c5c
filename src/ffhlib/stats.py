"""Paired statistics: means with t intervals, the Wilcoxon signed-rank test, ground truths as units.

Every comparison in the book is paired: FF and FFH of one study unit are trained on the same
ground truth, the same observed subset and the same weight seed, so the per-unit difference is what
is tested. Networks of one ground truth are not independent of each other (they share the circuit
and its EMG), so the tests of the study run over **ground truths**: each ground truth's mean of the
paired differences is one observation (:func:`grouped_paired_summary`). Pooling every network as if
it were independent would understate the uncertainty: ``tests/test_stats.py`` builds a case where a
per-network test calls an effect that sits in a single ground truth significant.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validate import check_array, check_float, check_int

__all__ = [
    "GroupEffect",
    "GroupedPairedSummary",
    "PairedSummary",
    "WithinGroupRankCorrelation",
    "bootstrap_interval",
    "curve_summary",
    "grouped_paired_summary",
    "mean_interval",
    "paired_summary",
    "within_group_rank_correlation",
]


def mean_interval(x, confidence: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Mean of ``x`` and its two-sided Student-t confidence interval.

    Parameters
    ----------
    x : array_like, shape (n,)
        Independent samples (one per seed).
    confidence : float
        Coverage of the interval, in (0, 1).

    Returns
    -------
    mean : float
    interval : (float, float)
        ``mean -/+ t_{(1+confidence)/2, n-1} s / sqrt(n)``; ``(nan, nan)`` if ``n < 2`` (no
        estimate of the spread), ``(mean, mean)`` if all samples are equal.

    Notes
    -----
    .. math:: \\bar x \\pm t_{n-1}^{-1}\\!\\left(\\tfrac{1+\\gamma}{2}\\right) \\frac{s}{\\sqrt n},
       \\qquad s^2 = \\frac{1}{n-1} \\sum_i (x_i - \\bar x)^2
    """
    x = check_array("x", x, ndim=1)
    confidence = check_float("confidence", confidence, minimum=0.0, maximum=1.0,
                             exclusive_minimum=True, exclusive_maximum=True)
    n = x.size
    if n == 0:
        raise ValueError("x must hold at least one sample")
    mean = float(x.mean())
    if n < 2:
        return mean, (float("nan"), float("nan"))
    half = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1) * x.std(ddof=1) / np.sqrt(n))
    return mean, (mean - half, mean + half)


@dataclass(frozen=True)
class PairedSummary:
    """Paired comparison of two measurements over the same seeds.

    Attributes
    ----------
    mean_a, mean_b : float
        Means over seeds.
    ci_a, ci_b : (float, float)
        95 % (or ``confidence``) Student-t intervals of the means; ``nan`` if ``n < 2``.
    mean_diff : float
        Mean of the paired differences ``a - b``.
    ci_diff : (float, float)
        Its t interval.
    wilcoxon_p : float
        Two-sided p-value of the Wilcoxon signed-rank test of ``a - b`` (SciPy's exact null
        distribution when there are no ties or zero differences and ``n <= 50``, else the normal
        approximation). ``nan`` when it cannot be computed (no non-zero difference).
    n : int
        Number of pairs.
    n_nonzero : int
        Pairs with a non-zero difference (zero differences are dropped by the test).
    min_attainable_p : float
        Smallest two-sided p the exact test can give with ``n_nonzero`` pairs, ``2 / 2**n_nonzero``:
        with 5 pairs or fewer it is >= 0.0625, so no result can reach p < 0.05 however large the
        effect. Quote it beside ``wilcoxon_p`` when ``n`` is small.
    confidence : float
        Coverage of the intervals.
    """

    mean_a: float
    ci_a: tuple[float, float]
    mean_b: float
    ci_b: tuple[float, float]
    mean_diff: float
    ci_diff: tuple[float, float]
    wilcoxon_p: float
    n: int
    n_nonzero: int
    min_attainable_p: float
    confidence: float

    @property
    def significant(self) -> bool:
        """``wilcoxon_p < 1 - confidence`` (False when the test could not be computed)."""
        return bool(np.isfinite(self.wilcoxon_p) and self.wilcoxon_p < 1 - self.confidence)


def paired_summary(a, b, confidence: float = 0.95) -> PairedSummary:
    """Means with intervals and a paired Wilcoxon signed-rank test of ``a`` vs. ``b``.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Paired measurements (``a[i]`` and ``b[i]`` from the same seed), e.g. FFH and FF mean
        canonical correlations.
    confidence : float
        Coverage of the t intervals.

    Returns
    -------
    PairedSummary
    """
    a = check_array("a", a, ndim=1)
    b = check_array("b", b, ndim=1)
    if a.shape != b.shape:
        raise ValueError(f"a and b must be paired (same length), got {a.size} and {b.size}")
    mean_a, ci_a = mean_interval(a, confidence)
    mean_b, ci_b = mean_interval(b, confidence)
    diff = a - b
    mean_diff, ci_diff = mean_interval(diff, confidence)
    n_nonzero = int(np.count_nonzero(diff))
    if n_nonzero == 0:
        p = float("nan")
    else:
        with warnings.catch_warnings():
            # SciPy warns that the normal approximation is unreliable for small n; the caller sees
            # n and min_attainable_p instead.
            warnings.simplefilter("ignore", UserWarning)
            p = float(stats.wilcoxon(a, b, zero_method="wilcox", alternative="two-sided").pvalue)
    return PairedSummary(
        mean_a=mean_a, ci_a=ci_a, mean_b=mean_b, ci_b=ci_b, mean_diff=mean_diff, ci_diff=ci_diff,
        wilcoxon_p=p, n=int(a.size), n_nonzero=n_nonzero,
        min_attainable_p=float(min(1.0, 2.0 / 2.0**n_nonzero)) if n_nonzero else float("nan"),
        confidence=confidence,
    )


def curve_summary(values, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over units (axis 0) and the Student-t interval of each column.

    Parameters
    ----------
    values : array_like, shape (n_units, V)
    confidence : float

    Returns
    -------
    (mean, low, high) : ndarrays of shape (V,)
        As :func:`mean_interval` column by column (NaN bounds with one unit).
    """
    values = check_array("values", values, ndim=2)
    out = np.array([[m, *ci] for m, ci in (mean_interval(col, confidence) for col in values.T)])
    return out[:, 0], out[:, 1], out[:, 2]


@dataclass(frozen=True)
class GroupEffect:
    """The paired effect within one group (one ground truth).

    Attributes
    ----------
    group : int
        The group's label (the ground-truth seed).
    mean_diff : float
        Mean of the paired differences ``a - b`` over the group's units (network seeds).
    ci_diff : (float, float)
        Its Student-t interval over those units (NaN with a single unit).
    n : int
        Units in the group.
    """

    group: int
    mean_diff: float
    ci_diff: tuple[float, float]
    n: int


@dataclass(frozen=True)
class GroupedPairedSummary:
    """A paired comparison with groups (ground truths) as the independent units.

    Attributes
    ----------
    mean_a, mean_b : float
        Means over groups of the per-group means.
    ci_a, ci_b : (float, float)
        Student-t intervals over the group means.
    mean_diff : float
        Mean over groups of the per-group mean differences ``a - b``.
    ci_diff : (float, float)
        Its t interval over groups.
    wilcoxon_p : float
        Two-sided Wilcoxon signed-rank test of the per-group mean differences (exact null
        distribution when there are no ties or zeros).
    min_attainable_p : float
        ``2 / 2**n_groups``: with 5 groups no effect can reach p < 0.05; with 6, 0.03125.
    n_groups, n_units : int
        Groups, and units in all groups together.
    effects : tuple of GroupEffect
        Each group's effect with its interval (in group order).
    n_opposite : int
        Groups whose mean difference has the sign opposite to ``mean_diff``: reported, never
        dropped.
    confidence : float
    """

    mean_a: float
    ci_a: tuple[float, float]
    mean_b: float
    ci_b: tuple[float, float]
    mean_diff: float
    ci_diff: tuple[float, float]
    wilcoxon_p: float
    min_attainable_p: float
    n_groups: int
    n_units: int
    effects: tuple[GroupEffect, ...]
    n_opposite: int
    confidence: float

    @property
    def significant(self) -> bool:
        """``wilcoxon_p < 1 - confidence`` (False when the test could not be computed)."""
        return bool(np.isfinite(self.wilcoxon_p) and self.wilcoxon_p < 1 - self.confidence)


def grouped_paired_summary(a, b, groups, confidence: float = 0.95) -> GroupedPairedSummary:
    """Paired comparison of ``a`` and ``b`` with the groups as independent units.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Paired measurements of the same units (e.g. FFH's and FF's similarity for each
        ground truth x network seed).
    groups : array_like of int, shape (n,)
        The group of each unit (its ground-truth seed).
    confidence : float

    Returns
    -------
    GroupedPairedSummary

    Notes
    -----
    With :math:`\\bar d_g` the mean paired difference in group :math:`g`, the test is a Wilcoxon
    signed-rank test of :math:`\\{\\bar d_g\\}_g` and the interval a t interval over them: a
    two-level design (units nested in ground truths) analysed at the level of its independent
    units, which is exact for balanced groups and conservative otherwise.
    """
    a = check_array("a", a, ndim=1)
    b = check_array("b", b, ndim=1)
    groups = np.asarray(groups)
    if not (a.shape == b.shape == groups.shape):
        raise ValueError(f"a, b and groups must have one length, got {a.size}, {b.size}, "
                         f"{groups.size}")
    if a.size == 0:
        raise ValueError("a must hold at least one unit")
    labels = np.unique(groups)
    mean_a_g = np.array([a[groups == g].mean() for g in labels])
    mean_b_g = np.array([b[groups == g].mean() for g in labels])
    effects = []
    for g in labels:
        d = a[groups == g] - b[groups == g]
        m, ci = mean_interval(d, confidence)
        effects.append(GroupEffect(group=int(g), mean_diff=m, ci_diff=ci, n=int(d.size)))
    paired = paired_summary(mean_a_g, mean_b_g, confidence)
    sign = np.sign(paired.mean_diff)
    n_opposite = int(sum(np.sign(e.mean_diff) == -sign for e in effects)) if sign else 0
    return GroupedPairedSummary(
        mean_a=paired.mean_a, ci_a=paired.ci_a, mean_b=paired.mean_b, ci_b=paired.ci_b,
        mean_diff=paired.mean_diff, ci_diff=paired.ci_diff, wilcoxon_p=paired.wilcoxon_p,
        min_attainable_p=float(min(1.0, 2.0 / 2.0**labels.size)), n_groups=int(labels.size),
        n_units=int(a.size), effects=tuple(effects), n_opposite=n_opposite,
        confidence=confidence)


def bootstrap_interval(statistic, groups, values, *, n_boot: int = 2000, confidence: float = 0.95,
                       rng=None) -> tuple[float, tuple[float, float], np.ndarray]:
    """Percentile bootstrap over groups (resampled with replacement) of a statistic.

    Parameters
    ----------
    statistic : callable
        ``statistic(values_subset) -> float`` where ``values_subset`` is ``values`` restricted to
        the resampled groups (a group drawn twice appears twice); NaN results (the statistic is
        undefined for that resample) are dropped and counted.
    groups : array_like, shape (n,)
        Group label of each row of ``values``.
    values : array_like, shape (n, ...)
    n_boot : int
    confidence : float
    rng : seed or Generator

    Returns
    -------
    (estimate, (low, high), replicates)
        The statistic on all data, the percentile interval, and the finite replicates.
    """
    n_boot = check_int("n_boot", n_boot, minimum=10)
    confidence = check_float("confidence", confidence, minimum=0.0, maximum=1.0,
                             exclusive_minimum=True, exclusive_maximum=True)
    rng = np.random.default_rng(rng)
    groups = np.asarray(groups)
    values = np.asarray(values)
    labels = np.unique(groups)
    rows = [np.flatnonzero(groups == g) for g in labels]
    estimate = float(statistic(values))
    reps = np.empty(n_boot)
    for i in range(n_boot):
        pick = rng.integers(0, labels.size, size=labels.size)
        reps[i] = statistic(values[np.concatenate([rows[k] for k in pick])])
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return estimate, (float("nan"), float("nan")), reps
    lo, hi = np.quantile(reps, [(1 - confidence) / 2, (1 + confidence) / 2])
    return estimate, (float(lo), float(hi)), reps


@dataclass(frozen=True)
class WithinGroupRankCorrelation:
    """Rank correlations computed within each group and tested over groups.

    Attributes
    ----------
    groups : ndarray, shape (G,)
        Every group label (sorted).
    rho : ndarray, shape (G,)
        Each group's Spearman correlation between ``x`` and ``y`` over its cells; NaN where it is
        undefined (fewer than 3 complete pairs, or ``x`` or ``y`` constant over them).
    n_pairs : ndarray of int, shape (G,)
        Complete (both finite) pairs each group's correlation used.
    mean_rho : float
        Mean of the defined ``rho``.
    wilcoxon_p : float
        Two-sided Wilcoxon signed-rank p of the defined ``rho`` against 0 (as
        :func:`paired_summary` computes it; NaN if every defined ``rho`` is 0).
    min_attainable_p : float
        ``2 / 2**n_nonzero``, the smallest p the exact test can give.
    n_groups : int
        Groups with a defined ``rho`` (the units of the test).
    n_undefined : int
        Groups left out because their ``rho`` is undefined.
    """

    groups: np.ndarray
    rho: np.ndarray
    n_pairs: np.ndarray
    mean_rho: float
    wilcoxon_p: float
    min_attainable_p: float
    n_groups: int
    n_undefined: int


def within_group_rank_correlation(x, y, groups) -> WithinGroupRankCorrelation:
    """Spearman correlation of ``x`` and ``y`` within each group, tested over groups.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Two measurements of the same cells (e.g. single-neuron and population similarity of
        each cell of a grid, for every ground truth); NaN marks a missing value.
    groups : array_like, shape (n,)
        Each cell's group (its ground truth).

    Returns
    -------
    WithinGroupRankCorrelation

    Raises
    ------
    ValueError
        If the lengths differ, a value is infinite, or no group has a defined correlation.

    Notes
    -----
    The cells of one ground truth share its circuit, so one Spearman correlation over all
    points would treat them as independent (pseudo-replication) and would mix the relation
    within ground truths with differences between them. Instead, :math:`\\rho_g` =
    Spearman's :math:`\\rho` (average ranks for ties, ``scipy.stats.spearmanr``) over the
    cells of group :math:`g`, and the test is a Wilcoxon signed-rank test of
    :math:`\\{\\rho_g\\}` against 0: the groups are the units.

    Missing values: a cell with ``x`` or ``y`` NaN is left out of its group's correlation (the
    other cells keep theirs); a group left with fewer than 3 complete cells, or with ``x`` or
    ``y`` constant over them, has no defined correlation: NaN in ``rho``, out of the mean and
    the test, and counted in ``n_undefined``.
    """
    x = check_array("x", x, ndim=1, finite=False)
    y = check_array("y", y, ndim=1, finite=False)
    groups = np.asarray(groups)
    if not (x.shape == y.shape == groups.shape):
        raise ValueError(f"x, y and groups must have one length, got {x.size}, {y.size}, "
                         f"{groups.size}")
    if np.any(np.isinf(x)) or np.any(np.isinf(y)):
        raise ValueError("x and y must contain only finite numbers or NaN (missing)")
    labels = np.unique(groups)
    rho = np.full(labels.size, np.nan)
    n_pairs = np.zeros(labels.size, dtype=np.int64)
    for k, g in enumerate(labels):
        keep = (groups == g) & ~np.isnan(x) & ~np.isnan(y)
        xg, yg = x[keep], y[keep]
        n_pairs[k] = xg.size
        if xg.size >= 3 and np.ptp(xg) > 0 and np.ptp(yg) > 0:
            rho[k] = float(stats.spearmanr(xg, yg).statistic)
    defined = rho[~np.isnan(rho)]
    if defined.size == 0:
        raise ValueError("no group has a defined rank correlation (each needs at least 3 "
                         "complete cells with x and y not constant)")
    test = paired_summary(defined, np.zeros_like(defined))
    return WithinGroupRankCorrelation(
        groups=labels, rho=rho, n_pairs=n_pairs, mean_rho=float(defined.mean()),
        wilcoxon_p=test.wilcoxon_p, min_attainable_p=test.min_attainable_p,
        n_groups=int(defined.size), n_undefined=int(labels.size - defined.size))
