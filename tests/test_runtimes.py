"""What the appendices and custom runs read back about a build: run times, parameters and seeds of
executed chapters (papermill's metadata), the git commit, the date, thread settings, the lock file,
and the parameter differences of a custom run."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
import yaml

from ffhlib.cache import CacheSavings
from ffhlib.notebook import (
    BLAS_THREAD_VARIABLES,
    LOCK_FILE,
    ChapterSeeds,
    GitState,
    ParameterChange,
    blas_libraries,
    book_root,
    build_cache_savings,
    build_date,
    chapter_cache_use,
    chapter_parameters,
    chapter_runtimes,
    chapter_seeds,
    custom_run_page,
    file_sha256,
    git_state,
    lock_file,
    locked_versions,
    make_custom_book,
    markdown_table,
    parameter_differences,
    staged_chapters_dir,
    thread_settings,
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


def test_cache_use_counts_what_was_computed_before_a_chapter_and_before_the_build(tmp_path):
    start = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)
    t0 = start.timestamp()
    _write(tmp_path / "01_a.ipynb", {"duration": 9.0, "start_time": start.isoformat()})
    later = start + datetime.timedelta(minutes=10)  # papermill's older naive UTC stamp
    _write(tmp_path / "02_b.ipynb", {"duration": 1.0,
                                     "start_time": later.replace(tzinfo=None).isoformat()})
    _write(tmp_path / "03_c.ipynb", {"duration": 1.0, "start_time": start.isoformat()})  # no log
    _write(tmp_path / "04_d.ipynb", {"duration": 1.0})                         # no start time
    old = t0 - 3600  # written by an earlier build
    (tmp_path / "01_a.cache-log.tsv").write_text(
        f"read\tgt\tgt.npz\t30\t{old}\n"          # an earlier build's ground truth: saved
        f"computed\tnet\tnet.npz\t12\t{t0 + 5}\n"
        f"read\tnet\tnet.npz\t12\t{t0 + 5}\n")     # its own network, read again: not saved
    (tmp_path / "02_b.cache-log.tsv").write_text(
        f"read\tgt\tgt.npz\t30\t{old}\n"
        f"read\tnet\tnet.npz\t12\t{t0 + 5}\n"      # chapter 01's network: saved this chapter
        f"read\tnet\tnet.npz\t12\t{t0 + 5}\n"      # ... once
        # written during the build, by an earlier run of this chapter (a partial rebuild reran
        # it): no chapter's logged run computed it, so the build did not either
        f"read\trow\trow.npz\t7\t{t0 + 60}\n"
        f"within\t-\tgt.npz\t30\t{t0 + 60}\n")     # what the row was computed from: once
    (tmp_path / "04_d.cache-log.tsv").write_text(f"read\tgt\tgt.npz\t30\t{old}\n")
    use = chapter_cache_use(tmp_path)
    assert list(use) == ["01_a", "02_b", "03_c", "04_d"]
    assert (use["01_a"].n_entries, use["01_a"].seconds) == (1, 30.0)
    assert (use["02_b"].n_entries, use["02_b"].seconds) == (3, 49.0)
    assert use["03_c"] is None and use["04_d"] is None
    # The build as a whole computed the network itself: the ground truth and the row it did not.
    assert build_cache_savings(tmp_path) == CacheSavings(n_entries=2, seconds=37.0)
    assert chapter_cache_use(tmp_path / "absent") == {}
    assert build_cache_savings(tmp_path / "absent") is None


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


# --- the build: commit, date, threads, lock ------------------------------------------------------

def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state_of_a_fresh_repository(tmp_path):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
         "-m", "empty")
    (tmp_path / "f.txt").write_text("a")
    assert git_state(tmp_path).dirty is False            # untracked files do not count
    _git(tmp_path, "add", "f.txt")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "f")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True,
                          text=True, check=True).stdout.strip()
    state = git_state(tmp_path)
    assert state == GitState(head, False) and state.short == head[:12]
    (tmp_path / "f.txt").write_text("b")
    assert git_state(tmp_path) == GitState(head, True)


def test_git_state_outside_a_checkout(tmp_path):
    assert git_state(tmp_path) == GitState(None, None)
    assert GitState(None, None).short is None


def test_build_date_in_utc_and_from_source_date_epoch():
    late = datetime.datetime(2024, 3, 1, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(
        hours=-5)))
    assert build_date({}, now=late) == "2024-03-02"       # 04:30 UTC the next day
    assert build_date({"SOURCE_DATE_EPOCH": "0"}, now=late) == "1970-01-01"
    assert build_date({"SOURCE_DATE_EPOCH": "not a number"}, now=late) == "2024-03-02"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", build_date())


def test_thread_settings_reads_every_variable():
    settings = thread_settings({"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "2", "OTHER": "x"})
    assert list(settings) == list(BLAS_THREAD_VARIABLES)
    assert settings["OMP_NUM_THREADS"] == "1" and settings["NUMBA_NUM_THREADS"] == "2"
    assert settings["OPENBLAS_NUM_THREADS"] is None and "OTHER" not in settings
    assert {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"} <= set(settings)


def test_blas_libraries_from_threadpool_info():
    info = [{"user_api": "openmp", "internal_api": "openmp", "num_threads": 4, "version": None,
             "filepath": "/x/libgomp.so.1", "prefix": "libgomp"},
            {"user_api": "blas", "internal_api": "openblas", "num_threads": 2,
             "version": "0.3.27", "threading_layer": "pthreads", "architecture": "Haswell",
             "filepath": "/y/libopenblas.so", "prefix": "libopenblas"}]
    rows = blas_libraries(info)
    assert [r["api"] for r in rows] == ["blas", "openmp"]
    assert rows[0] == {"api": "blas", "library": "openblas", "version": "0.3.27", "threads": 2,
                       "threading_layer": "pthreads", "file": "libopenblas.so"}
    assert rows[1]["version"] is None and rows[1]["threading_layer"] is None


def test_blas_libraries_of_this_process_match_threadpoolctl():
    from threadpoolctl import threadpool_info

    rows = blas_libraries()
    assert any(r["api"] == "blas" for r in rows), "NumPy's BLAS is not loaded"
    assert len(rows) == len(threadpool_info())
    assert all(isinstance(r["threads"], int) and r["threads"] >= 1 for r in rows)


def test_file_sha256_and_lock(tmp_path):
    path = tmp_path / "lock.txt"
    path.write_bytes(b"numpy==2.0.0\n")
    assert file_sha256(path) == hashlib.sha256(b"numpy==2.0.0\n").hexdigest()
    assert file_sha256(tmp_path / "absent") is None
    assert lock_file() is not None and lock_file().name == LOCK_FILE


def test_locked_versions_parses_pins_only(tmp_path):
    path = tmp_path / "lock.txt"
    path.write_text("# a comment\nNumPy==2.4.6\n    # via x\n"
                    "sphinx_book.theme==1.1.4 ; python_version >= '3.9'\n"
                    "dask[distributed]==2026.8.0  # note\n-e .\nscipy>=1.11\n")
    assert locked_versions(path) == {"numpy": "2.4.6", "sphinx-book-theme": "1.1.4",
                                     "dask": "2026.8.0"}
    assert locked_versions(tmp_path / "absent") == {}


def test_markdown_table_plain_and_captioned():
    plain = markdown_table(["a", "b"], [(1, "x|y"), ("two\nlines", None)])
    assert plain.splitlines() == ["| a | b |", "|---|---|", "| 1 | x\\|y |", "| two lines | None |"]
    captioned = markdown_table(["a"], [(1,)], caption="A  caption\nover lines.", name="tbl-a")
    lines = captioned.splitlines()
    assert lines[:3] == ["```{table} A caption over lines.", ":name: tbl-a", ""]
    assert lines[3:] == ["| a |", "|---|", "| 1 |", "```"]


# --- seeds each chapter used ---------------------------------------------------------------------

def _write_source(path, source, papermill=None):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    if papermill is not None:
        nb.metadata["papermill"] = papermill
    path.write_text(nbformat.writes(nb))


def test_chapter_seeds_are_resolved_as_the_chapters_resolve_them(tmp_path):
    from ffhlib.study import StudyParams

    _write_source(tmp_path / "01_emg_targets.ipynb", "seed = 0\nquick = False")
    _write_source(tmp_path / "05_dynamics_similarity.ipynb",
                  "seed = 0\nquick = False\nground_truth_seeds = None\nn_seeds = None",
                  {"parameters": {"seed": 3, "n_seeds": 4}})
    _write_source(tmp_path / "06_generalization.ipynb",
                  "seed = 1\nquick = False\nground_truth_seeds = None\nn_seeds = None",
                  {"parameters": {"ground_truth_seeds": "2,3"}})
    _write_source(tmp_path / "03_gain_modulation.ipynb",
                  "seed = 0\nquick = False\nground_truth_seeds = (0, 1, 2)", None)
    _write_source(tmp_path / "07_how_many_neurons.ipynb",
                  "seed = 'x'\nquick = False\nground_truth_seeds = None\nn_seeds = 1", None)
    seeds = chapter_seeds(tmp_path)
    assert seeds["01_emg_targets"] == ChapterSeeds(0, None, None)
    assert seeds["05_dynamics_similarity"] == ChapterSeeds(
        3, StudyParams().ground_truth_seeds, (3, 4, 5, 6))  # seed .. seed + n_seeds - 1
    preset = tuple(1 + k for k in range(len(StudyParams().seeds)))  # the preset's seeds from 1
    assert seeds["06_generalization"] == ChapterSeeds(1, (2, 3), preset)
    assert seeds["03_gain_modulation"] == ChapterSeeds(0, (0, 1, 2), None)
    assert seeds["07_how_many_neurons"] == ChapterSeeds(None, None, None)  # refused by the chapter
    assert chapter_seeds(tmp_path / "absent") == {}


# --- custom runs --------------------------------------------------------------------------------

CHAPTER_CELL = ("seed = 0\nquick = False\nhint_gain = None\nlearning_rate = 0.5\n"
                "hint_gains = (0.1, 0.3, 1.0)")


def _executed(given):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(CHAPTER_CELL)
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    nb.metadata["papermill"] = {"parameters": given, "duration": 12.25}
    return json.loads(nbformat.writes(nb))


def test_parameter_differences_against_the_parameters_cell():
    given = {"seed": 3, "quick": "true", "hint_gain": 0.5, "learning_rate": 0.5,
             "hint_gains": [0.1, 0.3, 1.0], "typo": 1}
    changes = parameter_differences(_executed(given))   # in the parameters cell's order
    assert changes == [ParameterChange("seed", 0, 3, True),
                       ParameterChange("quick", False, "true", True),
                       ParameterChange("hint_gain", None, 0.5, True),
                       ParameterChange("typo", None, 1, False)]


@pytest.mark.parametrize("given", [{}, {"seed": 0}, {"quick": "false"}, {"quick": "False"},
                                   {"learning_rate": 0.5}, {"hint_gains": [0.1, 0.3, 1.0]}])
def test_defaults_given_again_are_no_difference(given):
    assert parameter_differences(_executed(given)) == []


def test_a_type_change_is_a_difference():
    changes = parameter_differences(_executed({"seed": "0", "quick": True, "hint_gain": "None"}))
    assert [c.name for c in changes] == ["seed", "quick", "hint_gain"]


def test_custom_run_page_lists_the_differences():
    page = custom_run_page(_executed({"seed": 3, "hint_gain": 0.5, "typo": "a|b"}),
                           "04_full_force")
    lines = page.splitlines()
    assert lines[:2] == ["(custom-run)=", "# This book: a custom run of `04_full_force`"]
    assert "| `seed` | `3` | `0` |" in lines
    assert "| `hint_gain` | `0.5` | `None` |" in lines
    assert "| `typo` | `'a\\|b'` | not a parameter of the chapter (ignored by it) |" in lines
    assert ("papermill book/04_full_force.ipynb out.ipynb -p hint_gain 0.5 -p seed 3 "
            "-p typo 'a|b'") in lines    # papermill's metadata keeps the names sorted
    assert "and took 12.2 s (papermill's record)." in lines


def test_custom_run_page_command_passes_lists_as_yaml():
    page = custom_run_page(_executed({"hint_gains": [0.5], "seed": 1}), "04_x")
    assert "papermill book/04_x.ipynb out.ipynb -y hint_gains '[0.5]' -p seed 1" in page


def test_custom_run_page_without_differences():
    page = custom_run_page(_executed({"seed": 0}), "01_emg_targets")
    assert "no parameter differs" in page and "| parameter |" not in page


def test_make_custom_book(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "04_x.ipynb").write_text(json.dumps(_executed({"seed": 3})))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nparts:\n"
                                       "  - caption: A\n    chapters:\n      - file: book/04_x\n")
    (tmp_path / "_config.yml").write_text("title: The book\nhtml:\n  use_issues_button: true\n")
    page = make_custom_book(tmp_path, "04_x")
    assert page == tmp_path / "book" / "custom_run.md" and "`seed` | `3`" in page.read_text()
    toc = yaml.safe_load((tmp_path / "_toc.yml").read_text())
    assert toc["root"] == "book/intro"
    assert toc["parts"][0] == {"caption": "This custom run",
                               "chapters": [{"file": "book/custom_run"}]}
    assert toc["parts"][1]["chapters"] == [{"file": "book/04_x"}]
    config = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert config["title"] == "The book (custom run of 04_x)"
    assert config["html"]["use_issues_button"] is True
    assert "04_x with seed=3" in config["html"]["announcement"]


def test_custom_book_command_line(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "01_x.ipynb").write_text(json.dumps(_executed({"quick": "true"})))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: book/01_x\n")
    (tmp_path / "_config.yml").write_text("title: T\n")
    result = subprocess.run([sys.executable, "-m", "ffhlib.notebook", "custom-book",
                             str(tmp_path), "01_x"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    toc = yaml.safe_load((tmp_path / "_toc.yml").read_text())
    assert toc["chapters"][0] == {"file": "book/custom_run"}
