"""Paired statistics over seeds: means with t intervals and the Wilcoxon signed-rank test.

Every comparison in the book is paired: FF and FFH are trained on the same ground truth, the same
observed subset and the same seed, so the per-seed difference is what is tested (METHODS.md §6).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validate import check_array, check_float

__all__ = ["PairedSummary", "mean_interval", "paired_summary"]


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
