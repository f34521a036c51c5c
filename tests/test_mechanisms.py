"""Mechanisms: jPCA, fixed points, DSA, against closed forms and independent references.

Tolerances are stated where they are used, with the reason for their size: exact identities
(the same linear algebra done another way) are checked to ~1e-10; optimiser results to the
accuracy their stopping rule gives.
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
from scipy.stats import ortho_group

from ffhlib.dynamics import gain_function
from ffhlib.mechanisms import (
    activity_operator,
    delay_embed,
    dsa_distance,
    dsa_to_references,
    find_fixed_points,
    fit_linear_dynamics,
    fit_operator,
    fit_skew_dynamics,
    gain_function_slope,
    geometry_correlation,
    jpc_planes,
    jpca,
    jpca_derivatives,
    jpca_fit,
    jpca_preprocess,
    r2_dynamics,
    resample_time,
    rnn_jacobian,
    rnn_q,
    rnn_q_gradient,
    rnn_velocity,
    sample_states,
    soc_jacobian,
    soc_onset_spectra,
    spectrum_per_second,
    switched_directions,
)

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _flow(M, x0s, dt, T):
    """Exact samples of the row-convention flow dx/dt = x M: x(t) = x0 expm(M t), (C, T, n)."""
    E = scipy.linalg.expm(M * dt)
    x = np.array(x0s, dtype=float)
    out = np.empty((x.shape[0], T, M.shape[0]))
    for t in range(T):
        out[:, t] = x
        x = x @ E
    return out


def _rotation_block(f_hz):
    w = 2 * np.pi * f_hz
    return np.array([[0.0, w], [-w, 0.0]])  # row convention: dp/dt = p K, counter-clockwise


def _cayley_frequency(f_hz, dt):
    """Frequency that the midpoint scheme recovers exactly from a rotation at f_hz."""
    return np.tan(np.pi * f_hz * dt) / (np.pi * dt)


DT = 0.01  # s
T = 60
ANGLES = 2 * np.pi * np.arange(8) / 8


def _rotation_plus_decay():
    """6-D latent flow: a 2 Hz rotation in dims 0-1, decay at 2-5 1/s in dims 2-5.

    Initial states: first angular harmonic of the 8 directions in the rotation plane, second
    and third harmonics in the decaying dims. Over 8 equally spaced directions the harmonics are
    orthogonal and sum to zero, so (i) the cross-condition mean is zero at every time and
    (ii) rotating and decaying coordinates are uncorrelated at every time: both fits decouple
    and the rotation plane is exactly a plane of the skew fit.
    """
    M = scipy.linalg.block_diag(_rotation_block(2.0), -np.diag([2.0, 3.0, 4.0, 5.0]))
    x0 = np.column_stack([np.cos(ANGLES), np.sin(ANGLES),
                          0.7 * np.cos(2 * ANGLES), 0.7 * np.sin(2 * ANGLES),
                          0.5 * np.cos(3 * ANGLES), 0.5 * np.sin(3 * ANGLES)])
    return _flow(M, x0, DT, T)


# ---------------------------------------------------------------------------------------------
# jPCA
# ---------------------------------------------------------------------------------------------


def test_jpca_recovers_rotation_plane_and_frequency():
    Z = _rotation_plus_decay()
    rng = np.random.default_rng(0)
    N = 40
    Q = np.linalg.qr(rng.normal(size=(N, 6)))[0]  # orthonormal embedding into 40 units
    # a condition-independent time course and per-unit offsets: removed by the preprocessing
    common = np.outer(np.sin(np.linspace(0, 3, T)), rng.normal(size=N)) + rng.normal(size=N)
    res = jpca(Z @ Q.T + common, dt_s=DT, soft_norm=None)
    plane_units = res.preprocessing.components @ res.planes[0]
    # exact up to rounding: the decoupling makes the rotation plane exactly a jPC plane
    assert np.max(scipy.linalg.subspace_angles(plane_units, Q[:, :2])) < 1e-8
    np.testing.assert_allclose(res.frequencies_hz[0], _cayley_frequency(2.0, DT), rtol=1e-9)
    assert abs(res.frequencies_hz[0] - 2.0) < 0.01  # the scheme's bias at dt = 10 ms is 0.13 %
    assert res.frequencies_hz[0] > 10 * res.frequencies_hz[1]  # decay barely rotates
    np.testing.assert_allclose(res.r2_full, 1.0, atol=1e-10)  # exact data of a linear flow
    np.testing.assert_allclose(res.rotational_strength, res.r2_skew / res.r2_full)
    assert 0 < res.rotational_strength < 1


def test_jpca_plane_orientation_convention():
    res = jpca_fit(_rotation_plus_decay(), dt_s=DT)
    P = res.projections  # (C, T, 2)
    # counter-clockwise: the angle of every condition's trajectory increases over time
    phase = np.unwrap(np.arctan2(P[..., 1], P[..., 0]), axis=1)
    assert np.all(np.diff(phase, axis=1) > 0)
    # first axis: direction of largest spread of the initial states, condition 0 on its + side
    P0 = P[:, 0] - P[:, 0].mean(axis=0)
    top = np.linalg.svd(P0)[2][0]
    assert abs(abs(top[0]) - 1) < 1e-10 and P[0, 0, 0] >= 0
    np.testing.assert_allclose(np.einsum("kni,knj->kij", res.planes, res.planes),
                               np.broadcast_to(np.eye(2), (3, 2, 2)), atol=1e-12)


def test_rotational_strength_pure_rotation_and_pure_decay():
    rng = np.random.default_rng(1)
    M_rot = scipy.linalg.block_diag(_rotation_block(1.0), _rotation_block(3.0),
                                    _rotation_block(2.0))
    rot = jpca_fit(_flow(M_rot, rng.normal(size=(8, 6)), DT, T), dt_s=DT)
    # the midpoint fit of an exact rotation is exactly skew (Cayley transform of an orthogonal
    # matrix), so both fits are perfect and the ratio is 1 to rounding
    np.testing.assert_allclose(rot.rotational_strength, 1.0, atol=1e-10)
    np.testing.assert_allclose(rot.frequencies_hz, _cayley_frequency(np.array([3.0, 2.0, 1.0]),
                                                                     DT), rtol=1e-9)
    for seed in range(3):
        x0 = np.random.default_rng(seed).normal(size=(8, 6))
        decay = jpca_fit(_flow(-np.diag([1.0, 2, 3, 4, 5, 6]), x0, DT, T), dt_s=DT)
        np.testing.assert_allclose(decay.r2_full, 1.0, atol=1e-10)
        # a symmetric (non-rotating) flow: the skew fit explains little (0.05-0.07 here)
        assert decay.rotational_strength < 0.2


def test_skew_fit_equals_brute_force_least_squares():
    rng = np.random.default_rng(2)
    S, n = 50, 5
    X = rng.normal(size=(S, n))
    dX = X @ rng.normal(size=(n, n)) + 0.1 * rng.normal(size=(S, n))
    M = fit_skew_dynamics(X, dX)
    np.testing.assert_array_equal(M, -M.T)
    # reference 1: design matrix built column by column from explicit basis matrices
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    basis = []
    for i, j in pairs:
        H = np.zeros((n, n))
        H[i, j], H[j, i] = 1.0, -1.0
        basis.append(H)
    design = np.column_stack([(X @ H).ravel() for H in basis])
    m = np.linalg.lstsq(design, dX.ravel(), rcond=None)[0]
    np.testing.assert_allclose(M, sum(mk * H for mk, H in zip(m, basis, strict=True)),
                               atol=1e-10)
    # reference 2: an iterative nonlinear least-squares solver on the free entries
    res = scipy.optimize.least_squares(
        lambda v: (dX - X @ sum(vk * H for vk, H in zip(v, basis, strict=True))).ravel(),
        np.zeros(len(pairs)), xtol=1e-15, ftol=1e-15, gtol=1e-15)
    np.testing.assert_allclose(M, sum(vk * H for vk, H in zip(res.x, basis, strict=True)),
                               atol=1e-7)
    # and the unconstrained fit is the normal-equations solution, never worse
    M_full = fit_linear_dynamics(X, dX)
    np.testing.assert_allclose(M_full, np.linalg.solve(X.T @ X, X.T @ dX), atol=1e-10)
    assert r2_dynamics(X, dX, M_full) >= r2_dynamics(X, dX, M) - 1e-12


def test_derivative_schemes_never_cross_conditions():
    states = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2) ** 2
    mid = jpca_derivatives(states, dt_s=0.5)
    left = jpca_derivatives(states, dt_s=0.5, scheme="left")
    assert mid.states.shape == (4, 2)  # C (T - 1) pairs
    np.testing.assert_allclose(mid.derivatives[2], (states[1, 1] - states[1, 0]) / 0.5)
    np.testing.assert_allclose(mid.states[1], 0.5 * (states[0, 1] + states[0, 2]))
    np.testing.assert_allclose(left.states[1], states[0, 1])


def test_soft_normalisation_and_mean_removal():
    rng = np.random.default_rng(3)
    rates = rng.random((4, 10, 7)) * np.array([1, 2, 5, 10, 20, 40, 80.0])
    ranges = rates.max(axis=(0, 1)) - rates.min(axis=(0, 1))
    pre = jpca_preprocess(rates, n_pcs=3)
    np.testing.assert_allclose(pre.unit_scale, ranges + 5.0)
    rel = jpca_preprocess(rates, soft_norm=0.2, soft_norm_scale="median_range", n_pcs=3)
    np.testing.assert_allclose(rel.unit_scale, ranges + 0.2 * np.median(ranges))
    np.testing.assert_allclose(pre.condition_mean, (rates / pre.unit_scale).mean(axis=0))
    # states: zero cross-condition mean; PCs orthonormal; explained variance descending
    np.testing.assert_allclose(pre.states.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(pre.components.T @ pre.components, np.eye(3), atol=1e-12)
    assert np.all(np.diff(pre.explained_variance_ratio) <= 0)
    assert pre.explained_variance_ratio.sum() <= 1 + 1e-12


def test_jpca_defaults_on_rate_data_give_consistent_shapes():
    rng = np.random.default_rng(17)
    M = scipy.linalg.block_diag(_rotation_block(1.5), -np.diag([1.0, 2.0, 3.0]))
    Z = _flow(M, rng.normal(size=(8, 5)), DT, 50)
    rates = 20 + 10 * Z @ rng.normal(size=(5, 30))  # Hz-like, mixed with unequal unit scales
    res = jpca(rates, dt_s=DT, n_pcs=5)  # default soft normalisation (5, absolute units)
    assert res.planes.shape == (2, 5, 2) and res.projections.shape == (8, 50, 2)
    assert res.frequencies_hz.shape == res.plane_variance.shape == (2,)
    assert res.preprocessing.components.shape == (30, 5)
    np.testing.assert_allclose(res.preprocessing.unit_scale,
                               np.ptp(rates, axis=(0, 1)) + 5.0)
    assert res.frequencies_hz[0] >= res.frequencies_hz[1] >= 0
    assert 0 < res.rotational_strength <= 1 + 1e-12


def test_jpc_planes_orthonormal_with_repeated_frequencies():
    M = scipy.linalg.block_diag(_rotation_block(1.0), _rotation_block(3.0), _rotation_block(1.0),
                                np.zeros((1, 1)))
    Q = ortho_group.rvs(7, random_state=4)
    planes = jpc_planes(Q.T @ M @ Q)
    np.testing.assert_allclose(planes.frequencies_hz, [3.0, 1.0, 1.0], rtol=1e-10)
    basis = planes.bases.transpose(1, 0, 2).reshape(7, 6)
    np.testing.assert_allclose(basis.T @ basis, np.eye(6), atol=1e-10)
    with pytest.raises(ValueError, match="skew"):
        jpc_planes(np.eye(3))


def test_jpca_validation():
    with pytest.raises(ValueError, match="2 conditions"):
        jpca(np.zeros((1, 10, 5)), dt_s=0.01)
    with pytest.raises(ValueError, match="n_pcs"):
        jpca_preprocess(np.random.default_rng(0).random((3, 10, 5)), n_pcs=6)
    with pytest.raises(ValueError, match="soft_norm"):
        jpca_preprocess(np.ones((3, 10, 5)), soft_norm=-1.0, n_pcs=2)
    with pytest.raises(ValueError, match="soft_norm_scale"):
        jpca_preprocess(np.ones((3, 10, 5)), soft_norm_scale="relative", n_pcs=2)
    with pytest.raises(ValueError, match="constant"):
        jpca_preprocess(np.ones((3, 10, 5)), soft_norm=0.0, n_pcs=2)
    with pytest.raises(ValueError, match="dt_s"):
        jpca_derivatives(np.zeros((2, 5, 3)), dt_s=0.0)
    with pytest.raises(ValueError, match="scheme"):
        jpca_derivatives(np.zeros((2, 5, 3)), dt_s=0.1, scheme="central")


# ---------------------------------------------------------------------------------------------
# Fixed and slow points
# ---------------------------------------------------------------------------------------------


def _random_rnn(N, g, input_scale, seed):
    rng = np.random.default_rng(seed)
    return g * rng.normal(size=(N, N)) / np.sqrt(N), input_scale * rng.normal(size=N)


def _euler_trajectories(J, b, x0s, n_steps=100, step=0.1):
    """States visited by tau dx/dt = F(x) (Euler, dt/tau = step): the usual starting pool."""
    x = np.array(x0s, dtype=float)
    out = np.empty((x.shape[0], n_steps, x.shape[1]))
    for t in range(n_steps):
        out[:, t] = x
        x = x + step * rnn_velocity(x, J, b)
    return out


def _finite_difference_jacobian(f, x, h):
    return np.column_stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def test_q_gradient_and_hessian_vector_product_match_finite_differences():
    from ffhlib.mechanisms.fixed_points import _q_hessp

    J, b = _random_rnn(12, 1.5, 0.5, seed=5)
    x = np.random.default_rng(6).normal(size=12)
    # central differences, h = 1e-6: truncation ~h^2, rounding ~1e-16 q / h; both < 1e-8
    fd = np.array([(rnn_q(x + 1e-6 * e, J, b) - rnn_q(x - 1e-6 * e, J, b)) / 2e-6
                   for e in np.eye(12)])
    np.testing.assert_allclose(rnn_q_gradient(x, J, b), fd, atol=1e-7)
    F = rnn_velocity(x, J, b)
    np.testing.assert_allclose(rnn_q_gradient(x, J, b), rnn_jacobian(x, J).T @ F, atol=1e-12)
    v = np.random.default_rng(7).normal(size=12)
    hess = _finite_difference_jacobian(lambda y: rnn_q_gradient(y, J, b), x, 1e-5)
    np.testing.assert_allclose(_q_hessp(x, v, J, b), hess @ v, atol=1e-6)
    np.testing.assert_allclose(rnn_jacobian(x, J),
                               _finite_difference_jacobian(lambda y: rnn_velocity(y, J, b), x,
                                                           1e-6), atol=1e-8)


def test_finds_the_nine_fixed_points_of_a_decoupled_2d_network():
    # F_i = -x_i + 2 tanh(x_i): zeros at 0 and +-x*, x* = 2 tanh(x*); 3 x 3 = 9 fixed points.
    # Slope -1 + 2 (1 - tanh^2) is +1 at 0 and 1 - x*^2 / 2 < 0 at +-x*: 4 stable points
    # (both coordinates at +-x*), 4 saddles, 1 unstable node.
    x_star = scipy.optimize.brentq(lambda x: -x + 2 * np.tanh(x), 1.0, 3.0, xtol=1e-15)
    values = [-x_star, 0.0, x_star]
    truth = np.array([[a, c] for a in values for c in values])
    truth_stable = np.array([a != 0 and c != 0 for a, c in truth])
    grid = np.linspace(-3, 3, 11)
    starts = np.array([[a, c] for a in grid for c in grid])
    fp = find_fixed_points(2 * np.eye(2), np.zeros(2), starts, q_tol=1e-12)
    assert fp.points.shape == (9, 2) and fp.n_starts.sum() == starts.shape[0]
    match = np.argmin(np.linalg.norm(fp.points[:, None] - truth[None], axis=2), axis=1)
    assert sorted(match) == list(range(9))
    np.testing.assert_allclose(fp.points, truth[match], atol=1e-8)
    np.testing.assert_array_equal(fp.stable, truth_stable[match])
    np.testing.assert_allclose(fp.eigenvalues.real.max(axis=1),
                               [max(1 - 2 * np.tanh(v) ** 2 for v in p) for p in truth[match]],
                               atol=1e-8)


def test_coupled_2d_network_matches_root_from_many_starts():
    J, b = np.array([[2.0, 0.6], [-0.4, 1.8]]), np.array([0.2, -0.1])

    def F(x):
        return -x + J @ np.tanh(x) + b

    # independent reference: scipy's root (hybrid Powell, finite-difference Jacobian) from a grid
    reference = []
    grid = np.linspace(-4, 4, 21)
    for x0 in np.array(np.meshgrid(grid, grid)).reshape(2, -1).T:
        sol = scipy.optimize.root(F, x0, tol=1e-14)
        if sol.success and np.linalg.norm(F(sol.x)) < 1e-10 and not any(
                np.linalg.norm(sol.x - r) < 1e-6 for r in reference):
            reference.append(sol.x)
    reference = np.array(reference)
    ref_stable = [np.max(np.linalg.eigvals(_finite_difference_jacobian(F, r, 1e-6)).real) < 0
                  for r in reference]
    starts = np.random.default_rng(8).uniform(-4, 4, size=(150, 2))
    fp = find_fixed_points(J, b, starts, q_tol=1e-12)
    assert fp.points.shape == reference.shape and len(reference) >= 3
    match = np.argmin(np.linalg.norm(fp.points[:, None] - reference[None], axis=2), axis=1)
    np.testing.assert_allclose(fp.points, reference[match], atol=1e-7)
    np.testing.assert_array_equal(fp.stable, np.array(ref_stable)[match])


def _confirm_with_root(J, b, fp, seed=0):
    """Every point: F ~ 0, and scipy's root, started 1e-3 away, converges back to it."""
    rng = np.random.default_rng(seed)
    for x in fp.points:
        assert np.linalg.norm(rnn_velocity(x, J, b)) < 1e-8
        start = x + 1e-3 * rng.normal(size=x.size)
        sol = scipy.optimize.root(lambda y: rnn_velocity(y, J, b), start, tol=1e-14)
        assert np.linalg.norm(rnn_velocity(sol.x, J, b)) < 1e-10
        assert np.linalg.norm(sol.x - x) < 1e-7


