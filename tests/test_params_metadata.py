"""Every parameter of every stage carries its meaning, unit and provenance (the book's appendix is
generated from this metadata), and the Markdown table built from it is well formed."""

from __future__ import annotations

import dataclasses

import pytest

from ffhlib._params import PROVENANCE, all_params_classes, describe, param, parameter_table


@dataclasses.dataclass(frozen=True)
class _InnerParams:
    size: int = param(3, doc="a size | with a pipe, 2*pi*c/n", provenance="choice")


@dataclasses.dataclass(frozen=True)
class _ToyParams:
    rate: float = param(0.5, doc="a rate", provenance="ref-code", unit="Hz")
    mode: str = param("fast", doc="how\nto run", provenance="study-abstract")
    inner: _InnerParams = param(_InnerParams(), doc="nested", provenance="choice")

    @classmethod
    def quick(cls):
        return cls(rate=0.25)


def _rows(table: str) -> list[list[str]]:
    lines = table.splitlines()
    assert lines[1].startswith("|---")
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[:1] + lines[2:]]


def test_parameter_table_of_a_toy_class():
    rows = _rows(parameter_table(_ToyParams))
    assert rows[0] == ["parameter", "default", "quick mode", "unit", "provenance", "meaning"]
    assert rows[1] == ["`rate`", "`0.5`", "`0.25`", "Hz", "ref-code", "a rate"]
    assert rows[2] == ["`mode`", "`'fast'`", "", "", "study-abstract", "how to run"]
    assert rows[3][0] == "`inner`" and "_InnerParams" in rows[3][1] and rows[3][2] == ""
    assert all(len(r) == 6 for r in rows)


def test_parameter_table_escapes_pipes_and_omits_quick_when_absent():
    table = parameter_table(_InnerParams)
    assert "a size \\| with a pipe, 2\\*pi\\*c/n" in table
    assert table.splitlines()[0] == "| parameter | default | unit | provenance | meaning |"
    assert len(table.splitlines()) == 3


def test_parameter_table_rejects_non_dataclasses():
    with pytest.raises(TypeError, match="params_cls"):
        parameter_table(int)


def test_classes_are_discovered():
    names = {cls.__name__ for cls in all_params_classes()}
    # The two stages that exist from the start; later stages join by themselves.
    assert {"SOCParams", "RateParams"} <= names


def test_every_field_has_doc_and_provenance():
    """A guard for every stage: a field declared without ffhlib._params.param fails here."""
    problems = []
    for cls in all_params_classes():
        rows = describe(cls)
        if not rows:
            problems.append(f"{cls.__name__} has no fields")
        for row in rows:
            if row["provenance"] not in PROVENANCE:
                problems.append(f"{cls.__name__}.{row['name']}: provenance {row['provenance']!r}")
            if not str(row["doc"]).strip():
                problems.append(f"{cls.__name__}.{row['name']}: empty doc")
        assert len(parameter_table(cls).splitlines()) == len(rows) + 2
    assert not problems, "declare these fields with ffhlib._params.param:\n" + "\n".join(problems)


def test_defaults_and_quick_preset_validate():
    """The defaults (and the quick preset, where there is one) pass each class's own validation."""
    for cls in all_params_classes():
        cls()
        if callable(getattr(cls, "quick", None)):
            assert isinstance(cls.quick(), cls), cls.__name__


def test_provenance_tags_have_a_glossary_entry_each():
    from ffhlib._params import PROVENANCE_GLOSSARY, provenance_glossary

    assert PROVENANCE == tuple(PROVENANCE_GLOSSARY)
    assert {"paper", "study-abstract", "ref-paper", "ref-code", "choice", "calibrated"} == set(
        PROVENANCE)
    text = provenance_glossary(counts={"choice": 2, "paper": 1})
    assert text.count("\n- **") == len(PROVENANCE) - 1
    assert "**choice**" in text and "(2 parameters)" in text and "(1 parameter)" in text
    box = provenance_glossary(admonition=True)
    assert box.startswith(":::{admonition}") and box.rstrip().endswith(":::")
    assert all(f"**{tag}**" in box for tag in PROVENANCE)


def test_retired_tag_is_stored_as_its_replacement_with_a_warning():
    with pytest.warns(DeprecationWarning, match="study-abstract"):
        field = param(1, doc="x", provenance="abstract")
    assert field.metadata["provenance"] == "study-abstract"
    with pytest.raises(ValueError, match="provenance"):
        param(1, doc="x", provenance="folklore")


def test_parameter_list_table_of_a_toy_class():
    from ffhlib._params import parameter_list_table

    lines = parameter_list_table(_ToyParams).splitlines()
    assert lines[0] == "```{list-table}" and lines[-1] == "```"
    assert ":header-rows: 1" in lines and any(line.startswith(":widths:") for line in lines)
    rows = [i for i, line in enumerate(lines) if line.startswith("* - ")]
    assert len(rows) == 1 + 3                       # header + one row per field
    assert all(lines[i + 1].startswith("  - ") and lines[i + 3].startswith("  - ") for i in rows)
    rate = lines[rows[1]:rows[1] + 4]
    assert rate == ["* - `rate` = `0.5` (quick mode: `0.25`)", "  - Hz", "  - ref-code",
                    "  - a rate"]
    mode = lines[rows[2]:rows[2] + 4]
    assert mode == ["* - `mode` = `'fast'`", "  - –", "  - study-abstract", "  - how to run"]
    assert "\\*" in parameter_list_table(_InnerParams)      # asterisks shown as typed
