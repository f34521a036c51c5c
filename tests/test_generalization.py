"""Generalization tests on the study's networks: noise, unobserved muscles, leave one out."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _tiny import tiny_study

from ffhlib import fullforce, generalization
from ffhlib.generalization import (
    LOO_KINDS,
    GeneralizationParams,
    evaluate_unit,
    leave_one_out,
    loo_direction,
    run_training_noise,
    untrained_example,
)
from ffhlib.metrics import emg_error
from ffhlib.study import run_study, train_pair

TINY = tiny_study(seeds=(0, 1))
GEN = GeneralizationParams(input_noise_sigmas=(0.0, 0.5), noise_sigma=0.5, noise_trials=3,
                           readout_folds=4)


def test_params_validate():
    with pytest.raises(ValueError, match="noise_sigma"):
        GeneralizationParams(noise_sigma=0.3)
    with pytest.raises(ValueError, match="input_noise_sigmas"):
        GeneralizationParams(input_noise_sigmas=(0.0, -0.1))
    with pytest.raises(ValueError, match="ridge_penalty"):
        GeneralizationParams(ridge_penalty=0.5)
    with pytest.raises(ValueError, match="readout_folds"):
        GeneralizationParams(readout_folds=1)
    assert GeneralizationParams(input_noise_sigmas=[0.0, 0.4]).input_noise_sigmas == (0.0, 0.4)


def test_noiseless_curve_point_is_the_study_fit_and_noise_is_paired():
    """Two code paths agree: the noise curve at sigma = 0 is 1 - the study's fit R²."""
    table = run_study(TINY, kinds=("ff", "ffh"), progress=False)
    for network in ("ff", "ffh"):
        row = evaluate_unit(TINY, GEN, 0, 1, network)
        fit = table[(table["network"] == network) & (table["seed"] == 1)]["fit_r2"].item()
        assert row.noise_err[0] == pytest.approx(1 - fit, rel=1e-9)
        assert row.noise_err[1] != row.noise_err[0]
    # the noise each trial receives comes from its own spawned seed, the same for FF and FFH
    pair = train_pair(TINY, 0, 1)
    train = pair.ground_truth.training
    runs = [fullforce.simulate(pair.ff, train.angles, input_noise=0.5, noise_seed=child).output
            for child in generalization.spawn_seeds((0, 1), "test_noise", 3)]
    assert not np.allclose(runs[0], runs[1]) and not np.allclose(runs[1], runs[2])


def test_unobserved_muscles_from_all_soc_neurons_is_nearly_exact():
    """The EMG is a linear readout of the SOC: from all its neurons the readout is near 1, from
    the observed ones no better (they are a subset)."""
    exact = dataclasses.replace(GEN, ridge_penalty=1e-9, ridge_penalties=(1e-9, 0.1))
    soc = evaluate_unit(TINY, exact, 0, 0, "soc")
    hints = evaluate_unit(TINY, exact, 0, 0, "hints")
    assert soc.unobs_r2 > 0.99  # EMG = bias + readout @ excitatory rates, exactly
    assert hints.unobs_r2 < soc.unobs_r2
    assert soc.unobs_r2_penalties[1] < soc.unobs_r2  # shrinkage costs accuracy here
    assert np.isnan(soc.noise_err).all()  # the SOC has no input to perturb
    assert soc.unobs_r2_penalties.shape == (2,)
    with pytest.raises(ValueError, match="network must be one of"):
        evaluate_unit(TINY, GEN, 0, 0, "floor")


def test_leave_one_out_never_trains_on_the_held_out_direction(monkeypatch):
    seen = []
    original = fullforce.train

    def spy(targets, angles, time_ms, params, seed, **kw):
        seen.append(np.asarray(angles).copy())
        return original(targets, angles, time_ms, params, seed, **kw)

    monkeypatch.setattr(fullforce, "train", spy)
    params = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, n_passes=3))
    train_angles = train_pair(params, 0, 0).ground_truth.training.angles
    seen.clear()
    for held in (0, 5):
        rows = leave_one_out(params, 0, 0, held)
        assert [r.network for r in rows] == list(LOO_KINDS)
        assert all(r.held_out == held for r in rows)
        trained = seen[-2:]
        for angles in trained:
            assert angles.size == 7 and not np.any(np.isclose(angles, train_angles[held]))
        # the interpolation baseline is the average of the two neighbours (90 degrees apart)
        interp = rows[-1]
        gt = train_pair(params, 0, 0).ground_truth
        obs = train_pair(params, 0, 0).observation
        target = obs.muscles(gt.training.emg)
        expected = 0.5 * (target[(held - 1) % 8] + target[(held + 1) % 8])
        np.testing.assert_allclose(interp.output, expected, atol=1e-12)
        assert interp.loo_err == pytest.approx(
            emg_error(expected[None], target[held][None]).overall)
    assert loo_direction(params, 3, 2) == 5
    with pytest.raises(ValueError, match="held_out"):
        leave_one_out(params, 0, 0, 8)


