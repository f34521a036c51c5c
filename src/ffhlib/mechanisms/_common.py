"""Helpers shared by the mechanism analyses (private)."""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_seed


def as_rng(rng) -> np.random.Generator:
    """A ``np.random.Generator`` from a non-negative int seed or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"rng must be a non-negative int seed or a numpy Generator, got {rng!r}")
    return np.random.default_rng(check_seed("rng", rng))


def sort_leading_first(eigenvalues: np.ndarray) -> np.ndarray:
    """Sort complex eigenvalues by real part, descending (ties: positive imaginary part first)."""
    order = np.lexsort((-eigenvalues.imag, -eigenvalues.real))
    return eigenvalues[order]


def skew_basis_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row/column indices ``(i, j)``, ``i < j``, of the free entries of an n x n skew matrix."""
    return np.triu_indices(n, k=1)
