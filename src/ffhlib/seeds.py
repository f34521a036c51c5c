"""Named, independent random streams derived from integer seeds.

A ground truth has one seed; a network of the study is identified by its *unit*, the pair
``(ground_truth_seed, seed)``. Every stage draws from its own stream, so that a new seed for the RNN
weights does not change the ground truth, adding a stage never shifts another stage's numbers, and
two ground truths never share a network's random weights.

A *seed key* is either a non-negative ``int`` or a tuple of them (``(ground_truth_seed, seed)``);
:func:`seed_sequence` turns a key and a stream name (and optional further integers, such as the
index of a neuron whose input weights are drawn) into a ``np.random.SeedSequence``.
"""

from __future__ import annotations

import zlib

import numpy as np

from ._validate import check_seed

__all__ = ["STREAMS", "SeedKey", "check_seed_key", "rng_for", "seed_sequence", "spawn_seeds"]

#: The named streams of the pipeline. The stream's integer key is a CRC32 of its name, so the
#: mapping is stable across versions and new names never collide with old ones by accident.
STREAMS = (
    "emg",
    "soc",
    "gains",
    "evaluation_set",
    "observed_neurons",
    "observed_muscles",
    "rnn_weights",
    "output_weights",
    "hint_weights",
    "training_noise",
    "test_noise",
    "baseline",
    "amplification",
    "fixed_points",
    "bootstrap",
)

#: A seed: one non-negative integer, or a tuple of them (e.g. ``(ground_truth_seed, seed)``).
SeedKey = int | tuple[int, ...]


def check_seed_key(name: str, value) -> SeedKey:
    """Return ``value`` as a seed key: a non-negative ``int`` or a non-empty tuple of them.

    Lists are accepted and returned as tuples. Raises ``TypeError``/``ValueError`` naming
    ``name`` otherwise.
    """
    if isinstance(value, (tuple, list)):
        if not value:
            raise ValueError(f"{name} must be a non-negative integer or a non-empty tuple of them")
        return tuple(check_seed(f"{name}[{i}]", v) for i, v in enumerate(value))
    return check_seed(name, value)


def seed_sequence(seed: SeedKey, stream: str, *key: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of ``stream`` under ``seed`` (and optional further integers ``key``).

    Parameters
    ----------
    seed : int or tuple of int
        The seed key (see :func:`check_seed_key`).
    stream : str
        One of :data:`STREAMS`.
    *key : int
        Further non-negative integers that select an independent sub-stream, e.g. the index of the
        SOC neuron whose hint weights are drawn: then those weights do not depend on which other
        neurons are observed.
    """
    seed = check_seed_key("seed", seed)
    if stream not in STREAMS:
        raise ValueError(f"stream must be one of {STREAMS}; got {stream!r}")
    extra = tuple(check_seed("key", k) for k in key)
    entropy = list(seed) if isinstance(seed, tuple) else seed
    return np.random.SeedSequence(entropy=entropy,
                                  spawn_key=(zlib.crc32(stream.encode()), *extra))


def rng_for(seed: SeedKey, stream: str, *key: int) -> np.random.Generator:
    """A fresh ``np.random.Generator`` for ``stream`` (see :func:`seed_sequence`)."""
    return np.random.default_rng(seed_sequence(seed, stream, *key))


def spawn_seeds(seed: SeedKey, stream: str, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child sequences of ``stream`` (e.g. one per noisy trial)."""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    return seed_sequence(seed, stream).spawn(n)
