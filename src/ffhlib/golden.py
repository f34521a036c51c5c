"""The book's published numbers under watch: the glued values of a build against a committed
record (``book/expected.json``), each with its tolerance.

A change that moves a published number should show up in review, not on a reader's screen. After
a cold build, ``make expected`` records every value the chapters glue at their defaults (numbers,
texts, marks), with a tolerance per key; ``make check`` compares a build with that record and
lists every drift; the reproducibility appendix reports the build's distance from it.

Builds on one machine, with the same thread settings, are bitwise identical. Across machines they
are not: BLAS kernels and numba's vectorised loops sum in another order, and full-FORCE training
amplifies the last bits (a chaotic network trained online), so a trained network, and every
number computed from it, moves a little. The tolerance of a key is therefore set from a
measurement (two builds that differ in a way a reader's machine may differ, e.g. one BLAS thread
against two: :func:`tolerances_from_runs`), never loosened by hand to make a check pass.

Kinds of keys:

- **ignored**: what measures the build rather than the science (seconds, minutes, hours, worker
  counts, cache hits, dates, commits): :data:`IGNORED`;
- **exact**: texts, marks, booleans and integers (a count, a seed, a number of ground truths);
- **numeric**: floats, with an absolute tolerance.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["IGNORED", "MIN_TOLERANCE", "Drift", "build_values", "compare", "glued_values",
           "ignored", "read_expected", "tolerances_from_runs", "write_expected"]

#: Keys that measure the build, not the science (compared never).
IGNORED = re.compile(r"(seconds|minutes|hours|_time|wall|worker|cached|cache_|_cold_|"
                     r"n_rows|date|commit|git_|lock_|sha256|version|blas|thread|n_tasks|"
                     r"hits|savings)", re.I)
#: The smallest tolerance a numeric key gets (measured drifts of 0 still allow rounding).
MIN_TOLERANCE = 1e-9
#: How many times the measured drift a key tolerates.
SAFETY = 3.0


def ignored(key: str) -> bool:
    """Whether ``key`` measures the build rather than a result (see :data:`IGNORED`)."""
    return bool(IGNORED.search(key))


def _parse(text: str):
    """A glued value from its ``text/plain`` repr (numpy scalars and NaN included)."""
    import ast

    text = text.strip()
    text = re.sub(r"np\.(True_|False_)", lambda m: m.group(1)[:-1], text)
    text = re.sub(r"np\.\w+\(([^()]*)\)", r"\1", text)
    if text in ("nan", "inf", "-inf"):
        return float(text)
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.strip("'\"")


def glued_values(notebook: str | Path) -> dict:
    """Every value an executed notebook glued: ``{key: value}`` (figures left out)."""
    out = {}
    for cell in json.loads(Path(notebook).read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if not name:
                continue
            data = output.get("data", {})
            if any(k.startswith("image/") for k in data):
                continue
            text = next((v for k, v in data.items() if k.endswith("text/plain")), None)
            if text is None:
                continue
            out[name] = _parse(text if isinstance(text, str) else "".join(text))
    return out


def _kind(value) -> str:
    if isinstance(value, bool) or isinstance(value, str) or isinstance(value, int):
        return "exact"
    if isinstance(value, float):
        return "numeric"
    return "exact"


def tolerances_from_runs(runs: Mapping[str, Mapping[str, Mapping]]) -> dict:
    """Per-key tolerances from several builds of the same commit that differ only in how they
    ran (e.g. 1 and 2 BLAS threads): :data:`SAFETY` times the largest difference between any two
    runs, at least :data:`MIN_TOLERANCE`; ``None`` for exact keys.

    Parameters
    ----------
    runs : mapping of run name to ``{chapter: {key: value}}``

    Returns
    -------
    dict
        ``{chapter: {key: tolerance or None}}`` over the keys every run has.
    """
    names = list(runs)
    if len(names) < 2:
        raise ValueError(f"runs must hold at least two builds, got {len(names)}")
    first = runs[names[0]]
    out = {}
    for chapter, values in first.items():
        out[chapter] = {}
        for key, value in values.items():
            if ignored(key) or any(key not in runs[n].get(chapter, {}) for n in names):
                continue
            if _kind(value) != "numeric":
                out[chapter][key] = None
                continue
            seen = [runs[n][chapter][key] for n in names]
            finite = [v for v in seen if isinstance(v, (int, float)) and math.isfinite(v)]
            spread = max(finite) - min(finite) if len(finite) == len(seen) else 0.0
            out[chapter][key] = max(SAFETY * spread, MIN_TOLERANCE)
    return out


def write_expected(path: str | Path, values: Mapping[str, Mapping], tolerances: Mapping,
                   *, provenance: Mapping | None = None) -> None:
    """Write the record: for each chapter and key, the value and its tolerance.

    ``values`` is ``{chapter: {key: value}}`` of one build; ``tolerances`` as
    :func:`tolerances_from_runs` returns (a key without one gets :data:`MIN_TOLERANCE` if
    numeric); ``provenance`` (the commit, the runs the tolerances came from) is stored beside.
    """
    record = {"provenance": dict(provenance or {}), "chapters": {}}
    for chapter, keys in sorted(values.items()):
        entries = {}
        for key, value in sorted(keys.items()):
            if ignored(key):
                continue
            tol = tolerances.get(chapter, {}).get(key)
            if _kind(value) == "numeric":
                tol = MIN_TOLERANCE if tol is None else float(tol)
                value = value if math.isfinite(value) else repr(value)
            else:
                tol = None
            entries[key] = {"value": value, "tolerance": tol}
        record["chapters"][chapter] = entries
    Path(path).write_text(json.dumps(record, indent=1, sort_keys=False, ensure_ascii=False)
                          + "\n")


def read_expected(path: str | Path) -> dict:
    """The record written by :func:`write_expected`."""
    return json.loads(Path(path).read_text())


@dataclasses.dataclass(frozen=True)
class Drift:
    """One published value that a build does not reproduce within its tolerance."""

    chapter: str
    key: str
    expected: object
    actual: object
    tolerance: float | None
    reason: str

    def __str__(self) -> str:
        tol = "" if self.tolerance is None else f" (tolerance {self.tolerance:.3g})"
        return (f"{self.chapter}::{self.key}: expected {self.expected!r}, got "
                f"{self.actual!r}{tol}: {self.reason}")


def _as_float(value):
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    return value


def compare(expected: Mapping, actual: Mapping[str, Mapping]) -> list[Drift]:
    """Every drift of a build's glued values (``{chapter: {key: value}}``) from the record.

    A key of the record missing from the build is a drift; keys the record does not hold are
    not (a new key is added to the record by ``make expected``).
    """
    drifts = []
    for chapter, entries in expected["chapters"].items():
        built = actual.get(chapter)
        if built is None:
            drifts.append(Drift(chapter, "*", "a chapter", None, None, "chapter not built"))
            continue
        for key, entry in entries.items():
            want, tol = _as_float(entry["value"]), entry["tolerance"]
            if key not in built:
                drifts.append(Drift(chapter, key, want, None, tol, "not glued"))
                continue
            got = built[key]
            if tol is None:
                if got != want:
                    drifts.append(Drift(chapter, key, want, got, None, "differs"))
                continue
            if not isinstance(got, (int, float)) or isinstance(got, bool):
                drifts.append(Drift(chapter, key, want, got, tol, "not a number"))
            elif math.isnan(want) or math.isnan(got):
                if not (math.isnan(want) and math.isnan(got)):
                    drifts.append(Drift(chapter, key, want, got, tol, "NaN on one side"))
            elif abs(got - want) > tol:
                drifts.append(Drift(chapter, key, want, got, tol,
                                    f"moved by {got - want:+.3g}"))
    return drifts


def build_values(stage: str | Path, chapters=None) -> dict:
    """``{chapter: {key: value}}`` of the executed chapters in ``stage`` (a build's
    ``_build/stage/book``): every ``NN_*.ipynb`` there, or the names in ``chapters``."""
    stage = Path(stage)
    paths = ([stage / c for c in chapters] if chapters is not None
             else sorted(stage.glob("[0-9][0-9]_*.ipynb")))
    missing = [p.name for p in paths if not p.is_file()]
    if missing or not paths:
        raise FileNotFoundError(f"no executed chapters {missing or ''} in {stage}: run make book")
    return {p.name: glued_values(p) for p in paths}


def _main(argv=None) -> int:
    """``python -m ffhlib.golden record OUT STAGE [STAGE ...]`` writes the record from the first
    build with tolerances measured over all of them (at least two: e.g. one BLAS thread and two);
    ``python -m ffhlib.golden compare EXPECTED STAGE`` prints every drift and exits 1 if any."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ffhlib.golden")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="write the record from two or more builds")
    rec.add_argument("out")
    rec.add_argument("stages", nargs="+")
    rec.add_argument("--commit", default="")
    cmp_ = sub.add_parser("compare", help="list the drifts of a build from the record")
    cmp_.add_argument("expected")
    cmp_.add_argument("stage")
    args = parser.parse_args(argv)
    if args.command == "record":
        runs = {str(s): build_values(s) for s in args.stages}
        tolerances = tolerances_from_runs(runs)
        write_expected(args.out, runs[str(args.stages[0])], tolerances,
                       provenance={"commit": args.commit, "runs": list(runs)})
        print(f"{args.out}: {sum(len(v) for v in tolerances.values())} keys from {len(runs)} "
              "builds")
        return 0
    record = read_expected(args.expected)
    drifts = compare(record, build_values(args.stage, chapters=list(record["chapters"])))
    for drift in drifts:
        print(drift)
    n_keys = sum(len(v) for v in record["chapters"].values())
    print(f"{len(drifts)} of {n_keys} published values drift from {args.expected}")
    return 1 if drifts else 0


if __name__ == "__main__":
    raise SystemExit(_main())
