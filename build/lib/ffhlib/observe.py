"""Sparse observation: which SOC neurons and which muscles the experimenter records.

Salatiello & Giese (2020) train their RNNs on 30 % of the ground-truth circuit's neurons and 40 % of
its muscles [abstract]. :func:`observe` draws those subsets from a seed, uniformly without
replacement, so that every seed of a study sees a different sample of the same circuit.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ._params import param
from ._validate import check_fraction, check_int, check_seed
from .seeds import rng_for

__all__ = ["Observation", "ObservationParams", "n_observed", "observe"]


@dataclasses.dataclass(frozen=True)
class ObservationParams:
    """Fractions of the ground truth that are observed.

    Both fractions lie in (0, 1]; the number of observed units is ``round(fraction * n)`` (halves
    round up), and a fraction that selects no unit is an error raised by :func:`observe`.
    """

    neuron_fraction: float = param(
        0.3, doc="fraction of the SOC neurons observed (and given to FFH as hints)",
        provenance="abstract")
    muscle_fraction: float = param(
        0.4, doc="fraction of the muscles observed (the RNNs' training targets)",
        provenance="abstract")

    def __post_init__(self):
        check_fraction("neuron_fraction", self.neuron_fraction)
        check_fraction("muscle_fraction", self.muscle_fraction)

    @classmethod
    def quick(cls) -> ObservationParams:
        """The same fractions: observation costs nothing."""
        return cls()


@dataclasses.dataclass(frozen=True)
class Observation:
    """Indices of the observed and unobserved units (all sorted, int64).

    Attributes
    ----------
    neuron_idx : ndarray (K,)
        Observed SOC neurons (columns of ``GroundTruth.rates``).
    muscle_idx : ndarray (M_obs,)
        Observed muscles (last axis of ``GroundTruth.emg``).
    unobserved_neuron_idx : ndarray (N - K,)
    unobserved_muscle_idx : ndarray (M - M_obs,)
    """

    neuron_idx: np.ndarray
    muscle_idx: np.ndarray
    unobserved_neuron_idx: np.ndarray
    unobserved_muscle_idx: np.ndarray

    @property
    def n_neurons(self) -> int:
        """Total number of neurons the sample was drawn from."""
        return int(self.neuron_idx.size + self.unobserved_neuron_idx.size)

    @property
    def n_muscles(self) -> int:
        """Total number of muscles the sample was drawn from."""
        return int(self.muscle_idx.size + self.unobserved_muscle_idx.size)

    def neurons(self, rates: np.ndarray) -> np.ndarray:
        """The observed neurons' activity: ``rates[..., neuron_idx]`` (last axis = neurons)."""
        rates = np.asarray(rates)
        if rates.shape[-1] != self.n_neurons:
            raise ValueError(f"rates must have {self.n_neurons} neurons on the last axis, "
                             f"got shape {rates.shape}")
        return rates[..., self.neuron_idx]

    def muscles(self, emg: np.ndarray) -> np.ndarray:
        """The observed muscles' activity: ``emg[..., muscle_idx]`` (last axis = muscles)."""
        emg = np.asarray(emg)
        if emg.shape[-1] != self.n_muscles:
            raise ValueError(f"emg must have {self.n_muscles} muscles on the last axis, "
                             f"got shape {emg.shape}")
        return emg[..., self.muscle_idx]


def n_observed(n: int, fraction: float) -> int:
    """``round(fraction * n)`` with halves rounded up (the number of observed units)."""
    return int(math.floor(fraction * n + 0.5))


def observe(n_neurons: int, n_muscles: int, params: ObservationParams, seed: int) -> Observation:
    """Draw the observed neurons and muscles.

    Parameters
    ----------
    n_neurons, n_muscles : int
        Sizes of the ground truth (>= 1).
    params : ObservationParams
    seed : int
        Uses the stream ``rng_for(seed, "observation")``.

    Returns
    -------
    Observation

    Raises
    ------
    ValueError
        If a fraction selects no unit (e.g. 0.01 of 10 muscles).
    """
    n_neurons = check_int("n_neurons", n_neurons, minimum=1)
    n_muscles = check_int("n_muscles", n_muscles, minimum=1)
    if not isinstance(params, ObservationParams):
        raise TypeError(f"params must be ObservationParams, got {type(params).__name__}")
    seed = check_seed("seed", seed)
    k_neurons = n_observed(n_neurons, params.neuron_fraction)
    k_muscles = n_observed(n_muscles, params.muscle_fraction)
    for name, k, n, frac in (("neuron_fraction", k_neurons, n_neurons, params.neuron_fraction),
                             ("muscle_fraction", k_muscles, n_muscles, params.muscle_fraction)):
        if k < 1:
            raise ValueError(f"{name}={frac} selects no unit out of {n}; use at least "
                             f"{0.5 / n:.3g}")
    rng = rng_for(seed, "observation")
    neurons = np.sort(rng.choice(n_neurons, size=k_neurons, replace=False)).astype(np.int64)
    muscles = np.sort(rng.choice(n_muscles, size=k_muscles, replace=False)).astype(np.int64)
    return Observation(
        neuron_idx=neurons,
        muscle_idx=muscles,
        unobserved_neuron_idx=np.setdiff1d(np.arange(n_neurons), neurons).astype(np.int64),
        unobserved_muscle_idx=np.setdiff1d(np.arange(n_muscles), muscles).astype(np.int64),
    )
