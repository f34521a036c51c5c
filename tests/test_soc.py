"""Tests of the stability-optimised circuit (ffhlib.soc)."""

import dataclasses

import numpy as np
import pytest
import scipy.linalg

from ffhlib import amplification, soc
from ffhlib.seeds import rng_for
from ffhlib.soc import SOCParams, optimize_soc

SMALL = SOCParams(n_neurons=60, target_abscissa=0.5)  # loose target: ~50 steps


def _kron_lyapunov(A, C):
    """Independent reference: solve A^T X + X A = C as an N^2 linear system (row-major vec)."""
    n = A.shape[0]
    eye = np.eye(n)
    K = np.kron(A.T, eye) + np.kron(eye, A.T)
    return np.linalg.solve(K, C.ravel()).reshape(n, n)


def _reference_step(W, n_exc, eta, gamma, keep, targets, mu=0.0, velocity=0.0):
    """The recipe written out independently with Kronecker-product Lyapunov solves."""
    n = W.shape[0]
    alpha = np.max(np.linalg.eigvals(W).real)
    s = max(1.5 * alpha, alpha + 0.2)
    A = W - s * np.eye(n)
    Q = _kron_lyapunov(A, -2 * np.eye(n))  # A^T Q + Q A = -2I
    P = _kron_lyapunov(A.T, -2 * np.eye(n))  # A P + P A^T = -2I
    G = Q @ P / np.trace(Q @ P)
    W = W.copy()
    W[:, n_exc:] += mu * velocity - eta * G[:, n_exc:]
    WI = np.minimum(W[:, n_exc:], 0)
    order = np.sort(np.abs(WI).ravel())[::-1]
    WI[np.abs(WI) < order[round(keep * WI.size) - 1]] = 0
    W[:, n_exc:] = WI
    W[np.arange(n_exc, n), np.arange(n_exc, n)] = 0
    W[:n_exc, n_exc:] *= targets[0] / W[:n_exc, n_exc:].mean()
    W[n_exc:, n_exc:] *= targets[1] / W[n_exc:, n_exc:].mean()
    return W


@pytest.fixture(scope="module")
def small_net():
    return optimize_soc(SMALL, seed=0, use_cache=False)


def test_initial_matrix():
    p = SOCParams()
    W = soc.initial_soc(p, rng_for(0, "soc"))
    n, ne = p.n_neurons, p.n_excitatory
    assert ne == 100 and W.shape == (n, n)
    assert np.all(np.diag(W) == 0)
    assert soc.dale_ok(W, ne)
    w0 = np.sqrt(2) * p.radius / np.sqrt(p.density * (1 - p.density) * (1 + p.inhibition_ratio**2))
    np.testing.assert_allclose(np.unique(W[:, :ne][W[:, :ne] != 0]), w0 / np.sqrt(n))
    np.testing.assert_allclose(np.unique(W[:, ne:][W[:, ne:] != 0]), -3 * w0 / np.sqrt(n))
    assert abs(np.mean(W != 0) - p.density * (n - 1) / n) < 0.01
    for seed in range(3):
        alpha = soc.spectral_abscissa(soc.initial_soc(p, rng_for(seed, "soc")))
        assert 8.0 < alpha < 13.0  # the initial abscissa: about 11 for N = 200, R = 10


@pytest.mark.parametrize("method", soc.METHOD_CHOICES)
def test_lyapunov_residuals(method):
    rng = np.random.default_rng(1)
    W = soc.initial_soc(SOCParams(n_neurons=30), rng)
    s = 1.5 * soc.spectral_abscissa(W)
    Q, P = soc.lyapunov_pair(W, s, method=method)
    A = W - s * np.eye(30)
    scale = np.linalg.norm(A) * max(np.linalg.norm(Q), np.linalg.norm(P))
    assert np.linalg.norm(A.T @ Q + Q @ A + 2 * np.eye(30)) < 1e-10 * scale
    assert np.linalg.norm(A @ P + P @ A.T + 2 * np.eye(30)) < 1e-10 * scale
    Qk = _kron_lyapunov(A, -2 * np.eye(30))
    np.testing.assert_allclose(Q, Qk, rtol=1e-7, atol=1e-9 * np.abs(Qk).max())


