"""Time the ground-truth stages: SOC optimisation (fast vs the SciPy reference recipe) and gains.

- ``soc_seconds``: :func:`ffhlib.soc.optimize_soc` at the defaults (one real Schur decomposition per
  step, LAPACK trsyl, tuned eta), seed 0, from a random matrix to abscissa < target.
- ``soc_reference_seconds``: the reference recipe of Hennequin et al. (2014) as written
  (``SOCParams.reference()``: ``np.linalg.eigvals`` + ``scipy.linalg.solve_continuous_lyapunov``
  twice per step, eta = 10), same seed, same target, same process.
- ``gain_seconds``: learning the gains for the 2 x 8 directions at the defaults
  (:func:`ffhlib.groundtruth.gain_learning_seconds`).

Both SOC runs start from an empty cache (a fresh temporary cache directory), one thread (BLAS
included). Prints one JSON line. ``--quick``: a small network and a loose target (smoke test).
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


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small network, loose target")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-gains", action="store_true", help="skip the gain-learning timing")
    args = parser.parse_args(argv)

    previous = os.environ.get("FFHLIB_CACHE_DIR")
    try:
        with tempfile.TemporaryDirectory(prefix="ffh-bench-") as tmp:
            os.environ["FFHLIB_CACHE_DIR"] = tmp  # cold cache: nothing reused from earlier runs
            result = _run(args)
    finally:
        if previous is None:
            os.environ.pop("FFHLIB_CACHE_DIR", None)
        else:
            os.environ["FFHLIB_CACHE_DIR"] = previous
    print(json.dumps(result))
    return result


def _run(args) -> dict:
    from ffhlib.groundtruth import GroundTruthParams, gain_learning_seconds
    from ffhlib.soc import SOCParams, optimize_soc

    fast = SOCParams.quick() if args.quick else SOCParams()
    if args.quick:
        fast = dataclasses.replace(fast, target_abscissa=0.9)
    reference = SOCParams.reference(n_neurons=fast.n_neurons,
                                    target_abscissa=fast.target_abscissa)

    start = time.perf_counter()
    net = optimize_soc(fast, args.seed)  # computed (cold cache) and stored for the gains
    soc_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ref = optimize_soc(reference, args.seed, use_cache=False)
    ref_seconds = time.perf_counter() - start

    result = {
        "soc_seconds": round(soc_seconds, 3),
        "soc_reference_seconds": round(ref_seconds, 3),
        "soc_speedup": round(ref_seconds / soc_seconds, 2),
        "soc_iterations": net.iterations,
        "soc_reference_iterations": ref.iterations,
        "soc_abscissa": round(net.abscissa, 4),
        "soc_reference_abscissa": round(ref.abscissa, 4),
        "soc_n_neurons": fast.n_neurons,
    }
    if not args.no_gains:
        gt = GroundTruthParams.quick() if args.quick else GroundTruthParams()
        gt = dataclasses.replace(gt, soc=fast)
        result["gain_seconds"] = round(gain_learning_seconds(gt, args.seed), 3)
    return result


if __name__ == "__main__":
    main()
