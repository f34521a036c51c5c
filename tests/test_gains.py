"""Gain learning: exact gradient vs finite differences, optimal readout, convergence, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import r2_score as sklearn_r2

from ffhlib.dynamics import RateParams, preparatory_state, readout_emg, simulate_rates
from ffhlib.gains import (
    GainFit,
    GainParams,
    fit_readout,
    gain_similarity,
    learn_gains,
    loss_and_gradient,
    r2_score,
)


def stable_dale(n: int, seed: int, radius: float = 0.8) -> np.ndarray:
    """A random balanced E/I matrix (Dale column-wise, zero diagonal) with W - I stable."""
    rng = np.random.default_rng(seed)
    W = np.abs(rng.normal(size=(n, n))) * (rng.random((n, n)) < 0.5)
    W[:, n // 2:] *= -W[:, : n // 2].sum() / W[:, n // 2:].sum()
    np.fill_diagonal(W, 0.0)
    return W * radius / np.max(np.abs(np.linalg.eigvals(W)))


def realizable_problem(N=16, C=3, T=30, M=2, seed=0):
    """Targets produced by the same SOC under hidden gains: a problem with an exact solution."""
    rng = np.random.default_rng(seed)
    W = stable_dale(N, seed, radius=0.9)
    p = RateParams(tau_ms=50.0)
    x0 = preparatory_state(W, p)
    true_gains = rng.uniform(0.5, 2.0, size=(C, N))
    rates = simulate_rates(W, true_gains, x0, T, p)
    readout = rng.normal(size=(M, N // 2)) / N
    bias = rng.normal(size=M)
    targets = readout_emg(rates, readout, bias, N // 2)
    return W, N // 2, x0, targets, p


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_matches_finite_differences(seed):
    W, ne, x0, targets, p = realizable_problem(seed=seed)
    rng = np.random.default_rng(10 + seed)
    gains = rng.uniform(0.6, 1.6, size=(targets.shape[0], W.shape[0]))
    readout = rng.normal(size=(targets.shape[2], ne)) / 10
    bias = rng.normal(size=targets.shape[2])
    h = 1e-6
    # fixed readout
    loss, grad = loss_and_gradient(W, ne, x0, targets, gains, p, readout=readout, bias=bias)
    fd = np.empty_like(gains)
    for idx in np.ndindex(*gains.shape):
        e = np.zeros_like(gains)
        e[idx] = h
        lp, _ = loss_and_gradient(W, ne, x0, targets, gains + e, p, readout=readout, bias=bias)
        lm, _ = loss_and_gradient(W, ne, x0, targets, gains - e, p, readout=readout, bias=bias)
        fd[idx] = (lp - lm) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7 * np.abs(fd).max())
    # profile loss (readout refitted by least squares): the envelope theorem makes the partial
    # derivative at the optimal readout the full derivative
    _, grad = loss_and_gradient(W, ne, x0, targets, gains, p)
    for idx in [(0, 0), (1, 3), (2, W.shape[0] - 1), (0, ne)]:
        e = np.zeros_like(gains)
        e[idx] = h
        lp, _ = loss_and_gradient(W, ne, x0, targets, gains + e, p)
        lm, _ = loss_and_gradient(W, ne, x0, targets, gains - e, p)
        assert grad[idx] == pytest.approx((lp - lm) / (2 * h), rel=1e-4, abs=1e-9)


def test_least_squares_readout_is_optimal():
    W, ne, x0, targets, p = realizable_problem(N=20, C=4, T=40, M=3, seed=2)
    rates = simulate_rates(W, np.full((4, 20), 1.3), x0, 40, p)
    readout, bias = fit_readout(rates, targets, ne)
    # independent reference: QR least squares (fitted values are unique even when the
    # coefficients are ill-determined by nearly collinear rates)
    X = np.concatenate([rates[:, :, :ne].reshape(-1, ne), np.ones((160, 1))], axis=1)
    q, _ = np.linalg.qr(X)
    want = q @ (q.T @ targets.reshape(-1, 3))
    got = readout_emg(rates, readout, bias, ne).reshape(-1, 3)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8 * np.abs(want).max())

    def sse(w, b):
        return np.sum((readout_emg(rates, w, b, ne) - targets) ** 2)

    best = sse(readout, bias)
    rng = np.random.default_rng(0)
    for _ in range(10):
        assert sse(readout + 1e-3 * rng.normal(size=readout.shape), bias) > best
        assert sse(readout, bias + 1e-3 * rng.normal(size=bias.shape)) > best


def test_learning_fits_a_realizable_problem():
    W, ne, x0, targets, p = realizable_problem(N=24, C=4, T=40, M=3, seed=3)
    params = GainParams(n_steps=200, learning_rate=0.05)
    fit = learn_gains(W, ne, x0, targets, params, p)
    assert isinstance(fit, GainFit)
    assert fit.r2_trace.shape == (201,)
    assert fit.r2_trace[0] < 0.9
    assert fit.r2 > 0.99
    assert fit.r2 == pytest.approx(r2_score(fit.emg, targets))
    assert fit.r2_per_direction.shape == (4,)
    assert np.all(fit.gains >= params.gain_min) and np.all(fit.gains <= params.gain_max)
    # the returned activity is what the returned gains and readout produce
    np.testing.assert_allclose(fit.rates, simulate_rates(W, fit.gains, x0, 40, p), rtol=1e-12)
    np.testing.assert_allclose(fit.emg, readout_emg(fit.rates, fit.readout, fit.bias, ne),
                               rtol=1e-10, atol=1e-12)


def test_gains_are_clipped():
    W, ne, x0, targets, p = realizable_problem(seed=4)
    params = GainParams(n_steps=30, learning_rate=0.5, gain_min=0.9, gain_max=1.1)
    fit = learn_gains(W, ne, x0, targets, params, p)
    assert fit.gains.min() >= 0.9 and fit.gains.max() <= 1.1
    assert np.any(fit.gains == 0.9) or np.any(fit.gains == 1.1)


def test_r2_score_reference():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(3, 5, 2))
    yhat = y + 0.1 * rng.normal(size=y.shape)
    # independent reference: scikit-learn's variance-weighted multi-output R^2 (muscles = columns)
    want = sklearn_r2(y.reshape(-1, 2), yhat.reshape(-1, 2), multioutput="variance_weighted")
    assert r2_score(yhat, y) == pytest.approx(want)
    # an offset on one muscle does not change the score (each muscle has its own reference)
    shifted = np.array([0.0, 50.0])
    assert r2_score(yhat + shifted, y + shifted) == pytest.approx(want)
    per = r2_score(yhat, y, axis=(1, 2))
    assert per[1] == pytest.approx(r2_score(yhat[1], y[1]))
    assert r2_score(y, y) == 1.0


def test_bad_input():
    W, ne, x0, targets, p = realizable_problem(seed=0)
    with pytest.raises(ValueError, match="gain_max"):
        GainParams(gain_min=2.0, gain_max=1.0)
    with pytest.raises(ValueError, match="gain_min"):
        GainParams(gain_min=-0.1)
    with pytest.raises(TypeError, match="n_steps"):
        GainParams(n_steps="x")
    with pytest.raises(ValueError, match="learning_rate"):
        GainParams(learning_rate=0.0)
    with pytest.raises(ValueError, match="initial_gain"):
        GainParams(initial_gain=10.0)
    with pytest.raises(ValueError, match="x0"):
        learn_gains(W, ne, x0[:-1], targets)
    with pytest.raises(ValueError, match="targets"):
        learn_gains(W, ne, x0, targets[0])
    with pytest.raises(ValueError, match="n_excitatory"):
        learn_gains(W, W.shape[0] + 1, x0, targets)
    with pytest.raises(ValueError, match="W"):
        learn_gains(W[:, :-1], ne, x0, targets)
    with pytest.raises(TypeError, match="params"):
        learn_gains(W, ne, x0, targets, params={"n_steps": 3})
    with pytest.raises(ValueError, match="constant"):
        learn_gains(W, ne, x0, np.ones_like(targets))
    with pytest.raises(ValueError, match="gains"):
        loss_and_gradient(W, ne, x0, targets, np.ones((2, 2)), p)
    with pytest.raises(ValueError, match="readout"):
        loss_and_gradient(W, ne, x0, targets, np.ones((3, W.shape[0])), p, readout=np.ones(2))


def test_gain_similarity_recovers_cosine_tuning():
    # log-gains cos-tuned with orthogonal, centred, equal-norm preferred profiles: corr = cos(dist)
    rng = np.random.default_rng(0)
    uv = rng.normal(size=(50, 2))
    uv -= uv.mean(axis=0)
    uv, _ = np.linalg.qr(uv)
    angles = 2 * np.pi * np.arange(8) / 8
    gains = np.exp(0.3 * (np.cos(angles)[:, None] * uv[:, 0] + np.sin(angles)[:, None] * uv[:, 1]))
    sep, corr = gain_similarity(gains, angles)
    np.testing.assert_allclose(sep, np.pi * np.arange(5) / 4, atol=1e-8)
    np.testing.assert_allclose(corr, np.cos(np.pi * np.arange(5) / 4), atol=1e-10)
    with pytest.raises(ValueError, match="angles"):
        gain_similarity(gains, angles[:3])


def test_plots_draw_without_computing():
    import matplotlib.pyplot as plt

    from ffhlib.plotting import gains as gplots

    rng = np.random.default_rng(0)
    angles = np.linspace(0, 2 * np.pi, 4, endpoint=False)
    time_ms = np.arange(10) * 5.0
    emg = rng.random((4, 10, 3))
    assert gplots.plot_gains(rng.uniform(0.5, 2, (4, 6)), angles, n_excitatory=3) is not None
    assert gplots.plot_soc_rates(time_ms, rng.random((4, 10, 6)), angles, [0, 2]) is not None
    fig = gplots.plot_emg_fit(time_ms, emg, emg + 0.01, angles, ncols=2)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3
    assert gplots.plot_learning_curve(np.linspace(0.5, 0.99, 20)) is not None
    assert gplots.plot_r2_per_direction(angles, np.ones(4), [True, False] * 2) is not None
    assert gplots.plot_gain_similarity(np.arange(3.0), np.ones(3)) is not None
    plt.close("all")
