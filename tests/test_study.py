"""The study runner: one table whatever the executor, each network trained once, honest rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import fullforce, study
from ffhlib.observe import ObservationParams
from ffhlib.parallel import ProcessExecutor, SerialExecutor
from ffhlib.study import KINDS, compare_kinds, run_study, score, train_pair

TINY = tiny_study(seeds=(0, 1))


def _values(table: pd.DataFrame) -> pd.DataFrame:
    """The table without what legitimately differs between executions (where and how long)."""
    return table.drop(columns=["seconds", "worker", "cached", "train_seconds"])


def test_table_has_every_kind_of_every_unit_and_sensible_columns():
    table = run_study(TINY, progress=False)
    assert len(table) == len(TINY.units) * len(KINDS)
    assert set(table["network"]) == set(KINDS)
    assert (table["error"] == "").all()
    ff = table[table["network"] == "ff"]
    ffh = table[table["network"] == "ffh"]
    assert (ff["neuron_fraction"] == 0).all() and (ff["hint_gain"] == 0).all()
    assert (ffh["neuron_fraction"] == 0.3).all()
    assert table[table["network"] == "hints"]["fit_r2"].isna().all()
    assert table[table["network"] == "interpolation"]["cca_e"].isna().all()
    assert table[table["network"] == "interpolation"]["cca_cd_untrained_e"].notna().all()
    for d in TINY.similarity.pca_dims:
        assert f"cca_e_d{d}" in table
    # the headline column is the d-sweep's entry at pca_dim
    np.testing.assert_allclose(table["cca_e"], table[f"cca_e_d{TINY.similarity.pca_dim}"])


def test_serial_and_process_executors_give_the_same_table(tmp_path, monkeypatch):
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "a"))
    serial = run_study(TINY, executor=SerialExecutor(), progress=False)
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "b"))  # computed afresh, in workers
    parallel = run_study(TINY, executor=ProcessExecutor(2), progress=False)
    assert not parallel["cached"].any()
    pd.testing.assert_frame_equal(_values(serial), _values(parallel))


def test_two_entry_points_share_one_trained_pair():
    """Chapter 04 (train_pair) and chapter 05 (run_study) ask for the same unit: trained once."""
    params = dataclasses.replace(TINY, seeds=(5,))
    before = dict(fullforce.TRAINING_RUNS)
    pair = train_pair(params, 0, 5)
    table = run_study(params, progress=False)
    again = train_pair(params, 0, 5)
    assert fullforce.TRAINING_RUNS["ff"] - before.get("ff", 0) == 1
    assert fullforce.TRAINING_RUNS["ffh"] - before.get("ffh", 0) == 1
    np.testing.assert_array_equal(pair.ffh.J, again.ffh.J)
    row = table[table["network"] == "ffh"].iloc[0]
    assert row["fit_r2"] == pytest.approx(pair.ffh.r2)


def test_ff_is_trained_once_across_neuron_fractions_and_hint_gains():
    base = dataclasses.replace(TINY, seeds=(7,))
    before = dict(fullforce.TRAINING_RUNS)
    tables = []
    for fraction, gain in ((0.05, 0.3), (0.3, 0.3), (0.3, 0.1)):
        params = dataclasses.replace(
            base, observation=dataclasses.replace(base.observation, neuron_fraction=fraction),
            force=dataclasses.replace(base.force, hint_gain=gain))
        tables.append(run_study(params, kinds=("ff", "ffh"), progress=False))
    assert fullforce.TRAINING_RUNS["ff"] - before.get("ff", 0) == 1
    assert fullforce.TRAINING_RUNS["ffh"] - before.get("ffh", 0) == 3
    ff_rows = [t[t["network"] == "ff"].drop(columns=["cached"]) for t in tables]
    for other in ff_rows[1:]:
        pd.testing.assert_frame_equal(ff_rows[0].reset_index(drop=True),
                                      other.reset_index(drop=True))
    assert [t[t["network"] == "ff"]["cached"].item() for t in tables] == [False, True, True]


def test_the_hints_of_a_smaller_fraction_are_inside_the_larger_one():
    small = dataclasses.replace(TINY, observation=ObservationParams(neuron_fraction=0.1))
    a = train_pair(small, 0, 0).observation
    b = train_pair(TINY, 0, 0).observation
    assert set(a.neuron_idx) < set(b.neuron_idx)
    np.testing.assert_array_equal(a.muscle_idx, b.muscle_idx)
    assert not set(b.neuron_idx) & set(b.evaluation.neurons)


def test_calibration_ground_truths_never_enter_a_reported_table():
    reserved = dataclasses.replace(TINY, ground_truth_seeds=(0, study.CALIBRATION_GROUND_TRUTHS[0]))
    with pytest.raises(ValueError, match="reserved for calibration"):
        run_study(reserved, progress=False)
    with pytest.raises(ValueError, match="calibration study"):
        run_study(TINY, calibration=True, progress=False)


def test_a_failing_task_is_reported_and_the_others_finish(monkeypatch):
    real = study._score

    def flaky(params, ground_truth_seed, seed, kind):
        if kind == "floor" and seed == 1:
            raise FloatingPointError("the floor network exploded")
        return real(params, ground_truth_seed, seed, kind)

    monkeypatch.setattr(study, "_score", flaky)
    params = dataclasses.replace(TINY, seeds=(0, 1), similarity=dataclasses.replace(
        TINY.similarity))
    table = run_study(dataclasses.replace(params, force=dataclasses.replace(
        params.force, g=1.4)), progress=False)  # a parameter nothing else used: no cached rows
    failed = table[table["error"] != ""]
    assert len(failed) == 1 and failed["network"].item() == "floor" and failed["seed"].item() == 1
    assert "FloatingPointError: the floor network exploded" in failed["error"].item()
    assert np.isnan(failed["cca_e"].item())
    assert (table[table["error"] == ""]["cca_e"].notna()
            | table[table["error"] == ""]["network"].isin(("interpolation", "e_interpolation"))
            ).all()


def test_score_validates_before_any_work():
    with pytest.raises(ValueError, match="kind must be one of"):
        score(TINY, 0, 0, "soc")
    with pytest.raises(ValueError, match="seed"):
        score(TINY, 0, -1, "ff")
    with pytest.raises(TypeError, match="params"):
        score({"n": 1}, 0, 0, "ff")
    with pytest.raises(ValueError, match="kinds"):
        run_study(TINY, kinds=("ff", "nope"), progress=False)


def test_compare_kinds_pairs_rows_of_the_same_unit():
    table = pd.DataFrame({
        "ground_truth": [0, 0, 1, 1, 0, 0, 1, 1],
        "seed": [0, 1, 0, 1, 0, 1, 0, 1],
        "network": ["ffh"] * 4 + ["ff"] * 4,
        "cca_e": [0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.1, 0.2],
        "error": [""] * 8,
    })
    s = compare_kinds(table, "cca_e")
    assert s.n == 2 and s.n_units == 4 and list(s.groups) == [0, 1]
    assert s.differences[0] == pytest.approx(((0.9 - 0.5) + (0.8 - 0.5)) / 2)
    assert s.differences[1] == pytest.approx(((0.7 - 0.1) + (0.6 - 0.2)) / 2)
    assert np.isnan(s.ci_diff[0])  # no interval from 2 ground truths
    assert s.family_size == 1 and s.p_adjusted == s.wilcoxon_p  # a family of one
    with pytest.raises(ValueError, match="no rows"):
        compare_kinds(table, "cca_e", a="hints")


# --- beyond the recordings: untrained directions, condition-dependent part, oracle ------------

def test_half_the_training_directions_split_every_other_one():
    params = dataclasses.replace(TINY, training_directions="half")
    gt = study.ground_truth(params, 0)
    trained, untrained = study.direction_split(params, gt)
    np.testing.assert_array_equal(trained.angles, gt.training.angles[::2])
    assert untrained.n_directions == gt.n_directions - trained.n_directions
    assert np.all(np.diff(np.mod(untrained.angles, 2 * np.pi)) > 0)
    every = np.sort(np.mod(np.r_[trained.angles, untrained.angles], 2 * np.pi))
    np.testing.assert_allclose(every, np.sort(np.mod(gt.angles, 2 * np.pi)))
    full_trained, full_untrained = study.direction_split(TINY, gt)
    np.testing.assert_array_equal(full_trained.angles, gt.training.angles)
    np.testing.assert_array_equal(full_untrained.angles, gt.intermediate.angles)
    with pytest.raises(ValueError, match="training_directions"):
        dataclasses.replace(TINY, training_directions="some")


def test_untrained_rows_score_the_right_activity():
    """Each reference is what it claims, checked against its definition from the ground truth."""
    from ffhlib.metrics import angular_interpolation
    from ffhlib.scoring import similarity_measures
    from ffhlib.similarity import condition_dependent, oracle_activity

    rows = {k: score(TINY, 0, 0, k) for k in KINDS}
    gt = study.ground_truth(TINY, 0)
    obs = study.observation(TINY, gt, 0, 0)
    tr, new = gt.training, gt.intermediate
    halves, sim = obs.evaluation.halves, TINY.similarity
    # the interpolated recordings: no trained-direction score, an untrained one recomputed here
    guess = angular_interpolation(obs.neurons(tr.rates), tr.angles, new.angles)
    again = similarity_measures(tr.rates, new.rates, trained=None,
                                untrained=[(h, guess) for h in halves], dims=sim.pca_dims,
                                dim=sim.pca_dim)
    assert np.isnan(rows["interpolation"].cca_e)
    assert rows["interpolation"].cca_cd_untrained_e == pytest.approx(again["cca_cd_untrained_e"])
    # the oracle is scored with every neuron outside each half
    oracle = similarity_measures(tr.rates, new.rates,
                                 trained=[(h, oracle_activity(tr.rates, halves, k))
                                          for k, h in enumerate(halves)],
                                 untrained=None, dims=sim.pca_dims, dim=sim.pca_dim)
    assert rows["oracle"].cca_e == pytest.approx(oracle["cca_e"])
    assert rows["oracle"].n_units == gt.n_neurons - halves[0].size
    # E's own interpolation: R^2 of E on the new directions, of all and of the cd part
    e = obs.evaluation.neurons
    pred = angular_interpolation(tr.rates[..., e], tr.angles, new.angles)
    resid = np.sum((pred - new.rates[..., e]) ** 2)
    total = np.sum((new.rates[..., e] - new.rates[..., e].mean(axis=(0, 1))) ** 2)
    assert rows["e_interpolation"].r2_interp_e == pytest.approx(1 - resid / total)
    cd_pred, cd_true = condition_dependent(pred), condition_dependent(new.rates[..., e])
    cd_total = np.sum((cd_true - cd_true.mean(axis=(0, 1))) ** 2)
    assert rows["e_interpolation"].r2_interp_cd_e == pytest.approx(
        1 - np.sum((cd_pred - cd_true) ** 2) / cd_total)
    assert 0 <= rows["e_interpolation"].shared_share_e <= 1
    # every similarity that applies is a correlation in [0, 1] or an angle in [0, pi/2]
    for kind, row in rows.items():
        for name in ("cca_untrained_e", "cca_cd_untrained_e"):
            assert 0 <= getattr(row, name) <= 1 + 1e-9, (kind, name)
        assert 0 <= row.procrustes_cd_untrained_e <= np.pi / 2 + 1e-9, kind


def test_networks_are_scored_on_untrained_directions_they_never_saw():
    params = dataclasses.replace(TINY, training_directions="half")
    row = score(params, 0, 0, "ffh")
    assert row.training_directions == "half"
    assert np.isfinite(row.cca_untrained_e) and np.isfinite(row.gen_err)
    pair_net = study.train_network(params, 0, 0, "ffh")
    gt = study.ground_truth(params, 0)
    np.testing.assert_array_equal(pair_net.angles, study.direction_split(params, gt)[0].angles)
