"""Parameter fields that carry their unit, provenance and meaning.

Every field of a ``*Params`` dataclass is declared with :func:`param`, so that the book's parameter
appendix is generated from the code (it cannot drift) and every default says where it comes from.

Provenance tags (METHODS.md): ``abstract`` (stated in the paper's abstract), ``ref-code`` (default
of the cited method's public reference code), ``ref-paper`` (the cited method's paper), ``choice``
(not specified anywhere we can read: the book makes it and says so).
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["PROVENANCE", "all_params_classes", "describe", "param", "parameter_table"]

PROVENANCE = ("abstract", "ref-code", "ref-paper", "choice")


def param(default: Any, *, doc: str, provenance: str, unit: str = "") -> Any:
    """A dataclass field with ``default`` and metadata ``doc``, ``provenance`` and ``unit``."""
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
