"""Similarity metrics: invariances, metric axioms, an analytic case, and independent references."""

import numpy as np
import pytest
from scipy.stats import ortho_group
from sklearn.cross_decomposition import CCA

from ffhlib.similarity import (
    cca,
    compare,
    compare_dims,
    condition_dependent,
    direction_offset_share,
    explained_variance_ratio,
    mean_canonical_correlation,
    n_components_for_variance,
    oracle_activity,
    pca,
    procrustes_distance,
    remove_direction_means,
    shared_variance_share,
    stack_activity,
)

SEEDS = range(5)
TOL = 1e-8


def _random_set(seed, S=200, d=5):
    rng = np.random.default_rng(seed)
    # correlated columns with unequal variances: not a trivially white set
    return rng.normal(size=(S, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)


@pytest.mark.parametrize("seed", SEEDS)
def test_cca_with_itself_is_one(seed):
    A = _random_set(seed)
    np.testing.assert_allclose(cca(A, A), 1.0, atol=TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_cca_invariant_to_invertible_map_and_rotation(seed):
    rng = np.random.default_rng(100 + seed)
    A, B = _random_set(seed), _random_set(seed + 50)
    B = 0.5 * A + B  # partially shared, so the correlations are neither 0 nor 1
    rho = cca(A, B)
    M = rng.normal(size=(5, 5)) + 5 * np.eye(5)  # invertible
    Q = ortho_group.rvs(5, random_state=seed)
    np.testing.assert_allclose(cca(A @ M + 3.0, B), rho, atol=TOL)
    np.testing.assert_allclose(cca(A, B @ Q), rho, atol=TOL)
    np.testing.assert_allclose(cca(B, A), rho, atol=TOL)  # symmetric
    assert np.all(np.diff(rho) <= TOL) and 0 < rho[-1] < rho[0] < 1


@pytest.mark.parametrize("seed", SEEDS)
def test_cca_matches_direct_eigen_solution(seed):
    # Independent reference: rho^2 are the eigenvalues of Saa^-1 Sab Sbb^-1 Sba.
    A = _random_set(seed, d=4)
    B = 0.3 * A @ np.random.default_rng(seed).normal(size=(4, 4)) + _random_set(seed + 9, d=4)
    Ac, Bc = A - A.mean(0), B - B.mean(0)
    Saa, Sbb, Sab = Ac.T @ Ac, Bc.T @ Bc, Ac.T @ Bc
    M = np.linalg.solve(Saa, Sab) @ np.linalg.solve(Sbb, Sab.T)
    ref = np.sqrt(np.sort(np.linalg.eigvals(M).real)[::-1])
    np.testing.assert_allclose(cca(A, B), ref, atol=1e-7)


def test_cca_matches_sklearn():
    A = _random_set(1, d=3)
    B = 0.5 * A + _random_set(2, d=3)
    model = CCA(n_components=3, scale=False, max_iter=5000, tol=1e-12).fit(A, B)
    U, V = model.transform(A, B)
    ref = [abs(np.corrcoef(U[:, k], V[:, k])[0, 1]) for k in range(3)]
    np.testing.assert_allclose(cca(A, B), ref, atol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_cca_recovers_k_shared_signals(seed):
    # Two 6-d latent sets that share k = 3 signals (through different mixings) plus weak private
    # noise in the shared part; the other 3 dimensions are independent. Expect 3 correlations
    # near 1 and 3 near 0 (at most ~ sqrt(d / S) by chance).
    rng = np.random.default_rng(seed)
    S, k, d = 2000, 3, 6
    shared = rng.normal(size=(S, k))
    A = np.hstack([shared + 0.05 * rng.normal(size=(S, k)), rng.normal(size=(S, d - k))])
    B = np.hstack([shared + 0.05 * rng.normal(size=(S, k)), rng.normal(size=(S, d - k))])
    A = A @ rng.normal(size=(d, d))
    B = B @ rng.normal(size=(d, d))
    rho = cca(A, B)
    # analytic: corr = 1 / (1 + 0.05^2) = 0.9975 for each shared signal
    np.testing.assert_allclose(rho[:k], 1 / (1 + 0.05**2), atol=0.003)
    assert np.all(rho[k:] < 4 * np.sqrt(d / S))


def test_cca_guards():
    A = _random_set(0, S=10, d=5)
    with pytest.raises(ValueError, match="S - 1"):
        cca(A, A)  # 5 + 5 > 9
    A = _random_set(0, d=3)
    with pytest.raises(ValueError, match="rank deficient"):
        cca(np.hstack([A, A[:, :1]]), _random_set(1, d=4))
    with pytest.raises(ValueError, match="same number of samples"):
        cca(A, A[:-1])


@pytest.mark.parametrize("seed", SEEDS)
def test_procrustes_zero_for_rotated_scaled_shifted_copy(seed):
    A = _random_set(seed)
    Q = ortho_group.rvs(5, random_state=seed)
    assert procrustes_distance(A, 2.5 * A @ Q - 7.0) == pytest.approx(0.0, abs=1e-6)
    # reflection is in O(d) too
    assert procrustes_distance(A, A * np.array([1, -1, 1, 1, 1])) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_procrustes_is_a_metric_and_not_affine_invariant(seed):
    A, B, C = (_random_set(seed + 10 * i) for i in range(3))
    dab, dba = procrustes_distance(A, B), procrustes_distance(B, A)
    assert dab == pytest.approx(dba, abs=1e-12)
    assert 0 < dab <= np.pi / 2
    assert dab <= procrustes_distance(A, C) + procrustes_distance(C, B) + 1e-12
    # a non-orthogonal invertible map changes the shape (CCA would not see it)
    M = np.diag([1.0, 1.0, 1.0, 5.0, 0.2])
    assert procrustes_distance(A, A @ M) > 0.1
    np.testing.assert_allclose(cca(A, A @ M), 1.0, atol=TOL)


def test_procrustes_matches_brute_force_alignment():
    # Independent reference: scipy's orthogonal Procrustes solution gives the best rotation.
    from scipy.linalg import orthogonal_procrustes

    A, B = _random_set(3), _random_set(4)
    Ac, Bc = A - A.mean(0), B - B.mean(0)
    Ac, Bc = Ac / np.linalg.norm(Ac), Bc / np.linalg.norm(Bc)
    R, _ = orthogonal_procrustes(Ac, Bc)
    ref = np.arccos(np.sum((Ac @ R) * Bc))
    assert procrustes_distance(A, B) == pytest.approx(ref, abs=1e-10)


def test_pca_scores_and_guards():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 8)) * np.arange(8, 0, -1)
    Z = pca(X, 3)
    assert Z.shape == (50, 3)
    Xc = X - X.mean(0)
    var = np.linalg.eigvalsh(Xc.T @ Xc)[::-1]
    np.testing.assert_allclose(np.sum(Z**2, axis=0), var[:3], rtol=1e-10)
    np.testing.assert_allclose(Z.T @ Z, np.diag(var[:3]), atol=1e-8)  # uncorrelated scores
    np.testing.assert_allclose(explained_variance_ratio(X).sum(), 1.0)
    assert n_components_for_variance(X, 1.0) == 8
    assert n_components_for_variance(X, 1e-9) == 1
    with pytest.raises(ValueError, match="d must be"):
        pca(X, 9)  # d > N
    with pytest.raises(ValueError, match="d must be"):
        pca(X[:4], 4)  # d > S - 1
    with pytest.raises(TypeError, match="d must be"):
        pca(X, 2.5)


def test_stack_activity_and_compare():
    rng = np.random.default_rng(0)
    C, T, N = 4, 30, 20
    latent = np.cumsum(rng.normal(size=(C, T, 3)), axis=1)  # smooth 3-d dynamics
    soc = latent @ rng.normal(size=(3, N)) + 10.0
    X = stack_activity(soc)
    assert X.shape == (C * T, N)
    np.testing.assert_allclose(X.mean(0), 0.0, atol=1e-10)
    np.testing.assert_allclose(X[T + 2], soc[1, 2] - soc.reshape(-1, N).mean(0))
    # another network: same latent dynamics through a different linear map into 50 units
    rnn = np.tanh(0.01 * latent @ rng.normal(size=(3, 50)))
    scores = compare(soc, rnn, 3)
    assert scores.d == 3 and scores.canonical_correlations.shape == (3,)
    assert scores.mean_correlation > 0.999
    assert scores.variance_a == pytest.approx(1.0)
    unrelated = compare(soc, rng.normal(size=(C, T, 50)), 3)
    assert unrelated.mean_correlation < 0.5 and unrelated.procrustes > scores.procrustes
    with pytest.raises(ValueError, match="share"):
        compare(soc, rnn[:, :-1], 3)
    with pytest.raises(ValueError, match="must be an integer in"):
        compare(soc, rnn, 21)  # more than the SOC's 20 units


def test_compare_dims_equals_the_pipeline_at_each_d():
    """One SVD per activity, sliced per d, equals PCA + CCA + Procrustes computed at each d."""
    rng = np.random.default_rng(3)
    a = np.cumsum(rng.normal(size=(5, 40, 12)), axis=1)
    b = np.tanh(0.1 * a @ rng.normal(size=(12, 30))) + 0.1 * rng.normal(size=(5, 40, 30))
    dims = [2, 4, 6]
    for d, scores in zip(dims, compare_dims(a, b, dims), strict=True):
        La, Lb = pca(stack_activity(a), d), pca(stack_activity(b), d)
        np.testing.assert_allclose(scores.canonical_correlations, cca(La, Lb), atol=1e-10)
        assert scores.procrustes == pytest.approx(procrustes_distance(La, Lb), abs=1e-10)
        assert scores.d == scores.d_b == d


def test_a_handful_of_units_cannot_match_more_dimensions_than_it_has():
    """Two units out of a 6-d activity: at most 2 of the 6 canonical correlations exist, and
    the mean over the reference's 6 dimensions counts the others as 0."""
    rng = np.random.default_rng(4)
    a = np.cumsum(rng.normal(size=(6, 30, 20)), axis=1)
    two = a[..., :2]
    scores = compare(a, two, 6)
    assert scores.d == 6 and scores.d_b == 2 and scores.canonical_correlations.shape == (2,)
    assert scores.mean_correlation == pytest.approx(scores.canonical_correlations.sum() / 6)
    assert scores.mean_correlation <= 2 / 6 + 1e-12
    # the same two units, as a reference-sized copy of themselves, match perfectly at d = 2
    assert compare(two, two, 2).mean_correlation == pytest.approx(1.0)


def test_removing_direction_means():
    rng = np.random.default_rng(5)
    C, T, N = 4, 25, 6
    t = np.linspace(0, 1, T)
    # activity whose time average is the same in every direction: nothing to remove but the mean
    dynamics = np.stack([np.sin(2 * np.pi * (t[:, None] * (k + 1)) + c) for c in range(C)
                         for k in range(N)], axis=0).reshape(C, N, T).transpose(0, 2, 1)
    dynamics -= dynamics.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(remove_direction_means(dynamics + 3.0), dynamics, atol=1e-12)
    assert direction_offset_share(dynamics) == pytest.approx(0.0, abs=1e-12)
    # add static per-direction offsets with a known share of the variance
    offsets = rng.normal(size=(C, 1, N))
    offsets -= offsets.mean(axis=0, keepdims=True)
    mixed = dynamics + offsets
    expected = T * (offsets**2).sum() / (T * (offsets**2).sum() + (dynamics**2).sum())
    assert direction_offset_share(mixed) == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(remove_direction_means(mixed), dynamics, atol=1e-12)
    assert direction_offset_share(np.repeat(offsets, T, axis=1)) == pytest.approx(1.0)


def test_mean_canonical_correlation():
    A = _random_set(0)
    assert mean_canonical_correlation(A, A) == pytest.approx(1.0)


def test_plots_draw_what_they_are_given():
    import matplotlib.pyplot as plt

    from ffhlib.inference import paired_comparison
    from ffhlib.plotting import similarity as splots
    from ffhlib.plotting.style import color
    from ffhlib.study import KindSummary

    rng = np.random.default_rng(0)
    angles = np.linspace(0, 2 * np.pi, 4, endpoint=False)
    latents = {"SOC": rng.normal(size=(4, 10, 3)), "FF": rng.normal(size=(4, 10, 3))}
    fig = splots.plot_pc_trajectories(latents, angles)
    assert any(ax.get_label() == "direction key" for ax in fig.axes)  # the colour map's key
    summaries = {k: KindSummary(kind=k, ground_truths=np.arange(3), per_ground_truth=v,
                                mean=float(v.mean()), low=float(v.min()), high=float(v.max()),
                                n_units=3)
                 for k, v in (("ff", rng.uniform(size=3)), ("ffh", rng.uniform(size=3)))}
    ax = splots.plot_kinds(summaries, ylabel="mean CC")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["FF", "FFH"]
    assert ax.get_ylabel() == "mean CC"
    groups = np.repeat(np.arange(3), 2)
    effect = paired_comparison(rng.uniform(size=6), rng.uniform(size=6), groups)
    ax = splots.plot_ground_truth_effects(effect, ylabel="FFH - FF")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "all"]
    ax = splots.plot_summary_curves([2, 3], {"ffh": (np.array([0.5, 0.6]), np.array([0.4, 0.5]),
                                                     np.array([0.6, 0.7]))},
                                    xlabel="d", ylabel="mean CC")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [0.5, 0.6])
    assert line.get_color() == color("FFH")
    plt.close("all")


