"""What every chapter does in its first cells: check its parameters and set up figures."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from ._validate import check_bool, check_seed

__all__ = ["book_root", "chapter_arguments", "chapter_runtimes", "chapter_parameters",
           "setup_figures", "staged_chapters_dir"]


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


def setup_figures() -> None:
    """One figure style for the whole book (readable in the rendered HTML)."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": "medium",
        "font.size": 9,
    })


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


def _parameters_cell_values(nb: dict) -> dict:
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