@pytest.mark.parametrize("seed", range(3))
def test_random_network_g_below_one_has_one_stable_point(seed):
    J, b = _random_rnn(15, 0.8, 0.3, seed)
    rng = np.random.default_rng(100 + seed)
    visited = _euler_trajectories(J, b, 2 * rng.normal(size=(4, 15)))
    starts = sample_states(visited, 40, rng=rng, jitter=0.1)
    fp = find_fixed_points(J, b, starts, q_tol=1e-12)
    assert fp.points.shape == (1, 15) and fp.n_starts[0] == 40 and fp.stable[0]
    _confirm_with_root(J, b, fp)
    assert np.max(fp.eigenvalues.real) < 0
    np.testing.assert_allclose(fp.jacobians[0], rnn_jacobian(fp.points[0], J))


@pytest.mark.parametrize("seed", range(3))
def test_random_network_g_above_one_has_several_points(seed):
    J, b = _random_rnn(15, 2.0, 0.0, seed)  # b = 0: the origin is a fixed point, F(-x) = -F(x)
    starts = 2 * np.random.default_rng(200 + seed).normal(size=(60, 15))
    fp = find_fixed_points(J, b, starts, q_tol=1e-12)
    assert len(fp.points) >= 3
    _confirm_with_root(J, b, fp)
    origin = np.flatnonzero(np.linalg.norm(fp.points, axis=1) < 1e-8)
    assert origin.size == 1
    assert fp.stable[origin[0]] == (np.max(np.linalg.eigvals(J - np.eye(15)).real) < 0)
    for x in fp.points:  # odd flow: the point set is symmetric (found from asymmetric starts)
        assert np.min(np.linalg.norm(fp.points + x, axis=1)) < 1e-6


