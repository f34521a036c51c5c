"""The reproducibility appendix's build information (ffhlib.buildinfo) on constructed builds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ffhlib import buildinfo
from ffhlib.cache import CacheSavings
from ffhlib.notebook import ChapterSeeds, GitState


def _cells(table: str) -> list[list[str]]:
    """The body rows of a Markdown table, as lists of cell texts."""
    lines = [ln for ln in table.splitlines() if ln.startswith("|")][2:]
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]


def test_build_values_for_a_clean_checkout_and_without_git():
    clean = buildinfo.build_values(GitState("a" * 40, False), "2024-05-01")
    assert clean == {"repro_build_date": "2024-05-01", "repro_git_commit": "a" * 40,
                     "repro_git_commit_short": "a" * 12, "repro_git_dirty": False,
                     "repro_git_tree": "unchanged from that commit (a clean tree)"}
    none = buildinfo.build_values(GitState(None, None), "2024-05-01")
    assert none["repro_git_commit"].startswith("unknown") and none["repro_git_dirty"] is False
    assert none["repro_git_commit_short"] == "unknown"
    assert none["repro_git_tree"] == "of unknown state (no git checkout)"


def test_software_against_a_lock_file(tmp_path):
    lock = tmp_path / "requirements-lock.txt"
    lock.write_text("numpy==2.1.0\n    # via ffhlib\nscipy==1.14.1 ; python_version >= '3.11'\n"
                    "Scikit_Learn==1.5.2\n")
    installed = {"ffhlib": "0.1.0", "numpy": "2.1.0", "scipy": "1.13.0",
                 "scikit-learn": "1.5.2", "tqdm": "not installed"}
    sw = buildinfo.software(tuple(installed), lock=lock, version=installed.__getitem__)
    assert sw.locked == {"numpy": "2.1.0", "scipy": "1.14.1", "scikit-learn": "1.5.2"}
    assert sw.lock_sha256 == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert sw.mismatches == ["scipy"]
    assert buildinfo.software_values(sw) == {"repro_lock_sha256": sw.lock_sha256,
                                             "repro_lock_packages": 3,
                                             "repro_lock_mismatches": 1}
    table = buildinfo.software_table(sw)
    assert ":name: tbl-repro-software" in table
    rows = _cells(table)
    assert [r[0] for r in rows] == ["Python", "platform", "CPU cores available", *installed]
    assert rows[2][1] == str(sw.cores) and sw.cores >= 1
    by_name = {r[0]: r for r in rows}
    assert by_name["ffhlib"][2] == "(the project itself)"
    assert by_name["scipy"][1:] == ["1.13.0", "1.14.1"]
    assert by_name["tqdm"][1:] == ["not installed", "-"]


def test_software_without_a_lock_file():
    sw = buildinfo.software(("numpy",), lock=None, version=lambda name: "1.0")
    assert sw.locked == {} and sw.lock_sha256 is None and sw.mismatches == []
    values = buildinfo.software_values(sw)
    assert values["repro_lock_sha256"] == "unknown (no lock file found)"
    assert values["repro_lock_packages"] == 0


def test_installed_version_of_a_real_and_a_missing_package():
    import numpy

    assert buildinfo.installed_version("numpy") == numpy.__version__
    assert buildinfo.installed_version("no-such-package-ffh") == "not installed"


LIBS = [{"api": "blas", "library": "openblas", "version": "0.3.27", "threads": 4,
         "threading_layer": "pthreads", "file": "libopenblas.so"},
        {"api": "openmp", "library": "openmp", "version": None, "threads": None,
         "threading_layer": None, "file": "libgomp.so"}]


def test_threads_values_and_tables():
    th = buildinfo.threads(libraries=LIBS, settings={"OMP_NUM_THREADS": "2",
                                                     "MKL_NUM_THREADS": None},
                           numba_threads=3)
    assert th.blas_threads == 4
    assert buildinfo.thread_values(th, 8) == {"repro_numba_threads": 3,
                                              "repro_blas_threads": 4, "repro_cpu_cores": 8}
    assert _cells(buildinfo.blas_table(th)) == [
        ["blas", "openblas", "0.3.27", "4", "pthreads", "`libopenblas.so`"],
        ["openmp", "openmp", "-", "None", "-", "`libgomp.so`"]]
    assert _cells(buildinfo.thread_variables_table(th)) == [["`OMP_NUM_THREADS`", "`2`"],
                                                            ["`MKL_NUM_THREADS`", "unset"]]
    assert buildinfo.threads(libraries=[], settings={}, numba_threads=1).blas_threads == 0


def test_threads_of_this_process():
    import numba

    th = buildinfo.threads()
    assert th.numba_threads == numba.config.NUMBA_NUM_THREADS
    assert "OMP_NUM_THREADS" in th.settings


def test_streams_text():
    assert buildinfo.streams_text(("emg", "soc")) == "`emg`, `soc`."
    assert buildinfo.streams_text().startswith("`emg`, ")


@pytest.mark.parametrize(("values", "text"), [
    (None, "-"), ((0, 1, 2, 3, 4, 5), "0 .. 5 (6)"), ((3, 4, 5), "3 .. 5 (3)"),
    ((0, 1), "0, 1 (2)"), ((0, 2, 3), "0, 2, 3 (3)"), ((7,), "7 (1)"),
])
def test_seeds_text(values, text):
    assert buildinfo.seeds_text(values) == text


def _records(**kw):
    base = dict(stage=Path("/b/_build/stage/book"),
                runtimes={"01_emg_targets": 12.04, "05_dynamics_similarity": None},
                cache_use={"01_emg_targets": CacheSavings(2, 30.2),
                           "05_dynamics_similarity": None},
                parameters={"01_emg_targets": {"seed": 0, "quick": "true"}},
                seeds={"01_emg_targets": ChapterSeeds(0, None, None),
                       "05_dynamics_similarity": ChapterSeeds(1, (0, 1, 2), (1, 2))},
                savings=CacheSavings(4, 600.0))
    base.update(kw)
    return buildinfo.BuildRecords(**base)


def test_seed_values_and_table():
    records = _records()
    assert buildinfo.seed_values(records) == {"repro_seed_chapters": 2,
                                              "repro_seed_01_emg_targets": 0,
                                              "repro_seed_05_dynamics_similarity": 1}
    table = buildinfo.seeds_table(records)
    assert _cells(table) == [["01_emg_targets", "0", "-", "-"],
                             ["05_dynamics_similarity", "1", "0 .. 2 (3)", "1, 2 (2)"]]
    assert "this page ran on its own" not in table


def test_seed_table_of_a_page_run_on_its_own():
    records = _records(seeds={}, runtimes={}, cache_use={}, parameters={}, savings=None)
    assert buildinfo.seed_values(records) == {"repro_seed_chapters": 0}
    table = buildinfo.seeds_table(records)
    assert _cells(table) == [["(none found)", "-", "-", "-"]]
    assert "(no executed chapters in /b/_build/stage/book: this page ran on its own" in table


def test_runtime_values_and_table():
    records = _records()
    values = buildinfo.runtime_values(records)
    assert values["runtime_n_chapters"] == 1
    assert values["runtime_total_seconds"] == 12.04
    assert values["runtime_total_minutes"] == pytest.approx(12.04 / 60)
    assert values["runtime_01_emg_targets"] == 12.04
    assert "runtime_05_dynamics_similarity" not in values
    assert values["runtime_cache_reads"] == 4 and values["runtime_cache_read_minutes"] == 10.0
    assert values["runtime_cache_text"].startswith("taking 4 results")
    rows = _cells(buildinfo.runtimes_table(records))
    assert rows == [["01_emg_targets", "`seed=0`, `quick='true'`", "12.0", "2 (30 s)"],
                    ["05_dynamics_similarity", "", "not recorded", "not recorded"],
                    ["**total**", "", "**12.0**", "**4 (600 s)** from earlier runs"]]


def test_runtime_values_without_records():
    records = _records(runtimes={}, cache_use={}, parameters={}, seeds={}, savings=None)
    values = buildinfo.runtime_values(records)
    assert values == {"runtime_n_chapters": 0, "runtime_total_seconds": 0.0,
                      "runtime_total_minutes": 0.0, "runtime_cache_reads": 0,
                      "runtime_cache_read_minutes": 0.0,
                      "runtime_cache_text": "(no cache records were found for this build)"}
    table = buildinfo.runtimes_table(records)
    assert _cells(table) == [["**total**", "", "**0.0**", ""]]
    assert "(none found in /b/_build/stage/book" in table


def _executed(path: Path, seconds: float, parameters: dict) -> None:
    """A minimal notebook as papermill leaves it."""
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": "seed = 0\nquick = False\n", "outputs": [],
                     "execution_count": 1}],
          "metadata": {"papermill": {"duration": seconds, "parameters": parameters,
                                     "start_time": "2024-01-01T00:00:00.000000"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def test_build_records_of_a_staged_build(tmp_path):
    _executed(tmp_path / "01_emg_targets.ipynb", 3.5, {"seed": 2})
    _executed(tmp_path / "05_dynamics_similarity.ipynb", 10.0, {"quick": True})
    records = buildinfo.build_records(tmp_path)
    assert records.stage == tmp_path
    assert records.runtimes == {"01_emg_targets": 3.5, "05_dynamics_similarity": 10.0}
    assert records.total_seconds == 13.5
    assert records.seeds["01_emg_targets"].seed == 2
    assert records.seeds["05_dynamics_similarity"].network_seeds is not None
    assert records.savings is None  # no cache logs beside the notebooks
    empty = buildinfo.build_records(None)
    assert empty.runtimes == {} and empty.seeds == {} and empty.savings is None


def test_cache_contents(tmp_path):
    root = tmp_path / "repo"
    cache = root / ".cache" / "ffhlib"
    cache.mkdir(parents=True)
    (cache / "a.npz").write_bytes(b"x" * 1500)
    (cache / "b.npz").write_bytes(b"y" * 500)
    (cache / "log.tsv").write_text("not an entry")
    contents = buildinfo.cache_contents(cache, root=root)
    assert contents.n_entries == 2 and contents.size_mb == pytest.approx(0.002)
    assert contents.shown_dir == Path(".cache/ffhlib")
    assert buildinfo.cache_values(contents) == {"cache_entries": 2, "cache_size_mb": 0.002}
    assert buildinfo.cache_contents_text(contents) == "`.cache/ffhlib`: 2 entries, 0.0 MB."
    outside = buildinfo.cache_contents(cache, root=tmp_path / "elsewhere")
    assert outside.shown_dir == cache
    missing = buildinfo.cache_contents(tmp_path / "nothing", root=root)
    assert missing.n_entries == 0 and missing.size_mb == 0.0
