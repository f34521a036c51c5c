"""Time one Adam step of BPTT training (JAX + optax) against a plain-NumPy forward run.

The problem is the book's default: :class:`ffhlib.bptt.BPTTParams`' network size and trial (its
preparation and a 500 ms movement at ``dt``), 8 directions, 4 outputs (the observed muscles), one
thread (XLA's flags and BLAS). ``bptt_step_ms`` is the wall time of one jit-compiled step
(forward pass, backpropagation through time, clipping and the Adam update, with the per-step
divergence check), averaged over many steps after compilation; the reference is the same trials
run forward once in plain NumPy (:func:`ffhlib.bptt._run`), best of several repeats, and
``bptt_step_per_forward`` their ratio. ``bptt_network_seconds`` is the step time times the default
number of steps (compilation not included). Prints one JSON line. ``--quick``: a small network,
few steps (a smoke test of the script).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from ffhlib import _bptt_jax  # noqa: E402  (does not import JAX)

_bptt_jax.configure_threads()

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from ffhlib import bptt  # noqa: E402

N_OUT = 4
N_DIRECTIONS = 8
MOVEMENT_MS = 500.0


def _problem(params: bptt.BPTTParams, seed: int = 0) -> tuple[dict, dict]:
    """Initial weights and loss data of the benchmark's trials (smooth random targets)."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0.0, 2 * np.pi, N_DIRECTIONS, endpoint=False)
    time_ms = np.arange(0.0, MOVEMENT_MS + 1e-9, 5.0)
    phase = rng.uniform(0, 2 * np.pi, N_OUT)
    targets = 0.5 + 0.4 * np.sin(angles[:, None, None] + phase
                                 + 2 * np.pi * time_ms[None, :, None] / MOVEMENT_MS)
    data = bptt.training_data(targets, angles, time_ms, params)
    theta = bptt.initial_weights(params, N_OUT, 0, (seed,))
    return theta, {k: data[k] for k in ("u", "y", "h")}


def _fit(theta, data, params, steps):
    return _bptt_jax.fit(theta, data, bptt.loss_settings(params, False), steps=steps,
                         learning_rate=params.learning_rate, clip_norm=params.clip_norm,
                         dtype=params.dtype, x_limit=1e4)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small network, few steps")
    args = parser.parse_args(argv)
    defaults = bptt.BPTTParams()
    params = dataclasses.replace(defaults, n_units=40) if args.quick else defaults
    n_steps, repeats = (10, 1) if args.quick else (200, 5)
    theta, data = _problem(params)
    _fit(theta, data, params, 2)  # compile (the compiled step is kept by the process)
    start = time.perf_counter()
    _fit(theta, data, params, n_steps)
    step_ms = 1e3 * (time.perf_counter() - start) / n_steps
    settings = bptt.loss_settings(params, False)
    forward = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        bptt._run(theta, params.activation, settings.dt_tau, data["u"].transpose(1, 0, 2))
        forward = min(forward, time.perf_counter() - start)
    out = {"bptt_units": params.n_units, "bptt_trial_steps": int(data["u"].shape[0]),
           "bptt_conditions": N_DIRECTIONS, "bptt_step_ms": round(step_ms, 3),
           "bptt_numpy_forward_ms": round(1e3 * forward, 3),
           "bptt_step_per_forward": round(step_ms / (1e3 * forward), 2),
           "bptt_network_seconds": round(step_ms * params.steps / 1e3, 1)}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