def test_fast_and_reference_update_agree():
    """One step of 'schur' and 'scipy' on the same W, and an independent Kronecker reference."""
    p = SOCParams(n_neurons=24)
    W = soc.initial_soc(p, rng_for(2, "soc"))
    first = soc.soc_update(W, p.n_excitatory, p)  # a generic, already-dense W
    W = first.W
    fast = soc.soc_update(W, p.n_excitatory, p)
    ref = soc.soc_update(W, p.n_excitatory, dataclasses.replace(p, method="scipy"))
    assert fast.abscissa == pytest.approx(ref.abscissa, rel=1e-10)
    assert fast.abscissa == pytest.approx(soc.spectral_abscissa(W), rel=1e-10)
    np.testing.assert_allclose(fast.W, ref.W, rtol=0, atol=1e-10 * np.abs(W).max())
    targets = soc._balance_targets(W, p.n_excitatory, p.inhibition_ratio)
    W_kron = _reference_step(W, p.n_excitatory, p.step_size, p.inhibition_ratio,
                             p.inhibitory_keep, targets)
    np.testing.assert_allclose(fast.W, W_kron, rtol=0, atol=1e-8 * np.abs(W).max())
    np.testing.assert_allclose(fast.velocity, fast.W[:, p.n_excitatory:] - W[:, p.n_excitatory:])
    # with momentum: the previous step's change is added (times mu) before projecting
    mom = soc.soc_update(W, p.n_excitatory, p, velocity=first.velocity)
    W_kron = _reference_step(W, p.n_excitatory, p.step_size, p.inhibition_ratio,
                             p.inhibitory_keep, targets, p.momentum, first.velocity)
    np.testing.assert_allclose(mom.W, W_kron, rtol=0, atol=1e-8 * np.abs(W).max())


def test_invariants_after_optimisation(small_net):
    net, p = small_net, SMALL
    W, ne = net.W, net.n_excitatory
    W0 = soc.initial_soc(p, rng_for(0, "soc"))
    assert W.shape == (60, 60) and ne == 30
    assert np.all(W[:, :ne] >= 0) and np.all(W[:, ne:] <= 0)  # Dale
    assert soc.dale_ok(W, ne)
    assert np.all(np.diag(W) == 0)
    alpha = np.max(np.linalg.eigvals(W).real)
    assert alpha < p.target_abscissa
    assert net.abscissa == pytest.approx(alpha, abs=1e-9)
    assert net.initial_abscissa == pytest.approx(soc.spectral_abscissa(W0), rel=1e-10)
    np.testing.assert_array_equal(W[:, :ne], W0[:, :ne])  # only inhibitory weights are learned
    # E/I balance: mean I weight onto each population = -gamma x mean E weight onto it
    np.testing.assert_allclose(soc.ei_balance(W, ne), p.inhibition_ratio, rtol=1e-12)
    assert np.mean(W[:, ne:] != 0) <= p.inhibitory_keep + 1e-12
    assert net.abscissa_trace.shape == (net.iterations + 1,)
    assert np.all(net.abscissa_trace[:-1] >= p.target_abscissa)
    assert net.seconds > 0


def test_whole_runs_agree_between_methods(small_net):
    ref = optimize_soc(dataclasses.replace(SMALL, method="scipy"), seed=0, use_cache=False)
    assert ref.iterations == small_net.iterations
    np.testing.assert_allclose(ref.abscissa_trace, small_net.abscissa_trace, rtol=1e-6)
    np.testing.assert_allclose(ref.W, small_net.W, atol=1e-6 * np.abs(ref.W).max())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_converges_to_paper_target_small(seed):
    """The default recipe (scaled step, momentum) reaches 0.15 at small N too, in few steps."""
    net = optimize_soc(SOCParams.quick(), seed=seed, use_cache=False)
    assert net.abscissa < 0.15 and soc.dale_ok(net.W, net.n_excitatory)
    assert net.iterations < 500


def test_cache_roundtrip(tmp_path, monkeypatch, small_net):
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path))
    a = optimize_soc(SMALL, seed=0)
    b = optimize_soc(SMALL, seed=0)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.W, small_net.W)
    assert a.seconds == b.seconds and a.iterations == b.iterations
    assert len(list(tmp_path.glob("soc-*.npz"))) == 1


def test_max_iterations_raises():
    with pytest.raises(RuntimeError, match="max_iterations"):
        optimize_soc(dataclasses.replace(SMALL, max_iterations=3), seed=0, use_cache=False)


def test_most_amplified_direction_normal_matrix():
    """For symmetric W, Q = -(W - I)^{-1}: its top eigenvector is W's top eigenvector."""
    rng = np.random.default_rng(0)
    V, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    lam = np.linspace(-2, 0.8, 12)
    W = V @ np.diag(lam) @ V.T
    v = amplification.most_amplified_direction(W)
    assert abs(abs(v @ V[:, -1]) - 1) < 1e-10
    assert np.linalg.norm(v) == pytest.approx(1.0)


def test_transient_amplification(small_net):
    W = small_net.W
    n = W.shape[0]
    tau = 200.0
    t = np.arange(0, 2001, 5.0)
    v = amplification.most_amplified_direction(W)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, n))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    best = amplification.linear_response_norm(W, v, t, tau_ms=tau)
    rand = amplification.linear_response_norm(W, X, t, tau_ms=tau)
    assert best.shape == t.shape and rand.shape == (20, t.size)
    assert best[0] == pytest.approx(1.0)
    assert best.max() > 2.0  # non-normal: transient growth from a stable network
    assert best.max() > rand.max(axis=1).max()
    # energy: 2 int ||x||^2 dt / tau = v^T Q v = top eigenvalue of Q (trapezoid, decays by 2 s)
    A = W - np.eye(n)
    Q = scipy.linalg.solve_continuous_lyapunov(A.T, -2 * np.eye(n))
    energy = 2 * np.trapezoid(best**2, t) / tau
    assert energy == pytest.approx(v @ Q @ v, rel=2e-3)
    assert v @ Q @ v == pytest.approx(np.linalg.eigvalsh(Q).max(), rel=1e-8)