def test_duplicates_are_merged():
    J, b = _random_rnn(15, 0.8, 0.3, seed=9)
    starts = 0.5 * np.random.default_rng(10).normal(size=(25, 15))
    merged = find_fixed_points(J, b, starts, q_tol=1e-12)
    assert merged.points.shape == (1, 15) and merged.n_starts.tolist() == [25]
    # without merging, the 25 end points are all the same point to optimiser accuracy
    unmerged = find_fixed_points(J, b, starts, q_tol=1e-12, merge_distance=0.0)
    assert unmerged.points.shape[0] > 1 and unmerged.n_starts.sum() == 25
    assert np.max(np.linalg.norm(unmerged.points - merged.points[0], axis=1)) < 1e-8


def test_slow_point_is_kept_only_above_its_q():
    # F_1 = -x + 2 tanh(x) + b1 has its maximum at x_c = atanh(1/sqrt 2), value 0.5328 + b1.
    # With b1 = -(that) - 0.01 the two zeros near x_c have annihilated: a slow point ("ghost")
    # at x_c with q = 0.01^2 / 2 = 5e-5 remains, next to one true fixed point at x < 0.
    x_c = np.arctanh(1 / np.sqrt(2))
    b1 = -(-x_c + 2 * np.tanh(x_c)) - 0.01
    J, b = np.diag([2.0, 0.5]), np.array([b1, 0.0])
    starts = np.column_stack([np.linspace(-3, 3, 31), np.linspace(-1, 1, 31)])
    strict = find_fixed_points(J, b, starts)  # default q_tol = 1e-6
    assert strict.points.shape == (1, 2) and strict.points[0, 0] < 0 and strict.stable[0]
    loose = find_fixed_points(J, b, starts, q_tol=1e-4)
    assert loose.points.shape == (2, 2)
    np.testing.assert_allclose(loose.points[1], [x_c, 0.0], atol=1e-6)
    np.testing.assert_allclose(loose.q[1], 5e-5, rtol=1e-8)
    # starts near the ghost only: every descent ends at q = 5e-5 > q_tol, nothing is kept
    none = find_fixed_points(J, b, np.column_stack([np.linspace(0, 2, 5), np.zeros(5)]))
    assert none.points.shape == (0, 2) and none.eigenvalues.shape == (0, 2)
    assert none.stable.shape == (0,) and np.allclose(none.q_per_start, 5e-5, rtol=1e-6)


