"""full-FORCE: kernels against plain NumPy, RLS against batch ridge, and the trainer's contracts.

Targets here are small synthetic smooth signals (no ground truth: it is slow to build).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ffhlib import _force_kernels as K
from ffhlib._force_reference import reference_simulate_trial, reference_train_trial
from ffhlib.errors import DivergenceError
from ffhlib.fullforce import (
    TRAINING_RUNS,
    ForceParams,
    RNNActivity,
    simulate,
    train,
    trial_inputs,
    untrained,
)

RTOL = 1e-9  # fused/triangular kernels vs NumPy: rounding only


def _sym(rng, n):
    a = rng.normal(size=(n, n)) / np.sqrt(n)
    return np.eye(n) + a @ a.T


def _full(P_upper):
    return np.triu(P_upper) + np.triu(P_upper, 1).T


def _smooth_targets(n_dir=2, n_time=41, n_out=2, n_hints=5, seed=0):
    """Smooth (C, T, M) targets and (C, T, K) 'neurons' on a 5 ms grid, angle-dependent."""
    rng = np.random.default_rng(seed)
    t = 5.0 * np.arange(n_time)
    span = t[-1]
    angles = 2 * np.pi * np.arange(n_dir) / n_dir
    env = np.sin(np.pi * t / span) ** 2

    def signals(k):
        a, b = rng.normal(size=(2, k, 3))
        basis = np.stack([np.cos((i + 1) * np.pi * t / span) for i in range(3)])  # (3, T)
        return (np.cos(angles)[:, None, None] * (a @ basis)[None]
                + np.sin(angles)[:, None, None] * (b @ basis)[None]).transpose(0, 2, 1)

    emg = env[None, :, None] * np.log1p(np.exp(signals(n_out)))
    rates = 20 + 10 * np.tanh(signals(n_hints))
    return angles, t, emg, rates


TINY = ForceParams(n_units=50, n_passes=15, prep_ms=50.0, go_ms=10.0, training_noise=0.0)


# ----------------------------------------------------------------------------- kernels


def test_p_update_times_equals_numpy():
    rng = np.random.default_rng(0)
    n = 37
    P = _sym(rng, n)
    a, r = rng.normal(size=(2, n))
    inv_c = 0.3
    expected_P = P - inv_c * np.outer(a, a)
    y = np.empty(n)
    P_kernel = P.copy()
    K.p_update_times(P_kernel, a, inv_c, r, y)
    np.testing.assert_allclose(np.triu(P_kernel), np.triu(expected_P), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(y, expected_P @ r, rtol=RTOL, atol=1e-12)


def test_rank1_update_matvec_and_matvec_equal_numpy():
    rng = np.random.default_rng(1)
    J = rng.normal(size=(23, 31))
    e, k, r = rng.normal(size=23), rng.normal(size=31), rng.normal(size=31)
    out = np.empty(23)
    expected = J - np.outer(e, k)
    K.rank1_update_matvec(J, e, k, r, out)
    np.testing.assert_allclose(J, expected, rtol=RTOL)
    np.testing.assert_allclose(out, expected @ r, rtol=RTOL)
    K.matvec(J, k, out)
    np.testing.assert_allclose(out, expected @ k, rtol=RTOL)


def _rls_over_samples(P, W, R, Y, every):
    """Run the library's RLS step (K.rls_step) over samples, with the readout update."""
    n = P.shape[0]
    a, y, k = np.zeros(n), np.empty(n), np.empty(n)
    inv_c = 0.0
    for s in range(0, R.shape[0], every):
        inv_c = K.rls_step(P, a, inv_c, R[s], y, k)
        W -= np.outer(W @ R[s] - Y[s], k)
    K.rls_flush(P, a, inv_c, y)


