"""Parallel efficiency of the sweep engine: 8 trainings serially vs on 2 dask workers.

- ``sweep_parallel_efficiency``: 8 CPU-bound quick-mode trainings (8 FFH tasks of a sweep over
  neuron fractions, the ground truth built beforehand), each configuration with a fresh temporary
  cache and one BLAS thread in both paths: serial wall time / (2 x wall time on 2 workers of a
  dask LocalCluster). Near 1: the engine adds little; above 1.05 the runs were not comparable.
- ``sweep_task_overhead_ms``: the engine's cost per task on 64 empty tasks (a function that
  returns at once) on the same cluster: wall time / tasks.

Prints one JSON line. ``--quick``: 2 trainings of a tiny network, 8 empty tasks (a smoke test).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402


def _empty_task(i: int) -> int:
    return i


def _setup(quick: bool):
    from ffhlib.study import StudyParams
    from ffhlib.sweep import SweepGrid

    base = StudyParams.quick()
    if quick:
        base = dataclasses.replace(base, force=dataclasses.replace(base.force, n_units=40,
                                                                   n_passes=2))
    fractions = (0.1, 0.3) if quick else (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.45, 0.6)
    base = dataclasses.replace(base, ground_truth_seeds=(0,), seeds=(0,))
    return base, SweepGrid(neuron_fractions=fractions)


def _timed_sweep(base, grid, executor, warm_dir) -> float:
    from ffhlib.study import ground_truth
    from ffhlib.sweep import run_sweep

    with tempfile.TemporaryDirectory(prefix="ffh-bench-") as tmp:
        os.environ["FFHLIB_CACHE_DIR"] = tmp
        # the ground truth comes from a shared warm copy, so that only the trainings are timed
        for name in os.listdir(warm_dir):
            os.symlink(os.path.join(warm_dir, name), os.path.join(tmp, name))
        ground_truth(base, base.ground_truth_seeds[0])
        start = time.perf_counter()
        run_sweep(base, grid, executor=executor, progress=False, kinds=("ffh",))
        return time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny trainings, few empty tasks")
    args = parser.parse_args(argv)
    from ffhlib.parallel import DaskExecutor, SerialExecutor, run_tasks
    from ffhlib.study import ground_truth

    base, grid = _setup(args.quick)
    previous = os.environ.get("FFHLIB_CACHE_DIR")
    try:
        with tempfile.TemporaryDirectory(prefix="ffh-bench-warm-") as warm:
            os.environ["FFHLIB_CACHE_DIR"] = warm
            ground_truth(base, base.ground_truth_seeds[0])  # build once, shared by both runs
            one = dataclasses.replace(grid, neuron_fractions=grid.neuron_fractions[:2])
            _timed_sweep(base, one, SerialExecutor(), warm)  # load the compiled kernels
            serial = _timed_sweep(base, grid, SerialExecutor(), warm)
            with DaskExecutor(n_workers=2, dashboard=False) as executor:
                _timed_sweep(base, one, executor, warm)  # the same in each worker
                parallel = _timed_sweep(base, grid, executor, warm)
                n_empty = 8 if args.quick else 64
                start = time.perf_counter()
                run_tasks(_empty_task, [(i,) for i in range(n_empty)], executor)
                overhead = (time.perf_counter() - start) / n_empty
    finally:
        if previous is None:
            os.environ.pop("FFHLIB_CACHE_DIR", None)
        else:
            os.environ["FFHLIB_CACHE_DIR"] = previous
    out = {"sweep_trainings": len(grid.neuron_fractions),
           "sweep_serial_seconds": round(serial, 2), "sweep_parallel_seconds": round(parallel, 2),
           "sweep_parallel_efficiency": round(serial / (2 * parallel), 3),
           "sweep_task_overhead_ms": round(1e3 * overhead, 2)}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
