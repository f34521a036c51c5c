"""Paired statistics against SciPy and closed forms."""

import numpy as np
import pytest
from scipy import stats

from ffhlib.stats import (
    bootstrap_interval,
    curve_summary,
    grouped_paired_summary,
    mean_interval,
    paired_summary,
    within_group_rank_correlation,
)


def test_mean_interval_closed_form():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    mean, (lo, hi) = mean_interval(x)
    # s = sqrt(5/3), t_{0.975, 3} = 3.182446305284263
    half = 3.182446305284263 * np.sqrt(5 / 3) / 2
    assert mean == 2.5
    assert (lo, hi) == pytest.approx((2.5 - half, 2.5 + half), abs=1e-12)
    ref = stats.t.interval(0.95, df=3, loc=2.5, scale=stats.sem(x))
    assert (lo, hi) == pytest.approx(ref, abs=1e-12)


def test_mean_interval_edge_cases():
    m, ci = mean_interval([3.0])
    assert m == 3.0 and np.isnan(ci).all()
    assert mean_interval([2.0, 2.0, 2.0])[1] == (2.0, 2.0)
    with pytest.raises(ValueError):
        mean_interval([])
    with pytest.raises(ValueError, match="confidence"):
        mean_interval([1.0, 2.0], confidence=1.5)


def test_paired_summary_vs_scipy():
    rng = np.random.default_rng(0)
    a = rng.normal(0.9, 0.05, size=12)
    b = a - rng.normal(0.3, 0.1, size=12)
    s = paired_summary(a, b)
    assert s.n == 12 and s.n_nonzero == 12
    assert s.mean_diff == pytest.approx(np.mean(a - b))
    assert s.ci_diff == pytest.approx(
        stats.t.interval(0.95, df=11, loc=np.mean(a - b), scale=stats.sem(a - b)))
    assert s.ci_a == pytest.approx(stats.t.interval(0.95, df=11, loc=a.mean(), scale=stats.sem(a)))
    assert s.wilcoxon_p == pytest.approx(stats.wilcoxon(a, b).pvalue)
    # all 12 differences positive: exact two-sided p = 2 / 2^12
    assert s.wilcoxon_p == pytest.approx(2 / 2**12)
    assert s.min_attainable_p == pytest.approx(2 / 2**12)
    assert s.significant


def test_paired_summary_known_ranks():
    # differences 1..5 with signs + + + + -: W- = 5 (rank of |-5|) -> exact two-sided p
    a = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    b = np.array([0.0, 0.0, 0.0, 0.0, 5.0])
    s = paired_summary(a, b)
    # count sign assignments of ranks 1..5 with W- <= 5: 1+1+1+2+2+3 = 10 of 32, two-sided 20/32
    assert s.wilcoxon_p == pytest.approx(20 / 32)


def test_paired_summary_small_n_is_honest():
    # five pairs, all in the same direction: the strongest possible evidence at n = 5 is p = 1/16
    s = paired_summary(np.arange(5.0) + 1, np.zeros(5))
    assert s.wilcoxon_p == pytest.approx(0.0625)
    assert s.min_attainable_p == pytest.approx(0.0625)
    assert not s.significant
    # identical samples: the test has nothing to test
    t = paired_summary(np.ones(4), np.ones(4))
    assert np.isnan(t.wilcoxon_p) and t.n_nonzero == 0 and not t.significant
    with pytest.raises(ValueError, match="paired"):
        paired_summary(np.ones(3), np.ones(4))


def test_curve_summary_is_mean_interval_per_column():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(7, 4))
    mean, lo, hi = curve_summary(values)
    for k in range(4):
        m, (a, b) = mean_interval(values[:, k])
        assert (mean[k], lo[k], hi[k]) == pytest.approx((m, a, b))


def test_an_effect_in_one_ground_truth_is_not_significant_over_ground_truths():
    """Six ground truths x 5 networks: the whole effect sits in ground truth 3. A per-network
    test (30 'independent' pairs) calls it significant; the test over ground truths does not."""
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(6), 5)
    b = rng.normal(0.5, 0.01, size=30)
    a = b + rng.normal(0.0, 0.002, size=30)
    a[groups == 3] += 0.2
    per_network = paired_summary(a, b)
    assert per_network.wilcoxon_p < 0.05
    grouped = grouped_paired_summary(a, b, groups)
    assert grouped.n_groups == 6 and grouped.n_units == 30
    assert not grouped.significant and grouped.wilcoxon_p >= 0.05
    # its numbers are those of the per-ground-truth means, checked against SciPy directly
    da = np.array([a[groups == g].mean() for g in range(6)])
    db = np.array([b[groups == g].mean() for g in range(6)])
    assert grouped.wilcoxon_p == pytest.approx(stats.wilcoxon(da, db).pvalue)
    assert grouped.mean_diff == pytest.approx((da - db).mean())
    ref = stats.t.interval(0.95, df=5, loc=(da - db).mean(), scale=stats.sem(da - db))
    assert grouped.ci_diff == pytest.approx(ref)
    assert grouped.min_attainable_p == pytest.approx(2 / 2**6)
    assert [e.group for e in grouped.effects] == list(range(6))
    assert grouped.effects[3].mean_diff == pytest.approx((a - b)[groups == 3].mean())


