"""The benchmark scripts run (``--quick``) and print the keys the book's notes quote.

They are smoke tests of the scripts, not timings: the numbers are measured by ``make bench``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fullforce_benchmark_takes_its_settings_from_force_params(capsys):
    from ffhlib.fullforce import ForceParams

    bench = _load("bench_fullforce")
    trial = bench._trial(ForceParams(n_units=30))
    defaults = ForceParams()
    assert trial["drive"].shape == (defaults.n_prep_steps + 501, 30)
    result = bench.main(["--quick"])
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result
    for key in ("fullforce_trial_ms", "fullforce_reference_trial_ms", "fullforce_speedup"):
        assert result[key] > 0 and result[key + "_large"] > 0
    assert result["fullforce_units"] == 40


@pytest.mark.slow
def test_sweep_benchmark_reports_efficiency_and_overhead(capsys):
    result = _load("bench_sweep").main(["--quick"])
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result
    assert result["sweep_parallel_efficiency"] > 0 and result["sweep_task_overhead_ms"] > 0
    assert result["sweep_trainings"] == 2


def test_bptt_benchmark_takes_its_settings_from_bptt_params(capsys):
    from ffhlib.bptt import BPTTParams

    bench = _load("bench_bptt")
    defaults = BPTTParams()
    _, data = bench._problem(defaults)
    assert data["u"].shape == (defaults.n_prep_steps + 51, 8, 3)  # 500 ms at dt = 10 ms
    result = bench.main(["--quick"])
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result
    for key in ("bptt_step_ms", "bptt_numpy_forward_ms", "bptt_step_per_forward"):
        assert result[key] > 0
    assert (result["bptt_units"], result["bptt_conditions"]) == (40, 8)
