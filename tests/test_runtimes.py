"""Run times and parameters of executed chapters are read back from papermill's metadata."""

from __future__ import annotations

import json

import nbformat
import pytest

from ffhlib.notebook import (
    book_root,
    chapter_parameters,
    chapter_runtimes,
    staged_chapters_dir,
)


def _write(path, papermill=None):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("seed = 0\nquick = False  # a comment\nknob = 2 * 3")
    cell.metadata["tags"] = ["parameters", "hide-input"]
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nb.cells.append(cell)
    if papermill is not None:
        nb.metadata["papermill"] = papermill
    path.write_text(nbformat.writes(nb))


def test_runtimes_and_parameters_from_metadata(tmp_path):
    _write(tmp_path / "02_b.ipynb", {"duration": 2.5, "default_parameters": {"seed": 0},
                                     "parameters": {"seed": 7, "quick": "true"}})
    _write(tmp_path / "01_a.ipynb", {"duration": 1})
    _write(tmp_path / "03_c.ipynb")                              # not executed by papermill
    _write(tmp_path / "parameters.ipynb", {"duration": 9.0})    # an appendix, not a chapter
    (tmp_path / "04_broken.ipynb").write_text("{not json")       # skipped, not fatal
    times = chapter_runtimes(tmp_path)
    assert list(times) == ["01_a", "02_b", "03_c"]
    assert times == {"01_a": 1.0, "02_b": 2.5, "03_c": None}
    # the parameters cell's literals (2 * 3 is not a literal: left out), then what was injected
    assert chapter_parameters(tmp_path)["02_b"] == {"seed": 7, "quick": "true"}
    assert chapter_parameters(tmp_path)["01_a"] == {"seed": 0, "quick": False}


def test_missing_directory_gives_nothing(tmp_path):
    assert chapter_runtimes(tmp_path / "absent") == {}
    assert chapter_parameters(tmp_path / "absent") == {}


def test_book_root_and_stage(tmp_path):
    (tmp_path / "_toc.yml").write_text("root: book/intro\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "src" / "ffhlib").mkdir(parents=True)
    assert book_root(tmp_path / "book") == tmp_path.resolve()
    assert staged_chapters_dir(tmp_path / "book") == tmp_path.resolve() / "_build/stage/book"
    stage = tmp_path / "elsewhere" / "staged-copy"      # a staged copy: no sources beside it
    (stage / "book").mkdir(parents=True)
    (stage / "_toc.yml").write_text("root: book/intro\n")
    assert staged_chapters_dir(stage / "book") == stage.resolve() / "book"


def test_book_root_from_anywhere(tmp_path):
    """Outside the checkout (e.g. papermill with another working directory), the library's own
    location finds the repository of this editable install."""
    root = book_root(tmp_path)
    assert (root / "_toc.yml").is_file() and (root / "src" / "ffhlib").is_dir()
    assert chapter_runtimes(None) == {} and chapter_parameters(None) == {}


def test_real_papermill_metadata(tmp_path):
    """papermill itself records the duration that chapter_runtimes reads."""
    papermill = pytest.importorskip("papermill")
    source = tmp_path / "src.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell("seed = 0")
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    source.write_text(nbformat.writes(nb))
    out = tmp_path / "stage"
    out.mkdir()
    papermill.execute_notebook(str(source), str(out / "01_x.ipynb"), parameters={"seed": 4},
                               progress_bar=False, kernel_name="python3")
    meta = json.loads((out / "01_x.ipynb").read_text())["metadata"]["papermill"]
    assert chapter_runtimes(out)["01_x"] == pytest.approx(meta["duration"])
    assert chapter_parameters(out)["01_x"]["seed"] == 4