def test_sample_states_is_seeded_and_without_replacement():
    traj = np.arange(2 * 5 * 3, dtype=float).reshape(2, 5, 3)
    a = sample_states(traj, 10, rng=11)
    np.testing.assert_array_equal(a, sample_states(traj, 10, rng=np.random.default_rng(11)))
    assert len({tuple(r) for r in a}) == 10
    assert sample_states(traj[0], 5, rng=0).shape == (5, 3)
    jittered = sample_states(traj, 10, rng=11, jitter=0.01)
    assert 0 < np.max(np.abs(jittered - a)) < 0.1
    with pytest.raises(ValueError, match="n_samples"):
        sample_states(traj, 11, rng=0)
    with pytest.raises(TypeError, match="rng"):
        sample_states(traj, 2, rng=None)


def test_fixed_point_validation():
    with pytest.raises(ValueError, match="input_current"):
        find_fixed_points(np.eye(3), np.zeros(2), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="initial_states"):
        find_fixed_points(np.eye(3), np.zeros(3), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="q_tol"):
        find_fixed_points(np.eye(3), np.zeros(3), np.zeros((1, 3)), q_tol=0.0)


def test_geometry_correlation_by_hand():
    # 1-D states: distances (1, 3, 2) and (2, 3, 1), deviations from their mean 2 are
    # (-1, 1, 0) and (0, 1, -1): covariance 1, variances 2, r = 0.5
    assert geometry_correlation([[0.0], [1.0], [3.0]], [[0.0], [2.0], [3.0]]) == pytest.approx(0.5)


