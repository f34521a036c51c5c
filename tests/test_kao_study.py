"""Kao's grid (ffhlib.kao_study): the anchor cell is chapter 09's row (the same cache entry),
the Kao rows against direct computations, the design's checks, and a tiny grid end to end."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _tiny import tiny_study

from ffhlib import fullforce, kao_study, rivals, study
from ffhlib.bptt import BPTTParams
from ffhlib.generalization import GeneralizationParams
from ffhlib.mechanism_study import MechanismParams, analyse_unit, jpca_of
from ffhlib.rivals import RivalParams
from ffhlib.single_neuron import single_neuron_match
from ffhlib.sweep import SweepGrid

TINY = tiny_study()
#: Chapter 09's rivals at a tiny size (the anchor test needs only ``bptt``).
RIVALS = dataclasses.replace(RivalParams.quick(), bptt=BPTTParams(n_units=24, steps=5))
MECH = MechanismParams.quick()


def _tiny_design(activations=("tanh", "rtanh"), strengths=(0.0, 0.01)):
    return kao_study.KaoDesign(
        study=TINY, rivals=RIVALS, network=RIVALS.bptt,
        grid=SweepGrid(activations=activations, rate_l2s=strengths, ground_truth_seeds=(0,),
                       seeds=(0,)),
        strengths=strengths, gen=GeneralizationParams.quick(), mech=MECH)


def test_the_anchor_cell_is_chapter_09s_row_the_same_cache_entry():
    design = kao_study.kao_design(TINY, full=True, rivals_params=RIVALS)
    assert design.network == RIVALS.bptt  # full: chapter 09's size and steps
    anchor = [c for c in design.cells()
              if c.bptt.activation == "tanh" and c.bptt.rate_l2 == RIVALS.bptt.rate_l2]
    assert anchor == [RIVALS]
    assert design.strength_index(RIVALS.bptt.rate_l2) == 1
    chapter09, _ = rivals.score_task(TINY, RIVALS, 0, 0, "bptt")
    rows, _, _ = kao_study._jobs(design)
    job = next(j for j in rows if j[2] == RIVALS and j[3:] == (0, 0, "bptt"))
    row, hit = rivals.score_task(*job[1:])
    assert hit, "the grid's anchor cell must read chapter 09's cached row"
    assert row.cca_cd_e == chapter09.cca_cd_e and row.fit_r2 == chapter09.fit_r2
    assert rivals.rival_key(TINY, job[2], "bptt") == rivals.rival_key(TINY, RIVALS, "bptt")


def test_kao_rows_equal_direct_computations():
    gt = study.ground_truth(TINY, 0)
    obs = study.observation(TINY, gt, 0, 0)
    train = gt.training
    E = train.rates[..., obs.evaluation.neurons]
    k = obs.neuron_idx.size
    draw = kao_study.subset_seed(0, 0)
    assert draw != kao_study.subset_seed(0, 1) and draw == kao_study.subset_seed(0, 0)
    hints = kao_study.kao_unit(TINY, RIVALS, MECH, 0, 0, "hints")
    assert hints.n_candidates == k and np.isnan(hints.jpca_rotation)
    assert hints.single_neuron == single_neuron_match(E, obs.neurons(train.rates), n_units=k,
                                                      rng=draw).median
    floor_net = fullforce.untrained(TINY.force, n_outputs=obs.muscle_idx.size,
                                    angles=train.angles, time_ms=train.time_ms, seed=(0, 0))
    floor_rates = fullforce.simulate(floor_net, train.angles, time_ms=train.time_ms).rates
    floor = kao_study.kao_unit(TINY, RIVALS, MECH, 0, 0, "floor")
    assert floor.single_neuron == single_neuron_match(E, floor_rates, n_units=k,
                                                      rng=draw).median
    dt_s = float(train.time_ms[1] - train.time_ms[0]) / 1000.0
    assert floor.jpca_rotation == pytest.approx(
        float(jpca_of(floor_rates, dt_s, MECH).rotational_strength), rel=1e-12)
    soc = kao_study.kao_unit(TINY, RIVALS, MECH, 0, 0, "soc")
    assert np.isnan(soc.single_neuron)
    # FF's rotation is chapter 08's (same activity, same settings)
    ff = kao_study.kao_unit(TINY, RIVALS, MECH, 0, 0, "ff")
    mech_jpca = dataclasses.replace(MECH, analyses=("jpca",))
    assert ff.jpca_rotation == pytest.approx(
        analyse_unit(TINY, mech_jpca, 0, 0, "ff").jpca_rotation, rel=1e-12)
    assert 0.0 < floor.single_neuron < hints.single_neuron <= 1.0


def test_the_design_refuses_a_network_smaller_than_the_recorded_set_before_any_work():
    with pytest.raises(ValueError, match="fewer than the 18 recorded neurons"):
        kao_study.kao_design(TINY, full=True, rivals_params=dataclasses.replace(
            RIVALS, bptt=dataclasses.replace(RIVALS.bptt, n_units=10)))
    with pytest.raises(ValueError, match="must be the grid's rate_l2s"):
        dataclasses.replace(_tiny_design(), strengths=(0.0, 0.5))
    with pytest.raises(ValueError, match="reserved for calibration"):
        dataclasses.replace(_tiny_design(), grid=SweepGrid(
            activations=("tanh",), rate_l2s=(0.0, 0.01), ground_truth_seeds=(101,)))


def test_a_tiny_grid_runs_end_to_end_and_its_table_holds_each_task():
    design = _tiny_design()
    table = kao_study.run_kao_grid(design, progress=False)
    assert (table["error"] == "").all()
    grid = table[table["network"] == "bptt"]
    assert list(zip(grid["activation"], grid["strength_index"], strict=True)) == [
        ("tanh", 0), ("tanh", 1), ("rtanh", 0), ("rtanh", 1)]
    assert set(table["network"]) == {"bptt", "ff", "ffh", "hints", "floor", "soc"}
    cell = design.cells()[3]
    row, hit = rivals.score_task(TINY, cell, 0, 0, "bptt")
    assert hit and grid.iloc[3]["cca_cd_e"] == row.cca_cd_e
    kao = kao_study.kao_unit(TINY, cell, MECH, 0, 0, "bptt")
    assert grid.iloc[3]["single_neuron"] == kao.single_neuron
    assert grid[["fit_r2", "cca_cd_e", "single_neuron", "noise_err", "switch_err",
                 "dsa"]].notna().all().all()
    refs = table[table["network"] == "hints"]
    assert refs["fit_r2"].isna().all() and refs["single_neuron"].notna().all()
    # resumable: a second run reads every task from the cache, the same table
    again = kao_study.run_kao_grid(design, progress=False)
    cols = ["single_neuron", "cca_cd_e", "fit_r2", "dsa", "noise_err"]
    assert again[cols].equals(table[cols])
