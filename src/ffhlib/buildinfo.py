"""What the reproducibility appendix reports about a build, as named results and tables.

The appendix page (``book/reproducibility.ipynb``) is executed last by ``make book`` and reads
what the other chapters recorded about their own run. This module gathers each part as a named
result and turns it into the values the page glues and the tables it shows:

- :func:`software`: the installed versions of the packages the chapters use, against the lock file;
- :func:`threads`: numba's threads and the native thread pools (BLAS, OpenMP) of this process;
- :func:`build_records`: the run time, parameters, seeds and cache use of each executed chapter;
- :func:`cache_contents`: what the on-disk cache holds.

It reads the build through the public functions of :mod:`ffhlib.notebook`; every wording that
depends on what was found (a missing lock file, a dirty tree, a page run outside ``make book``)
comes from :mod:`ffhlib.report`.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata as metadata
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import report
from .cache import CacheSavings, cache_dir
from .notebook import (
    ChapterSeeds,
    GitState,
    blas_libraries,
    book_root,
    build_cache_savings,
    build_date,
    chapter_cache_use,
    chapter_parameters,
    chapter_runtimes,
    chapter_seeds,
    file_sha256,
    git_state,
    lock_file,
    locked_versions,
    markdown_table,
    staged_chapters_dir,
    thread_settings,
)
from .seeds import STREAMS

__all__ = [
    "PACKAGES",
    "BuildRecords",
    "CacheContents",
    "Software",
    "Threads",
    "available_cores",
    "blas_table",
    "build_records",
    "build_values",
    "cache_contents",
    "cache_contents_text",
    "cache_values",
    "installed_version",
    "runtime_values",
    "runtimes_table",
    "seed_values",
    "seeds_table",
    "seeds_text",
    "software",
    "software_table",
    "software_values",
    "streams_text",
    "thread_values",
    "thread_variables_table",
    "threads",
]

#: The packages whose versions the appendix lists, in the order shown.
PACKAGES = ("ffhlib", "numpy", "scipy", "scikit-learn", "numba", "llvmlite", "matplotlib",
            "pandas", "dask", "distributed", "joblib", "threadpoolctl", "tqdm", "jupyter-book",
            "sphinx", "myst-nb", "sphinxcontrib-bibtex", "sphinx-mathjax-offline", "papermill")


# ----------------------------------------------------------------------------- the commit


def build_values(git: GitState | None = None, date: str | None = None) -> dict:
    """The glued description of the build's commit: ``repro_build_date``, ``repro_git_commit``,
    ``repro_git_commit_short``, ``repro_git_dirty`` and ``repro_git_tree``.

    ``git`` and ``date`` default to :func:`ffhlib.notebook.git_state` and
    :func:`ffhlib.notebook.build_date` of this build.
    """
    git = git_state() if git is None else git
    date = build_date() if date is None else date
    return {"repro_build_date": date,
            "repro_git_commit": report.git_commit_text(git.commit),
            "repro_git_commit_short": report.git_commit_short_text(git.short),
            "repro_git_dirty": bool(git.dirty),
            "repro_git_tree": report.git_tree_text(git.dirty)}


# ----------------------------------------------------------------------------- software


def installed_version(name: str) -> str:
    """The installed version of the distribution ``name``, or ``"not installed"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return int(os.cpu_count() or 1)


@dataclasses.dataclass(frozen=True)
class Software:
    """The software of a build.

    Attributes
    ----------
    lock_sha256 : str or None
        SHA-256 of the lock file; ``None`` without one (or when it cannot be read).
    locked : dict of str to str
        Every version the lock file pins (empty without one).
    installed : dict of str to str
        The installed version of each package shown (:data:`PACKAGES`), in order.
    python, platform : str
    cores : int
        CPU cores available to this process.
    """

    lock_sha256: str | None
    locked: dict
    installed: dict
    python: str
    platform: str
    cores: int

    @property
    def mismatches(self) -> list[str]:
        """The packages shown whose installed version differs from the lock's."""
        return [name for name, version in self.installed.items()
                if name in self.locked and version != self.locked[name]]


