"""Inference over ground truths: percentile bootstrap intervals, Holm's adjustment, equivalence.

The rules of the book's tables (ground truths are the independent units):

- an interval is a **percentile bootstrap** over ground truths (2,000 resamples, seeded), never
  clipped to a range: the percentile interval of a mean lies within the sample's range by
  construction, so a positive measure keeps a positive interval without any clipping;
- no interval from fewer than 3 units: :func:`bootstrap_mean_interval` returns NaN bounds there,
  and the book shows the units as dots instead;
- the p-values of a chapter's summary table are adjusted together by Holm's step-down method
  (:func:`holm`, :func:`adjust_family`);
- "matches" means the 95 % interval of the paired difference lies within a margin
  (:func:`equivalent_within`).

:func:`paired_comparison` puts these together for one paired comparison (e.g. a rival against
FFH), with the Wilcoxon signed-rank p of :func:`ffhlib.stats.grouped_paired_summary`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._validate import check_array, check_float, check_int, check_seed
from .stats import grouped_paired_summary

__all__ = [
    "BootstrapInterval",
    "CurveInterval",
    "PairedComparison",
    "adjust_family",
    "bootstrap_curve_interval",
    "bootstrap_mean_interval",
    "bootstrap_paired_interval",
    "equivalent_within",
    "holm",
    "paired_comparison",
]

#: Fewest units an interval is computed from (fewer: NaN bounds, the units are shown as dots).
MIN_UNITS = 3


def holm(pvalues) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values, in the input order.

    Parameters
    ----------
    pvalues : array_like, shape (m,)
        p-values in [0, 1]; NaN entries (a test that could not be computed) are passed through
        as NaN and are **not** counted in the family size.

    Returns
    -------
    ndarray, shape (m,)
        Adjusted p-values in [0, 1] (NaN where the input is NaN). Rejecting every hypothesis
        whose adjusted p is below :math:`\\alpha` controls the family-wise error rate at
        :math:`\\alpha`.

    Notes
    -----
    With the :math:`m` finite p-values sorted ascending, :math:`p_{(1)} \\le \\dots \\le
    p_{(m)}`,

    .. math:: \\tilde p_{(i)} = \\max_{j \\le i} \\min\\{1, (m - j + 1)\\, p_{(j)}\\},

    the smallest level at which Holm's step-down procedure (reject :math:`H_{(j)}` while
    :math:`p_{(j)} \\le \\alpha / (m - j + 1)`) rejects :math:`H_{(i)}` (Holm 1979). Tied
    p-values get the same adjusted value whatever their order.
    """
    p = check_array("pvalues", pvalues, ndim=1, finite=False)
    finite = ~np.isnan(p)
    if np.any(np.isinf(p)) or np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError("pvalues must lie in [0, 1] (or be NaN)")
    out = np.full(p.shape, np.nan)
    values = p[finite]
    m = values.size
    if m == 0:
        return out
    order = np.argsort(values, kind="stable")
    steps = np.minimum(1.0, (m - np.arange(m)) * values[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(steps)
    out[finite] = adjusted
    return out


@dataclass(frozen=True)
class BootstrapInterval:
    """A mean over units with its percentile bootstrap interval.

    Attributes
    ----------
    mean : float
        Mean of the finite values.
    low, high : float
        Percentile bootstrap interval of the mean; NaN with fewer than 3 finite values.
    n : int
        Finite values (units) used.
    n_missing : int
        NaN values left out.
    n_boot : int
        Resamples.
    confidence : float
        Coverage of the interval.
    """

    mean: float
    low: float
    high: float
    n: int
    n_missing: int
    n_boot: int
    confidence: float

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)``."""
        return self.low, self.high

    @property
    def has_interval(self) -> bool:
        """Whether the bounds are defined (at least 3 units)."""
        return bool(np.isfinite(self.low) and np.isfinite(self.high))


def _check_common(n_boot, confidence, rng) -> tuple[int, float, int]:
    return (check_int("n_boot", n_boot, minimum=100),
            check_float("confidence", confidence, minimum=0.0, maximum=1.0,
                        exclusive_minimum=True, exclusive_maximum=True),
            check_seed("rng", rng))


def _finite_or_nan(name: str, values, ndim: int) -> np.ndarray:
    values = check_array(name, values, ndim=ndim, finite=False)
    if np.any(np.isinf(values)):
        raise ValueError(f"{name} must contain only finite numbers or NaN (missing)")
    return values


def _percentile_interval(values: np.ndarray, n_boot: int, confidence: float,
                         seed: int) -> tuple[float, float]:
    n = values.size
    if n < MIN_UNITS:
        return float("nan"), float("nan")
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    means = values[draws].mean(axis=1)
    low, high = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def bootstrap_mean_interval(values, *, n_boot: int = 2000, confidence: float = 0.95,
                            rng: int = 0) -> BootstrapInterval:
    """Mean of per-unit values and its percentile bootstrap interval over units.

    Parameters
    ----------
    values : array_like, shape (n,)
        One value per independent unit (ground truth); NaN marks a missing unit and is left
        out (counted in ``n_missing``). Infinite values are refused.
    n_boot : int
        Resamples, >= 100.
    confidence : float
        Coverage, in (0, 1).
    rng : int
        Seed (non-negative): the same seed gives the same interval.

    Returns
    -------
    BootstrapInterval
        NaN bounds when fewer than 3 finite values remain (no interval from fewer than 3 units).

    Raises
    ------
    ValueError
        If no value is finite.

    Notes
    -----
    Resample the :math:`n` finite values with replacement :math:`B` times, take each resample's
    mean :math:`\\bar x^{*b}`, and report the :math:`(1-\\gamma)/2` and :math:`(1+\\gamma)/2`
    quantiles of :math:`\\{\\bar x^{*b}\\}` (``numpy.quantile``, linear method). The bounds are
    not clipped: they lie within the sample's range by construction.
    """
    n_boot, confidence, seed = _check_common(n_boot, confidence, rng)
    values = _finite_or_nan("values", values, 1)
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        raise ValueError("values holds no finite entry: there is no mean to report")
    low, high = _percentile_interval(finite, n_boot, confidence, seed)
    return BootstrapInterval(mean=float(finite.mean()), low=low, high=high, n=int(finite.size),
                             n_missing=int(values.size - finite.size), n_boot=n_boot,
                             confidence=confidence)


def bootstrap_paired_interval(a, b, *, n_boot: int = 2000, confidence: float = 0.95,
                              rng: int = 0) -> BootstrapInterval:
    """:func:`bootstrap_mean_interval` of the paired differences ``a - b``.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Paired per-unit values (``a[i]`` and ``b[i]`` from the same ground truth); a pair with
        either value NaN is left out (``n_missing``).
    n_boot, confidence, rng
        As :func:`bootstrap_mean_interval`.

    Returns
    -------
    BootstrapInterval
        Of the differences: whole pairs are resampled.
    """
    a = _finite_or_nan("a", a, 1)
    b = _finite_or_nan("b", b, 1)
    if a.shape != b.shape:
        raise ValueError(f"a and b must be paired (same length), got {a.size} and {b.size}")
    return bootstrap_mean_interval(a - b, n_boot=n_boot, confidence=confidence, rng=rng)


@dataclass(frozen=True)
class CurveInterval:
    """Column-wise means over units with percentile bootstrap intervals.

    Attributes
    ----------
    mean, low, high : ndarray, shape (V,)
        As :class:`BootstrapInterval`, column by column (NaN bounds where a column has fewer
        than 3 finite units).
    n : ndarray of int, shape (V,)
        Finite units in each column.
    n_boot : int
    confidence : float
    """

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray
    n_boot: int
    confidence: float


def bootstrap_curve_interval(values, *, n_boot: int = 2000, confidence: float = 0.95,
                             rng: int = 0) -> CurveInterval:
    """:func:`bootstrap_mean_interval` of each column of a (units x points) array.

    Parameters
    ----------
    values : array_like, shape (n_units, V)
        One curve per unit (e.g. a measure against the observed fraction, one row per ground
        truth); NaN marks a missing point.
    n_boot, confidence, rng
        As :func:`bootstrap_mean_interval`; every column uses the same seed.

    Returns
    -------
    CurveInterval

    Notes
    -----
    Column ``k`` is exactly ``bootstrap_mean_interval(values[:, k], rng=rng)``. Because every
    column uses the same seed, columns with the same finite units draw the same resamples: with
    no missing values, the intervals are those of resampling whole curves. The bootstrap
    counterpart of :func:`ffhlib.stats.curve_summary` (which gives Student-t intervals).
    """
    n_boot, confidence, seed = _check_common(n_boot, confidence, rng)
    values = _finite_or_nan("values", values, 2)
    columns = []
    for k in range(values.shape[1]):
        if np.all(np.isnan(values[:, k])):
            raise ValueError(f"values column {k} holds no finite entry")
        columns.append(bootstrap_mean_interval(values[:, k], n_boot=n_boot,
                                               confidence=confidence, rng=seed))
    return CurveInterval(
        mean=np.array([c.mean for c in columns]), low=np.array([c.low for c in columns]),
        high=np.array([c.high for c in columns]),
        n=np.array([c.n for c in columns], dtype=np.int64), n_boot=n_boot,
        confidence=confidence)


@dataclass(frozen=True)
class PairedComparison:
    """A paired comparison over ground truths: bootstrap interval, Wilcoxon p, adjusted p.

    Attributes
    ----------
    mean_a, mean_b : float
        Means over ground truths of the per-ground-truth means.
    mean_diff : float
        Mean over ground truths of the per-ground-truth mean differences ``a - b``.
    ci_diff : (float, float)
        Its percentile bootstrap interval over ground truths (NaN with fewer than 3).
    wilcoxon_p : float
        Two-sided Wilcoxon signed-rank p of the per-ground-truth differences, as
        :func:`ffhlib.stats.grouped_paired_summary` computes it (NaN if all are zero).
    p_adjusted : float
        Holm-adjusted p within the family of comparisons it is reported with; NaN until
        :func:`adjust_family` fills it.
    family_size : int
        How many comparisons (with a computable p) the family that adjusted ``p_adjusted`` held;
        0 until :func:`adjust_family` fills it.
    min_attainable_p : float
        ``2 / 2**n``, the smallest p the exact test can give.
    n : int
        Ground truths.
    n_units : int
        Units (networks) in all ground truths together.
    groups : ndarray, shape (n,)
        The ground-truth labels (sorted).
    differences : ndarray, shape (n,)
        Each ground truth's mean paired difference (the dots the book shows).
    n_opposite : int
        Ground truths whose difference has the sign opposite to ``mean_diff``.
    n_boot : int
    confidence : float
    """

    mean_a: float
    mean_b: float
    mean_diff: float
    ci_diff: tuple[float, float]
    wilcoxon_p: float
    p_adjusted: float
    family_size: int
    min_attainable_p: float
    n: int
    n_units: int
    groups: np.ndarray
    differences: np.ndarray
    n_opposite: int
    n_boot: int
    confidence: float

    @property
    def significant(self) -> bool:
        """``p_adjusted < 1 - confidence``: False before the family is adjusted, and when the
        test could not be computed."""
        return bool(np.isfinite(self.p_adjusted) and self.p_adjusted < 1 - self.confidence)


def paired_comparison(a, b, groups=None, *, n_boot: int = 2000, confidence: float = 0.95,
                      rng: int = 0) -> PairedComparison:
    """Paired comparison of ``a`` and ``b`` over ground truths, with a bootstrap interval.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Paired measurements (finite), e.g. a rival's and FFH's similarity for each ground truth
        x network seed.
    groups : array_like, shape (n,), optional
        Each entry's ground truth; ``None``: every entry is its own ground truth.
    n_boot, confidence, rng
        As :func:`bootstrap_mean_interval`.

    Returns
    -------
    PairedComparison
        ``p_adjusted`` is NaN: adjust the family with :func:`adjust_family`.

    Notes
    -----
    With :math:`\\bar d_g` the mean paired difference of ground truth :math:`g`, the estimate is
    :math:`\\frac{1}{G}\\sum_g \\bar d_g`, the interval the percentile bootstrap of that mean over
    ground truths (:func:`bootstrap_mean_interval`), and the test a Wilcoxon signed-rank test of
    :math:`\\{\\bar d_g\\}` (the same p as :func:`ffhlib.stats.grouped_paired_summary`).
    """
    n_boot, confidence, seed = _check_common(n_boot, confidence, rng)
    a = check_array("a", a, ndim=1)
    groups = np.arange(a.size) if groups is None else np.asarray(groups)
    grouped = grouped_paired_summary(a, b, groups, confidence)
    differences = np.array([e.mean_diff for e in grouped.effects])
    boot = bootstrap_mean_interval(differences, n_boot=n_boot, confidence=confidence, rng=seed)
    return PairedComparison(
        mean_a=grouped.mean_a, mean_b=grouped.mean_b, mean_diff=grouped.mean_diff,
        ci_diff=boot.interval, wilcoxon_p=grouped.wilcoxon_p, p_adjusted=float("nan"),
        family_size=0,
        min_attainable_p=grouped.min_attainable_p, n=grouped.n_groups, n_units=grouped.n_units,
        groups=np.array([e.group for e in grouped.effects]), differences=differences,
        n_opposite=grouped.n_opposite, n_boot=n_boot, confidence=confidence)


def adjust_family(summaries: Mapping[str, PairedComparison]) -> dict[str, PairedComparison]:
    """Fill ``p_adjusted`` of a family of comparisons by Holm's method over their Wilcoxon p.

    Parameters
    ----------
    summaries : mapping of str to PairedComparison
        The comparisons of one summary table (the family).

    Returns
    -------
    dict of str to PairedComparison
        Same keys and order; each a copy with ``p_adjusted = holm(all wilcoxon_p)[i]`` and
        ``family_size`` the number of computable p-values. A
        comparison whose test could not be computed (NaN p) keeps NaN and is not counted in
        the family size.
    """
    if not isinstance(summaries, Mapping):
        raise TypeError(f"summaries must be a mapping of names to PairedComparison, got "
                        f"{type(summaries).__name__}")
    for name, summary in summaries.items():
        if not isinstance(summary, PairedComparison):
            raise TypeError(f"summaries[{name!r}] must be a PairedComparison, got "
                            f"{type(summary).__name__}")
    adjusted = holm([s.wilcoxon_p for s in summaries.values()])
    size = int(np.sum(np.isfinite([s.wilcoxon_p for s in summaries.values()])))
    return {name: dataclasses.replace(summary, p_adjusted=float(p), family_size=size)
            for (name, summary), p in zip(summaries.items(), adjusted, strict=True)}


def equivalent_within(summary: PairedComparison, margin: float) -> bool:
    """Whether the interval of the paired difference lies within ``[-margin, margin]``.

    Parameters
    ----------
    summary : PairedComparison
    margin : float
        Equivalence margin (> 0), in the measure's units (the book: 0.05 mean canonical
        correlation).

    Returns
    -------
    bool
        True when both bounds of ``summary.ci_diff`` are finite and
        ``-margin <= low`` and ``high <= margin`` (bounds inclusive); False without an interval
        (fewer than 3 ground truths).
    """
    if not isinstance(summary, PairedComparison):
        raise TypeError(f"summary must be a PairedComparison, got {type(summary).__name__}")
    margin = check_float("margin", margin, minimum=0.0, exclusive_minimum=True)
    low, high = summary.ci_diff
    return bool(np.isfinite(low) and np.isfinite(high) and -margin <= low and high <= margin)
