"""Reading a study table: paired differences between kinds of row, comparisons over ground truths,
and per-kind summaries (means over ground truths with their intervals).

A study table (:func:`ffhlib.study.run_study`, :func:`ffhlib.sweep.run_sweep`) is tidy: one row
per unit (ground truth, network seed), kind of activity and, in a sweep, cell. Ground truths are
the independent units of every summary here: network seeds of one ground truth are averaged first.
Intervals are percentile bootstraps over ground truths (:mod:`ffhlib.inference`), never clipped,
and not computed from fewer than 3 ground truths.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

__all__ = ["BOOT_SEED", "N_BOOT", "KindSummary", "compare_kinds", "comparison_values",
           "paired_differences", "rows_to_frame", "summarize", "summary_values"]

#: Bootstrap resamples of every interval of the book's summaries.
N_BOOT = 2000
#: Seed of those resamples (the same resamples of ground truths for every summary).
BOOT_SEED = 0


def rows_to_frame(rows: Sequence, dims: Sequence[int]):
    """A tidy DataFrame of :class:`~ffhlib.study.ScoreRow` objects; the per-d arrays become
    columns ``cca_e_d{d}``."""
    import pandas as pd

    records = []
    for row in rows:
        record = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)
                  if not f.name.endswith("_dims")}
        for d, cc, dist in zip(dims, row.cca_e_dims, row.procrustes_e_dims, strict=True):
            record[f"cca_e_d{d}"] = float(cc)
            record[f"procrustes_e_d{d}"] = float(dist)
        records.append(record)
    return pd.DataFrame.from_records(records)


def _ok_rows(table, kind: str):
    rows = table[table["network"] == kind]
    return rows[rows["error"] == ""] if "error" in rows else rows


def paired_differences(table, measure: str, a: str = "ffh", b: str = "ff", *,
                       on: Sequence[str] = ("ground_truth", "seed")):
    """The rows of kinds ``a`` and ``b`` matched on ``on``, with ``measure`` of each and their
    difference (column ``measure``: ``a - b``; ``{measure}_a``, ``{measure}_b``).

    Rows of kinds ``a`` and ``b`` are matched on the columns ``on`` (the unit and, in a sweep,
    the factors they share); failed rows and NaN measures are left out.
    """
    on = list(on)
    left, right = _ok_rows(table, a), _ok_rows(table, b)
    if left.empty or right.empty:
        raise ValueError(f"no rows of kind {a!r} or {b!r} in the table")
    merged = left[on + [measure]].merge(right[on + [measure]], on=on, suffixes=("_a", "_b"))
    if merged.empty:
        raise ValueError(f"no unit has rows of both {a!r} and {b!r} (matched on {on})")
    merged = merged.dropna(subset=[f"{measure}_a", f"{measure}_b"])
    merged[measure] = merged[f"{measure}_a"] - merged[f"{measure}_b"]
    return merged


def compare_kinds(table, measure: str, a: str = "ffh", b: str = "ff", *,
                  on: Sequence[str] = ("ground_truth", "seed"), confidence: float = 0.95):
    """Paired comparison of ``measure`` between two kinds of row, over ground truths.

    :func:`paired_differences`, then :func:`ffhlib.inference.paired_comparison`: the mean of the
    per-ground-truth mean differences, its percentile bootstrap interval over ground truths
    (:data:`N_BOOT` resamples) and the Wilcoxon signed-rank test of those differences. The
    comparison is adjusted as a family of one (``p_adjusted`` = the raw p); a chapter's summary
    table adjusts its comparisons together with :func:`ffhlib.inference.adjust_family`.

    Returns
    -------
    PairedComparison
    """
    from .inference import adjust_family, paired_comparison

    merged = paired_differences(table, measure, a, b, on=on)
    result = paired_comparison(merged[f"{measure}_a"].to_numpy(),
                               merged[f"{measure}_b"].to_numpy(),
                               merged["ground_truth"].to_numpy(), n_boot=N_BOOT,
                               confidence=confidence, rng=BOOT_SEED)
    return adjust_family({"one": result})["one"]


@dataclasses.dataclass(frozen=True)
class KindSummary:
    """One measure of one kind of row, summarised over ground truths.

    Attributes
    ----------
    kind : str
    ground_truths : ndarray (G,)
        The ground-truth seeds, in order.
    per_ground_truth : ndarray (G,) or (G, K)
        The mean over each ground truth's network seeds (of each column, for several).
    mean : float or ndarray (K,)
        Mean over ground truths.
    low, high : float or ndarray (K,)
        The percentile bootstrap 95 % (``confidence``) interval of that mean over ground truths
        (:data:`N_BOOT` resamples; NaN with fewer than 3 ground truths: show the dots).
    n_units : int
        Rows (ground truths x seeds) that entered.
    """

    kind: str
    ground_truths: np.ndarray
    per_ground_truth: np.ndarray
    mean: float | np.ndarray
    low: float | np.ndarray
    high: float | np.ndarray
    n_units: int


def summarize(table, columns, kind: str, *, confidence: float = 0.95) -> KindSummary:
    """Means over ground truths (of the per-ground-truth means) of ``columns`` for ``kind``.

    Parameters
    ----------
    table : pandas.DataFrame
        A study table (failed rows are left out).
    columns : str or sequence of str
        One measure (scalar summary) or several (e.g. ``cca_e_d2 ... cca_e_d12``: arrays).
    kind : str
    confidence : float
    """
    from .inference import bootstrap_curve_interval

    single = isinstance(columns, str)
    cols = [columns] if single else list(columns)
    rows = _ok_rows(table, kind)
    if rows.empty:
        raise ValueError(f"no rows of kind {kind!r} in the table")
    per_gt = rows.groupby("ground_truth")[cols].mean()
    values = per_gt.to_numpy()
    boot = bootstrap_curve_interval(values, n_boot=N_BOOT, confidence=confidence, rng=BOOT_SEED)
    mean, low, high = boot.mean, boot.low, boot.high
    if single:
        mean, low, high, values = float(mean[0]), float(low[0]), float(high[0]), values[:, 0]
    return KindSummary(kind=kind, ground_truths=per_gt.index.to_numpy(), per_ground_truth=values,
                       mean=mean, low=low, high=high, n_units=int(len(rows)))


def summary_values(prefix: str, summaries) -> dict:
    """The glue keys of scalar :class:`KindSummary` objects: ``{prefix}_{kind}_mean``, ``_lo``
    and ``_hi`` for each ``kind: summary`` of the mapping ``summaries``."""
    return {k: v for kind, s in summaries.items()
            for k, v in ((f"{prefix}_{kind}_mean", s.mean), (f"{prefix}_{kind}_lo", s.low),
                         (f"{prefix}_{kind}_hi", s.high))}


def comparison_values(prefix: str, summary) -> dict:
    """The glue keys of a :class:`~ffhlib.inference.PairedComparison`: the mean difference and
    its interval over ground truths (``{prefix}_diff``, ``_diff_lo``, ``_diff_hi``), the raw p
    (``_pvalue``), the Holm-adjusted p of its family (``_padj``), ``_n_opposite`` and ``_min_p``
    (the smallest p the test can reach)."""
    lo, hi = summary.ci_diff
    return {f"{prefix}_diff": summary.mean_diff, f"{prefix}_diff_lo": lo,
            f"{prefix}_diff_hi": hi, f"{prefix}_pvalue": summary.wilcoxon_p,
            f"{prefix}_padj": summary.p_adjusted, f"{prefix}_n_opposite": summary.n_opposite,
            f"{prefix}_min_p": summary.min_attainable_p}
