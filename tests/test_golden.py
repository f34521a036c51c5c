"""The published numbers under watch (ffhlib.golden): a moved value is caught, a value within its
measured tolerance passes, and what measures the build is never compared."""

from __future__ import annotations

import json
import math

import pytest

from ffhlib import golden

RUN_A = {"05_x.ipynb": {"cca_ffh_mean": 0.849, "n_ground_truths": 12, "sim_claim": "✔ supports",
                        "similarity_study_seconds": 310.0, "fraction_for_90pct": math.nan}}
RUN_B = {"05_x.ipynb": {"cca_ffh_mean": 0.851, "n_ground_truths": 12, "sim_claim": "✔ supports",
                        "similarity_study_seconds": 290.0, "fraction_for_90pct": math.nan}}


def _record(tmp_path):
    tol = golden.tolerances_from_runs({"1 thread": RUN_A, "2 threads": RUN_B})
    path = tmp_path / "expected.json"
    golden.write_expected(path, RUN_A, tol, provenance={"commit": "abc"})
    return golden.read_expected(path)


def test_tolerance_is_the_measured_spread_times_the_safety_factor(tmp_path):
    tol = golden.tolerances_from_runs({"a": RUN_A, "b": RUN_B})["05_x.ipynb"]
    assert tol["cca_ffh_mean"] == pytest.approx(golden.SAFETY * 0.002)
    assert tol["n_ground_truths"] is None and tol["sim_claim"] is None
    assert "similarity_study_seconds" not in tol  # measures the build
    with pytest.raises(ValueError, match="two builds"):
        golden.tolerances_from_runs({"a": RUN_A})


def test_within_tolerance_passes_and_a_moved_value_is_caught(tmp_path):
    record = _record(tmp_path)
    assert golden.compare(record, RUN_B) == []
    moved = {"05_x.ipynb": {**RUN_B["05_x.ipynb"], "cca_ffh_mean": 0.9}}
    drifts = golden.compare(record, moved)
    assert [d.key for d in drifts] == ["cca_ffh_mean"]
    assert "moved by +0.051" in str(drifts[0])


def test_texts_counts_nan_and_missing_keys_are_exact(tmp_path):
    record = _record(tmp_path)
    changed = {"05_x.ipynb": {**RUN_A["05_x.ipynb"], "sim_claim": "– not significant",
                              "n_ground_truths": 6, "fraction_for_90pct": 0.2}}
    reasons = {d.key: d.reason for d in golden.compare(record, changed)}
    assert reasons == {"sim_claim": "differs", "n_ground_truths": "differs",
                       "fraction_for_90pct": "NaN on one side"}
    missing = {"05_x.ipynb": {k: v for k, v in RUN_A["05_x.ipynb"].items() if k != "sim_claim"}}
    assert [d.reason for d in golden.compare(record, missing)] == ["not glued"]
    assert golden.compare(record, {})[0].reason == "chapter not built"
    # what measures the build is never compared, nor recorded
    assert "similarity_study_seconds" not in record["chapters"]["05_x.ipynb"]


def test_glued_values_reads_an_executed_notebook(tmp_path):
    def out(name, text):
        return {"output_type": "display_data", "metadata": {"scrapbook": {"name": name}},
                "data": {"application/papermill.record/text/plain": text}}
    nb = {"cells": [{"cell_type": "code", "outputs": [
        out("a", "np.float64(0.25)"), out("b", "'✔ supports'"), out("c", "nan"),
        out("d", "np.True_"), out("e", "12")]}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    values = golden.glued_values(path)
    assert values["a"] == 0.25 and values["b"] == "✔ supports" and values["d"] is True
    assert values["e"] == 12 and math.isnan(values["c"])


def _executed(folder, chapter, values):
    """A minimal executed notebook gluing ``values`` as myst-nb does (scrapbook metadata)."""
    cells = [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
              "outputs": [{"output_type": "display_data", "metadata": {"scrapbook": {"name": k}},
                           "data": {"text/plain": repr(v)}}]} for k, v in values.items()]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / chapter).write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                              "nbformat_minor": 5}))


def test_command_line_records_two_builds_and_flags_a_moved_value(tmp_path, capsys):
    for name, run in (("a", RUN_A), ("b", RUN_B)):
        for chapter, values in run.items():
            _executed(tmp_path / name, chapter, values)
    out = tmp_path / "expected.json"
    assert golden._main(["record", str(out), str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    record = golden.read_expected(out)
    assert record["chapters"]["05_x.ipynb"]["cca_ffh_mean"]["tolerance"] == pytest.approx(
        golden.SAFETY * 0.002)
    assert golden._main(["compare", str(out), str(tmp_path / "b")]) == 0
    _executed(tmp_path / "moved", "05_x.ipynb", {**RUN_B["05_x.ipynb"], "cca_ffh_mean": 0.9})
    assert golden._main(["compare", str(out), str(tmp_path / "moved")]) == 1
    assert "cca_ffh_mean" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="make book"):
        golden.build_values(tmp_path / "nowhere")
