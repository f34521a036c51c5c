"""Data-constrained (pinned) units: RLS rows against batch ridge, targets reproduced, free units
untouched, determinism, cache and input checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ffhlib import _pinned_kernels as PK
from ffhlib import pinned
from ffhlib.errors import DivergenceError
from ffhlib.fullforce import ForceParams
from ffhlib.metrics import r2_score
from ffhlib.rnn import simulate
from ffhlib.trials import simulate_arrays

TINY = pinned.PinnedParams(n_units=60, n_passes=20, prep_ms=50.0, go_ms=10.0,
                           training_noise=0.0, target_gain=0.8)


def _smooth(n_dir=2, n_time=41, n_out=2, n_hints=5, seed=0):
    """Smooth (C, T, M) EMG-like targets and (C, T, K) 'neurons' on a 5 ms grid."""
    rng = np.random.default_rng(seed)
    t = 5.0 * np.arange(n_time)
    angles = 2 * np.pi * np.arange(n_dir) / n_dir
    basis = np.stack([np.cos((i + 1) * np.pi * t / t[-1]) for i in range(3)])

    def signals(k):
        a, b = rng.normal(size=(2, k, 3))
        return (np.cos(angles)[:, None, None] * (a @ basis)[None]
                + np.sin(angles)[:, None, None] * (b @ basis)[None]).transpose(0, 2, 1)

    env = np.sin(np.pi * t / t[-1]) ** 2
    return angles, t, env[None, :, None] * np.log1p(np.exp(signals(n_out))), \
        20 + 10 * np.tanh(signals(n_hints))


def test_pinned_rows_and_readout_equal_batch_ridge_and_free_rows_stay():
    """One trial: the pinned rows = ridge towards their start J0 on the rates seen at the update
    steps; W = ridge from 0; the free rows are never written; P = the inverse Gram matrix."""
    rng = np.random.default_rng(1)
    n, k, m, s, alpha, every = 30, 7, 3, 90, 1.5, 2
    J0 = rng.normal(0, 1.2 / np.sqrt(n), (n, n))
    J, W, P = J0.copy(), np.zeros((m, n)), np.eye(n) / alpha
    drive = rng.normal(0, 0.5, (s, n))
    target_current, target_output = rng.normal(size=(s, k)), rng.normal(size=(s, m))
    learn = np.zeros(s, np.uint8)
    learn[25:80] = 1
    output, rates, stats = np.empty((s, m)), np.empty((s, n)), np.zeros(3)
    PK.train_trial(J, W, P, rng.normal(size=n), drive, np.zeros((0, n), np.float32), 0.0,
                   target_current, target_output, learn, 0.1, every, output, rates, stats,
                   np.empty((PK.TRAIN_WORK_ROWS, n)), np.empty(m))
    steps = [t for t in range(s) if learn[t] and t % every == 0]
    R = rates[steps]
    gram = R.T @ R + alpha * np.eye(n)
    ridge_J = np.linalg.solve(gram, R.T @ target_current[steps] + alpha * J0[:k].T).T
    np.testing.assert_allclose(J[:k], ridge_J, rtol=1e-7, atol=1e-10)
    np.testing.assert_array_equal(J[k:], J0[k:])
    np.testing.assert_allclose(W, np.linalg.solve(gram, R.T @ target_output[steps]).T,
                               rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(np.triu(P), np.triu(np.linalg.inv(gram)), rtol=1e-7, atol=1e-12)
    assert stats[1] == len(steps)


def test_pinned_units_follow_their_targets_and_free_rows_are_untouched():
    angles, t, emg, rates = _smooth()
    net = pinned.train(emg, angles, t, TINY, seed=0, hints=rates, progress=False)
    J0, U_in = pinned._draw_weights(TINY, (0,))
    k = rates.shape[2]
    np.testing.assert_array_equal(net.J[k:], J0[k:])
    np.testing.assert_array_equal(net.U_in, U_in)
    assert not np.allclose(net.J[:k], J0[:k])
    # independent check of hint_r2: the pinned units' rates in a plain run against tanh(gain z)
    act = simulate(net, angles)
    np.testing.assert_array_equal(act.hint_output, act.rates[..., :k])
    h, mean, std = pinned.pinned_targets(rates, TINY.target_gain)
    z = (rates - rates.mean((0, 1))) / rates.std((0, 1))
    np.testing.assert_allclose(h, TINY.target_gain * z)
    assert r2_score(act.rates[..., :k], np.tanh(h)) == pytest.approx(net.hint_r2, abs=1e-9)
    assert net.hint_r2 > 0.95, net.hint_r2
    assert net.r2 > 0.95, net.r2
    assert r2_score(act.output, emg) == pytest.approx(net.r2, abs=1e-9)


def test_same_seed_same_network_other_seed_different():
    angles, t, emg, rates = _smooth()
    p = dataclasses.replace(TINY, n_passes=2, training_noise=0.1)
    a = pinned.train(emg, angles, t, p, 3, hints=rates, progress=False)
    b = pinned.train(emg, angles, t, p, 3, hints=rates, progress=False)
    c = pinned.train(emg, angles, t, p, 4, hints=rates, progress=False)
    for name in ("J", "W", "W_hint", "U_in", "training_error", "r2_curve"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.allclose(a.J, c.J)


def test_cache_returns_the_same_network_and_counts_one_training():
    angles, t, emg, rates = _smooth()
    p = dataclasses.replace(TINY, n_passes=2)
    before = pinned.TRAINING_RUNS["pinned"]
    a = pinned.train(emg, angles, t, p, 0, hints=rates, progress=False, use_cache=True)
    b = pinned.train(emg, angles, t, p, 0, hints=rates, progress=False, use_cache=True)
    assert pinned.TRAINING_RUNS["pinned"] == before + 1
    for name in ("J", "W", "W_hint", "hint_mean", "hint_std"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.seconds == b.seconds and a.hint_r2 == b.hint_r2


def test_from_force_copies_the_network_and_trial_design():
    force = ForceParams(n_units=80, tau_ms=200.0, dt_ms=10.0, prep_ms=300.0, cue_epoch="trial")
    p = pinned.PinnedParams.from_force(force, target_gain=0.7)
    assert (p.n_units, p.tau_ms, p.dt_ms, p.prep_ms, p.cue_epoch, p.target_gain) == (
        80, 200.0, 10.0, 300.0, "trial", 0.7)
    assert p.n_prep_steps == 30


def test_bad_input_is_refused_by_name():
    angles, t, emg, rates = _smooth()
    small = dataclasses.replace(TINY, n_units=4)
    with pytest.raises(ValueError, match="n_units"):
        pinned.train(emg, angles, t, small, 0, hints=rates, progress=False)
    with pytest.raises(ValueError, match="hints"):
        pinned.train(emg, angles, t, TINY, 0, hints=rates[:, :-1], progress=False)
    with pytest.raises(ValueError, match="hints"):
        pinned.train(emg, angles, t, TINY, 0, hints=rates[0], progress=False)
    with pytest.raises(ValueError, match="target_gain"):
        pinned.PinnedParams(target_gain=-0.5)
    with pytest.raises(ValueError, match="training_noise"):
        pinned.PinnedParams(training_noise=-0.1)
    with pytest.raises(ValueError, match="dt_ms"):
        pinned.PinnedParams(dt_ms=20.0, tau_ms=10.0)
    with pytest.raises(ValueError, match="time_ms"):
        pinned.train(emg[:, :-1], angles, t[:-1], dataclasses.replace(TINY, dt_ms=10.0), 0,
                     hints=rates[:, :-1], progress=False)  # 195 ms: not whole 10 ms steps
    with pytest.raises(TypeError, match="params"):
        pinned.train(emg, angles, t, ForceParams(), 0, hints=rates, progress=False)


def test_divergence_raises_with_advice():
    angles, t, emg, rates = _smooth()
    with pytest.raises(DivergenceError, match="pass 1/.*alpha"):
        pinned.train(emg, angles, t, dataclasses.replace(TINY, n_passes=2, target_gain=1e9), 0,
                     hints=rates, progress=False)


def test_simulate_runs_a_pinned_network_at_tau_200():
    angles, t, emg, rates = _smooth()
    p = dataclasses.replace(TINY, tau_ms=200.0, dt_ms=10.0, n_passes=2)
    net = pinned.train(emg, angles, t, p, 0, hints=rates, progress=False)
    out, r = simulate_arrays(net.J, net.W, net.U_in, p, angles, t)
    act = simulate(net, angles)
    np.testing.assert_array_equal(act.output, out)
    np.testing.assert_array_equal(act.rates, r)
