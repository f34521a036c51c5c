"""Paired FF / FFH experiments over seeds, on one fixed ground truth.

One *seed* of the study (METHODS.md §6) draws a new observed subset of the SOC and new RNN weights,
trains FF (no hints) and FFH (hints = the observed SOC neurons) on the training directions of the
**same** ground truth, and measures how similar each network's internal dynamics are to the whole
SOC's. :func:`run_seed` is a pure function of ``(params, seed)`` returning a row of plain numbers
and small arrays; :func:`run_seeds` maps it over seeds, serially or on a local process pool (joblib
/ loky), with each row cached on disk so an interrupted run resumes where it stopped.

The trained networks themselves are cached by :mod:`ffhlib.fullforce` (keyed by ground truth,
observation, parameters and seed); :func:`train_pair` is the one entry point to them, so chapter 06
evaluates exactly the networks chapter 05 compared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np

from . import fullforce
from ._params import param
from ._validate import check_int, check_seed
from .cache import cached
from .groundtruth import GroundTruth, GroundTruthParams, make_ground_truth
from .observe import Observation, ObservationParams, n_observed, observe
from .parallel import map_jobs
from .seeds import rng_for
from .similarity import compare

__all__ = [
    "NETWORKS",
    "ExperimentParams",
    "TrainedPair",
    "ceiling_split",
    "ground_truth",
    "run_seed",
    "run_seeds",
    "stack_rows",
    "train_pair",
]

#: The networks compared with the whole SOC, in the order of the row's fields.
NETWORKS = ("ff", "ffh", "random", "soc_resample")


@dataclasses.dataclass(frozen=True)
class ExperimentParams:
    """Everything one paired FF/FFH seed depends on.

    The ground truth is fixed by ``ground_truth`` and ``ground_truth_seed``; each study seed then
    varies only the observed subset and the RNN weights (METHODS.md §6).
    """

    ground_truth: GroundTruthParams = param(
        GroundTruthParams(), doc="the ground-truth circuit (EMG, SOC, gains)", provenance="choice")
    ground_truth_seed: int = param(
        0, doc="seed of the ground truth, shared by every study seed", provenance="choice")
    observation: ObservationParams = param(
        ObservationParams(), doc="observed fractions of neurons and muscles", provenance="abstract")
    force: fullforce.ForceParams = param(
        fullforce.ForceParams(), doc="full-FORCE training of FF and FFH", provenance="choice")
    pca_dim: int = param(
        6, doc="latent dimension d of the headline CCA / Procrustes numbers", provenance="choice")
    pca_dims: tuple[int, ...] = param(
        (2, 3, 4, 6, 8, 10, 12), doc="latent dimensions of the sweep over d", provenance="choice")
    n_seeds: int = param(10, doc="independent paired seeds (METHODS.md §6: >= 10)",
                         provenance="choice")
    resample_fraction: float = param(
        0.5, doc="fraction of SOC neurons in each of the two disjoint samples of the ceiling "
                 "baseline", provenance="choice")

    def __post_init__(self):
        for name, cls in (("ground_truth", GroundTruthParams), ("observation", ObservationParams),
                          ("force", fullforce.ForceParams)):
            if not isinstance(getattr(self, name), cls):
                raise TypeError(f"{name} must be {cls.__name__}, got "
                                f"{type(getattr(self, name)).__name__}")
        check_seed("ground_truth_seed", self.ground_truth_seed)
        check_int("pca_dim", self.pca_dim, minimum=1)
        check_int("n_seeds", self.n_seeds, minimum=1)
        if not isinstance(self.pca_dims, tuple) or not self.pca_dims:
            raise TypeError(
                f"pca_dims must be a non-empty tuple of integers, got {self.pca_dims!r}")
        for d in self.pca_dims:
            check_int("pca_dims entry", d, minimum=1)
        if sorted(set(self.pca_dims)) != list(self.pca_dims):
            raise ValueError(f"pca_dims must be strictly increasing, got {self.pca_dims}")
        if self.pca_dim not in self.pca_dims:
            raise ValueError(f"pca_dim={self.pca_dim} must be one of pca_dims={self.pca_dims}")
        if not 0 < self.resample_fraction <= 0.5:
            raise ValueError(f"resample_fraction must be in (0, 0.5] (two disjoint samples), got "
                             f"{self.resample_fraction!r}")

    def seed_key(self) -> ExperimentParams:
        """These parameters as the cache key of one seed's results: ``n_seeds`` is dropped (set
        to 1), since a seed's row does not depend on how many seeds are run."""
        return dataclasses.replace(self, n_seeds=1)

    @classmethod
    def quick(cls) -> ExperimentParams:
        """Small ground truth and networks, few passes, 2 seeds: the chapter in quick mode."""
        return cls(ground_truth=GroundTruthParams.quick(), force=fullforce.ForceParams.quick(),
                   pca_dims=(2, 3, 4, 6), n_seeds=2)

    @property
    def dim_index(self) -> int:
        """Position of ``pca_dim`` in ``pca_dims``."""
        return self.pca_dims.index(self.pca_dim)


