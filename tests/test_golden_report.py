"""The reproducibility appendix's section on the published numbers (ffhlib.golden_report), on
constructed builds and records."""

from __future__ import annotations

import json

from ffhlib import drift_sources, golden, golden_report

A = {"05_x.ipynb": {"cca": 0.849, "txt": "0.849 [0.80, 0.90]", "claim": "✔ supports"}}
B = {"05_x.ipynb": {"cca": 0.851, "txt": "0.851 [0.80, 0.90]", "claim": "✔ supports"}}


def _stage(folder, values):
    folder.mkdir(parents=True, exist_ok=True)
    for chapter, keys in values.items():
        cells = [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                  "outputs": [{"output_type": "display_data",
                               "metadata": {"scrapbook": {"name": k}},
                               "data": {"text/plain": repr(v)}}]} for k, v in keys.items()]
        (folder / chapter).write_text(json.dumps({"cells": cells, "metadata": {},
                                                  "nbformat": 4, "nbformat_minor": 5}))
    return folder


def _record(tmp_path):
    spreads: dict = {}
    tol = golden.tolerances_from_runs({"a": A, "b": B}, spreads=spreads)
    path = tmp_path / "expected.json"
    golden.write_expected(path, A, tol, spreads=spreads,
                          provenance={"commit": "0123456789", "runs": ["here", "as AVX2"]})
    return path


def test_a_build_within_tolerance_is_reported_with_its_closest_number(tmp_path):
    w = golden_report.watch(_stage(tmp_path / "b", B), _record(tmp_path))
    values = golden_report.watch_values(w)
    assert values["golden_n_keys"] == 3 and values["golden_n_drifts"] == 0
    assert values["golden_record_commit"] == "0123456"
    assert values["golden_record_runs"] == "“here” and “as AVX2”"
    assert values["golden_status_text"].startswith("this build reproduces 1 of the 3")
    assert "none of them lies beyond" in values["golden_status_text"]
    assert "`05_x.ipynb::cca`" in values["golden_status_text"]
    assert values["golden_n_numeric_moved"] == 1 and values["golden_n_texts_moved"] == 1
    assert golden_report.drifts_table(w) == ""
    assert "tbl-repro-sensitive" in golden_report.sensitive_table(w)


def test_a_moved_value_is_listed_and_a_missing_record_or_build_is_said(tmp_path):
    moved = {"05_x.ipynb": {**B["05_x.ipynb"], "claim": "– not significant", "cca": 0.9}}
    w = golden_report.watch(_stage(tmp_path / "m", moved), _record(tmp_path))
    assert golden_report.watch_values(w)["golden_n_drifts"] == 2
    table = golden_report.drifts_table(w)
    assert "tbl-repro-drifts" in table and "`claim`" in table and "moved by +0.051" in table
    none = golden_report.watch(tmp_path / "m", None)
    assert "no record" in golden_report.watch_values(none)["golden_status_text"]
    # the prose cites the sensitive table, so it is there (saying why it is empty) without a record
    assert "tbl-repro-sensitive" in golden_report.sensitive_table(none)
    assert "no record" in golden_report.sensitive_table(none)
    empty = golden_report.watch(tmp_path / "nothing-here", _record(tmp_path))
    assert "no executed chapter" in golden_report.watch_values(empty)["golden_status_text"]


def _drift_record(numba_upstream=0.0):
    def differences(name):
        if name == "baseline again":
            return {key: 0.0 for key, _, _ in drift_sources.STAGES}
        d = {key: 2e-5 for key, _, _ in drift_sources.STAGES}
        if name == "numba compiled for AVX2":
            d.update(soc_w=numba_upstream, gains=numba_upstream, soc_rates=numba_upstream,
                     ffh_j=5e-10)
        if name == "NumPy without AVX-512":
            d["ffh_primary"] = 0.25
        return d
    return {"cpu": "X (AVX-512)", "variants": [
        {"name": v.name, "changes": v.changes, "env": {}, "differences": differences(v.name)}
        for v in drift_sources.VARIANTS[1:]]}


def test_drift_sources_section_reads_the_variants_by_name():
    values = golden_report.drift_sources_values(_drift_record())
    assert values["drift_again_max"] == "0" and values["drift_gains_cpu"] == "2e-05"
    assert values["drift_ffh_primary_cpu"] == "0.25"
    assert values["drift_ffh_primary_worst"] == "NumPy AVX2"
    assert values["drift_numba_max"] == "2e-05"
    assert values["drift_numba_text"].startswith("leave the SOC, its gains and its rates bit")
    assert values["drift_cpu"] == "X (AVX-512)"
    upstream = golden_report.drift_sources_values(_drift_record(numba_upstream=1e-16))
    assert (upstream["drift_numba_text"]
            == "change every stage from SOC weights on, by at most 2e-05")
    table = golden_report.drift_sources_table(_drift_record())
    assert "tbl-repro-drift-sources" in table and "all three" in table


def test_a_mark_that_flipped_between_the_recorded_builds_is_named_with_both_forms(tmp_path):
    same = golden.read_expected(_record(tmp_path))
    assert golden_report.flipped_marks(same) == []
    assert "gave every mark the same" in golden_report.flipped_marks_text(same)
    flipped = {"05_x.ipynb": {**B["05_x.ipynb"], "claim": "– not significant"}}
    tol = golden.tolerances_from_runs({"a": A, "b": flipped})
    path = tmp_path / "flipped.json"
    golden.write_expected(path, A, tol, provenance={"commit": "0123456789", "runs": ["x", "y"]})
    record = golden.read_expected(path)
    assert golden_report.flipped_marks(record) == [
        ("05_x.ipynb", "claim", "✔ supports", ["– not significant"])]
    text = golden_report.flipped_marks_text(record)
    assert "0123456" in text
    assert "the mark on claim (chapter 5) was ✔ supports in the first and – not significant" in text
    assert "not known" in golden_report.flipped_marks_text(None)


def test_differing_parts_shows_the_clause_where_two_sentences_differ():
    a = "X is lower (p < 0.05; 1 of the 12 ground truths goes the other way)"
    b = "X is lower (p < 0.05; every one of the 12 ground truths goes the same way)"
    first, second = golden_report.differing_parts([a, b])
    assert "1 of the 12" in first and "every one of the 12" in second
    assert first.startswith("…") and not first.startswith("…X is lower")
    assert golden_report.differing_parts(["✔ supports", "– not significant"]) == [
        "✔ supports", "– not significant"]
    assert golden_report.differing_parts(["some text", ""])[1] == "(nothing)"
