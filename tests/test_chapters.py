"""Every chapter executes alone under papermill in quick mode and glues the keys its issue names.

Run exactly as the README tells a reader,
``papermill book/NN.ipynb out.ipynb -p quick true -p seed 3``, from the repository root (no
``--cwd``), so a chapter may not depend on the working directory or on another chapter having run.
The suite's private cache directory starts empty (conftest.py).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

#: Glue keys each chapter must publish (named in the issues).
REQUIRED_GLUE = {
    "01_emg_targets": ["emg_n_conditions", "emg_n_muscles"],
    "02_soc_network": ["soc_n_neurons", "soc_abscissa_initial", "soc_abscissa_final", "soc_dale_ok",
                       "soc_iterations", "soc_seconds"],
    "03_gain_modulation": ["gain_r2", "gain_r2_min", "gain_r2_ground_truths_min",
                           "n_ground_truths"],
    "04_full_force": ["ff_r2", "ffh_r2", "ffh_hint_r2", "n_neurons_rnn", "neuron_fraction",
                      "muscle_fraction", "ff_seconds", "ffh_seconds", "calib_hint_gain",
                      "calib_training_noise", "calib_n_passes", "rivals_tau_noise",
                      "rivals_pinned_passes", "rivals_bptt_rate_l2", "rivals_bptt_activity_l2",
                      "rivals_tau_noise_text", "rivals_activity_fit_text",
                      *[f"hint_sweep_{m}_{g}" for g in ("0p1", "0p2", "0p3", "0p5", "1")
                        for m in ("cca_e", "fit_r2")]],
    "05_dynamics_similarity": ["cca_unobserved_ff_mean", "cca_unobserved_ffh_mean",
                               "cca_unobserved_pvalue", "cca_unobserved_ceiling_mean",
                               "cca_unobserved_floor_mean", "cca_unobserved_hints_mean",
                               "cca_ff_mean", "cca_ffh_mean", "cca_nomean_ff_mean",
                               "cca_nomean_ffh_mean", "n_ground_truths", "n_seeds", "cue_epoch",
                               *[f"cca_{v}untrained_{k}_mean" for v in ("", "cd_")
                                 for k in ("ff", "ffh", "interp")],
                               *[f"cca_cd_train_{k}_mean" for k in ("ff", "ffh", "hints")],
                               "pvalue_cd_untrained_ffh_vs_interp",
                               "pvalue_untrained_ffh_vs_interp", "r2_interp_untrained_E",
                               "r2_interp_cd_untrained_E",
                               *[f"cca_cd_untrained_half_{k}_mean" for k in ("ff", "ffh",
                                                                             "interp")],
                               "cca_oracle_mean", "sim_claim_untrained", "sim_beyond_lead",
                               "sim_lead", "sim_lead_recordings", "sim_lead_interpolation",
                               "cca_cd_untrained_ffh_vs_interp_padj", "cca_hints_cmp_padj"],
    "06_generalization": ["gen_err_ff", "gen_err_ffh", "gen_pvalue", "loo_err_ff", "loo_err_ffh",
                          "loo_pvalue", "unobs_r2_ff", "unobs_r2_ffh", "unobs_pvalue",
                          "noise_sigma", "noise_err_ff", "noise_err_ffh", "noise_pvalue",
                          "n_seeds", "gen_err_interp", "n_ground_truths", "gen_padj", "loo_padj",
                          "unobs_padj", "noise_padj", "gen_family_size", "gen_lead"],
    "07_how_many_neurons": ["sweep_n_tasks", "sweep_wall_seconds", "sweep_task_seconds_total",
                            "sweep_cache_hits", "sweep_n_workers_used", "fraction_for_90pct",
                            "fraction_for_90pct_lo", "fraction_for_90pct_hi",
                            "neurons_for_90pct", "sweep_spearman_cca_fraction",
                            "cca_unobserved_ffh_at_5pct", "cca_unobserved_hints_at_5pct",
                            "cca_unobserved_ffh_at_max_fraction", "cca_unobserved_ff_mean",
                            "neurons_for_90pct_recordings", "fraction_for_90pct_recordings",
                            "sweep_oracle_mean", "sweep_family_size", "n_ground_truths",
                            "sweep_level"],
    "08_mechanisms": ["jpca_rot_soc", "jpca_rot_ff", "jpca_rot_ffh", "jpca_pvalue",
                      "dsa_ff_mean", "dsa_ffh_mean", "dsa_pvalue", "dsa_ceiling_mean",
                      "dsa_floor_mean", "delay_short_ms", "delay_err_ff_short",
                      "delay_err_ffh_short", "delay_pvalue", "switch_err_ff", "switch_err_ffh",
                      "switch_pvalue", "fp_found_fraction_ff", "fp_found_fraction_ffh",
                      "prep_rsa_ff", "prep_rsa_ffh", "n_ground_truths", "n_seeds",
                      "dsa_hints_mean", "dsa_oracle_mean", "dsa_padj", "mech_family_size",
                      "mech_claim", "mech_summary_text",
                      *[f"mech_{m}_{k}" for m in ("jpca_deviation", "prep_rsa", "fp_found",
                                                  "onset_deviation", "dsa", "delay_err",
                                                  "switch_err")
                        for k in ("label", "ff", "ffh", "reference", "padj", "claim")]],
    "parameters": ["param_count", *[f"param_{t}_count" for t in ("paper", "study_abstract",
                                                                  "ref_paper", "ref_code",
                                                                  "choice", "calibrated")]],
    "09_compared_to_what": ["n_ground_truths",
                            *[f"{key}_{r}{stat}" for r in ("ff_tau", "ffh_tau", "bptt",
                                                           "bptt_rec", "pinned")
                              for key, stat in (("cca_cd_untrained", "_mean"),
                                                ("cca_train", "_mean"),
                                                ("cca_untrained", "_mean"), ("dsa", "_mean"),
                                                ("gen_err", "_mean"), ("fit_r2", "_min"),
                                                ("train_seconds", "_median"),
                                                ("pvalue_cd_untrained", "_vs_ffh"),
                                                ("pvalue_train", "_vs_ffh"))],
                            *[f"matches_ffh_{r}" for r in ("ff_tau", "ffh_tau", "bptt",
                                                          "bptt_rec", "pinned")]],
    "10_single_neurons_populations": [
        "kao_n_cells", "kao_n_ground_truths", "kao_rank_corr_mean", "kao_rank_corr_pvalue",
        "kao_dissociating_cells", "kao_n_dissociating", "kao_padj", "kao_padj_text", "kao_claim",
        *[f"kao_{m}_{a}_{k}" for m in ("single", "cca_cd")
          for a in ("tanh", "rtanh", "softplus") for k in range(3)],
        *[f"single_neuron_match_{k}_mean" for k in ("ff", "ffh", "hints", "floor")]],
}

#: Glued numbers that are NaN by design in some outcomes, each beside a glued sentence that words
#: that outcome (e.g. a level the grid never reaches: ``fraction_for_90pct_text``).
MAY_BE_NAN = {
    # no candidate cell (none reaches FFH neuron by neuron): kao_claim says so
    "10_single_neurons_populations": {"kao_padj"},
    "07_how_many_neurons": {f"{what}_for_90pct{who}{bound}" for what in ("fraction", "neurons")
                            for who in ("", "_recordings") for bound in ("", "_lo", "_hi")},
}

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def glued(path: Path) -> dict:
    """Glued values of an executed notebook: name -> text/plain repr."""
    out = {}
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = output.get("data", {})
                out[name] = next((v for k, v in data.items() if k.endswith("text/plain")), "")
    return out


def execute(notebook: Path, out: Path, *params: str) -> subprocess.CompletedProcess:
    """Run ``notebook`` under papermill into ``out``; the files it offers for download go to
    ``out``'s folder (``$FFHLIB_OUTPUT_DIR``), not into the repository."""
    cmd = [sys.executable, "-m", "papermill", str(notebook.relative_to(ROOT)), str(out),
           "--log-level", "WARNING", *params]
    env = {**os.environ, "FFHLIB_OUTPUT_DIR": str(out.parent)}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


