"""Mechanism analyses on the study's networks: task variants reduce to the standard evaluation,
preparatory states are fixed points of the cue, the figure's jPCA is the table's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import fullforce, mechanisms
from ffhlib.mechanism_study import (
    MechanismParams,
    analyse_unit,
    jpca_of,
    jpca_projections,
    rotation_deviation,
)
from ffhlib.metrics import emg_error
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


def test_preparatory_states_are_stable_fixed_points_of_the_cue():
    pair = train_pair(TINY, 0, 0)
    net, train = pair.ffh, pair.ground_truth.training
    prep = mechanisms.preparatory_states(net, train.angles, onset_ms=float(train.time_ms[0]),
                                         q_tol=1e-6, radius=0.05, n_eigenvalues=5)
    force, C = net.params, train.angles.size
    # the input: the trial's own input one step before the go pulse (cue on, go off)
    f_in = fullforce.trial_inputs(train.angles, force, 2)
    n_prep = int(round(force.prep_ms / force.dt_ms))
    before_go = n_prep - force.n_go_steps - 1
    assert np.all(f_in[:, before_go, 2] == 0) and np.all(f_in[:, before_go + 1, 2] > 0)
    np.testing.assert_allclose(prep.input_currents, f_in[:, before_go] @ net.U_in.T, atol=1e-12)
    # the rates there: the trial's states one step before the go pulse
    time_ms, x = fullforce.trial_states(net, train.angles)
    np.testing.assert_allclose(prep.rates, np.tanh(x[:, n_prep - force.n_go_steps - 1]))
    found = np.isfinite(prep.distances)
    assert np.array_equal(found, np.isfinite(prep.points).all(axis=1))
    for c in np.flatnonzero(found):  # each point: a zero of the flow, stable, at its distance
        p = prep.points[c]
        assert np.max(np.abs(mechanisms.rnn_velocity(p, net.J, prep.input_currents[c]))) < 1e-3
        assert np.linalg.eigvals(mechanisms.rnn_jacobian(p, net.J)).real.max() < 0
        np.testing.assert_allclose(prep.distances[c], np.linalg.norm(np.tanh(p) - prep.rates[c])
                                   / np.sqrt(net.n_units), rtol=1e-12)
    assert prep.found_fraction == np.sum(prep.distances[found] <= 0.05) / C
    wide = mechanisms.preparatory_states(net, train.angles, onset_ms=float(train.time_ms[0]),
                                         q_tol=1e-6, radius=1e6, n_eigenvalues=5)
    assert wide.found_fraction == found.mean()


def test_onset_spectra_are_the_linearisation_of_the_reported_movement():
    pair = train_pair(TINY, 0, 0)
    net, train = pair.ff, pair.ground_truth.training
    prep = mechanisms.preparatory_states(net, train.angles, onset_ms=float(train.time_ms[0]),
                                         q_tol=1e-6, radius=0.05, n_eigenvalues=4)
    onset = fullforce.simulate(net, train.angles).rates[:, 0]  # another path to the onset rates
    for c in range(train.angles.size):
        jac = net.J * (1 - onset[c] ** 2)[None, :] - np.eye(net.n_units)
        eig = np.linalg.eigvals(jac) / (net.params.tau_ms / 1000)
        leading = eig[np.argsort(-eig.real)][:4]
        np.testing.assert_allclose(np.sort(prep.onset_eigenvalues[c].real),
                                   np.sort(leading.real), rtol=1e-6, atol=1e-6)
    with pytest.raises(TypeError, match="TrainedRNN"):
        mechanisms.preparatory_states("net", train.angles, onset_ms=0.0, q_tol=1e-6, radius=0.05,
                                      n_eigenvalues=4)
    with pytest.raises(ValueError, match="radius"):
        mechanisms.preparatory_states(net, train.angles, onset_ms=0.0, q_tol=1e-6, radius=0.0,
                                      n_eigenvalues=4)


def test_a_switch_all_the_way_round_is_no_switch():
    pair = train_pair(TINY, 0, 0)
    train = pair.ground_truth.training
    target = pair.observation.muscles(train.emg)
    C = train.angles.size
    out = mechanisms.task_variant_errors(pair.ffh, train.angles, target, time_ms=train.time_ms,
                                         delays_ms=(TINY.force.prep_ms,), switch_offset=C,
                                         switch_at=0.5)
    plain = emg_error(fullforce.simulate(pair.ffh, train.angles, time_ms=train.time_ms).output,
                      target).overall
    np.testing.assert_array_equal(out.switched_to, np.arange(C))
    assert out.switch_ignore_err == 0.0
    assert out.delay_err[0] == plain
    # the same output against a copy of the target: equal up to the order of the sums
    assert out.switch_err == pytest.approx(plain, rel=1e-12)
    for bad, match in ((dict(switch_at=1.0), "switch_at"), (dict(switch_offset=0), "offset"),
                       (dict(delays_ms=(-1.0,)), "delays_ms")):
        kw = dict(time_ms=train.time_ms, delays_ms=(100.0,), switch_offset=1, switch_at=0.5)
        with pytest.raises(ValueError, match=match):
            mechanisms.task_variant_errors(pair.ffh, train.angles, target, **{**kw, **bad})


def test_the_figures_jpca_is_the_tables():
    """Two code paths: the projections' rotational strength is the unit's jpca_rotation."""
    mech = MechanismParams(analyses=("jpca",))
    proj = jpca_projections(TINY, mech)
    assert (proj.ground_truth, proj.seed) == TINY.units[0]
    for name in ("ff", "ffh", "soc"):
        row = analyse_unit(TINY, mech, 0, 0, name)
        assert proj.rotational_strength[name.upper()] == row.jpca_rotation
    train = train_pair(TINY, 0, 0).ground_truth.training
    dt_s = float(train.time_ms[1] - train.time_ms[0]) / 1000
    np.testing.assert_array_equal(proj.projections["SOC"], jpca_of(train.rates, dt_s,
                                                                   mech).projections)
    assert all(p.shape == (train.angles.size, train.time_ms.size, 2)
               for p in proj.projections.values())
    with pytest.raises(ValueError, match="both"):
        jpca_projections(TINY, mech, ground_truth_seed=0)


def test_the_hints_and_oracle_dsa_rows_compare_the_right_activities_with_e():
    """The recorded neurons against each half of E (averaged); the oracle (every SOC neuron but
    the scored half) against that half, each half in turn (averaged)."""
    from ffhlib.mechanism_study import dsa_operator
    from ffhlib.similarity import oracle_activity
    from ffhlib.study import ground_truth, observation

    mech = MechanismParams.quick()
    mech = MechanismParams(analyses=("dsa",), dsa_pcs=mech.dsa_pcs,
                           dsa_n_delays=mech.dsa_n_delays, dsa_rank=mech.dsa_rank, dsa_starts=2)
    gt = ground_truth(TINY, 0)
    obs = observation(TINY, gt, 0, 0)
    rates, halves = gt.training.rates, obs.evaluation.halves
    refs = [dsa_operator(rates[..., h], mech) for h in halves]
    hints = analyse_unit(TINY, mech, 0, 0, "hints")
    expected = mechanisms.dsa_to_references(refs, dsa_operator(obs.neurons(rates), mech),
                                            n_starts=mech.dsa_starts)
    assert hints.dsa == pytest.approx(expected.distance, rel=1e-9)
    oracle = analyse_unit(TINY, mech, 0, 0, "oracle")
    each = [mechanisms.dsa_to_references(
        [refs[k]], dsa_operator(oracle_activity(rates, halves, k), mech),
        n_starts=mech.dsa_starts).distance for k in range(2)]
    assert oracle.dsa == pytest.approx(np.mean(each), rel=1e-9)
    assert oracle.dsa >= 0 and hints.dsa >= 0
    assert np.isnan(hints.jpca_rotation) and np.isnan(oracle.prep_rsa)  # DSA only
