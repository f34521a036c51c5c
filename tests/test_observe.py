"""Sparse observation: sizes, determinism, partition, and errors before any work."""

from __future__ import annotations

import numpy as np
import pytest

from ffhlib.observe import Observation, ObservationParams, n_observed, observe


def test_default_fractions_give_the_papers_counts():
    obs = observe(200, 10, ObservationParams(), seed=0)
    assert obs.neuron_idx.size == 60  # 30 % of 200
    assert obs.muscle_idx.size == 4  # 40 % of 10
    assert obs.n_neurons == 200 and obs.n_muscles == 10


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_indices_partition_the_units_and_are_sorted(seed):
    obs = observe(200, 10, ObservationParams(neuron_fraction=0.5, muscle_fraction=0.3), seed)
    for seen, unseen, n in ((obs.neuron_idx, obs.unobserved_neuron_idx, 200),
                            (obs.muscle_idx, obs.unobserved_muscle_idx, 10)):
        assert np.all(np.diff(seen) > 0) and np.all(np.diff(unseen) > 0)
        np.testing.assert_array_equal(np.sort(np.concatenate([seen, unseen])), np.arange(n))
        assert seen.dtype == np.int64


def test_same_seed_same_sample_other_seed_other_sample():
    a = observe(200, 10, ObservationParams(), 3)
    b = observe(200, 10, ObservationParams(), 3)
    c = observe(200, 10, ObservationParams(), 4)
    np.testing.assert_array_equal(a.neuron_idx, b.neuron_idx)
    np.testing.assert_array_equal(a.muscle_idx, b.muscle_idx)
    assert not np.array_equal(a.neuron_idx, c.neuron_idx)


def test_full_fraction_observes_everything():
    obs = observe(5, 3, ObservationParams(neuron_fraction=1.0, muscle_fraction=1.0), 0)
    np.testing.assert_array_equal(obs.neuron_idx, np.arange(5))
    assert obs.unobserved_muscle_idx.size == 0


def test_selection_of_activity():
    obs = observe(6, 4, ObservationParams(neuron_fraction=0.5, muscle_fraction=0.5), 1)
    rates = np.arange(2 * 3 * 6).reshape(2, 3, 6)
    emg = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    np.testing.assert_array_equal(obs.neurons(rates), rates[..., obs.neuron_idx])
    np.testing.assert_array_equal(obs.muscles(emg), emg[..., obs.muscle_idx])
    with pytest.raises(ValueError, match="neurons"):
        obs.neurons(emg)


def test_rounding():
    assert n_observed(10, 0.45) == 5 and n_observed(10, 0.44) == 4 and n_observed(200, 0.3) == 60


@pytest.mark.parametrize("bad", [0.0, 1.5, -0.1])
def test_bad_fractions_raise(bad):
    with pytest.raises(ValueError, match="neuron_fraction"):
        ObservationParams(neuron_fraction=bad)
    with pytest.raises(ValueError, match="muscle_fraction"):
        ObservationParams(muscle_fraction=bad)


def test_fraction_selecting_no_unit_raises():
    with pytest.raises(ValueError, match="muscle_fraction.*selects no unit"):
        observe(200, 10, ObservationParams(muscle_fraction=0.01), 0)


def test_bad_sizes_and_types_raise():
    with pytest.raises(ValueError, match="n_neurons"):
        observe(0, 10, ObservationParams(), 0)
    with pytest.raises(TypeError, match="params"):
        observe(10, 10, {"neuron_fraction": 0.3}, 0)
    with pytest.raises(TypeError, match="neuron_fraction"):
        ObservationParams(neuron_fraction="0.3")
    assert isinstance(observe(10, 10, ObservationParams.quick(), 0), Observation)
