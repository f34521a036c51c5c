"""Custom runs (``make chapter``): which parameters differ from the chapter's defaults, and the
book around them (a first page listing them, a banner on every page)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from .executed import _papermill_metadata, _parameters_cell_values

__all__ = ["ParameterChange", "custom_run_page", "make_custom_book", "parameter_differences"]


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
