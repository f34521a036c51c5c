"""Where a build's numbers drift between machines, and how far the drift grows along the pipeline.

Two builds of one commit on one machine, with the same settings, are bitwise identical. On another
machine they are not, and :mod:`ffhlib.golden` needs to know by how much, key by key. This module
measures the sources one at a time: it computes one unit of the study (ground truth 0, network seed
0: the SOC, its gains, FF and FFH, and their scores) in a fresh process with an empty cache, once
per *variant* of the run's environment, and reports how far each stage lands from the baseline.

The variants change what differs between two x86-64 Linux machines running the same lock file:

- the number of BLAS threads (the book pins every process to one, see :mod:`ffhlib.parallel`;
  a reader may not);
- OpenBLAS's kernels, which it picks by CPU (``OPENBLAS_CORETYPE``: here Haswell's AVX2 kernels
  instead of this machine's AVX-512 ones);
- the code numba compiles for the host CPU (``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES``);
- NumPy's own SIMD loops, dispatched by CPU at run time (``NPY_DISABLE_CPU_FEATURES``);
- all three CPU variants together: "a machine of the previous generation", the variant the second
  build behind ``book/expected.json``'s tolerances ran with (:data:`OTHER_MACHINE_ENV`).

The record of the last run ships with the package (``data/drift_sources.json``), like the
calibration records, and the reproducibility appendix shows it: ``python -m ffhlib.drift_sources
run`` (about 6 min on one core at paper parameters) writes it again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["OTHER_MACHINE_ENV", "STAGES", "VARIANTS", "Variant", "compare_stages",
           "drift_table", "numba_avx2_features", "other_machine_env", "read_record",
           "run_variants"]

#: Environment of "a machine of the previous generation" (AVX2, no AVX-512) on this one; numba's
#: CPU features, this CPU's without AVX-512, are added by :func:`other_machine_env`.
OTHER_MACHINE_ENV = {"OPENBLAS_CORETYPE": "Haswell", "NUMBA_CPU_NAME": "haswell",
                     "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}


def numba_avx2_features() -> str:
    """This CPU's features as LLVM names them, with every AVX-512 extension turned off: what
    ``NUMBA_CPU_FEATURES`` needs so that numba compiles for AVX2 (``NUMBA_CPU_NAME`` alone keeps
    the host's features)."""
    import llvmlite.binding as llvm

    features = llvm.get_host_cpu_features().flatten().split(",")
    return ",".join("-" + f[1:] if f.startswith("+avx512") else f for f in features if f)


def other_machine_env() -> dict[str, str]:
    """:data:`OTHER_MACHINE_ENV` with numba's CPU features: the environment that runs this
    machine as one of the previous generation (``make book`` with it gives a second build)."""
    return {**OTHER_MACHINE_ENV, "NUMBA_CPU_FEATURES": numba_avx2_features()}


@dataclasses.dataclass(frozen=True)
class Variant:
    """One way to run the same computation: a name, what it changes, the environment it sets."""

    name: str
    changes: str
    env: Mapping[str, str]
    short: str = ""


VARIANTS = (
    Variant("baseline", "the book's settings (one thread everywhere, this CPU's kernels)", {},
            "baseline"),
    Variant("baseline again", "the same settings, in another process", {}, "again"),
    Variant("two BLAS threads", "OpenBLAS and OpenMP with two threads",
            {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}, "2 threads"),
    Variant("OpenBLAS's AVX2 kernels", "OPENBLAS_CORETYPE=Haswell",
            {"OPENBLAS_CORETYPE": OTHER_MACHINE_ENV["OPENBLAS_CORETYPE"]}, "BLAS AVX2"),
    Variant("numba compiled for AVX2", "NUMBA_CPU_NAME=haswell, no AVX-512 features",
            {"NUMBA_CPU_NAME": OTHER_MACHINE_ENV["NUMBA_CPU_NAME"], "NUMBA_CPU_FEATURES": "avx2"},
            "numba AVX2"),
    Variant("NumPy without AVX-512", "NPY_DISABLE_CPU_FEATURES (its AVX-512 loops)",
            {"NPY_DISABLE_CPU_FEATURES": OTHER_MACHINE_ENV["NPY_DISABLE_CPU_FEATURES"]},
            "NumPy AVX2"),
    Variant("another machine", "the three CPU variants together",
            {**OTHER_MACHINE_ENV, "NUMBA_CPU_FEATURES": "avx2"}, "all three"),
)

#: The stages compared, in pipeline order: (key, what it is, how the difference is measured). The
#: primary measure is the condition-dependent CCA with E on the untrained directions.
STAGES = (
    ("soc_w", "SOC weights", "relative"),
    ("gains", "gains", "relative"),
    ("soc_rates", "SOC rates", "relative"),
    ("ff_j", "FF's weights", "relative"),
    ("ffh_j", "FFH's weights", "relative"),
    ("ff_primary", "FF: primary measure", "absolute"),
    ("ffh_primary", "FFH: primary measure", "absolute"),
    ("ffh_cca_e", "FFH: CCA with E, training", "absolute"),
    ("ffh_fit", "FFH: EMG fit R²", "absolute"),
)

_RECORD = "drift_sources.json"


def _compute_unit(out: Path, quick: bool) -> None:
    """The child: compute one unit of the study from an empty cache and save its stages."""
    from . import study

    params = study.StudyParams.quick() if quick else study.StudyParams()
    rows = {kind: study.score(params, 0, 0, kind) for kind in ("ff", "ffh")}
    pair = study.train_pair(params, 0, 0)  # the networks the rows were scored on, from the cache
    gt = pair.ground_truth
    np.savez(out, soc_w=gt.W, gains=gt.gains, soc_rates=gt.rates, ff_j=pair.ff.J,
             ffh_j=pair.ffh.J, ff_primary=rows["ff"].cca_cd_untrained_e,
             ffh_primary=rows["ffh"].cca_cd_untrained_e, ffh_cca_e=rows["ffh"].cca_e,
             ffh_fit=rows["ffh"].fit_r2)


def compare_stages(baseline: Mapping[str, np.ndarray],
                   other: Mapping[str, np.ndarray]) -> dict[str, float]:
    """How far ``other`` lands from ``baseline``, stage by stage (:data:`STAGES`).

    A ``relative`` stage: the largest absolute difference over the array, divided by the
    baseline's largest absolute value; an ``absolute`` stage: the difference of the two numbers.
    Arrays of different shapes (or a NaN where the other is finite) are infinitely far apart.
    """
    out = {}
    for key, _, how in STAGES:
        a, b = np.asarray(baseline[key], float), np.asarray(other[key], float)
        if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
            out[key] = float("inf")
            continue
        diff = float(np.nanmax(np.abs(a - b))) if a.size else 0.0
        if how == "relative":
            scale = float(np.nanmax(np.abs(a))) if a.size else 0.0
            diff = diff / scale if scale > 0 else diff
        out[key] = diff
    return out


def _cpu() -> str:
    """This machine's CPU: its model name and widest vector extension (Linux; "" elsewhere)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                  if line.startswith("model name")), "")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines()
                      if line.startswith("flags")), []))
    widest = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    return f"{model} ({widest})".strip()


def _run_child(variant: Variant, out: Path, quick: bool) -> None:
    env = {**os.environ, "FFHLIB_CACHE_DIR": str(out.parent / "cache"), **variant.env}
    if env.get("NUMBA_CPU_FEATURES") == "avx2":  # VARIANTS' placeholder: this CPU's, no AVX-512
        env["NUMBA_CPU_FEATURES"] = numba_avx2_features()
    env.pop("FFHLIB_CACHE_LOG", None)
    if "OMP_NUM_THREADS" not in variant.env:  # the book's setting (the Makefile's)
        env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    subprocess.run([sys.executable, "-m", "ffhlib.drift_sources", "child", str(out)]
                   + (["--quick"] if quick else []), env=env, check=True)


def run_variants(variants: Sequence[Variant] = VARIANTS, *, quick: bool = False,
                 progress: bool = True) -> dict:
    """Compute the unit once per variant, each in a fresh process with an empty cache; the
    differences from the first variant, stage by stage.

    Returns
    -------
    dict
        ``{"quick": ..., "cpu": ..., "variants": [{"name", "changes", "env", "differences"}]}``.
    """
    if not variants or variants[0].env:
        raise ValueError("variants must start with the baseline (a variant with no env)")
    from tqdm.auto import tqdm

    results = {}
    with tempfile.TemporaryDirectory(prefix="ffh-drift-") as tmp:
        for i, variant in enumerate(tqdm(variants, desc="variants", disable=not progress)):
            out = Path(tmp) / f"v{i}" / "unit.npz"
            out.parent.mkdir(parents=True)
            _run_child(variant, out, quick)
            with np.load(out, allow_pickle=False) as f:
                results[variant.name] = {k: f[k] for k in f.files}
    base = results[variants[0].name]
    return {"quick": bool(quick), "cpu": _cpu(),
            "variants": [{"name": v.name, "changes": v.changes, "env": dict(v.env),
                          "differences": compare_stages(base, results[v.name])}
                         for v in variants[1:]]}


def read_record(path: str | Path | None = None) -> dict:
    """The shipped record of :func:`run_variants` (or the one at ``path``)."""
    if path is None:
        with resources.files("ffhlib.data").joinpath(_RECORD).open() as f:
            return json.load(f)
    return json.loads(Path(path).read_text())


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if not np.isfinite(value):
        return "diverged"
    return f"{value:.1e}"


def drift_table(record: Mapping) -> tuple[list[str], list[list[str]]]:
    """The record as a table: a row per stage (pipeline order), a column per variant; the
    header and the rows."""
    variants = record["variants"]
    short = {v.name: v.short or v.name for v in VARIANTS}
    header = ["stage"] + [short.get(v["name"], v["name"]) for v in variants]
    rows = [[label] + [_fmt(v["differences"][key]) for v in variants]
            for key, label, _ in STAGES]
    return header, rows


def _main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ffhlib.drift_sources")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="measure every variant and write the record")
    run.add_argument("--out", default=str(Path(__file__).parent / "data" / _RECORD))
    run.add_argument("--quick", action="store_true")
    sub.add_parser("env", help="print the environment of 'another machine' as shell exports")
    child = sub.add_parser("child", help="(internal) compute the unit in this process")
    child.add_argument("out")
    child.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "env":
        import shlex

        print(" ".join(f"{k}={shlex.quote(v)}" for k, v in other_machine_env().items()))
        return 0
    if args.command == "child":
        _compute_unit(Path(args.out), args.quick)
        return 0
    record = run_variants(quick=args.quick)
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    header, rows = drift_table(record)
    for row in [header, *rows]:
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
