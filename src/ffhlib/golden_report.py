"""The reproducibility appendix's section on the published numbers under watch: this build's
distance from the committed record (:mod:`ffhlib.golden`), the numbers that move most between
machines, and where that drift enters (:mod:`ffhlib.drift_sources`)."""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

from . import drift_sources, golden
from .notebook import markdown_table

__all__ = ["CLAIM_NAMES", "MARKS", "Watch", "differing_parts", "drift_sources_table",
           "drift_sources_values", "drifts_table", "flipped_marks", "flipped_marks_text",
           "sensitive_table", "watch", "watch_values"]

#: Drifts listed in the appendix (all of them are printed by ``make check``).
MAX_LISTED = 15


@dataclasses.dataclass(frozen=True)
class Watch:
    """The record (``None`` if none is committed) and this build's distance from it."""

    record: dict | None
    distance: golden.Distance | None
    summary: dict


def watch(stage: Path | None, expected: Path | None | str = "find") -> Watch:
    """Compare the executed chapters in ``stage`` with ``book/expected.json``."""
    path = golden.expected_path() if isinstance(expected, str) and expected == "find" else expected
    if path is None or stage is None:
        return Watch(None, None, {})
    record = golden.read_expected(path)
    chapters = [c for c in record["chapters"] if (Path(stage) / c).is_file()]
    summary = golden.record_summary(record)
    if not chapters:
        return Watch(record, None, summary)
    built = golden.build_values(stage, chapters=chapters)
    return Watch(record, golden.distance(record, built), summary)


def _status_text(w: Watch) -> str:
    if w.record is None:
        return ("no record of the published numbers is committed yet (`make expected` writes "
                "one after a cold build), so this build is compared with nothing")
    d = w.distance
    if d is None:
        return "no executed chapter of this build was found to compare with the record"
    beyond = ("none of them lies beyond its tolerance" if not d.drifts else
              f"{len(d.drifts)} lie beyond their tolerance (listed below)")
    worst = ("" if not d.worst_key else
             f"; the number closest to its limit, `{d.worst_key}`, moved by "
             f"{d.worst_ratio:.2f} of its tolerance")
    return (f"this build reproduces {d.n_identical} of the {d.n_keys} recorded values exactly, "
            f"and {beyond}{worst}")


def watch_values(w: Watch) -> dict:
    """The section's glue values (``golden_*``)."""
    provenance = (w.record or {}).get("provenance", {})
    runs = provenance.get("runs", [])
    s = w.summary
    return {
        "golden_status_text": _status_text(w),
        "golden_n_keys": s.get("n_keys", 0),
        "golden_n_drifts": len(w.distance.drifts) if w.distance else 0,
        "golden_record_commit": (provenance.get("commit") or "unknown")[:7],
        "golden_record_runs": " and ".join(f"“{r}”" for r in runs) or "none",
        "golden_safety": f"{golden.SAFETY:g}",
        "golden_n_numeric": s.get("n_numeric", 0),
        "golden_n_numeric_moved": s.get("n_numeric_moved", 0),
        "golden_n_texts_moved": s.get("n_texts_moved", 0),
        "golden_n_unstable": s.get("n_unstable", 0),
        "golden_median_relative": _percent(s.get("median_relative", 0.0)),
        "golden_max_relative": _percent(s.get("max_relative", 0.0)),
        "golden_n_flipped_marks": len(flipped_marks(w.record)),
        "golden_flipped_marks_text": flipped_marks_text(w.record),
    }


#: The first character of every mark the chapters glue (``ffhlib.report``).
MARKS = ("✔", "✘", "–")


def flipped_marks(record: dict | None) -> list[tuple[str, str, str, list[str]]]:
    """``(chapter, key, recorded mark, other marks)`` of every mark that differed between the
    recorded builds (the recorded value is the first build's)."""
    out = []
    for chapter, entries in (record or {}).get("chapters", {}).items():
        for key, entry in entries.items():
            tol = entry["tolerance"]
            forms = tol.get("allowed", []) if isinstance(tol, dict) else []
            if forms and all(isinstance(f, str) and f.startswith(MARKS) for f in forms):
                others = [f for f in forms if f != entry["value"]]
                out.append((chapter, key, str(entry["value"]), others))
    return out


