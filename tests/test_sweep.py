"""Sweeps: the same table on every executor, every cell computed once, honest about failures."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import fullforce, study
from ffhlib.cache import read_cache_log
from ffhlib.inference import bootstrap_mean_interval
from ffhlib.parallel import DaskExecutor, SerialExecutor
from ffhlib.summaries import BOOT_SEED, N_BOOT
from ffhlib.sweep import (
    FULL_FRACTIONS,
    NEURON_SWEEP_KINDS,
    SweepGrid,
    crossing_fraction,
    curve,
    failed_tasks,
    fraction_for_level,
    neuron_sweep_design,
    new_trainings,
    normalized_scores,
    run_sweep,
    sweep_tasks,
)

TINY = tiny_study(seeds=(0,))
GRID = SweepGrid(neuron_fractions=(0.05, 0.3), seeds=(0, 1))


def _values(table: pd.DataFrame) -> pd.DataFrame:
    drop = ["seconds", "worker", "cached", "train_seconds", "task_worker", "task_seconds"]
    return table.drop(columns=drop).reset_index(drop=True)


def test_grid_expands_to_distinct_tasks_with_ff_once_per_unit():
    tasks = sweep_tasks(TINY, GRID)
    kinds = pd.Series([t[3] for t in tasks]).value_counts()
    # 2 fractions x 2 seeds of FFH and hints; FF, floor and ceiling once per seed
    assert kinds["ffh"] == 4 and kinds["hints"] == 4
    assert kinds["ff"] == 2 and kinds["floor"] == 2 and kinds["ceiling"] == 2
    with_gains = sweep_tasks(TINY, SweepGrid(neuron_fractions=(0.05, 0.3), hint_gains=(0.1, 1.0)))
    counts = pd.Series([t[3] for t in with_gains]).value_counts()
    assert counts["ffh"] == 4 and counts["ff"] == 1 and counts["hints"] == 2


def test_ff_is_trained_once_per_muscle_fraction_ground_truth_and_seed():
    base = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, g=1.45))  # fresh
    before = dict(fullforce.TRAINING_RUNS)
    grid = SweepGrid(neuron_fractions=(0.025, 0.1), muscle_fractions=(0.4, 0.6),
                     hint_gains=(0.3, 0.6))
    result = run_sweep(base, grid, progress=False, kinds=("ff", "ffh"))
    assert fullforce.TRAINING_RUNS["ff"] - before.get("ff", 0) == 2  # one per muscle fraction
    assert fullforce.TRAINING_RUNS["ffh"] - before.get("ffh", 0) == 8
    ff = result.table[result.table["network"] == "ff"]
    assert len(ff) == 2 and (ff["neuron_fraction"] == 0).all()
    # counted from the grid alone, it is what was trained
    assert new_trainings(base, [grid], reference=()) == 10


def test_new_trainings_are_the_networks_beyond_the_base_cell():
    assert TINY.observation.neuron_fraction == 0.3 and TINY.seeds == (0,)
    # GRID: FFH at 2 fractions x 2 seeds and FF once per seed; the base cell holds FFH at 30 %
    # and FF, for seed 0
    assert new_trainings(TINY, [GRID]) == 6 - 2
    assert new_trainings(TINY, [GRID, GRID]) == 4  # shared cells count once
    assert new_trainings(TINY, [SweepGrid()]) == 0
    other_gain = SweepGrid(hint_gains=(TINY.force.hint_gain, 1.0))
    assert new_trainings(TINY, [other_gain]) == 1  # FFH at gain 1; FF does not use the gain


def test_an_extended_grid_reuses_every_shared_cell_and_an_interrupted_one_resumes():
    base = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, g=1.35))  # fresh
    small = run_sweep(base, SweepGrid(neuron_fractions=(0.1,)), progress=False)
    assert small.cache_hits == 0
    # "interrupted": only the small grid ran; the full one recomputes only the rest
    large = run_sweep(base, SweepGrid(neuron_fractions=(0.05, 0.1, 0.2)), progress=False)
    assert large.cache_hits == small.n_tasks
    assert large.n_tasks == small.n_tasks + 2 * 2  # FFH and hints at two new fractions
    again = run_sweep(base, SweepGrid(neuron_fractions=(0.05, 0.1, 0.2)), progress=False)
    assert again.cache_hits == again.n_tasks
    pd.testing.assert_frame_equal(_values(large.table), _values(again.table))


def test_several_grids_run_as_one_batch_in_grid_order_with_shared_cells_once():
    base = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, g=1.42))  # fresh
    first = SweepGrid(neuron_fractions=(0.05, 0.3))
    second = SweepGrid(neuron_fractions=(0.05,), hint_gains=(TINY.force.hint_gain, 1.0))
    both = run_sweep(base, [first, second], progress=False, kinds=("ff", "ffh", "hints"))
    expected = sweep_tasks(base, first, ("ff", "ffh", "hints"))
    expected += [t for t in sweep_tasks(base, second, ("ff", "ffh", "hints"))
                 if t[3] == "ffh" and t[0].force.hint_gain == 1.0]  # the only new cell
    assert both.n_tasks == len(expected) and both.cache_hits == 0
    # rows in grid order, although the trainings ran first
    assert list(both.table["network"]) == [t[3] for t in expected]
    ffh = both.table[both.table["network"] == "ffh"]
    assert list(zip(ffh["neuron_fraction"], ffh["hint_gain"], strict=True)) == [
        (c.observation.neuron_fraction, c.force.hint_gain) for c, _, _, k in expected
        if k == "ffh"]
    # each grid alone afterwards: every row read from the cache, the same values
    for grid in (first, second):
        alone = run_sweep(base, grid, progress=False, kinds=("ff", "ffh", "hints"))
        assert alone.cache_hits == alone.n_tasks
    # the first grid's rows lead the batch's table, each with its own task's values
    alone = run_sweep(base, first, progress=False, kinds=("ff", "ffh", "hints"))
    pd.testing.assert_frame_equal(_values(alone.table),
                                  _values(both.table.iloc[:alone.n_tasks]))
    assert both.table["cca_e"].nunique() == both.n_tasks  # distinct rows, none repeated


def test_a_failing_task_is_reported_with_its_cell_and_the_others_finish(monkeypatch):
    real = study._score

    def flaky(params, ground_truth_seed, seed, kind):
        if kind == "ffh" and params.observation.neuron_fraction == 0.05:
            raise fullforce.DivergenceError("RLS diverged")
        return real(params, ground_truth_seed, seed, kind)

    monkeypatch.setattr(study, "_score", flaky)
    base = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, g=1.25))
    result = run_sweep(base, SweepGrid(neuron_fractions=(0.05, 0.3)), progress=False)
    failed = result.table[result.table["error"] != ""]
    assert result.n_failed == 1 and len(failed) == 1
    assert failed["neuron_fraction"].item() == 0.05 and failed["network"].item() == "ffh"
    assert "DivergenceError: RLS diverged" in failed["error"].item()
    ok = result.table[result.table["error"] == ""]
    assert ok["cca_e"].notna().all() and len(ok) == result.n_tasks - 1


@pytest.mark.parametrize(("grid", "message"), [
    (dict(neuron_fractions=()), "must not be empty"),
    (dict(neuron_fractions=(0.1, 0.7)), r"neuron_fractions must lie in \(0, 0.6\]"),
    (dict(muscle_fractions=(0.01,)), "selects no unit"),
    (dict(ground_truth_seeds=(0, 101)), "reserved for calibration"),
    (dict(neuron_fraction=(0.1,)), "unknown sweep factor"),
    (dict(activations=("tanh", "relu")), r"activations must be distinct names from \('tanh'"),
    (dict(activations=("tanh", "tanh")), "activations must be distinct names"),
    (dict(activations=()), "activations must be a non-empty sequence"),
    (dict(rate_l2s=(0.0, -0.1)), r"rate_l2s\[1\] must be a real number in \[0.0"),
    (dict(rate_l2s=(0.1, 0.1)), "rate_l2s must not repeat"),
    (dict(rate_l2s=(float("nan"),)), r"rate_l2s\[0\] must be a real number"),
    (dict(rate_l2s=(float("inf"),)), r"rate_l2s\[0\] must be a real number"),
])
def test_bad_grids_are_refused_before_any_work(grid, message, monkeypatch):
    def never(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("work started")

    monkeypatch.setattr(study, "_score", never)
    monkeypatch.setattr(study, "ground_truth", never)
    with pytest.raises((ValueError, TypeError), match=message):
        run_sweep(TINY, SweepGrid.from_mapping(grid), progress=False)


def test_bptt_factors_expand_activation_first_and_keep_what_they_do_not_vary():
    from ffhlib.bptt import BPTTParams

    base = BPTTParams(n_units=50, steps=10, rate_l2=0.02)
    grid = SweepGrid(activations=("softplus", "tanh"), rate_l2s=(0.1, 0.0))
    assert grid.rate_l2s == (0.0, 0.1)
    cells = grid.bptt_cells(base)
    assert [(c.activation, c.rate_l2) for c in cells] == [
        ("softplus", 0.0), ("softplus", 0.1), ("tanh", 0.0), ("tanh", 0.1)]
    assert all(dataclasses.replace(c, activation="tanh", rate_l2=0.02) == base for c in cells)
    assert SweepGrid(activations="rtanh").bptt_cells(base) == [
        dataclasses.replace(base, activation="rtanh")]
    assert SweepGrid().bptt_cells(base) == [base]


def test_crossing_fraction_interpolates_in_log_fraction():
    f = np.array([0.01, 0.1, 1.0])
    assert crossing_fraction(f, [0.5, 0.8, 1.0], 0.9) == pytest.approx(10 ** -0.5)
    assert crossing_fraction(f, [0.95, 0.99, 1.0], 0.9) == 0.01
    assert np.isnan(crossing_fraction(f, [0.1, 0.2, 0.3], 0.9))
    # a dip after the first crossing does not matter: the first crossing counts
    assert crossing_fraction(f, [0.0, 0.9, 0.5], 0.9) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="increasing"):
        crossing_fraction([0.1, 0.01], [0, 1], 0.9)


def test_normalized_scores_and_the_bootstrap_over_ground_truths():
    rows = []
    for g in range(4):
        rows += [{"ground_truth": g, "network": "floor", "neuron_fraction": np.nan,
                  "cca_e": 0.2, "error": ""},
                 {"ground_truth": g, "network": "oracle", "neuron_fraction": np.nan,
                  "cca_e": 1.0, "error": ""},
                 {"ground_truth": g, "network": "ceiling", "neuron_fraction": np.nan,
                  "cca_e": 0.6, "error": ""}]
        for f, score in ((0.01, 0.2 + 0.8 * 0.5), (0.1, 0.2 + 0.8 * (0.9 + 0.02 * g)),
                         (0.5, 1.1)):
            rows.append({"ground_truth": g, "network": "ffh", "neuron_fraction": f,
                         "cca_e": score, "error": ""})
    table = pd.DataFrame(rows)
    normalized = normalized_scores(table)  # floor -> oracle by default
    np.testing.assert_allclose(normalized[0.01], 0.5)
    np.testing.assert_allclose(normalized[0.5], 1.125)  # above the oracle: kept, never clipped
    np.testing.assert_allclose(normalized_scores(table, reference="ceiling")[0.01], 0.4 / 0.4)
    ceiling = normalized_scores(table, kind="ceiling")  # a fraction-free kind: one column
    assert ceiling.shape == (4, 1) and np.allclose(ceiling.to_numpy(), 0.5)
    estimate, (lo, hi), not_reached = fraction_for_level(normalized, 0.9, n_boot=200)
    assert 0.01 < lo <= estimate <= hi <= 0.1 and not_reached == 0
    # no interval from fewer than 3 ground truths (the estimate stays)
    two, (lo2, hi2), _ = fraction_for_level(normalized.iloc[:2], 0.9, n_boot=200)
    assert two > 0.01 and np.isnan(lo2) and np.isnan(hi2)
    with pytest.raises(ValueError, match="oracle"):
        normalized_scores(table[table["network"] != "oracle"])
    with pytest.raises(ValueError, match="kind 'hints'"):
        normalized_scores(table, kind="hints")


def test_curve_gives_percentile_bootstrap_intervals_and_none_from_two_ground_truths():
    rows = [{"ground_truth": g, "network": "ffh", "neuron_fraction": f, "cca_e": v,
             "error": ""}
            for g, values in enumerate(([0.1, 0.5], [0.2, 0.7], [0.9, 0.6], [0.3, 0.9]))
            for f, v in zip((0.05, 0.3), values, strict=True)]
    table = pd.DataFrame(rows)
    c = curve(table, "cca_e", "ffh")
    assert list(c.x) == [0.05, 0.3] and list(c.n) == [4, 4] and c.has_interval.all()
    np.testing.assert_allclose(c.mean, [0.375, 0.675])
    for k in range(2):
        boot = bootstrap_mean_interval(c.per_ground_truth[:, k], n_boot=N_BOOT, rng=BOOT_SEED)
        assert (c.low[k], c.high[k]) == pytest.approx(boot.interval)
    two = curve(table[table["ground_truth"] < 2], "cca_e", "ffh")
    assert not two.has_interval.any() and list(two.n) == [2, 2]


def _design(**overrides):
    kw = dict(neuron_fractions=(0.01, 0.05, 0.1, 0.3, 0.6, 0.8), hint_gains=(0.1, 0.2, 0.5, 1.0),
              second_fractions=(0.3, 0.05), second_ground_truth_seeds=(0, 1))
    return neuron_sweep_design(TINY, **{**kw, **overrides})


def test_neuron_sweep_design_keeps_what_the_evaluation_set_leaves():
    design = _design()
    assert TINY.observation.max_neuron_fraction == pytest.approx(0.6)
    assert design.fractions == (0.01, 0.05, 0.1, 0.3, 0.6)  # 0.8 dropped, order kept
    assert design.main == SweepGrid(neuron_fractions=design.fractions)
    assert design.second.hint_gains == (0.1, 0.2, 0.5, 1.0)
    assert design.second.ground_truth_seeds == (0, 1) and design.second.seeds == TINY.seeds[:1]
    assert design.second_fractions == (0.3, 0.05)  # as given (the sentences quote them so)
    assert design.grids == [design.main, design.second] and design.kinds == NEURON_SWEEP_KINDS
    assert design.full.muscle_fractions == (0.2, 0.4, 0.8) and design.full.seeds == (0, 1)
    assert 0.025 in design.full.neuron_fractions and 0.45 in design.full.neuron_fractions
    assert set(design.full.hint_gains) == {0.1, 0.2, 0.3, 0.5, 1.0}


def test_neuron_sweep_design_quick_and_full():
    full = _design(full=True)
    assert full.fractions == FULL_FRACTIONS  # the main curve gets every fraction of the grid
    assert full.full.neuron_fractions == FULL_FRACTIONS and "oracle" in full.kinds
    quick = _design(quick=True, full=True, seed=3)
    assert set(quick.fractions) == set(FULL_FRACTIONS)
    assert TINY.force.hint_gain == 0.2 and quick.gains == (0.2, 0.5)  # from the study's gain up
    assert quick.second.ground_truth_seeds == TINY.ground_truth_seeds[:1]
    assert quick.grids == [quick.main, quick.second, quick.full] and quick.full.seeds == (3, 4)
    # without 5 % and 30 % in the grid, quick mode keeps the largest fraction
    assert _design(neuron_fractions=(0.01, 0.2), quick=True).fractions == (0.2,)


def test_neuron_sweep_design_refuses_a_grid_without_a_usable_fraction():
    with pytest.raises(ValueError, match=r"neuron_fractions must hold a value in \(0, 0.6\]"):
        _design(neuron_fractions=(0.7, 0.9))


def test_failed_tasks_lists_the_failed_rows_with_their_cell():
    table = pd.DataFrame({"ground_truth": [0, 1], "seed": [0, 0], "network": ["ffh", "ff"],
                          "neuron_fraction": [0.05, 0.0], "hint_gain": [0.2, np.nan],
                          "error": ["DivergenceError: RLS diverged", ""], "cca_e": [np.nan, 0.3]})
    failed = failed_tasks(table)
    assert list(failed.columns) == ["ground_truth", "seed", "network", "neuron_fraction",
                                    "hint_gain", "error"]
    assert len(failed) == 1 and failed["ground_truth"].item() == 0
    assert failed_tasks(table[table["error"] == ""]).empty


# --- dask ---------------------------------------------------------------------------------------


def test_dask_local_cluster_gives_the_serial_table_from_two_workers(tmp_path, monkeypatch):
    base = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, g=1.3))
    grid = SweepGrid(neuron_fractions=(0.05, 0.1, 0.3), seeds=(0, 1, 2))
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "serial"))
    serial = run_sweep(base, grid, executor=SerialExecutor(), progress=False)
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "dask"))
    with DaskExecutor(n_workers=2, dashboard=False) as executor:
        assert executor.client.scheduler.address.startswith("tcp://127.0.0.1")
        distributed = run_sweep(base, grid, executor=executor, progress=False)
    assert distributed.cache_hits == 0
    assert distributed.n_workers_used >= 2
    pd.testing.assert_frame_equal(_values(serial.table), _values(distributed.table))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_same_sweep_runs_on_a_cluster_started_by_hand(tmp_path, monkeypatch):
    """`dask scheduler` and `dask worker` on 127.0.0.1, as the README tells; stopped after."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen(
        [sys.executable, "-m", "dask", "worker", address, "--nworkers", "2", "--nthreads", "1",
         "--no-dashboard", "--host", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        base = dataclasses.replace(TINY, force=dataclasses.replace(TINY.force, g=1.3))
        grid = SweepGrid(neuron_fractions=(0.05, 0.3), seeds=(0, 1))
        monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "serial"))
        monkeypatch.setenv("FFHLIB_CACHE_LOG", str(tmp_path / "serial.tsv"))
        serial = run_sweep(base, grid, progress=False)
        monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "cluster"))
        # the workers started before this: the cache log travels with the tasks
        monkeypatch.setenv("FFHLIB_CACHE_LOG", str(tmp_path / "cluster.tsv"))
        deadline = time.monotonic() + 60
        while True:
            try:
                executor = DaskExecutor(scheduler_address=address)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        with executor:
            executor.client.wait_for_workers(2, timeout=60)
            remote = run_sweep(base, grid, executor=executor, progress=False)
        assert remote.cache_hits == 0 and remote.n_workers_used >= 2
        pd.testing.assert_frame_equal(_values(serial.table), _values(remote.table))
        computed = {name: sorted(e.entry for e in read_cache_log(tmp_path / f"{name}.tsv")
                                 if e.event == "computed")
                    for name in ("serial", "cluster")}
        assert computed["serial"] and computed["cluster"] == computed["serial"]
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
