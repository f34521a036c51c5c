"""Helpers behind chapters 1-3 (ffhlib.groundtruth_analysis): closed forms and slow loops."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import i0e

from ffhlib import groundtruth_analysis as gta
from ffhlib.amplification import linear_response_norm
from ffhlib.emg import EMGParams, emg_targets, training_angles
from ffhlib.gains import gain_similarity
from ffhlib.groundtruth import GroundTruthParams
from ffhlib.inference import bootstrap_mean_interval
from ffhlib.summaries import BOOT_SEED, N_BOOT


def _cosine_emg(n_directions: int, rng) -> np.ndarray:
    """EMG_c = cos(theta_c) a + sin(theta_c) b with a, b orthonormal and zero-mean: the
    correlation of directions c and d is exactly cos(theta_c - theta_d)."""
    q, _ = np.linalg.qr(rng.standard_normal((60, 2)))
    a, b = q[:, 0] - q[:, 0].mean(), q[:, 1] - q[:, 1].mean()
    b -= a * (a @ b) / (a @ a)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    theta = training_angles(n_directions)
    flat = np.cos(theta)[:, None] * a + np.sin(theta)[:, None] * b
    return flat.reshape(n_directions, 20, 3)


@pytest.mark.parametrize("n", [4, 8, 16])
def test_direction_correlation_closed_form(n):
    corr = gta.direction_correlation(_cosine_emg(n, np.random.default_rng(n)))
    assert corr.neighbour == pytest.approx(np.cos(2 * np.pi / n), abs=1e-12)
    assert corr.opposite == pytest.approx(-1.0, abs=1e-12)


def test_direction_correlation_matches_a_loop():
    emg = np.random.default_rng(0).random((6, 11, 4))
    flat = emg.reshape(6, -1)
    near = np.mean([np.corrcoef(flat[i], flat[(i + 1) % 6])[0, 1] for i in range(6)])
    far = np.mean([np.corrcoef(flat[i], flat[(i + 3) % 6])[0, 1] for i in range(6)])
    corr = gta.direction_correlation(emg)
    assert corr.neighbour == pytest.approx(near, abs=1e-12)
    assert corr.opposite == pytest.approx(far, abs=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        gta.direction_correlation(emg[:1])


def test_correlation_vs_angle_scale_is_the_correlation_at_each_scale():
    params, angles = EMGParams(), training_angles(8)
    sens = gta.correlation_vs_angle_scale(params, [0.7, 2.0], angles, seed=1)
    for k, scale in enumerate((0.7, 2.0)):
        emg = emg_targets(dataclasses.replace(params, angle_scale_rad=scale), angles, 1).emg
        assert sens.neighbour[k] == gta.direction_correlation(emg).neighbour
        assert sens.opposite[k] == gta.direction_correlation(emg).opposite
    assert sens.neighbour[1] > sens.neighbour[0]     # a smoother process correlates more


def test_kernel_variance_lost():
    params = EMGParams()
    lost = gta.kernel_variance_lost(params)
    assert 0.0 <= lost < 1e-12
    # one term only (H = 0) loses everything but a_0 = exp(-x) I_0(x), x = 1 / l^2
    coarse = SimpleNamespace(angle_scale_rad=2.0, n_harmonics=0)
    assert gta.kernel_variance_lost(coarse) == pytest.approx(1.0 - i0e(0.25), rel=1e-12)


@pytest.mark.parametrize(("value", "kwargs", "text"), [
    (0.0, {}, "below 10⁻⁶"),
    (-3e-17, {}, "below 10⁻⁶"),
    (3e-9, {"floor": 1e-12}, "3e-09"),
    (2e-13, {"floor": 1e-12}, "below 10⁻¹²"),
    (0.01234, {}, "0.012"),
    (0.01234, {"digits": 3}, "0.0123"),
])
def test_format_small(value, kwargs, text):
    assert gta.format_small(value, **kwargs) == text


def test_format_small_needs_a_power_of_ten():
    with pytest.raises(ValueError, match="power of ten"):
        gta.format_small(1.0, floor=3e-6)


def test_transient_amplification_of_a_normal_matrix_is_none():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((10, 10))
    W = 0.3 * (A + A.T) / np.abs(np.linalg.eigvalsh(A + A.T)).max()   # symmetric, abscissa 0.3
    t = np.arange(0.0, 500.0, 5.0)
    amp = gta.transient_amplification(W, t, tau_ms=100.0, n_random=5, rng=0)
    assert amp.peak == pytest.approx(1.0) and amp.peak_time_ms == 0.0
    assert np.all(np.diff(amp.norm_best) <= 1e-12)
    assert amp.norm_random.shape == (5, t.size) and np.all(amp.random_peaks <= 1.0 + 1e-12)


def test_transient_amplification_of_a_feedforward_chain():
    """W = [[0, w], [0, 0]]: x(t) = e^{-s} (I + W s) x0, s = t / tau, so the most amplified state
    (top eigenvector of the Gramian) grows when w is large; compared with the exact solution."""
    w, tau = 8.0, 50.0
    W = np.array([[0.0, w], [0.0, 0.0]])
    t = np.arange(0.0, 400.0, 1.0)
    amp = gta.transient_amplification(W, t, tau_ms=tau, n_random=3, rng=1)
    s = t / tau
    x0 = np.linalg.eigh(np.array([[1.0, w / 2], [w / 2, 1 + w**2 / 2]]))[1][:, -1]
    exact = [np.exp(-si) * np.linalg.norm((np.eye(2) + W * si) @ x0) for si in s]
    np.testing.assert_allclose(amp.norm_best, exact, rtol=1e-8)
    assert amp.peak > 2.0 and 0.0 < amp.peak_time_ms < 100.0
    X = np.random.default_rng(1).standard_normal((3, 2))          # the same draws as rng=1
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    np.testing.assert_allclose(amp.norm_random, linear_response_norm(W, X, t, tau_ms=tau),
                               rtol=1e-10)


def _fake_ground_truth(gains, angles, r2_per_direction):
    return SimpleNamespace(gains=np.asarray(gains), angles=np.asarray(angles),
                           r2_per_direction=np.asarray(r2_per_direction),
                           r2=float(np.mean(r2_per_direction)))


def test_gain_fit_summary_counts_gains_at_the_bounds():
    gt = _fake_ground_truth([[0.05, 1.0, 5.0], [0.5, 0.05 * (1 + 1e-12), 2.0]], [0.0, np.pi],
                            [0.99, 0.95])
    summary = gta.gain_fit_summary(gt, 0.05, 5.0)
    assert summary.n_at_bound == 3 and summary.n_gains == 6
    assert summary.fraction_at_bound == 0.5
    assert summary.r2_min == 0.95 and summary.worst_angle_deg == pytest.approx(180.0)


def test_gain_similarity_over_ground_truths():
    rng = np.random.default_rng(3)
    angles = training_angles(8)
    gts = {s: _fake_ground_truth(np.exp(rng.normal(0, 0.2, (8, 12))), angles, np.ones(8))
           for s in range(4)}
    curve = gta.gain_similarity_over_ground_truths(gts)
    per = np.array([gain_similarity(g.gains, g.angles)[1] for g in gts.values()])
    np.testing.assert_allclose(curve.per_ground_truth, per)
    np.testing.assert_allclose(curve.mean, per.mean(axis=0))
    for s in range(per.shape[1]):  # the percentile bootstrap of each separation's mean
        boot = bootstrap_mean_interval(per[:, s], n_boot=N_BOOT, rng=BOOT_SEED)
        assert curve.lo[s] == pytest.approx(boot.low) and curve.hi[s] == pytest.approx(boot.high)
        # never clipped, yet within the ground truths' range (a percentile interval of a mean)
        assert per[:, s].min() - 1e-12 <= curve.lo[s] <= curve.mean[s] <= curve.hi[s]
        assert curve.hi[s] <= per[:, s].max() + 1e-12
    two = gta.gain_similarity_over_ground_truths({0: gts[0], 1: gts[1]})
    assert np.all(np.isnan(two.lo)) and np.all(np.isnan(two.hi))  # no interval from 2 units
    with pytest.raises(ValueError):
        gta.gain_similarity_over_ground_truths({})


def test_most_variable_neurons():
    rates = np.zeros((2, 5, 4))
    rates[:, :, 2] = np.arange(5.0)
    rates[:, :, 0] = 0.5 * np.arange(5.0)
    np.testing.assert_array_equal(gta.most_variable_neurons(rates, 2), [2, 0])
    assert gta.most_variable_neurons(rates, 10).size == 4


@pytest.mark.parametrize(("value", "seeds"), [
    ((0, 1, 2), (0, 1, 2)), ([3], (3,)), ("[4, 5]", (4, 5)), ("6, 7", (6, 7)), (8, (8,)),
    ("9", (9,)),
])
def test_seeds_argument(value, seeds):
    assert gta.seeds_argument("s", value) == seeds


@pytest.mark.parametrize("value", [(0, 0), (), (-1,), "a, b", (1.5,)])
def test_seeds_argument_rejects(value):
    with pytest.raises((TypeError, ValueError), match="s"):
        gta.seeds_argument("s", value)


def test_ground_truth_fits_is_a_tidy_table_of_the_ground_truths():
    params = GroundTruthParams.quick()
    gts, fits = gta.ground_truth_fits(params, [2, 1], n_jobs=1)
    assert list(gts) == [2, 1] and fits.seeds == [2, 1]
    n = gts[2].n_directions
    assert fits.r2.shape == (2 * n,)
    for seed, gt in gts.items():
        np.testing.assert_array_equal(fits.column("r2", seed), gt.r2_per_direction)
        np.testing.assert_allclose(fits.column("angle_deg", seed), np.degrees(gt.angles))
        assert fits.r2_overall[seed] == gt.r2
    rows = fits.rows()
    assert len(rows) == 2 * n and set(rows[0]) == {"seed", "angle_deg", "is_training", "r2"}
    with pytest.raises(ValueError, match="distinct"):
        gta.ground_truth_fits(params, [1, 1])


# --- chapter 3's settings and glued values


def test_gain_chapter_params_replace_only_the_given_knobs():
    assert gta.gain_chapter_params(False) == GroundTruthParams()
    assert gta.gain_chapter_params(True) == GroundTruthParams.quick()
    p = gta.gain_chapter_params(True, n_steps=7)
    assert p.gains.n_steps == 7
    assert p.gains.learning_rate == GroundTruthParams.quick().gains.learning_rate
    p = gta.gain_chapter_params(False, learning_rate=0.5)
    assert p.gains.learning_rate == 0.5 and p.gains.n_steps == GroundTruthParams().gains.n_steps


@pytest.mark.parametrize(("seed", "seeds", "quick", "built"), [
    (0, (0, 1, 2, 3), False, [0, 1, 2, 3]), (0, (0, 1, 2, 3), True, [0, 1]),
    (3, (0, 1, 2), True, [3, 0, 1]), (1, (0, 1, 2), False, [1, 0, 2]),
])
def test_seeds_to_build(seed, seeds, quick, built):
    assert gta.seeds_to_build(seed, seeds, quick) == built


def _fake_fitted(seed, r2_per_direction, gains, *, trace=(0.5, 0.9, 0.95), seconds=2.0):
    r2 = np.asarray(r2_per_direction, dtype=float)
    n = r2.size
    return SimpleNamespace(
        angles=2 * np.pi * np.arange(n) / n, is_training=np.arange(n) % 2 == 0,
        r2_per_direction=r2, r2=float(r2.mean()), seconds=seconds, gains=np.asarray(gains),
        n_directions=n, n_neurons=np.shape(gains)[1], n_muscles=3, n_excitatory=2,
        r2_trace=np.asarray(trace), rates=np.full((n, 4, 5), 7.0),
        training=SimpleNamespace(r2=0.91), intermediate=SimpleNamespace(r2=0.92))


def test_fit_helpers_by_hand():
    gts = {5: _fake_fitted(5, [0.995, 0.98, 0.999, 0.992], np.ones((4, 6))),
           2: _fake_fitted(2, [0.999, 0.998, 0.999, 0.997], np.ones((4, 6)))}
    fits = gta.fits_table(gts)
    np.testing.assert_allclose(gta.unexplained_variance(fits),
                               [[0.005, 0.02, 0.001, 0.008], [0.001, 0.002, 0.001, 0.003]],
                               atol=1e-15)
    assert gta.n_invalid_ground_truths(fits, 0.99) == 1
    assert gta.n_invalid_ground_truths(fits, 0.9) == 0
    assert gta.n_invalid_ground_truths(fits, 0.999) == 2
    with pytest.raises(ValueError, match="valid_r2"):
        gta.n_invalid_ground_truths(fits, 1.5)


def test_gain_chapter_values_by_hand():
    rng = np.random.default_rng(0)
    gains = np.exp(rng.normal(0, 0.2, (4, 6)))
    gains[0, 0] = 0.05  # one gain at the lower bound
    gts = {1: _fake_fitted(1, [0.995, 0.98, 0.999, 0.992], gains,
                           trace=np.linspace(0.5, 0.99, 150), seconds=3.0),
           0: _fake_fitted(0, [0.999, 0.998, 0.999, 0.997], np.exp(rng.normal(0, 0.2, (4, 6))),
                           seconds=4.0)}
    params = GroundTruthParams.quick()
    fits = gta.fits_table(gts)
    curve = gta.gain_similarity_over_ground_truths(gts)
    values = gta.gain_chapter_values(params, gts, fits, curve, 1, n_jobs=2, valid_r2=0.99)
    assert values["gain_r2"] == pytest.approx(np.mean([0.995, 0.98, 0.999, 0.992]))
    assert values["gain_r2_min"] == 0.98 and values["gain_r2_min_angle"] == 90.0
    assert values["gain_n_at_bound"] == 1 and values["gain_n_gains"] == 24
    assert values["gain_fraction_at_bound"] == pytest.approx(1 / 24)
    assert values["gain_check_step"] == 100
    assert values["gain_r2_at_step"] == pytest.approx(0.5 + 0.49 * 100 / 149)
    assert values["gain_all_seconds"] == 7.0 and values["gain_n_jobs"] == 2.0
    assert isinstance(values["gain_n_jobs"], float) and isinstance(values["gain_seed"], int)
    assert values["gain_r2_ground_truths_min"] == 0.98
    assert values["gain_r2_ground_truths_overall_min"] == pytest.approx(
        np.mean([0.995, 0.98, 0.999, 0.992]))
    assert values["gain_neighbour_deg"] == pytest.approx(90.0)
    assert values["gain_peak_rate"] == 7.0 and values["n_ground_truths"] == 2
    _, similarity = gain_similarity(gains, gts[1].angles)
    assert values["gain_neighbour_corr"] == similarity[1]
    assert values["gain_opposite_corr"] == similarity[-1]
    assert values["gain_neighbour_corr_mean"] == curve.mean[1]
    assert values["gain_ground_truth_seeds"] == "1, 0"
    assert values["gain_muscle_range"] == "m1–m3"
    assert values["rate_tau_ms"] == params.rates.tau_ms
    assert values["gain_validity_verdict"] == "1 of the 2 ground truths are not valid"
    assert values["gain_bound_verdict"] == "so the bounds shape part of the result"
    short = {0: _fake_fitted(0, [0.999] * 4, np.exp(rng.normal(0, 0.2, (4, 6))),
                             trace=(0.5, 0.9))}
    few = gta.gain_chapter_values(params, short, gta.fits_table(short),
                                  gta.gain_similarity_over_ground_truths(short), 0, n_jobs=1,
                                  valid_r2=0.99)
    assert few["gain_check_step"] == 1 and few["gain_r2_at_step"] == 0.9
    assert few["gain_validity_verdict"] == "every ground truth is valid"
    assert few["gain_bound_verdict"] == "so the bounds do not shape the result"
    with pytest.raises(ValueError, match="seed 3"):
        gta.gain_chapter_values(params, short, gta.fits_table(short), curve, 3, n_jobs=1,
                                valid_r2=0.99)
