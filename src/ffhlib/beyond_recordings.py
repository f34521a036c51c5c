"""Chapter 05 beyond the recordings: unrecorded neurons in unrecorded conditions, the chapter's
family of paired comparisons, and the spread between network seeds.

A model that learned the circuit's dynamics should predict the neurons nobody recorded (the
evaluation set E) in the conditions nobody recorded (the ground truth's untrained reach
directions). This module reads the study tables of chapter 05 (:func:`ffhlib.study.run_study`
with ``training_directions="all"`` and ``"half"``) and reports

- each kind's similarity with E on the untrained directions, of all the activity and of its
  condition-dependent part (:func:`untrained_summaries`, :class:`UntrainedSimilarity`), beside
  the recordings interpolated in angle (the recordings-only predictor), the references and E's
  own interpolation (the headroom);
- the chapter's summary table: every paired comparison the chapter tests, adjusted together by
  Holm's method (:data:`FAMILY`, :func:`comparison_family`, :func:`family_rows`);
- how much FF and FFH vary between network seeds of one ground truth, beside the variation
  between ground truths (:func:`seed_spread`, :class:`SeedSpread`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np

from . import study
from .inference import PairedComparison, adjust_family

__all__ = [
    "FAMILY",
    "HALF_KINDS",
    "HALF_PANELS",
    "HEADROOM_MEASURES",
    "KEY_NAMES",
    "PRIMARY",
    "SEED_LABELS",
    "UNTRAINED_KINDS",
    "UNTRAINED_MEASURES",
    "ComparisonSpec",
    "SeedSpread",
    "UntrainedSimilarity",
    "comparison_family",
    "family_rows",
    "family_table",
    "family_values",
    "half_panels",
    "key_name",
    "nan_values",
    "seed_spread",
    "untrained_summaries",
    "untrained_values",
]

#: The kinds shown on the untrained directions, in the order shown. ``hints`` there are the
#: recorded neurons' rates in the new conditions, which no predictor has.
UNTRAINED_KINDS = ("floor", "ff", "ffh", "interpolation", "e_interpolation", "ceiling", "oracle",
                   "hints")
#: The similarity measures on the untrained directions: all of the activity and its
#: condition-dependent part, canonical correlation and Procrustes distance.
UNTRAINED_MEASURES = ("cca_untrained_e", "cca_cd_untrained_e", "procrustes_untrained_e",
                      "procrustes_cd_untrained_e")
#: The measures of E's own interpolation (rows ``e_interpolation``): R^2 of all of E's activity
#: and of its condition-dependent part on the untrained directions, and the share of E's
#: variance that is the time course shared by all directions.
HEADROOM_MEASURES = ("r2_interp_e", "r2_interp_cd_e", "shared_share_e")
#: How a kind is named in glue keys (``<measure>_<directions>_<kind>_<stat>``).
KEY_NAMES = {"interpolation": "interp", "e_interpolation": "e_interp"}


def key_name(kind: str) -> str:
    """The name of ``kind`` in glue keys (``interpolation`` is ``interp``)."""
    return KEY_NAMES.get(kind, kind)


# ----------------------------------------------------------------------------- untrained directions


@dataclasses.dataclass(frozen=True)
class UntrainedSimilarity:
    """Similarity with E on the untrained directions, for one set of training directions.

    Attributes
    ----------
    training_directions : str
        ``"all"`` or ``"half"`` (:attr:`ffhlib.study.StudyParams.training_directions`).
    measures : dict
        ``{measure: {kind: KindSummary}}`` for each of :data:`UNTRAINED_MEASURES` and
        :data:`UNTRAINED_KINDS`.
    headroom : dict
        ``{measure: KindSummary}`` of the ``e_interpolation`` rows for each of
        :data:`HEADROOM_MEASURES`.
    """

    training_directions: str
    measures: dict
    headroom: dict

    def kinds(self, measure: str) -> dict:
        """``{kind: KindSummary}`` of one measure."""
        if measure not in self.measures:
            raise ValueError(f"measure must be one of {tuple(self.measures)}; got {measure!r}")
        return self.measures[measure]


def untrained_summaries(table, training_directions: str = "all", *,
                        kinds: Sequence[str] = UNTRAINED_KINDS) -> UntrainedSimilarity:
    """:func:`ffhlib.study.summarize` of every untrained-direction measure of ``table``.

    Parameters
    ----------
    table : pandas.DataFrame
        A study table (one set of training directions).
    training_directions : {"all", "half"}
        Which set the table was trained on (a label: the table is not filtered by it).
    kinds : sequence of str
        The kinds to summarise (each must have rows in ``table``).
    """
    if training_directions not in study.TRAINING_DIRECTIONS:
        raise ValueError(f"training_directions must be one of {study.TRAINING_DIRECTIONS}; got "
                         f"{training_directions!r}")
    measures = {m: {k: study.summarize(table, m, k) for k in kinds} for m in UNTRAINED_MEASURES}
    headroom = {m: study.summarize(table, m, "e_interpolation") for m in HEADROOM_MEASURES}
    return UntrainedSimilarity(training_directions=training_directions, measures=measures,
                               headroom=headroom)


def untrained_values(result: UntrainedSimilarity) -> dict:
    """Glue keys of one :class:`UntrainedSimilarity`: ``{measure}_untrained[_half]_{kind}_mean``
    (``_lo``, ``_hi``) for the CCA and Procrustes measures, all and condition-dependent, and the
    headroom ``r2_interp[_cd]_untrained[_half]_E`` and ``shared_share[_half]_E`` (with ``_lo``,
    ``_hi``)."""
    from .summaries import summary_values

    half = "_half" if result.training_directions == "half" else ""
    prefixes = {"cca_untrained_e": "cca_untrained", "cca_cd_untrained_e": "cca_cd_untrained",
                "procrustes_untrained_e": "procrustes_untrained",
                "procrustes_cd_untrained_e": "procrustes_cd_untrained"}
    values = {}
    for measure, prefix in prefixes.items():
        named = {key_name(k): s for k, s in result.measures[measure].items()}
        values.update(summary_values(prefix + half, named))
    headroom = {"r2_interp_e": f"r2_interp_untrained{half}_E",
                "r2_interp_cd_e": f"r2_interp_cd_untrained{half}_E",
                "shared_share_e": f"shared_share{half}_E"}
    for measure, key in headroom.items():
        s = result.headroom[measure]
        values.update({key: s.mean, f"{key}_lo": s.low, f"{key}_hi": s.high})
    return values


# ----------------------------------------------------------------------------- the family


@dataclasses.dataclass(frozen=True)
class ComparisonSpec:
    """One paired comparison of the chapter's summary table.

    Attributes
    ----------
    key : str
        Its glue prefix (:func:`ffhlib.summaries.comparison_values`).
    measure : str
        The study-table column compared.
    a, b : str
        The kinds compared (``a - b``).
    training_directions : {"all", "half"}
        Which study table it reads.
    better : {"higher", "lower"}
        Which direction of the measure is closer to E.
    label : str
        Its row in the table.
    """

    key: str
    measure: str
    a: str
    b: str
    training_directions: str
    better: str
    label: str


def _spec(key, measure, a, b, label, directions="all", better="higher") -> ComparisonSpec:
    return ComparisonSpec(key=key, measure=measure, a=a, b=b, training_directions=directions,
                          better=better, label=label)


#: Every paired comparison of chapter 05's summary table, in table order: one Holm family.
FAMILY = (
    _spec("cca_unobserved", "cca_e", "ffh", "ff", "training directions, CCA: FFH − FF"),
    _spec("cca_hints_cmp", "cca_e", "ffh", "hints", "training directions, CCA: FFH − recorded"),
    _spec("cca_cd_train_ffh_vs_ff", "cca_cd_e", "ffh", "ff",
          "training directions, condition-dependent CCA: FFH − FF"),
    _spec("cca_cd_train_ffh_vs_hints", "cca_cd_e", "ffh", "hints",
          "training directions, condition-dependent CCA: FFH − recorded"),
    _spec("cca_nomean_cmp", "cca_nomean_e", "ffh", "ff",
          "training directions, CCA without direction means: FFH − FF"),
    _spec("procrustes_e_cmp", "procrustes_e", "ffh", "ff",
          "training directions, Procrustes (lower is closer): FFH − FF", better="lower"),
    _spec("cca_whole_cmp", "cca_whole", "ffh", "ff",
          "training directions, CCA with the whole SOC (circular for FFH): FFH − FF"),
    _spec("cca_untrained_ffh_vs_interp", "cca_untrained_e", "ffh", "interpolation",
          "untrained directions, CCA: FFH − interpolated recordings"),
    _spec("cca_cd_untrained_ffh_vs_interp", "cca_cd_untrained_e", "ffh", "interpolation",
          "untrained directions, condition-dependent CCA (primary): FFH − interpolated "
          "recordings"),
    _spec("cca_cd_untrained_ff_vs_interp", "cca_cd_untrained_e", "ff", "interpolation",
          "untrained directions, condition-dependent CCA: FF − interpolated recordings"),
    _spec("cca_cd_untrained_ffh_vs_ff", "cca_cd_untrained_e", "ffh", "ff",
          "untrained directions, condition-dependent CCA: FFH − FF"),
    _spec("procrustes_cd_untrained_ffh_vs_interp", "procrustes_cd_untrained_e", "ffh",
          "interpolation", "untrained directions, condition-dependent Procrustes (lower is "
          "closer): FFH − interpolated recordings", better="lower"),
    _spec("cca_cd_untrained_half_ffh_vs_interp", "cca_cd_untrained_e", "ffh", "interpolation",
          "half the training directions, untrained, condition-dependent CCA: FFH − "
          "interpolated recordings", directions="half"),
    _spec("cca_cd_untrained_half_ff_vs_interp", "cca_cd_untrained_e", "ff", "interpolation",
          "half the training directions, untrained, condition-dependent CCA: FF − "
          "interpolated recordings", directions="half"),
)
#: The key of the primary comparison: FFH against the interpolated recordings, condition-dependent
#: CCA with E on the untrained directions.
PRIMARY = "cca_cd_untrained_ffh_vs_interp"


def comparison_family(tables: Mapping[str, object],
                      specs: Sequence[ComparisonSpec] = FAMILY) -> dict[str, PairedComparison]:
    """Every comparison of ``specs``, its p adjusted by Holm's method over the whole family.

    Parameters
    ----------
    tables : mapping
        ``{"all": table, "half": table}``: the study tables of each set of training directions
        (``"half"`` may be left out when no spec reads it).
    specs : sequence of ComparisonSpec

    Returns
    -------
    dict of str to PairedComparison
        By ``spec.key``, in ``specs`` order (:func:`ffhlib.inference.adjust_family`).
    """
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"the keys of specs must be unique; got {keys}")
    missing = sorted({s.training_directions for s in specs} - set(tables))
    if missing:
        raise ValueError(f"tables lacks the study tables {missing}")
    raw = {s.key: study.compare_kinds(tables[s.training_directions], s.measure, s.a, s.b)
           for s in specs}
    return adjust_family(raw)


def _number(value: float, fmt: str) -> str:
    return "–" if not np.isfinite(value) else format(value, fmt)


def family_rows(family: Mapping[str, PairedComparison],
                specs: Sequence[ComparisonSpec] = FAMILY) -> list[tuple[str, ...]]:
    """The rows of the chapter's summary table: label, mean difference with its interval, raw p,
    Holm-adjusted p, and the mark of :func:`ffhlib.report.claim_status` (whether the comparison
    supports ``a`` being closer to E). A number that cannot be computed shows as "–"."""
    from .report import claim_status

    rows = []
    for spec in specs:
        c = family[spec.key]
        lo, hi = c.ci_diff
        interval = (f" [{_number(lo, '+.3f')}, {_number(hi, '+.3f')}]"
                    if np.isfinite(lo) and np.isfinite(hi) else "")
        rows.append((spec.label, f"{_number(c.mean_diff, '+.3f')}{interval}",
                     _number(c.wilcoxon_p, ".3g"), _number(c.p_adjusted, ".3g"),
                     claim_status(c, spec.better)))
    return rows


def family_table(family: Mapping[str, PairedComparison],
                 specs: Sequence[ComparisonSpec] = FAMILY) -> str:
    """The chapter's summary table (:func:`family_rows`) as a numbered MyST table,
    ``tab-comparisons``."""
    from .notebook import markdown_table
    from .summaries import N_BOOT

    caption = ("The chapter's paired comparisons, one family: the mean over ground truths of "
               "each ground truth's difference, with its 95 % percentile bootstrap interval over "
               f"ground truths ({N_BOOT:,} resamples); the two-sided Wilcoxon signed-rank p of "
               "those differences; the same p adjusted by Holm's method over every comparison of "
               "the table; and whether the comparison supports the first-named activity being "
               "closer to E (✔, significant after adjustment), goes against it (✘) or is not "
               "significant (–).")
    return markdown_table(["comparison", "difference [95 % interval]", "$p$", "$p$ (Holm)",
                           "first closer to E"], family_rows(family, specs),
                          caption=caption, name="tab-comparisons")


def family_values(family: Mapping[str, PairedComparison]) -> dict:
    """Glue keys of the family: :func:`ffhlib.summaries.comparison_values` of each comparison,
    the size of the family, and the Holm-adjusted p of the two comparisons of FFH with the
    interpolated recordings under their own names (``pvalue_cd_untrained_ffh_vs_interp``,
    ``pvalue_untrained_ffh_vs_interp``)."""
    from .summaries import comparison_values

    values = {}
    for key, c in family.items():
        values.update(comparison_values(key, c))
    values["sim_family_size"] = max(c.family_size for c in family.values())
    for name in ("cd_untrained_ffh_vs_interp", "untrained_ffh_vs_interp"):
        if f"cca_{name}" in family:
            values[f"pvalue_{name}"] = family[f"cca_{name}"].p_adjusted
    return values


#: The kinds compared with all and with half the training directions.
HALF_KINDS = ("ff", "ffh", "interpolation", "e_interpolation", "oracle", "hints")
#: The measures of that comparison and their panel titles.
HALF_PANELS = (("cca_cd_untrained_e", "a. condition-dependent part (primary)"),
               ("cca_untrained_e", "b. all of the activity"))


def half_panels(full: UntrainedSimilarity, half: UntrainedSimilarity,
                kinds: Sequence[str] = HALF_KINDS) -> dict:
    """``{panel title: {set of training directions: {kind: KindSummary}}}`` for
    :func:`ffhlib.plotting.similarity.plot_direction_sets`: each measure of
    :data:`HALF_PANELS` with all and with half the training directions."""
    sets = {"all training directions": full, "every other training direction": half}
    return {title: {label: {k: r.measures[measure][k] for k in kinds}
                    for label, r in sets.items()}
            for measure, title in HALF_PANELS}


# ----------------------------------------------------------------------------- network seeds

#: What each measure of chapter 05's network-seed figure is called in sentences and titles.
SEED_LABELS = {"cca_e": "canonical correlation with E on the training directions",
               "cca_cd_untrained_e": "condition-dependent canonical correlation with E on the "
                                     "untrained directions"}


@dataclasses.dataclass(frozen=True)
class SeedSpread:
    """How much one measure varies between network seeds of a ground truth, and between ground
    truths.

    Attributes
    ----------
    measure : str
    ground_truths : ndarray (G,)
    seeds : ndarray (S,)
    values : dict of str to ndarray (G, S)
        Each kind's measure, ground truth by network seed.
    within_sd : dict of str to float
        Pooled standard deviation between the network seeds of one ground truth.
    between_sd : dict of str to float
        Standard deviation of the ground truths' means (over their seeds).

    Notes
    -----
    With :math:`x_{gs}` the measure of ground truth :math:`g` and seed :math:`s` (:math:`S`
    seeds each), :math:`\\bar x_g` its mean over seeds,

    .. math:: \\sigma_{within} = \\Big(\\frac{1}{G} \\sum_g \\frac{1}{S-1}
              \\sum_s (x_{gs} - \\bar x_g)^2\\Big)^{1/2}, \\qquad
              \\sigma_{between} = \\Big(\\frac{1}{G-1} \\sum_g (\\bar x_g - \\bar x)^2\\Big)^{1/2}.
    """

    measure: str
    ground_truths: np.ndarray
    seeds: np.ndarray
    values: dict
    within_sd: dict
    between_sd: dict


def seed_spread(table, measure: str, kinds: Sequence[str] = study.NETWORKS) -> SeedSpread:
    """:class:`SeedSpread` of ``measure`` for ``kinds`` from a study table in which every ground
    truth has the same network seeds (at least 2 seeds and 2 ground truths)."""
    if measure not in table:
        raise ValueError(f"the table has no column {measure!r}")
    values = {}
    grid = None
    for kind in kinds:
        rows = table[(table["network"] == kind) & (table["error"] == "")]
        if rows.empty:
            raise ValueError(f"no rows of kind {kind!r} in the table")
        wide = rows.pivot_table(index="ground_truth", columns="seed", values=measure,
                                aggfunc="mean")
        if wide.isna().to_numpy().any():
            raise ValueError(f"every ground truth must have every network seed ({kind!r} lacks "
                             "some)")
        if grid is not None and (list(wide.index), list(wide.columns)) != grid:
            raise ValueError("every kind must have the same ground truths and seeds")
        grid = (list(wide.index), list(wide.columns))
        values[kind] = wide.to_numpy(dtype=float)
    gts, seeds = grid
    if len(seeds) < 2 or len(gts) < 2:
        raise ValueError(f"a seed spread needs at least 2 ground truths and 2 network seeds; got "
                         f"{len(gts)} and {len(seeds)}")
    within = {k: float(np.sqrt(np.mean(np.var(v, axis=1, ddof=1)))) for k, v in values.items()}
    between = {k: float(np.std(v.mean(axis=1), ddof=1)) for k, v in values.items()}
    return SeedSpread(measure=measure, ground_truths=np.asarray(gts), seeds=np.asarray(seeds),
                      values=values, within_sd=within, between_sd=between)


def nan_values(keys: Sequence[str]) -> dict:
    """NaN for each key (an analysis not run in this execution)."""
    return dict.fromkeys(keys, math.nan)
