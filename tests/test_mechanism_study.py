"""Mechanism analyses on the study's networks: task variants reduce to the standard evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import fullforce
from ffhlib.mechanism_study import MechanismParams, analyse_unit, rotation_deviation
from ffhlib.study import score, train_pair

TINY = tiny_study(seeds=(0,))


def test_variants_at_the_trained_delay_and_without_a_switch_are_the_standard_run():
    pair = train_pair(TINY, 0, 0)
    angles = pair.ground_truth.training.angles
    plain = fullforce.simulate(pair.ffh, angles)
    same_delay = fullforce.simulate(pair.ffh, angles, prep_ms=TINY.force.prep_ms)
    no_switch = fullforce.simulate(pair.ffh, angles, switch_angles=angles,
                                   switch_ms=TINY.force.prep_ms / 2)
    for other in (same_delay, no_switch):
        np.testing.assert_array_equal(other.output, plain.output)
        np.testing.assert_array_equal(other.rates, plain.rates)
    # the whole-trial states end in the movement the standard run reports
    time_ms, x = fullforce.trial_states(pair.ffh, angles)
    move = time_ms >= 0
    fine = fullforce.simulate(pair.ffh, angles, time_ms=time_ms[move][::5])
    np.testing.assert_allclose(np.tanh(x[:, move][:, ::5]), fine.rates, atol=1e-12)


def test_the_delay_curve_at_the_trained_delay_is_the_studys_fit():
    """Two code paths: the mechanism row's error at the trained delay is 1 - the study's fit."""
    mech = MechanismParams(analyses=("variants",), delays_ms=(100.0, TINY.force.prep_ms))
    row = analyse_unit(TINY, mech, 0, 0, "ffh")
    fit = score(TINY, 0, 0, "ffh").fit_r2
    assert row.delay_err[1] == pytest.approx(1 - fit, rel=1e-9)
    assert row.delay_err[0] != row.delay_err[1]
    assert np.isnan(row.jpca_rotation) and np.isnan(row.dsa)  # analyses not asked for
    # ignoring a switch to the opposite direction is as bad as predicting another direction
    assert row.switch_ignore_err > 0.5


def test_rotation_deviation_is_against_the_same_ground_truth():
    table = pd.DataFrame({"ground_truth": [0, 0, 0, 1, 1, 1],
                          "network": ["soc", "ff", "ffh", "soc", "ff", "ffh"],
                          "jpca_rotation": [0.9, 0.5, 0.8, 0.6, 0.7, 0.2]})
    out = rotation_deviation(table)
    np.testing.assert_allclose(out["jpca_deviation"].to_numpy(),
                               [np.nan, 0.4, 0.1, np.nan, 0.1, 0.4], equal_nan=True)


def test_mechanism_params_validate():
    with pytest.raises(ValueError, match="analyses"):
        MechanismParams(analyses=("jpca", "tea_leaves"))
    with pytest.raises(ValueError, match="dsa_rank"):
        MechanismParams(dsa_pcs=2, dsa_n_delays=2, dsa_rank=5)
    with pytest.raises(ValueError, match="switch_at"):
        MechanismParams(switch_at=1.0)
