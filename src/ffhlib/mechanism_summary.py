"""What the mechanisms chapter shows of the mechanism study: summaries, its table, its glue values.

Built from the tidy table and rows of :func:`ffhlib.mechanism_study.run_mechanisms`: means over
ground truths with their percentile bootstrap intervals (:func:`ffhlib.study.summarize`) and the
paired FFH - FF tests (:func:`ffhlib.study.compare_kinds`), one named summary per analysis,
``None`` for an analysis the reader switched off. The tests of the chapter's table (one per row)
are one Holm family (:func:`ffhlib.inference.adjust_family`): every summary holds the adjusted
comparison. Nothing here runs an analysis, and this module lies outside the import closure
of the cached mechanism stage, so editing what a chapter shows never invalidates the cached
results. The sentences come from :mod:`ffhlib.report`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from . import report, report_book, report_mechanisms
from ._validate import check_int
from .inference import PairedComparison, adjust_family
from .mechanism_study import MechanismParams, UnitMechanisms, rotation_deviation
from .plotting.style import interval_text
from .study import StudyParams, compare_kinds, ground_truth, paired_differences, summarize
from .summaries import comparison_values, summary_values

__all__ = [
    "MechanismComparison",
    "onset_columns",
    "MechanismSummary",
    "PreparationSummary",
    "RotationSummary",
    "SimilaritySummary",
    "VariantSummary",
    "DSA_KINDS",
    "glue_values",
    "mechanism_params",
    "summarize_mechanisms",
    "table_rows",
    "table_tests",
]


def mechanism_params(*, quick: bool, analyses=None, delays_ms=None, dsa_n_delays=None,
                     dsa_rank=None) -> MechanismParams:
    """The chapter's :class:`MechanismParams`: the preset (quick or not) with the reader's knobs.

    ``None`` keeps the preset's value. In quick mode the quick preset's operator is kept
    (``dsa_n_delays`` and ``dsa_rank`` are ignored): the chapter's defaults are sized for the
    full networks.
    """
    base = MechanismParams.quick() if quick else MechanismParams()
    knobs = {"analyses": analyses, "delays_ms": delays_ms}
    if not quick:
        knobs.update(dsa_n_delays=dsa_n_delays, dsa_rank=dsa_rank)
    return dataclasses.replace(base, **{k: v for k, v in knobs.items() if v is not None})


# ----------------------------------------------------------------------------- named summaries


@dataclasses.dataclass(frozen=True)
class RotationSummary:
    """jPCA over ground truths.

    Attributes
    ----------
    strength : dict of kind to KindSummary
        Rotational strength of ``floor``, ``ff``, ``ffh`` and ``soc`` (in that order).
    deviation : PairedComparison
        FFH - FF of each network's distance from its ground truth's strength, ``jpca_deviation``.
    """

    strength: dict
    deviation: PairedComparison


@dataclasses.dataclass(frozen=True)
class PreparationSummary:
    """Preparatory states and the linearisation at movement onset.

    Attributes
    ----------
    found : dict of "ff", "ffh" to KindSummary
        Share of the directions resting at a stable fixed point (``fp_found_fraction``).
    geometry : dict of "ff", "ffh" to KindSummary
        Correlation of the preparatory geometry with the SOC's (``prep_rsa``).
    geometry_comparison : PairedComparison
        Its FFH - FF comparison.
    lead_real : dict of "soc", "ff", "ffh" to float
        Real part (1/s) of the leading eigenvalue at movement onset, averaged over directions and
        then over every row of the kind.
    spectra : dict of "SOC", "FF", "FFH" to complex ndarray (C, n_eigenvalues)
        The leading eigenvalues (1/s) of the study's first unit.
    """

    found: dict
    geometry: dict
    geometry_comparison: PairedComparison
    lead_real: dict
    spectra: dict


@dataclasses.dataclass(frozen=True)
class SimilaritySummary:
    """Dynamical similarity to the evaluation neurons.

    Attributes
    ----------
    distance : dict of kind to KindSummary
        DSA distance of ``floor``, ``ff``, ``ffh``, ``hints`` (the recorded neurons),
        ``ceiling`` (two samples of unrecorded neurons) and ``oracle`` (in that order).
    comparison : PairedComparison
        FFH - FF.
    unit_differences : dict of ground truth to ndarray (seeds,)
        The paired FFH - FF differences of each ground truth's network seeds.
    """

    distance: dict
    comparison: PairedComparison
    unit_differences: dict


@dataclasses.dataclass(frozen=True)
class VariantSummary:
    """Untrained task variants.

    Attributes
    ----------
    delays_ms : ndarray (D,)
        Preparatory periods run (ms).
    trained_delay_ms : float
        The trained preparatory period (ms).
    delay_error : dict of "ff", "ffh" to KindSummary
        EMG error at each preparatory period (array summaries, length D).
    short : int
        Index of the shortest preparatory period.
    delay_comparison : PairedComparison
        FFH - FF of the error at the shortest period.
    switch_error : dict of "ff", "ffh" to KindSummary
        EMG error with the cue switched.
    switch_comparison : PairedComparison
    ignore_error : KindSummary
        The error of ignoring the switch.
    """

    delays_ms: np.ndarray
    trained_delay_ms: float
    delay_error: dict
    short: int
    delay_comparison: PairedComparison
    switch_error: dict
    switch_comparison: PairedComparison
    ignore_error: object


@dataclasses.dataclass(frozen=True)
class MechanismComparison:
    """One row of the chapter's table: an FFH-vs-FF comparison.

    Attributes
    ----------
    measure : str
        Its key in :data:`ffhlib.report_mechanisms.MECHANISM_MEASURES` (wording, better direction).
    column : str
        The table column compared.
    label : str
        What the row compares.
    ff, ffh : float
        Means over ground truths.
    reference : str
        The reference values a reader compares them with ("" when none).
    test : PairedComparison
        FFH - FF over ground truths.
    """

    measure: str
    column: str
    label: str
    ff: float
    ffh: float
    reference: str
    test: PairedComparison


@dataclasses.dataclass(frozen=True)
class MechanismSummary:
    """Everything the mechanisms chapter reports (``None``: the analysis was switched off).

    Attributes
    ----------
    params : StudyParams
    mech : MechanismParams
    n_directions : int
        Training directions of the ground truths.
    rotation : RotationSummary or None
    preparation : PreparationSummary or None
    similarity : SimilaritySummary or None
    variants : VariantSummary or None
    comparisons : tuple of MechanismComparison
        The rows of the chapter's table, in the order of the analyses; their tests are one Holm
        family.
    cold_minutes : float
        Minutes a run from an empty cache takes with ``n_workers`` workers: scoring and training
        the networks and the analyses, each as long as its original computation.
    n_workers : int
    analyses_seconds : float
        Compute seconds of the analyses alone (what the chapter adds to chapter 05's networks).
    """

    params: StudyParams
    mech: MechanismParams
    n_directions: int
    rotation: RotationSummary | None
    preparation: PreparationSummary | None
    similarity: SimilaritySummary | None
    variants: VariantSummary | None
    comparisons: tuple
    cold_minutes: float
    n_workers: int
    analyses_seconds: float = math.nan

    @property
    def family_size(self) -> int:
        """Comparisons with a computable p in the table's Holm family."""
        return max((c.test.family_size for c in self.comparisons), default=0)


# ----------------------------------------------------------------------------- summarising


def _kinds(table, column, kinds) -> dict:
    return {k: summarize(table, column, k) for k in kinds}


#: Kinds of the DSA figure and table, in drawing order.
DSA_KINDS = ("floor", "ff", "ffh", "hints", "ceiling", "oracle")


def _rotation(table, test: PairedComparison) -> RotationSummary:
    return RotationSummary(strength=_kinds(table, "jpca_rotation", ("floor", "ff", "ffh", "soc")),
                           deviation=test)


def _preparation(params: StudyParams, table, rows: Sequence[UnitMechanisms],
                 test: PairedComparison):
    first = {r.network: r for r in rows
             if (r.ground_truth, r.seed) == params.units[0] and r.network in ("soc", "ff", "ffh")}
    lead = {k: float(np.mean([r.onset_eigenvalues[:, 0].real.mean() for r in rows
                              if r.network == k])) for k in ("soc", "ff", "ffh")}
    return PreparationSummary(
        found=_kinds(table, "fp_found_fraction", ("ff", "ffh")),
        geometry=_kinds(table, "prep_rsa", ("ff", "ffh")),
        geometry_comparison=test, lead_real=lead,
        spectra={k.upper(): first[k].onset_eigenvalues for k in ("soc", "ff", "ffh")})


def _similarity(table, test: PairedComparison) -> SimilaritySummary:
    differences = paired_differences(table, "dsa", "ffh", "ff")
    return SimilaritySummary(
        distance=_kinds(table, "dsa", DSA_KINDS), comparison=test,
        unit_differences={g: d["dsa"].to_numpy() for g, d in differences.groupby("ground_truth")})


def _variants(params: StudyParams, mech: MechanismParams, table, delay: PairedComparison,
              switch: PairedComparison) -> VariantSummary:
    delays = np.asarray(mech.delays_ms)
    cols = [f"delay_err_{i}" for i in range(delays.size)]
    return VariantSummary(
        delays_ms=delays, trained_delay_ms=params.force.prep_ms,
        delay_error={k: summarize(table, cols, k) for k in ("ff", "ffh")},
        short=int(np.argmin(delays)), delay_comparison=delay,
        switch_error=_kinds(table, "switch_err", ("ff", "ffh")), switch_comparison=switch,
        ignore_error=summarize(table, "switch_ignore_err", "ff"))


def onset_columns(table, rows: Sequence[UnitMechanisms]):
    """``table`` with each row's leading onset eigenvalue: ``onset_lead_real`` (its real part,
    1/s, mean over directions), ``onset_growing`` (share of directions where it is positive: a
    growing mode at movement onset) and, on the networks' rows, ``onset_deviation`` =
    |``onset_lead_real`` - the SOC's| of the same ground truth (NaN where not computed)."""
    lead = {(r.ground_truth, r.seed, r.network): r.onset_eigenvalues[:, 0].real for r in rows}
    keys = list(zip(table["ground_truth"], table["seed"], table["network"], strict=True))
    out = table.copy()
    out["onset_lead_real"] = [float(np.mean(lead[k])) if k in lead else math.nan for k in keys]
    out["onset_growing"] = [float(np.mean(lead[k] > 0)) if k in lead else math.nan
                            for k in keys]
    soc = out[out["network"] == "soc"].groupby("ground_truth")["onset_lead_real"].mean()
    out["onset_deviation"] = (out["onset_lead_real"] - out["ground_truth"].map(soc)).abs()
    out.loc[~out["network"].isin(("ff", "ffh")), "onset_deviation"] = math.nan
    return out


def _table_columns(mech: MechanismParams) -> dict:
    """The measure of each row of the chapter's table and the column it compares, in order."""
    ran, out = set(mech.analyses), {}
    if "jpca" in ran:
        out["jpca_deviation"] = "jpca_deviation"
    if "fixed_points" in ran:
        out["prep_rsa"] = "prep_rsa"
        out["fp_found"] = "fp_found_fraction"
        out["onset_deviation"] = "onset_deviation"
    if "dsa" in ran:
        out["dsa"] = "dsa"
    if "variants" in ran:
        out["delay_err"] = f"delay_err_{int(np.argmin(mech.delays_ms))}"
        out["switch_err"] = "switch_err"
    return out


def table_tests(mech: MechanismParams, table) -> dict:
    """FFH - FF of every row of the chapter's table, Holm-adjusted together.

    Returns
    -------
    dict of measure to PairedComparison
        Keys of :data:`ffhlib.report_mechanisms.MECHANISM_MEASURES`, for the analyses run.
    """
    return adjust_family({m: compare_kinds(table, c, "ffh", "ff")
                          for m, c in _table_columns(mech).items()})


def _comparisons(mech: MechanismParams, table, tests: dict) -> tuple:
    def mean(column, kind):
        return summarize(table, column, kind).mean

    labels = {"jpca_deviation": ("rotations: |strength − the SOC's|",
                                 lambda: f"SOC's strength {mean('jpca_rotation', 'soc'):.3f}"),
              "prep_rsa": ("preparatory geometry: correlation with the SOC's", lambda: ""),
              "fp_found": ("directions held at a stable fixed point at the end of the cue",
                           lambda: "the SOC: none (its direction enters through its gains)"),
              "onset_deviation": (
                  "onset dynamics: |leading eigenvalue − the SOC's| (1/s)",
                  lambda: (f"SOC's {mean('onset_lead_real', 'soc'):.1f} /s; growing modes in "
                           f"{100 * mean('onset_growing', 'ff'):.0f} % (FF), "
                           f"{100 * mean('onset_growing', 'ffh'):.0f} % (FFH) of directions, "
                           f"{100 * mean('onset_growing', 'soc'):.0f} % (SOC)")),
              "dsa": ("dynamics: DSA distance to E",
                      lambda: (f"two samples of unrecorded neurons {mean('dsa', 'ceiling'):.3f}, "
                               f"oracle {mean('dsa', 'oracle'):.3f}, hints "
                               f"{mean('dsa', 'hints'):.3f}, floor {mean('dsa', 'floor'):.3f}")),
              "delay_err": (f"preparation of {min(mech.delays_ms):g} ms: EMG error", lambda: ""),
              "switch_err": ("cue switched: EMG error",
                             lambda: f"ignoring the switch {mean('switch_ignore_err', 'ff'):.3f}")}
    out = []
    for measure, column in _table_columns(mech).items():
        label, reference = labels[measure]
        out.append(MechanismComparison(
            measure=measure, column=column, label=label, ff=mean(column, "ff"),
            ffh=mean(column, "ffh"), reference=reference(), test=tests[measure]))
    return tuple(out)


def summarize_mechanisms(params: StudyParams, mech: MechanismParams, table,
                         rows: Sequence[UnitMechanisms], *, networks,
                         n_workers: int) -> MechanismSummary:
    """Summarise the mechanism study for the chapter.

    Parameters
    ----------
    params : StudyParams
    mech : MechanismParams
        The settings the study ran with (``mech.analyses`` decides which summaries exist).
    table, rows
        The output of :func:`ffhlib.mechanism_study.run_mechanisms` (``jpca_deviation`` is added
        here with :func:`~ffhlib.mechanism_study.rotation_deviation`).
    networks : pandas.DataFrame
        The study table of the networks analysed (:func:`ffhlib.study.run_study`), with its
        ``seconds`` and ``train_seconds``: for the estimate of a run from an empty cache.
    n_workers : int
        Worker processes of that estimate (>= 1).

    Returns
    -------
    MechanismSummary
    """
    if not isinstance(mech, MechanismParams):
        raise TypeError(f"mech must be MechanismParams, got {type(mech).__name__}")
    n_workers = check_int("n_workers", n_workers, minimum=1)
    table = rotation_deviation(table)
    ran = set(mech.analyses)
    if "fixed_points" in ran:
        table = onset_columns(table, rows)
    cold = (networks["seconds"].sum() + networks["train_seconds"].sum()
            + table["seconds"].sum()) / 60 / n_workers
    tests = table_tests(mech, table)
    return MechanismSummary(
        params=params, mech=mech,
        n_directions=ground_truth(params, params.ground_truth_seeds[0]).training.n_directions,
        rotation=_rotation(table, tests["jpca_deviation"]) if "jpca" in ran else None,
        preparation=(_preparation(params, table, rows, tests["prep_rsa"])
                     if "fixed_points" in ran else None),
        similarity=_similarity(table, tests["dsa"]) if "dsa" in ran else None,
        variants=(_variants(params, mech, table, tests["delay_err"], tests["switch_err"])
                  if "variants" in ran else None),
        comparisons=_comparisons(mech, table, tests), cold_minutes=float(cold),
        n_workers=n_workers, analyses_seconds=float(table["seconds"].sum()))


# ----------------------------------------------------------------------------- the chapter's table


def table_rows(summary: MechanismSummary) -> list[tuple[str, ...]]:
    """The chapter's comparison table: label, FF and FFH means, reference, raw p, Holm-adjusted p
    (over the table's rows), and the mark of
    :func:`ffhlib.report_mechanisms.mechanism_claim` (from the adjusted p); one placeholder row
    when no analysis ran."""
    rows = [(c.label, f"{c.ff:.3f}", f"{c.ffh:.3f}", c.reference, f"{c.test.wilcoxon_p:.3g}",
             f"{c.test.p_adjusted:.3g}", report_mechanisms.mechanism_claim(c.measure, c.test))
            for c in summary.comparisons]
    return rows or [(report_mechanisms.MECHANISMS_NOT_RUN, "", "", "", "", "", "")]


# ----------------------------------------------------------------------------- glue values


def _plain(value):
    """A glued value as a plain Python object (NumPy scalars become int, float, bool)."""
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return value


def _not_run(keys) -> dict:
    return dict.fromkeys(keys, math.nan)


def _rotation_values(rotation: RotationSummary | None) -> dict:
    if rotation is None:
        return _not_run([f"jpca_rot_{k}_{s}" for k in ("soc", "ff", "ffh", "floor")
                         for s in ("mean", "lo", "hi")]
                        + ["jpca_rot_soc", "jpca_rot_ff", "jpca_rot_ffh", "jpca_pvalue",
                           "jpca_padj", "jpca_verdict"])
    rot, dev = rotation.strength, rotation.deviation
    return {**summary_values("jpca_rot", rot), **comparison_values("jpca_dev", dev),
            "jpca_rot_soc": rot["soc"].mean, "jpca_rot_ff": rot["ff"].mean,
            "jpca_rot_ffh": rot["ffh"].mean, "jpca_pvalue": dev.wilcoxon_p,
            "jpca_padj": dev.p_adjusted,
            "jpca_verdict": report_mechanisms.describe_mechanism("jpca_deviation", dev)}


def _preparation_values(prep: PreparationSummary | None) -> dict:
    if prep is None:
        return _not_run(["fp_found_fraction_ff", "fp_found_fraction_ffh", "prep_rsa_ff",
                         "prep_rsa_ffh", "prep_rsa_verdict", "prep_rsa_pvalue", "prep_rsa_padj",
                         "lead_real_soc",
                         "lead_real_ff", "lead_real_ffh"])
    return {**summary_values("fp_found", prep.found),
            **summary_values("prep_rsa", prep.geometry),
            **comparison_values("prep_rsa", prep.geometry_comparison),
            "fp_found_fraction_ff": prep.found["ff"].mean,
            "fp_found_fraction_ffh": prep.found["ffh"].mean,
            "prep_rsa_ff": prep.geometry["ff"].mean, "prep_rsa_ffh": prep.geometry["ffh"].mean,
            "prep_rsa_verdict": report_mechanisms.describe_mechanism(
                "prep_rsa", prep.geometry_comparison),
            **{f"lead_real_{k}": v for k, v in prep.lead_real.items()}}


def _similarity_values(similarity: SimilaritySummary | None) -> dict:
    if similarity is None:
        return _not_run([f"dsa_{k}_{s}" for k in DSA_KINDS for s in ("mean", "lo", "hi")]
                        + ["dsa_pvalue", "dsa_padj", "dsa_verdict", "dsa_claim",
                           "dsa_hints_text"])
    test = similarity.comparison
    return {**summary_values("dsa", similarity.distance), **comparison_values("dsa", test),
            "dsa_claim": report_mechanisms.mechanism_claim("dsa", test),
            "dsa_hints_text": report_mechanisms.dsa_references_text(similarity.distance),
            "dsa_verdict": report_mechanisms.describe_mechanism("dsa", test)}


def _variant_values(variants: VariantSummary | None) -> dict:
    if variants is None:
        return _not_run(["delay_short_ms", "delay_err_ff_short", "delay_err_ffh_short",
                         "delay_pvalue", "delay_padj", "delay_verdict", "switch_err_ff",
                         "switch_err_ffh", "switch_pvalue", "switch_padj", "switch_ignore_err",
                         "switch_verdict"])
    short, delay, switch = variants.short, variants.delay_comparison, variants.switch_comparison
    return {**comparison_values("delay", delay), **comparison_values("switch", switch),
            **summary_values("switch_err", variants.switch_error),
            "delay_short_ms": float(variants.delays_ms[short]),
            "delay_err_ff_short": variants.delay_error["ff"].mean[short],
            "delay_err_ffh_short": variants.delay_error["ffh"].mean[short],
            "delay_verdict": report_mechanisms.describe_mechanism(
                "delay_err", delay, delay_ms=variants.delays_ms[short]),
            "switch_err_ff": variants.switch_error["ff"].mean,
            "switch_err_ffh": variants.switch_error["ffh"].mean,
            "switch_ignore_err": variants.ignore_error.mean,
            "switch_verdict": report_mechanisms.describe_mechanism("switch_err", switch)}


def _setting_values(summary: MechanismSummary) -> dict:
    params, mech = summary.params, summary.mech
    claims = [report_mechanisms.mechanism_claim(c.measure, c.test) for c in summary.comparisons]
    return {
        "n_ground_truths": len(params.ground_truth_seeds), "n_seeds": len(params.seeds),
        "mech_unit_ground_truth": params.units[0][0], "mech_unit_seed": params.units[0][1],
        "mech_jpca_pcs": mech.jpca_pcs, "mech_soft_norm": mech.jpca_soft_norm,
        "mech_q_tol": mech.fp_q_tol, "mech_fp_radius": mech.fp_radius,
        "mech_n_directions": summary.n_directions, "mech_n_eigenvalues": mech.n_eigenvalues,
        "mech_tau_soc": params.ground_truth.rates.tau_ms, "mech_tau_rnn": params.force.tau_ms,
        "mech_dsa_pcs": mech.dsa_pcs, "dsa_n_delays": mech.dsa_n_delays,
        "dsa_rank": mech.dsa_rank,
        "mech_delays_text": ", ".join(f"{d:g}" for d in mech.delays_ms),
        "mech_trained_delay": params.force.prep_ms,
        "mech_switch_percent": 100 * mech.switch_at,
        "mech_switch_degrees": 360 * mech.switch_offset / summary.n_directions,
        "mech_interval_text": interval_text(len(params.ground_truth_seeds)),
        "mech_summary_text": report_mechanisms.describe_mechanism_tally(claims),
        "mech_family_size": summary.family_size,
        "mech_family_text": report.holm_family_text(summary.family_size,
                                                    what="FFH against FF, one per row"),
        "mech_cold_minutes": summary.cold_minutes, "mech_cold_workers": summary.n_workers,
        "mech_analyses_minutes": summary.analyses_seconds / 60 / summary.n_workers,
    }


def _table_values(summary: MechanismSummary) -> dict:
    """Each row of the chapter's table under its measure (``mech_{measure}_label``, ``_ff``,
    ``_ffh``, ``_reference``, ``_padj``, ``_claim``; "not run" and NaN for an analysis switched
    off, so that the introduction always finds them), and ``mech_claim``: the introduction's mark
    over every row (:func:`ffhlib.report_book.mechanism_verdict`)."""
    values: dict = {}
    for measure in report_mechanisms.MECHANISM_MEASURES:
        values.update({f"mech_{measure}_{k}": "not run" for k in ("label", "reference", "claim")})
        values.update({f"mech_{measure}_{k}": math.nan for k in ("ff", "ffh", "padj")})
    for c in summary.comparisons:
        values.update({f"mech_{c.measure}_label": c.label, f"mech_{c.measure}_ff": c.ff,
                       f"mech_{c.measure}_ffh": c.ffh,
                       f"mech_{c.measure}_reference": c.reference or "–",
                       f"mech_{c.measure}_padj": c.test.p_adjusted,
                       f"mech_{c.measure}_claim": report_mechanisms.mechanism_claim(c.measure,
                                                                                  c.test)})
    values["mech_claim"] = report_book.mechanism_verdict(
        [(c.test, report_mechanisms.MECHANISM_MEASURES[c.measure][1])
         for c in summary.comparisons])
    return values


def glue_values(summary: MechanismSummary) -> dict:
    """Every value the chapter glues, as plain Python types (NaN for an analysis switched off).

    Returns
    -------
    dict of str to int, float or str
        Per analysis, the means with their intervals (``{prefix}_{kind}_mean/_lo/_hi``), the
        paired FFH - FF comparison (``{prefix}_diff``, ``_pvalue``, ...), the values the prose
        quotes and its verdicts (:mod:`ffhlib.report`); then the settings the methods quote.
    """
    parts = [_rotation_values(summary.rotation), _preparation_values(summary.preparation),
             _similarity_values(summary.similarity), _variant_values(summary.variants),
             _setting_values(summary), _table_values(summary)]
    values: dict = {}
    for part in parts:
        clash = values.keys() & part.keys()
        if clash:
            raise RuntimeError(f"glue keys computed twice: {sorted(clash)}")
        values.update(part)
    return {k: _plain(v) for k, v in values.items()}
