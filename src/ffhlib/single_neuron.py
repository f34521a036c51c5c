"""Single-neuron similarity: how well each reference neuron's PSTH is matched by some unit.

Kao (2019) asks whether a model that matches a circuit at the level of the population also
matches it neuron by neuron, and the reverse. :func:`single_neuron_match` is the single-neuron
side: for each neuron of the reference (the ground truth's evaluation set E), the best Pearson
correlation of its peri-stimulus time histogram over all directions with any of a fixed number of
units of the other activity (a network). The number of candidate units is fixed (a random subset
as large as the recorded set) because the best of more candidates is higher by chance alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_array, check_bool, check_int, check_seed

__all__ = ["SingleNeuronMatch", "single_neuron_match"]

#: A PSTH whose centred norm is at most this fraction of its norm is constant (up to rounding).
_CONSTANT_RTOL = 1e-12


@dataclass(frozen=True)
class SingleNeuronMatch:
    """Each reference neuron's best-matching unit and how well it matches.

    Attributes
    ----------
    correlations : ndarray, shape (N_ref,)
        Each reference neuron's best Pearson correlation with a candidate unit, in [-1, 1]
        (in [0, 1] with ``absolute``); NaN for a constant reference neuron (no PSTH shape).
    best_units : ndarray of int, shape (N_ref,)
        Index (into the last axis of ``unit_rates``) of each neuron's best unit; -1 for a
        constant reference neuron.
    units : ndarray of int, shape (K,)
        The candidate units (sorted indices into ``unit_rates``' last axis).
    median : float
        Median of ``correlations`` over the non-constant reference neurons (never NaN).
    n_constant_reference : int
        Reference neurons left out of ``median`` because their PSTH is constant.
    n_constant_units : int
        Candidate units that are constant: they match nothing (never chosen), but they count
        towards the ``K`` candidates (the draw does not look at the activity).
    absolute : bool
        Whether correlations were taken in absolute value.
    """

    correlations: np.ndarray
    best_units: np.ndarray
    units: np.ndarray
    median: float
    n_constant_reference: int
    n_constant_units: int
    absolute: bool


def _standardised_psths(rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns of the flattened PSTHs, centred and scaled to unit norm, and which are constant."""
    X = rates.reshape(-1, rates.shape[2])
    centred = X - X.mean(axis=0)
    norm = np.linalg.norm(centred, axis=0)
    constant = norm <= _CONSTANT_RTOL * np.linalg.norm(X, axis=0)
    safe = np.where(constant, 1.0, norm)
    return centred / safe, constant


def single_neuron_match(reference_rates, unit_rates, *, n_units: int | None = None, rng: int = 0,
                        absolute: bool = False) -> SingleNeuronMatch:
    """Best PSTH correlation of each reference neuron with any of ``n_units`` candidate units.

    Parameters
    ----------
    reference_rates : array_like, shape (C, T, N_ref)
        The reference neurons (e.g. the ground truth's evaluation set E), any unit (Hz).
    unit_rates : array_like, shape (C, T, N_units)
        The other activity (e.g. a network's units, tanh), same directions and time grid.
    n_units : int, optional
        Number of candidate units, ``1 <= n_units <= N_units``: a random subset drawn without
        replacement (e.g. as many as the recorded neurons, so every model gets the same number
        of chances). ``None``: all units.
    rng : int
        Seed of the subset draw (non-negative); the same seed draws the same subset. Unused when
        ``n_units`` is ``None``.
    absolute : bool
        Score ``|r|`` instead of ``r`` (a unit that mirrors a neuron then counts as a match).
        Default False: the best signed correlation.

    Returns
    -------
    SingleNeuronMatch

    Raises
    ------
    ValueError
        If the shapes disagree, ``n_units`` is out of range, every candidate unit is constant, or
        every reference neuron is constant.

    Notes
    -----
    With :math:`x_j \\in \\mathbb{R}^{CT}` neuron ``j``'s PSTH flattened over directions and time
    and :math:`y_k` unit ``k``'s,

    .. math:: s_j = \\max_{k \\in K} \\rho(x_j, y_k), \\qquad
              \\rho(x, y) = \\frac{(x - \\bar x)^\\top (y - \\bar y)}
                               {\\lVert x - \\bar x \\rVert \\, \\lVert y - \\bar y \\rVert},

    and the summary is :math:`\\operatorname{median}_j s_j`. The correlation with a constant
    PSTH is undefined: a constant candidate unit is never a match (it is skipped, not scored 0,
    so it cannot lift a neuron whose correlations are all negative), and a constant reference
    neuron gets NaN and is left out of the median (both are counted in the result). "Constant"
    means a centred norm at most 1e-12 of the PSTH's norm.

    The score rises with the number of candidates by chance alone: for PSTHs unrelated to the
    neuron, :math:`\\rho` is roughly normal with variance :math:`1/(CT)` when the samples are
    independent, and the best of ``K`` is near :math:`\\sqrt{2 \\ln K / (CT)}`; smooth PSTHs
    have fewer effective samples and higher chance scores. Compare models with the same ``K``.
    """
    reference_rates = check_array("reference_rates", reference_rates, ndim=3)
    unit_rates = check_array("unit_rates", unit_rates, ndim=3)
    if reference_rates.shape[:2] != unit_rates.shape[:2]:
        raise ValueError(f"reference_rates and unit_rates must share (conditions, time), got "
                         f"{reference_rates.shape[:2]} and {unit_rates.shape[:2]}")
    if reference_rates.shape[0] * reference_rates.shape[1] < 3:
        raise ValueError("the PSTHs need at least 3 samples (conditions x time) to correlate")
    if reference_rates.shape[2] < 1:
        raise ValueError("reference_rates must hold at least one neuron")
    available = unit_rates.shape[2]
    absolute = check_bool("absolute", absolute)
    if n_units is None:
        if available < 1:
            raise ValueError("unit_rates must hold at least one unit")
        units = np.arange(available)
    else:
        n_units = check_int("n_units", n_units, minimum=1, maximum=available)
        draw = np.random.default_rng(check_seed("rng", rng))
        units = np.sort(draw.choice(available, size=n_units, replace=False))
    X, ref_constant = _standardised_psths(reference_rates)
    Y, unit_constant = _standardised_psths(unit_rates[:, :, units])
    if ref_constant.all():
        raise ValueError("every neuron of reference_rates is constant: no PSTH to match")
    if unit_constant.all():
        raise ValueError(f"all {units.size} candidate units of unit_rates are constant: no PSTH "
                         f"to correlate with")
    r = np.clip(X.T @ Y, -1.0, 1.0)  # (N_ref, K)
    if absolute:
        r = np.abs(r)
    r[:, unit_constant] = -np.inf
    best = np.argmax(r, axis=1)
    correlations = r[np.arange(r.shape[0]), best]
    correlations[ref_constant] = np.nan
    best_units = np.where(ref_constant, -1, units[best])
    return SingleNeuronMatch(
        correlations=correlations, best_units=best_units.astype(np.int64), units=units,
        median=float(np.median(correlations[~ref_constant])),
        n_constant_reference=int(ref_constant.sum()),
        n_constant_units=int(unit_constant.sum()), absolute=absolute)