def software(packages: Sequence[str] = PACKAGES, *, lock: Path | None | str = "find",
             version=installed_version) -> Software:
    """The installed versions of ``packages`` and the lock file's pins.

    Parameters
    ----------
    packages : sequence of str
        Distribution names, in the order shown.
    lock : path, None or "find"
        The lock file (default: :func:`ffhlib.notebook.lock_file` finds the repository's);
        ``None``: there is none.
    version : callable
        ``name -> version text`` (default :func:`installed_version`; tests pass their own).
    """
    if isinstance(lock, str) and lock == "find":
        lock = lock_file()
    locked = locked_versions(lock) if lock is not None else {}
    return Software(lock_sha256=file_sha256(lock) if lock is not None else None,
                    locked=locked, installed={name: version(name) for name in packages},
                    python=f"{platform.python_version()} ({sys.implementation.name})",
                    platform=platform.platform(), cores=available_cores())


def software_values(sw: Software) -> dict:
    """``repro_lock_sha256``, ``repro_lock_packages`` and ``repro_lock_mismatches``."""
    return {"repro_lock_sha256": report.lock_sha256_text(sw.lock_sha256),
            "repro_lock_packages": len(sw.locked),
            "repro_lock_mismatches": len(sw.mismatches)}


def software_table(sw: Software) -> str:
    """The software table (``tbl-repro-software``): each package's version beside the lock's."""
    rows = [("Python", sw.python, ""), ("platform", sw.platform, ""),
            ("CPU cores available", sw.cores, "")]
    rows += [(name, version, report.locked_version_text(name, sw.locked))
             for name, version in sw.installed.items()]
    return markdown_table(
        ["software", "version", "locked"], rows, name="tbl-repro-software",
        caption="Software of this build: the installed version of each package the chapters use, "
                "and the version requirements-lock.txt pins.")


# ----------------------------------------------------------------------------- threads


@dataclasses.dataclass(frozen=True)
class Threads:
    """The thread pools of this process.

    Attributes
    ----------
    numba_threads : int
        numba's thread pool (``numba.config.NUMBA_NUM_THREADS``).
    libraries : list of dict
        :func:`ffhlib.notebook.blas_libraries`.
    settings : dict of str to str or None
        :func:`ffhlib.notebook.thread_settings`.
    """

    numba_threads: int
    libraries: list
    settings: dict

    @property
    def blas_threads(self) -> int:
        """The largest thread pool among the native libraries (0 without any)."""
        return max((lib["threads"] or 0 for lib in self.libraries), default=0)


def threads(*, libraries: list | None = None, settings: Mapping | None = None,
            numba_threads: int | None = None) -> Threads:
    """The thread pools of this process (each part may be given instead, for tests)."""
    if numba_threads is None:
        import numba

        numba_threads = numba.config.NUMBA_NUM_THREADS
    return Threads(numba_threads=int(numba_threads),
                   libraries=blas_libraries() if libraries is None else list(libraries),
                   settings=thread_settings() if settings is None else dict(settings))


def thread_values(th: Threads, cores: int) -> dict:
    """``repro_numba_threads``, ``repro_blas_threads`` and ``repro_cpu_cores``."""
    return {"repro_numba_threads": th.numba_threads, "repro_blas_threads": th.blas_threads,
            "repro_cpu_cores": int(cores)}


def blas_table(th: Threads) -> str:
    """The native thread pools (``tbl-repro-blas``)."""
    return markdown_table(
        ["API", "library", "version", "threads", "threading layer", "file"],
        [(lib["api"], lib["library"], lib["version"] or "-", lib["threads"],
          lib["threading_layer"] or "-", f"`{lib['file']}`") for lib in th.libraries],
        name="tbl-repro-blas",
        caption="Native thread pools (BLAS, OpenMP) loaded while this page ran, from "
                "threadpoolctl.threadpool_info().")