@pytest.mark.parametrize("every", [1, 3])
def test_rls_sequence_equals_batch_ridge(every):
    """RLS from W = 0, P = I/alpha over samples = ridge regression with penalty alpha."""
    rng = np.random.default_rng(2)
    n, m, s, alpha = 20, 3, 90, 0.7
    R = rng.normal(size=(s, n))
    Y = R @ rng.normal(size=(n, m)) + 0.3 * rng.normal(size=(s, m))
    P = np.eye(n) / alpha
    W = np.zeros((m, n))
    _rls_over_samples(P, W, R, Y, every)
    Rs, Ys = R[::every], Y[::every]
    gram = Rs.T @ Rs + alpha * np.eye(n)
    ridge = np.linalg.solve(gram, Rs.T @ Ys).T
    np.testing.assert_allclose(W, ridge, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(_full(P), np.linalg.inv(gram), rtol=1e-8, atol=1e-12)


def _scratch(n, m, rows=K.TRAIN_WORK_ROWS):
    return np.empty((rows, n)), np.empty(m)


def _random_trial(rng, n=40, m=3, s=60):
    return dict(
        J=rng.normal(0, 1.2 / np.sqrt(n), (n, n)), W=rng.normal(0, 0.1, (m, n)),
        P=_sym(rng, n), x0=rng.normal(size=n), drive=rng.normal(0, 0.5, (s, n)),
        target_current=rng.normal(size=(s, n)), target_output=rng.normal(size=(s, m)))


@pytest.mark.parametrize("every", [1, 2, 5])
def test_train_trial_equals_numpy_reference(every):
    rng = np.random.default_rng(3)
    d = _random_trial(rng)
    ref = {k: v.copy() for k, v in d.items()}
    s, m, n = d["target_output"].shape + (d["J"].shape[0],)
    output, rates, stats = np.empty((s, m)), np.empty((s, n)), np.zeros(3)
    noise = rng.standard_normal(d["drive"].shape).astype(np.float32)
    K.train_trial(d["J"], d["W"], d["P"], d["x0"], d["drive"], noise, 0.3, d["target_current"],
                  d["target_output"], 0.1, every, output, rates, stats, *_scratch(n, m))
    out_ref, rates_ref = reference_train_trial(ref["J"], ref["W"], ref["P"], ref["x0"],
                                               ref["drive"], noise, 0.3, ref["target_current"],
                                               ref["target_output"], 0.1, every)
    for got, want in ((d["J"], ref["J"]), (d["W"], ref["W"]), (output, out_ref),
                      (rates, rates_ref), (_full(d["P"]), ref["P"])):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-11)
    assert stats[1] == len(range(0, s, every))