def test_geometry_correlation_ignores_rotation_translation_and_scale():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(8, 5))
    moved = 3.0 * a @ ortho_group.rvs(5, random_state=4) + rng.normal(size=5)
    assert geometry_correlation(a, moved) == pytest.approx(1.0, abs=1e-12)
    # another space of another dimension: an embedding into 9 dimensions keeps the distances
    embedded = a @ np.linalg.qr(rng.normal(size=(9, 5)))[0].T
    assert geometry_correlation(a, embedded) == pytest.approx(1.0, abs=1e-12)
    assert geometry_correlation(a, rng.normal(size=(8, 3))) < 0.9


def test_geometry_correlation_is_nan_when_one_arrangement_has_no_spread():
    triangle = np.eye(3)  # all distances sqrt(2), exactly
    assert np.isnan(geometry_correlation(triangle, [[0.0], [1.0], [3.0]]))
    with pytest.raises(ValueError, match="3 conditions"):
        geometry_correlation([[0.0], [1.0]], [[0.0], [1.0]])
    with pytest.raises(ValueError, match="b must have shape"):
        geometry_correlation(triangle, [[0.0], [1.0]])


# ---------------------------------------------------------------------------------------------
# SOC Jacobian and spectra
# ---------------------------------------------------------------------------------------------


