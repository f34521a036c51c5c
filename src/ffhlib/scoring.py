"""The measures of one row of the study: how one kind of activity compares with the neurons no
network saw.

Every row of the study (:mod:`ffhlib.study`) scores one kind of activity of one unit against the
unit's evaluation set E (:class:`ffhlib.observe.EvaluationSet`), on two sets of reach directions:

- the **trained** directions, on which the networks were trained (and the neurons recorded);
- the **untrained** directions, where the ground truth's rates exist but no recording or target
  does: the test of whether a model predicts unrecorded neurons in unrecorded conditions.

On each, two variants of the comparison:

- **all** of the activity (directions x time stacked), as in Sussillo et al. (2015): it rewards
  the time course shared by every direction, which is most of E's variance;
- the **condition-dependent** part (``_cd``): at each time point the mean over directions removed
  (:func:`ffhlib.similarity.condition_dependent`), so that only what differs between directions is
  compared.

A measure is scored against each half of E in turn, with the activity that goes with that half
(the same network for both halves; for the "two samples" reference the other half; for the
oracle every SOC neuron outside the half), and the two scores are averaged.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from .metrics import r2_score
from .similarity import (
    compare_dims,
    condition_dependent,
    direction_offset_share,
    remove_direction_means,
    shared_variance_share,
)

__all__ = ["HalfPair", "ScoreRow", "empty_measures", "interpolation_r2", "similarity_measures"]

#: One comparison with one half of E: ``(the half's neuron indices, the activity (C, T, K) it is
#: compared with)``.
HalfPair = tuple[np.ndarray, np.ndarray]


@dataclasses.dataclass(frozen=True)
class ScoreRow:
    """One row of the study table: the measures of one kind of activity in one unit.

    Measures that do not apply to a kind are NaN (e.g. the EMG fit of the hints baseline, or the
    trained-direction similarity of the interpolated recordings, which there *are* the
    recordings).

    Attributes
    ----------
    ground_truth, seed : int
        The unit.
    network : str
        The kind of row (:data:`ffhlib.study.KINDS`).
    cue_epoch : str
        Trial design of the networks.
    training_directions : str
        ``"all"`` training directions of the ground truth, or ``"half"`` of them (every other
        one; the rest of the ground truth's directions are then untrained).
    neuron_fraction, muscle_fraction, hint_gain, training_noise : float
        The cell. FF rows carry ``neuron_fraction = 0`` and ``hint_gain = 0`` (no hints); rows
        to which a factor does not apply carry NaN.
    n_passes : int
    fit_r2 : float
        R^2 of the output against the observed EMG on the trained directions.
    gen_err : float
        ``1 - R^2`` on the untrained directions, observed muscles.
    cca_e, procrustes_e : float
        Mean canonical correlation and Procrustes distance (rad) with E at ``pca_dim``, trained
        directions, all of the activity.
    cca_e_dims, procrustes_e_dims : ndarray (len(pca_dims),)
        The same at every ``pca_dims`` entry.
    cca_whole, procrustes_whole : float
        The same against all SOC neurons (includes the recorded ones: circular for FFH).
    cca_nomean_e : float
        As ``cca_e`` after removing each direction's time mean from both activities.
    cca_cd_e, procrustes_cd_e : float
        As ``cca_e`` on the condition-dependent part (the mean over directions removed at each
        time point, from both activities).
    cca_untrained_e, procrustes_untrained_e, cca_cd_untrained_e, procrustes_cd_untrained_e : float
        The same four on the untrained directions.
    r2_interp_e, r2_interp_cd_e : float
        Rows of E's own interpolation: R^2 of E's activity on the untrained directions predicted
        by angular interpolation of its activity on the trained ones (all of it; its
        condition-dependent part).
    shared_share_e : float
        Rows of E's own interpolation: share of E's variance (trained directions) that is the
        time course shared by all directions.
    offset_share : float
        Share of the activity's variance that is a static per-direction offset.
    n_units : int
        Units (neurons) of the activity.
    train_seconds : float
        Wall time of training the network (of its original run; 0 for references).
    seconds : float
        Wall time of computing this row when it was computed, less the time spent getting the
        trained network (training it, or reading it from the cache): with ``train_seconds``,
        what the row costs from an empty cache, whichever run trained the network.
    worker : str
        The process that computed it.
    """

    ground_truth: int
    seed: int
    network: str
    cue_epoch: str
    training_directions: str
    neuron_fraction: float
    muscle_fraction: float
    hint_gain: float
    training_noise: float
    n_passes: int
    fit_r2: float
    gen_err: float
    cca_e: float
    procrustes_e: float
    cca_e_dims: np.ndarray
    procrustes_e_dims: np.ndarray
    cca_whole: float
    procrustes_whole: float
    cca_nomean_e: float
    cca_cd_e: float
    procrustes_cd_e: float
    cca_untrained_e: float
    procrustes_untrained_e: float
    cca_cd_untrained_e: float
    procrustes_cd_untrained_e: float
    r2_interp_e: float
    r2_interp_cd_e: float
    shared_share_e: float
    offset_share: float
    n_units: int
    train_seconds: float
    seconds: float
    worker: str


def _against_halves(soc: np.ndarray, pairs: Sequence[HalfPair], dims, transform=None):
    """Mean CC and Procrustes distance at each d, averaged over the pairs (halves of E)."""
    prep = (lambda x: x) if transform is None else transform
    per_half = [compare_dims(prep(soc[..., half]), prep(act), dims) for half, act in pairs]
    cc = np.mean([[s.mean_correlation for s in scores] for scores in per_half], axis=0)
    dist = np.mean([[s.procrustes for s in scores] for scores in per_half], axis=0)
    return cc, dist


def empty_measures(n_dims: int) -> dict:
    """Every similarity measure of a row, NaN (``n_dims``: length of the per-d arrays)."""
    nan = math.nan
    return {"cca_e": nan, "procrustes_e": nan, "cca_e_dims": np.full(n_dims, nan),
            "procrustes_e_dims": np.full(n_dims, nan), "cca_whole": nan,
            "procrustes_whole": nan, "cca_nomean_e": nan, "cca_cd_e": nan,
            "procrustes_cd_e": nan, "cca_untrained_e": nan, "procrustes_untrained_e": nan,
            "cca_cd_untrained_e": nan, "procrustes_cd_untrained_e": nan, "r2_interp_e": nan,
            "r2_interp_cd_e": nan, "shared_share_e": nan, "offset_share": nan, "n_units": 0}


def similarity_measures(soc_trained: np.ndarray, soc_untrained: np.ndarray, *,
                        trained: Sequence[HalfPair] | None,
                        untrained: Sequence[HalfPair] | None, dims: Sequence[int], dim: int,
                        whole: np.ndarray | None = None) -> dict:
    """The similarity measures of one row (see :class:`ScoreRow`).

    Parameters
    ----------
    soc_trained, soc_untrained : ndarray (C, T, N), (C', T, N)
        The ground truth's rates on the trained and untrained directions (all neurons).
    trained, untrained : sequence of (half, activity), or None
        The comparisons on each set of directions (None: the row has no activity there; its
        measures stay NaN).
    dims : sequence of int
        Latent dimensions of the sweep over d; ``dim`` (one of them) is the headline one.
    whole : ndarray (C, T, K), optional
        Activity on the trained directions to compare with all SOC neurons (the networks).

    Returns
    -------
    dict
        The measure fields of :class:`ScoreRow` (NaN where not computed).
    """
    dims = list(dims)
    i = dims.index(dim)
    out = empty_measures(len(dims))
    if trained:
        cc, dist = _against_halves(soc_trained, trained, dims)
        nomean, _ = _against_halves(soc_trained, trained, [dim], remove_direction_means)
        cd_cc, cd_dist = _against_halves(soc_trained, trained, [dim], condition_dependent)
        first = trained[0][1]
        out.update(cca_e=float(cc[i]), procrustes_e=float(dist[i]), cca_e_dims=cc,
                   procrustes_e_dims=dist, cca_nomean_e=float(nomean[0]),
                   cca_cd_e=float(cd_cc[0]), procrustes_cd_e=float(cd_dist[0]),
                   offset_share=direction_offset_share(first), n_units=int(first.shape[-1]))
    if untrained:
        cc, dist = _against_halves(soc_untrained, untrained, [dim])
        cd_cc, cd_dist = _against_halves(soc_untrained, untrained, [dim], condition_dependent)
        out.update(cca_untrained_e=float(cc[0]), procrustes_untrained_e=float(dist[0]),
                   cca_cd_untrained_e=float(cd_cc[0]),
                   procrustes_cd_untrained_e=float(cd_dist[0]))
        if not trained:
            out["n_units"] = int(untrained[0][1].shape[-1])
    if whole is not None:
        scores = compare_dims(soc_trained, whole, [dim])[0]
        out.update(cca_whole=scores.mean_correlation, procrustes_whole=scores.procrustes)
    return out


def interpolation_r2(known: np.ndarray, predicted: np.ndarray, actual: np.ndarray,
                     ) -> dict:
    """How well angular interpolation predicts an activity on new directions.

    Parameters
    ----------
    known : ndarray (C, T, N)
        The activity on the directions it was interpolated from (for the shared-variance share).
    predicted, actual : ndarray (C', T, N)
        The interpolation and the truth on the new directions.

    Returns
    -------
    dict
        ``r2_interp_e``: R^2 of all of the activity (each neuron about its own mean,
        :func:`ffhlib.metrics.r2_score`); ``r2_interp_cd_e``: R^2 of its condition-dependent
        part (each side's mean over directions removed at each time point);
        ``shared_share_e``: the share of ``known``'s variance shared by all directions.
    """
    return {"r2_interp_e": float(r2_score(predicted, actual)),
            "r2_interp_cd_e": float(r2_score(condition_dependent(predicted),
                                             condition_dependent(actual))),
            "shared_share_e": float(shared_variance_share(known))}
