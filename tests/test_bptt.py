"""BPTT networks: the JAX gradient against central finite differences of an independent NumPy
loss (float64), the JAX forward pass against a plain NumPy loop and against the full-FORCE kernel,
determinism, learning on an easy problem, divergence, validation and the task variants of
:func:`ffhlib.bptt.simulate`.

Targets are small synthetic smooth signals (no ground truth: it is slow to build).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from ffhlib import _bptt_jax, bptt
from ffhlib.activations import ACTIVATIONS, activate
from ffhlib.bptt import TRAINING_RUNS, BPTTParams, simulate, train
from ffhlib.errors import DivergenceError
from ffhlib.metrics import r2_score
from ffhlib.rnn import TrainedRNN
from ffhlib.rnn import simulate as rnn_simulate

#: A short trial: 60 ms preparation, 100 ms movement at dt = 10 ms (17 steps).
SHORT = dict(tau_ms=50.0, dt_ms=10.0, prep_ms=60.0, go_ms=20.0)
#: Tiny networks; the tests that train share their shapes, so JAX compiles the Adam step once.
TINY = BPTTParams(n_units=40, steps=30, learning_rate=1e-2, **SHORT)


def _smooth_targets(n_dir=4, span_ms=100.0, n_out=2, n_hints=3):
    """Smooth angle-dependent (C, T, M) targets and (C, T, K) 'neurons' on a 5 ms grid."""
    angles = np.linspace(0.0, 2 * np.pi, n_dir, endpoint=False)
    t = np.arange(0.0, span_ms + 1e-9, 5.0)
    s = t / span_ms
    emg = np.stack([np.stack([0.5 + 0.4 * np.sin(np.pi * s * (k + 1) + a) * np.sin(np.pi * s)
                              for k in range(n_out)], axis=-1) for a in angles])
    rates = np.stack([np.stack([np.cos(a + k) * s + 0.3 * np.sin(2 * np.pi * s + k)
                                for k in range(n_hints)], axis=-1) for a in angles])
    return angles, t, emg, rates


def _random_theta(rng, n, m, k):
    return {"J": rng.normal(0, 1.2 / math.sqrt(n), (n, n)), "B": rng.uniform(-1, 1, (n, 3)),
            "b": rng.normal(0, 0.3, n), "W": rng.normal(0, 1 / math.sqrt(n), (m, n)),
            "b_z": rng.normal(0, 0.3, m), "x0": rng.normal(0, 0.5, n),
            "C": rng.normal(0, 1 / math.sqrt(n), (k, n)), "c": rng.normal(0, 0.3, k)}


def _numpy_loss(theta, data, settings) -> float:
    """The loss of the bptt module's docstring, written out with a plain time loop."""
    u = data["u"].transpose(1, 0, 2)  # (C, S, 3)
    n_dir, n_steps, _ = u.shape
    x = np.tile(theta["x0"], (n_dir, 1))
    rates = np.empty((n_dir, n_steps, x.shape[1]))
    for t in range(n_steps):
        r = activate(settings.activation, x)
        rates[:, t] = r
        x = x + settings.dt_tau * (-x + r @ theta["J"].T + u[:, t] @ theta["B"].T + theta["b"])
    move = rates[:, settings.n_prep:].transpose(1, 0, 2)
    emg = np.mean((move @ theta["W"].T + theta["b_z"] - data["y"]) ** 2)
    act = np.mean((move @ theta["C"].T + theta["c"] - data["h"]) ** 2)
    weights = [theta[k] for k in ("J", "B", "W")]
    weight = sum(np.sum(w ** 2) for w in weights) / sum(w.size for w in weights)
    return float(emg + settings.rate_l2 * np.mean(rates ** 2) + settings.weight_l2 * weight
                 + settings.activity_l2 * act)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_jax_gradient_equals_central_differences_in_float64(activation):
    import jax

    x64_before = jax.config.jax_enable_x64
    angles, t, emg, rates = _smooth_targets(n_dir=2, span_ms=40.0)
    params = BPTTParams(n_units=6, activation=activation, rate_l2=0.3, weight_l2=0.2,
                        activity_l2=0.7, **SHORT)
    data = bptt.training_data(emg, angles, t, params, rates)
    data = {k: data[k] for k in ("u", "y", "h")}
    settings = bptt.loss_settings(params, with_activity=True)
    theta = _random_theta(np.random.default_rng(1), 6, 2, 3)
    loss, parts, grad = _bptt_jax.loss_and_grad(theta, data, settings, dtype="float64")
    assert jax.config.jax_enable_x64 == x64_before  # the float64 context is left as found
    assert loss == pytest.approx(_numpy_loss(theta, data, settings), rel=1e-12)
    h = 1e-6
    for name, value in theta.items():
        numeric = np.empty(value.shape)
        for idx in np.ndindex(value.shape):
            up, down = ({**theta, name: value.copy()} for _ in range(2))
            up[name][idx] += h
            down[name][idx] -= h
            numeric[idx] = (_numpy_loss(up, data, settings)
                            - _numpy_loss(down, data, settings)) / (2 * h)
        np.testing.assert_allclose(grad[name], numeric, rtol=1e-5, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_jax_forward_pass_equals_a_numpy_loop(activation):
    rng = np.random.default_rng(2)
    params = BPTTParams(n_units=15, activation=activation, **SHORT)
    u = rng.normal(size=(17, 3, 3))
    theta = _random_theta(rng, 15, 2, 0)
    settings = bptt.loss_settings(params, with_activity=False)
    reference = np.empty((3, 17, 15))
    x = np.tile(theta["x0"], (3, 1))
    for t in range(17):
        for c in range(3):
            reference[c, t] = activate(activation, x[c])
            x[c] = x[c] + settings.dt_tau * (-x[c] + theta["J"] @ reference[c, t]
                                             + theta["B"] @ u[t, c] + theta["b"])
    jax_rates = _bptt_jax.rates(theta, u, settings, dtype="float64").transpose(1, 0, 2)
    np.testing.assert_allclose(jax_rates, reference, rtol=1e-12, atol=1e-13)
    jax32 = _bptt_jax.rates(theta, u, settings, dtype="float32").transpose(1, 0, 2)
    np.testing.assert_allclose(jax32, reference, rtol=0, atol=1e-4)
    numpy_rates = bptt._run(theta, activation, settings.dt_tau, u.transpose(1, 0, 2))
    np.testing.assert_allclose(numpy_rates, reference, rtol=1e-12, atol=1e-13)


def test_simulate_of_a_tanh_network_equals_the_full_force_kernel():
    """With no biases and x0 = 0 a tanh BPTT network is a TrainedRNN: the numba kernel agrees."""
    angles, t, emg, _ = _smooth_targets()
    net = train(emg, angles, t, TINY, 0)
    n = net.n_units
    plain = dataclasses.replace(net, b=np.zeros(n), x0=np.zeros(n), b_z=np.zeros(net.n_outputs))
    ff = TrainedRNN(params=net.params, seed=net.seed, J=net.J, W=net.W, W_hint=np.zeros((0, n)),
                    U_in=net.B, angles=angles, time_ms=t, training_error=np.zeros(0),
                    current_error=np.zeros(0), r2_curve=np.zeros(0),
                    curve_passes=np.zeros(0, np.int64), r2=math.nan, hint_r2=math.nan,
                    hint_mean=np.zeros(0), hint_std=np.zeros(0), seconds=0.0)
    ours, theirs = simulate(plain, angles + 0.3), rnn_simulate(ff, angles + 0.3)
    np.testing.assert_allclose(ours.rates, theirs.rates, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.output, theirs.output, rtol=1e-10, atol=1e-12)
    assert ours.hint_output.shape == (4, t.size, 0)


def test_same_seed_same_network_other_seed_another():
    angles, t, emg, _ = _smooth_targets()
    a, b = train(emg, angles, t, TINY, (3, 1)), train(emg, angles, t, TINY, (3, 1))
    other = train(emg, angles, t, TINY, (3, 2))
    for name in ("J", "B", "b", "W", "b_z", "x0", "loss", "loss_parts"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.r2 == b.r2
    assert not np.array_equal(a.J, other.J)


def test_loss_decreases_and_an_easy_target_is_fit():
    angles, t, emg, _ = _smooth_targets()
    net = train(emg, angles, t, dataclasses.replace(TINY, steps=300, rate_l2=1e-3, weight_l2=0.0),
                0)
    assert net.loss.shape == (300,) and net.loss_parts.shape == (300, 4)
    assert net.loss[-1] < 0.05 * net.loss[0]
    assert net.r2 > 0.98
    assert net.r2 == r2_score(simulate(net, angles).output, emg)
    assert math.isnan(net.hint_r2) and not net.has_hints and net.n_outputs == 2


def test_activity_loss_fits_the_readout_of_the_recordings():
    angles, t, emg, rates = _smooth_targets()
    params = dataclasses.replace(TINY, steps=300, activity_l2=1.0, activity_gain=0.5)
    net = train(emg, angles, t, params, 0, hints=rates)
    assert net.has_hints and net.n_hints == 3
    assert net.loss_parts[-1, 3] < 0.05 * net.loss_parts[0, 3]
    transformed = 0.5 * (rates - net.hint_mean) / net.hint_std
    np.testing.assert_allclose(transformed.reshape(-1, 3).std(axis=0), 0.5)
    assert net.hint_r2 == r2_score(simulate(net, angles).hint_output, transformed)
    assert net.hint_r2 > 0.9


def test_divergence_raises_with_advice():
    angles, t, emg, _ = _smooth_targets()
    with pytest.raises(DivergenceError, match="diverged at Adam step .*learning_rate"):
        train(emg, angles, t, dataclasses.replace(TINY, learning_rate=1e6), 0)


@pytest.mark.parametrize("field, value", [
    ("n_units", 0), ("tau_ms", 0.0), ("dt_ms", -1.0), ("steps", 0), ("learning_rate", 0.0),
    ("clip_norm", 0.0), ("rate_l2", -0.1), ("weight_l2", -1e-3), ("activity_l2", -1.0),
    ("activity_gain", 0.0), ("g_init", -1.0), ("activation", "relu"), ("dtype", "float16"),
    ("cue_epoch", "movement"), ("go_ms", 500.0)])
def test_bad_parameters_are_refused_by_name(field, value):
    with pytest.raises(ValueError, match=field):
        BPTTParams(**{field: value})


def test_dt_above_tau_is_refused():
    with pytest.raises(ValueError, match="dt_ms must not exceed tau_ms"):
        BPTTParams(tau_ms=5.0, dt_ms=10.0)


def test_bad_training_input_is_refused_before_any_work(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(_bptt_jax, "fit", fail)
    angles, t, emg, rates = _smooth_targets()
    with pytest.raises(ValueError, match="activity_l2"):
        train(emg, angles, t, TINY, 0, hints=rates)
    with pytest.raises(ValueError, match="hints"):
        train(emg, angles, t, dataclasses.replace(TINY, activity_l2=1.0), 0, hints=rates[:, :5])
    with pytest.raises(ValueError, match="angles"):
        train(emg, angles[:2], t, TINY, 0)
    with pytest.raises(ValueError, match="time_ms"):
        train(emg, angles, t[::-1], TINY, 0)
    with pytest.raises(TypeError, match="params"):
        train(emg, angles, t, object(), 0)
    with pytest.raises(ValueError, match="seed"):
        train(emg, angles, t, TINY, -1)


def test_simulate_noise_and_cue_switch_behave_like_rnn_simulate():
    angles, t, emg, _ = _smooth_targets()
    net = train(emg, angles, t, TINY, 0)
    plain = simulate(net, angles)
    zero = simulate(net, angles, input_noise=0.0, noise_seed=5)
    np.testing.assert_array_equal(zero.output, plain.output)
    noisy = simulate(net, angles, input_noise=0.1, noise_seed=5)
    again = simulate(net, angles, input_noise=0.1, noise_seed=5)
    np.testing.assert_array_equal(noisy.output, again.output)
    assert not np.allclose(noisy.output, plain.output)
    with pytest.raises(ValueError, match="noise_seed"):
        simulate(net, angles, input_noise=0.1)
    # a switch at the end of preparation changes nothing; one at trial start is the other cue
    late = simulate(net, angles, switch_angles=angles + 1.0, switch_ms=TINY.prep_ms)
    np.testing.assert_array_equal(late.output, plain.output)
    early = simulate(net, angles, switch_angles=angles + 1.0, switch_ms=0.0)
    np.testing.assert_allclose(early.output, simulate(net, angles + 1.0).output, rtol=1e-12)
    longer = simulate(net, angles, prep_ms=120.0)
    assert longer.output.shape == plain.output.shape
    assert not np.allclose(longer.output, plain.output)
    half = simulate(net, angles, time_ms=t[::2])
    np.testing.assert_allclose(half.output, plain.output[:, ::2], rtol=1e-12)
    with pytest.raises(ValueError, match="time_ms must lie within"):
        simulate(net, angles, time_ms=t + 50.0)


def test_cache_returns_the_same_network_and_its_key_holds_the_jax_versions(monkeypatch):
    angles, t, emg, rates = _smooth_targets()
    params = dataclasses.replace(TINY, activity_l2=1.0)
    before = TRAINING_RUNS["bptt_rec"]
    a = train(emg, angles, t, params, 7, hints=rates, use_cache=True)
    b = train(emg, angles, t, params, 7, hints=rates, use_cache=True)
    assert TRAINING_RUNS["bptt_rec"] == before + 1
    for name in ("J", "B", "b", "W", "b_z", "x0", "C", "c", "loss", "hint_mean", "hint_std"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a.seconds, a.r2, a.hint_r2, a.worker) == (b.seconds, b.r2, b.hint_r2, b.worker)
    versions = bptt.library_versions()
    assert set(versions) == {"jax", "jaxlib", "optax"}
    monkeypatch.setattr(bptt, "library_versions", lambda: {**versions, "jax": "0.0.0"})
    train(emg, angles, t, params, 7, hints=rates, use_cache=True)
    assert TRAINING_RUNS["bptt_rec"] == before + 2


def test_emg_only_cache_key_ignores_the_activity_settings_but_not_the_dtype():
    angles, t, emg, _ = _smooth_targets()
    before = TRAINING_RUNS["bptt"]
    a = train(emg, angles, t, TINY, 8, use_cache=True)
    b = train(emg, angles, t, dataclasses.replace(TINY, activity_l2=2.0, activity_gain=0.9), 8,
              use_cache=True)
    assert TRAINING_RUNS["bptt"] == before + 1
    np.testing.assert_array_equal(a.J, b.J)
    c = train(emg, angles, t, dataclasses.replace(TINY, dtype="float64"), 8, use_cache=True)
    assert TRAINING_RUNS["bptt"] == before + 2
    np.testing.assert_allclose(c.J, a.J, rtol=0, atol=1e-3)  # float32 and float64 runs agree


def test_quick_is_small_and_valid():
    quick = BPTTParams.quick()
    assert quick.n_units < BPTTParams().n_units and quick.steps < BPTTParams().steps
