"""Tests of the GP EMG targets (ffhlib.emg)."""

import dataclasses

import numpy as np
import pytest

from ffhlib import emg
from ffhlib.emg import EMGParams, emg_targets, intermediate_angles, training_angles


@pytest.fixture(scope="module")
def params():
    return EMGParams()


def test_angles():
    np.testing.assert_allclose(training_angles(8), np.deg2rad(np.arange(0, 360, 45)))
    np.testing.assert_allclose(intermediate_angles(8), np.deg2rad(np.arange(22.5, 360, 45)))
    assert training_angles(4).shape == (4,)


def test_shapes_and_time_grid(params):
    t = emg_targets(params, training_angles(8), seed=0)
    assert t.emg.shape == (8, 101, params.n_muscles)
    assert t.time_ms[0] == 0.0 and t.time_ms[-1] == params.duration_ms
    np.testing.assert_allclose(np.diff(t.time_ms), params.dt_ms)
    np.testing.assert_array_equal(t.angles, training_angles(8))


def test_kernel_series_matches_periodic_kernel():
    a = emg.periodic_kernel_coefficients(1.0, 20)
    d = np.linspace(-np.pi, np.pi, 41)
    series = np.cos(np.outer(d, np.arange(a.size))) @ a
    np.testing.assert_allclose(series, np.exp(-2 * np.sin(d / 2) ** 2), atol=1e-12)


def test_function_of_angle(params):
    """Same seed => the same EMG at 0 rad whether 8 or 16 directions are requested."""
    e8 = emg_targets(params, training_angles(8), seed=3).emg
    e16 = emg_targets(params, training_angles(16), seed=3).emg
    np.testing.assert_allclose(e8[0], e16[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(e8, e16[::2], rtol=0, atol=1e-12)
    single = emg_targets(params, [np.pi / 4], seed=3).emg
    np.testing.assert_allclose(single[0], e8[1], atol=1e-12)
    # periodic in angle
    shifted = emg_targets(params, training_angles(8) + 2 * np.pi, seed=3).emg
    np.testing.assert_allclose(shifted, e8, atol=1e-9)


def test_seeds_differ(params):
    a = emg_targets(params, training_angles(8), seed=0).emg
    b = emg_targets(params, training_angles(8), seed=1).emg
    assert np.abs(a - b).max() > 0.1


def test_non_negative_baseline_and_normalised(params):
    t = emg_targets(params, training_angles(360), seed=0)  # the normalisation grid itself
    assert np.all(t.emg >= 0)
    np.testing.assert_allclose(t.emg.max(axis=(0, 1)), 1.0, atol=1e-12)
    e = emg_targets(params, np.linspace(0, 2 * np.pi, 50), seed=0).emg
    assert e.max() <= 1.0 + 1e-3  # off the 1-degree normalisation grid: max 1 up to O(1e-4)
    assert np.abs(e[:, [0, -1]]).max() < 1e-12  # baseline at onset and end
    assert e[:, [1, -2]].max() < 0.05


def test_multiphasic(params):
    """Muscles have more than one burst in at least some directions (several local maxima)."""
    e = emg_targets(params, training_angles(8), seed=0).emg
    x = e[:, 1:-1, :]
    peaks = (x > e[:, :-2, :]) & (x > e[:, 2:, :]) & (x > 0.1)
    assert peaks.sum(axis=1).max() >= 2
    assert np.mean(peaks.sum(axis=1) >= 2) > 0.2


def test_neighbouring_angles_correlate_more(params):
    """Correlation over time x muscles: neighbours (45 deg) > opposite directions (180 deg)."""
    near, far = [], []
    for seed in range(5):
        e = emg_targets(params, training_angles(8), seed=seed).emg.reshape(8, -1)
        c = np.corrcoef(e)
        near.append(np.mean([c[i, (i + 1) % 8] for i in range(8)]))
        far.append(np.mean([c[i, (i + 4) % 8] for i in range(8)]))
    assert np.mean(near) > np.mean(far) + 0.2
    assert all(n > f for n, f in zip(near, far, strict=True))


def test_bad_input(params):
    with pytest.raises(ValueError, match="angles"):
        emg_targets(params, np.zeros((2, 3)), seed=0)
    with pytest.raises(ValueError, match="angles"):
        emg_targets(params, [], seed=0)
    with pytest.raises(ValueError, match="angles"):
        emg_targets(params, [0.0, np.nan], seed=0)
    with pytest.raises(TypeError, match="seed"):
        emg_targets(params, [0.0], seed="x")
    with pytest.raises(ValueError, match="seed"):
        emg_targets(params, [0.0], seed=-1)
    with pytest.raises(TypeError, match="params"):
        emg_targets({"n_muscles": 10}, [0.0], seed=0)
    with pytest.raises(ValueError, match="n_muscles"):
        EMGParams(n_muscles=-5)
    with pytest.raises(TypeError, match="n_muscles"):
        EMGParams(n_muscles="10")
    with pytest.raises(ValueError, match="duration_ms"):
        EMGParams(duration_ms=501.0)
    with pytest.raises(ValueError, match="time_scale_ms"):
        EMGParams(time_scale_ms=0.0)
    with pytest.raises(ValueError, match="n_harmonics"):
        EMGParams(angle_scale_rad=0.1, n_harmonics=4)
    with pytest.raises(ValueError, match="n"):
        training_angles(0)
    assert dataclasses.replace(EMGParams.quick(), n_muscles=4).n_muscles == 4


def test_plots_smoke(params):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ffhlib.plotting import ground_truth as gtplots

    t = emg_targets(params, training_angles(4), seed=0)
    i = emg_targets(params, intermediate_angles(4), seed=0)
    fig = gtplots.plot_emg_grid(t.time_ms, t.emg, t.angles, extra_emg=i.emg, extra_angles=i.angles)
    assert len(fig.axes) == 4 * params.n_muscles
    ax = gtplots.plot_emg_polar_tuning(t.angles, t.emg[:, :, 0].mean(axis=1))
    assert len(ax.lines) == 1
    plt.close("all")
