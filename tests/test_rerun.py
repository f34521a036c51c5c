"""The documented rerun path: a chapter run with other parameters (``make chapter NB=...
ARGS="-p ..."`` calls papermill exactly like this) validates them at once and names a bad one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "01_emg_targets.ipynb"   # the cheapest chapter


def _papermill(out: Path, *params: str) -> subprocess.CompletedProcess:
    if not CHAPTER.exists():
        pytest.fail(f"{CHAPTER.name} not written yet")
    cmd = [sys.executable, "-m", "papermill", "--cwd", "book", "--log-level", "WARNING",
           str(CHAPTER.relative_to(ROOT)), str(out), *params]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _executed_code_cells(path: Path) -> int:
    cells = json.loads(path.read_text())["cells"]
    return sum(1 for c in cells if c["cell_type"] == "code" and c.get("execution_count"))


@pytest.mark.parametrize(("name", "value"), [("seed", "x"), ("quick", "maybe")])
def test_bad_parameter_fails_at_once_naming_it(tmp_path, name, value):
    out = tmp_path / "out.ipynb"
    result = _papermill(out, "-p", "quick", "true", "-p", name, value)
    assert result.returncode != 0
    assert name in result.stderr
    assert "TypeError" in result.stderr or "ValueError" in result.stderr
    # it stops in the chapter's first code cell after the parameters, before any heavy work:
    # the parameters cell, papermill's injected cell and the cell that failed
    assert _executed_code_cells(out) <= 3


def test_valid_rerun_succeeds(tmp_path):
    out = tmp_path / "out.ipynb"
    result = _papermill(out, "-p", "seed", "7", "-p", "quick", "true")
    assert result.returncode == 0, result.stderr[-3000:]
    meta = json.loads(out.read_text())["metadata"]["papermill"]
    assert meta["parameters"] == {"seed": 7, "quick": "true"}
    assert meta["exception"] in (None, False)


def test_a_misspelt_parameter_stops_the_chapter_at_once_listing_its_parameters(tmp_path):
    """papermill only warns about a name the notebook does not declare; the chapter refuses it."""
    chapter = ROOT / "book" / "05_dynamics_similarity.ipynb"
    cmd = [sys.executable, "-m", "papermill", "--cwd", "book", "--log-level", "WARNING",
           str(chapter.relative_to(ROOT)), str(tmp_path / "out.ipynb"), "-p", "quick", "true",
           "-p", "hint_gian", "0.5"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "NameError" in result.stderr and "'hint_gian'" in result.stderr
    assert "hint_gain" in result.stderr and "cue_epoch" in result.stderr  # the list of knobs
    # it stops in the setup cell, before any work
    assert _executed_code_cells(tmp_path / "out.ipynb") <= 3