def thread_variables_table(th: Threads) -> str:
    """The environment variables that set the thread counts (``tbl-repro-threads``)."""
    return markdown_table(
        ["variable", "value"],
        [(f"`{name}`", report.unset_text(value)) for name, value in th.settings.items()],
        name="tbl-repro-threads",
        caption="Environment variables that set the thread counts of BLAS, OpenMP and numba, as "
                "this page saw them (unset: the library's own default, usually one thread per "
                "core).")


# ----------------------------------------------------------------------------- seeds and runs


def streams_text(streams: Sequence[str] = STREAMS) -> str:
    """The named random streams of the pipeline, as a Markdown list: ```emg`, `soc`, ....``"""
    return ", ".join(f"`{name}`" for name in streams) + "."


@dataclasses.dataclass(frozen=True)
class BuildRecords:
    """What the executed chapters of a build recorded.

    Attributes
    ----------
    stage : Path or None
        Where ``make book`` put them (:func:`ffhlib.notebook.staged_chapters_dir`).
    runtimes : dict of str to float or None
        Execution time of each chapter (s), ``None`` where papermill recorded none.
    cache_use : dict of str to CacheSavings or None
        What each chapter took from the cache.
    parameters : dict of str to dict
        The parameters each chapter ran with.
    seeds : dict of str to ChapterSeeds
    savings : CacheSavings or None
        What the build as a whole took from the cache without computing it (``None``: no
        chapter has a cache log).
    """

    stage: Path | None
    runtimes: dict
    cache_use: dict
    parameters: dict
    seeds: dict
    savings: CacheSavings | None

    @property
    def known_runtimes(self) -> dict:
        """The chapters with a recorded time: ``{stem: seconds}``."""
        return {stem: s for stem, s in self.runtimes.items() if s is not None}

    @property
    def total_seconds(self) -> float:
        """Execution time of the chapters with a recorded time, summed (s)."""
        return float(sum(self.known_runtimes.values()))


def build_records(stage: Path | None | str = "find") -> BuildRecords:
    """The records of the executed chapters in ``stage`` (default: where ``make book`` puts
    them)."""
    if isinstance(stage, str) and stage == "find":
        stage = staged_chapters_dir()
    return BuildRecords(stage=stage, runtimes=chapter_runtimes(stage),
                        cache_use=chapter_cache_use(stage),
                        parameters=chapter_parameters(stage), seeds=chapter_seeds(stage),
                        savings=build_cache_savings(stage))


def seeds_text(values: Sequence[int] | None) -> str:
    """A list of seeds for a table cell: ``"0 .. 5 (6)"`` for more than two consecutive seeds,
    ``"0, 2 (2)"`` otherwise, ``"-"`` for none."""
    if values is None:
        return "-"
    values = list(values)
    if len(values) > 2 and values == list(range(values[0], values[0] + len(values))):
        return f"{values[0]} .. {values[-1]} ({len(values)})"
    return ", ".join(str(v) for v in values) + f" ({len(values)})"


def seed_values(records: BuildRecords) -> dict:
    """``repro_seed_chapters`` and ``repro_seed_{stem}`` for each chapter with a seed."""
    values = {"repro_seed_chapters": len(records.seeds)}
    values.update({f"repro_seed_{stem}": int(s.seed) for stem, s in records.seeds.items()
                   if s.seed is not None})
    return values


def _seed_row(stem: str, s: ChapterSeeds) -> tuple:
    return (stem, "-" if s.seed is None else s.seed, seeds_text(s.ground_truth_seeds),
            seeds_text(s.network_seeds))


def seeds_table(records: BuildRecords) -> str:
    """The seeds of each executed chapter (``tbl-repro-seeds``)."""
    rows = [_seed_row(stem, s) for stem, s in records.seeds.items()]
    return markdown_table(
        ["chapter", "seed", "ground-truth seeds", "network seeds per ground truth"],
        rows or [("(none found)", "-", "-", "-")], name="tbl-repro-seeds",
        caption="Seeds of each executed chapter, read from its parameters (its first cell, updated "
                "by papermill) and resolved as the chapter resolves them; network seeds are per "
                "ground truth; a dash: the chapter has no ground truths or network seeds of its "
                "own" + report.outside_build_note(bool(records.seeds), records.stage,
                                                  lead="no executed chapters") + ".")


