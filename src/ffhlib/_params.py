"""Parameter fields that carry their unit, provenance and meaning.

Every field of a ``*Params`` dataclass is declared with :func:`param`, so that the book's parameter
appendix is generated from the code (it cannot drift) and every default says where it comes from.

Provenance tags (METHODS.md): ``abstract`` (stated in the paper's abstract), ``ref-code`` (default of
the cited method's public reference code), ``ref-paper`` (the cited method's paper), ``choice`` (not
specified anywhere we can read: the book makes it and says so).
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["PROVENANCE", "param", "describe"]

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
