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


def test_a_number_that_moved_little_by_chance_gets_its_chapters_median_relative_move():
    a = {"c.ipynb": {"x": 1.0, "y": 2.0, "z": 10.0, "w": 4.0, "txt": "5.0 and 0.50", "n": 7.0}}
    b = {"c.ipynb": {"x": 1.01, "y": 2.04, "z": 10.3, "w": 4.000001, "txt": "5.1 and 0.50",
                     "n": 7.0}}
    # relative moves: x 0.01, y 0.02, z 0.03, w 2.5e-7, the text's first number 0.02
    floor = golden.chapter_relative_move(a["c.ipynb"], {"x": 0.01, "y": 0.04, "z": 0.3,
                                                        "w": 1e-6, "txt": [0.1, 0.0]})
    assert floor == pytest.approx(0.02)
    tol = golden.tolerances_from_runs({"a": a, "b": b})["c.ipynb"]
    s = golden.SAFETY
    assert tol["w"] == pytest.approx(s * 0.02 * 4.0)  # its own move (1e-6) was a lucky draw
    assert tol["z"] == pytest.approx(s * 0.3)  # its own move is larger than the floor
    assert tol["y"] == pytest.approx(s * 0.04)
    assert tol["txt"] == pytest.approx([s * 0.1, 0.01])  # the 0.50 did not move: one digit
    assert tol["n"] == golden.MIN_TOLERANCE  # a number that did not move gets no floor


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


def test_a_texts_numbers_get_the_measured_spread_or_one_unit_of_their_last_digit():
    skeleton, numbers, units = golden.text_numbers("−0.209 [−0.256, −0.165], p 0.0068 (12)")
    assert skeleton == "# [#, #], p # (#)"
    assert numbers == [-0.209, -0.256, -0.165, 0.0068, 12.0]
    assert units == pytest.approx([1e-3, 1e-3, 1e-3, 1e-4, 0.0])
    a = {"c.ipynb": {"txt": "0.449 [0.400, 0.493] over 12", "mark": "✔ FFH ahead"}}
    b = {"c.ipynb": {"txt": "0.451 [0.400, 0.493] over 12", "mark": "✔ FFH ahead"}}
    spreads: dict = {}
    tol = golden.tolerances_from_runs({"a": a, "b": b}, spreads=spreads)["c.ipynb"]
    assert tol["txt"] == pytest.approx([golden.SAFETY * 0.002, 1e-3, 1e-3, 0.0])
    assert spreads["c.ipynb"]["txt"] == pytest.approx([0.002, 0, 0, 0])
    assert tol["mark"] is None  # a text without numbers that did not move is exact
    record = {"chapters": {"c.ipynb": {k: {"value": v, "tolerance": tol[k]}
                                       for k, v in a["c.ipynb"].items()}}}

    def drifts(txt):
        return golden.compare(record, {"c.ipynb": {**a["c.ipynb"], "txt": txt}})
    assert drifts("0.455 [0.401, 0.492] over 12") == []
    assert "number 1 moved by +0.008" in str(drifts("0.457 [0.400, 0.493] over 12")[0])
    assert drifts("0.449 [0.400, 0.495] over 12")[0].reason == "its number 3 moved by +0.002"
    assert drifts("0.449 [0.400, 0.493] over 13")[0].reason == "its number 4 moved by +1"
    assert drifts("0.449 [0.400, 0.493] across 12")[0].reason == "differs"


