"""The shared job runner: order and results do not depend on the number of workers."""

from __future__ import annotations

import math

import pytest

from ffhlib import parallel
from ffhlib.parallel import map_jobs


def test_parallel_equals_serial_in_job_order():
    jobs = [(x, y) for x, y in zip(range(6), range(6, 0, -1), strict=True)]
    serial = map_jobs(math.pow, jobs, n_jobs=1, progress=False, desc="t")
    parallel = map_jobs(math.pow, jobs, n_jobs=2, progress=False, desc="t")
    assert serial == parallel == [math.pow(x, y) for x, y in jobs]


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_bad_n_jobs_is_named(bad):
    with pytest.raises((TypeError, ValueError), match="n_jobs"):
        map_jobs(math.pow, [(1, 2)], n_jobs=bad, progress=False, desc="t")


def test_local_workers_follow_the_parent_and_cluster_workers_keep_their_own_settings(monkeypatch):
    monkeypatch.setenv("FFHLIB_CACHE_DIR", "/shared/cache")
    monkeypatch.delenv("FFHLIB_CACHE_LOG", raising=False)
    assert parallel._forwarded_env(local=True) == {"FFHLIB_CACHE_DIR": "/shared/cache",
                                                   "FFHLIB_CACHE_LOG": None}
    assert parallel._forwarded_env(local=False) == {"FFHLIB_CACHE_DIR": "/shared/cache"}
    # in the worker: a value travels, None unsets, an absent name is left alone
    monkeypatch.setenv("FFHLIB_CACHE_LOG", "/stale.tsv")
    import os

    outcome = parallel._guarded_call(os.environ.get, ("FFHLIB_CACHE_LOG",), 0,
                                     {"FFHLIB_CACHE_LOG": None})
    assert outcome.value is None
    outcome = parallel._guarded_call(os.environ.get, ("FFHLIB_CACHE_DIR",), 0, {})
    assert outcome.value == "/shared/cache"


@pytest.mark.parametrize("n_workers, n_jobs", [(1, 3), (2, 1), (2, 3)])
def test_process_executor_never_runs_a_task_in_the_parent(n_workers, n_jobs):
    import os

    outcomes = parallel.run_tasks(os.getpid, [()] * n_jobs, parallel.ProcessExecutor(n_workers))
    assert all(o.ok for o in outcomes)
    assert os.getpid() not in {o.value for o in outcomes}
