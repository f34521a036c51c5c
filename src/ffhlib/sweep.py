"""Sweeps: the study over a grid of factors, as tasks on any executor (dask.distributed included).

A :class:`SweepGrid` names values for any of the factors (observed neuron fraction, muscle fraction,
hint gain, training noise, ground truths, network seeds); the others stay at the base study's
values. :func:`sweep_tasks` expands it into the study's row tasks (:func:`ffhlib.study.score`):
FFH and the hints baseline in every cell, FF once per (muscle fraction, training noise, ground
truth, seed) whatever the neuron fraction and hint gain, the floor and ceiling once per unit. Every
task's row is cached, so an interrupted sweep resumes, and a larger grid reuses every cell it
shares with a smaller one (and with chapter 05's networks). :func:`run_sweep` returns the tidy
table with, per row, the worker that computed it and its compute seconds, and marks failed tasks
(with their grid cell and error) without stopping the others.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence

import numpy as np

from ._params import param
from .activations import ACTIVATIONS
from .inference import MIN_UNITS, bootstrap_curve_interval
from .metrics import check_number_tuple
from .parallel import run_tasks
from .stats import bootstrap_interval
from .study import (
    NETWORKS,
    StudyParams,
    check_reported,
    ground_truth_task,
    kind_key,
    outcomes_to_frame,
    score_task,
)
from .summaries import BOOT_SEED, N_BOOT

__all__ = [
    "FACTORS",
    "Curve",
    "FULL_FRACTIONS",
    "NEURON_SWEEP_KINDS",
    "NeuronSweepDesign",
    "SweepGrid",
    "SweepResult",
    "batch_tasks",
    "beyond_study",
    "crossing_fraction",
    "curve",
    "curve_of",
    "failed_tasks",
    "fraction_for_level",
    "neuron_sweep_design",
    "new_trainings",
    "normalized_scores",
    "run_sweep",
    "sweep_tasks",
]

#: The factors a grid may vary, and where each lives in :class:`~ffhlib.study.StudyParams`.
FACTORS = {"neuron_fractions": ("observation", "neuron_fraction"),
           "muscle_fractions": ("observation", "muscle_fraction"),
           "hint_gains": ("force", "hint_gain"),
           "training_noises": ("force", "training_noise")}


@dataclasses.dataclass(frozen=True)
class SweepGrid:
    """Values of the factors to sweep; ``None`` keeps the base study's value (or units).

    The grid is the Cartesian product of the factors given. Fractions are of all SOC neurons and
    must leave the evaluation set untouched (at most ``1 - evaluation_fraction``).
    """

    neuron_fractions: tuple | None = param(None, doc="observed neuron fractions",
                                           provenance="choice")
    muscle_fractions: tuple | None = param(None, doc="observed muscle fractions",
                                           provenance="choice")
    hint_gains: tuple | None = param(None, doc="hint gains", provenance="choice")
    training_noises: tuple | None = param(None, doc="training-noise values",
                                          provenance="choice")
    ground_truth_seeds: tuple | None = param(None, doc="ground truths", provenance="choice")
    seeds: tuple | None = param(None, doc="network seeds per ground truth", provenance="choice")
    activations: tuple | None = param(None, doc="activations of the BPTT rows (tanh, rtanh, "
                                      "softplus)", provenance="choice")
    rate_l2s: tuple | None = param(None, doc="rate-penalty strengths of the BPTT rows (>= 0)",
                                   provenance="choice")

    def __post_init__(self):
        if self.activations is not None:
            names = (self.activations,) if isinstance(self.activations, str) else self.activations
            if not isinstance(names, (tuple, list)) or not names:
                raise ValueError(f"activations must be a non-empty sequence of {ACTIVATIONS}, "
                                 f"got {self.activations!r}")
            unknown = [a for a in names if a not in ACTIVATIONS]
            if unknown or len(set(names)) != len(names):
                raise ValueError(f"activations must be distinct names from {ACTIVATIONS}; got "
                                 f"{tuple(names)}")
            object.__setattr__(self, "activations", tuple(names))
        if self.rate_l2s is not None:
            object.__setattr__(self, "rate_l2s", tuple(sorted(check_number_tuple(
                "rate_l2s", self.rate_l2s, minimum=0.0))))
        bounds = {"neuron_fractions": (0.0, 1.0), "muscle_fractions": (0.0, 1.0),
                  "hint_gains": (0.0, None), "training_noises": (0.0, None)}
        for name, (low, high) in bounds.items():
            values = getattr(self, name)
            if values is not None:
                checked = check_number_tuple(name, values, minimum=low, maximum=high)
                if name.endswith("fractions") and min(checked) <= 0:
                    raise ValueError(f"{name} must lie in (0, 1], got {checked}")
                object.__setattr__(self, name, tuple(sorted(checked)))
        for name in ("ground_truth_seeds", "seeds"):
            values = getattr(self, name)
            if values is not None:
                object.__setattr__(self, name, check_number_tuple(name, values, minimum=0,
                                                                  kind=int))

    @classmethod
    def from_mapping(cls, factors: Mapping[str, Sequence]) -> SweepGrid:
        """A grid from ``{factor: values}``; an unknown factor is an error naming the known ones."""
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(factors) - set(known))
        if unknown:
            raise ValueError(f"unknown sweep factor(s) {unknown}; the factors are {known}")
        return cls(**factors)

    def bptt_cells(self, base) -> list:
        """Every (activation, rate-penalty strength) cell of the BPTT rows: ``base`` (e.g. a
        :class:`~ffhlib.bptt.BPTTParams`) with its ``activation`` and ``rate_l2`` replaced,
        activation first; a factor not given keeps ``base``'s value."""
        acts = self.activations or (base.activation,)
        strengths = self.rate_l2s if self.rate_l2s is not None else (base.rate_l2,)
        return [dataclasses.replace(base, activation=a, rate_l2=float(r))
                for a in acts for r in strengths]

    def cells(self, base: StudyParams) -> list[StudyParams]:
        """Every cell of the grid as study parameters (units set by the grid or the base)."""
        units = {"ground_truth_seeds": self.ground_truth_seeds or base.ground_truth_seeds,
                 "seeds": self.seeds or base.seeds}
        axes = [(name, values) for name, values in ((n, getattr(self, n)) for n in FACTORS)
                if values is not None]
        out = [dataclasses.replace(base, **units)]
        for name, values in axes:
            section, field = FACTORS[name]
            out = [dataclasses.replace(cell, **{section: dataclasses.replace(
                getattr(cell, section), **{field: float(v)})}) for cell in out for v in values]
        return out


