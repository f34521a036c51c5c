"""Sparse observation: the evaluation set, nested subsets, independent muscles, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from ffhlib.observe import ObservationParams, evaluation_set, n_observed, observe

FRACTIONS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.6)


def _obs(neuron_fraction=0.3, muscle_fraction=0.4, gt=0, seed=0):
    return observe(200, 10, ObservationParams(neuron_fraction=neuron_fraction,
                                              muscle_fraction=muscle_fraction), gt, seed)


def test_default_fractions_give_the_papers_counts():
    obs = _obs()
    assert obs.neuron_idx.size == 60  # 30 % of 200
    assert obs.muscle_idx.size == 4  # 40 % of 10
    assert obs.evaluation.neurons.size == 80  # 40 % of 200 held out
    assert obs.n_neurons == 200 and obs.n_muscles == 10


@pytest.mark.parametrize("gt", [0, 3])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_evaluation_set_is_disjoint_from_every_observed_subset(gt, seed):
    for f in FRACTIONS:
        obs = _obs(neuron_fraction=f, gt=gt, seed=seed)
        assert np.intersect1d(obs.neuron_idx, obs.evaluation.neurons).size == 0
        assert obs.neuron_idx.size == n_observed(200, f)
        assert np.all(np.diff(obs.neuron_idx) > 0) and obs.neuron_idx.dtype == np.int64


@pytest.mark.parametrize("seed", [0, 4])
def test_subsets_are_nested_across_fractions(seed):
    subsets = [set(_obs(neuron_fraction=f, seed=seed).neuron_idx) for f in FRACTIONS]
    for small, large in zip(subsets, subsets[1:], strict=False):
        assert small < large
    muscles = [set(_obs(muscle_fraction=f, seed=seed).muscle_idx) for f in (0.1, 0.4, 0.7, 1.0)]
    for small, large in zip(muscles, muscles[1:], strict=False):
        assert small <= large


def test_muscles_do_not_depend_on_the_neuron_fraction():
    reference = _obs(neuron_fraction=0.3).muscle_idx
    for f in FRACTIONS:
        np.testing.assert_array_equal(_obs(neuron_fraction=f).muscle_idx, reference)


def test_evaluation_set_is_a_property_of_the_ground_truth():
    a, b = _obs(seed=0).evaluation, _obs(seed=5).evaluation
    np.testing.assert_array_equal(a.neurons, b.neurons)
    np.testing.assert_array_equal(a.half_a, b.half_a)
    other = _obs(gt=1).evaluation
    assert not np.array_equal(a.neurons, other.neurons)


@pytest.mark.parametrize("fraction, n", [(0.4, 200), (0.35, 60), (0.5, 7)])
def test_halves_of_the_evaluation_set_are_disjoint_and_make_the_set(fraction, n):
    e = evaluation_set(n, fraction, 2)
    assert e.half_a.size == e.half_b.size == e.neurons.size // 2
    assert np.intersect1d(e.half_a, e.half_b).size == 0
    together = np.union1d(e.half_a, e.half_b)
    assert set(together) <= set(e.neurons)
    assert e.neurons.size - together.size == e.neurons.size % 2  # an odd E leaves one out
    np.testing.assert_array_equal(np.union1d(e.neurons, e.pool), np.arange(n))
    assert np.intersect1d(e.neurons, e.pool).size == 0


def test_same_unit_same_sample_other_unit_other_sample():
    np.testing.assert_array_equal(_obs(seed=3).neuron_idx, _obs(seed=3).neuron_idx)
    assert not np.array_equal(_obs(seed=3).neuron_idx, _obs(seed=4).neuron_idx)
    assert not np.array_equal(_obs(gt=1, seed=3).neuron_idx, _obs(gt=2, seed=3).neuron_idx)


def test_selection_of_activity():
    obs = _obs()
    rates = np.arange(2 * 3 * 200, dtype=float).reshape(2, 3, 200)
    np.testing.assert_array_equal(obs.neurons(rates), rates[..., obs.neuron_idx])
    emg = np.arange(2 * 3 * 10, dtype=float).reshape(2, 3, 10)
    np.testing.assert_array_equal(obs.unobserved_muscles(emg), emg[..., obs.unobserved_muscle_idx])
    with pytest.raises(ValueError, match="200 neurons"):
        obs.neurons(rates[..., :10])


def test_rounding():
    assert n_observed(10, 0.45) == 5 and n_observed(10, 0.44) == 4 and n_observed(200, 0.3) == 60


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, float("nan")])
def test_bad_fractions_raise(bad):
    with pytest.raises(ValueError, match="fraction"):
        ObservationParams(neuron_fraction=bad)


def test_neuron_fraction_beyond_what_the_evaluation_set_leaves_is_refused():
    with pytest.raises(ValueError, match=r"neuron_fraction must be in \(0, 0.6\]"):
        ObservationParams(neuron_fraction=0.7)
    assert ObservationParams(neuron_fraction=0.6).max_neuron_fraction == pytest.approx(0.6)


def test_fraction_selecting_no_unit_raises():
    with pytest.raises(ValueError, match="muscle_fraction=0.01 selects no unit"):
        observe(200, 10, ObservationParams(muscle_fraction=0.01), 0, 0)


def test_bad_sizes_and_types_raise():
    with pytest.raises(TypeError, match="params"):
        observe(200, 10, {"neuron_fraction": 0.3}, 0, 0)
    with pytest.raises(TypeError, match="n_neurons"):
        observe(200.0, 10, ObservationParams(), 0, 0)
    with pytest.raises(ValueError, match="seed"):
        observe(200, 10, ObservationParams(), 0, -1)
