"""The rivals' calibration rule: on constructed records it picks what the rule says; on the shipped
record it gives the library's defaults."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ffhlib import force_rivals, pinned, rival_calibration
from ffhlib.calibration import CalibrationParams, CalibrationRecord
from ffhlib.fullforce import ForceParams
from ffhlib.study import CALIBRATION_GROUND_TRUTHS


def _pinned_record(noise_rows, gain_fits, noise, curve):
    """{noise: (fit, gen_err)} at the reference gain, {gain: fit} at ``noise``, one curve."""
    runs, rows = [], []
    ref = rival_calibration.PINNED_REFERENCE_GAIN
    for g in (100, 101):
        cell = dict(cue_epoch="preparation", network="pinned", ground_truth=g, seed=0)
        for sigma, (fit, err) in noise_rows.items():
            runs.append({**cell, "training_noise": sigma, "hint_gain": ref, "fit_r2": fit,
                         "gen_err": err})
        for gain, fit in gain_fits.items():
            if gain != ref:
                runs.append({**cell, "training_noise": noise, "hint_gain": gain, "fit_r2": fit,
                             "gen_err": 0.5})
        for gain in {ref, *gain_fits}:
            rows += [{**cell, "training_noise": noise, "hint_gain": gain, "passes": p,
                      "fit_r2": f} for p, f in curve]
    return CalibrationRecord(runs=pd.DataFrame(runs), curves=pd.DataFrame(rows))


def test_pinned_rule_on_a_constructed_record():
    calib = CalibrationParams(min_fit_r2=0.98, passes_tolerance=0.005)
    record = _pinned_record({0.0: (0.99, 0.9), 0.02: (0.985, 0.4), 0.05: (0.95, 0.2)},
                            {0.25: 0.99, 0.5: 0.985, 1.0: 0.981, 2.0: 0.9}, 0.02,
                            [(1, 0.3), (10, 0.95), (20, 0.978), (30, 0.98)])
    chosen = rival_calibration.choose_pinned(record, calib)
    # noise: lowest error among those fitting >= 0.98 at the reference gain (0.05 fits too poorly)
    assert chosen.training_noise == 0.02 and chosen.noise_qualified
    # gain: the largest with fit >= 0.98
    assert chosen.hint_gain == 1.0 and chosen.hint_gain_qualified
    assert chosen.n_passes == 20


def test_pinned_rule_falls_back_and_says_so():
    record = _pinned_record({0.0: (0.95, 0.9), 0.02: (0.96, 0.4)}, {0.25: 0.97, 0.5: 0.96}, 0.02,
                            [(1, 0.3), (30, 0.96)])
    chosen = rival_calibration.choose_pinned(record)
    assert not chosen.noise_qualified and chosen.training_noise == 0.02  # all noises: lowest error
    assert chosen.hint_gain == 0.25 and not chosen.hint_gain_qualified


def test_the_shipped_record_gives_the_library_defaults():
    record = rival_calibration.load_record()
    assert set(record.runs["ground_truth"]) <= set(CALIBRATION_GROUND_TRUTHS)
    tau = rival_calibration.choose_tau_matched(record)
    assert tau == force_rivals.TAU_MATCHED["preparation"]
    pin = rival_calibration.choose_pinned(record)
    assert pin == rival_calibration.PINNED["preparation"]
    defaults = pinned.PinnedParams()
    assert (defaults.training_noise, defaults.target_gain, defaults.n_passes) == (
        pin.training_noise, pin.hint_gain, pin.n_passes)
    p = rival_calibration.pinned_params(ForceParams(n_units=77))
    assert (p.n_units, p.target_gain, p.n_passes) == (77, pin.hint_gain, pin.n_passes)
    assert np.isfinite(record.runs["fit_r2"]).all()