def _check_grid(base: StudyParams, grid: SweepGrid) -> None:
    """Refuse, before any work, a grid that cannot run: fractions beyond what E leaves, a cell
    observing no muscle or neuron, calibration ground truths."""
    limit = base.observation.max_neuron_fraction
    if grid.neuron_fractions is not None and max(grid.neuron_fractions) > limit + 1e-12:
        raise ValueError(f"neuron_fractions must lie in (0, {limit:g}] (the evaluation set takes "
                         f"{base.observation.evaluation_fraction:g} of the neurons); got "
                         f"{grid.neuron_fractions}")
    n_neurons = base.ground_truth.soc.n_neurons
    n_muscles = base.ground_truth.emg.n_muscles
    for name, n in (("neuron_fractions", n_neurons), ("muscle_fractions", n_muscles)):
        values = getattr(grid, name)
        if values is not None and math.floor(min(values) * n + 0.5) < 1:
            raise ValueError(f"{name} {min(values)} selects no unit out of {n}; use at least "
                             f"{0.5 / n:.3g}")
    check_reported(grid.ground_truth_seeds or base.ground_truth_seeds, calibration=False)


def sweep_tasks(base: StudyParams, grid: SweepGrid,
                kinds: Sequence[str] = ("ff", "ffh", "hints", "floor", "ceiling")
                ) -> list[tuple[StudyParams, int, int, str]]:
    """The distinct row tasks of a grid: ``(params, ground_truth_seed, seed, kind)``.

    Two tasks whose rows are the same (e.g. FF at two neuron fractions) appear once: tasks are
    deduplicated by the parameters their kind depends on.
    """
    _check_grid(base, grid)
    tasks, seen = [], set()
    for cell in grid.cells(base):
        for g, s in cell.units:
            for kind in kinds:
                key = (repr(kind_key(cell, kind)), g, s, kind)
                if key not in seen:
                    seen.add(key)
                    tasks.append((cell, g, s, kind))
    return tasks


