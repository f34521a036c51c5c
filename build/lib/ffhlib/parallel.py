"""One way to run independent jobs (seeds, folds) serially or on local worker processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ._validate import check_int

__all__ = ["map_jobs"]


def map_jobs(function: Callable, jobs: Sequence[tuple], *, n_jobs: int, progress: bool,
             desc: str) -> list:
    """``[function(*args) for args in jobs]``, serially or on ``n_jobs`` loky worker processes.

    Parameters
    ----------
    function : callable
        A pure function of its arguments (importable, so that workers can run it).
    jobs : sequence of tuple
        The arguments of each call.
    n_jobs : int
        Worker processes (joblib's loky backend); 1 runs in this process.
    progress : bool
        Show a tqdm bar over jobs.
    desc : str
        The bar's label.

    Returns
    -------
    list
        The results in the order of ``jobs``, whatever ``n_jobs`` (so results are identical to
        the serial run's).
    """
    from tqdm.auto import tqdm

    n_jobs = check_int("n_jobs", n_jobs, minimum=1)
    jobs = list(jobs)
    results = []
    with tqdm(total=len(jobs), desc=desc, disable=not progress) as bar:
        if n_jobs == 1 or len(jobs) <= 1:
            for args in jobs:
                results.append(function(*args))
                bar.update()
        else:
            from joblib import Parallel, delayed

            cache_dir = os.environ.get("FFHLIB_CACHE_DIR")
            calls = (delayed(_call_in_worker)(function, args, cache_dir) for args in jobs)
            for result in Parallel(n_jobs=min(n_jobs, len(jobs)), backend="loky",
                                   return_as="generator")(calls):
                results.append(result)
                bar.update()
    return results


def _call_in_worker(function: Callable, args: tuple, cache_dir: str | None):
    # loky reuses worker processes across calls, and they may predate a change of the cache
    # directory in the parent (tests use a private one): pass it explicitly.
    if cache_dir is not None:
        os.environ["FFHLIB_CACHE_DIR"] = cache_dir
    return function(*args)
