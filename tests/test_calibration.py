"""The calibration rule: on a constructed record it picks what the rule says; on the shipped record
it gives the library's defaults."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from ffhlib import calibration
from ffhlib.calibration import (
    CALIBRATED,
    CalibratedSettings,
    CalibrationParams,
    CalibrationRecord,
    choose,
    load_record,
)
from ffhlib.fullforce import ForceParams
from ffhlib.study import CALIBRATION_GROUND_TRUTHS


def _record(ff, ffh, curves):
    """A record from {noise: (fit, gen_err)}, {gain: fit} and {(network, gain): [(passes, fit)]}."""
    runs, rows = [], []
    for g in (100, 101):
        for noise, (fit, err) in ff.items():
            runs.append(dict(cue_epoch="preparation", network="ff", ground_truth=g, seed=0,
                             training_noise=noise, hint_gain=np.nan, fit_r2=fit, gen_err=err,
                             cca_e=0.4, train_seconds=1.0))
        for gain, fit in ffh.items():
            runs.append(dict(cue_epoch="preparation", network="ffh", ground_truth=g, seed=0,
                             training_noise=0.05, hint_gain=gain, fit_r2=fit, gen_err=0.5,
                             cca_e=0.8, train_seconds=1.0))
        for (network, gain), points in curves.items():
            for passes, fit in points:
                rows.append(dict(cue_epoch="preparation", network=network, ground_truth=g,
                                 seed=0, training_noise=0.05, hint_gain=gain, passes=passes,
                                 fit_r2=fit))
    return CalibrationRecord(runs=pd.DataFrame(runs), curves=pd.DataFrame(rows))


CURVES = {("ff", np.nan): [(1, 0.2), (10, 0.97), (20, 0.989), (30, 0.990)],
          ("ffh", 0.3): [(1, 0.1), (10, 0.90), (20, 0.978), (30, 0.981)]}


def test_the_rule_on_a_constructed_record():
    record = _record(
        ff={0.0: (0.999, 3.0), 0.05: (0.99, 0.8), 0.1: (0.97, 0.5)},  # 0.1 fits too poorly
        ffh={0.1: 0.995, 0.3: 0.981, 0.5: 0.95},
        curves=CURVES)
    chosen = choose(record, CalibrationParams(min_fit_r2=0.98, passes_tolerance=0.005))
    # noise: lowest FF generalization error among those fitting >= 0.98 (0.1 is excluded)
    assert chosen.training_noise == 0.05
    # gain: the largest with FFH fit >= 0.98
    assert chosen.hint_gain == 0.3 and chosen.hint_gain_qualified
    # passes: FF is within 0.005 of its final 0.990 from pass 20, FFH (0.981) from pass 20 too
    assert chosen.n_passes == 20


def test_no_qualifying_gain_falls_back_to_the_smallest_and_says_so():
    record = _record(ff={0.05: (0.99, 0.8)}, ffh={0.3: 0.95, 0.5: 0.9},
                     curves={**CURVES, ("ffh", 0.3): [(1, 0.1), (30, 0.95)]})
    chosen = choose(record)
    assert chosen.hint_gain == 0.3 and not chosen.hint_gain_qualified


@pytest.mark.parametrize("design", sorted(CALIBRATED))
def test_the_shipped_record_gives_the_library_defaults(design):
    record = load_record()
    assert choose(record, cue_epoch=design) == CALIBRATED[design]
    assert set(record.runs["ground_truth"]) <= set(CALIBRATION_GROUND_TRUTHS)


def test_force_defaults_are_the_calibrated_settings_of_the_default_design():
    defaults = ForceParams()
    settings = CALIBRATED[defaults.cue_epoch]
    assert (defaults.training_noise, defaults.hint_gain, defaults.n_passes) == (
        settings.training_noise, settings.hint_gain, settings.n_passes)
    trial = calibration.calibrated_force("trial")
    assert trial.cue_epoch == "trial" and trial.n_passes == CALIBRATED["trial"].n_passes


def test_calibration_params_refuse_reported_ground_truths():
    with pytest.raises(ValueError, match="calibration ground truths"):
        CalibrationParams(ground_truth_seeds=(0, 100))
    assert isinstance(CALIBRATED["preparation"], CalibratedSettings)
    assert dataclasses.replace(CalibrationParams(), max_passes=50).max_passes == 50


# --- chapter 04's view of a record


def test_review_of_a_constructed_record_and_its_glued_values():
    record = _record(ff={0.0: (0.999, 3.0), 0.05: (0.99, 0.8), 0.1: (0.97, 0.5)},
                     ffh={0.1: 0.995, 0.3: 0.981, 0.5: 0.95}, curves=CURVES)
    calib = CalibrationParams(ground_truth_seeds=(100, 101), min_fit_r2=0.98)
    review = calibration.review(record, "preparation", calib)
    assert review.chosen == choose(record, calib)
    assert review.frozen == CALIBRATED["preparation"]
    assert review.n_record_trainings == len(record.runs) == 12
    assert review.record_train_seconds == 12.0
    values = calibration.review_values(review, full=False)
    assert values["calib_ground_truths_text"] == "100, 101"
    assert values["calib_n_ground_truths"] == 2 and values["calib_n_trainings"] == 12
    assert values["calib_train_minutes"] == pytest.approx(12.0 / 60)
    assert (values["calib_training_noise"], values["calib_hint_gain"],
            values["calib_n_passes"]) == (0.05, 0.3, 20)
    # the constructed record chooses a gain of 0.3, not the library's 0.2
    assert values["calib_defaults_text"].startswith("different (σ = 0.05, gain 0.2, 70 passes)")
    assert "12 trainings, about 0 minutes on 2 cores" in values["calib_source_text"]
    assert calibration.review_values(review, full=True)["calib_source_text"].startswith(
        "this execution reran")
    with pytest.raises(ValueError, match="cue_epoch"):
        calibration.review(record, "movement")


@pytest.mark.parametrize("design", ["preparation", "trial"])
def test_the_shipped_record_reviews_as_the_library_defaults(design):
    review = calibration.review(calibration.chapter_record(full=False), design)
    values = calibration.review_values(review, full=False)
    assert values["calib_defaults_text"] == "exactly these"
    assert review.n_record_trainings == len(load_record().runs)
