"""The book's published numbers under watch: the glued values of a build against a committed
record (``book/expected.json``), each with its tolerance.

A change that moves a published number should show up in review, not on a reader's screen. After
a cold build, ``make expected`` records every value the chapters (and the parameters appendix,
whose counts the intro quotes) glue at their defaults (numbers, texts, marks), with a tolerance
per key; ``make check`` compares a build with that record and
lists every drift; the reproducibility appendix reports the build's distance from it.

Builds on one machine, with the same thread settings, are bitwise identical. Across machines they
are not: OpenBLAS's kernels and NumPy's vectorised loops, chosen for the CPU, round differently in
the last bits (numba's kernels much less), and gain learning and full-FORCE training amplify
those bits (:mod:`ffhlib.drift_sources` measures where), so a trained network, and every number
computed from it, moves. The tolerance of a key is therefore set from a measurement (two builds
that differ in a way a reader's machine may differ: :func:`tolerances_from_runs`), never loosened
by hand to make a check pass.

Kinds of keys:

- **ignored**: what measures the build rather than the science (seconds, minutes, hours, worker
  counts, cache hits, dates, commits): :data:`IGNORED`;
- **exact**: marks, booleans, integers (a count, a seed, a number of ground truths) and texts
  without numbers, when every measured build gave the same;
- **numeric**: floats (and integers that moved between the builds), with an absolute tolerance:
  :data:`SAFETY` times the measured move, and, for a number that moved, at least :data:`SAFETY`
  times its chapter's median relative move times its size (:func:`chapter_relative_move`);
- **texts with numbers** ("0.449 [0.400, 0.493]"): the words exact, each number within its own
  tolerance: the measured spread at its place times :data:`SAFETY`, and at least one unit of its
  last printed digit when it has decimals (a rounded number moves by one unit for an arbitrarily
  small move of its value);
- **durations in a text** ("38 s per network"): they measure the build, like the ignored keys,
  and are never compared (:data:`_DURATION`); the rest of the text is;
- **unstable**: a value that took forms the rules above cannot relate in the measured builds (a
  mark that flipped, a NaN on one side): the record lists the forms it took, and any of them
  passes. The reproducibility appendix names every such key.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["IGNORED", "MIN_TOLERANCE", "PUBLISHED_APPENDICES", "Distance", "Drift", "build_values",
           "chapter_relative_move", "compare", "distance", "expected_path", "glued_values",
           "ignored", "read_expected",
           "record_summary", "sensitive_keys", "text_numbers", "tolerances_from_runs",
           "write_expected"]

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
    if isinstance(value, float):
        return "numeric"
    if isinstance(value, str) and text_numbers(value)[1]:
        return "text"
    return "exact"


#: A duration in a glued text ("38 s", "2.5 min", "1 h"; milliseconds are science, not build
#: time, and stay numbers): masked before a text is compared.
_DURATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[ \u00a0\u202f]?(?:s|min|h)\b")
_DURATION_MARK = "<duration>"

#: A number in a glued text (the book's minus sign "−" included).
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")


def text_numbers(text: str) -> tuple[str, list[float], list[float]]:
    """A text's words and numbers: ``(skeleton with '#' for each number, numbers, the unit of
    each number's last printed digit (0 for an integer))``. Durations (:data:`_DURATION`) are
    part of the skeleton, as ``<duration>``, not numbers."""
    numbers, units = [], []
    text = _DURATION.sub(_DURATION_MARK, text)
    for match in _NUMBER.finditer(text):
        token = match.group().replace("−", "-")
        numbers.append(float(token))
        mantissa, _, exponent = token.lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        units.append(10.0 ** (int(exponent or 0) - decimals) if decimals else 0.0)
    return _NUMBER.sub("#", text), numbers, units


def _spread(values) -> float:
    return float(max(values) - min(values))


def _tolerance(seen: list):
    """The tolerance (and the measured spread) of a key that took the values ``seen``."""
    first = seen[0]
    kinds = {_kind(v) for v in seen}
    if kinds == {"numeric"} or (all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                    for v in seen) and len(set(seen)) > 1):
        finite = [float(v) for v in seen if math.isfinite(v)]
        if len(finite) not in (0, len(seen)):
            return {"allowed": [_jsonable(v) for v in seen]}, None
        spread = _spread(finite) if finite else 0.0
        return max(SAFETY * spread, MIN_TOLERANCE), spread
    if kinds == {"text"}:
        parsed = [text_numbers(v) for v in seen]
        if len({(p[0], len(p[1])) for p in parsed}) == 1:
            spreads = [_spread(col) for col in zip(*(p[1] for p in parsed), strict=True)]
            return ([max(SAFETY * d, u) for d, u in zip(spreads, parsed[0][2], strict=True)],
                    spreads)
    if all(_same(v, first) for v in seen):
        return None, None
    return {"allowed": sorted({_jsonable(v) for v in seen}, key=repr)}, None


def _same(a, b) -> bool:
    """Whether two exact values are equal (texts with their durations masked)."""
    if isinstance(a, str) and isinstance(b, str):
        return text_numbers(a) == text_numbers(b)
    return a == b


def _jsonable(value):
    return repr(value) if isinstance(value, float) and not math.isfinite(value) else value


def tolerances_from_runs(runs: Mapping[str, Mapping[str, Mapping]], *,
                         spreads: dict | None = None) -> dict:
    """Per-key tolerances from several builds of the same commit that differ only in how they
    ran (e.g. this machine as itself and as one of the previous generation): :data:`SAFETY`
    times the largest difference between any two runs, at least :data:`MIN_TOLERANCE`, and,
    for a number that moved, at least :data:`SAFETY` times its chapter's median relative move
    (:func:`chapter_relative_move`) times its size; ``None`` for exact keys; a list for a
    text's numbers; ``{"allowed": [...]}`` for an unstable key.

    Parameters
    ----------
    runs : mapping of run name to ``{chapter: {key: value}}``
    spreads : dict, optional
        Filled with the measured spreads, ``{chapter: {key: spread}}`` (numeric keys and texts).

    Returns
    -------
    dict
        ``{chapter: {key: tolerance}}`` over the keys every run has.
    """
    names = list(runs)
    if len(names) < 2:
        raise ValueError(f"runs must hold at least two builds, got {len(names)}")
    out = {}
    for chapter, values in runs[names[0]].items():
        out[chapter], measured = {}, {}
        for key in values:
            if ignored(key) or any(key not in runs[n].get(chapter, {}) for n in names):
                continue
            tol, spread = _tolerance([runs[n][chapter][key] for n in names])
            out[chapter][key] = tol
            if spread is not None:
                measured[key] = spread
        floor = chapter_relative_move(values, measured)
        for key, spread in measured.items():
            out[chapter][key] = _with_floor(out[chapter][key], values[key], spread, floor)
        if spreads is not None and measured:
            spreads[chapter] = measured
    return out


def _moves(value, spread):
    """``(|number|, spread)`` of each number of a key (a float's, or each of a text's)."""
    if isinstance(spread, list):
        return list(zip(map(abs, text_numbers(value)[1]), spread, strict=True))
    return [(abs(float(value)), spread)]


def chapter_relative_move(values: Mapping, spreads: Mapping) -> float:
    """The median relative move (spread / |value|) of a chapter's numbers that moved between the
    recorded builds (a text's numbers included), 0 if none moved: the floor, times
    :data:`SAFETY`, of the tolerance of each of its numbers that moved.

    One pair of builds measures a number's move with the uncertainty of a single draw (the ratio
    of two such draws is Cauchy distributed: a third machine would exceed three times the first
    move for one number in five); pooling the numbers of a chapter that moved gives each of
    them a floor measured on many. Numbers that did not move (parameters, counts) get none.
    """
    rel = [d / v for key, spread in spreads.items()
           for v, d in _moves(values[key], spread) if d > 0 and v > 0]
    return float(sorted(rel)[len(rel) // 2]) if rel else 0.0


def _with_floor(tol, value, spread, floor: float):
    """``tol`` raised, for each number that moved, to :data:`SAFETY` × ``floor`` × |number|."""
    if isinstance(spread, list):
        return [max(t, SAFETY * floor * v) if d > 0 else t
                for t, (v, d) in zip(tol, _moves(value, spread), strict=True)]
    return max(tol, SAFETY * floor * abs(float(value))) if spread > 0 else tol


def write_expected(path: str | Path, values: Mapping[str, Mapping], tolerances: Mapping,
                   *, provenance: Mapping | None = None, spreads: Mapping | None = None) -> None:
    """Write the record: for each chapter and key, the value, its tolerance and the spread
    measured between the builds.

    ``values`` is ``{chapter: {key: value}}`` of one build; ``tolerances`` (and ``spreads``) as
    :func:`tolerances_from_runs` returns them (a numeric key without a tolerance gets
    :data:`MIN_TOLERANCE`); ``provenance`` (the commit, the runs) is stored beside.
    """
    record = {"provenance": dict(provenance or {}), "safety": SAFETY, "chapters": {}}
    for chapter, keys in sorted(values.items()):
        entries = {}
        for key, value in sorted(keys.items()):
            if ignored(key):
                continue
            tol = tolerances.get(chapter, {}).get(key)
            if _kind(value) == "numeric" and tol is None:
                tol = MIN_TOLERANCE
            entry = {"value": _jsonable(value), "tolerance": tol}
            spread = (spreads or {}).get(chapter, {}).get(key)
            if spread is not None:
                entry["spread"] = spread
            entries[key] = entry
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


def _compare_text(chapter, key, want: str, got, tol: list) -> Drift | None:
    if not isinstance(got, str):
        return Drift(chapter, key, want, got, None, "not a text")
    (w_skel, w_num, _), (g_skel, g_num, _) = text_numbers(want), text_numbers(got)
    if w_skel != g_skel or len(w_num) != len(g_num) or len(tol) != len(w_num):
        return Drift(chapter, key, want, got, None, "differs")
    for i, (a, b, t) in enumerate(zip(w_num, g_num, tol, strict=True)):
        if abs(b - a) > t + 1e-12:
            return Drift(chapter, key, want, got, t, f"its number {i + 1} moved by {b - a:+.3g}")
    return None


def _compare_one(chapter, key, entry, got) -> Drift | None:
    want, tol = _as_float(entry["value"]), entry["tolerance"]
    if isinstance(tol, dict):
        allowed = [_as_float(v) for v in tol["allowed"]]
        ok = any(got == v or (isinstance(v, float) and isinstance(got, float)
                              and math.isnan(v) and math.isnan(got)) for v in allowed)
        return None if ok else Drift(chapter, key, want, got, None,
                                     f"none of the forms it took ({len(allowed)})")
    if isinstance(tol, list):
        return _compare_text(chapter, key, want, got, tol)
    if tol is None:
        return None if _same(got, want) else Drift(chapter, key, want, got, None, "differs")
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return Drift(chapter, key, want, got, tol, "not a number")
    if math.isnan(want) or math.isnan(got):
        return None if math.isnan(want) and math.isnan(got) else Drift(
            chapter, key, want, got, tol, "NaN on one side")
    if abs(got - want) > tol:
        return Drift(chapter, key, want, got, tol, f"moved by {got - want:+.3g}")
    return None


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
            if key not in built:
                drifts.append(Drift(chapter, key, entry["value"], None, entry["tolerance"]
                                    if isinstance(entry["tolerance"], float) else None,
                                    "not glued"))
                continue
            drift = _compare_one(chapter, key, entry, built[key])
            if drift is not None:
                drifts.append(drift)
    return drifts


def expected_path() -> Path | None:
    """``book/expected.json`` of the checkout this library runs from (``None`` if there is
    none: an installed library, or no record committed yet)."""
    from .executed import book_root

    try:
        path = book_root(Path(__file__).resolve().parent) / "book" / "expected.json"
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


@dataclasses.dataclass(frozen=True)
class Distance:
    """How far a build's published values are from the record.

    Attributes
    ----------
    n_keys : int
        Keys in the record.
    n_identical : int
        Keys whose value this build reproduces exactly.
    drifts : list of Drift
        Keys beyond their tolerance (or missing, or of another form).
    worst_key : str
        The numeric key closest to (or furthest beyond) its tolerance, ``chapter::key``.
    worst_ratio : float
        Its move as a fraction of its tolerance (0 when every numeric key is identical).
    """

    n_keys: int
    n_identical: int
    drifts: list
    worst_key: str
    worst_ratio: float


def distance(expected: Mapping, actual: Mapping[str, Mapping]) -> Distance:
    """The :class:`Distance` of a build (``{chapter: {key: value}}``) from the record."""
    n_keys = n_identical = 0
    worst_key, worst_ratio = "", 0.0
    for chapter, entries in expected["chapters"].items():
        for key, entry in entries.items():
            n_keys += 1
            got, want = actual.get(chapter, {}).get(key, None), _as_float(entry["value"])
            same = got == want or (isinstance(got, float) and isinstance(want, float)
                                   and math.isnan(got) and math.isnan(want))
            n_identical += bool(same) and key in actual.get(chapter, {})
            tol = entry["tolerance"]
            if (isinstance(tol, float) and isinstance(got, (int, float))
                    and not isinstance(got, bool) and math.isfinite(got) and math.isfinite(want)):
                ratio = abs(got - want) / tol
                if ratio > worst_ratio:
                    worst_key, worst_ratio = f"{chapter}::{key}", ratio
    return Distance(n_keys, n_identical, compare(expected, actual), worst_key, worst_ratio)


def sensitive_keys(expected: Mapping, n: int = 10) -> list[dict]:
    """The published numbers that moved most between the recorded builds, relative to their
    size: every unstable key first, then the ``n`` numeric keys of largest spread / |value|."""
    unstable, numeric = [], []
    for chapter, entries in expected["chapters"].items():
        for key, entry in entries.items():
            tol, spread = entry["tolerance"], entry.get("spread")
            if isinstance(tol, dict):
                unstable.append({"chapter": chapter, "key": key, "value": entry["value"],
                                 "spread": "took " + " / ".join(map(str, tol["allowed"])),
                                 "relative": math.inf})
            elif isinstance(spread, float) and spread > 0:
                value = float(_as_float(entry["value"]))
                rel = spread / abs(value) if value else math.inf
                numeric.append({"chapter": chapter, "key": key, "value": value,
                                "spread": spread, "relative": rel})
    numeric.sort(key=lambda r: (-r["relative"], r["chapter"], r["key"]))
    return unstable + numeric[:n]


def record_summary(expected: Mapping) -> dict:
    """Counts over the record: keys, numeric keys, those that moved between the builds, texts
    whose printed numbers moved, unstable keys; the largest relative move of a numeric key and
    the median one among those that moved."""
    entries = [e for keys in expected["chapters"].values() for e in keys.values()]
    numeric = [e for e in entries if isinstance(e["tolerance"], float)]
    moved = [e["spread"] / abs(float(_as_float(e["value"]))) for e in numeric
             if e.get("spread", 0) > 0 and float(_as_float(e["value"])) != 0]
    texts_moved = sum(1 for e in entries if isinstance(e.get("spread"), list)
                      and any(d > 0 for d in e["spread"]))
    return {"n_keys": len(entries), "n_numeric": len(numeric),
            "n_numeric_moved": sum(1 for e in numeric if e.get("spread", 0) > 0),
            "n_texts_moved": texts_moved,
            "n_unstable": sum(1 for e in entries if isinstance(e["tolerance"], dict)),
            "max_relative": max(moved, default=0.0),
            "median_relative": float(sorted(moved)[len(moved) // 2]) if moved else 0.0}


#: Appendices whose glued values the book publishes (the intro quotes the parameter counts); the
#: reproducibility appendix reports the build itself (and this record), so it is not recorded.
PUBLISHED_APPENDICES = ("parameters.ipynb",)


def build_values(stage: str | Path, chapters=None) -> dict:
    """``{chapter: {key: value}}`` of the executed chapters in ``stage`` (a build's
    ``_build/stage/book``): every ``NN_*.ipynb`` there and the :data:`PUBLISHED_APPENDICES`, or
    the names in ``chapters``."""
    stage = Path(stage)
    paths = ([stage / c for c in chapters] if chapters is not None
             else sorted(stage.glob("[0-9][0-9]_*.ipynb"))
             + [stage / a for a in PUBLISHED_APPENDICES if (stage / a).is_file()])
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
    rec.add_argument("--labels", nargs="*", default=None,
                     help="what distinguishes each build (e.g. 'this machine' 'AVX2 kernels')")
    cmp_ = sub.add_parser("compare", help="list the drifts of a build from the record")
    cmp_.add_argument("expected")
    cmp_.add_argument("stage")
    args = parser.parse_args(argv)
    if args.command == "record":
        runs = {str(s): build_values(s) for s in args.stages}
        spreads: dict = {}
        tolerances = tolerances_from_runs(runs, spreads=spreads)
        write_expected(args.out, runs[str(args.stages[0])], tolerances, spreads=spreads,
                       provenance={"commit": args.commit, "runs": args.labels or list(runs)})
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
