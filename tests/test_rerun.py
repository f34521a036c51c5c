"""The documented rerun path: a chapter run with other parameters (``make chapter NB=...
ARGS="-p ..."`` calls papermill exactly like this) validates them at once and names a bad one."""

from __future__ import annotations

import json
import subprocess
import sys
import time
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


@pytest.mark.parametrize(("name", "value"), [("seed", "x"), ("quick", "maybe")])
def test_bad_parameter_fails_at_once_naming_it(tmp_path, name, value):
    start = time.perf_counter()
    result = _papermill(tmp_path / "out.ipynb", "-p", "quick", "true", "-p", name, value)
    seconds = time.perf_counter() - start
    assert result.returncode != 0
    assert name in result.stderr
    assert "TypeError" in result.stderr or "ValueError" in result.stderr
    # it stops in the chapter's first code cell after the parameters, before any heavy work
    assert seconds < 60, f"took {seconds:.0f} s to reject {name}={value!r}"


def test_valid_rerun_succeeds(tmp_path):
    out = tmp_path / "out.ipynb"
    result = _papermill(out, "-p", "seed", "7", "-p", "quick", "true")
    assert result.returncode == 0, result.stderr[-3000:]
    meta = json.loads(out.read_text())["metadata"]["papermill"]
    assert meta["parameters"] == {"seed": 7, "quick": "true"}
    assert meta["exception"] in (None, False)