def test_a_duration_in_a_text_measures_the_build_and_is_not_compared():
    # Training seconds depend on the machine's load (38 s in a loaded build, 15 s alone); the
    # rest of the sentence, milliseconds (a model time) included, is compared as usual.
    skeleton, numbers, _ = golden.text_numbers("FFH (38 s per network; 2.5 min in all) at 50 ms")
    assert skeleton == "FFH (<duration> per network; <duration> in all) at # ms"
    assert numbers == [50.0]
    a = {"c.ipynb": {"advice": "Use FFH (38 s per network on one core)."}}
    b = {"c.ipynb": {"advice": "Use FFH (37 s per network on one core)."}}
    tol = golden.tolerances_from_runs({"a": a, "b": b})["c.ipynb"]
    assert tol["advice"] is None  # exact: its words did not move
    record = {"chapters": {"c.ipynb": {"advice": {"value": a["c.ipynb"]["advice"],
                                                  "tolerance": None}}}}

    def drifts(text):
        return golden.compare(record, {"c.ipynb": {"advice": text}})
    assert drifts("Use FFH (15 s per network on one core).") == []
    assert drifts("Use FF (15 s per network on one core).")[0].reason == "differs"


def test_a_mark_that_flipped_between_the_builds_is_unstable_and_named():
    a = {"c.ipynb": {"claim": "✔ supports", "flag": True, "x": 0.5, "p": math.nan}}
    b = {"c.ipynb": {"claim": "– not significant", "flag": True, "x": 0.5, "p": 0.04}}
    tol = golden.tolerances_from_runs({"a": a, "b": b})["c.ipynb"]
    assert set(tol["claim"]["allowed"]) == {"✔ supports", "– not significant"}
    assert set(tol["p"]["allowed"]) == {"nan", 0.04}
    assert tol["flag"] is None and tol["x"] == golden.MIN_TOLERANCE
    record = {"chapters": {"c.ipynb": {k: {"value": v if not (isinstance(v, float)
                                                              and math.isnan(v)) else "nan",
                                           "tolerance": tol[k]} for k, v in a["c.ipynb"].items()}}}
    assert golden.compare(record, b) == [] and golden.compare(record, a) == []
    third = {"c.ipynb": {**a["c.ipynb"], "claim": "✘ contradicts", "p": 0.5}}
    assert {d.key for d in golden.compare(record, third)} == {"claim", "p"}
    sensitive = golden.sensitive_keys(record)
    assert {r["key"] for r in sensitive} == {"claim", "p"}


def test_distance_counts_identical_keys_and_the_worst_move_against_its_tolerance(tmp_path):
    spreads: dict = {}
    tol = golden.tolerances_from_runs({"a": RUN_A, "b": RUN_B}, spreads=spreads)
    path = tmp_path / "expected.json"
    golden.write_expected(path, RUN_A, tol, spreads=spreads)
    record = golden.read_expected(path)
    assert record["chapters"]["05_x.ipynb"]["cca_ffh_mean"]["spread"] == pytest.approx(0.002)
    same = golden.distance(record, RUN_A)
    assert (same.n_keys, same.n_identical, same.drifts, same.worst_ratio) == (4, 4, [], 0.0)
    near = golden.distance(record, RUN_B)
    assert near.n_identical == 3 and near.drifts == []
    assert near.worst_key == "05_x.ipynb::cca_ffh_mean"
    assert near.worst_ratio == pytest.approx(1 / golden.SAFETY)
    summary = golden.record_summary(record)
    assert summary["n_keys"] == 4 and summary["n_numeric_moved"] == 1
    assert summary["max_relative"] == pytest.approx(0.002 / 0.849)
    top = golden.sensitive_keys(record)
    assert [r["key"] for r in top] == ["cca_ffh_mean"]


def test_the_committed_record_covers_every_chapter_and_every_key_the_issues_name():
    """``book/expected.json`` is recorded again whenever a chapter or a published key is added."""
    from test_chapters import REQUIRED_GLUE

    path = golden.expected_path()
    assert path is not None, "book/expected.json is not committed: make expected RUNS=..."
    record = golden.read_expected(path)
    assert record["provenance"]["commit"] and len(record["provenance"]["runs"]) >= 2
    for stem, keys in REQUIRED_GLUE.items():
        recorded = record["chapters"].get(f"{stem}.ipynb")
        assert recorded is not None, f"{stem} is not in the record"
        missing = [k for k in keys if not golden.ignored(k) and k not in recorded]
        assert not missing, f"{stem}: keys not in the record: {missing}"