# --- the condition-dependent part ---------------------------------------------------------------


def _loop_condition_dependent(rates):
    """Plain-loop reference: r(c, t, i) minus the mean over directions c' of r(c', t, i)."""
    C, T, N = rates.shape
    out = np.empty_like(rates)
    for t in range(T):
        for i in range(N):
            m = sum(rates[c, t, i] for c in range(C)) / C
            for c in range(C):
                out[c, t, i] = rates[c, t, i] - m
    return out


def test_condition_free_activity_has_no_condition_dependent_part():
    rng = np.random.default_rng(0)
    # integer-valued rates: the mean over 8 directions is exact, so the part is exactly 0
    course = rng.integers(0, 50, size=(1, 30, 5)).astype(float)
    same = np.repeat(course, 8, axis=0)
    assert np.array_equal(condition_dependent(same), np.zeros_like(same))
    assert shared_variance_share(same) == 1.0
    # any float time course: 0 up to rounding, share 1
    course = rng.normal(size=(1, 30, 5)) * 20 + 5
    same = np.repeat(course, 6, axis=0)
    np.testing.assert_allclose(condition_dependent(same), 0.0, atol=1e-12 * np.abs(same).max())
    assert shared_variance_share(same) == pytest.approx(1.0, abs=1e-12)


def test_condition_only_activity_is_unchanged():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 30, 5))
    only = x - x.mean(axis=0, keepdims=True)  # zero mean over directions at every time
    np.testing.assert_allclose(condition_dependent(only), only, atol=1e-13)
    np.testing.assert_allclose(condition_dependent(only + 7.0), only, atol=1e-12)
    assert shared_variance_share(only) == pytest.approx(0.0, abs=1e-12)
    assert shared_variance_share(only + 7.0) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_condition_dependent_against_a_loop_and_the_share_as_a_variance_split(seed):
    rng = np.random.default_rng(seed)
    rates = rng.normal(size=(5, 7, 3)) + rng.normal(size=(1, 7, 3)) * 3
    cd = condition_dependent(rates)
    np.testing.assert_allclose(cd, _loop_condition_dependent(rates), atol=1e-12)
    centred = rates - rates.mean(axis=(0, 1), keepdims=True)
    # the two parts are orthogonal: share = 1 - |r_cd|^2 / |r - mean|^2
    assert shared_variance_share(rates) == pytest.approx(
        1 - (cd**2).sum() / (centred**2).sum(), abs=1e-12)
    assert 0 < shared_variance_share(rates) < 1


