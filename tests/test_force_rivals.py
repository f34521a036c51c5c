"""τ-matched full-FORCE: the parameters, and training and simulation at tau = 200 ms, dt = 10 ms
against plain NumPy."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ffhlib import force_rivals
from ffhlib.dynamics import RateParams
from ffhlib.fullforce import ForceParams, simulate, train
from ffhlib.trials import trial_inputs


def _smooth(n_dir=2, n_time=41, n_out=2, n_hints=4, seed=0):
    """Targets as slow for tau = 200 ms as the book's are for 10 ms: 1 s on a 25 ms grid."""
    rng = np.random.default_rng(seed)
    t = 25.0 * np.arange(n_time)
    angles = 2 * np.pi * np.arange(n_dir) / n_dir
    basis = np.stack([np.cos((i + 1) * np.pi * t / t[-1]) for i in range(2)])

    def signals(k):
        a, b = rng.normal(size=(2, k, 2))
        return (np.cos(angles)[:, None, None] * (a @ basis)[None]
                + np.sin(angles)[:, None, None] * (b @ basis)[None]).transpose(0, 2, 1)

    env = np.sin(np.pi * t / t[-1]) ** 2
    return angles, t, env[None, :, None] * np.log1p(np.exp(signals(n_out))), \
        20 + 10 * np.tanh(signals(n_hints))


def test_tau_matched_force_takes_the_soc_tau_and_the_calibrated_settings():
    base = ForceParams(n_units=123, g=1.2)
    p = force_rivals.tau_matched_force(base)
    s = force_rivals.TAU_MATCHED["preparation"]
    assert p.tau_ms == RateParams().tau_ms == force_rivals.soc_tau_ms() == 200.0
    assert (p.dt_ms, p.update_every) == (force_rivals.TAU_MATCHED_DT_MS,
                                         force_rivals.TAU_MATCHED_UPDATE_EVERY)
    assert (p.training_noise, p.hint_gain, p.n_passes) == (s.training_noise, s.hint_gain,
                                                           s.n_passes)
    assert (p.n_units, p.g, p.prep_ms) == (123, 1.2, base.prep_ms)
    assert p.n_prep_steps * p.dt_ms == pytest.approx(p.prep_ms)
    with pytest.raises(ValueError, match="cue_epoch"):
        force_rivals.tau_matched_force(dataclasses.replace(base, cue_epoch="trial"))
    with pytest.raises(TypeError, match="base"):
        force_rivals.tau_matched_force(object())


def _numpy_run(net, angles):
    """Plain Euler loop at the network's own dt/tau, independent of the kernels."""
    p = net.params
    n_move = int(round((net.time_ms[-1] - net.time_ms[0]) / p.dt_ms)) + 1
    f_in = trial_inputs(angles, p, n_move)
    out = []
    for c in range(angles.size):
        x = np.zeros(net.n_units)
        zs = []
        for s in range(f_in.shape[1]):
            zs.append(net.W @ np.tanh(x))
            x = x + p.dt_ms / p.tau_ms * (-x + net.J @ np.tanh(x) + net.U_in @ f_in[c, s])
        out.append(np.array(zs)[-n_move:])
    fine = net.time_ms[0] + p.dt_ms * np.arange(n_move)
    return np.stack([[np.interp(net.time_ms, fine, o[:, k]) for k in range(o.shape[1])]
                     for o in out]).transpose(0, 2, 1)


@pytest.mark.parametrize("hinted", [False, True])
def test_tau_200_training_fits_an_easy_target_and_simulates_at_its_dt(hinted):
    angles, t, emg, rates = _smooth()
    p = ForceParams(n_units=80, tau_ms=200.0, dt_ms=10.0, update_every=1, n_passes=30,
                    prep_ms=100.0, go_ms=20.0, training_noise=0.0, hint_gain=0.2)
    net = train(emg, angles, t, p, 0, hints=rates if hinted else None, progress=False)
    assert net.r2 > 0.95, net.r2
    act = simulate(net, angles)
    assert act.output.shape == emg.shape
    np.testing.assert_allclose(act.output, _numpy_run(net, angles), rtol=1e-8, atol=1e-10)
