"""Single-neuron similarity: a plain-loop reference, exact matches, the chance level, guards."""

import numpy as np
import pytest

from ffhlib.single_neuron import single_neuron_match

C, T = 8, 40


def _smooth_units(seed, n):
    """Smooth PSTHs: a few sinusoids in time whose amplitudes vary with direction."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, T)
    angle = 2 * np.pi * np.arange(C) / C
    out = np.zeros((C, T, n))
    for f in (1, 2, 3):
        phase = rng.uniform(0, 2 * np.pi, size=n)
        tuning = rng.normal(size=n) * np.cos(angle[:, None] - rng.uniform(0, 2 * np.pi, size=n))
        out += (tuning[:, None, :] + rng.normal(size=n)) * np.sin(
            2 * np.pi * f * t[None, :, None] + phase) / f
    return out + rng.uniform(0, 5, size=n)


def _loop_reference(reference, units):
    """Best Pearson correlation of each reference PSTH with any unit (np.corrcoef, loops)."""
    best = []
    for j in range(reference.shape[2]):
        x = reference[:, :, j].ravel()
        best.append(max(np.corrcoef(x, units[:, :, k].ravel())[0, 1]
                        for k in range(units.shape[2])))
    return np.array(best)


def test_against_a_loop_reference():
    ref, units = _smooth_units(0, 6), _smooth_units(1, 9)
    m = single_neuron_match(ref, units)
    np.testing.assert_allclose(m.correlations, _loop_reference(ref, units), atol=1e-12)
    assert m.median == pytest.approx(np.median(_loop_reference(ref, units)))
    assert list(m.units) == list(range(9)) and not m.absolute
    for j in range(6):
        r = np.corrcoef(ref[:, :, j].ravel(), units[:, :, m.best_units[j]].ravel())[0, 1]
        assert r == pytest.approx(m.correlations[j])


def test_one_when_the_reference_is_a_subset_of_the_units():
    units = _smooth_units(2, 30)
    chosen = np.array([3, 8, 21, 29])
    # the units may be a positive affine image of the reference (tanh units vs. Hz)
    m = single_neuron_match(3.0 * units[:, :, chosen] + 10.0, units)
    np.testing.assert_allclose(m.correlations, 1.0, atol=1e-12)
    assert list(m.best_units) == list(chosen) and m.median == pytest.approx(1.0)


def test_time_shuffled_units_fall_to_the_chance_level():
    """Shuffling each unit's PSTH samples (directions x time) destroys any match: the score
    falls far below the unshuffled one, to that of independent noise units of the same count,
    near the expected best of K correlations under the null, about sqrt(2 ln K / (C T))."""
    K = 40
    units = _smooth_units(3, K)
    reference = units[:, :, :20]
    matched = single_neuron_match(reference, units).median
    rng = np.random.default_rng(4)
    flat = units.reshape(C * T, K).copy()
    for k in range(K):
        flat[:, k] = rng.permutation(flat[:, k])
    shuffled = single_neuron_match(reference, flat.reshape(C, T, K)).median
    noise = np.mean([single_neuron_match(reference, np.random.default_rng(s).normal(
        size=(C, T, K))).median for s in range(10)])
    null = np.sqrt(2 * np.log(K) / (C * T))
    assert matched == pytest.approx(1.0)
    assert shuffled < 0.25 * matched
    assert shuffled == pytest.approx(noise, rel=0.3)
    assert 0.5 * null < noise < 1.5 * null


def test_the_subset_is_reproducible():
    ref, units = _smooth_units(5, 4), _smooth_units(6, 50)
    a = single_neuron_match(ref, units, n_units=10, rng=3)
    b = single_neuron_match(ref, units, n_units=10, rng=3)
    c = single_neuron_match(ref, units, n_units=10, rng=4)
    assert np.array_equal(a.units, b.units) and np.array_equal(a.correlations, b.correlations)
    assert not np.array_equal(a.units, c.units)
    assert a.units.size == 10 and np.unique(a.units).size == 10 and np.all(np.diff(a.units) > 0)
    assert set(a.best_units) <= set(a.units)
    # the score over the subset is the score against those units alone
    alone = single_neuron_match(ref, units[:, :, a.units])
    np.testing.assert_allclose(a.correlations, alone.correlations, atol=1e-15)
    # every unit: n_units = all of them
    assert np.array_equal(single_neuron_match(ref, units, n_units=50).units, np.arange(50))


def test_constant_neurons_and_units():
    units = _smooth_units(7, 5)
    # a reference neuron that mirrors unit 0; the only other candidate is constant. The
    # constant unit is skipped (not scored 0), so the best signed correlation is -1.
    ref = np.stack([-units[:, :, 0], np.full((C, T), 4.0), units[:, :, 0]], axis=2)
    cands = np.stack([units[:, :, 0], np.full((C, T), 2.0)], axis=2)
    m = single_neuron_match(ref, cands)
    assert m.correlations[0] == pytest.approx(-1.0) and m.best_units[0] == 0
    assert np.isnan(m.correlations[1]) and m.best_units[1] == -1
    assert m.n_constant_reference == 1 and m.n_constant_units == 1
    assert m.median == pytest.approx(0.0) and np.isfinite(m.median)  # median of -1 and 1
    # absolute: the mirror counts as a match
    a = single_neuron_match(ref, cands, absolute=True)
    assert a.correlations[0] == pytest.approx(1.0) and a.absolute
    with pytest.raises(ValueError, match="candidate units of unit_rates are constant"):
        single_neuron_match(ref, np.ones((C, T, 3)))
    with pytest.raises(ValueError, match="every neuron of reference_rates is constant"):
        single_neuron_match(np.zeros((C, T, 2)), cands)


def test_guards():
    ref, units = _smooth_units(8, 3), _smooth_units(9, 6)
    with pytest.raises(ValueError, match=r"n_units must be an integer in \[1, 6\]"):
        single_neuron_match(ref, units, n_units=7)
    with pytest.raises(ValueError, match="n_units"):
        single_neuron_match(ref, units, n_units=0)
    with pytest.raises(TypeError, match="n_units"):
        single_neuron_match(ref, units, n_units=2.5)
    with pytest.raises(ValueError, match="rng"):
        single_neuron_match(ref, units, n_units=2, rng=-1)
    with pytest.raises(ValueError, match="share"):
        single_neuron_match(ref, units[:, :-1])
    with pytest.raises(ValueError, match="reference_rates"):
        single_neuron_match(ref[0], units)
    with pytest.raises(TypeError, match="absolute"):
        single_neuron_match(ref, units, absolute=1)
