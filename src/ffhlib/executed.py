"""Reading back a build: where the book and its executed chapters are, what each chapter ran with
(papermill's records), how long it took, what it took from the on-disk cache, which seeds it used,
and where a chapter writes the files it offers for download."""

from __future__ import annotations

import ast
import dataclasses
import datetime as _datetime
import json
import os
from collections.abc import Mapping
from pathlib import Path

from .cache import CacheEvent, CacheSavings, cache_savings, read_cache_log

__all__ = [
    "CACHE_LOG_SUFFIX", "OUTPUT_ENV", "ChapterSeeds", "book_root", "build_cache_savings",
    "chapter_cache_use", "chapter_output_dir", "chapter_parameters", "chapter_runtimes",
    "chapter_seeds", "staged_chapters_dir",
]


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
