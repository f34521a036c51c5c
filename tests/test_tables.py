"""Downloadable tables: every column documented once, CSV + sidecar written as they claim."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from ffhlib import tables
from ffhlib.scoring import ScoreRow
from ffhlib.summaries import rows_to_frame


def _row(**over) -> ScoreRow:
    values = {}
    for f in dataclasses.fields(ScoreRow):
        if f.name.endswith("_dims"):
            values[f.name] = np.array([0.5, 0.6])
        elif f.type in ("int",):
            values[f.name] = 1
        elif f.type == "str":
            values[f.name] = "ff"
        else:
            values[f.name] = 0.25
    values.update(over)
    return ScoreRow(**values)


def test_every_score_row_field_is_in_the_dictionary_and_nothing_else():
    fields = {f.name for f in dataclasses.fields(ScoreRow)}
    assert set(tables.SCORE_COLUMNS) == fields
    for name, (unit, meaning) in tables.SCORE_COLUMNS.items():
        assert unit.strip() and len(meaning) > 10, name


def test_a_study_frame_is_fully_documented_with_per_dimension_columns():
    frame = rows_to_frame([_row(), _row(network="ffh")], dims=(3, 6))
    frame["cached"] = [True, False]
    frame["error"] = ["", ""]
    columns = [tables.column_of(c) for c in frame.columns]
    by_name = {c.name: c for c in columns}
    assert by_name["cca_e_d6"].meaning.endswith("d = 6.")
    assert by_name["procrustes_e_d3"].unit == tables.SCORE_COLUMNS["procrustes_e"][0]
    assert by_name["cca_e"].unit == "correlation (0-1)"


def test_an_undocumented_column_is_refused_before_anything_is_written(tmp_path):
    frame = pd.DataFrame({"ground_truth": [0], "mystery": [1.0]})
    with pytest.raises(tables.UndocumentedColumn, match="mystery"):
        tables.write_table(frame, "t", chapter="05_x", parameters={}, title="t",
                           directory=tmp_path)
    assert not list(tmp_path.iterdir())


def test_write_table_round_trips_and_records_commit_parameters_columns(tmp_path):
    frame = rows_to_frame([_row(cca_e=0.1), _row(network="ffh", cca_e=0.7)], dims=(3, 6))
    text = tables.offer_markdown(frame, "study_table", chapter="05_dynamics_similarity",
                              parameters={"seed": 3, "quick": True, "fractions": (0.1, 0.3)},
                              title="the study rows", directory=tmp_path)
    assert "{download}`study_table.csv`" in text and "data-appendix" in text
    back = pd.read_csv(tmp_path / "study_table.csv")
    assert list(back.columns) == list(frame.columns)
    assert math.isclose(back["cca_e"].mean(), 0.4)
    side = json.loads((tmp_path / "study_table.csv.json").read_text())
    assert side["parameters"] == {"seed": 3, "quick": True, "fractions": [0.1, 0.3]}
    assert side["n_rows"] == 2 and side["chapter"] == "05_dynamics_similarity"
    assert [c["name"] for c in side["columns"]] == list(frame.columns)
    assert "commit" in side
    page = tables.data_dictionary_markdown(tables.read_sidecars(tmp_path))
    assert "`study_table.csv`" in page and "`cca_e_d6`" in page and "seed=3" in page


def test_bad_table_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="name"):
        tables.write_table(pd.DataFrame({"seed": [1]}), "../x", chapter="c", parameters={},
                           title="t", directory=tmp_path)


def test_mechanism_dictionary_covers_every_scalar_field_of_a_mechanism_row():
    from ffhlib.mechanism_study import UnitMechanisms

    scalar = {f.name for f in dataclasses.fields(UnitMechanisms)
              if f.name not in ("onset_eigenvalues", "delay_err")}
    assert set(tables.MECHANISM_COLUMNS) == scalar
    assert tables.column_of("delay_err_2", "mechanisms").meaning.count("number 2") == 1
    assert tables.column_of("dsa", "mechanisms").unit.startswith("unitless")
    with pytest.raises(tables.UndocumentedColumn):
        tables.column_of("jpca_rotation")            # not a study column
    with pytest.raises(ValueError, match="rows"):
        tables.column_of("seed", "other")
