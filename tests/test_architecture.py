"""The library's shape: no import cycle among ffhlib modules, and modules of a readable size.

Every ``import`` of an ffhlib module counts, including those inside functions (a lazy import that
closes a cycle is still a cycle for the reader and for the cache keys' import closures,
:func:`ffhlib.cache.module_closure`).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ffhlib"

#: The largest module the architecture allows (lines); the README's architecture section says
#: which modules hold one job each and why none is larger.
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = ("ffhlib",) + path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """Absolute ffhlib module names an ``ImportFrom`` node refers to."""
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    names = [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [n for n in names if n.startswith("ffhlib")]


def import_graph() -> dict[str, set[str]]:
    """``{module: ffhlib modules it imports}`` over every module under src/ffhlib."""
    paths = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text())
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                edges.update(_resolve(name, path.name == "__init__.py", node))
            elif isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name.startswith("ffhlib"))
        graph[name] = {e for e in edges if e in paths and e != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle found by a depth-first search (one per back edge)."""
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def _is_package_parent(child: str, parent: str) -> bool:
    return child.startswith(parent + ".")


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "ffhlib.inference" in graph["ffhlib.summaries"], \
        "summaries imports inference in functions"


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_ffhlib_modules():
    graph = import_graph()
    # a package's __init__ re-exporting its own modules is not a cycle of the design
    graph = {m: {e for e in edges if not _is_package_parent(e, m) and not
                 _is_package_parent(m, e)} for m, edges in graph.items()}
    assert _cycles(graph) == []


def test_modules_stay_readable():
    sizes = {_module_name(p): len(p.read_text().splitlines()) for p in SRC.rglob("*.py")}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES} == {}


# --- thin chapters -------------------------------------------------------------------------------

#: The longest code cell a chapter may have: a cell sets up, runs a study or sweep call, glues a
#: summary or draws a figure through one call; whatever it computes beyond that is library code
#: with tests.
MAX_CELL_LINES = 25
NOTEBOOKS = sorted((SRC.parents[1] / "book").glob("*.ipynb"))


def _code_cells(path: Path) -> list[tuple[int, int]]:
    import json

    cells = json.loads(path.read_text())["cells"]
    return [(i, len("".join(c["source"]).splitlines())) for i, c in enumerate(cells)
            if c["cell_type"] == "code"]


def test_the_cell_counter_counts_lines(tmp_path):
    import json

    nb = {"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2\n", "c = 3"]},
                    {"cell_type": "markdown", "source": ["x\n"] * 40}]}
    (tmp_path / "x.ipynb").write_text(json.dumps(nb))
    assert _code_cells(tmp_path / "x.ipynb") == [(0, 3)]


def test_no_chapter_code_cell_is_longer_than_the_limit():
    assert NOTEBOOKS, "no notebooks found under book/"
    long = {p.name: [(i, n) for i, n in _code_cells(p) if n > MAX_CELL_LINES]
            for p in NOTEBOOKS}
    assert {name: cells for name, cells in long.items() if cells} == {}


def _cached_stage_modules() -> list[str]:
    """Modules that compute a cached stage (call ``cached`` or ``cached_result``)."""
    out = []
    for path in SRC.rglob("*.py"):
        if path.name == "cache.py":
            continue
        tree = ast.parse(path.read_text())
        calls = {n.func.id for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        if calls & {"cached", "cached_result"}:
            out.append(_module_name(path))
    return sorted(out)


def test_no_cached_stage_depends_on_wording_or_figures():
    """A cached stage's key holds the source of every module it imports: a sentence, a summary
    or a figure edited must not invalidate a trained network."""
    from ffhlib.cache import module_closure

    stages = _cached_stage_modules()
    assert {"ffhlib.fullforce", "ffhlib.study", "ffhlib.groundtruth"} <= set(stages)
    presentation = ("ffhlib.report", "ffhlib.chapter", "ffhlib.notebook", "ffhlib.plotting")
    leaks = {m: [c for c in module_closure(m) if c.startswith(presentation) or
                 c.endswith("_summary")] for m in stages}
    assert {m: c for m, c in leaks.items() if c} == {}
