"""Executors: run independent tasks serially, on local worker processes, or on dask.distributed.

Every task of the study is a pure function of its arguments whose result is cached on disk, so the
executor only decides *where* tasks run, never what they return: the tables from every executor
are identical (tested). Three executors share one interface (:class:`Executor`):

- :class:`SerialExecutor`: in this process, one task after the other;
- :class:`ProcessExecutor`: a pool of local worker processes (joblib's loky backend);
- :class:`DaskExecutor`: a dask.distributed cluster, by default a :class:`~distributed.LocalCluster`
  of one single-threaded worker process per core on 127.0.0.1, or any running cluster given by its
  scheduler address (``dask scheduler`` / ``dask worker``; see the README).

A task that raises does not stop the others: :func:`run_tasks` returns every task's
:class:`TaskOutcome`, with the error's type and message where it failed. In every worker the BLAS
and numba thread pools are pinned to one thread (two single-threaded workers on two cores, rather
than two workers each starting two threads).
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ._host import worker_name
from ._validate import check_int

__all__ = [
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "TaskOutcome",
    "make_executor",
    "map_jobs",
    "run_tasks",
]

#: Environment of single-threaded workers (XLA's flags: JAX's CPU backend, imported lazily by the
#: BPTT rivals in the workers only, runs on one thread; the value of ``ffhlib._bptt_jax``).
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "NUMBA_NUM_THREADS": "1",
                     "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false "
                                  "intra_op_parallelism_threads=1"}


@dataclass(frozen=True)
class TaskOutcome:
    """What became of one task.

    Attributes
    ----------
    index : int
        Position of the task in the submitted list.
    value : Any
        The function's return value (None if it failed).
    error : str
        ``""`` on success, else ``"ExceptionType: message"``.
    worker : str
        Where it ran (``host:pid``).
    seconds : float
        Wall time of the call in the worker.
    """

    index: int
    value: Any
    error: str
    worker: str
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.error


#: Environment variables of the parent that travel with every task: the cache directory and the
#: cache log (``make book`` logs each chapter's cache use, its workers' included).
FORWARDED_ENV = ("FFHLIB_CACHE_DIR", "FFHLIB_CACHE_LOG")


def _forwarded_env(local: bool = True) -> dict[str, str | None]:
    """The parent's :data:`FORWARDED_ENV`. For local workers an unset variable travels as
    ``None`` (unset it there too); workers of a cluster keep their own setting of a variable the
    parent does not set (e.g. a cache directory on a disk the workers share)."""
    env = {name: os.environ.get(name) for name in FORWARDED_ENV}
    return env if local else {k: v for k, v in env.items() if v is not None}


def _guarded_call(function: Callable, args: tuple, index: int,
                  env: Mapping[str, str | None]) -> TaskOutcome:
    """Run ``function(*args)`` in a worker with one thread per pool; capture any error."""
    from threadpoolctl import threadpool_limits

    # Workers may predate a change of the cache directory or log in the parent (tests use
    # private ones), or run on another machine: the parent's settings travel with the task.
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    # JAX reads XLA_FLAGS when it starts (in a worker: inside the first BPTT task, after this).
    os.environ.setdefault("XLA_FLAGS", SINGLE_THREAD_ENV["XLA_FLAGS"])
    start = time.perf_counter()
    try:
        with threadpool_limits(limits=1):
            value = function(*args)
    except Exception as err:  # noqa: BLE001 - a failing task is data, not a crash of the sweep
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return TaskOutcome(index, None, detail, worker_name(), time.perf_counter() - start)
    return TaskOutcome(index, value, "", worker_name(), time.perf_counter() - start)


class Executor(Protocol):
    """Runs guarded calls and yields their outcomes as they complete."""

    n_workers: int

    def submit_all(self, function: Callable, jobs: Sequence[tuple]) -> Iterator[TaskOutcome]:
        """Yield one :class:`TaskOutcome` per job, in completion order."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class _ClosingExecutor:
    """What every executor shares: ``with`` closes it; nothing to release by default."""

    dashboard_link = None

    def close(self) -> None:
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SerialExecutor(_ClosingExecutor):
    """Tasks run one after the other in this process."""

    n_workers = 1

    def submit_all(self, function, jobs):
        env = _forwarded_env()
        for i, args in enumerate(jobs):
            yield _guarded_call(function, args, i, env)


class ProcessExecutor(_ClosingExecutor):
    """A pool of ``n_workers`` local worker processes (joblib's loky backend)."""

    def __init__(self, n_workers: int):
        self.n_workers = check_int("n_workers", n_workers, minimum=1)

    def submit_all(self, function, jobs):
        from joblib import Parallel, delayed

        env = _forwarded_env()
        n_jobs = min(self.n_workers, max(len(jobs), 1))
        if n_jobs == 1:
            # joblib runs a single job in this process; a process executor never does (its
            # tasks may import what the parent must not, e.g. JAX before other pools start).
            from joblib.executor import get_memmapping_executor

            pool = get_memmapping_executor(1)
            futures = [pool.submit(_guarded_call, function, args, i, env)
                       for i, args in enumerate(jobs)]
            for future in futures:
                yield future.result()
            return
        calls = (delayed(_guarded_call)(function, args, i, env)
                 for i, args in enumerate(jobs))
        parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")
        yield from parallel(calls)


