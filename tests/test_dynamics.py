"""Rate dynamics: numba kernels vs plain NumPy loops, gain function, preparatory state, readout."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from ffhlib._rates_kernels import rates_adjoint, rates_forward
from ffhlib.dynamics import (
    RateParams,
    gain_function,
    preparatory_state,
    readout_emg,
    simulate_rates,
)


def stable_dale(n: int, seed: int, n_exc: int | None = None, radius: float = 0.8) -> np.ndarray:
    """A random balanced E/I matrix (Dale column-wise, zero diagonal) with W - I stable."""
    rng = np.random.default_rng(seed)
    n_exc = n // 2 if n_exc is None else n_exc
    W = np.abs(rng.normal(size=(n, n))) * (rng.random((n, n)) < 0.5)
    W[:, n_exc:] *= -W[:, :n_exc].sum() / W[:, n_exc:].sum()
    np.fill_diagonal(W, 0.0)
    W *= radius / np.max(np.abs(np.linalg.eigvals(W)))
    return W


def numpy_euler(W, gains, x0, n_steps, p: RateParams):
    """The obvious reference: one condition at a time, one step at a time."""
    C, N = gains.shape
    out = np.empty((C, n_steps, N))
    for c in range(C):
        x = x0.copy()
        for k in range(n_steps):
            r = gain_function(x, gains[c], p.r0, p.r_max)
            out[c, k] = r
            x = x + p.dt_ms / p.tau_ms * (-x + W @ r)
    return out


def test_gain_function_shape_and_limits():
    x = np.linspace(-500, 500, 2001)
    r = gain_function(x, 1.3, 20.0, 100.0)
    assert np.all(np.diff(r) >= 0)
    assert np.all(np.diff(gain_function(np.linspace(-40, 40, 81), 1.3)) > 0)
    assert r.min() >= -20.0 and r.max() <= 80.0
    assert r.min() == pytest.approx(-20.0, abs=1e-6) and r.max() == pytest.approx(80.0, abs=1e-4)
    slope = (gain_function(1e-6, 1.3) - gain_function(-1e-6, 1.3)) / 2e-6
    assert slope == pytest.approx(1.3, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernel_matches_numpy_loop(seed):
    rng = np.random.default_rng(seed)
    N, C, T = 23, 4, 40
    W = stable_dale(N, seed) * 3.0  # strong weights reach both branches and saturation
    gains = rng.uniform(0.2, 3.0, size=(C, N))
    x0 = rng.normal(scale=30.0, size=N)
    p = RateParams(dt_ms=5.0, tau_ms=50.0)
    got = simulate_rates(W, gains, x0, T, p)
    want = numpy_euler(W, gains, x0, T, p)
    assert got.shape == (C, T, N)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-10)
    assert np.any(got < 0) and np.any(got > 20)


def test_adjoint_kernel_matches_numpy_backprop():
    """The adjoint kernel against an independent NumPy reverse loop (same recursion, vectorised)."""
    rng = np.random.default_rng(3)
    N, C, T = 17, 3, 25
    W = stable_dale(N, 3) * 2.0
    gains = rng.uniform(0.3, 2.0, size=(C, N))
    x0 = np.tile(rng.normal(scale=20.0, size=N), (C, 1))
    p = RateParams()
    states = np.empty((T, C, N))
    rates = np.empty((T, C, N))
    rates_forward(np.ascontiguousarray(W.T), gains, x0, p.step, p.r0, p.r_max, states, rates,
                  np.empty((C, N)))
    drates = rng.normal(size=(T, C, N))
    grad, lam = np.empty((C, N)), np.empty((C, N))
    rates_adjoint(W, gains, states, rates, drates, p.step, p.r0, p.r_max, grad, lam,
                  np.empty((C, N)))
    # reference: explicit derivatives of the gain function by finite formulae
    s = np.where(states < 0, p.r0, p.r_max - p.r0)
    sech2 = 1.0 / np.cosh(gains * states / s) ** 2
    lam_ref = np.zeros((C, N))
    grad_ref = np.zeros((C, N))
    for k in range(T - 1, -1, -1):
        mu = drates[k] + p.step * lam_ref @ W
        grad_ref += states[k] * sech2[k] * mu
        lam_ref = (1 - p.step) * lam_ref + gains * sech2[k] * mu
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-10, atol=1e-12)
    # and lam is dL/dx0 for L = sum(drates * rates): check one coordinate by finite differences
    def loss(x0_row):
        x0b = x0.copy()
        x0b[1] = x0_row
        st, rt = np.empty((T, C, N)), np.empty((T, C, N))
        rates_forward(np.ascontiguousarray(W.T), gains, x0b, p.step, p.r0, p.r_max, st, rt,
                      np.empty((C, N)))
        return np.sum(drates * rt)
    h = 1e-5
    e = np.zeros(N)
    e[4] = h
    fd = (loss(x0[1] + e) - loss(x0[1] - e)) / (2 * h)
    assert fd == pytest.approx(lam[1, 4], rel=1e-6)


def test_preparatory_state_is_top_gramian_direction():
    W = stable_dale(30, 5)
    p = RateParams()
    x0 = preparatory_state(W, p)
    assert np.linalg.norm(x0) == pytest.approx(p.x0_norm * np.sqrt(30))
    assert x0.sum() > 0
    A = W - np.eye(30)
    Q = scipy.linalg.solve_continuous_lyapunov(A.T, -2 * np.eye(30))
    # energy of the linear response from x0 is maximal among random unit directions
    u = x0 / np.linalg.norm(x0)
    assert u @ Q @ u == pytest.approx(np.linalg.eigvalsh(Q)[-1], rel=1e-8)
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = rng.normal(size=30)
        v /= np.linalg.norm(v)
        assert v @ Q @ v < u @ Q @ u
    # Gramian = integral of e^{A^T t} e^{A t} (times 2): check the quadratic form by quadrature
    ts = np.linspace(0, 60, 6001)
    energy = [np.sum((scipy.linalg.expm(A * t) @ u) ** 2) for t in ts[::100]]
    assert 2 * np.trapezoid(energy, ts[::100]) == pytest.approx(u @ Q @ u, rel=0.05)
    np.testing.assert_array_equal(x0, preparatory_state(W, p))  # deterministic


def test_preparatory_state_rejects_unstable():
    with pytest.raises(ValueError, match="stable"):
        preparatory_state(np.eye(4) * 2.0)


def test_readout_emg():
    rng = np.random.default_rng(1)
    rates = rng.normal(size=(3, 5, 8))
    w = rng.normal(size=(2, 4))
    b = rng.normal(size=2)
    emg = readout_emg(rates, w, b, 4)
    assert emg.shape == (3, 5, 2)
    assert emg[1, 2, 0] == pytest.approx(b[0] + w[0] @ rates[1, 2, :4])


def test_bad_input():
    W = stable_dale(6, 0)
    g = np.ones((2, 6))
    x0 = np.ones(6)
    with pytest.raises(ValueError, match="gains"):
        simulate_rates(W, np.ones((2, 5)), x0, 3)
    with pytest.raises(ValueError, match="x0"):
        simulate_rates(W, g, np.ones(5), 3)
    with pytest.raises(ValueError, match="W"):
        simulate_rates(np.ones((6, 5)), g, x0, 3)
    with pytest.raises(ValueError, match="n_steps"):
        simulate_rates(W, g, x0, 0)
    with pytest.raises(TypeError, match="n_steps"):
        simulate_rates(W, g, x0, 2.5)
    with pytest.raises(ValueError, match="gains"):
        simulate_rates(W, -g, x0, 3)
    with pytest.raises(ValueError, match="tau_ms"):
        RateParams(tau_ms=-1.0)
    with pytest.raises(ValueError, match="r_max"):
        RateParams(r0=20.0, r_max=10.0)
    with pytest.raises(TypeError, match="dt_ms"):
        RateParams(dt_ms="x")
    with pytest.raises(ValueError, match="n_excitatory"):
        readout_emg(np.ones((1, 2, 3)), np.ones((1, 4)), np.ones(1), 4)


def test_divergence_raises():
    from ffhlib.errors import DivergenceError

    W = np.full((4, 4), 1e307)
    np.fill_diagonal(W, 0.0)
    with pytest.raises(DivergenceError):
        simulate_rates(W, np.ones((1, 4)), np.ones(4), 5)