def test_soc_jacobian_matches_finite_differences_of_gain_function():
    rng = np.random.default_rng(12)
    N = 8
    W = rng.normal(size=(N, N))
    gains = rng.uniform(0.5, 2.0, size=N)
    x = rng.choice([-1, 1], size=N) * rng.uniform(1.0, 40.0, size=N)  # Hz, both branches

    def flow(y):
        return -y + W @ gain_function(y, gains)

    # h = 1e-4 Hz: truncation ~h^2 |f'''| < 1e-9, rounding ~1e-16 * 100 / h = 1e-10
    np.testing.assert_allclose(soc_jacobian(W, x, gains),
                               _finite_difference_jacobian(flow, x, 1e-4), atol=1e-7)
    np.testing.assert_allclose(soc_jacobian(W, np.zeros(N), np.ones(N)), W - np.eye(N))
    # the slope is continuous at 0 (both branches give g)
    np.testing.assert_allclose(gain_function_slope([-1e-12, 0.0, 1e-12], 1.7), 1.7)


def test_spectrum_per_second_scales_and_sorts():
    eig = np.array([-1.0, 0.5 - 2j, -0.2, 0.5 + 2j])
    np.testing.assert_allclose(spectrum_per_second(eig, 200.0),
                               [2.5 + 10j, 2.5 - 10j, -1.0, -5.0])
    np.testing.assert_allclose(spectrum_per_second(eig, 10.0)[-1], -100.0)
    with pytest.raises(ValueError, match="tau_ms"):
        spectrum_per_second(eig, 0.0)
    with pytest.raises(ValueError, match="1-D"):
        spectrum_per_second(np.zeros((2, 2)), 10.0)


def test_soc_onset_spectra_without_recurrence_is_the_leak_alone():
    rng = np.random.default_rng(5)
    gains = rng.uniform(0.5, 2.0, size=(3, 6))
    out = soc_onset_spectra(np.zeros((6, 6)), 10 * rng.normal(size=6), gains, r0=20.0,
                            r_max=100.0, tau_ms=200.0, n_eigenvalues=4)
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out, -1 / 0.2)  # -1 / tau, in 1/s


def test_soc_onset_spectra_of_a_diagonal_circuit_at_rest():
    # W diagonal and x0 = 0, where f'(0; g) = g: eigenvalues (-1 + w_i g_ci) / tau exactly
    w = np.array([0.5, 2.0, -1.0, 1.5])
    gains = np.array([[1.0, 0.2, 1.0, 1.0], [2.0, 1.0, 0.5, 0.1]])
    out = soc_onset_spectra(np.diag(w), np.zeros(4), gains, r0=20.0, r_max=100.0,
                            tau_ms=200.0, n_eigenvalues=2)
    expected = np.sort((-1 + w * gains) / 0.2, axis=1)[:, ::-1][:, :2]
    np.testing.assert_allclose(out, expected, atol=1e-12)
    with pytest.raises(ValueError, match="gains"):
        soc_onset_spectra(np.diag(w), np.zeros(4), gains[:, :3], r0=20.0, r_max=100.0,
                          tau_ms=200.0, n_eigenvalues=2)
    with pytest.raises(ValueError, match="n_eigenvalues"):
        soc_onset_spectra(np.diag(w), np.zeros(4), gains, r0=20.0, r_max=100.0, tau_ms=200.0,
                          n_eigenvalues=5)


