"""Holm's adjustment, percentile bootstrap intervals and paired comparisons over ground truths."""

import numpy as np
import pytest
from scipy import stats

from ffhlib.inference import (
    PairedComparison,
    adjust_family,
    bootstrap_curve_interval,
    bootstrap_mean_interval,
    bootstrap_paired_interval,
    equivalent_within,
    holm,
    paired_comparison,
)
from ffhlib.stats import grouped_paired_summary

# --- Holm -------------------------------------------------------------------------------------


def test_holm_hand_computed():
    # sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> max(0.06, .04)
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    # capped at 1
    np.testing.assert_allclose(holm([0.5, 0.6, 0.01]), [1.0, 1.0, 0.03])
    # NaN passed through and not counted: a family of two
    out = holm([0.01, np.nan, 0.02])
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.02])
    assert holm([]).shape == (0,)
    assert np.isnan(holm([np.nan, np.nan])).all()


def _holm_by_procedure(p):
    """Brute force from the definition: the adjusted p of H_i is the smallest level alpha at
    which Holm's step-down procedure rejects H_i. The procedure only changes its decisions at
    the levels (m - j + 1) p_(j), so those (and 1) are the only candidates."""
    m = p.size
    ranked = np.sort(p)
    candidates = np.unique(np.concatenate([np.minimum(1.0, (m - np.arange(m)) * ranked), [1.0]]))

    def rejected(alpha):
        out = np.zeros(m, dtype=bool)
        for j, i in enumerate(np.argsort(p, kind="stable")):
            if min(1.0, (m - j) * p[i]) > alpha:
                break
            out[i] = True
        # ties: a hypothesis tied with a rejected one is rejected too
        if out.any():
            out |= p <= p[out].max()
        return out

    adjusted = np.ones(m)
    for alpha in candidates[::-1]:  # from large to small: keep the smallest rejecting level
        adjusted[rejected(alpha)] = alpha
    return adjusted


@pytest.mark.parametrize("seed", range(20))
def test_holm_equals_the_step_down_procedure(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 12))
    p = rng.uniform(0, 0.3, size=m) ** 2
    if seed % 2:
        p = np.round(p, 2)  # ties
    adjusted = holm(p)
    np.testing.assert_allclose(adjusted, _holm_by_procedure(p), atol=1e-15)
    assert np.all(adjusted >= p) and np.all(adjusted <= 1)
    order = np.argsort(p)
    assert np.all(np.diff(adjusted[order]) >= 0)  # monotone in p


def test_holm_guards():
    for bad in ([0.1, 1.2], [-0.1], [np.inf]):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            holm(bad)
    with pytest.raises(ValueError, match="pvalues"):
        holm([[0.1, 0.2]])


# --- percentile bootstrap ---------------------------------------------------------------------


def test_a_skewed_positive_sample_keeps_a_positive_interval_without_clipping():
    values = np.r_[np.linspace(0.01, 0.02, 11), 1.0]  # positive, one large value
    b = bootstrap_mean_interval(values)
    t_low = stats.t.interval(0.95, df=11, loc=values.mean(), scale=stats.sem(values))[0]
    assert t_low < 0  # a symmetric t interval would cross zero here
    assert values.min() <= b.low < b.mean < b.high <= values.max()
    assert b.low > 0 and b.has_interval
    assert b.n == 12 and b.n_missing == 0 and b.n_boot == 2000
    for seed in range(10):  # random skewed positive samples alike
        skewed = np.random.default_rng(seed).lognormal(mean=-3.0, sigma=2.0, size=12)
        assert bootstrap_mean_interval(skewed, rng=seed).low > 0


def test_bootstrap_interval_is_the_percentile_of_resampled_means():
    # large n: the percentile interval approaches mean -/+ 1.96 s / sqrt(n)
    values = np.random.default_rng(1).normal(2.0, 3.0, size=400)
    b = bootstrap_mean_interval(values, n_boot=4000, rng=5)
    half = 1.959964 * values.std() / np.sqrt(values.size)
    assert b.mean == pytest.approx(values.mean())
    assert b.low == pytest.approx(values.mean() - half, abs=0.1 * half)
    assert b.high == pytest.approx(values.mean() + half, abs=0.1 * half)
    # a constant sample: every resample has its mean
    c = bootstrap_mean_interval(np.full(5, 0.3))
    assert c.interval == (pytest.approx(0.3), pytest.approx(0.3))