#: What the intro's table calls the test behind each mark that has no glued label of its own.
CLAIM_NAMES = {
    "sim_claim": "the CCA with the held-out neurons",
    "sim_claim_hints": "FFH against its recorded neurons",
    "sim_claim_whole": "the CCA with all SOC neurons",
    "sim_claim_untrained": "FFH against the interpolated recordings",
    "gen_claim": "the error on untrained directions",
    "loo_claim": "the error on a left-out training direction",
    "unobs_claim": "the unobserved muscles",
    "noise_claim": "the error under input noise",
    "mech_claim": "the mechanism as a whole",
    "rivals_claim": "FFH against the field's other methods",
    "kao_claim": "Kao's single neurons or populations",
}


def _claim_name(record: dict, chapter: str, key: str) -> str:
    """The intro's name of the test behind mark ``key``: its glued label (``X_label`` beside
    ``X_claim``), else :data:`CLAIM_NAMES`, else the key itself."""
    label = record["chapters"][chapter].get(key.removesuffix("_claim") + "_label")
    return str(label["value"]) if label else CLAIM_NAMES.get(key, key)


def flipped_marks_text(record: dict | None) -> str:
    """A sentence on whether the recorded builds agree on every mark, for the intro's table
    and the appendix (``golden_flipped_marks_text``)."""
    if record is None:
        return ("No record of two builds of this commit is committed, so whether a mark depends "
                "on the machine is not known")
    runs = record.get("provenance", {}).get("runs", [])
    builds = (f"Two builds of commit {(record['provenance'].get('commit') or 'unknown')[:7]}"
              + (f" ({' and '.join(f'“{r}”' for r in runs)})" if runs else ""))
    flipped = flipped_marks(record)
    if not flipped:
        return f"{builds} gave every mark the same"
    listed = [f"the mark on {_claim_name(record, chapter, key)} (chapter {int(chapter[:2])}) "
              f"was {mark} in the first and {' / '.join(others)} in the second"
              for chapter, key, mark, others in flipped]
    which = listed[0] if len(listed) == 1 else "; ".join(listed[:-1]) + "; and " + listed[-1]
    return (f"{builds} did not agree on every mark: {which}. Those tests changed with the last "
            f"bits of the arithmetic, so a reader's machine may give either mark")


def _percent(x: float) -> str:
    return f"{100 * x:.2g} %" if 100 * x < 100 else f"{100 * x:.0f} %"


def differing_parts(forms: list[str], width: int = 70) -> list[str]:
    """Each of ``forms`` cut to the part where they differ (the common beginning and end
    replaced by "…", at most ``width`` characters), so that two long sentences that differ in
    one clause show that clause."""
    if len(forms) < 2:
        return [f if len(f) <= width else f[:width - 1] + "…" for f in forms]
    head = len(os.path.commonprefix(forms))
    tail = len(os.path.commonprefix([f[head:][::-1] for f in forms]))
    start = max(0, head - 15)  # a few words of context before the difference, from a word
    space = forms[0].find(" ", start, head)
    head = space + 1 if start and space >= 0 else start
    out = []
    for f in forms:
        part = f[head:len(f) - tail + min(tail, 15)]
        cut = len(part) > width
        part = part[:width - 1] + "…" if cut else part
        out.append(("…" if head else "") + part + ("…" if tail > 15 and not cut else "")
                   if f else "(nothing)")
    return out


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def drifts_table(w: Watch) -> str:
    """The values beyond their tolerance (``tbl-repro-drifts``), or ``""`` when there are none
    (the status sentence, ``golden_status_text``, says so)."""
    if w.distance is None or not w.distance.drifts:
        return ""
    rows = [(f"{d.chapter.split('_')[0]}", f"`{d.key}`", _value(d.expected), _value(d.actual),
             d.reason) for d in w.distance.drifts[:MAX_LISTED]]
    more = len(w.distance.drifts) - len(rows)
    return markdown_table(
        ["chapter", "key", "recorded", "this build", "why"], rows, name="tbl-repro-drifts",
        caption="Published values this build does not reproduce within their tolerance"
                + (f" (the first {len(rows)}; `make check` prints all {more + len(rows)})"
                   if more else "") + ".")