#: Tables a chapter offers, and glued means that must equal the CSV's (measure, kind, glue key):
#: the mean over ground truths of each ground truth's mean over its rows, as the book computes.
OFFERED = {
    "04_full_force": ("hint_sweep_table.csv", []),
    "05_dynamics_similarity": ("study_table.csv", [("cca_e", "ffh", "cca_unobserved_ffh_mean"),
                                                   ("cca_e", "ff", "cca_unobserved_ff_mean")]),
    "06_generalization": ("generalization_table.csv", [("gen_err", "ff", "gen_err_ff"),
                                                       ("gen_err", "ffh", "gen_err_ffh"),
                                                       ("gen_err", "interpolation",
                                                        "gen_err_interp")]),
    "07_how_many_neurons": ("sweep_table.csv", []),
    "08_mechanisms": ("mechanism_table.csv", [("dsa", "ff", "dsa_ff_mean"),
                                              ("dsa", "ffh", "dsa_ffh_mean")]),
}


def check_offered_tables(stem: str, folder: Path, values: dict) -> None:
    """Every table the chapter offered loads with pandas, has the data dictionary's columns and
    the run's parameters, and matches the chapter's glued summaries."""
    import pandas as pd

    from ffhlib import tables

    offered = tables.read_sidecars(folder)
    if stem in OFFERED:
        assert OFFERED[stem][0] in [s["table"] for s in offered], f"{stem} offers no table"
    for side in offered:
        frame = pd.read_csv(folder / side["table"])
        assert list(frame.columns) == [c["name"] for c in side["columns"]]
        assert len(frame) == side["n_rows"] > 0
        for column in side["columns"]:
            assert tables.column_of(column["name"], side["rows"]) == tables.Column(**column)
        assert side["chapter"] == stem
        assert side["parameters"]["seed"] == 3 and side["parameters"]["quick"] is True
    if stem not in OFFERED:
        return
    name, checks = OFFERED[stem]
    frame = pd.read_csv(folder / name)
    ok = frame[frame["error"].isna()] if "error" in frame else frame   # failed rows left out
    for measure, kind, key in checks:
        rows = ok[ok["network"] == kind]
        mean = float(rows.groupby("ground_truth")[measure].mean().mean())
        assert math.isclose(mean, float(values[key]), rel_tol=1e-9, abs_tol=1e-12), \
            f"{name}: mean {measure} of {kind} {mean} != glued {key} {values[key]}"