def test_bootstrap_coverage_on_normal_data():
    """Coverage of the nominal 95 % interval over 1000 normal samples of 12 units. The
    percentile bootstrap under-covers at small n (plug-in spread, normal quantiles): expected
    about P(|t_11| <= 1.96 sqrt(11/12)) = 0.913; the observed share must lie within 3 binomial
    standard errors of it, and so well above 0.85 and below the nominal 0.95."""
    R, n = 1000, 12
    hits = 0
    for s in range(R):
        x = np.random.default_rng(10_000 + s).normal(size=n)
        b = bootstrap_mean_interval(x, rng=s)
        hits += b.low <= 0.0 <= b.high
    expected = 2 * stats.t.cdf(1.959964 * np.sqrt((n - 1) / n), n - 1) - 1
    se = np.sqrt(expected * (1 - expected) / R)
    assert abs(hits / R - expected) <= 3 * se
    assert hits / R >= 0.88


def test_bootstrap_fewer_than_three_units_and_missing_values():
    b = bootstrap_mean_interval([1.0, 2.0])
    assert b.mean == 1.5 and np.isnan(b.low) and np.isnan(b.high) and not b.has_interval
    c = bootstrap_mean_interval([1.0, np.nan, 2.0, np.nan])
    assert c.n == 2 and c.n_missing == 2 and np.isnan(c.low)
    d = bootstrap_mean_interval([1.0, np.nan, 2.0, 4.0], rng=3)
    e = bootstrap_mean_interval([1.0, 2.0, 4.0], rng=3)
    assert (d.mean, d.low, d.high, d.n, d.n_missing) == (e.mean, e.low, e.high, 3, 1)
    with pytest.raises(ValueError, match="no finite"):
        bootstrap_mean_interval([np.nan, np.nan])
    with pytest.raises(ValueError, match="finite numbers or NaN"):
        bootstrap_mean_interval([1.0, np.inf, 2.0])
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_mean_interval([1.0, 2.0, 3.0], n_boot=10)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_mean_interval([1.0, 2.0, 3.0], confidence=1.0)
    with pytest.raises(ValueError, match="rng"):
        bootstrap_mean_interval([1.0, 2.0, 3.0], rng=-1)


def test_bootstrap_is_deterministic_per_seed():
    values = np.random.default_rng(2).normal(size=10)
    assert bootstrap_mean_interval(values, rng=7) == bootstrap_mean_interval(values, rng=7)
    assert bootstrap_mean_interval(values, rng=7).low != bootstrap_mean_interval(values, rng=8).low


def test_curve_interval_is_the_interval_of_each_column():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(9, 5))
    values[0, 2] = np.nan
    values[:7, 4] = np.nan  # two units left in the last column: no interval there
    curve = bootstrap_curve_interval(values, rng=11)
    for k in range(5):
        ref = bootstrap_mean_interval(values[:, k], rng=11)
        assert (curve.mean[k], curve.n[k]) == (ref.mean, ref.n)
        np.testing.assert_equal([curve.low[k], curve.high[k]], [ref.low, ref.high])
    assert list(curve.n) == [9, 9, 8, 9, 2] and np.isnan(curve.low[4])
    # with no missing values, the same seed resamples whole curves
    full = values[:, :2]
    draws = np.random.default_rng(11).integers(0, 9, size=(2000, 9))
    whole = np.quantile(full[draws].mean(axis=1), [0.025, 0.975], axis=0)
    np.testing.assert_allclose(bootstrap_curve_interval(full, rng=11).low, whole[0])
    with pytest.raises(ValueError, match="column 1"):
        bootstrap_curve_interval(np.array([[1.0, np.nan], [2.0, np.nan]]))


def test_paired_interval_is_the_interval_of_the_differences():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=8), rng.normal(size=8)
    b[3] = np.nan
    p = bootstrap_paired_interval(a, b, rng=2)
    keep = ~np.isnan(b)
    ref = bootstrap_mean_interval((a - b)[keep], rng=2)
    assert (p.mean, p.low, p.high, p.n, p.n_missing) == (ref.mean, ref.low, ref.high, 7, 1)
    with pytest.raises(ValueError, match="paired"):
        bootstrap_paired_interval(a, b[:-1])


