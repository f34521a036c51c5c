"""Chapter 07's similarity against the recorded fraction, from a sweep's rows
(:func:`ffhlib.sweep_summary.main_rows`): FFH's and its hints' curves with percentile bootstrap
intervals, on the raw and on the floor (0) to oracle (1) scale; the fraction at which FFH, and the
recorded neurons alone, reach a level of that scale (:func:`ffhlib.sweep.fraction_for_level`);
and FFH against its hints fraction by fraction, at a latent dimension the recorded neurons fill,
Holm-adjusted together (the chapter's summary table).

Pure functions of the table: nothing is trained, simulated or drawn here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from . import study, sweep
from .inference import PairedComparison, adjust_family, bootstrap_mean_interval
from .observe import n_observed
from .report import claim_status
from .study import KindSummary, StudyParams
from .summaries import BOOT_SEED, N_BOOT
from .sweep import Curve

__all__ = [
    "FfhVersusHints",
    "LevelCrossing",
    "SimilarityByFraction",
    "comparison_dim",
    "ffh_versus_hints",
    "level_crossing",
    "recorded_neurons",
    "similarity_by_fraction",
    "table_rows",
]


def recorded_neurons(params: StudyParams, fractions) -> tuple[int, ...]:
    """How many SOC neurons each recorded fraction observes (:func:`ffhlib.observe.n_observed`)."""
    n = params.ground_truth.soc.n_neurons
    return tuple(n_observed(n, float(f)) for f in fractions)


def comparison_dim(n_recorded: int, pca_dim: int, pca_dims) -> int:
    """The latent dimension at which activity from ``n_recorded`` neurons is compared with E.

    ``pca_dim`` when at least that many neurons were recorded; otherwise the largest of
    ``pca_dims`` that is at most ``n_recorded``; 0 when none is (no fair comparison). With fewer
    units than d, PCA followed by CCA counts the missing canonical correlations as 0, so a
    comparison at such a d measures the count of neurons, not what they carry.
    """
    n_recorded = int(n_recorded)
    if n_recorded >= pca_dim:
        return int(pca_dim)
    fitting = [int(d) for d in pca_dims if d <= n_recorded]
    return max(fitting) if fitting else 0


def _dim_column(d: int, pca_dim: int) -> str:
    return "cca_e" if d == pca_dim else f"cca_e_d{d}"


@dataclasses.dataclass(frozen=True)
class LevelCrossing:
    """Where a kind's mean normalised similarity first reaches ``level`` (floor 0, oracle 1).

    Attributes
    ----------
    level : float
    estimate : float
        The neuron fraction (NaN if the mean curve never reaches the level on the grid).
    low, high : float
        Percentile bootstrap interval over ground truths (NaN if not computable: fewer than 3
        ground truths, or no resample reaches the level).
    n_not_reached : int
        Resamples whose mean curve never reaches the level (left out of the interval).
    n_boot : int
        Resamples.
    n_neurons : int
        SOC neurons, to express fractions as neurons.
    kind : str
        ``"ffh"`` (the network) or ``"hints"`` (the recorded neurons alone).
    first_fraction : float
        The smallest fraction of the grid searched (NaN: none was).
    """

    level: float
    estimate: float
    low: float
    high: float
    n_not_reached: int
    n_boot: int
    n_neurons: int
    kind: str = "ffh"
    first_fraction: float = math.nan

    @property
    def reached(self) -> bool:
        """Whether the mean curve reaches the level on the grid."""
        return bool(np.isfinite(self.estimate))

    @property
    def at_first_fraction(self) -> bool:
        """Whether the level is reached already at the smallest fraction searched (the estimate
        is then an upper bound: the grid has no point below it)."""
        return bool(self.reached and np.isclose(self.estimate, self.first_fraction))

    @property
    def interval_computable(self) -> bool:
        """Whether the bootstrap interval could be computed."""
        return bool(np.isfinite(self.low))

    @property
    def neurons(self) -> float:
        """The estimate in neurons (NaN if not reached)."""
        return self.estimate * self.n_neurons if self.reached else math.nan


def level_crossing(main, *, n_neurons: int, kind: str = "ffh", fractions=None,
                   level: float = 0.9, n_boot: int = 2000, rng=0) -> LevelCrossing:
    """:func:`ffhlib.sweep.fraction_for_level` of ``kind``'s ``cca_e``, normalised from the floor
    (0) to the oracle (1), in ``main``.

    Parameters
    ----------
    main : pandas.DataFrame
        Rows of the main curve (:func:`ffhlib.sweep_summary.main_rows`).
    n_neurons : int
    kind : str
        "ffh" or "hints".
    fractions : sequence of float, optional
        Search only these fractions (e.g. those where the recorded neurons number at least d);
        default every fraction of ``kind``'s rows.
    level, n_boot, rng
    """
    normalized = sweep.normalized_scores(main, kind=kind, reference="oracle")
    if fractions is not None:
        keep = [c for c in normalized.columns if np.any(np.isclose(c, fractions))]
        normalized = normalized[keep]
    if normalized.shape[1] == 0:
        return LevelCrossing(level=level, estimate=math.nan, low=math.nan, high=math.nan,
                             n_not_reached=n_boot, n_boot=n_boot, n_neurons=n_neurons,
                             kind=kind)
    estimate, (lo, hi), not_reached = sweep.fraction_for_level(normalized, level, n_boot=n_boot,
                                                              rng=rng)
    return LevelCrossing(level=level, estimate=estimate, low=lo, high=hi,
                         n_not_reached=not_reached, n_boot=n_boot, n_neurons=n_neurons,
                         kind=kind, first_fraction=float(normalized.columns.min()))


def _normalized_flat(main, kind: str) -> KindSummary:
    """A fraction-free kind on the floor-to-oracle scale: per ground truth, then bootstrapped."""
    per = sweep.normalized_scores(main, kind=kind, reference="oracle").iloc[:, 0]
    boot = bootstrap_mean_interval(per.to_numpy(dtype=float), n_boot=N_BOOT, rng=BOOT_SEED)
    return KindSummary(kind=kind, ground_truths=per.index.to_numpy(),
                       per_ground_truth=per.to_numpy(dtype=float), mean=boot.mean, low=boot.low,
                       high=boot.high, n_units=boot.n)


@dataclasses.dataclass(frozen=True)
class SimilarityByFraction:
    """Similarity with E (``cca_e``) against the recorded fraction.

    Attributes
    ----------
    ffh, hints : Curve
        FFH and the recorded neurons themselves, against the fraction.
    flat : mapping of kind to KindSummary
        FF (no neuron recorded), the floor, two samples of unrecorded neurons (``ceiling``: one
        half of E against the other) and the oracle (every SOC neuron outside the scored half).
    normalized : mapping of "ffh", "hints" to Curve
        The same curves on the floor (0) to oracle (1) scale, ground truth by ground truth;
        values above 1 are kept.
    normalized_flat : mapping of "ff", "ceiling" to KindSummary
        FF and the two samples on that scale.
    crossing : LevelCrossing
        FFH's fraction for the level.
    crossing_recordings : LevelCrossing
        The recorded neurons' own fraction for the level, over the fractions where they number
        at least ``pca_dim``.
    recorded : tuple of int
        Recorded neurons at each fraction of the curves.
    pca_dim : int
    spearman : float
        Spearman correlation of fraction and similarity over FFH's rows.
    n_ffh_rows : int
    """

    ffh: Curve
    hints: Curve
    flat: Mapping[str, KindSummary]
    normalized: Mapping[str, Curve]
    normalized_flat: Mapping[str, KindSummary]
    crossing: LevelCrossing
    crossing_recordings: LevelCrossing
    recorded: tuple[int, ...]
    pca_dim: int
    spearman: float
    n_ffh_rows: int

    @property
    def capped(self) -> np.ndarray:
        """Whether each fraction records fewer neurons than ``pca_dim`` (the hints' correlations
        there count the missing dimensions as 0)."""
        return np.asarray(self.recorded) < self.pca_dim


def similarity_by_fraction(main, *, params: StudyParams, level: float = 0.9,
                           n_boot: int = 2000, rng=0) -> SimilarityByFraction:
    """Summarise the main curve's similarity with E (rows from
    :func:`ffhlib.sweep_summary.main_rows`)."""
    from scipy import stats as sps

    ffh_rows = main[main["network"] == "ffh"]
    ffh = sweep.curve(main, "cca_e", "ffh")
    recorded = recorded_neurons(params, ffh.x)
    d = params.similarity.pca_dim
    n_neurons = params.ground_truth.soc.n_neurons
    full = [f for f, n in zip(ffh.x, recorded, strict=True) if n >= d]
    crossings = {k: level_crossing(main, n_neurons=n_neurons, kind=k,
                                   fractions=full if k == "hints" else None, level=level,
                                   n_boot=n_boot, rng=rng) for k in ("ffh", "hints")}
    return SimilarityByFraction(
        ffh=ffh, hints=sweep.curve(main, "cca_e", "hints"),
        flat={k: study.summarize(main, "cca_e", k) for k in ("ff", "floor", "ceiling", "oracle")},
        normalized={k: sweep.curve_of(sweep.normalized_scores(main, kind=k))
                    for k in ("ffh", "hints")},
        normalized_flat={k: _normalized_flat(main, k) for k in ("ff", "ceiling")},
        crossing=crossings["ffh"], crossing_recordings=crossings["hints"], recorded=recorded,
        pca_dim=d,
        spearman=float(sps.spearmanr(ffh_rows["neuron_fraction"], ffh_rows["cca_e"]).statistic),
        n_ffh_rows=int(len(ffh_rows)))


@dataclasses.dataclass(frozen=True)
class FfhVersusHints:
    """FFH against its own hints (the recorded neurons) at each fraction, on similarity with E:
    the chapter's summary table, one Holm family.

    Attributes
    ----------
    fractions : tuple of float
        The fractions compared, in the grid's order.
    recorded : tuple of int
        Recorded neurons at each.
    dims : tuple of int
        The latent dimension of each comparison (:func:`comparison_dim`): ``pca_dim``, or less
        where fewer neurons were recorded.
    comparisons : tuple of PairedComparison
        FFH − hints at each fraction, over ground truths, Holm-adjusted together.
    pca_dim : int
    skipped : tuple of float
        Fractions not compared (fewer recorded neurons than any latent dimension).
    ffh_means, hints_means : tuple of float
        Means over ground truths of the compared measure.
    """

    fractions: tuple[float, ...]
    recorded: tuple[int, ...]
    dims: tuple[int, ...]
    comparisons: tuple[PairedComparison, ...]
    pca_dim: int
    skipped: tuple[float, ...] = ()
    ffh_means: tuple[float, ...] = ()
    hints_means: tuple[float, ...] = ()

    @property
    def higher(self) -> tuple[float, ...]:
        """Fractions where FFH is, on average, more similar to E than its hints."""
        return tuple(f for f, c in zip(self.fractions, self.comparisons, strict=True)
                     if c.mean_diff > 0)

    @property
    def significant(self) -> tuple[float, ...]:
        """Those of :attr:`higher` where the difference is significant (adjusted p)."""
        return tuple(f for f, c in zip(self.fractions, self.comparisons, strict=True)
                     if c.mean_diff > 0 and c.significant)

    @property
    def lowered(self) -> tuple[tuple[float, int, int], ...]:
        """``(fraction, recorded neurons, d)`` of the comparisons made below ``pca_dim``."""
        return tuple((f, n, d) for f, n, d in zip(self.fractions, self.recorded, self.dims,
                                                  strict=True) if d < self.pca_dim)

    @property
    def family_size(self) -> int:
        """Comparisons with a computable p in the Holm family."""
        return max((c.family_size for c in self.comparisons), default=0)


def ffh_versus_hints(main, fractions, *, params: StudyParams) -> FfhVersusHints:
    """Compare FFH with the hints at each of ``fractions`` (rows from
    :func:`ffhlib.sweep_summary.main_rows`), at ``pca_dim`` or, where fewer neurons were recorded,
    at the largest d they fill (:func:`comparison_dim`); the comparisons are adjusted together
    (Holm)."""
    sim = params.similarity
    kept, counts, dims, tests = [], [], [], {}
    skipped = []
    for f, n in zip(fractions, recorded_neurons(params, fractions), strict=True):
        d = comparison_dim(n, sim.pca_dim, sim.pca_dims)
        if d == 0:
            skipped.append(float(f))
            continue
        sub = main[(main["network"] != "ffh") & (main["network"] != "hints")
                   | np.isclose(main["neuron_fraction"], f)]
        kept.append(float(f))
        counts.append(n)
        dims.append(d)
        tests[f"{f:g}"] = study.compare_kinds(sub, _dim_column(d, sim.pca_dim), "ffh", "hints")
    adjusted = tuple(adjust_family(tests).values()) if tests else ()
    return FfhVersusHints(fractions=tuple(kept), recorded=tuple(counts), dims=tuple(dims),
                          comparisons=adjusted, pca_dim=sim.pca_dim, skipped=tuple(skipped),
                          ffh_means=tuple(c.mean_a for c in adjusted),
                          hints_means=tuple(c.mean_b for c in adjusted))


def table_rows(versus: FfhVersusHints) -> list[tuple[str, ...]]:
    """The chapter's summary table: one row per fraction compared (recorded neurons, d, FFH,
    hints, FFH − hints with its interval, raw and Holm-adjusted p, the claim's mark)."""
    rows = []
    for f, n, d, c in zip(versus.fractions, versus.recorded, versus.dims, versus.comparisons,
                          strict=True):
        lo, hi = c.ci_diff
        rows.append((f"{100 * f:g} %", f"{n:d}", f"{d:d}", f"{c.mean_a:.3f}", f"{c.mean_b:.3f}",
                     f"{c.mean_diff:+.3f} [{lo:+.3f}, {hi:+.3f}]", f"{c.wilcoxon_p:.3g}",
                     f"{c.p_adjusted:.3g}", claim_status(c, "higher")))
    return rows