def test_linear_response_closed_form():
    w = np.array([0.5, -1.0, 0.9])
    x0 = np.array([1.0, 2.0, -1.0])
    t = np.linspace(0, 300, 31)
    got = amplification.linear_response_norm(np.diag(w), x0, t, tau_ms=50.0)
    want = np.linalg.norm(x0[:, None] * np.exp(np.outer(w - 1, t) / 50.0), axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match="n_neurons"):
        SOCParams(n_neurons=-5)
    with pytest.raises(TypeError, match="n_neurons"):
        SOCParams(n_neurons="200")
    for bad in (0.0, -0.1):
        with pytest.raises(ValueError, match="target_abscissa"):
            SOCParams(target_abscissa=bad)
    with pytest.raises(ValueError, match="method"):
        SOCParams(method="eig")
    with pytest.raises(ValueError, match="learning_rate"):
        SOCParams(learning_rate=0.0)
    with pytest.raises(ValueError, match="momentum"):
        SOCParams(momentum=1.0)
    with pytest.raises(ValueError, match="velocity"):
        soc.soc_update(np.eye(4) - np.eye(4), 2, SOCParams(n_neurons=4), velocity=np.zeros(3))
    with pytest.raises(ValueError, match="inhibitory_keep"):
        SOCParams(inhibitory_keep=1.5)
    with pytest.raises(TypeError, match="seed"):
        optimize_soc(SMALL, seed="x")
    with pytest.raises(ValueError, match="seed"):
        optimize_soc(SMALL, seed=-1)
    with pytest.raises(TypeError, match="params"):
        optimize_soc({"n_neurons": 60}, seed=0)
    with pytest.raises(ValueError, match="W"):
        soc.spectral_abscissa(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="method"):
        soc.lyapunov_pair(np.eye(3), 2.0, method="lu")
    with pytest.raises(ValueError, match="x0"):
        amplification.linear_response_norm(np.eye(3), np.ones(4), np.arange(3.0), tau_ms=1.0)
    with pytest.raises(ValueError, match="time_ms"):
        amplification.linear_response_norm(np.eye(3), np.ones(3), np.array([0.0, 1.0, 3.0]),
                                           tau_ms=1.0)
    with pytest.raises(ValueError, match="spectral abscissa"):
        amplification.most_amplified_direction(2 * np.eye(3))


def test_presets():
    assert SOCParams.quick().n_neurons < SOCParams().n_neurons
    ref = SOCParams.reference()
    assert ref.method == "scipy" and ref.learning_rate == 10.0 and ref.momentum == 0.0
    assert ref.step_size == 10.0  # N = 200: the recipe as written


def test_benchmark_quick(tmp_path, monkeypatch, capsys):
    """benchmarks/bench_ground_truth.py --quick prints one JSON line with the issue's keys."""
    import importlib.util
    import json
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "bench_ground_truth.py"
    spec = importlib.util.spec_from_file_location("bench_ground_truth", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path))
    result = bench.main(["--quick"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == result
    for key in ("soc_seconds", "soc_reference_seconds", "soc_speedup", "gain_seconds"):
        assert result[key] > 0
    assert result["soc_abscissa"] < 1.0 and result["soc_reference_abscissa"] < 1.0
    import os
    assert os.environ["FFHLIB_CACHE_DIR"] == str(tmp_path)  # restored


def test_plots_smoke(small_net):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ffhlib.plotting import ground_truth as gtplots

    ax = gtplots.plot_abscissa_trace(small_net.abscissa_trace, target=SMALL.target_abscissa)
    assert ax.get_yscale() == "log"
    W0 = soc.initial_soc(SMALL, rng_for(0, "soc"))
    gtplots.plot_eigenvalues(np.linalg.eigvals(W0), np.linalg.eigvals(small_net.W))
    gtplots.plot_weight_matrix(small_net.W, small_net.n_excitatory)
    t = np.arange(0.0, 100.0, 5.0)
    ax = gtplots.plot_transient_amplification(t, np.ones(t.size), np.ones((3, t.size)))
    assert len(ax.lines) == 4
    plt.close("all")


@pytest.mark.parametrize("bad", [1.0, 2.5])
def test_target_abscissa_must_keep_the_linear_dynamics_stable(bad):
    with pytest.raises(ValueError, match=r"target_abscissa.*\(0\.0, 1\.0\)"):
        SOCParams(target_abscissa=bad)
