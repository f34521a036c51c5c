"""The chapters' and appendices' entry point to what the book reads back about itself.

The work is done by modules with one job each, whose public names this module re-exports (the
chapters and appendices import them from here): :mod:`ffhlib.executed` (the executed chapters:
papermill's records, run times, cache use, seeds, where a chapter writes its downloads),
:mod:`ffhlib.buildenv` (commit, date, threads, BLAS, the lock file), :mod:`ffhlib.custom_book`
(custom runs) and :mod:`ffhlib.citation` (BibTeX from CITATION.cff). This module adds
:func:`chapter_arguments` and :func:`markdown_table`.

Run as a module, ``python -m ffhlib.notebook custom-book DIR CHAPTER`` turns a copy of the staged
book in ``DIR`` into the book of a custom run of ``CHAPTER`` (``make chapter`` does this).
"""

from __future__ import annotations

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
    "thread_settings",
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
    args = parser.parse_args(argv)
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
