"""The environment of a build: the git commit, the date, the thread settings, the BLAS libraries,
the lock file and its hash (the reproducibility appendix reports them)."""

from __future__ import annotations

import dataclasses
import datetime as _datetime
import hashlib
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .executed import book_root

__all__ = [
    "BLAS_THREAD_VARIABLES", "LOCK_FILE", "GitState", "blas_libraries", "build_date",
    "file_sha256", "git_state", "lock_file", "locked_versions", "thread_settings",
]


# --- the build: commit, date, threads, lock ------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class GitState:
    """The commit a build was made from.

    Attributes
    ----------
    commit : str or None
        Full SHA-1 of ``HEAD``; ``None`` outside a git checkout or without ``git``.
    dirty : bool or None
        Whether tracked files differ from that commit (untracked files do not count); ``None``
        when unknown.
    """

    commit: str | None
    dirty: bool | None

    @property
    def short(self) -> str | None:
        """The first 12 hex digits of the commit."""
        return self.commit[:12] if self.commit else None


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def git_state(root: str | Path | None = None) -> GitState:
    """Commit and dirtiness of the git checkout at ``root`` (default: :func:`book_root`).

    Never raises: outside a checkout, or without ``git``, both fields are ``None``.
    """
    try:
        root = Path(root) if root is not None else book_root()
    except FileNotFoundError:
        return GitState(None, None)
    head = _git(root, "rev-parse", "--verify", "HEAD")
    if head is None:
        return GitState(None, None)
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return GitState(head.strip(), None if status is None else bool(status.strip()))


def build_date(environ: Mapping[str, str] | None = None,
               now: _datetime.datetime | None = None) -> str:
    """The build's date, ISO 8601 in UTC (``YYYY-MM-DD``).

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: seconds since 1970) takes precedence
    over the clock, so a rebuild can carry the date of the original.
    """
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        when = _datetime.datetime.fromtimestamp(int(epoch), tz=_datetime.UTC)
    else:
        when = now if now is not None else _datetime.datetime.now(tz=_datetime.UTC)
        if when.tzinfo is not None:
            when = when.astimezone(_datetime.UTC)
    return when.date().isoformat()


#: Environment variables that set the thread pools of BLAS, OpenMP and numba.
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                         "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
                         "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER")


def thread_settings(environ: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """``{variable: value}`` for each of :data:`BLAS_THREAD_VARIABLES`, ``None`` where unset."""
    environ = os.environ if environ is None else environ
    return {name: environ.get(name) for name in BLAS_THREAD_VARIABLES}


def blas_libraries(info: Sequence[Mapping] | None = None) -> list[dict]:
    """The native thread pools loaded in this process (BLAS, OpenMP), one dict per library.

    Parameters
    ----------
    info : list of dict, optional
        ``threadpoolctl.threadpool_info()`` (the default, read after importing NumPy and SciPy so
        that their BLAS is loaded).

    Returns
    -------
    list of dict
        Keys ``api`` (``"blas"`` or ``"openmp"``), ``library`` (e.g. ``"openblas"``), ``version``,
        ``threads`` (int), ``threading_layer`` and ``file`` (the shared object's name), sorted.
    """
    if info is None:
        import numpy  # noqa: F401  (loads the BLAS that threadpoolctl reports)
        import scipy.linalg  # noqa: F401
        from threadpoolctl import threadpool_info

        info = threadpool_info()
    rows = []
    for entry in info:
        threads = entry.get("num_threads")
        rows.append({
            "api": str(entry.get("user_api") or ""),
            "library": str(entry.get("internal_api") or ""),
            "version": None if entry.get("version") is None else str(entry["version"]),
            "threads": int(threads) if isinstance(threads, int) else None,
            "threading_layer": (None if entry.get("threading_layer") is None
                                else str(entry["threading_layer"])),
            "file": Path(str(entry.get("filepath") or "")).name,
        })
    return sorted(rows, key=lambda r: (r["api"], r["library"], r["file"]))


#: The lock file of exact versions, at the repository root (``make lock`` writes it).
LOCK_FILE = "requirements-lock.txt"


def lock_file(start: str | Path | None = None) -> Path | None:
    """The repository's lock file: in :func:`book_root` or, from a staged copy of the book, in the
    checkout that holds this library's source (an editable install); ``None`` if neither has it."""
    candidates = []
    try:
        candidates.append(book_root(start))
    except FileNotFoundError:
        pass
    candidates += list(Path(__file__).resolve().parents)
    for directory in candidates:
        if (directory / LOCK_FILE).is_file():
            return directory / LOCK_FILE
    return None


def locked_versions(path: str | Path) -> dict[str, str]:
    """``{normalised name: version}`` of the ``name==version`` lines of a lock file (pip's
    requirements format, as ``uv pip compile`` writes it); empty if it cannot be read.

    Names are normalised as PEP 503 does (lower case, runs of ``-_.`` as ``-``).
    """
    import re

    try:
        text = Path(path).read_text()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)", line)
        if found:
            out[re.sub(r"[-_.]+", "-", found.group(1)).lower()] = found.group(2)
    return out




def file_sha256(path: str | Path) -> str | None:
    """Hex SHA-256 of a file's bytes; ``None`` if it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
