"""Tests of ffhlib.generalization: error measure, folds over directions, ridge readout, runners."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from ffhlib.generalization import (
    GeneralizationParams,
    direction_folds,
    emg_error,
    leave_one_out_folds,
    ridge_fit,
    unobserved_muscle_r2,
)

# --- error measure ---------------------------------------------------------------------------


def test_emg_error_matches_r2_definition():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(5, 20, 3))
    predicted = target + 0.3 * rng.normal(size=target.shape)
    err = emg_error(predicted, target)
    mean = target.reshape(-1, 3).mean(axis=0)
    sst = ((target - mean) ** 2).sum(axis=(1, 2))
    sse = ((predicted - target) ** 2).sum(axis=(1, 2))
    assert np.allclose(err.per_direction, sse / sst)
    assert err.overall == pytest.approx(sse.sum() / sst.sum())
    # the overall error is the SS-weighted mean of the per-direction errors
    assert err.overall == pytest.approx(np.average(err.per_direction, weights=sst))
    assert err.r2 == pytest.approx(1 - err.overall)


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


# --- folds -----------------------------------------------------------------------------------


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
    base = unobserved_muscle_r2(rates, emg, penalty=0.1, n_folds=4)
    for c in range(8):
        other = emg.copy()
        other[c] = rng.normal(size=other[c].shape) * 10
        score = unobserved_muscle_r2(rates, other, penalty=0.1, n_folds=4)
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
    score = unobserved_muscle_r2(rates, emg, penalty=1e-6, n_folds=8)
    assert score.r2 > 0.999
    scaled = unobserved_muscle_r2(100 * rates, emg, penalty=1e-6, n_folds=8)
    assert np.allclose(scaled.predicted, score.predicted)


def test_ridge_bad_input():
    with pytest.raises(ValueError, match="samples"):
        ridge_fit(np.zeros((5, 2)), np.zeros((4, 1)), 1.0)
    with pytest.raises(ValueError):
        ridge_fit(np.zeros((5, 2)), np.zeros((5, 1)), -1.0)
    with pytest.raises(ValueError, match="finite"):
        ridge_fit(np.full((5, 2), np.nan), np.zeros((5, 1)), 1.0)
    with pytest.raises(ValueError, match="share"):
        unobserved_muscle_r2(np.zeros((4, 5, 3)), np.zeros((4, 6, 1)), penalty=1.0, n_folds=2)


# --- parameters ------------------------------------------------------------------------------


def test_params_validate():
    GeneralizationParams()
    GeneralizationParams.quick()
    with pytest.raises(ValueError, match="noise_sigma"):
        GeneralizationParams(noise_sigma=0.3)
    with pytest.raises(ValueError, match="input_noise_sigmas"):
        GeneralizationParams(input_noise_sigmas=(0.0, -0.1))
    with pytest.raises(TypeError, match="loo_folds"):
        GeneralizationParams(loo_folds=(0.5,))
    with pytest.raises(TypeError, match="training_noise_values"):
        GeneralizationParams(training_noise_values="0.1")
    with pytest.raises(ValueError, match="readout_folds"):
        GeneralizationParams(readout_folds=1)
    p = dataclasses.replace(GeneralizationParams(), loo_folds=[1, 2])
    assert p.loo_folds == (1, 2)


# --- runners on a small synthetic ground truth -----------------------------------------------

from ffhlib import experiments, fullforce  # noqa: E402
from ffhlib.generalization import (  # noqa: E402
    curve_summary,
    evaluate_seed,
    evaluate_seeds,
    leave_one_out_error,
    leave_one_out_seeds,
    loo_fold,
    noise_sweep,
)
from ffhlib.groundtruth import GroundTruth, GroundTruthParams  # noqa: E402

TINY_FORCE = fullforce.ForceParams(n_units=40, n_passes=3, prep_ms=30.0, go_ms=10.0)


def _synthetic_ground_truth(n_dir=8, n_neurons=12, n_exc=6, n_muscles=5) -> GroundTruth:
    """Smooth rates of angle and time, EMG a linear readout of the excitatory rates."""
    rng = np.random.default_rng(11)
    angles = np.concatenate([2 * np.pi * np.arange(n_dir) / n_dir,
                             2 * np.pi * np.arange(n_dir) / n_dir + np.pi / n_dir])
    time_ms = np.arange(0.0, 101.0, 10.0)
    env = np.sin(np.pi * time_ms / time_ms[-1]) ** 2
    phase = rng.uniform(0, 2 * np.pi, n_neurons)
    rates = 10 + 8 * env[None, :, None] * np.cos(angles[:, None, None] - phase)
    readout = rng.uniform(0, 0.1, (n_muscles, n_exc))
    bias = np.zeros(n_muscles)
    emg = bias + rates[..., :n_exc] @ readout.T
    C = angles.size
    return GroundTruth(angles=angles, is_training=np.arange(C) < n_dir, time_ms=time_ms,
                       emg_target=emg, emg=emg, rates=rates, gains=np.ones((C, n_neurons)),
                       readout=readout, bias=bias, x0=np.zeros(n_neurons),
                       W=np.zeros((n_neurons, n_neurons)), n_excitatory=n_exc, r2=1.0,
                       r2_per_direction=np.ones(C), seconds=0.0)


@pytest.fixture
def tiny(monkeypatch):
    gt = _synthetic_ground_truth()
    monkeypatch.setattr(experiments, "ground_truth", lambda params, progress=False: gt)
    exp = experiments.ExperimentParams(ground_truth=GroundTruthParams.quick(), force=TINY_FORCE,
                                       pca_dim=2, pca_dims=(2,), n_seeds=2)
    gen = GeneralizationParams(input_noise_sigmas=(0.0, 0.5), noise_sigma=0.5, noise_trials=2,
                               readout_folds=4, pca_dim=2, loo_folds=(1, 5), loo_seeds=2,
                               training_noise_values=(0.0, 0.05), study_seeds=1)
    return gt, exp, gen


def test_zero_input_noise_equals_noiseless_run(tiny):
    gt, exp, gen = tiny
    pair = experiments.train_pair(exp, 0)
    train = gt.training
    plain = fullforce.simulate(pair.ff, train.angles, time_ms=train.time_ms)
    zero = fullforce.simulate(pair.ff, train.angles, time_ms=train.time_ms, input_noise=0.0,
                              seed=123)
    assert np.array_equal(plain.output, zero.output) and np.array_equal(plain.rates, zero.rates)
    target = pair.observation.muscles(train.emg)
    sweep = noise_sweep(pair.ff, train.angles, train.time_ms, target, train.rates,
                        sigmas=(0.0, 0.5), n_trials=3, pca_dim=2, seed=0)
    assert np.all(sweep.error[0] == emg_error(plain.output, target).overall)
    assert sweep.error.shape == sweep.cca.shape == (2, 3)
    assert np.all(sweep.error[1] != sweep.error[0])  # noise changes the output
    assert len(set(sweep.error[1])) == 3  # independent trials


def test_evaluate_seed_matches_direct_computation(tiny):
    gt, exp, gen = tiny
    row = evaluate_seed(exp, gen, 1, use_cache=False)
    pair = experiments.train_pair(exp, 1)
    inter, obs = gt.intermediate, pair.observation
    for name in ("ff", "ffh"):
        act = fullforce.simulate(getattr(pair, name), inter.angles, time_ms=inter.time_ms)
        err = emg_error(act.output, obs.muscles(inter.emg))
        assert row[f"gen_err_{name}"] == pytest.approx(err.overall)
        assert np.allclose(row[f"gen_err_dir_{name}"], err.per_direction)
        assert row[f"noise_err_{name}"].shape == (2, 2)
        assert row[f"noise_err_{name}"][0, 0] == pytest.approx(row[f"fit_err_{name}"])
    # the ceiling (all SOC neurons, of which the EMG is an exact linear readout) is near 1
    assert row["unobs_r2_soc_all"] > 0.95
    rows = evaluate_seeds(exp, gen, seeds=[1], n_jobs=1, progress=False)
    assert rows["gen_err_ffh"][0] == pytest.approx(row["gen_err_ffh"])


def test_leave_one_out_never_trains_on_the_held_out_direction(tiny, monkeypatch):
    gt, exp, gen = tiny
    seen = []
    original = fullforce.train_cached

    def spy(targets, angles, time_ms, params, seed, **kw):
        seen.append(np.asarray(angles).copy())
        return original(targets, angles, time_ms, params, seed, **kw)

    simulated = []
    original_simulate = fullforce.simulate

    def spy_simulate(net, angles, **kw):
        simulated.append(np.asarray(angles).copy())
        return original_simulate(net, angles, **kw)

    monkeypatch.setattr(fullforce, "train_cached", spy)
    monkeypatch.setattr(fullforce, "simulate", spy_simulate)
    train_angles = gt.training.angles
    inter_angles = gt.intermediate.angles
    for held in (0, 3, 7):
        seen.clear()
        simulated.clear()
        row = leave_one_out_error(exp, 0, held, use_cache=False)
        assert len(seen) == 2  # FF and FFH
        for angles in seen:
            assert angles.size == 7 and not np.any(np.isclose(angles, train_angles[held]))
        # the intermediate directions tested are the 6 not adjacent to the held-out one
        tested = [a for a in simulated if a.size == 6]
        assert len(tested) == 2
        adjacent = inter_angles[[held, (held - 1) % 8]]
        assert not np.any(np.isclose(tested[0][:, None], adjacent[None, :]))
        assert set(np.round(tested[0], 9)) <= set(np.round(inter_angles, 9))
        assert np.allclose(row["loo_target"], gt.training.emg[held][:, experiments.observe(
            gt.n_neurons, gt.n_muscles, exp.observation, 0).muscle_idx])
    with pytest.raises(ValueError, match="held_out"):
        leave_one_out_error(exp, 0, 8, use_cache=False)


def test_leave_one_out_seeds_layout(tiny):
    gt, exp, gen = tiny
    out = leave_one_out_seeds(exp, gen, training_noise_values=(0.0, 0.1), n_jobs=1,
                              progress=False)
    assert out["loo_err_ff"].shape == (2, 2)
    assert np.array_equal(out["held_out"][0], [loo_fold(gen, 0), loo_fold(gen, 1)])
    assert np.array_equal(out["training_noise"][:, 0], [0.0, 0.1])


def test_curve_summary():
    values = np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 2.0]])
    mean, lo, hi = curve_summary(values)
    assert np.allclose(mean, [2.0, 2.0]) and lo[0] < 2.0 < hi[0] and lo[1] == hi[1] == 2.0


def test_runner_bad_input(tiny):
    gt, exp, gen = tiny
    with pytest.raises(TypeError, match="exp"):
        evaluate_seed("params", gen, 0)
    with pytest.raises(TypeError, match="gen"):
        evaluate_seed(exp, None, 0)
    with pytest.raises(ValueError, match="training_noise"):
        leave_one_out_error(exp, 0, 1, training_noise=-0.1)
    with pytest.raises(ValueError, match="seed"):
        evaluate_seed(exp, gen, -1)


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


def test_angular_interpolation():
    from ffhlib.generalization import angular_interpolation

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


def test_leave_one_out_fold_out_of_range_fails_before_any_work():
    import dataclasses

    from ffhlib.experiments import ExperimentParams
    from ffhlib.generalization import GeneralizationParams, leave_one_out_seeds

    exp = ExperimentParams.quick()
    gen = dataclasses.replace(GeneralizationParams.quick(), loo_folds=(0, 8))
    with pytest.raises(ValueError, match=r"loo_folds must index the 8 training directions"):
        leave_one_out_seeds(exp, gen, progress=False)
