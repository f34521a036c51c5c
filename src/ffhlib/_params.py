"""Parameter fields that carry their unit, provenance and meaning.

Every field of a ``*Params`` dataclass is declared with :func:`param`, so that the book's parameter
appendix is generated from the code (it cannot drift) and every default says where it comes from.
The provenance tags and their meanings are :data:`PROVENANCE_GLOSSARY`, which the book prints
(parameter appendix, chapter 1).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

__all__ = ["PROVENANCE", "PROVENANCE_GLOSSARY", "all_params_classes", "describe", "param",
           "parameter_list_table", "parameter_table", "provenance_glossary"]

#: Where a default comes from: tag -> meaning (MyST Markdown; the book prints it as the glossary).
PROVENANCE_GLOSSARY: dict[str, str] = {
    "paper": "stated in the abstract of the paper this book reconstructs, {cite}`salatiello2020` "
             "(the full text was not available to us)",
    "study-abstract": "stated in the authors' conference abstract of the same study, "
                      "{cite}`salatiello_abstract`, which gives what the paper's abstract leaves "
                      "out: 200 SOC "
                      "neurons, 10 muscles, 8 reach targets, 30 % of the neurons and 40 % of the "
                      "muscles observed",
    "ref-paper": "taken from the paper of a method the study builds on (e.g. "
                 "{cite}`hennequin2014`, {cite}`depasquale2018`)",
    "ref-code": "the default of that method's public reference code (e.g. the SOC and "
                "gain-modulation code of {cite}`stroud2018code`)",
    "choice": "specified in no source we could read: the book makes the choice, says so where it "
              "is used, and exposes it as a parameter",
    "calibrated": "chosen by a rule fixed in advance, applied on calibration ground truths (seeds "
                  "that no reported result uses) and never tuned on the reported ones",
}

#: The provenance tags, in the order of the glossary.
PROVENANCE = tuple(PROVENANCE_GLOSSARY)

#: Tags of an earlier version, still accepted (with a DeprecationWarning) and stored as their
#: replacement: every default once tagged "abstract" came from the authors' conference abstract.
_LEGACY_PROVENANCE = {"abstract": "study-abstract"}


def param(default: Any, *, doc: str, provenance: str, unit: str = "") -> Any:
    """A dataclass field with ``default`` and metadata ``doc``, ``provenance`` and ``unit``.

    Parameters
    ----------
    default : object
        The default value (the paper's setting where the paper gives one).
    doc : str
        What the parameter means (one phrase; shown in the parameter appendix).
    provenance : str
        Where the default comes from: a key of :data:`PROVENANCE_GLOSSARY`.
    unit : str
        Unit of the value, or "" for dimensionless ones.

    Raises
    ------
    ValueError
        For a provenance tag the glossary does not define.
    """
    if provenance in _LEGACY_PROVENANCE:
        new = _LEGACY_PROVENANCE[provenance]
        warnings.warn(f"provenance tag {provenance!r} is retired: use {new!r} (stored as {new!r})",
                      DeprecationWarning, stacklevel=2)
        provenance = new
    if provenance not in PROVENANCE:
        raise ValueError(f"provenance must be one of {PROVENANCE}; got {provenance!r}")
    return dataclasses.field(
        default=default, metadata={"doc": doc, "provenance": provenance, "unit": unit}
    )


def describe(params_cls) -> list[dict[str, Any]]:
    """Rows ``{name, default, unit, provenance, doc}`` for each field of a params dataclass."""
    rows = []
    for f in dataclasses.fields(params_cls):
        meta = f.metadata
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        rows.append({"name": f.name, "default": default, "unit": meta.get("unit", ""),
                     "provenance": meta.get("provenance", ""), "doc": meta.get("doc", "")})
    return rows


#: The pipeline's modules in the order the book follows them; any other public module that defines
#: a ``*Params`` dataclass comes after these, alphabetically.
PIPELINE_ORDER = ("emg", "soc", "dynamics", "gains", "groundtruth", "observe", "fullforce",
                  "similarity", "experiments", "generalization", "stats")


def all_params_classes() -> list[type]:
    """Every ``*Params`` dataclass defined in a public module of ``ffhlib``, in pipeline order.

    Modules are discovered with :mod:`pkgutil` (private ``_modules`` and the ``plotting`` package
    are skipped), so a stage added later appears in the book's parameter appendix by itself.
    """
    import importlib
    import pkgutil

    import ffhlib

    names = sorted((m.name for m in pkgutil.iter_modules(ffhlib.__path__)
                    if not m.name.startswith("_") and m.name != "plotting"),
                   key=lambda n: (PIPELINE_ORDER.index(n) if n in PIPELINE_ORDER
                                  else len(PIPELINE_ORDER), n))
    classes = []
    for name in names:
        module = importlib.import_module(f"ffhlib.{name}")
        for attr, obj in vars(module).items():
            if (isinstance(obj, type) and attr.endswith("Params") and dataclasses.is_dataclass(obj)
                    and obj.__module__ == module.__name__):
                classes.append(obj)
    return classes


def _format_value(value: Any) -> str:
    """A default as a reader would type it, in code style; a nested params object by its name."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"`{type(value).__name__}` (its own table)"
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, tuple | list):
        text = "(" + ", ".join(_format_value(v).strip("`") for v in value) + (
            ",)" if len(value) == 1 else ")")
    else:
        text = repr(value)
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def _cell(text: str) -> str:
    """Markdown table cell: no line breaks, and pipes and asterisks shown as typed."""
    return " ".join(str(text).replace("|", "\\|").replace("*", "\\*").split())


