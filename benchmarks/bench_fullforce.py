"""Time one full-FORCE training trial: the numba trainer vs the plain-NumPy per-step reference.

The trial is the book's: its length (preparation + movement at ``dt``), the RLS update interval and
the network sizes come from :class:`ffhlib.fullforce.ForceParams` (the default N and N = 1000, the
size of the MATLAB demonstration of full-FORCE), with 4 outputs (the observed muscles). Same
trials, same process, one thread for both (BLAS included), best of several repeats. Prints one
JSON line. ``--quick``: small networks and one repeat (a smoke test of the script).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from ffhlib import _force_kernels as K  # noqa: E402
from ffhlib._force_reference import reference_train_trial  # noqa: E402
from ffhlib.fullforce import ForceParams  # noqa: E402

N_OUT = 4
MOVEMENT_MS = 500.0


def _trial(params: ForceParams, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    n = params.n_units
    steps = params.n_prep_steps + int(round(MOVEMENT_MS / params.dt_ms)) + 1
    return dict(
        J=rng.normal(0, params.g / np.sqrt(n), (n, n)), W=np.zeros((N_OUT, n)),
        P=np.eye(n) / params.alpha, x0=np.zeros(n), drive=rng.normal(0, 0.5, (steps, n)),
        noise=rng.standard_normal((steps, n), dtype=np.float32),
        target_current=rng.normal(0, 1, (steps, n)),
        target_output=rng.normal(0, 1, (steps, N_OUT)))


def _best_ms(fn, data: dict, params: ForceParams, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        d = {k: v.copy() for k, v in data.items()}
        start = time.perf_counter()
        fn(d, params)
        best = min(best, time.perf_counter() - start)
    return 1e3 * best


def _noise_scale(params: ForceParams) -> float:
    return params.training_noise * math.sqrt(params.tau_ms / params.dt_ms)


def _kernel(d: dict, params: ForceParams) -> None:
    n, steps = d["J"].shape[0], d["drive"].shape[0]
    K.train_trial(d["J"], d["W"], d["P"], d["x0"], d["drive"], d["noise"], _noise_scale(params),
                  d["target_current"], d["target_output"], params.dt_ms / params.tau_ms,
                  params.update_every, np.empty((steps, N_OUT)), np.empty((0, n)), np.zeros(3),
                  np.empty((K.TRAIN_WORK_ROWS, n)), np.empty(N_OUT))


def _reference(d: dict, params: ForceParams) -> None:
    reference_train_trial(d["J"], d["W"], d["P"], d["x0"], d["drive"], d["noise"],
                          _noise_scale(params), d["target_current"], d["target_output"],
                          params.dt_ms / params.tau_ms, params.update_every)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small networks, one repeat")
    args = parser.parse_args(argv)
    defaults = ForceParams()
    sizes = ((40, 1, 1), (80, 1, 1)) if args.quick else ((defaults.n_units, 7, 3), (1000, 3, 2))
    _kernel(_trial(dataclasses.replace(defaults, n_units=20)),
            dataclasses.replace(defaults, n_units=20))  # compile or load the compiled kernel
    out = {}
    for (n, kernel_repeats, reference_repeats), suffix in zip(sizes, ("", "_large"), strict=True):
        params = dataclasses.replace(defaults, n_units=n)
        data = _trial(params)
        fast = _best_ms(_kernel, data, params, kernel_repeats)
        slow = _best_ms(_reference, data, params, reference_repeats)
        out.update({f"fullforce_units{suffix}": n, f"fullforce_trial_ms{suffix}": round(fast, 2),
                    f"fullforce_reference_trial_ms{suffix}": round(slow, 2),
                    f"fullforce_speedup{suffix}": round(slow / fast, 2)})
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
