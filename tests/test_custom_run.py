"""A custom run (``make chapter``) never writes into the paper's book.

``make chapter`` copies the stage (the paper-parameter book of ``make book``) to
``_build/custom/NB`` and executes the chapter there. Every file the chapter writes (its download
tables, its cache log) must land in the custom copy: here the first half of that recipe
(``make custom-run``, the part that executes the chapter) runs over a small stage of its own, and no
file of the stage may change.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from ffhlib.notebook import OUTPUT_ENV, chapter_output_dir

ROOT = Path(__file__).resolve().parents[1]


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_output_dir_follows_the_environment(tmp_path):
    target = tmp_path / "custom" / "book"
    assert chapter_output_dir({OUTPUT_ENV: str(target)}) == target.resolve()
    assert target.is_dir()


def test_output_dir_by_hand_is_never_a_built_book(tmp_path):
    out = chapter_output_dir({}, start=ROOT / "book")
    assert out == (ROOT / "_build" / "outputs").resolve()
    assert "stage" not in out.parts and "custom" not in out.parts
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert chapter_output_dir({}, start=outside) in (outside.resolve(),
                                                    (ROOT / "_build" / "outputs").resolve())


@pytest.mark.slow
def test_custom_run_leaves_the_stage_unchanged(tmp_path):
    if shutil.which("make") is None or not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("needs GNU make and the project's .venv (make venv)")
    stage, custom = tmp_path / "stage", tmp_path / "custom"
    (stage / "book").mkdir(parents=True)
    (stage / "_config.yml").write_text("title: the paper's book\n")
    # what the paper run left: its table and cache log, which a custom run must not overwrite
    (stage / "book" / "sweep_table.csv").write_text("ground_truth,network\n0,ffh\n")
    (stage / "book" / "07_how_many_neurons.cache-log.tsv").write_text("paper run\n")
    before = _snapshot(stage)
    nb = "07_how_many_neurons"
    result = subprocess.run(
        ["make", "--no-print-directory", "custom-run", f"NB={nb}", "ARGS=-p quick true -p seed 3",
         f"STAGE={stage}", f"CUSTOM={custom}"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert _snapshot(stage) == before, "the custom run changed the paper's book"
    run = custom / nb / "book"
    assert (run / f"{nb}.ipynb").is_file()
    table = (run / "sweep_table.csv").read_text()
    assert table != (stage / "book" / "sweep_table.csv").read_text()
    assert "ground_truth" in table.splitlines()[0]
    assert (run / f"{nb}.cache-log.tsv").read_text() != "paper run\n"