def test_trainer_rls_on_recorded_rates_equals_ridge():
    """J and W after one trial from zero = ridge regression on the rates seen at update steps."""
    rng = np.random.default_rng(4)
    d = _random_trial(rng, s=80)
    n, alpha, every = d["J"].shape[0], 2.0, 2
    J, W, P = np.zeros((n, n)), np.zeros_like(d["W"]), np.eye(n) / alpha
    s, m = d["target_output"].shape
    output, rates, stats = np.empty((s, m)), np.empty((s, n)), np.zeros(3)
    K.train_trial(J, W, P, d["x0"], d["drive"], np.zeros((0, n), np.float32), 0.0,
                  d["target_current"], d["target_output"], 0.1, every, output, rates, stats,
                  *_scratch(n, m))
    R = rates[::every]
    gram = R.T @ R + alpha * np.eye(n)
    np.testing.assert_allclose(J, np.linalg.solve(gram, R.T @ d["target_current"][::every]).T,
                               rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(W, np.linalg.solve(gram, R.T @ d["target_output"][::every]).T,
                               rtol=1e-7, atol=1e-10)


def test_simulate_trial_equals_numpy_reference():
    rng = np.random.default_rng(5)
    d = _random_trial(rng)
    s, m = d["target_output"].shape
    n = d["J"].shape[0]
    output, rates = np.empty((s, m)), np.empty((s, n))
    K.simulate_trial(d["J"], d["W"], d["x0"], d["drive"], 0.1, output, rates,
                     *_scratch(n, m, K.SIMULATE_WORK_ROWS))
    out_ref, rates_ref = reference_simulate_trial(d["J"], d["W"], d["x0"], d["drive"], 0.1)
    np.testing.assert_allclose(output, out_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rates, rates_ref, rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- trainer


def test_tiny_problem_trains_well():
    angles, t, emg, _ = _smooth_targets(n_dir=1)
    net = train(emg, angles, t, TINY, seed=0, progress=False)
    assert net.r2 > 0.99, net.r2
    assert net.training_error.shape == (TINY.n_passes,)
    assert net.r2_curve[-1] == pytest.approx(net.r2, abs=0.01)
    act = simulate(net, angles)
    assert isinstance(act, RNNActivity)
    assert act.output.shape == emg.shape and act.rates.shape == (1, t.size, 50)


def test_ffh_with_zero_hint_gain_equals_ff():
    angles, t, emg, rates = _smooth_targets()
    p = dataclasses.replace(TINY, hint_gain=0.0, n_passes=3, training_noise=0.05)
    ff = train(emg, angles, t, p, seed=1, progress=False)
    ffh = train(emg, angles, t, p, seed=1, hints=rates, progress=False)
    np.testing.assert_array_equal(ff.J, ffh.J)
    np.testing.assert_array_equal(ff.W, ffh.W)
    assert ffh.W_hint.shape == (rates.shape[2], p.n_units) and ff.W_hint.shape[0] == 0
    assert np.isfinite(ffh.hint_r2) and np.isnan(ff.hint_r2)


def test_hints_change_the_network():
    angles, t, emg, rates = _smooth_targets()
    p = dataclasses.replace(TINY, n_passes=2)
    ff = train(emg, angles, t, p, seed=1, progress=False)
    ffh = train(emg, angles, t, p, seed=1, hints=rates, progress=False)
    assert not np.allclose(ff.J, ffh.J)


def test_same_seed_identical_weights_other_seed_different():
    angles, t, emg, rates = _smooth_targets()
    p = dataclasses.replace(TINY, n_passes=2, training_noise=0.1)
    a = train(emg, angles, t, p, seed=3, hints=rates, progress=False)
    b = train(emg, angles, t, p, seed=3, hints=rates, progress=False)
    c = train(emg, angles, t, p, seed=4, hints=rates, progress=False)
    for name in ("J", "W", "W_hint", "U_in", "training_error"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.allclose(a.J, c.J)


def test_simulate_noise_free_equals_noiseless_and_noise_changes_it():
    angles, t, emg, _ = _smooth_targets()
    net = train(emg, angles, t, dataclasses.replace(TINY, n_passes=2), seed=0, progress=False)
    new_angles = np.array([0.3, 2.0, 4.0])  # untrained
    base = simulate(net, new_angles)
    zero = simulate(net, new_angles, input_noise=0.0, noise_seed=9)
    np.testing.assert_array_equal(base.output, zero.output)
    np.testing.assert_array_equal(base.rates, zero.rates)
    noisy = simulate(net, new_angles, input_noise=0.5, noise_seed=9)
    again = simulate(net, new_angles, input_noise=0.5, noise_seed=9)
    assert not np.allclose(noisy.output, base.output)
    np.testing.assert_array_equal(noisy.output, again.output)
    fine = simulate(net, new_angles, time_ms=np.arange(0.0, 201.0, 1.0))
    np.testing.assert_allclose(fine.output[:, ::5], base.output, atol=1e-12)
    with pytest.raises(ValueError, match="time_ms"):
        simulate(net, new_angles, time_ms=np.array([0.0, 900.0]))
    with pytest.raises(ValueError, match="noise_seed"):
        simulate(net, new_angles, input_noise=0.5)


def test_trial_inputs_layout():
    p = ForceParams(prep_ms=30.0, go_ms=10.0, dt_ms=1.0, input_scale=2.0, cue_epoch="preparation")
    f = trial_inputs(np.array([0.0, np.pi / 2]), p, n_move_steps=20)
    assert f.shape == (2, 50, 3)
    np.testing.assert_allclose(f[0, :30, 0], 2.0)
    np.testing.assert_allclose(f[1, :30, 1], 2.0)
    assert np.all(f[:, 30:, :2] == 0)  # preparation design: exactly zero from movement onset
    np.testing.assert_array_equal(f[0, :, 2], np.r_[np.zeros(20), np.ones(10), np.zeros(20)])
    held = trial_inputs(np.array([0.0]), dataclasses.replace(p, cue_epoch="trial"), 20)
    np.testing.assert_allclose(held[0, :, 0], 2.0)


def test_default_trial_design_switches_the_cue_off_at_movement_onset():
    p = ForceParams()
    assert p.cue_epoch == "preparation"
    f = trial_inputs(np.linspace(0, 2 * np.pi, 8, endpoint=False), p, n_move_steps=501)
    assert np.all(f[:, p.n_prep_steps:, :2] == 0)
    assert np.all(np.abs(f[:, :p.n_prep_steps, :2]).sum(axis=2) > 0)


def test_task_variants_of_the_trial():
    p = ForceParams(prep_ms=40.0, go_ms=10.0, input_scale=1.0)
    short = trial_inputs(np.array([0.0]), p, 5, prep_ms=20.0)
    assert short.shape == (1, 25, 3) and np.all(short[0, 10:20, 2] == 1)
    switched = trial_inputs(np.array([0.0]), p, 5, switch_angles=np.array([np.pi / 2]),
                            switch_ms=20.0)
    np.testing.assert_allclose(switched[0, :20, :2], [[1.0, 0.0]] * 20)
    np.testing.assert_allclose(switched[0, 20:40, :2], [[np.cos(np.pi / 2), 1.0]] * 20)
    assert np.all(switched[0, 40:, :2] == 0)
    with pytest.raises(ValueError, match="prep_ms"):
        trial_inputs(np.array([0.0]), p, 5, prep_ms=5.0)  # shorter than the go pulse


def test_untrained_baseline_runs():
    angles, t, emg, _ = _smooth_targets()
    net = train(emg, angles, t, dataclasses.replace(TINY, n_passes=1), seed=0, progress=False)
    rnd = untrained(net.params, n_outputs=2, angles=angles, time_ms=t, seed=0)
    act = simulate(rnd, angles)
    assert act.rates.shape == (2, t.size, 50) and np.all(act.output == 0)
    # the floor network is the target-generating network's J_D: the same for the same seed
    np.testing.assert_array_equal(rnd.U_in, net.U_in)


def test_input_weights_follow_channel_identity():
    """A hint neuron's (a muscle's) input weights do not depend on which others are observed."""
    angles, t, emg, rates = _smooth_targets(n_out=3, n_hints=5)
    p = dataclasses.replace(TINY, n_passes=1, hint_gain=1.0)
    # train on two sets of hints that share neuron 7: its column of U_hint must be the same, so
    # with only that neuron hinted, the two networks are identical
    one = train(emg, angles, t, p, 0, hints=rates[..., :1], hint_ids=[7], progress=False)
    two = train(emg, angles, t, p, 0, hints=rates[..., :1], hint_ids=[7], output_ids=[0, 1, 2],
                progress=False)
    np.testing.assert_array_equal(one.J, two.J)
    other = train(emg, angles, t, p, 0, hints=rates[..., :1], hint_ids=[8], progress=False)
    assert not np.allclose(one.J, other.J)
    from ffhlib.fullforce import _draw_weights
    _, _, _, U_a = _draw_weights(p, np.arange(3), np.array([3, 7, 9]), (2, 5))
    _, _, _, U_b = _draw_weights(p, np.arange(3), np.array([7]), (2, 5))
    np.testing.assert_array_equal(U_a[:, 1], U_b[:, 0])
    with pytest.raises(ValueError, match="hint_ids"):
        train(emg, angles, t, p, 0, hints=rates[..., :2], hint_ids=[3, 3], progress=False)


def test_current_error_ignores_the_uninformative_first_update():
    """At t = 0 (x = 0, r = 0) an update changes nothing: it must not count in current_error."""
    rng = np.random.default_rng(8)
    n, m, s = 30, 2, 41
    drive = rng.normal(0, 0.5, (s, n))
    target_current = rng.normal(size=(s, n))
    target_output = rng.normal(size=(s, m))
    J, W, P = np.zeros((n, n)), np.zeros((m, n)), np.eye(n)
    output, stats = np.empty((s, m)), np.zeros(3)
    K.train_trial(J, W, P, np.zeros(n), drive, np.zeros((0, n), np.float32), 0.0,
                  target_current, target_output, 0.1, 2, output, np.empty((0, n)), stats,
                  *_scratch(n, m))
    # the reference: replay the trial and sum the squared errors at updates with r != 0
    J2, W2, P2 = np.zeros((n, n)), np.zeros((m, n)), np.eye(n)
    _, rates = reference_train_trial(J2, W2, P2, np.zeros(n), drive, np.zeros((0, n)), 0.0,
                                     target_current, target_output, 0.1, 2)
    J3, P3 = np.zeros((n, n)), np.eye(n)
    expected, count = 0.0, 0
    for t in range(0, s, 2):
        r = rates[t]
        e = J3 @ r - target_current[t]
        if np.any(r != 0):
            expected += float(e @ e)
            count += 1
        Pr = P3 @ r
        k = Pr / (1 + r @ Pr)
        P3 -= np.outer(Pr, k)
        J3 -= np.outer(e, k)
    assert stats[1] == count == len(range(2, s, 2))
    assert stats[0] == pytest.approx(expected, rel=1e-8)


def test_bad_input_raises_before_training():
    angles, t, emg, rates = _smooth_targets()
    with pytest.raises(ValueError, match="hints"):
        train(emg, angles, t, TINY, 0, hints=rates[:, :-1], progress=False)
    with pytest.raises(ValueError, match="hints"):
        train(emg, angles, t, TINY, 0, hints=rates[0], progress=False)
    with pytest.raises(ValueError, match="angles"):
        train(emg, angles[:1], t, TINY, 0, progress=False)
    with pytest.raises(ValueError, match="targets"):
        train(np.where(emg > 0.5, np.nan, emg), angles, t, TINY, 0, progress=False)
    with pytest.raises(ValueError, match="n_units"):
        ForceParams(n_units=0)
    with pytest.raises(TypeError, match="hint_gain"):
        ForceParams(hint_gain="0.3")
    with pytest.raises(ValueError, match="cue_epoch"):
        ForceParams(cue_epoch="movement")
    with pytest.raises(ValueError, match="go_ms"):
        ForceParams(prep_ms=10.0, go_ms=20.0)


def test_divergence_raises_with_advice():
    angles, t, emg, _ = _smooth_targets()
    with pytest.raises(DivergenceError, match="pass 1/.*alpha"):
        train(emg * 1e9, angles, t, dataclasses.replace(TINY, n_passes=2), 0, progress=False)


def test_cache_returns_the_same_network_and_counts_one_training():
    angles, t, emg, rates = _smooth_targets()
    p = dataclasses.replace(TINY, n_passes=2)
    before = TRAINING_RUNS["ffh"]
    a = train(emg, angles, t, p, 0, hints=rates, progress=False, use_cache=True)
    b = train(emg, angles, t, p, 0, hints=rates, progress=False, use_cache=True)
    assert TRAINING_RUNS["ffh"] == before + 1
    for name in ("J", "W", "W_hint", "U_in", "r2_curve", "curve_passes", "hint_mean"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.seconds == b.seconds and a.r2 == b.r2 and a.worker == b.worker


def test_ff_cache_key_ignores_the_hint_gain():
    angles, t, emg, _ = _smooth_targets()
    p = dataclasses.replace(TINY, n_passes=2)
    before = TRAINING_RUNS["ff"]
    a = train(emg, angles, t, p, 5, progress=False, use_cache=True)
    b = train(emg, angles, t, dataclasses.replace(p, hint_gain=0.9), 5, progress=False,
              use_cache=True)
    assert TRAINING_RUNS["ff"] == before + 1
    np.testing.assert_array_equal(a.J, b.J)
