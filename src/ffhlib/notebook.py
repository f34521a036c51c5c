"""What every chapter does in its first cells (check its parameters, set up figures), and what the
book's appendices and custom runs read back about a build: papermill's records of each executed
chapter, the git commit, the thread settings, the lock file's hash.

Run as a module, ``python -m ffhlib.notebook custom-book DIR CHAPTER`` turns a copy of the staged
book in ``DIR`` into the book of a custom run of ``CHAPTER`` (``make chapter`` does this).
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as _datetime
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ._validate import check_bool, check_seed
from .cache import CacheEvent, CacheSavings, cache_savings, read_cache_log

__all__ = [
    "BLAS_THREAD_VARIABLES", "CACHE_LOG_SUFFIX", "LOCK_FILE", "ChapterSeeds", "GitState",
    "ParameterChange", "blas_libraries", "book_root", "build_cache_savings", "build_date",
    "chapter_arguments", "chapter_cache_use", "chapter_output_dir", "chapter_parameters",
    "chapter_runtimes", "chapter_seeds", "custom_run_page", "file_sha256", "git_state",
    "lock_file", "locked_versions", "make_custom_book", "markdown_table", "parameter_differences",
    "staged_chapters_dir", "thread_settings",
]


def chapter_arguments(*, seed, quick) -> tuple[int, bool]:
    """Validate the two parameters every chapter has, as papermill may inject them.

    Parameters
    ----------
    seed : int
        Non-negative integer.
    quick : bool or {"true", "false"}
        Quick mode (small networks, few passes) for tests; ``-p quick true`` arrives as a string.

    Returns
    -------
    (int, bool)
    """
    return check_seed("seed", seed), check_bool("quick", quick)


def book_root(start: str | Path | None = None) -> Path:
    """The repository root: the nearest directory at or above ``start`` (default: the working
    directory) that holds ``_toc.yml``; failing that, the one holding this library's source (an
    editable install, as ``make venv`` makes).

    Chapters run with the working directory at ``book/`` (``make book``), at the root (the
    README's papermill command) or anywhere else; all find the same root.
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    source = Path(__file__).resolve().parent
    for directory in (here, *here.parents, *source.parents):
        if (directory / "_toc.yml").is_file():
            return directory
    raise FileNotFoundError(f"no _toc.yml at or above {here} or {source}: "
                            "not inside the ffh-book repository")


def staged_chapters_dir(start: str | Path | None = None) -> Path | None:
    """Where ``make book`` writes the executed chapters: ``<root>/_build/stage/book``.

    When the working directory is inside a staged copy of the book (a ``_toc.yml`` without the
    library's sources beside it), the answer is that copy's ``book/``. ``None`` when there is no
    book to be found (an installed library run outside its checkout).
    """
    try:
        root = book_root(start)
    except FileNotFoundError:
        return None
    if not (root / "src" / "ffhlib").is_dir():
        return root / "book"
    return root / "_build" / "stage" / "book"


#: Environment variable through which ``make`` tells a chapter where the book it is executed
#: for keeps its executed copy (and so the files the chapter offers for download).
OUTPUT_ENV = "FFHLIB_OUTPUT_DIR"


def chapter_output_dir(environ: Mapping[str, str] | None = None,
                       start: str | Path | None = None) -> Path:
    """Where a chapter writes the files it offers for download (tables as CSV): beside the
    executed copy of the chapter, in the book it is executed for.

    ``make book`` and ``make chapter`` set ``$FFHLIB_OUTPUT_DIR`` to the folder that receives the
    executed notebook (``_build/stage/book`` for the paper's book, ``_build/custom/NB/book`` for a
    custom run), so a custom run never writes into the paper's book. Run by hand (papermill or
    Jupyter, the variable unset), a chapter writes to ``<root>/_build/outputs`` (never into a
    built book), or to the working directory outside the repository. The folder is created.
    """
    environ = os.environ if environ is None else environ
    given = environ.get(OUTPUT_ENV)
    if given:
        out = Path(given)
    else:
        try:
            out = book_root(start) / "_build" / "outputs"
        except FileNotFoundError:
            out = Path(start if start is not None else Path.cwd())
    out.mkdir(parents=True, exist_ok=True)
    return out.resolve()


def _read_notebooks(directory: str | Path | None) -> dict[str, dict]:
    """``{stem: notebook JSON}`` of the chapters (``NN_name.ipynb``) in ``directory``."""
    if directory is None:
        return {}
    directory = Path(directory)
    if not directory.is_dir():
        return {}
    out = {}
    for path in sorted(directory.glob("[0-9][0-9]_*.ipynb")):
        try:
            nb = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(nb, dict):
            out[path.stem] = nb
    return out


def _papermill_metadata(nb: dict) -> dict:
    meta = nb.get("metadata", {}).get("papermill", {})
    return meta if isinstance(meta, dict) else {}


def _parameters_cell_values(nb: Mapping) -> dict:
    """Literal assignments (``name = 3``) in the cell tagged ``parameters``; nothing is executed."""
    values = {}
    for cell in nb.get("cells", []):
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return values
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)):
                try:
                    values[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
        break
    return values


def chapter_runtimes(directory: str | Path | None) -> dict[str, float | None]:
    """Execution time of every executed chapter in ``directory``, from papermill's metadata.

    Parameters
    ----------
    directory : path
        A folder of notebooks executed by papermill (``make book`` writes them to
        ``_build/stage/book``). Only chapters (``NN_name.ipynb``) are read.

    Returns
    -------
    dict
        ``{chapter stem: seconds}`` in chapter order, ``None`` for a notebook without a recorded
        ``metadata.papermill.duration`` (not run by papermill, or interrupted); empty when the
        folder is ``None``, does not exist or holds no chapter.
    """
    out = {}
    for stem, nb in _read_notebooks(directory).items():
        duration = _papermill_metadata(nb).get("duration")
        out[stem] = float(duration) if isinstance(duration, int | float) else None
    return out


#: Suffix of the cache log ``make book`` keeps beside each executed chapter (``NN_name`` + it).
CACHE_LOG_SUFFIX = ".cache-log.tsv"


def _start_time(nb: dict) -> float | None:
    """papermill's ``start_time`` of an executed notebook, in seconds since the epoch."""
    start = _papermill_metadata(nb).get("start_time")
    try:
        when = _datetime.datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # papermill writes UTC
        when = when.replace(tzinfo=_datetime.UTC)
    return when.timestamp()


def _cache_logs(directory) -> dict[str, tuple[float, tuple[CacheEvent, ...]] | None]:
    out = {}
    for stem, nb in _read_notebooks(directory).items():
        log = Path(directory) / f"{stem}{CACHE_LOG_SUFFIX}"
        start = _start_time(nb)
        out[stem] = None if start is None or not log.is_file() else (start, read_cache_log(log))
    return out


def chapter_cache_use(directory: str | Path | None) -> dict[str, CacheSavings | None]:
    """What each executed chapter in ``directory`` took from the on-disk cache.

    ``make book`` runs every chapter with ``$FFHLIB_CACHE_LOG`` set to ``NN_name.cache-log.tsv``
    beside the executed notebook. A chapter's savings are the distinct entries it read, and those
    they were computed from, that were written before its execution began (papermill's
    ``start_time``), by an earlier chapter of the build or by an earlier build; what it computed
    itself does not count (:func:`ffhlib.cache.cache_savings`).

    Returns
    -------
    dict
        ``{chapter stem: ffhlib.cache.CacheSavings}`` in chapter order, ``None`` for a chapter
        without a log or a recorded start time; empty when there is no such folder.
    """
    return {stem: None if logged is None else cache_savings(logged[1], since=logged[0])
            for stem, logged in _cache_logs(directory).items()}


def build_cache_savings(directory: str | Path | None) -> CacheSavings | None:
    """What the build in ``directory`` as a whole took from the cache without computing it: the
    distinct entries its chapters read (or that what they read was computed from) that no
    chapter's logged run computed. Zero for a build whose chapters computed everything they used
    (a build from an empty cache); not zero after a partial rebuild, whose rerun chapters read
    what their earlier runs computed. ``None`` when no chapter has a cache log."""
    logged = [v for v in _cache_logs(directory).values() if v is not None]
    if not logged:
        return None
    return cache_savings([e for _, events in logged for e in events])


def chapter_parameters(directory: str | Path | None) -> dict[str, dict]:
    """The parameters each executed chapter in ``directory`` ran with.

    Returns
    -------
    dict
        ``{chapter stem: {name: value}}``: the literal values of the chapter's own ``parameters``
        cell, updated by the parameters papermill injected (as papermill passed them, so
        ``-p quick true`` gives the string ``"true"``).
    """
    out = {}
    for stem, nb in _read_notebooks(directory).items():
        values = _parameters_cell_values(nb)
        values.update(_papermill_metadata(nb).get("parameters") or {})
        out[stem] = values
    return out


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


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], *,
                   caption: str | None = None, name: str | None = None) -> str:
    """A Markdown table; with a ``caption``, wrapped in a MyST ``{table}`` directive, so the book
    numbers it and ``name`` is its target for ``{numref}``.

    Cells are converted with ``str``; ``|`` and line breaks in them are escaped.
    """
    def cell(value) -> str:
        return " ".join(str(value).split()).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    if caption is None:
        return "\n".join(lines)
    head = ["```{table} " + " ".join(caption.split())]
    if name:
        head.append(f":name: {name}")
    return "\n".join([*head, "", *lines, "```"])


