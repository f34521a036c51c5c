"""Where drift enters (ffhlib.drift_sources): the stage comparison against a hand computation, the
'another machine' environment, and the shipped record's shape."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ffhlib import drift_sources as ds


def _unit(scale=1.0):
    rng = np.random.default_rng(0)
    return {key: (rng.normal(size=(3, 4)) * scale if how == "relative" else np.float64(0.5))
            for key, _, how in ds.STAGES}


def test_compare_stages_is_the_relative_or_absolute_difference():
    base = _unit()
    other = {k: v.copy() for k, v in base.items()}
    other["gains"] = other["gains"] + 1e-6
    other["ffh_primary"] = np.float64(0.503)
    diff = ds.compare_stages(base, other)
    assert diff["gains"] == pytest.approx(1e-6 / np.abs(base["gains"]).max())
    assert diff["ffh_primary"] == pytest.approx(0.003)
    assert diff["soc_w"] == 0.0 and diff["ff_primary"] == 0.0
    other["ffh_j"] = other["ffh_j"][:2]  # another shape: infinitely far
    other["ff_primary"] = np.float64(np.nan)  # NaN where the baseline is finite
    diff = ds.compare_stages(base, other)
    assert math.isinf(diff["ffh_j"]) and math.isinf(diff["ff_primary"])


def test_the_other_machine_turns_off_every_avx512_feature_for_numba():
    features = ds.numba_avx2_features().split(",")
    assert features and not any(f.startswith("+avx512") for f in features)
    env = ds.other_machine_env()
    assert env["OPENBLAS_CORETYPE"] == "Haswell" and env["NUMBA_CPU_NAME"] == "haswell"
    assert "X86_V4" in env["NPY_DISABLE_CPU_FEATURES"]
    assert ds.VARIANTS[0].env == {} and ds.VARIANTS[-1].name == "another machine"
    with pytest.raises(ValueError, match="baseline"):
        ds.run_variants(ds.VARIANTS[1:][::-1][:1] + ds.VARIANTS[:1])


def test_the_shipped_record_has_every_variant_and_stage_and_same_settings_agree_bitwise():
    record = ds.read_record()
    assert record["quick"] is False
    names = [v["name"] for v in record["variants"]]
    assert names == [v.name for v in ds.VARIANTS[1:]]
    for variant in record["variants"]:
        assert set(variant["differences"]) == {key for key, _, _ in ds.STAGES}
    again = next(v for v in record["variants"] if v["name"] == "baseline again")
    assert all(d == 0 for d in again["differences"].values())
    header, rows = ds.drift_table(record)
    assert header[1:] == [v.short for v in ds.VARIANTS[1:]]
    assert [r[0] for r in rows] == [label for _, label, _ in ds.STAGES]
    assert all(r[1] == "0" for r in rows)  # "baseline again": bitwise identical
