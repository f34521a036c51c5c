"""The strongest rate penalty of Kao's grid: the rule, and the shipped record behind the default."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ffhlib import kao_calibration as kc
from ffhlib.study import CALIBRATION_GROUND_TRUTHS


def _record(fits):
    """fits: {strength: [fit per calibration ground truth]}."""
    return pd.DataFrame([{"activation": "tanh", "rate_l2": lam, "ground_truth": g, "seed": 0,
                          "n_units": 100, "steps": 1000, "fit_r2": f, "seconds": 1.0}
                         for lam, fs in fits.items()
                         for g, f in zip(CALIBRATION_GROUND_TRUTHS, fs, strict=True)])


def test_the_rule_takes_the_strongest_with_a_mean_fit_of_at_least_095():
    rec = _record({0.01: [0.99, 0.98, 0.99], 0.1: [0.97, 0.93, 0.96], 0.3: [0.96, 0.90, 0.95],
                   1.0: [0.5, 0.4, 0.6]})
    # means: 0.987, 0.953, 0.937, 0.5 -> 0.1 (one ground truth below 0.95 is allowed)
    assert kc.strongest_within_fit(rec) == 0.1
    assert kc.strongest_within_fit(rec, min_fit=0.9) == 0.3
    # not the first failing strength: a later one that passes again counts
    rec2 = _record({0.01: [0.99] * 3, 0.1: [0.9] * 3, 0.3: [0.96] * 3})
    assert kc.strongest_within_fit(rec2) == 0.3


def test_the_rule_refuses_a_record_where_nothing_fits_or_columns_are_missing():
    with pytest.raises(ValueError, match="no strength of the record keeps a mean fit >= 0.95"):
        kc.strongest_within_fit(_record({0.01: [0.9, 0.8, 0.9]}))
    with pytest.raises(ValueError, match="lacks the columns"):
        kc.strongest_within_fit(_record({0.01: [0.99] * 3}).drop(columns="fit_r2"))
    with pytest.raises(ValueError, match="min_fit"):
        kc.strongest_within_fit(_record({0.01: [0.99] * 3}), min_fit=1.5)


def test_the_shipped_record_gives_the_default_strength():
    rec = kc.load_record()
    assert tuple(rec.columns) == kc.RECORD_COLUMNS
    assert set(rec["ground_truth"]) == set(CALIBRATION_GROUND_TRUTHS)
    assert set(rec["rate_l2"]) == set(kc.STRENGTHS)
    assert set(rec["n_units"]) == {kc.GRID_UNITS} and set(rec["steps"]) == {kc.GRID_STEPS}
    assert set(rec["activation"]) == {"tanh"}
    assert math.isfinite(kc.STRONGEST_RATE_L2)
    assert kc.strongest_within_fit(rec) == kc.STRONGEST_RATE_L2