@dataclasses.dataclass(frozen=True)
class TrainedPair:
    """FF and FFH trained on the same ground truth, observed subset and seed.

    Attributes
    ----------
    ground_truth : GroundTruth
        All directions (training and intermediate).
    observation : Observation
        The seed's observed neurons and muscles.
    ff, ffh : fullforce.TrainedRNN
        Without and with hints.
    seed : int
    """

    ground_truth: GroundTruth
    observation: Observation
    ff: fullforce.TrainedRNN
    ffh: fullforce.TrainedRNN
    seed: int


def ground_truth(params: ExperimentParams, *, progress: bool = False) -> GroundTruth:
    """The study's (cached) ground truth."""
    return make_ground_truth(params.ground_truth, params.ground_truth_seed, progress=progress)


def train_pair(params: ExperimentParams, seed: int, *, progress: bool = False) -> TrainedPair:
    """Observe the ground truth with ``seed`` and train FF and FFH on its training directions.

    Both networks come from :func:`ffhlib.fullforce.fit_pair` through the on-disk cache, so they
    are trained once per (ground truth, observation, force parameters, seed) and shared by every
    chapter (chapter 04 trains the same networks for its seed, chapter 06 evaluates them).
    """
    seed = check_seed("seed", seed)
    gt = ground_truth(params, progress=progress)
    obs = observe(gt.n_neurons, gt.n_muscles, params.observation, seed)
    ff, ffh = fullforce.fit_pair(gt, obs, params.force, seed, progress=progress, use_cache=True)
    return TrainedPair(ground_truth=gt, observation=obs, ff=ff, ffh=ffh, seed=seed)


