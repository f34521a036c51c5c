"""Measures shared by the stages: R², the EMG error, folds, ridge readouts, angular interpolation.

Each is checked against an independent reference: scikit-learn's R² and ridge regression, a closed
form, or a property that holds by construction.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score as sk_r2

from ffhlib.metrics import (
    angular_interpolation,
    cross_validated_readout,
    direction_folds,
    emg_error,
    leave_one_out_folds,
    r2_score,
    ridge_fit,
)

# --- R² and the EMG error ----------------------------------------------------------------------


def test_r2_equals_scikit_learns_variance_weighted_score():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(5, 20, 3)) + np.array([0.0, 5.0, -2.0])  # muscles with offsets
    predicted = target + 0.3 * rng.normal(size=target.shape)
    flat_t, flat_p = target.reshape(-1, 3), predicted.reshape(-1, 3)
    expected = sk_r2(flat_t, flat_p, multioutput="variance_weighted")
    assert r2_score(predicted, target) == pytest.approx(expected, rel=1e-12)
    err = emg_error(predicted, target)
    assert err.overall == pytest.approx(1 - expected, rel=1e-10)
    assert err.r2 == pytest.approx(expected, rel=1e-12)
    # per direction: 1 - R² of that direction about the muscle means over all directions, so a
    # perfect direction scores 0 and the overall error is their SS-weighted mean
    perfect = predicted.copy()
    perfect[2] = target[2]
    assert emg_error(perfect, target).per_direction[2] == 0.0
    sst = ((target - target.reshape(-1, 3).mean(0)) ** 2).sum(axis=(1, 2))
    assert err.overall == pytest.approx(np.average(err.per_direction, weights=sst))


def test_emg_error_perfect_and_mean_predictions():
    rng = np.random.default_rng(1)
    target = rng.normal(size=(4, 10, 2))
    assert emg_error(target, target).overall == 0.0
    mean = np.broadcast_to(target.mean(axis=(0, 1)), target.shape)
    assert emg_error(mean, target).overall == pytest.approx(1.0)


def test_emg_error_bad_input():
    with pytest.raises(ValueError, match="one shape"):
        emg_error(np.zeros((2, 3, 4)), np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="shape"):
        emg_error(np.zeros((3, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError, match="constant"):
        emg_error(np.zeros((2, 3, 4)), np.ones((2, 3, 4)))


# --- folds -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_directions, n_folds", [(8, 8), (8, 4), (8, 3), (16, 5), (2, 2)])
def test_direction_folds_partition_directions(n_directions, n_folds):
    folds = direction_folds(n_directions, n_folds)
    assert len(folds) == n_folds
    together = np.concatenate(folds)
    assert np.array_equal(np.sort(together), np.arange(n_directions))  # disjoint and complete
    for test in folds:
        train = np.setdiff1d(np.arange(n_directions), test)
        assert np.intersect1d(train, test).size == 0
        assert test.size >= 1 and train.size >= 1


def test_readout_never_sees_a_test_direction():
    """Changing a direction's targets changes no prediction of that direction (held-out)."""
    rng = np.random.default_rng(2)
    rates = rng.normal(size=(8, 15, 6))
    emg = rng.normal(size=(8, 15, 2))
    base = cross_validated_readout(rates, emg, penalty=0.1, n_folds=4)
    for c in range(8):
        other = emg.copy()
        other[c] = rng.normal(size=other[c].shape) * 10
        score = cross_validated_readout(rates, other, penalty=0.1, n_folds=4)
        assert np.allclose(score.predicted[c], base.predicted[c])


def test_leave_one_out_folds():
    splits = leave_one_out_folds(8, folds=(0, 3))
    assert [held for _, held in splits] == [0, 3]
    for train, held in splits:
        assert held not in train and train.size == 7
    assert len(leave_one_out_folds(8)) == 8
    with pytest.raises(ValueError):
        leave_one_out_folds(8, folds=(8,))
    with pytest.raises(ValueError, match="repeat"):
        leave_one_out_folds(8, folds=(1, 1))