def _expected_cost(task: tuple[StudyParams, int, int, str]) -> tuple[bool, float]:
    """A sort key of how long a task takes: trainings before baselines, and among trainings
    those with more hints (a larger recorded fraction) first."""
    params, _, _, kind = task
    if kind not in NETWORKS:
        return (False, 0.0)
    return (True, params.observation.neuron_fraction if kind == "ffh" else 0.0)


def _training_keys(base: StudyParams, grids: Sequence[SweepGrid]) -> set[tuple]:
    return {(repr(kind_key(cell, kind)), g, s, kind)
            for grid in grids for cell, g, s, kind in sweep_tasks(base, grid, NETWORKS)}


def new_trainings(base: StudyParams, grids: Sequence[SweepGrid],
                  reference: Sequence[SweepGrid] = (SweepGrid(),)) -> int:
    """How many distinct networks ``grids`` train that ``reference`` does not (by default: the
    networks of the base cell, i.e. the study's own networks at these units).

    It depends only on the grids, not on what the cache holds.
    """
    return len(_training_keys(base, grids) - _training_keys(base, reference))


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """A sweep's table and what it cost.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per task (the study's columns, plus ``cached``, ``error``, ``worker``,
        ``task_seconds``: where and how long the task ran now).
    n_tasks : int
    wall_seconds : float
        Wall time of the sweep.
    task_seconds_total : float
        Compute seconds of the tasks from an empty cache, summed: scoring and training, of their
        original runs for cached rows.
    cache_hits : int
        Tasks whose row was read from the cache.
    n_workers_used : int
        Distinct workers that ran a task.
    n_failed : int
    """

    table: object
    n_tasks: int
    wall_seconds: float
    task_seconds_total: float
    cache_hits: int
    n_workers_used: int
    n_failed: int


def _task_key(task: tuple[StudyParams, int, int, str]) -> tuple:
    return (repr(kind_key(task[0], task[3])), *task[1:])


def batch_tasks(base: StudyParams, grid: SweepGrid | Sequence[SweepGrid],
                kinds: Sequence[str] = ("ff", "ffh", "hints", "floor", "ceiling")
                ) -> list[tuple[StudyParams, int, int, str]]:
    """The distinct tasks of one or several grids run as one batch, in the order of
    :func:`run_sweep`'s table (a task the grids share appears once, where it first occurs)."""
    grids = (grid,) if isinstance(grid, SweepGrid) else tuple(grid)
    if not grids or not all(isinstance(g, SweepGrid) for g in grids):
        raise TypeError(f"grid must be a SweepGrid or a non-empty sequence of them, got {grid!r}")
    tasks, seen = [], set()
    for one in grids:
        for task in sweep_tasks(base, one, kinds):
            key = _task_key(task)
            if key not in seen:
                seen.add(key)
                tasks.append(task)
    return tasks


def beyond_study(base: StudyParams, tasks: Sequence[tuple[StudyParams, int, int, str]],
                 kinds: Sequence[str]) -> np.ndarray:
    """Which of ``tasks`` the base study itself does not run (its own cell, every kind of
    ``kinds``, at its units): what a sweep adds to the study's cached rows and networks.

    Returns
    -------
    ndarray of bool, shape (len(tasks),)
    """
    own = {_task_key(t) for t in sweep_tasks(base, SweepGrid(), kinds)}
    return np.array([_task_key(t) not in own for t in tasks], dtype=bool)