def test_a_ground_truth_going_the_other_way_is_counted_not_dropped():
    groups = np.repeat(np.arange(6), 2)
    b = np.zeros(12)
    a = np.where(groups == 4, -0.5, 1.0) + 0.01 * np.arange(12)
    s = grouped_paired_summary(a, b, groups)
    assert s.n_opposite == 1 and s.n_groups == 6
    assert s.effects[4].mean_diff < 0
    with pytest.raises(ValueError, match="one length"):
        grouped_paired_summary(a, b[:-1], groups)


def test_bootstrap_over_groups_resamples_whole_groups():
    groups = np.repeat(np.arange(5), 3)
    values = groups.astype(float)  # each group a constant
    est, (lo, hi), reps = bootstrap_interval(lambda v: float(v.mean()), groups, values,
                                             n_boot=500, rng=1)
    assert est == pytest.approx(2.0)
    assert 0.0 <= lo <= est <= hi <= 4.0
    # a resample of whole groups has a mean that is a multiple of 1/5 (5 groups of equal size)
    np.testing.assert_allclose(np.round(reps * 5), reps * 5, atol=1e-9)


# --- rank correlation within groups, tested over groups ----------------------------------------


def _simpson(n_groups=8, cells=6, seed=0):
    """Within every group y rises with x; across groups the offsets go the other way."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), cells)
    x = rng.uniform(0, 1, size=groups.size) + 2.0 * groups
    y = x + 0.05 * rng.normal(size=groups.size) - 5.0 * groups
    return x, y, groups


def test_within_group_correlation_is_not_the_pooled_one():
    x, y, groups = _simpson()
    pooled = stats.spearmanr(x, y).statistic
    within = within_group_rank_correlation(x, y, groups)
    assert pooled < -0.8  # one Spearman over all points says: negative
    assert within.mean_rho > 0.8 and np.all(within.rho > 0)  # within every group: positive
    # all 8 groups positive: exact two-sided Wilcoxon p = 2 / 2^8
    assert within.wilcoxon_p == pytest.approx(2 / 2**8)
    assert within.min_attainable_p == pytest.approx(2 / 2**8)
    assert within.n_groups == 8 and within.n_undefined == 0
    # independent references: SciPy group by group, and SciPy's Wilcoxon on the group values
    for k, g in enumerate(within.groups):
        keep = groups == g
        assert within.rho[k] == pytest.approx(stats.spearmanr(x[keep], y[keep]).statistic)
        assert within.n_pairs[k] == keep.sum()
    assert within.wilcoxon_p == pytest.approx(stats.wilcoxon(within.rho).pvalue)


def test_within_group_correlation_missing_values():
    x, y, groups = _simpson(n_groups=5, cells=5, seed=1)
    x[0] = np.nan  # one cell of group 0: left out, the group keeps its other cells
    y[5:8] = np.nan  # group 1 keeps 2 complete cells: undefined
    y[10:15] = 1.0  # group 2: y constant: undefined
    r = within_group_rank_correlation(x, y, groups)
    assert r.rho[0] == pytest.approx(stats.spearmanr(x[1:5], y[1:5]).statistic)
    assert list(r.n_pairs) == [4, 2, 5, 5, 5]
    assert np.isnan(r.rho[1]) and np.isnan(r.rho[2])
    assert r.n_groups == 3 and r.n_undefined == 2
    defined = r.rho[[0, 3, 4]]
    assert r.mean_rho == pytest.approx(defined.mean())
    assert np.isfinite(r.mean_rho) and np.isfinite(r.wilcoxon_p)
    assert r.wilcoxon_p == pytest.approx(stats.wilcoxon(defined).pvalue)


def test_within_group_correlation_guards():
    x, y, groups = _simpson(n_groups=3, cells=4)
    with pytest.raises(ValueError, match="one length"):
        within_group_rank_correlation(x, y[:-1], groups)
    with pytest.raises(ValueError, match="finite numbers or NaN"):
        within_group_rank_correlation(np.where(groups == 0, np.inf, x), y, groups)
    with pytest.raises(ValueError, match="no group"):
        within_group_rank_correlation(x, np.ones_like(y), groups)