def test_direction_folds_bad_input():
    with pytest.raises(ValueError):
        direction_folds(8, 9)
    with pytest.raises(ValueError):
        direction_folds(8, 1)
    with pytest.raises(TypeError):
        direction_folds(8.0, 2)


# --- ridge readout ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(60, 10), (12, 30)])  # primal and dual forms
@pytest.mark.parametrize("penalty", [1e-3, 1.0, 30.0])
def test_ridge_equals_sklearn(shape, penalty):
    rng = np.random.default_rng(3)
    X = rng.normal(size=shape) + 2.0
    Y = X @ rng.normal(size=(shape[1], 3)) + 0.5 + 0.1 * rng.normal(size=(shape[0], 3))
    ours = ridge_fit(X, Y, penalty)
    ref = Ridge(alpha=penalty, fit_intercept=True, solver="svd").fit(X, Y)
    assert np.allclose(ours.weights, ref.coef_.T, atol=1e-8)
    assert np.allclose(ours.intercept, ref.intercept_, atol=1e-8)
    Xn = rng.normal(size=(5, shape[1]))
    assert np.allclose(ours.predict(Xn), ref.predict(Xn), atol=1e-8)


def test_ridge_closed_form_and_zero_penalty():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 5))
    Y = rng.normal(size=(40, 2))
    lam = 2.5
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    W = np.linalg.solve(Xc.T @ Xc + lam * np.eye(5), Xc.T @ Yc)
    assert np.allclose(ridge_fit(X, Y, lam).weights, W)
    design = np.column_stack([X, np.ones(40)])
    coef = np.linalg.lstsq(design, Y, rcond=None)[0]
    ols = ridge_fit(X, Y, 0.0)
    assert np.allclose(ols.weights, coef[:5]) and np.allclose(ols.intercept, coef[5])


def test_readout_is_scale_invariant_and_recovers_linear_map():
    rng = np.random.default_rng(5)
    t = np.linspace(0, 1, 25)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    # smooth latent signals of angle and time, units are random mixtures of them
    latent = np.stack([np.cos(a) * np.sin(np.pi * t)[:, None] * np.array([1, 0.5])
                       + np.sin(a) * np.sin(2 * np.pi * t)[:, None] * np.array([0.2, 1])
                       for a in angles])  # (8, 25, 2)
    rates = latent @ rng.normal(size=(2, 12))
    emg = latent @ rng.normal(size=(2, 3)) + 1.0
    score = cross_validated_readout(rates, emg, penalty=1e-6, n_folds=8)
    assert score.r2 > 0.999
    scaled = cross_validated_readout(100 * rates, emg, penalty=1e-6, n_folds=8)
    assert np.allclose(scaled.predicted, score.predicted)


def test_ridge_bad_input():
    with pytest.raises(ValueError, match="samples"):
        ridge_fit(np.zeros((5, 2)), np.zeros((4, 1)), 1.0)
    with pytest.raises(ValueError):
        ridge_fit(np.zeros((5, 2)), np.zeros((5, 1)), -1.0)
    with pytest.raises(ValueError, match="finite"):
        ridge_fit(np.full((5, 2), np.nan), np.zeros((5, 1)), 1.0)
    with pytest.raises(ValueError, match="share"):
        cross_validated_readout(np.zeros((4, 5, 3)), np.zeros((4, 6, 1)), penalty=1.0, n_folds=2)


# --- the network-free baseline ----------------------------------------------------------------