def test_condition_dependent_and_remove_direction_means_are_different_operations():
    C, T = 8, 40
    t = np.linspace(0, 1, T)
    angle = 2 * np.pi * np.arange(C) / C
    course = np.broadcast_to(np.sin(2 * np.pi * t)[None, :, None], (C, T, 1))  # shared in time
    offsets = np.broadcast_to(np.cos(angle)[:, None, None], (C, T, 1))  # static per direction
    # the shared time course: removed by condition_dependent, kept by remove_direction_means
    np.testing.assert_allclose(condition_dependent(course), 0.0, atol=1e-12)
    np.testing.assert_allclose(remove_direction_means(course), course - course.mean(), atol=1e-12)
    # static direction offsets (zero mean over directions): the other way round
    np.testing.assert_allclose(condition_dependent(offsets), offsets, atol=1e-12)
    np.testing.assert_allclose(remove_direction_means(offsets), 0.0, atol=1e-12)


def test_condition_dependent_guards():
    with pytest.raises(ValueError, match="2 conditions"):
        condition_dependent(np.ones((1, 5, 2)))
    with pytest.raises(ValueError, match="rates"):
        condition_dependent(np.ones((5, 2)))
    with pytest.raises(ValueError, match="constant"):
        shared_variance_share(np.ones((3, 5, 2)))
    with pytest.raises(ValueError, match="2 conditions"):
        shared_variance_share(np.ones((1, 5, 2)))