class DaskExecutor(_ClosingExecutor):
    """Tasks on a dask.distributed cluster.

    Parameters
    ----------
    n_workers : int, optional
        Workers of the local cluster (default: the number of cores); ignored with
        ``scheduler_address``.
    scheduler_address : str, optional
        A running scheduler, e.g. ``"tcp://127.0.0.1:8786"``; default ``$DASK_SCHEDULER_ADDRESS``,
        else a new :class:`~distributed.LocalCluster` (one single-threaded worker process per
        core, listening on 127.0.0.1 only, dashboard on a free loopback port), closed by
        :meth:`close`. A dask scheduler has no authentication by default: join a remote cluster
        only on a trusted network or with dask's TLS security settings.
    dashboard : bool
        Serve the dashboard of a local cluster (on 127.0.0.1).
    """

    def __init__(self, n_workers: int | None = None, scheduler_address: str | None = None, *,
                 dashboard: bool = True):
        from distributed import Client, LocalCluster

        address = scheduler_address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
        self._cluster = None
        if address:
            if not isinstance(address, str):
                raise TypeError(f"scheduler_address must be a string such as "
                                f"'tcp://127.0.0.1:8786', got {address!r}")
            self.client = Client(address, timeout="20s")
        else:
            n = ((os.cpu_count() or 1) if n_workers is None
                 else check_int("n_workers", n_workers, minimum=1))
            self._cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0" if dashboard else None, env=SINGLE_THREAD_ENV)
        try:
            if self._cluster is not None:
                self.client = Client(self._cluster)
            self.n_workers = max(len(self.client.scheduler_info(n_workers=-1)["workers"]), 1)
            self.dashboard_link = self.client.dashboard_link if (dashboard or address) else None
        except BaseException:
            if hasattr(self, "client"):
                self.client.close()
            if self._cluster is not None:
                self._cluster.close()
            raise

    def submit_all(self, function, jobs):
        from distributed import as_completed

        env = _forwarded_env(local=self._cluster is not None)
        futures = [self.client.submit(_guarded_call, function, args, i, env, pure=False)
                   for i, args in enumerate(jobs)]
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()


def make_executor(n_workers: int = 1, *, scheduler_address: str | None = None,
                  backend: str = "dask"):
    """The executor a chapter asks for.

    ``n_workers=1`` without a scheduler address runs serially in this process (no dask);
    otherwise ``backend`` "dask" (a LocalCluster, or the cluster at ``scheduler_address``) or
    "processes" (loky).
    """
    n_workers = check_int("n_workers", n_workers, minimum=1)
    if backend not in ("dask", "processes"):
        raise ValueError(f"backend must be 'dask' or 'processes'; got {backend!r}")
    if scheduler_address:
        return DaskExecutor(scheduler_address=scheduler_address)
    if n_workers == 1:
        return SerialExecutor()
    if backend == "processes":
        return ProcessExecutor(n_workers)
    return DaskExecutor(n_workers)


def run_tasks(function: Callable, jobs: Sequence[tuple], executor=None, *, progress: bool = False,
              desc: str = "tasks") -> list[TaskOutcome]:
    """Run ``function(*args)`` for every ``args`` in ``jobs``; outcomes in job order.

    Parameters
    ----------
    function : callable
        A pure, importable function (workers must be able to run it).
    jobs : sequence of tuple
    executor : Executor, optional
        Default: :class:`SerialExecutor`.
    progress : bool
        A tqdm bar over tasks (its label shows the dashboard link of a dask cluster).
    desc : str

    Returns
    -------
    list of TaskOutcome
        In the order of ``jobs``, whatever the executor; failed tasks carry their error.
    """
    from tqdm.auto import tqdm

    jobs = list(jobs)
    executor = SerialExecutor() if executor is None else executor
    outcomes: list[TaskOutcome | None] = [None] * len(jobs)
    link = getattr(executor, "dashboard_link", None)
    label = f"{desc} (dashboard {link})" if link else desc
    with tqdm(total=len(jobs), desc=label, disable=not progress) as bar:
        for outcome in executor.submit_all(function, jobs):
            outcomes[outcome.index] = outcome
            bar.update()
            if outcome.error:
                bar.write(f"task {outcome.index} failed: {outcome.error}")
    return outcomes


def map_jobs(function: Callable, jobs: Sequence[tuple], *, n_jobs: int, progress: bool,
             desc: str) -> list:
    """``[function(*args) for args in jobs]`` on ``n_jobs`` local processes; raises on failure.

    A thin form of :func:`run_tasks` for callers that want the values themselves and stop at the
    first error (re-raised as ``RuntimeError`` naming the task).
    """
    n_jobs = check_int("n_jobs", n_jobs, minimum=1)
    executor = SerialExecutor() if n_jobs == 1 or len(jobs) <= 1 else ProcessExecutor(n_jobs)
    outcomes = run_tasks(function, jobs, executor, progress=progress, desc=desc)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(outcomes)} {desc} failed; first "
                           f"(task {failed[0].index}): {failed[0].error}")
    return [o.value for o in outcomes]
