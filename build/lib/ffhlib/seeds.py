"""Named, independent random streams derived from one integer seed.

A chapter has one ``seed``. Every stage draws from its own stream, so that a new seed for the RNN
weights does not change the ground truth, and adding a stage never shifts another stage's numbers.
"""

from __future__ import annotations

import zlib

import numpy as np

from ._validate import check_seed

__all__ = ["STREAMS", "rng_for", "seed_sequence"]

#: The named streams of the pipeline. The stream's integer key is a CRC32 of its name, so the
#: mapping is stable across versions and new names never collide with old ones by accident.
STREAMS = (
    "emg",
    "soc",
    "gains",
    "observation",
    "rnn_weights",
    "training_noise",
    "test_noise",
    "baseline",
    "amplification",
)


def seed_sequence(seed: int, stream: str) -> np.random.SeedSequence:
    """The ``SeedSequence`` of ``stream`` under ``seed``.

    Parameters
    ----------
    seed : int
        Non-negative integer seed.
    stream : str
        One of :data:`STREAMS`.
    """
    seed = check_seed("seed", seed)
    if stream not in STREAMS:
        raise ValueError(f"stream must be one of {STREAMS}; got {stream!r}")
    return np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(stream.encode()),))


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """A fresh ``np.random.Generator`` for ``stream`` under ``seed`` (see :func:`seed_sequence`)."""
    return np.random.default_rng(seed_sequence(seed, stream))