def run_sweep(base: StudyParams, grid: SweepGrid | Sequence[SweepGrid], *, executor=None,
              progress: bool = True,
              kinds: Sequence[str] = ("ff", "ffh", "hints", "floor", "ceiling")) -> SweepResult:
    """Run every task of ``grid`` on ``executor`` (default: serially in this process).

    ``grid`` may be several grids: their tasks run as one batch, a task they share once. The
    ground truths are built first (each once); then every row task, the trainings first (those
    with the most hints, the slowest, at the head) so that the quick baseline rows fill the
    workers' last gaps. The table keeps the grid's order whatever the order of execution. A
    failing task (e.g. a diverging training) is reported with its grid cell and marked in the
    table; the others finish.
    """
    if not isinstance(base, StudyParams):
        raise TypeError(f"base must be StudyParams, got {type(base).__name__}")
    tasks = batch_tasks(base, grid, kinds)
    start = time.perf_counter()
    gts = sorted({t[1] for t in tasks})
    gt_outcomes = run_tasks(ground_truth_task, [(base, g) for g in gts], executor,
                            progress=progress, desc="ground truths")
    failed = [o for o in gt_outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"ground truth {gts[failed[0].index]} failed: {failed[0].error}")
    order = sorted(range(len(tasks)), key=lambda i: _expected_cost(tasks[i]), reverse=True)
    ran = run_tasks(score_task, [tasks[i] for i in order], executor, progress=progress,
                    desc="sweep tasks")
    outcomes = [None] * len(tasks)
    for position, i in enumerate(order):
        outcomes[i] = dataclasses.replace(ran[position], index=i)
    wall = time.perf_counter() - start
    table = outcomes_to_frame(tasks, outcomes, base.similarity.pca_dims)
    table["task_worker"] = [o.worker for o in outcomes]
    table["task_seconds"] = [o.seconds for o in outcomes]
    return SweepResult(table=table, n_tasks=len(tasks), wall_seconds=wall,
                       task_seconds_total=float(table["seconds"].fillna(0).sum()
                                                + table["train_seconds"].fillna(0).sum()),
                       cache_hits=int(table["cached"].sum()),
                       n_workers_used=len({o.worker for o in outcomes}),
                       n_failed=int((table["error"] != "").sum()))


def failed_tasks(table):
    """The failed rows of a sweep's table: unit, kind, cell and error (empty if none failed)."""
    return table[table["error"] != ""][["ground_truth", "seed", "network", "neuron_fraction",
                                        "hint_gain", "error"]]


# ----------------------------------------------------------------------------- how many neurons


#: The kinds of row the neuron-fraction sweep computes in every cell it needs them.
NEURON_SWEEP_KINDS = ("ff", "ffh", "hints", "floor", "ceiling", "oracle", "interpolation")
#: The fractions the complete grid (``full``) adds to the main curve's.
FULL_FRACTIONS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6)


@dataclasses.dataclass(frozen=True)
class NeuronSweepDesign:
    """The grids of the how-many-neurons question.

    Attributes
    ----------
    fractions : tuple of float
        The main curve's recorded fractions: those given that the evaluation set leaves and,
        with ``run_full``, every fraction of the complete grid.
    gains : tuple of float
        The hint gains compared.
    second_fractions : tuple of float
        The fractions at which they are compared (as given).
    main : SweepGrid
        The main curve: every fraction at the study's units, gain and muscle fraction.
    second : SweepGrid
        The hint-gain comparison: a few fractions x the gains, on fewer units.
    full : SweepGrid
        The complete grid: more fractions x more gains x muscle fractions x two seeds.
    run_full : bool
        Whether the complete grid runs (else it is only counted).
    kinds : tuple of str
        Kinds of row computed.
    """

    fractions: tuple
    gains: tuple
    second_fractions: tuple
    main: SweepGrid
    second: SweepGrid
    full: SweepGrid
    run_full: bool
    kinds: tuple = NEURON_SWEEP_KINDS

    @property
    def grids(self) -> list[SweepGrid]:
        """The grids that run, in order (one batch for :func:`run_sweep`)."""
        return [self.main, self.second] + ([self.full] if self.run_full else [])