# ---------------------------------------------------------------------------------------------
# Dynamical similarity analysis
# ---------------------------------------------------------------------------------------------


def _stable_operator(n, seed, radius=0.95):
    A = np.random.default_rng(seed).normal(size=(n, n))
    return radius * A / np.max(np.abs(np.linalg.eigvals(A)))


def _linear_map_trajectories(A, C, T, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(C, A.shape[0]))
    out = np.empty((C, T, A.shape[0]))
    for t in range(T):
        out[:, t] = x
        x = x @ A.T  # column convention x_{t+1} = A x_t, applied to rows
    return out


def test_delay_embedding_layout():
    traj = np.arange(2 * 5 * 3, dtype=float).reshape(2, 5, 3)
    H = delay_embed(traj, 2)
    assert H.shape == (2, 4, 6)
    np.testing.assert_array_equal(H[1, 2], np.concatenate([traj[1, 2], traj[1, 3]]))
    # the last sample of condition 0 holds condition 0 only
    np.testing.assert_array_equal(H[0, -1], np.concatenate([traj[0, 3], traj[0, 4]]))
    np.testing.assert_array_equal(delay_embed(traj, 1), traj)
    with pytest.raises(ValueError, match="n_delays"):
        delay_embed(traj, 6)


def test_resample_time_is_exact_for_linear_signals():
    t_old = np.array([0.0, 0.01, 0.025, 0.05])
    values = np.stack([np.outer(t_old, [1.0, -2.0]) + c for c in range(3)])  # (3, 4, 2)
    t_new = np.linspace(0, 0.05, 7)
    out = resample_time(values, t_old, t_new)
    np.testing.assert_allclose(out, np.stack([np.outer(t_new, [1.0, -2.0]) + c for c in range(3)]),
                               atol=1e-14)
    assert resample_time(values[0], t_old, t_new).shape == (7, 2)
    with pytest.raises(ValueError, match="extrapolation"):
        resample_time(values, t_old, [0.06])


def test_fit_operator_recovers_a_linear_system_up_to_rotation():
    A = _stable_operator(4, seed=13)
    traj = _linear_map_trajectories(A, C=5, T=40, seed=14)
    fit = fit_operator(traj, n_delays=1, rank=4)
    np.testing.assert_allclose(fit.r2, 1.0, atol=1e-10)
    np.testing.assert_allclose(fit.explained_variance_ratio.sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(fit.A, fit.basis.T @ A @ fit.basis, atol=1e-10)
    # distance tolerance: optimiser accuracy ~1e-8 on a norm-2 operator
    assert dsa_distance(fit.A, A).distance < 1e-6
    # with delays, the embedded system is a (non-orthogonal) change of basis: same spectrum
    delayed = fit_operator(traj, n_delays=3, rank=4)
    np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(delayed.A)),
                               np.sort_complex(np.linalg.eigvals(A)), atol=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_dsa_zero_for_orthogonal_conjugates(seed):
    A = _stable_operator(5, seed=seed)
    R = ortho_group.rvs(5, random_state=seed)
    R = R if np.linalg.det(R) > 0 else R @ np.diag([-1.0, 1, 1, 1, 1])  # a rotation
    reflection = R @ np.diag([-1.0, 1, 1, 1, 1])
    for C in (R, reflection):
        res = dsa_distance(A, C @ A @ C.T, rng=seed)
        assert res.distance < 1e-6 * np.linalg.norm(A) and res.angular < 1e-6
        np.testing.assert_allclose(res.C.T @ res.C, np.eye(5), atol=1e-10)


