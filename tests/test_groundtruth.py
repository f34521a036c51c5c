"""The assembled ground truth: consistency of its parts, subsets, cache, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ffhlib.dynamics import readout_emg, simulate_rates
from ffhlib.emg import EMGParams, emg_targets, intermediate_angles, training_angles
from ffhlib.gains import GainParams, r2_score
from ffhlib.groundtruth import GroundTruth, GroundTruthParams, make_ground_truth
from ffhlib.soc import SOCParams


@pytest.fixture(scope="module")
def small_params():
    # a small circuit whose optimisation is instant (abscissa target 0.6: W - I still stable)
    return GroundTruthParams(
        soc=SOCParams(n_neurons=40, target_abscissa=0.6),
        emg=EMGParams(n_muscles=3, duration_ms=200.0),
        gains=GainParams(n_steps=100),
        n_directions=3,
    )


@pytest.fixture(scope="module")
def truth(small_params):
    return make_ground_truth(small_params, 1, progress=False)


def test_shapes_and_layout(truth, small_params):
    C, T, N, M = 6, 41, 40, 3
    assert isinstance(truth, GroundTruth)
    assert truth.angles.shape == (C,) and truth.time_ms.shape == (T,)
    np.testing.assert_allclose(truth.angles, np.r_[training_angles(3), intermediate_angles(3)])
    np.testing.assert_array_equal(truth.is_training, [True] * 3 + [False] * 3)
    assert truth.emg.shape == truth.emg_target.shape == (C, T, M)
    assert truth.rates.shape == (C, T, N) and truth.gains.shape == (C, N)
    assert truth.readout.shape == (M, truth.n_excitatory) and truth.bias.shape == (M,)
    assert truth.W.shape == (N, N) and truth.x0.shape == (N,)
    assert isinstance(truth.n_excitatory, int) and truth.n_excitatory == 20
    assert isinstance(truth.r2, float) and isinstance(truth.seconds, float)
    assert truth.r2_trace.shape == (small_params.gains.n_steps + 1,)


def test_parts_are_consistent(truth, small_params):
    # emg_target is the GP EMG at these angles
    want = emg_targets(small_params.emg, truth.angles, 1).emg
    np.testing.assert_allclose(truth.emg_target, want)
    # rates are the SOC's under the stored gains, from x0; emg is their readout
    rates = simulate_rates(truth.W, truth.gains, truth.x0, truth.time_ms.size, small_params.rates)
    np.testing.assert_allclose(truth.rates, rates, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(truth.emg, readout_emg(rates, truth.readout, truth.bias,
                                                      truth.n_excitatory), atol=1e-9)
    assert truth.r2 == pytest.approx(r2_score(truth.emg, truth.emg_target))
    assert truth.r2 > 0.99
    np.testing.assert_allclose(truth.r2_per_direction,
                               [r2_score(truth.emg[c], truth.emg_target[c]) for c in range(6)])


def test_select_training_intermediate(truth):
    tr, held = truth.training, truth.intermediate
    assert tr.n_directions == held.n_directions == 3
    assert np.all(tr.is_training) and not np.any(held.is_training)
    np.testing.assert_array_equal(held.emg, truth.emg[3:])
    np.testing.assert_array_equal(held.gains, truth.gains[3:])
    assert held.r2 == pytest.approx(r2_score(truth.emg[3:], truth.emg_target[3:]))
    one = truth.select(4)
    assert one.n_directions == 1 and one.angles[0] == truth.angles[4]
    np.testing.assert_array_equal(truth.select([5, 0]).angles, truth.angles[[5, 0]])
    assert one.W is truth.W  # shared, not per-direction
    with pytest.raises(IndexError):
        truth.select(6)
    with pytest.raises(ValueError, match="at least one"):
        truth.select([])


def test_cache_roundtrip(truth, small_params):
    again = make_ground_truth(small_params, 1, progress=False)
    for field in dataclasses.fields(GroundTruth):
        a, b = getattr(truth, field.name), getattr(again, field.name)
        np.testing.assert_array_equal(a, b, err_msg=field.name)
    assert again.seconds == truth.seconds  # the original run's time, from the cache


def test_bad_input(small_params):
    with pytest.raises(TypeError, match="seed"):
        make_ground_truth(small_params, "x")
    with pytest.raises(ValueError, match="seed"):
        make_ground_truth(small_params, -1)
    with pytest.raises(TypeError, match="params"):
        make_ground_truth({"n_directions": 8}, 0)
    with pytest.raises(ValueError, match="n_directions"):
        GroundTruthParams(n_directions=0)
    with pytest.raises(TypeError, match="gains"):
        GroundTruthParams(gains="x")
    with pytest.raises(ValueError, match="dt_ms"):
        GroundTruthParams(emg=EMGParams(dt_ms=10.0))
    with pytest.raises(TypeError, match="progress"):
        make_ground_truth(small_params, 0, progress="yes")


def test_quick_preset_is_valid():
    q = GroundTruthParams.quick()
    assert q.gains.n_steps < GroundTruthParams().gains.n_steps
    assert dataclasses.replace(q, n_directions=4).n_directions == 4