def runtime_values(records: BuildRecords) -> dict:
    """``runtime_n_chapters``, ``runtime_total_seconds``, ``runtime_total_minutes``,
    ``runtime_{stem}`` for each timed chapter, ``runtime_cache_reads``,
    ``runtime_cache_read_minutes`` and ``runtime_cache_text``."""
    known, total, saved = records.known_runtimes, records.total_seconds, records.savings
    values = {"runtime_n_chapters": len(known), "runtime_total_seconds": total,
              "runtime_total_minutes": total / 60.0}
    values.update({f"runtime_{stem}": float(seconds) for stem, seconds in known.items()})
    values.update({"runtime_cache_reads": saved.n_entries if saved else 0,
                   "runtime_cache_read_minutes": saved.seconds / 60.0 if saved else 0.0,
                   "runtime_cache_text": report.cache_savings_text(saved)})
    return values


def runtimes_table(records: BuildRecords) -> str:
    """Parameters, run time and cache use of each chapter, and their total
    (``tbl-repro-runtimes``)."""
    saved = records.savings
    rows = [(stem, ", ".join(f"`{k}={v!r}`" for k, v in records.parameters.get(stem, {}).items()),
             "not recorded" if seconds is None else f"{seconds:.1f}",
             report.cache_use_text(records.cache_use.get(stem)))
            for stem, seconds in records.runtimes.items()]
    rows.append(("**total**", "", f"**{records.total_seconds:.1f}**",
                 "" if saved is None else f"**{saved.n_entries} ({saved.seconds:.0f} s)** from "
                                          "earlier runs"))
    return markdown_table(
        ["chapter", "parameters", "run time (s)", "taken from the cache (their compute time)"],
        rows, name="tbl-repro-runtimes",
        caption="Parameters and execution time of each chapter of this build, from papermill's "
                "records, and the results each took from the cache that were computed before it "
                "ran, each counted once (total: those no chapter of this build computed)"
                + report.outside_build_note(bool(records.runtimes), records.stage,
                                            lead="none found") + ".")


# ----------------------------------------------------------------------------- the cache


@dataclasses.dataclass(frozen=True)
class CacheContents:
    """What the on-disk cache holds.

    Attributes
    ----------
    shown_dir : Path
        The cache directory, relative to the repository when it lies inside it.
    n_entries : int
        ``.npz`` entries.
    size_mb : float
        Their total size (10^6 bytes).
    """

    shown_dir: Path
    n_entries: int
    size_mb: float


def cache_contents(directory: Path | None = None, *, root: Path | None = None) -> CacheContents:
    """The entries of the cache in ``directory`` (default :func:`ffhlib.cache.cache_dir`), shown
    relative to ``root`` (default :func:`ffhlib.notebook.book_root`) when inside it."""
    directory = cache_dir() if directory is None else Path(directory)
    entries = sorted(directory.glob("*.npz")) if directory.is_dir() else []
    size_mb = sum(path.stat().st_size for path in entries) / 1e6
    try:  # shown relative to the repository when it lives there (as with `make book`)
        shown = directory.resolve().relative_to(book_root() if root is None else Path(root))
    except (FileNotFoundError, ValueError):
        shown = directory
    return CacheContents(shown_dir=shown, n_entries=len(entries), size_mb=float(size_mb))


def cache_values(contents: CacheContents) -> dict:
    """``cache_entries`` and ``cache_size_mb``."""
    return {"cache_entries": contents.n_entries, "cache_size_mb": contents.size_mb}


def cache_contents_text(contents: CacheContents) -> str:
    """One line: the directory, its entries and their size."""
    return f"`{contents.shown_dir}`: {contents.n_entries} entries, {contents.size_mb:.1f} MB."

