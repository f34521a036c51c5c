"""The paired-seed runner: parameters, the ceiling split, caching, and parallel == serial."""

import dataclasses

import numpy as np
import pytest

from ffhlib import cache, fullforce
from ffhlib.emg import EMGParams
from ffhlib.experiments import (
    NETWORKS,
    ExperimentParams,
    ceiling_split,
    run_seed,
    run_seeds,
    stack_rows,
    train_pair,
)
from ffhlib.gains import GainParams
from ffhlib.groundtruth import GroundTruthParams
from ffhlib.soc import SOCParams


@pytest.fixture(scope="module")
def tiny():
    """A tiny study: a 40-neuron SOC (instant optimisation), 4 directions of 200 ms, 3 muscles,
    a 40-unit RNN trained for 3 passes, two latent dimensions."""
    quick = ExperimentParams.quick()
    truth = GroundTruthParams(
        soc=SOCParams(n_neurons=40, target_abscissa=0.6),
        emg=EMGParams(n_muscles=3, duration_ms=200.0),
        gains=GainParams(n_steps=30),
        n_directions=4,
    )
    return dataclasses.replace(
        quick, ground_truth=truth,
        force=dataclasses.replace(quick.force, n_units=40, n_passes=3, prep_ms=50.0),
        pca_dims=(2, 3), pca_dim=3, n_seeds=2)


def test_params_validation():
    p = ExperimentParams.quick()
    with pytest.raises(ValueError, match="pca_dim"):
        dataclasses.replace(p, pca_dim=5)  # not in the sweep
    with pytest.raises(ValueError, match="increasing"):
        dataclasses.replace(p, pca_dims=(3, 2), pca_dim=3)
    with pytest.raises(TypeError, match="n_seeds"):
        dataclasses.replace(p, n_seeds="3")
    with pytest.raises(ValueError, match="resample_fraction"):
        dataclasses.replace(p, resample_fraction=0.7)
    with pytest.raises(TypeError, match="force"):
        dataclasses.replace(p, force=None)
    assert ExperimentParams().n_seeds >= 10  # METHODS.md §6
    assert p.pca_dims[p.dim_index] == p.pca_dim


def test_ceiling_split_is_disjoint_and_seeded():
    a, b = ceiling_split(200, 0.5, seed=3)
    assert a.size == b.size == 100
    assert np.intersect1d(a, b).size == 0
    assert np.all(np.diff(a) > 0) and np.all(np.diff(b) > 0)
    a2, _ = ceiling_split(200, 0.5, seed=3)
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(a, ceiling_split(200, 0.5, seed=4)[0])
    with pytest.raises(ValueError):
        ceiling_split(3, 0.1, seed=0)


def test_run_seed_row_and_pairing(tiny):
    row = run_seed(tiny, 0)
    k, dmax = len(tiny.pca_dims), max(tiny.pca_dims)
    for net in NETWORKS:
        assert row[f"cc_{net}"].shape == (k, dmax)
        assert row[f"mean_cc_{net}"].shape == (k,)
        assert np.all((row[f"mean_cc_{net}"] >= 0) & (row[f"mean_cc_{net}"] <= 1))
        assert np.all((row[f"procrustes_{net}"] >= 0) & (row[f"procrustes_{net}"] <= np.pi / 2))
        # the mean of the spectrum is the stored mean; padding beyond d is NaN
        np.testing.assert_allclose(np.nanmean(row[f"cc_{net}"], axis=1), row[f"mean_cc_{net}"])
        assert np.isnan(row[f"cc_{net}"][0, 2:]).all()
    # paired design: FF and FFH of one seed saw the same observed subset and the same J_D, U_in
    pair = train_pair(tiny, 0)
    np.testing.assert_array_equal(pair.ff.U_in, pair.ffh.U_in)
    assert pair.ff.n_hints == 0 and pair.ffh.n_hints == pair.observation.neuron_idx.size
    # the random baseline is untrained: its weights are the seed's J_D, not a trained J
    rnd = fullforce.untrained(tiny.force, n_inputs_like=pair.ff, seed=0)
    assert not np.allclose(rnd.J, pair.ff.J)


def test_parallel_equals_serial_and_resumes(tiny, tmp_path, monkeypatch):
    serial = run_seeds(tiny, [0, 1], n_jobs=1, use_cache=False, progress=False)
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path))
    parallel = run_seeds(tiny, [0, 1], n_jobs=2, progress=False)
    for a, b in zip(serial, parallel, strict=True):
        assert a.keys() == b.keys()
        for key in (k for k in a if not k.startswith("seconds_")):  # wall time is no result
            np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)
    # the workers wrote the rows into this cache: a rerun reads them without computing
    n_files = len(list(tmp_path.glob("similarity_seed-*.npz")))
    assert n_files == 2
    calls = []
    original = cache.cached

    def spy(stage, params, compute, enabled=True):
        return original(stage, params, lambda: calls.append(stage) or compute(), enabled=enabled)

    monkeypatch.setattr("ffhlib.experiments.cached", spy)
    again = run_seeds(tiny, [0, 1], n_jobs=1, progress=False)
    assert calls == []
    table = stack_rows(again)
    assert table["mean_cc_ff"].shape == (2, 2)
    np.testing.assert_array_equal(table["seed"], [0, 1])
    np.testing.assert_array_equal(table["dims"], tiny.pca_dims)


def test_a_seeds_cache_key_ignores_how_many_seeds_are_run():
    from ffhlib.cache import cache_key

    params = ExperimentParams.quick()
    more = dataclasses.replace(params, n_seeds=params.n_seeds + 5)
    assert cache_key("similarity_seed", {"params": params.seed_key(), "seed": 0}) == \
        cache_key("similarity_seed", {"params": more.seed_key(), "seed": 0})
    other = dataclasses.replace(params, pca_dim=params.pca_dims[0])
    assert cache_key("similarity_seed", {"params": params.seed_key(), "seed": 0}) != \
        cache_key("similarity_seed", {"params": other.seed_key(), "seed": 0})