def neuron_sweep_design(base: StudyParams, *, neuron_fractions: Sequence[float],
                        hint_gains: Sequence[float], second_fractions: Sequence[float],
                        second_ground_truth_seeds: Sequence[int], quick: bool = False,
                        full: bool = False, seed: int = 0) -> NeuronSweepDesign:
    """The grids of chapter 07 from its parameters.

    Parameters
    ----------
    base : StudyParams
        The study (units, muscle fraction, hint gain).
    neuron_fractions : sequence of float
        The main curve's fractions; those above what the evaluation set leaves are dropped.
    hint_gains : sequence of float
        The gains of the hint-gain comparison.
    second_fractions : sequence of float
        Where the gains are compared.
    second_ground_truth_seeds : sequence of int
        The comparison's ground truths (quick mode: the study's first).
    quick : bool
        A small grid: only the fractions 5 % and 30 % (else the largest), and at most two gains
        from the study's upward.
    full : bool
        Also run the complete grid; the main curve then has every fraction of it
        (:data:`FULL_FRACTIONS` that the evaluation set leaves).
    seed : int
        First network seed of the complete grid (it runs two).
    """
    fractions = tuple(f for f in neuron_fractions
                      if f <= base.observation.max_neuron_fraction + 1e-12)
    if not fractions:
        raise ValueError(f"neuron_fractions must hold a value in (0, "
                         f"{base.observation.max_neuron_fraction:g}], got {neuron_fractions!r}")
    gains = tuple(hint_gains)
    if quick:
        fractions = tuple(f for f in fractions if f in (0.05, 0.3)) or fractions[-1:]
        gains = tuple(g for g in gains if g >= base.force.hint_gain)[:2]
    second = SweepGrid(neuron_fractions=second_fractions, hint_gains=gains,
                       ground_truth_seeds=(base.ground_truth_seeds[:1] if quick
                                           else second_ground_truth_seeds),
                       seeds=base.seeds[:1])
    limit = base.observation.max_neuron_fraction + 1e-12
    if full:
        fractions = tuple(sorted(set(fractions) | {f for f in FULL_FRACTIONS if f <= limit}))
    full_grid = SweepGrid(neuron_fractions=tuple(sorted(set(fractions) | {
                              f for f in FULL_FRACTIONS if f <= limit})),
                          hint_gains=tuple(sorted(set(gains) | {0.1, 0.3, 0.5})),
                          muscle_fractions=(0.2, 0.4, 0.8), seeds=(seed, seed + 1))
    return NeuronSweepDesign(fractions=fractions, gains=gains,
                             second_fractions=tuple(second_fractions),
                             main=SweepGrid(neuron_fractions=fractions), second=second,
                             full=full_grid, run_full=bool(full))



def normalized_scores(table, measure: str = "cca_e", kind: str = "ffh", *,
                      reference: str = "oracle"):
    """Per ground truth and neuron fraction: ``(score - floor) / (reference - floor)``.

    Means over network seeds first; the floor and the reference are each ground truth's own.
    The reference is the oracle (every SOC neuron outside the scored half of E) by default: a
    reference, not a bound, so values above 1 are kept as they are (never clipped).

    Parameters
    ----------
    table : pandas.DataFrame
        Sweep rows (failed rows are left out).
    measure : str
    kind : str
        The kind normalised: its rows' ``neuron_fraction`` are the columns (a kind without one,
        e.g. the ceiling, gives a single NaN-labelled column).
    reference : str
        The kind that is 1 on the scale ("oracle", or "ceiling": two samples of E).

    Returns
    -------
    pandas.DataFrame
        Index: ground truth; columns: neuron fractions (sorted).
    """
    ok = table[table["error"] == ""] if "error" in table else table
    rows = ok[ok["network"] == kind]
    if rows.empty:
        raise ValueError(f"no rows of kind {kind!r} to normalise")
    per = rows.groupby(["ground_truth", "neuron_fraction"], dropna=False)[measure].mean().unstack()
    floor = ok[ok["network"] == "floor"].groupby("ground_truth")[measure].mean()
    top = ok[ok["network"] == reference].groupby("ground_truth")[measure].mean()
    if floor.empty or top.empty:
        raise ValueError(f"normalising needs the rows of the floor and of {reference!r}")
    span = (top - floor).reindex(per.index)
    return per.sub(floor.reindex(per.index), axis=0).div(span, axis=0).sort_index(axis=1)


