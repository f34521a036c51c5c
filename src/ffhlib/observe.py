"""Sparse observation: which SOC neurons and muscles are recorded, and which neurons are held out.

Salatiello & Giese (2020) train their RNNs on 30 % of the ground-truth circuit's neurons and 40 % of
its muscles. The design here makes those fractions comparable across a study:

- **Evaluation set E** (per ground truth): a fixed set of neurons (``evaluation_fraction`` of them)
  that no network ever sees, at any observed fraction or seed. Similarity "with the unobserved
  neurons" is always measured against E, so it means the same thing at every fraction; E is split
  once into two halves of equal size (the ceiling compares one with the other).
- **Observed neurons** are drawn from the other neurons (the *pool*), in an order fixed by the
  unit ``(ground_truth_seed, seed)``: the observed set at fraction ``f`` is the first
  ``round(f * N)`` neurons of that order, so subsets are **nested** across fractions (the 5 %
  subset lies inside the 10 % one).
- **Observed muscles** come from their own stream, independent of the neuron fraction (changing the
  neuron fraction never changes which muscles FF sees), and are nested across muscle fractions too.

Fractions are of *all* neurons (30 % of 200 = 60 neurons), so the largest observable neuron
fraction is ``1 - evaluation_fraction``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ._params import param
from ._validate import check_float, check_fraction, check_int, check_seed
from .seeds import SeedKey, check_seed_key, rng_for

__all__ = [
    "EvaluationSet",
    "Observation",
    "ObservationParams",
    "evaluation_set",
    "n_observed",
    "observe",
]


def n_observed(n: int, fraction: float) -> int:
    """``round(fraction * n)`` with halves rounded up (the number of observed units)."""
    return int(math.floor(fraction * n + 0.5))


@dataclasses.dataclass(frozen=True)
class ObservationParams:
    """What is recorded of the ground truth, and what is held out for evaluation.

    ``neuron_fraction`` and ``evaluation_fraction`` are fractions of all SOC neurons and together
    at most 1; a fraction that selects no unit is an error raised by :func:`observe`.
    """

    neuron_fraction: float = param(
        0.3, doc="fraction of all SOC neurons observed (given to FFH as hints); drawn from the "
                 "neurons outside the evaluation set", provenance="study-abstract")
    muscle_fraction: float = param(
        0.4, doc="fraction of the muscles observed (the RNNs' training targets)",
        provenance="study-abstract")
    evaluation_fraction: float = param(
        0.4, doc="fraction of the SOC neurons in the evaluation set E, never observed by any "
                 "network at any fraction; similarity with the unobserved neurons is measured "
                 "against E (split into two equal halves)", provenance="choice")

    def __post_init__(self):
        check_fraction("neuron_fraction", self.neuron_fraction)
        check_fraction("muscle_fraction", self.muscle_fraction)
        check_float("evaluation_fraction", self.evaluation_fraction, minimum=0.0, maximum=1.0,
                    exclusive_minimum=True, exclusive_maximum=True)
        if self.neuron_fraction + self.evaluation_fraction > 1.0 + 1e-12:
            raise ValueError(
                f"neuron_fraction must be in (0, {1 - self.evaluation_fraction:g}] (the neurons "
                f"outside the evaluation set, evaluation_fraction={self.evaluation_fraction:g}); "
                f"got {self.neuron_fraction}")

    @property
    def max_neuron_fraction(self) -> float:
        """The largest neuron fraction the evaluation set leaves: ``1 - evaluation_fraction``."""
        return 1.0 - self.evaluation_fraction

    @classmethod
    def quick(cls) -> ObservationParams:
        """The same fractions: observation costs nothing."""
        return cls()


@dataclasses.dataclass(frozen=True)
class EvaluationSet:
    """The neurons of one ground truth that no network ever observes, and the others.

    Attributes
    ----------
    neurons : ndarray (E,)
        The evaluation set E (sorted SOC indices).
    half_a, half_b : ndarray (E // 2,)
        Two disjoint halves of E of equal size (sorted); an odd E leaves one neuron out of both.
    pool : ndarray (N - E,)
        The neurons observations are drawn from (sorted).
    """

    neurons: np.ndarray
    half_a: np.ndarray
    half_b: np.ndarray
    pool: np.ndarray

    @property
    def halves(self) -> tuple[np.ndarray, np.ndarray]:
        """``(half_a, half_b)``."""
        return self.half_a, self.half_b


def evaluation_set(n_neurons: int, fraction: float, ground_truth_seed: int) -> EvaluationSet:
    """The evaluation set of a ground truth: ``round(fraction * n_neurons)`` neurons.

    Drawn from ``rng_for(ground_truth_seed, "evaluation_set")``: a property of the ground truth,
    the same for every network seed and observed fraction.
    """
    n_neurons = check_int("n_neurons", n_neurons, minimum=2)
    fraction = check_float("evaluation_fraction", fraction, minimum=0.0, maximum=1.0,
                           exclusive_minimum=True, exclusive_maximum=True)
    ground_truth_seed = check_seed("ground_truth_seed", ground_truth_seed)
    k = n_observed(n_neurons, fraction)
    if not 2 <= k <= n_neurons - 1:
        raise ValueError(f"evaluation_fraction={fraction} gives {k} of {n_neurons} neurons; it "
                         f"must leave at least 2 in the set and 1 outside it")
    rng = rng_for(ground_truth_seed, "evaluation_set")
    order = rng.permutation(n_neurons)
    neurons = np.sort(order[:k]).astype(np.int64)
    split = rng.permutation(neurons)
    half = k // 2
    return EvaluationSet(neurons=neurons, half_a=np.sort(split[:half]),
                         half_b=np.sort(split[half:2 * half]),
                         pool=np.sort(order[k:]).astype(np.int64))


@dataclasses.dataclass(frozen=True)
class Observation:
    """What one network seed records of one ground truth (all indices sorted, int64).

    Attributes
    ----------
    neuron_idx : ndarray (K,)
        Observed SOC neurons (columns of ``GroundTruth.rates``); disjoint from the evaluation set.
    muscle_idx : ndarray (M_obs,)
        Observed muscles (last axis of ``GroundTruth.emg``).
    unobserved_muscle_idx : ndarray (M - M_obs,)
    evaluation : EvaluationSet
        The ground truth's held-out neurons.
    """

    neuron_idx: np.ndarray
    muscle_idx: np.ndarray
    unobserved_muscle_idx: np.ndarray
    evaluation: EvaluationSet

    @property
    def n_neurons(self) -> int:
        """Total number of SOC neurons."""
        return int(self.evaluation.neurons.size + self.evaluation.pool.size)

    @property
    def n_muscles(self) -> int:
        """Total number of muscles."""
        return int(self.muscle_idx.size + self.unobserved_muscle_idx.size)

    def neurons(self, rates: np.ndarray) -> np.ndarray:
        """The observed neurons' activity: ``rates[..., neuron_idx]`` (last axis = neurons)."""
        return self._take(rates, self.neuron_idx, self.n_neurons, "rates", "neurons")

    def muscles(self, emg: np.ndarray) -> np.ndarray:
        """The observed muscles' activity: ``emg[..., muscle_idx]`` (last axis = muscles)."""
        return self._take(emg, self.muscle_idx, self.n_muscles, "emg", "muscles")

    def unobserved_muscles(self, emg: np.ndarray) -> np.ndarray:
        """The other muscles' activity: ``emg[..., unobserved_muscle_idx]``."""
        return self._take(emg, self.unobserved_muscle_idx, self.n_muscles, "emg", "muscles")

    @staticmethod
    def _take(values, index, n, name, what):
        values = np.asarray(values)
        if values.shape[-1] != n:
            raise ValueError(f"{name} must have {n} {what} on the last axis, got shape "
                             f"{values.shape}")
        return values[..., index]


def observe(n_neurons: int, n_muscles: int, params: ObservationParams, ground_truth_seed: int,
            seed: int) -> Observation:
    """Draw the observed neurons and muscles of the unit ``(ground_truth_seed, seed)``.

    Parameters
    ----------
    n_neurons, n_muscles : int
        Sizes of the ground truth.
    params : ObservationParams
    ground_truth_seed : int
        Fixes the evaluation set (:func:`evaluation_set`).
    seed : int
        The network seed: the order in which pool neurons are observed comes from
        ``rng_for((ground_truth_seed, seed), "observed_neurons")``, the muscles' order from
        ``"observed_muscles"``. Prefixes of these orders are observed, so subsets are nested
        across fractions.

    Returns
    -------
    Observation

    Raises
    ------
    ValueError
        If a fraction selects no unit (e.g. 0.01 of 10 muscles) or more neurons than the pool has.
    """
    n_neurons = check_int("n_neurons", n_neurons, minimum=2)
    n_muscles = check_int("n_muscles", n_muscles, minimum=1)
    if not isinstance(params, ObservationParams):
        raise TypeError(f"params must be ObservationParams, got {type(params).__name__}")
    unit: SeedKey = check_seed_key("seed", (ground_truth_seed, seed))
    evaluation = evaluation_set(n_neurons, params.evaluation_fraction, unit[0])
    k_neurons = n_observed(n_neurons, params.neuron_fraction)
    k_muscles = n_observed(n_muscles, params.muscle_fraction)
    for name, k, n, frac in (("neuron_fraction", k_neurons, n_neurons, params.neuron_fraction),
                             ("muscle_fraction", k_muscles, n_muscles, params.muscle_fraction)):
        if k < 1:
            raise ValueError(f"{name}={frac} selects no unit out of {n}; use at least "
                             f"{0.5 / n:.3g}")
    if k_neurons > evaluation.pool.size:
        raise ValueError(f"neuron_fraction={params.neuron_fraction} asks for {k_neurons} neurons "
                         f"but only {evaluation.pool.size} lie outside the evaluation set")
    order = rng_for(unit, "observed_neurons").permutation(evaluation.pool)
    muscle_order = rng_for(unit, "observed_muscles").permutation(n_muscles)
    muscles = np.sort(muscle_order[:k_muscles]).astype(np.int64)
    return Observation(
        neuron_idx=np.sort(order[:k_neurons]).astype(np.int64),
        muscle_idx=muscles,
        unobserved_muscle_idx=np.setdiff1d(np.arange(n_muscles), muscles).astype(np.int64),
        evaluation=evaluation,
    )