def parameter_table(params_cls, *, quick: bool = True) -> str:
    """A Markdown table of a params dataclass: name, default, unit, provenance, meaning.

    Parameters
    ----------
    params_cls : type
        A dataclass whose fields were declared with :func:`param`.
    quick : bool
        Add a column with the value of ``params_cls.quick()`` where it differs from the default
        (only when the class has a ``quick`` preset).

    Returns
    -------
    str
        GitHub-flavoured Markdown (one header row, one row per field).
    """
    if not (isinstance(params_cls, type) and dataclasses.is_dataclass(params_cls)):
        raise TypeError(f"params_cls must be a dataclass type; got {params_cls!r}")
    rows = describe(params_cls)
    preset = None
    if quick and callable(getattr(params_cls, "quick", None)):
        preset = {row["name"]: row["default"] for row in describe(params_cls)}
        instance = params_cls.quick()
        preset = {name: getattr(instance, name) for name in preset}
    header = ["parameter", "default", "unit", "provenance", "meaning"]
    if preset is not None:
        header.insert(2, "quick mode")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"`{row['name']}`", _format_value(row["default"]), _cell(row["unit"]),
                 _cell(row["provenance"]), _cell(row["doc"])]
        if preset is not None:
            value = preset[row["name"]]
            same = value == row["default"]
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                cells.insert(2, "" if same else f"`{type(value).__name__}.quick()`")
            else:
                cells.insert(2, "" if same else _format_value(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def provenance_glossary(*, admonition: bool = False, counts: dict | None = None) -> str:
    """The provenance tags and their meanings as MyST Markdown.

    Parameters
    ----------
    admonition : bool
        Wrap the list in a ``{note}`` admonition titled "Where each number comes from" (as chapter 1
        shows it) instead of returning a plain bullet list (as the parameter appendix shows it).
    counts : dict of str to int, optional
        Number of parameters per tag, appended to each item ("12 parameters").

    Returns
    -------
    str
        One bullet per tag of :data:`PROVENANCE_GLOSSARY`: ``- **tag**: meaning.``
    """
    def count(tag: str) -> str:
        if counts is None:
            return ""
        n = int(counts.get(tag, 0))
        return f" ({n} parameter{'' if n == 1 else 's'})"

    items = "\n".join(f"- **{tag}**: {text}.{count(tag)}"
                      for tag, text in PROVENANCE_GLOSSARY.items())
    if not admonition:
        return items
    return (":::{admonition} Where each number comes from\n:class: note\n\n"
            "Every default of the library carries one of these tags; the chapters mark their "
            "choices the same way, and the {ref}`parameter appendix <parameters-appendix>` lists "
            "every parameter with its tag.\n\n" + items + "\n:::")


def _list_cell(text: str) -> str:
    """Text for one cell of a MyST list-table: on one line, asterisks shown as typed, and a dash
    for an empty cell (a dimensionless value, for the unit)."""
    return " ".join(str(text).replace("*", "\\*").split()) or "–"


def parameter_list_table(params_cls, *, quick: bool = True) -> str:
    """A MyST ``list-table`` of a params dataclass that wraps its text at any page width.

    Four columns: the parameter with its default (and its quick-mode value where that differs),
    the unit, the provenance tag, and the meaning, which gets the most width. Nothing in a cell
    is kept from wrapping, so the table fits any page width.

    Parameters
    ----------
    params_cls : type
        A dataclass whose fields were declared with :func:`param`.
    quick : bool
        Show the value of ``params_cls.quick()`` where it differs from the default.

    Returns
    -------
    str
        MyST Markdown: a ``{list-table}`` directive with one header row and one row per field.
    """
    if not (isinstance(params_cls, type) and dataclasses.is_dataclass(params_cls)):
        raise TypeError(f"params_cls must be a dataclass type; got {params_cls!r}")
    rows = describe(params_cls)
    preset = None
    if quick and callable(getattr(params_cls, "quick", None)):
        instance = params_cls.quick()
        preset = {row["name"]: getattr(instance, row["name"]) for row in rows}
    lines = ["```{list-table}", ":header-rows: 1", ":widths: 30 8 16 46",
             ":class: ffh-parameters", "",
             "* - parameter = default", "  - unit", "  - provenance", "  - meaning"]
    for row in rows:
        default = row["default"]
        nested = dataclasses.is_dataclass(default) and not isinstance(default, type)
        quick_value = preset[row["name"]] if preset is not None else default
        differs = not _same(quick_value, default)
        if nested:
            first = f"`{row['name']}` = `{type(default).__name__}` (its own table" + (
                f"; quick mode: `{type(quick_value).__name__}.quick()`)" if differs else ")")
        else:
            first = f"`{row['name']}` = {_unescaped(default)}"
            if differs:
                first += f" (quick mode: {_unescaped(quick_value)})"
        lines += [f"* - {first}", f"  - {_list_cell(row['unit'])}",
                  f"  - {_list_cell(row['provenance'])}", f"  - {_list_cell(row['doc'])}"]
    lines.append("```")
    return "\n".join(lines)


def _unescaped(value: Any) -> str:
    """:func:`_format_value` without the table escape of ``|`` (a list-table needs none)."""
    return _format_value(value).replace("\\|", "|")


def _same(a: Any, b: Any) -> bool:
    """Equality that never raises (arrays and odd objects compare as different)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