def sensitive_table(w: Watch, n: int = 10) -> str:
    """The numbers that moved most between the recorded builds (``tbl-repro-sensitive``).

    The table is always there (the prose refers to it): without a record, or when no number
    moved, its one row says so.
    """
    rows = []
    for r in golden.sensitive_keys(w.record, n) if w.record is not None else []:
        rel = "–" if math.isinf(r["relative"]) else _percent(r["relative"])
        if isinstance(r["spread"], str):  # unstable: the part of each form that differs
            entry = w.record["chapters"][r["chapter"]][r["key"]]
            forms = [str(f) for f in entry["tolerance"]["allowed"]]
            value, *others = differing_parts([str(entry["value"])]
                                             + [f for f in forms if f != str(entry["value"])])
            spread = "took " + " / ".join(others)
        else:
            value, spread = _value(r["value"]), f"{r['spread']:.2g}"
        rows.append((r["chapter"].split("_")[0], f"`{r['key']}`", value, spread, rel))
    if not rows:
        why = ("no record of the published numbers is committed (`make expected`)"
               if w.record is None else "no number moved between the recorded builds")
        rows = [("–", why, "–", "–", "–")]
    return markdown_table(
        ["chapter", "key", "value", "moved by", "relative"], rows, name="tbl-repro-sensitive",
        caption="The published numbers most sensitive to the machine: those that moved most, "
                "relative to their size, between the two recorded builds (a value that took "
                "different forms, such as a mark that flipped, first).")


#: The variants that change the CPU a build runs on (not its thread count).
_CPU_VARIANTS = ("OpenBLAS's AVX2 kernels", "numba compiled for AVX2", "NumPy without AVX-512",
                 "another machine")


def _size(x: float) -> str:
    """A measured difference as prose prints it: two digits from 0.001 up, else a power of ten."""
    return "0" if x == 0 else f"{x:.2g}" if x >= 1e-3 else f"{x:.0e}"


def drift_sources_values(record: dict | None = None) -> dict:
    """Glue values of the shipped drift-source record (``drift_*``): for each stage the largest
    difference over the variants that change the CPU (``drift_<stage>_cpu``), the variant
    behind FFH's primary measure's largest move, two threads' move of it, what the same
    settings twice and numba alone change, and a sentence on numba's share."""
    record = drift_sources.read_record() if record is None else record
    by = {v["name"]: v["differences"] for v in record["variants"]}
    cpu = {name: by[name] for name in _CPU_VARIANTS}
    largest = {key: max(d[key] for d in cpu.values()) for key, _, _ in drift_sources.STAGES}
    numba = by["numba compiled for AVX2"]
    upstream = ("soc_w", "gains", "soc_rates")
    moved = [label for key, label, _ in drift_sources.STAGES if numba[key] > 0]
    numba_text = (
        "change nothing at all" if not moved else
        f"leave the SOC, its gains and its rates bit for bit as they were and change the "
        f"trained networks by at most {_size(max(numba.values()))}"
        if all(numba[k] == 0 for k in upstream) else
        f"change every stage from {moved[0]} on, by at most {_size(max(numba.values()))}")
    worst = max(cpu, key=lambda name: cpu[name]["ffh_primary"])
    return {
        "drift_cpu": record.get("cpu", ""),
        **{f"drift_{key}_cpu": _size(largest[key]) for key, _, _ in drift_sources.STAGES},
        "drift_ffh_primary_worst": next(v.short for v in drift_sources.VARIANTS
                                        if v.name == worst),
        "drift_ffh_primary_threads": _size(by["two BLAS threads"]["ffh_primary"]),
        "drift_ffh_j_threads": _size(by["two BLAS threads"]["ffh_j"]),
        "drift_numba_max": _size(max(numba.values())),
        "drift_numba_text": numba_text,
        "drift_again_max": _size(max(by["baseline again"].values())),
    }


def drift_sources_table(record: dict | None = None) -> str:
    """The shipped drift-source record (``tbl-repro-drift-sources``)."""
    record = drift_sources.read_record() if record is None else record
    header, rows = drift_sources.drift_table(record)
    return markdown_table(
        header, rows, name="tbl-repro-drift-sources",
        caption="Where the drift enters: one unit of the study (ground truth 0, network seed 0, "
                "the book's parameters) computed from an empty cache in a fresh process, once "
                "per change of the environment; each cell is how far a stage lands from the "
                "first run (weights, gains and rates: largest difference over the largest "
                "value; measures: difference). 'again': the same settings; '2 threads': two "
                "BLAS threads; 'BLAS AVX2': OpenBLAS's Haswell kernels; 'numba AVX2': numba "
                "compiled without AVX-512; 'NumPy AVX2': NumPy's loops without AVX-512; 'all "
                "three': the three CPU changes, the second recorded build. Primary measure: "
                "condition-dependent CCA with E on the untrained directions.")
