"""Chapter 04's unit shown and its hint-gain table (ffhlib.force_unit), on the tests' tiny study."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import calibration, force_unit, fullforce, rival_settings_summary, study

TINY = tiny_study()
GT, SEED = TINY.units[0]


@pytest.fixture(scope="module")
def unit():
    return force_unit.show_unit(TINY, GT, SEED)


def test_worst_direction_fit_by_a_plain_loop(unit):
    targets = unit.targets
    for name in ("FF", "FFH"):
        out = unit.outputs[name]
        mean = targets.mean(axis=(0, 1))
        r2 = [1 - ((out[c] - targets[c]) ** 2).sum() / ((targets[c] - mean) ** 2).sum()
              for c in range(targets.shape[0])]
        assert unit.worst_r2[name] == pytest.approx(min(r2), rel=1e-12)


def test_outputs_are_the_networks_run_without_noise(unit):
    train = unit.training
    np.testing.assert_array_equal(unit.targets, train.emg[..., unit.observation.muscle_idx])
    again = fullforce.simulate(unit.pair.ff, train.angles)
    np.testing.assert_array_equal(unit.outputs["FF"], again.output)
    assert unit.hint_output.shape == unit.hints_z.shape


def test_hints_are_z_scored_per_neuron(unit):
    z = unit.hints_z.reshape(-1, unit.hints_z.shape[-1])
    varying = unit.pair.ffh.hint_std != 1.0  # constant neurons keep std 1 (no division by 0)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(z.std(axis=0)[varying], 1.0, rtol=1e-10)


def test_shown_hints_are_evenly_spaced_with_their_soc_numbers(unit):
    k = unit.hints_z.shape[2]
    shown = unit.shown_hints
    assert shown.size == force_unit.N_HINTS_SHOWN
    assert shown[0] == 0 and shown[-1] == k - 1 and np.all(np.diff(shown) >= 0)
    idx = unit.observation.neuron_idx
    assert unit.hint_labels == [f"SOC neuron {idx[j] + 1}" for j in shown]
    with pytest.raises(ValueError, match="n_hints_shown"):
        force_unit.show_unit(TINY, GT, SEED, n_hints_shown=0)


def _chapter_glue_keys():
    path = Path(__file__).resolve().parents[1] / "book" / "04_full_force.ipynb"
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "markdown")
    return set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", text))


def test_unit_values_with_the_other_glued_values_cover_the_chapter(unit):
    values = force_unit.unit_values(TINY, unit)
    train = unit.training
    assert values["ff_move_ms"] == train.time_ms[-1] - train.time_ms[0]
    assert values["ff_r2_min_direction"] == unit.worst_r2["FF"]
    assert values["ff_n_obs_neurons"] == unit.observation.neuron_idx.size
    assert values["ff_obs_muscles_text"] == ", ".join(
        f"m{i + 1}" for i in unit.observation.muscle_idx)
    assert values["ff_cue_epoch_text"] == "direction input during preparation only"
    assert values["ff_paper_neuron_percent"] == pytest.approx(30.0)
    review = calibration.review(calibration.load_record(), TINY.force.cue_epoch)
    table = pd.DataFrame({"network": ["ff", "ffh", "hints"], "train_seconds": [60.0, 120.0, 0.0]})
    sweep = force_unit.HintGainSweep(0, 0, 4, (force_unit.HintGainRow(0.2, 0.9, 0.8, 0.7, True),),
                                     0.95, 0.4, 0.8)
    glued = {**values, **calibration.review_values(review, full=False),
             **force_unit.cold_run_values(table, 2), **sweep.values(),
             **rival_settings_summary.settings_values()}
    missing = _chapter_glue_keys() - set(glued)
    assert not missing, f"chapter 04 uses keys nobody glues: {sorted(missing)}"


def test_cold_run_values_count_networks_only():
    table = pd.DataFrame({"network": ["ff", "ffh", "hints", "ffh"],
                          "train_seconds": [60.0, 120.0, 0.0, 60.0]})
    assert force_unit.cold_run_values(table, 2) == {"ff_cold_trainings": 3,
                                                    "ff_cold_minutes": 2.0,
                                                    "ff_cold_workers": 2}


@pytest.mark.parametrize(("gain", "tag"), [(0.2, "0p2"), (1.0, "1"), (0.05, "0p05"), (2, "2")])
def test_gain_tag(gain, tag):
    assert force_unit.gain_tag(gain) == tag


def test_hint_gain_sweep_scores_each_gain_and_marks_the_calibrated_one():
    gains = (TINY.force.hint_gain, 0.5)
    sweep = force_unit.hint_gain_sweep(TINY, GT, SEED, gains)
    assert [r.gain for r in sweep.rows] == list(gains)
    assert [r.calibrated for r in sweep.rows] == [True, False]
    at = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, hint_gain=0.5))
    row = study.score(at, GT, SEED, "ffh")
    assert sweep.rows[1].fit_r2 == row.fit_r2 and sweep.rows[1].cca_e == row.cca_e
    assert sweep.rows[1].hint_r2 == study.train_network(at, GT, SEED, "ffh").hint_r2
    assert sweep.ff_cca_e == study.score(TINY, GT, SEED, "ff").cca_e
    values = sweep.values()
    tag = force_unit.gain_tag(TINY.force.hint_gain)
    assert values[f"hint_sweep_fit_r2_{tag}"] == sweep.rows[0].fit_r2
    assert values["hint_sweep_cca_e_0p5"] == row.cca_e and values["hint_sweep_n"] == 2
    table = force_unit.hint_gain_table(sweep)
    assert ":name: tbl-hint-gain" in table
    assert f"| FFH, gain {TINY.force.hint_gain:g} (calibrated) | {sweep.rows[0].fit_r2:.3f} |" \
        in table
    assert "| FFH, gain 0.5 |" in table
    assert f"| the recorded neurons themselves |  |  | {sweep.hints_cca_e:.3f} |" in table
    assert f"ground truth {GT}, network seed {SEED}" in table
    with pytest.raises(ValueError, match="hint_gains"):
        force_unit.hint_gain_sweep(TINY, GT, SEED, ())