def test_angular_interpolation():
    rng = np.random.default_rng(7)
    angles = 2 * np.pi * np.arange(8) / 8
    values = rng.normal(size=(8, 4, 3))
    # exact at the known directions (also for angles given outside [0, 2 pi))
    assert np.allclose(angular_interpolation(values, angles, angles + 2 * np.pi), values)
    # half-way = average of the neighbours, across the wrap-around too
    mid = angular_interpolation(values, angles, angles + np.pi / 8)
    assert np.allclose(mid, 0.5 * (values + np.roll(values, -1, axis=0)))
    # a linear function of angle within one interval is reproduced; order of inputs irrelevant
    perm = rng.permutation(8)
    quarter = angular_interpolation(values[perm], angles[perm], [np.pi / 16])
    assert np.allclose(quarter[0], 0.75 * values[0] + 0.25 * values[1])
    with pytest.raises(ValueError, match="distinct"):
        angular_interpolation(values[:2], [0.0, 2 * np.pi], [1.0])
    with pytest.raises(ValueError, match="directions"):
        angular_interpolation(values, angles[:5], [1.0])


def _periodic_linear(knots, knot_values, theta):
    """Independent reference: the signal that is linear in angle between neighbouring knots
    (periodic), evaluated entry by entry with numpy.interp."""
    C = knot_values.shape[0]
    flat = knot_values.reshape(C, -1)
    out = np.empty((len(theta), flat.shape[1]))
    for j in range(flat.shape[1]):
        out[:, j] = np.interp(theta, knots, flat[:, j], period=2 * np.pi)
    return out.reshape(len(theta), *knot_values.shape[1:])


def test_angular_interpolation_is_exact_on_direction_linear_rates():
    """Recorded rates (C, T, N) go through the same scheme as the EMG: each (time, neuron)
    entry is interpolated on its own. The scheme is exact for a signal that is linear in angle
    between neighbouring training directions."""
    rng = np.random.default_rng(11)
    angles = 2 * np.pi * np.arange(8) / 8
    # 1. a signal linear in angle, v = a + b theta, on the arc [0, 7 pi / 4] (no wrap-around)
    a, b = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    rates = a + b * angles[:, None, None]
    inside = np.concatenate([angles[:-1] + np.pi / 8, rng.uniform(0, angles[-1], size=20)])
    predicted = angular_interpolation(rates, angles, inside)
    np.testing.assert_allclose(predicted, a + b * inside[:, None, None], atol=1e-12)
    # 2. any signal linear between neighbours on the whole circle (wrap-around included)
    knots = rng.normal(size=(8, 5, 6)) * 10 + 20
    new = np.concatenate([angles + np.pi / 8, rng.uniform(-np.pi, 3 * np.pi, size=30)])
    np.testing.assert_allclose(angular_interpolation(knots, angles, new),
                               _periodic_linear(angles, knots, new), atol=1e-10)


def test_angular_interpolation_from_every_other_training_direction():
    """Half the training directions (every other one): the gap doubles; still exact for a
    signal linear between the remaining neighbours, not for one with a knot in every gap."""
    rng = np.random.default_rng(12)
    angles = 2 * np.pi * np.arange(8) / 8
    half = angles[::2]
    knots = rng.normal(size=(4, 5, 6))
    skipped = angles[1::2]  # the other training directions, half-way across the wider gaps
    intermediate = angles + np.pi / 8  # the untrained directions, a quarter of the way
    new = np.concatenate([skipped, intermediate])
    predicted = angular_interpolation(knots, half, new)
    np.testing.assert_allclose(predicted, _periodic_linear(half, knots, new), atol=1e-12)
    nxt = np.roll(knots, -1, axis=0)
    np.testing.assert_allclose(predicted[:4], 0.5 * (knots + nxt), atol=1e-12)
    np.testing.assert_allclose(predicted[4::2], 0.75 * knots + 0.25 * nxt, atol=1e-12)
    np.testing.assert_allclose(predicted[5::2], 0.25 * knots + 0.75 * nxt, atol=1e-12)
    # a signal that bends at the skipped directions is linear only on the finer grid: exact
    # from all eight, not from every other one
    full = rng.normal(size=(8, 5, 6))
    np.testing.assert_allclose(angular_interpolation(full, angles, intermediate),
                               _periodic_linear(angles, full, intermediate), atol=1e-12)
    assert np.abs(angular_interpolation(full[::2], half, skipped) - full[1::2]).max() > 0.1
