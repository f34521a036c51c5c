"""The shared job runner: order and results do not depend on the number of workers."""

from __future__ import annotations

import math

import pytest

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
