"""The chapters' and appendices' entry point to what the book reads back about itself.

The work is done by modules with one job each, whose public names this module re-exports (the
chapters and appendices import them from here): :mod:`ffhlib.executed` (the executed chapters:
papermill's records, run times, cache use, seeds, where a chapter writes its downloads),
:mod:`ffhlib.buildenv` (commit, date, threads, BLAS, the lock file), :mod:`ffhlib.custom_book`
(custom runs) and :mod:`ffhlib.citation` (BibTeX from CITATION.cff). This module adds
:func:`chapter_arguments`, :func:`markdown_table` and :func:`rerun_note` (the note before each
chapter's parameters cell).

Run as a module, ``python -m ffhlib.notebook custom-book DIR CHAPTER`` turns a copy of the staged
book in ``DIR`` into the book of a custom run of ``CHAPTER`` (``make chapter`` does this), and
``python -m ffhlib.notebook rerun-note book/NN_name.ipynb ...`` writes (or refreshes) the note
:func:`rerun_note` just before each chapter's ``parameters`` cell and shows that cell.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ._validate import check_bool, check_seed
from .buildenv import (
    BLAS_THREAD_VARIABLES,
    LOCK_FILE,
    GitState,
    blas_libraries,
    build_date,
    file_sha256,
    git_state,
    lock_file,
    locked_versions,
    thread_settings,
)
from .citation import citation_bibtex, pinned_config, repository_file_url
from .custom_book import ParameterChange, custom_run_page, make_custom_book, parameter_differences
from .executed import (
    CACHE_LOG_SUFFIX,
    OUTPUT_ENV,
    ChapterSeeds,
    book_root,
    build_cache_savings,
    chapter_cache_use,
    chapter_output_dir,
    chapter_parameters,
    chapter_runtimes,
    chapter_seeds,
    staged_chapters_dir,
)

__all__ = [
    "BLAS_THREAD_VARIABLES", "CACHE_LOG_SUFFIX", "LOCK_FILE", "OUTPUT_ENV", "ChapterSeeds",
    "GitState", "ParameterChange", "blas_libraries", "book_root", "build_cache_savings",
    "build_date", "chapter_arguments", "chapter_cache_use", "chapter_output_dir",
    "chapter_parameters", "chapter_runtimes", "chapter_seeds", "citation_bibtex",
    "pinned_config", "repository_file_url",
    "custom_run_page", "file_sha256", "git_state", "lock_file", "locked_versions",
    "make_custom_book", "markdown_table", "parameter_differences", "staged_chapters_dir",
    "thread_settings", "HIDING_TAGS", "RERUN_NOTE_TAG", "rerun_note", "write_rerun_note",
]

#: Tag of the markdown cell :func:`rerun_note` writes before a chapter's ``parameters`` cell.
RERUN_NOTE_TAG = "rerun-note"
#: Cell tags that fold or hide a cell in the book: a chapter's parameters cell carries none.
HIDING_TAGS = frozenset({"hide-input", "hide-cell", "hide-output", "remove-input",
                         "remove-cell", "remove-output"})


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


def rerun_note(chapter: str) -> str:
    """The note shown just before a chapter's ``parameters`` cell: the two one-line commands that
    rerun the chapter with other values of the parameters that cell lists.

    Parameters
    ----------
    chapter : str
        The chapter's file name without ``.ipynb`` (``"04_full_force"``).
    """
    if not chapter or "/" in chapter or chapter.endswith(".ipynb"):
        raise ValueError(f"chapter must be a notebook's stem such as '04_full_force', got "
                         f"{chapter!r}")
    return (f"**Rerun this chapter** with other values of the parameters in the next cell, as a "
            f"book of its own (in `_build/custom/{chapter}`) or alone:\n\n"
            f"```bash\n"
            f"make chapter NB={chapter} ARGS=\"-p quick true -p seed 3\"\n"
            f"papermill book/{chapter}.ipynb out.ipynb -p quick true -p seed 3\n"
            f"```")


def write_rerun_note(path: str | Path) -> bool:
    """Put :func:`rerun_note` just before the ``parameters`` cell of the notebook at ``path``
    (a markdown cell tagged :data:`RERUN_NOTE_TAG`, refreshed if present) and remove the tags of
    :data:`HIDING_TAGS` from the parameters cell. Returns whether the file changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    cells = nb["cells"]
    where = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    if len(where) != 1:
        raise ValueError(f"{path.name}: expected one cell tagged 'parameters', found {len(where)}")
    cells[:] = [c for c in cells if RERUN_NOTE_TAG not in c["metadata"].get("tags", [])]
    index = next(i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", []))
    params = cells[index]
    params["metadata"]["tags"] = [t for t in params["metadata"]["tags"] if t not in HIDING_TAGS]
    lines = rerun_note(path.stem).split("\n")
    cells.insert(index, {"cell_type": "markdown", "id": RERUN_NOTE_TAG,
                         "metadata": {"tags": [RERUN_NOTE_TAG]},
                         "source": [line + "\n" for line in lines[:-1]] + lines[-1:]})
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ffhlib.notebook")
    commands = parser.add_subparsers(dest="command", required=True)
    custom = commands.add_parser("custom-book", help="make a staged copy the book of a custom run")
    custom.add_argument("directory", type=Path)
    custom.add_argument("chapter")
    cite = commands.add_parser("citation", help="print the BibTeX of CITATION.cff for this build")
    cite.add_argument("cff", type=Path)
    stage = commands.add_parser("stage-config",
                                help="print _config.yml with its links pinned to this commit")
    stage.add_argument("config", type=Path)
    note = commands.add_parser("rerun-note",
                               help="write the rerun note before each chapter's parameters cell")
    note.add_argument("notebooks", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "rerun-note":
        for path in args.notebooks:
            print(f"{path}: {'updated' if write_rerun_note(path) else 'unchanged'}")
        return 0
    commit = git_state(args.cff.parent if args.command == "citation" else
                       args.config.parent).commit if args.command != "custom-book" else None
    if args.command == "citation":
        print(citation_bibtex(args.cff, commit=commit, year=build_date()[:4]), end="")
        return 0
    if args.command == "stage-config":
        print(pinned_config(args.config.read_text(), commit), end="")
        return 0
    page = make_custom_book(args.directory, args.chapter)
    print(f"custom run: wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