def crossing_fraction(fractions, scores, level: float = 0.9) -> float:
    """The smallest fraction at which ``scores`` reach ``level``, interpolated in log fraction.

    Parameters
    ----------
    fractions : array (K,)
        Increasing, positive.
    scores : array (K,)
    level : float

    Returns
    -------
    float
        The first crossing from below: linear interpolation of ``scores`` against
        ``log(fractions)`` between the last point below ``level`` and the first at or above it;
        the first fraction if it already reaches it; NaN if no fraction does.
    """
    f = np.asarray(fractions, dtype=float)
    s = np.asarray(scores, dtype=float)
    if f.shape != s.shape or f.ndim != 1 or np.any(f <= 0) or np.any(np.diff(f) <= 0):
        raise ValueError("fractions must be increasing positive values, one per score")
    above = np.flatnonzero(s >= level)
    if above.size == 0:
        return math.nan
    k = int(above[0])
    if k == 0:
        return float(f[0])
    x0, x1 = np.log(f[k - 1]), np.log(f[k])
    w = (level - s[k - 1]) / (s[k] - s[k - 1])
    return float(np.exp(x0 + w * (x1 - x0)))


def fraction_for_level(normalized, level: float = 0.9, *, n_boot: int = 2000, rng=0):
    """The smallest neuron fraction at which FFH's mean normalised score reaches ``level``, and
    a percentile bootstrap interval over ground truths (resampled with replacement).

    Parameters
    ----------
    normalized : pandas.DataFrame
        :func:`normalized_scores` (ground truths x fractions).

    Returns
    -------
    (estimate, (low, high), n_not_reached)
        ``n_not_reached`` counts bootstrap resamples whose mean curve never reaches the level
        (they are left out of the interval, and reported). The interval is NaN with fewer than
        3 ground truths (:data:`ffhlib.inference.MIN_UNITS`).
    """
    fractions = normalized.columns.to_numpy(dtype=float)
    values = normalized.to_numpy()
    groups = np.arange(values.shape[0])

    def statistic(rows):
        return crossing_fraction(fractions, np.nanmean(rows, axis=0), level)

    estimate, interval, reps = bootstrap_interval(statistic, groups, values, n_boot=n_boot,
                                                  rng=rng)
    if groups.size < MIN_UNITS:  # no interval from fewer than 3 ground truths
        interval = (math.nan, math.nan)
    return estimate, interval, int(n_boot - reps.size)


@dataclasses.dataclass(frozen=True)
class Curve:
    """A measure against a factor, summarised over ground truths.

    Attributes
    ----------
    x : ndarray (K,)
        The factor's values.
    mean, low, high : ndarray (K,)
        Mean over ground truths (of the per-ground-truth means over seeds) and its percentile
        bootstrap 95 % interval over ground truths (:data:`ffhlib.summaries.N_BOOT` resamples,
        never clipped; NaN at a point with fewer than 3 ground truths: show the dots).
    per_ground_truth : ndarray (G, K)
    ground_truths : ndarray (G,)
    n : ndarray of int (K,)
        Ground truths at each point.
    """

    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    per_ground_truth: np.ndarray
    ground_truths: np.ndarray
    n: np.ndarray

    @property
    def has_interval(self) -> np.ndarray:
        """Whether each point has an interval (at least 3 ground truths)."""
        return np.isfinite(self.low) & np.isfinite(self.high)


def curve_of(per, confidence: float = 0.95) -> Curve:
    """The :class:`Curve` of a (ground truths x factor values) DataFrame.

    Parameters
    ----------
    per : pandas.DataFrame
        Index: ground truth; columns: the factor's values (e.g. :func:`normalized_scores`).
    confidence : float
    """
    per = per.sort_index(axis=1)
    boot = bootstrap_curve_interval(per.to_numpy(dtype=float), n_boot=N_BOOT,
                                    confidence=confidence, rng=BOOT_SEED)
    return Curve(x=per.columns.to_numpy(dtype=float), mean=boot.mean, low=boot.low,
                 high=boot.high, per_ground_truth=per.to_numpy(dtype=float),
                 ground_truths=per.index.to_numpy(), n=boot.n)


def curve(table, measure: str, kind: str, by: str = "neuron_fraction",
          confidence: float = 0.95) -> Curve:
    """``measure`` of ``kind`` against the factor ``by`` (rows filtered by the caller), with
    percentile bootstrap intervals over ground truths (:func:`curve_of`)."""
    ok = table[table["error"] == ""] if "error" in table else table
    rows = ok[ok["network"] == kind]
    if rows.empty:
        raise ValueError(f"no rows of kind {kind!r}")
    return curve_of(rows.groupby(["ground_truth", by])[measure].mean().unstack(), confidence)