def test_dsa_matches_brute_force_over_o2_for_a_non_normal_pair():
    A = np.diag([-1.0, -2.0])
    B = np.array([[-1.0, 3.0], [0.0, -2.0]])  # same spectrum, non-normal
    theta = np.linspace(0, 2 * np.pi, 200_001)
    c, s = np.cos(theta), np.sin(theta)
    rotations = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    brute = min(np.min(np.linalg.norm(A - Cs @ B @ Cs.transpose(0, 2, 1), axis=(1, 2)))
                for Cs in (rotations, rotations @ np.diag([1.0, -1.0])))
    res = dsa_distance(A, B)
    assert res.distance > 0.1
    # the grid step 3e-5 rad moves a smooth minimum by ~1e-9; asked for 1e-3
    assert abs(res.distance - brute) < 1e-3 and res.distance <= brute + 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_dsa_optimiser_never_beaten_by_random_orthogonal_matrices(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    res = dsa_distance(A, B)
    Qs = ortho_group.rvs(4, size=10_000, random_state=seed)  # Haar over O(4)
    random = np.linalg.norm(A - Qs @ B @ Qs.transpose(0, 2, 1), axis=(1, 2))
    assert res.distance <= random.min() + 1e-12
    assert res.determinant == round(np.linalg.det(res.C))
    # angular form: law of cosines with the same optimum
    na, nb = np.linalg.norm(A), np.linalg.norm(B)
    np.testing.assert_allclose(res.distance**2, na**2 + nb**2 - 2 * na * nb * np.cos(res.angular),
                               rtol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_dsa_is_symmetric(seed):
    rng = np.random.default_rng(50 + seed)
    A, B = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    np.testing.assert_allclose(dsa_distance(A, B).distance, dsa_distance(B, A).distance,
                               atol=1e-8)


def test_dsa_grows_with_the_size_of_a_perturbation():
    A = _stable_operator(4, seed=15)
    P = np.random.default_rng(16).normal(size=(4, 4))
    P /= np.linalg.norm(P)
    sizes = [0.01, 0.03, 0.1, 0.3]
    d = [dsa_distance(A, A + eps * P).distance for eps in sizes]
    assert np.all(np.diff(d) > 0)
    assert all(di <= eps + 1e-12 for di, eps in zip(d, sizes, strict=True))  # C = I is feasible


def test_dsa_in_one_dimension():
    res = dsa_distance([[2.0]], [[3.0]])
    np.testing.assert_allclose([res.distance, res.angular], [1.0, 0.0], atol=1e-15)


def test_dsa_validation():
    with pytest.raises(ValueError, match="same shape"):
        dsa_distance(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="n_starts"):
        dsa_distance(np.eye(2), np.eye(2), n_starts=0)
    with pytest.raises(ValueError, match="rank"):
        fit_operator(np.zeros((2, 10, 3)), n_delays=2, rank=7)


@pytest.mark.parametrize("seed", range(2))
def test_activity_operator_is_blind_to_an_orthogonal_map_of_the_units(seed):
    A = _stable_operator(4, seed=20 + seed)
    latent = _linear_map_trajectories(A, C=6, T=30, seed=30 + seed)  # (6, 30, 4)
    rng = np.random.default_rng(40 + seed)
    rates = latent @ np.linalg.qr(rng.normal(size=(12, 4)))[0].T  # into 12 units
    moved = rates @ ortho_group.rvs(12, random_state=seed) + rng.normal(size=12)  # + offsets
    kw = dict(n_pcs=4, n_delays=3, rank=6)
    a, b = activity_operator(rates, **kw), activity_operator(moved, **kw)
    assert a.A.shape == (6, 6) and a.n_delays == 3
    # optimiser accuracy ~1e-8 on operators of norm ~2
    assert dsa_distance(a.A, b.A).distance < 1e-6


def test_activity_operator_caps_components_and_rank():
    traj = _linear_map_trajectories(_stable_operator(3, seed=1), C=4, T=20, seed=2)
    fit = activity_operator(traj, n_pcs=10, n_delays=2, rank=50)  # 3 units: 3 PCs, rank <= 6
    assert fit.rank == 6 and fit.basis.shape == (6, 6)
    with pytest.raises(ValueError, match="n_pcs"):
        activity_operator(traj, n_pcs=0, n_delays=2, rank=2)


def test_dsa_to_references_averages_the_distances():
    A, B = _stable_operator(3, seed=5), _stable_operator(3, seed=6)
    R = ortho_group.rvs(3, random_state=7)
    out = dsa_to_references([R @ A @ R.T, B], A, n_starts=2)
    single = [dsa_distance(ref, A, n_starts=2) for ref in (R @ A @ R.T, B)]
    assert [d.distance for d in out.each] == [d.distance for d in single]  # same seeds
    assert out.each[0].distance < 1e-6 < out.each[1].distance
    assert out.distance == pytest.approx(np.mean([d.distance for d in single]), rel=1e-15)
    assert out.angular == pytest.approx(np.mean([d.angular for d in single]), rel=1e-15)
    with pytest.raises(ValueError, match="references"):
        dsa_to_references([], A)


# ---------------------------------------------------------------------------------------------
# Untrained task variants
# ---------------------------------------------------------------------------------------------


def test_switched_directions_are_cyclic():
    np.testing.assert_array_equal(switched_directions(8, 4), [4, 5, 6, 7, 0, 1, 2, 3])
    np.testing.assert_array_equal(switched_directions(8, 9), switched_directions(8, 1))
    np.testing.assert_array_equal(switched_directions(5, 5), np.arange(5))
    with pytest.raises(ValueError, match="offset"):
        switched_directions(8, -1)
