"""Time one full-FORCE training trial: the numba trainer vs the plain-NumPy per-step reference.

Same trials (700 steps: 200 ms preparation + 500 ms movement at dt = 1 ms, 4 outputs), same
process, one thread for both (BLAS included), best of several repeats. Prints one JSON line.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from ffhlib import _force_kernels as K  # noqa: E402
from ffhlib._force_reference import reference_train_trial  # noqa: E402

N_STEPS = 700
N_OUT = 4


def _trial(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return dict(
        J=rng.normal(0, 1.5 / np.sqrt(n), (n, n)), W=np.zeros((N_OUT, n)), P=np.eye(n),
        x0=np.zeros(n), drive=rng.normal(0, 0.5, (N_STEPS, n)),
        noise=rng.standard_normal((N_STEPS, n), dtype=np.float32),
        target_current=rng.normal(0, 1, (N_STEPS, n)),
        target_output=rng.normal(0, 1, (N_STEPS, N_OUT)))


def _best_ms(fn, data: dict, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        d = {k: v.copy() for k, v in data.items()}
        start = time.perf_counter()
        fn(d)
        best = min(best, time.perf_counter() - start)
    return 1e3 * best


def _kernel(d: dict) -> None:
    n = d["J"].shape[0]
    K.train_trial(d["J"], d["W"], d["P"], d["x0"], d["drive"], d["noise"], 0.15,
                  d["target_current"], d["target_output"], 0.1, 2, np.empty((N_STEPS, N_OUT)),
                  np.empty((0, n)), np.zeros(3))


def _reference(d: dict) -> None:
    reference_train_trial(d["J"], d["W"], d["P"], d["x0"], d["drive"], d["noise"], 0.15,
                          d["target_current"], d["target_output"], 0.1, 2)


def main() -> None:
    _kernel(_trial(20))  # compile (or load the cached compilation)
    out = {}
    for n, kernel_repeats, reference_repeats in ((300, 7, 3), (1000, 3, 2)):
        data = _trial(n)
        fast = _best_ms(_kernel, data, kernel_repeats)
        slow = _best_ms(_reference, data, reference_repeats)
        if n == 300:
            out.update(fullforce_trial_ms_300=round(fast, 2),
                       fullforce_reference_trial_ms_300=round(slow, 2),
                       fullforce_speedup=round(slow / fast, 2))
        else:
            out.update(fullforce_trial_ms_1000=round(fast, 2),
                       fullforce_reference_trial_ms_1000=round(slow, 2),
                       fullforce_speedup_1000=round(slow / fast, 2))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
