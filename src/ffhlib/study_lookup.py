"""What of a study is already on disk: rows looked up in the cache, never computed.

A chapter may draw an expensive optional figure (chapter 05's network seeds and other trial
design) whenever a complete run left its rows in the on-disk cache, and say how to compute it
otherwise. :func:`rows_in_cache` answers that question without computing or writing anything.

The lookup reads each row under the very key :func:`ffhlib.study.score_task` stores it with (a
test computes a row and finds it), so it never reports a row that a study would recompute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import study
from .cache import cached_result
from .scoring import ScoreRow
from .study import StudyParams

__all__ = ["rows_in_cache"]


class _NotCached(Exception):
    """Raised inside a cache lookup to stop it from computing."""


def _missing():
    raise _NotCached


def rows_in_cache(params: StudyParams, kinds: Sequence[str],
                  units: Iterable[tuple[int, int]] | None = None) -> bool:
    """Whether every row of ``kinds`` in ``units`` is in the on-disk cache.

    Parameters
    ----------
    params : StudyParams
    kinds : sequence of str
        Kinds of row (:data:`ffhlib.study.KINDS`).
    units : iterable of (ground_truth_seed, seed), optional
        Default: every unit of ``params``. No unit: True.

    Returns
    -------
    bool
        False at the first missing row (nothing is computed or written).
    """
    if not isinstance(params, StudyParams):
        raise TypeError(f"params must be StudyParams, got {type(params).__name__}")
    unknown = [k for k in kinds if k not in study.KINDS]
    if unknown:
        raise ValueError(f"kinds must be among {study.KINDS}; got {unknown}")
    for g, s in params.units if units is None else units:
        for kind in kinds:
            key = {"params": study.kind_key(params, kind), "ground_truth_seed": int(g),
                   "seed": int(s), "kind": kind}
            try:
                cached_result("study_row", key, _missing, ScoreRow, module="ffhlib.study")
            except _NotCached:
                return False
    return True