def ceiling_split(n_neurons: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint random samples of the SOC's neurons for the "SOC resample" ceiling.

    Each sample holds ``round(fraction * n_neurons)`` neurons; they share none. Comparing the
    SOC's activity seen through one sample with that seen through the other measures how similar
    two *different* sets of neurons from the *same* circuit look: what a network whose dynamics
    were exactly the SOC's, recorded through units other than the SOC's, could reach. Drawn from
    ``rng_for(seed, "baseline")``.

    Returns
    -------
    (ndarray, ndarray)
        Sorted neuron indices of the two samples.
    """
    k = n_observed(n_neurons, fraction)
    if k < 1 or 2 * k > n_neurons:
        raise ValueError(f"cannot draw two disjoint samples of {k} neurons out of {n_neurons}")
    perm = rng_for(seed, "baseline").permutation(n_neurons)
    return np.sort(perm[:k]), np.sort(perm[k:2 * k])


def _scores_row(pairs: dict[str, tuple[np.ndarray, np.ndarray]], dims: Sequence[int]) -> dict:
    """CCA spectrum, mean CC and Procrustes distance of each named pair of activities, per d."""
    row = {}
    for name, (rates_a, rates_b) in pairs.items():
        rho = np.full((len(dims), max(dims)), np.nan)
        mean_cc = np.empty(len(dims))
        dist = np.empty(len(dims))
        for i, d in enumerate(dims):
            s = compare(rates_a, rates_b, d)
            rho[i, :d] = s.canonical_correlations
            mean_cc[i], dist[i] = s.mean_correlation, s.procrustes
        row[f"cc_{name}"] = rho
        row[f"mean_cc_{name}"] = mean_cc
        row[f"procrustes_{name}"] = dist
    return row


def _compute_row(params: ExperimentParams, seed: int) -> dict[str, np.ndarray]:
    pair = train_pair(params, seed)
    gt = pair.ground_truth
    train = gt.training
    angles, time_ms = train.angles, train.time_ms
    act_ff = fullforce.simulate(pair.ff, angles, time_ms=time_ms)
    act_ffh = fullforce.simulate(pair.ffh, angles, time_ms=time_ms)
    random_net = fullforce.untrained(params.force, n_inputs_like=pair.ff, seed=seed)
    act_random = fullforce.simulate(random_net, angles, time_ms=time_ms)
    half_a, half_b = ceiling_split(gt.rates.shape[-1], params.resample_fraction, seed)
    soc = train.rates  # all SOC neurons, training directions, movement epoch
    pairs = {
        "ff": (soc, act_ff.rates),
        "ffh": (soc, act_ffh.rates),
        "random": (soc, act_random.rates),
        "soc_resample": (soc[..., half_a], soc[..., half_b]),
    }
    row = _scores_row(pairs, params.pca_dims)
    for name in ("ff", "ffh"):
        net = getattr(pair, name)
        row[f"fit_r2_{name}"] = np.float64(net.r2)
        row[f"seconds_{name}"] = np.float64(net.seconds)
    row["seed"] = np.int64(seed)
    row["dims"] = np.asarray(params.pca_dims, dtype=np.int64)
    return row


def run_seed(params: ExperimentParams, seed: int, *,
             use_cache: bool = True) -> dict[str, np.ndarray]:
    """One paired seed of the similarity study (cached).

    Parameters
    ----------
    params : ExperimentParams
    seed : int
        Draws the observed subset, the RNN weights (FF and FFH share them: a paired design), the
        untrained baseline network and the ceiling's neuron samples.
    use_cache : bool
        Read/write the row in the on-disk cache.

    Returns
    -------
    dict of str to ndarray
        With ``k = len(params.pca_dims)`` and ``net`` in :data:`NETWORKS`:

        - ``cc_<net>`` (k, max(pca_dims)): canonical correlations with the whole SOC for each d,
          NaN-padded beyond d;
        - ``mean_cc_<net>`` (k,): their mean;
        - ``procrustes_<net>`` (k,): angular Procrustes distance (rad);
        - ``fit_r2_ff``, ``fit_r2_ffh``: R² of the output on the observed muscles, training
          directions; ``seconds_ff``, ``seconds_ffh``: training time (s);
        - ``seed``, ``dims``.

        ``soc_resample`` compares two disjoint samples of SOC neurons with each other
        (:func:`ceiling_split`); the others compare a network's units with all SOC neurons.
    """
    seed = check_seed("seed", seed)
    if not isinstance(params, ExperimentParams):
        raise TypeError(f"params must be ExperimentParams, got {type(params).__name__}")
    return cached("similarity_seed", {"params": params.seed_key(), "seed": seed},
                  lambda: _compute_row(params, seed), enabled=use_cache)


def _seed_row(params: ExperimentParams, seed: int, use_cache: bool):
    return run_seed(params, seed, use_cache=use_cache)


def run_seeds(params: ExperimentParams, seeds: Iterable[int] | None = None, *, n_jobs: int = 2,
              use_cache: bool = True, progress: bool = True) -> list[dict[str, np.ndarray]]:
    """:func:`run_seed` over ``seeds`` (default ``range(params.n_seeds)``), in seed order.

    Parameters
    ----------
    params : ExperimentParams
    seeds : iterable of int, optional
    n_jobs : int
        Worker processes (joblib's loky backend); 1 runs serially in this process. The rows do not
        depend on ``n_jobs``: each seed is a pure function of ``(params, seed)``.
    use_cache : bool
        Cached rows are returned at once, so an interrupted run resumes where it stopped.
    progress : bool
        Show a tqdm progress bar over seeds.

    Returns
    -------
    list of dict
        One row per seed (see :func:`run_seed`); :func:`stack_rows` turns them into arrays.
    """
    seeds = [check_seed("seed", s) for s in (range(params.n_seeds) if seeds is None else seeds)]
    n_jobs = check_int("n_jobs", n_jobs, minimum=1)
    # The shared ground truth is computed (and cached) once here, not by every worker at once.
    ground_truth(params, progress=progress)
    return map_jobs(_seed_row, [(params, s, use_cache) for s in seeds], n_jobs=n_jobs,
                    progress=progress, desc="seeds")


def stack_rows(rows: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Stack per-seed rows into arrays with a leading seed axis (``dims``, if any, kept once)."""
    if not rows:
        raise ValueError("rows must not be empty")
    out = {k: np.stack([np.asarray(r[k]) for r in rows]) for k in rows[0] if k != "dims"}
    if "dims" in rows[0]:
        out["dims"] = np.asarray(rows[0]["dims"])
    return out