# --- paired comparisons over ground truths ----------------------------------------------------


def _paired_design(effect, n_groups=12, per_group=3, seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), per_group)
    b = rng.normal(0.6, 0.05, size=groups.size) + 0.1 * rng.normal(size=n_groups)[groups]
    a = b + effect + 0.01 * rng.normal(size=groups.size)
    return a, b, groups


def test_paired_comparison_against_its_parts():
    a, b, groups = _paired_design(0.1)
    c = paired_comparison(a, b, groups, rng=4)
    g = grouped_paired_summary(a, b, groups)
    per_group = np.array([(a - b)[groups == k].mean() for k in range(12)])
    np.testing.assert_allclose(c.differences, per_group, atol=1e-15)
    assert list(c.groups) == list(range(12))
    assert c.mean_diff == pytest.approx(per_group.mean())
    assert c.wilcoxon_p == g.wilcoxon_p == pytest.approx(2 / 2**12)
    boot = bootstrap_mean_interval(per_group, rng=4)
    assert c.ci_diff == pytest.approx(boot.interval, abs=1e-15)
    assert (c.n, c.n_units, c.n_opposite) == (12, 36, 0)
    assert (c.mean_a, c.mean_b) == (g.mean_a, g.mean_b)
    assert np.isnan(c.p_adjusted)
    # without groups, every entry is its own ground truth
    d = paired_comparison(a[:10], b[:10])
    assert d.n == 10 and d.wilcoxon_p == pytest.approx(stats.wilcoxon(a[:10], b[:10]).pvalue)


def test_adjust_family_fills_holm():
    a, b, groups = _paired_design(0.0, seed=1)
    family = {
        "large": paired_comparison(a + 0.1, b, groups),
        "none": paired_comparison(a, b, groups),
        "tied": paired_comparison(b, b, groups),  # no difference at all: no test
        "small": paired_comparison(a + 0.004, b, groups),
    }
    adjusted = adjust_family(family)
    assert list(adjusted) == list(family)
    raw = [family[k].wilcoxon_p for k in family]
    assert np.isnan(raw[2])
    expected = holm(raw)
    for k, p in zip(family, expected, strict=True):
        np.testing.assert_equal(adjusted[k].wilcoxon_p, family[k].wilcoxon_p)
        np.testing.assert_equal(adjusted[k].p_adjusted, p)
        assert adjusted[k].ci_diff == family[k].ci_diff
    # a family of three (the NaN one is not counted): the smallest p is multiplied by 3
    assert adjusted["large"].p_adjusted == pytest.approx(3 * family["large"].wilcoxon_p)
    assert np.isnan(family["large"].p_adjusted)  # the inputs are not changed
    with pytest.raises(TypeError, match="mapping"):
        adjust_family([family["large"]])
    with pytest.raises(TypeError, match=r"summaries\['x'\]"):
        adjust_family({"x": grouped_paired_summary(a, b, groups)})


def test_equivalent_within():
    a, b, groups = _paired_design(0.0, seed=2)
    same = paired_comparison(a, b, groups)
    assert max(abs(v) for v in same.ci_diff) < 0.05
    assert equivalent_within(same, 0.05)
    bounds = max(abs(v) for v in same.ci_diff)
    assert equivalent_within(same, bounds)  # bounds inclusive
    assert not equivalent_within(same, 0.99 * bounds)
    d = 0.04 + 0.03 * np.random.default_rng(3).normal(size=12)
    shifted = paired_comparison(b[:12] + d, b[:12])  # mean within the margin, interval not
    assert shifted.mean_diff < 0.05 < shifted.ci_diff[1]
    assert not equivalent_within(shifted, 0.05)
    few = paired_comparison(a[:6], b[:6], groups[:6])  # two ground truths: no interval
    assert np.isnan(few.ci_diff[0]) and not equivalent_within(few, 0.05)
    with pytest.raises(ValueError, match="margin"):
        equivalent_within(same, 0.0)
    with pytest.raises(TypeError, match="PairedComparison"):
        equivalent_within(grouped_paired_summary(a, b, groups), 0.05)
    assert isinstance(same, PairedComparison)