# --- the oracle --------------------------------------------------------------------------------


def _latents(seed, C=8, T=30, k=4, scales=None):
    """k latent time courses over C directions x T times, exactly uncorrelated (orthonormal
    after centring) and scaled by ``scales``."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(C * T, k))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))
    scales = np.ones(k) if scales is None else np.asarray(scales)
    return (Q * scales).reshape(C, T, k)


def test_oracle_is_every_neuron_outside_the_scored_half():
    rng = np.random.default_rng(2)
    rates = rng.normal(size=(3, 4, 20))
    halves = (np.array([2, 7, 11]), np.array([0, 15, 19]))
    for scored in (0, 1):
        keep = [i for i in range(20) if i not in halves[scored]]
        assert np.array_equal(oracle_activity(rates, halves, scored), rates[:, :, keep])
    # the other half of E stays in the oracle
    assert oracle_activity(rates, [[2, 7, 11], [0, 15, 19]], 0).shape == (3, 4, 17)


@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_matches_halves_that_are_linear_images_of_the_other_neurons(seed):
    rng = np.random.default_rng(seed)
    k = 4
    Z = _latents(seed, k=k)
    rates = Z @ rng.normal(size=(k, 40)) + rng.normal(size=40)  # every neuron a linear image
    halves = (np.arange(0, 16, 2), np.arange(1, 16, 2))
    for scored in (0, 1):
        oracle = oracle_activity(rates, halves, scored)
        score = compare(rates[:, :, halves[scored]], oracle, d=k)
        assert score.mean_correlation == pytest.approx(1.0, abs=1e-8)


def test_the_oracle_is_a_reference_not_a_bound():
    """PCA then CCA is not monotone in the neurons: adding neurons to the other half of E can
    lower its score with the scored half (they move the top principal components)."""
    rng = np.random.default_rng(3)
    Z = _latents(3, k=4, scales=[1.0, 0.8, 30.0, 25.0])
    scored = Z[:, :, :2] @ rng.normal(size=(2, 6))  # varies along latents 0 and 1 only
    other = Z[:, :, :2] @ rng.normal(size=(2, 6))
    pool = Z[:, :, 2:] @ rng.normal(size=(2, 10))  # large variance along latents 2 and 3
    rates = np.concatenate([scored, other, pool], axis=2)
    halves = (np.arange(6), np.arange(6, 12))
    oracle = oracle_activity(rates, halves, 0)
    with_other_half = compare(scored, other, d=2).mean_correlation
    with_oracle = compare(scored, oracle, d=2).mean_correlation
    assert with_other_half == pytest.approx(1.0, abs=1e-8)
    assert with_oracle < 0.1 < with_other_half  # a superset scores far lower


def test_oracle_guards():
    rates = np.zeros((2, 3, 10))
    with pytest.raises(ValueError, match="disjoint"):
        oracle_activity(rates, ([1, 2], [2, 3]), 0)
    with pytest.raises(ValueError, match=r"halves\[1\].*\[0, 10\)"):
        oracle_activity(rates, ([1, 2], [3, 10]), 0)
    with pytest.raises(ValueError, match="integer indices"):
        oracle_activity(rates, ([1.0, 2.0], [3, 4]), 0)
    with pytest.raises(ValueError, match="non-empty"):
        oracle_activity(rates, ([], [3, 4]), 0)
    with pytest.raises(ValueError, match="pair"):
        oracle_activity(rates, ([1, 2],), 0)
    with pytest.raises(ValueError, match="scored"):
        oracle_activity(rates, ([1, 2], [3, 4]), 2)
    with pytest.raises(TypeError, match="scored"):
        oracle_activity(rates, ([1, 2], [3, 4]), 0.0)