def test_every_required_chapter_exists():
    missing = [name for name in REQUIRED_GLUE if not (BOOK / f"{name}.ipynb").exists()]
    assert not missing, f"chapters not written yet: {missing}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_sources_have_no_outputs(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, "a chapter without code"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert "parameters" in code[0].get("metadata", {}).get("tags", []), \
        "the first code cell must be tagged `parameters`"
    source = "".join(code[0]["source"])
    for name in ("seed", "quick"):
        assert f"{name} =" in source, f"parameters cell lacks `{name}`"


#: What each chapter executed in quick mode glued (filled by the test below, read by the last one).
EXECUTED: dict[str, dict] = {}


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_executes_in_quick_mode(notebook, tmp_path):
    out = tmp_path / notebook.name
    result = execute(notebook, out, "-p", "quick", "true", "-p", "seed", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    values = glued(out)
    EXECUTED[notebook.name] = values
    missing = [k for k in REQUIRED_GLUE.get(notebook.stem, []) if k not in values]
    assert not missing, f"{notebook.stem} does not glue {missing}"
    for key, text in values.items():
        try:
            number = float(text)
        except ValueError:
            continue
        if key in MAY_BE_NAN.get(notebook.stem, ()):
            continue
        assert math.isfinite(number), f"{notebook.stem} glues a non-finite {key} = {text}"
    check_offered_tables(notebook.stem, tmp_path, values)


@pytest.mark.slow
def test_wrong_parameter_type_fails_before_heavy_work(tmp_path):
    """A papermill parameter of the wrong type stops the chapter with a message naming it."""
    notebook = BOOK / "04_full_force.ipynb"
    if not notebook.exists():
        pytest.fail("chapter 04 not written yet")
    result = execute(notebook, tmp_path / "out.ipynb", "-p", "quick", "true", "-p", "seed", "x")
    assert result.returncode != 0
    assert "seed" in result.stderr
    assert "TypeError" in result.stderr or "ValueError" in result.stderr


@pytest.mark.slow
def test_similarity_chapter_publishes_the_same_keys_for_the_held_design(tmp_path):
    """Chapter 05 rerun with the other trial design (its networks are cached by the default run,
    which trains one seed of the other design too)."""
    notebook = BOOK / "05_dynamics_similarity.ipynb"
    out = tmp_path / notebook.name
    result = execute(notebook, out, "-p", "quick", "true", "-p", "seed", "3",
                     "-p", "cue_epoch", "trial")
    assert result.returncode == 0, result.stderr[-3000:]
    values = glued(out)
    missing = [k for k in REQUIRED_GLUE[notebook.stem] if k not in values]
    assert not missing, f"the held design does not glue {missing}"
    assert values["cue_epoch"].strip("'") == "trial"


#: A glue reference in a page's prose: {glue}`key`, {glue:text}`nb.ipynb::key:.3f`, a
#: {glue:figure} directive, ...
_GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`]+)`")
_GLUE_DIRECTIVE = re.compile(r"^```\{glue(?::\w+)?\}\s+(\S+)", re.M)


def _prose(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def glue_references(path: Path) -> set[tuple[str, str]]:
    """``(notebook, key)`` of every glue reference in a page's prose; a bare key refers to the
    page itself."""
    text = _prose(path)
    refs = set()
    for raw in _GLUE_ROLE.findall(text) + _GLUE_DIRECTIVE.findall(text):
        target = raw
        page = path.name
        if "::" in target:
            page, target = target.split("::", 1)
        key = target.split(":", 1)[0]  # drop a format spec
        refs.add((page, key))
    return refs


def test_glue_references_are_read_from_prose():
    refs = glue_references(BOOK / "intro.md")
    assert ("05_dynamics_similarity.ipynb", "cca_unobserved_ffh_mean") in refs
    assert all(page.endswith(".ipynb") for page, _ in refs)


@pytest.mark.slow
def test_every_glue_reference_of_every_page_is_produced():
    """Every {glue} key in the prose of any page (intro, chapters, appendices) is glued by the
    notebook it names, as executed above in quick mode (the same code as at paper scale)."""
    pages = sorted(BOOK.glob("*.md")) + NOTEBOOKS
    if set(EXECUTED) != {p.name for p in NOTEBOOKS}:
        pytest.skip("needs every chapter executed in this session (run the whole file)")
    missing = sorted(f"{path.name}: {page}::{key}" for path in pages
                     for page, key in glue_references(path)
                     if key not in EXECUTED.get(page, {}))
    assert not missing, "glue keys used in the prose but never glued:\n" + "\n".join(missing)