# --- positive control: dense training directions interpolate ---------------------------------


def _smooth_targets(angles, time_ms, n_muscles=3):
    D = time_ms[-1]
    env = np.sin(np.pi * time_ms / D) ** 2
    phi = np.linspace(0, 2 * np.pi, n_muscles, endpoint=False)
    psi = np.linspace(0, np.pi, n_muscles)
    return (env[None, :, None] * (1 + np.cos(angles[:, None, None] - phi)) / 2
            * (1 + 0.5 * np.sin(2 * np.pi * time_ms[None, :, None] / D + psi)))


def test_network_trained_on_16_directions_interpolates():
    """Positive control: smooth targets, 16 directions, training noise, non-chaotic target net.

    Held-out directions half-way between the trained ones are predicted about as well as the
    trained ones (held-out error < 0.25 and < 2x the fit error).
    """
    time_ms = np.arange(0.0, 301.0, 10.0)
    params = fullforce.ForceParams(n_units=100, n_passes=20, prep_ms=50.0, go_ms=20.0, g=1.0,
                                   training_noise=0.05)
    trained = 2 * np.pi * np.arange(16) / 16
    held_out = trained + np.pi / 16
    net = fullforce.train(_smooth_targets(trained, time_ms), trained, time_ms, params, 0,
                          progress=False, use_cache=False)
    fit = emg_error(fullforce.simulate(net, trained).output, _smooth_targets(trained, time_ms))
    gen = emg_error(fullforce.simulate(net, held_out).output, _smooth_targets(held_out, time_ms))
    assert fit.overall < 0.25
    assert gen.overall < 0.25 and gen.overall < 2 * fit.overall


def test_training_noise_study_is_the_study_at_each_noise():
    """Each block of the training-noise table is the plain study with that training noise."""
    values = (0.0, TINY.force.training_noise)
    table = run_training_noise(TINY, values, kinds=("ff", "ffh"), progress=False)
    assert list(table["sigma_train"].unique()) == list(values)
    for s in values:
        alone = run_study(dataclasses.replace(TINY, force=dataclasses.replace(
            TINY.force, training_noise=s)), kinds=("ff", "ffh"), progress=False)
        block = table[table["sigma_train"] == s].reset_index(drop=True)
        assert np.array_equal(block["gen_err"].to_numpy(), alone["gen_err"].to_numpy())
        assert list(block["network"]) == list(alone["network"])
    # the two noises train different networks
    assert not np.array_equal(table[table["sigma_train"] == 0.0]["gen_err"].to_numpy(),
                              table[table["sigma_train"] == values[1]]["gen_err"].to_numpy())


def test_training_noise_refuses_bad_values_before_any_work(monkeypatch):
    def never(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("work started")

    monkeypatch.setattr(generalization, "run_study", never)
    with pytest.raises(ValueError, match="noise_values"):
        run_training_noise(TINY, (0.0, -0.1))
    with pytest.raises(ValueError, match="noise_values must not repeat"):
        run_training_noise(TINY, (0.1, 0.1))


def test_untrained_example_is_the_first_unit_on_every_second_untrained_direction():
    example = untrained_example(TINY)
    pair = train_pair(TINY, *TINY.units[0])
    inter = pair.ground_truth.intermediate
    assert (example.ground_truth, example.seed) == TINY.units[0]
    assert example.n_directions == pair.ground_truth.training.n_directions
    np.testing.assert_array_equal(example.angles, inter.angles[::2])
    assert set(example.outputs) == {"FF", "FFH"}
    direct = fullforce.simulate(pair.ffh, inter.angles[::2]).output
    np.testing.assert_array_equal(example.outputs["FFH"], direct)
    assert example.target.shape == direct.shape
    np.testing.assert_array_equal(example.target, inter.emg[::2][..., pair.observation.muscle_idx])