def file_sha256(path: str | Path) -> str | None:
    """Hex SHA-256 of a file's bytes; ``None`` if it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


# --- seeds each chapter used ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ChapterSeeds:
    """The seeds a chapter ran with.

    Attributes
    ----------
    seed : int or None
        The chapter's ``seed``.
    ground_truth_seeds : tuple of int or None
        The ground truths a chapter used (a study chapter's preset when it left them to it);
        ``None`` for a chapter without ground truths of its own.
    network_seeds : tuple of int or None
        The network seeds per ground truth of a study chapter (``seed .. seed + n_seeds - 1``,
        the preset's count when it left it to it); ``None`` for other chapters.
    """

    seed: int | None
    ground_truth_seeds: tuple[int, ...] | None
    network_seeds: tuple[int, ...] | None


def _resolved_seeds(stem: str, values: dict) -> ChapterSeeds:
    """Seeds of one chapter from its parameters, resolved as the chapter resolves them."""
    from .chapter import CHAPTERS, KNOBS, study_params

    declared = CHAPTERS.get(stem, ())
    known = {}
    for name in ("seed", "quick", "ground_truth_seeds", "n_seeds"):
        if name in values and name in declared:
            try:
                known[name] = KNOBS[name].check(name, values[name])
            except (TypeError, ValueError):
                return ChapterSeeds(None, None, None)  # not a run the chapter would accept
    seed = known.get("seed")
    if "n_seeds" in declared:  # a study chapter: its units, as study_params builds them
        params = study_params(**known)
        return ChapterSeeds(seed, params.ground_truth_seeds, params.seeds)
    return ChapterSeeds(seed, known.get("ground_truth_seeds"), None)


def chapter_seeds(directory: str | Path | None) -> dict[str, ChapterSeeds]:
    """The seeds each executed chapter in ``directory`` ran with.

    Read from the chapter's parameters (:func:`chapter_parameters`), validated and resolved as
    the chapter itself does (:mod:`ffhlib.chapter`): ``seed``, the ground truths and, for the
    study chapters, the network seeds. A parameter value the chapter would refuse gives a row of
    ``None``; nothing is raised.
    """
    return {stem: _resolved_seeds(stem, values)
            for stem, values in chapter_parameters(directory).items()}


# --- custom runs: which parameters differ, and the book around them ------------------------------

@dataclasses.dataclass(frozen=True)
class ParameterChange:
    """One parameter of a custom run that differs from the chapter's default.

    Attributes
    ----------
    name : str
    default : object
        The literal of the chapter's ``parameters`` cell (``None`` if the cell lacks it).
    value : object
        What papermill injected.
    known : bool
        Whether the chapter's ``parameters`` cell has the name (papermill injects unknown names
        with a warning; the chapter never reads them).
    """

    name: str
    default: object
    value: object
    known: bool


def _same(default, value) -> bool:
    """Whether an injected ``value`` means the ``default``: papermill passes ``-p quick true`` as
    the string ``"true"`` and YAML lists for tuples."""
    if isinstance(default, bool) and isinstance(value, str):
        return value.strip().lower() == str(default).lower()
    if isinstance(default, tuple) and isinstance(value, list):
        return list(default) == value
    if (isinstance(default, int | float) and isinstance(value, int | float)
            and not isinstance(default, bool) and not isinstance(value, bool)):
        return float(default) == float(value)
    return type(default) is type(value) and default == value


def parameter_differences(nb: Mapping) -> list[ParameterChange]:
    """The parameters a papermill run changed: ``metadata.papermill.parameters`` against the
    literals of the chapter's ``parameters`` cell.

    Parameters
    ----------
    nb : dict
        An executed notebook's JSON.

    Returns
    -------
    list of ParameterChange
        In the order of the ``parameters`` cell, then names the chapter does not have, sorted.
    """
    defaults = _parameters_cell_values(nb)
    given = _papermill_metadata(nb).get("parameters") or {}
    order = {name: i for i, name in enumerate(defaults)}
    changes = []
    for name in sorted(given, key=lambda n: (order.get(n, len(order)), n)):
        value = given[name]
        known = name in defaults
        if known and _same(defaults[name], value):
            continue
        changes.append(ParameterChange(name, defaults.get(name), value, known))
    return changes


def _papermill_command(chapter: str, given: Mapping) -> str:
    """A papermill command line that passes ``given`` again (``-y`` for lists and dicts)."""
    import shlex

    words = ["papermill", f"book/{chapter}.ipynb", "out.ipynb"]
    for name, value in given.items():
        if isinstance(value, list | dict | tuple):
            words += ["-y", name, shlex.quote(json.dumps(value))]
        else:
            words += ["-p", name, shlex.quote(str(value))]
    return " ".join(words)


def _code(value) -> str:
    text = repr(value).replace("`", "'").replace("|", "\\|")
    return f"`{text}`"


def custom_run_page(nb: Mapping, chapter: str, *, label: str = "custom-run") -> str:
    """The MyST page that opens the book of a custom run of ``chapter``.

    Parameters
    ----------
    nb : dict
        The custom run's executed notebook (its papermill metadata says what was given).
    chapter : str
        The chapter's stem, e.g. ``"04_full_force"``.
    label : str
        The page's MyST target.

    Returns
    -------
    str
        Markdown: a title, a table of the parameters that differ from the chapter's defaults (or a
        sentence saying none does), and what the other chapters of this book are.
    """
    meta = _papermill_metadata(nb)
    changes = parameter_differences(nb)
    lines = [f"({label})=", f"# This book: a custom run of `{chapter}`", ""]
    if changes:
        lines += [f"Chapter [`{chapter}`]({chapter}.ipynb) was executed with parameters that "
                  "differ from its defaults (the values of its `parameters` cell):", "",
                  "| parameter | this run | the chapter's default |", "|---|---|---|"]
        for change in changes:
            default = (_code(change.default) if change.known
                       else "not a parameter of the chapter (ignored by it)")
            lines.append(f"| `{change.name}` | {_code(change.value)} | {default} |")
    else:
        lines.append(f"Chapter [`{chapter}`]({chapter}.ipynb) was executed with its default "
                     "parameters: no parameter differs from its `parameters` cell.")
    command = _papermill_command(chapter, meta.get("parameters") or {})
    lines += ["", "It ran as", "", "```bash", command, "```", ""]
    if isinstance(meta.get("duration"), int | float):
        lines.append(f"and took {float(meta['duration']):.1f} s (papermill's record).")
    lines += ["", "Every other chapter is the paper-parameter run of `make book`, copied "
              "unchanged, so cross-references resolve; numbers quoted across chapters come from "
              "those runs. The appendices were executed again for this book and report its "
              "chapters. The paper's book is `_build/html`, which a custom run never touches.", ""]
    return "\n".join(lines)


def _announcement(chapter: str, changes: Sequence[ParameterChange]) -> str:
    shown = ", ".join(f"{c.name}={c.value!r}" for c in changes) or "its default parameters"
    text = (f"A custom run: {chapter} with {shown}; every other chapter at the paper's "
            "parameters.")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_custom_book(directory: str | Path, chapter: str, *, page: str = "custom_run") -> Path:
    """Turn a copy of the staged book into the book of a custom run of ``chapter``.

    ``directory`` holds ``_config.yml``, ``_toc.yml`` and ``book/`` with the custom run's
    executed ``book/<chapter>.ipynb``. Writes ``book/<page>.md`` (:func:`custom_run_page`), puts
    it first in ``_toc.yml``, and gives ``_config.yml`` a new title and a banner on every page.

    Returns
    -------
    Path
        The page written.
    """
    import yaml

    directory = Path(directory)
    nb = json.loads((directory / "book" / f"{chapter}.ipynb").read_text())
    target = directory / "book" / f"{page}.md"
    target.write_text(custom_run_page(nb, chapter))

    toc_path = directory / "_toc.yml"
    toc = yaml.safe_load(toc_path.read_text())
    entry = {"caption": "This custom run", "chapters": [{"file": f"book/{page}"}]}
    if "parts" in toc:
        toc["parts"] = [entry, *toc["parts"]]
    else:
        toc["chapters"] = [{"file": f"book/{page}"}, *toc.get("chapters", [])]
    toc_path.write_text(yaml.safe_dump(toc, sort_keys=False))

    config_path = directory / "_config.yml"
    config = yaml.safe_load(config_path.read_text())
    config["title"] = f"{config.get('title', 'ffh-book')} (custom run of {chapter})"
    config.setdefault("html", {})["announcement"] = _announcement(
        chapter, parameter_differences(nb))
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def _bibtex_authors(authors) -> str:
    names = []
    for a in authors:
        if "family-names" in a:
            names.append(f"{a['family-names']}, {a.get('given-names', '')}".strip(", "))
        else:
            names.append("{" + a["name"] + "}")
    return " and ".join(names)


def citation_bibtex(cff_path: str | Path) -> str:
    """BibTeX of the book (``@software``) and of the study it reproduces, from ``CITATION.cff``.

    The first entry cites the book as the CFF describes it (authors, title, version, licence,
    repository); the second is the CFF's first reference, the original study.
    """
    import yaml

    cff = yaml.safe_load(Path(cff_path).read_text())
    book = [f"  author  = {{{_bibtex_authors(cff['authors'])}}}",
            f"  title   = {{{cff['title']}}}"]
    if "version" in cff:
        book.append(f"  version = {{{cff['version']}}}")
    if "date-released" in cff:
        book.append(f"  year    = {{{str(cff['date-released'])[:4]}}}")
    if "repository-code" in cff:
        book.append(f"  url     = {{{cff['repository-code']}}}")
    if "license" in cff:
        book.append(f"  note    = {{Licence: {cff['license']}}}")
    entries = ["@software{ffhbook,\n" + ",\n".join(book) + "\n}"]
    for ref in cff.get("references", [])[:1]:
        fields = [f"  author    = {{{_bibtex_authors(ref['authors'])}}}",
                  f"  title     = {{{' '.join(str(ref['title']).split())}}}"]
        if "collection-title" in ref:
            fields.append(f"  booktitle = {{{ref['collection-title']}}}")
        if "publisher" in ref:
            fields.append(f"  publisher = {{{ref['publisher']['name']}}}")
        for key in ("volume", "year"):
            if key in ref:
                fields.append(f"  {key:<9} = {{{ref[key]}}}")
        for ident in ref.get("identifiers", []):
            if str(ident.get("value", "")).startswith("arXiv:"):
                fields.append(f"  eprint    = {{{ident['value'].removeprefix('arXiv:')}}}")
                fields.append("  archiveprefix = {arXiv}")
        entries.append("@inproceedings{salatiello2020,\n" + ",\n".join(fields) + "\n}")
    return "\n\n".join(entries) + "\n"


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ffhlib.notebook")
    commands = parser.add_subparsers(dest="command", required=True)
    custom = commands.add_parser("custom-book", help="make a staged copy the book of a custom run")
    custom.add_argument("directory", type=Path)
    custom.add_argument("chapter")
    cite = commands.add_parser("citation", help="print the BibTeX of CITATION.cff")
    cite.add_argument("cff", type=Path)
    args = parser.parse_args(argv)
    if args.command == "citation":
        print(citation_bibtex(args.cff), end="")
        return 0
    page = make_custom_book(args.directory, args.chapter)
    print(f"custom run: wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
