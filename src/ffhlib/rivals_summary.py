"""Chapter 09's summaries: the rivals beside FFH and FF, and the verdict per measure.

From the study table with the rivals' rows (:func:`ffhlib.rivals.run_study`) and the robustness
table (:func:`ffhlib.rival_measures.run_measures`), :func:`summarize_rivals` gives

- per network kind, the mean over ground truths (with its 95 % bootstrap interval) of each
  measure of :data:`MEASURES`, the worst fit R² of any of its networks, the median training
  seconds per network, and how many of its networks failed (diverged) or were flagged (fit R²
  below :data:`FIT_FLAG`);
- the chapter's family of paired comparisons: each rival against FFH on the **primary** measure
  (condition-dependent CCA with E on the untrained directions) and the **secondary** one (CCA with
  E on the training directions), Wilcoxon over ground truths, Holm-adjusted over the family; a
  rival "matches FFH" on a measure when the 95 % interval of the paired difference lies within
  ±:data:`MARGIN`;
- the same family without the flagged networks (the sensitivity row, fixed in advance): every
  unit in which the rival or FFH has a fit R² below :data:`FIT_FLAG` is left out of that rival's
  comparisons.

:func:`chapter_values` gathers the glue keys.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import study
from .generalization import GeneralizationParams
from .inference import PairedComparison, adjust_family, equivalent_within
from .mechanism_study import MechanismParams
from .rivals import DATA_NEEDED, RIVALS, RivalParams
from .study import StudyParams

__all__ = ["FIT_FLAG", "KINDS", "MARGIN", "MEASURES", "PRIMARY", "SECONDARY", "RivalSummary",
           "chapter_values", "comparison_family", "family_rows", "flagged_units",
           "summarize_rivals"]

#: The kinds shown, in table order: FFH, FF, then the rivals.
KINDS = ("ffh", "ff") + RIVALS
#: The primary and secondary measures of the chapter (columns of the study table).
PRIMARY = "cca_cd_untrained_e"
SECONDARY = "cca_e"
#: The measures summarised per kind: ``column: (glue prefix, which direction is better)``.
MEASURES = {
    PRIMARY: ("cca_cd_untrained", "higher"),
    SECONDARY: ("cca_train", "higher"),
    "cca_untrained_e": ("cca_untrained", "higher"),
    "cca_cd_e": ("cca_cd_train", "higher"),
    "procrustes_cd_untrained_e": ("procrustes_cd_untrained", "lower"),
    "gen_err": ("gen_err", "lower"),
    "dsa": ("dsa", "lower"),
    "noise_err": ("noise_err", "lower"),
    "switch_err": ("switch_err", "lower"),
}
#: Equivalence margin of "matches FFH" (mean canonical correlation).
MARGIN = 0.05
#: A network whose EMG fit R² (training directions) is below this is flagged.
FIT_FLAG = 0.95
_FAMILY = {PRIMARY: "cd_untrained", SECONDARY: "train"}
#: The error of a failed row whose training diverged (``ffhlib.errors.DivergenceError: ...``).
DIVERGED = r"^(?:[\w.]+\.)?DivergenceError:"


@dataclasses.dataclass(frozen=True)
class RivalSummary:
    """Chapter 09's results.

    Attributes
    ----------
    kinds : tuple of str
        The kinds summarised (:data:`KINDS` present in the table).
    summaries : dict of measure -> dict of kind -> KindSummary
        Means over ground truths of each measure of :data:`MEASURES`.
    fit_min : dict of kind -> float
        Worst fit R² of any network of the kind (failed networks left out).
    seconds_median : dict of kind -> float
        Median training wall time per network (s).
    n_failed, n_flagged : dict of kind -> int
        Networks that failed (diverged) and networks with fit R² below :data:`FIT_FLAG`.
    family : dict of (rival, measure) -> PairedComparison
        Rival minus FFH, Holm-adjusted over the family.
    sensitivity : dict of (rival, measure) -> PairedComparison
        The same without the flagged networks' units (its own Holm family).
    matches : dict of (rival, measure) -> bool
        The ±:data:`MARGIN` rule on ``family``.
    noise_sigma : float
        The input-noise std of ``noise_err``.
    n_ground_truths : int
    """

    kinds: tuple
    summaries: dict
    fit_min: dict
    seconds_median: dict
    n_failed: dict
    n_flagged: dict
    family: dict
    sensitivity: dict
    matches: dict
    noise_sigma: float
    n_ground_truths: int


def flagged_units(table, kind: str, threshold: float = FIT_FLAG) -> set:
    """The ``(ground_truth, seed)`` units whose network ``kind`` fits the EMG below
    ``threshold`` (failed networks are not flagged: they have no row to flag)."""
    rows = table[(table["network"] == kind) & (table["error"] == "")]
    low = rows[rows["fit_r2"] < threshold]
    return set(zip(low["ground_truth"], low["seed"], strict=True))


def comparison_family(table, rivals=RIVALS, *, exclude_flagged: bool = False
                      ) -> dict[tuple[str, str], PairedComparison]:
    """Each rival minus FFH on the primary and the secondary measure, Holm-adjusted together.

    With ``exclude_flagged``, the units where the rival or FFH is flagged
    (:func:`flagged_units`) are left out of that rival's comparisons. A rival without any
    paired unit left is not in the family.
    """
    out = {}
    ffh_flagged = flagged_units(table, "ffh") if exclude_flagged else set()
    for rival in rivals:
        sub = table
        if exclude_flagged:
            drop = ffh_flagged | flagged_units(table, rival)
            keep = [(g, s) not in drop for g, s in zip(table["ground_truth"], table["seed"],
                                                       strict=True)]
            sub = table[np.array(keep, dtype=bool)]
        for measure in _FAMILY:
            try:
                out[(rival, measure)] = study.compare_kinds(sub, measure, rival, "ffh")
            except ValueError:  # no paired unit (every network of the rival failed or flagged)
                continue
    return adjust_family(out)


def _with_robustness(table, robust, sigma_index: int):
    """The study table with the robustness columns (``dsa``, ``switch_err``, ``noise_err`` at
    the quoted std) merged onto the network rows."""
    extra = robust[robust["error"] == ""][["ground_truth", "seed", "network", "dsa",
                                            "switch_err", f"noise_err_s{sigma_index}"]]
    extra = extra.rename(columns={f"noise_err_s{sigma_index}": "noise_err"})
    return table.merge(extra, on=["ground_truth", "seed", "network"], how="left")


def summarize_rivals(table, robust, *, noise_sigmas, noise_sigma: float) -> RivalSummary:
    """Chapter 09's :class:`RivalSummary` from the study table with the rivals' rows and the
    robustness table.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`ffhlib.rivals.run_study` (FF, FFH and rivals at least).
    robust : pandas.DataFrame
        :func:`ffhlib.rival_measures.run_measures`.
    noise_sigmas : sequence of float
        The input-noise stds of ``robust``'s columns; ``noise_sigma`` (one of them) is quoted.
    """
    sigmas = list(noise_sigmas)
    if noise_sigma not in sigmas:
        raise ValueError(f"noise_sigma={noise_sigma} must be one of noise_sigmas {sigmas}")
    merged = _with_robustness(table, robust, sigmas.index(noise_sigma))
    kinds = tuple(k for k in KINDS if (merged["network"] == k).any())
    ok = merged[merged["error"] == ""]
    summaries = {m: {k: study.summarize(merged, m, k) for k in kinds
                     if ok.loc[ok["network"] == k, m].notna().any()} for m in MEASURES}
    rows = {k: ok[ok["network"] == k] for k in kinds}
    family = comparison_family(merged, [r for r in RIVALS if r in kinds])
    return RivalSummary(
        kinds=kinds, summaries=summaries,
        fit_min={k: float(rows[k]["fit_r2"].min()) for k in kinds},
        seconds_median={k: float(rows[k]["train_seconds"].median()) for k in kinds},
        n_failed={k: int(((merged["network"] == k) & (merged["error"] != "")).sum())
                  for k in kinds},
        n_flagged={k: len(flagged_units(merged, k)) for k in kinds},
        family=family,
        sensitivity=comparison_family(merged, [r for r in RIVALS if r in kinds],
                                      exclude_flagged=True),
        matches={key: equivalent_within(c, MARGIN) for key, c in family.items()},
        noise_sigma=float(noise_sigma),
        n_ground_truths=int(merged["ground_truth"].nunique()))


def chapter_values(result: RivalSummary) -> dict:
    """The glue keys of chapter 09: for each kind k (FFH, FF and the rivals)
    ``{prefix}_{k}_mean`` (and ``_lo``, ``_hi``) of every measure of :data:`MEASURES`,
    ``fit_r2_{k}_min``, ``train_seconds_{k}_median``, ``n_failed_{k}``, ``n_flagged_{k}``;
    for each rival r ``pvalue_cd_untrained_{r}_vs_ffh`` and ``pvalue_train_{r}_vs_ffh``
    (Holm-adjusted), ``diff_…`` with ``_lo``/``_hi``, ``matches_ffh_{r}`` (primary measure)
    and ``matches_ffh_train_{r}``, the same p without the flagged networks
    (``pvalue_…_vs_ffh_unflagged``, only where some unit is left); ``n_ground_truths``,
    ``rivals_family_size``, ``rivals_noise_sigma``."""
    nan = float("nan")
    out: dict = {"n_ground_truths": result.n_ground_truths,
                 "rivals_noise_sigma": result.noise_sigma,
                 "rivals_margin": MARGIN, "rivals_fit_flag": FIT_FLAG,
                 "rivals_family_size": max((c.family_size for c in result.family.values()),
                                           default=0)}
    for measure, (prefix, _) in MEASURES.items():
        for k in result.kinds:
            s = result.summaries[measure].get(k)
            for stat in ("mean", "lo", "hi"):
                attr = {"lo": "low", "hi": "high"}.get(stat, stat)
                out[f"{prefix}_{k}_{stat}"] = nan if s is None else float(getattr(s, attr))
    for k in result.kinds:
        out[f"fit_r2_{k}_min"] = result.fit_min[k]
        out[f"train_seconds_{k}_median"] = result.seconds_median[k]
        out[f"n_failed_{k}"] = result.n_failed[k]
        out[f"n_flagged_{k}"] = result.n_flagged[k]
        out[f"data_{k}"] = DATA_NEEDED[k]
    for r in (k for k in result.kinds if k in RIVALS):
        for measure, name in _FAMILY.items():
            c = result.family.get((r, measure))
            s = result.sensitivity.get((r, measure))
            lo, hi = (nan, nan) if c is None else c.ci_diff
            out[f"pvalue_{name}_{r}_vs_ffh"] = nan if c is None else c.p_adjusted
            if s is not None:  # absent when every unit of the rival (or FFH) is flagged
                out[f"pvalue_{name}_{r}_vs_ffh_unflagged"] = s.p_adjusted
            out[f"diff_{name}_{r}_vs_ffh"] = nan if c is None else c.mean_diff
            out[f"diff_{name}_{r}_vs_ffh_lo"], out[f"diff_{name}_{r}_vs_ffh_hi"] = lo, hi
        out[f"matches_ffh_{r}"] = bool(result.matches.get((r, PRIMARY), False))
        out[f"matches_ffh_train_{r}"] = bool(result.matches.get((r, SECONDARY), False))
    return out


def family_rows(result: RivalSummary) -> list[dict]:
    """One record per comparison of the family (for the chapter's table of comparisons)."""
    rows = []
    for (rival, measure), c in result.family.items():
        s = result.sensitivity.get((rival, measure))
        rows.append({"rival": rival, "measure": measure, "diff": c.mean_diff,
                     "lo": c.ci_diff[0], "hi": c.ci_diff[1], "p": c.wilcoxon_p,
                     "p_adjusted": c.p_adjusted, "matches": result.matches[(rival, measure)],
                     "p_adjusted_unflagged": np.nan if s is None else s.p_adjusted,
                     "n": c.n})
    return rows



# ----------------------------------------------------------------------------- the chapter

#: Ground truths of chapter 09 at defaults: the study's twelve (chapter 05's), so that its table
#: with p-values has as many as every other (a Wilcoxon test over twelve can survive Holm's
#: adjustment over the chapter's ten comparisons: its smallest p, 2 / 2**12, is far below
#: 0.05 / 10). Measured on two quiet cores from an empty cache, beyond chapter 05's networks:
#: 5.8 min with the first nine, so about 7.7 min with twelve.
N_GROUND_TRUTHS = 12


def chapter_study(args) -> StudyParams:
    """The chapter's study (``args``: :func:`ffhlib.chapter.setup`'s): ``args.study()``, with the
    first :data:`N_GROUND_TRUTHS` ground truths unless ``ground_truth_seeds`` is given or in
    quick mode."""
    params = args.study()
    if args.quick or args["ground_truth_seeds"] is not None:
        return params
    return dataclasses.replace(params,
                               ground_truth_seeds=params.ground_truth_seeds[:N_GROUND_TRUTHS])


#: The kinds of row chapter 09 computes (FF's and FFH's are chapter 05's cached rows).
RUN_KINDS = study.NETWORKS + RIVALS
#: The recorded fraction of the second study under ``full``.
LOW_FRACTION = 0.05


@dataclasses.dataclass(frozen=True)
class ChapterPlan:
    """Chapter 09's studies: the headline (the study's recorded fraction) and, under ``full``,
    the same at :data:`LOW_FRACTION` recorded (``low``; None otherwise)."""

    params: StudyParams
    rivals: RivalParams
    gen: GeneralizationParams
    mech: MechanismParams
    low: StudyParams | None


def chapter_plan(params: StudyParams, *, quick: bool, full: bool) -> ChapterPlan:
    """The chapter's plan: the rivals' and the tests' presets (quick or default)."""
    rivals = RivalParams.quick() if quick else RivalParams()
    gen = GeneralizationParams.quick() if quick else GeneralizationParams()
    mech = MechanismParams.quick() if quick else MechanismParams()
    low = dataclasses.replace(params, observation=dataclasses.replace(
        params.observation, neuron_fraction=LOW_FRACTION)) if full else None
    return ChapterPlan(params=params, rivals=rivals, gen=gen, mech=mech, low=low)


@dataclasses.dataclass(frozen=True)
class ChapterTables:
    """The tables of a :class:`ChapterPlan` (``*_low`` None without ``full``) and the wall time
    of computing them in this execution (s)."""

    plan: ChapterPlan
    table: object
    robust: object
    table_low: object
    robust_low: object
    seconds: float


def _check_failures(table) -> None:
    """Stop on a failed row that is not a diverging training (a bug, not a result)."""
    diverged = table["error"].str.match(DIVERGED)
    bad = table[(table["error"] != "") & ~diverged]
    if not bad.empty:
        raise RuntimeError(f"{len(bad)} tasks failed:\n"
                           f"{bad[['ground_truth', 'seed', 'network', 'error']]}")


def run_chapter(plan: ChapterPlan, *, n_workers: int = 1, progress: bool = True
                ) -> ChapterTables:
    """Every table of ``plan`` on ``n_workers`` local processes (JAX is imported in them only)."""
    import time

    from . import rival_measures, rivals
    from .parallel import make_executor

    start = time.perf_counter()
    out = {}
    with make_executor(n_workers, backend="processes") as executor:
        for name, p in (("", plan.params), ("_low", plan.low)):
            if p is None:
                out["table" + name] = out["robust" + name] = None
                continue
            out["table" + name] = rivals.run_study(p, plan.rivals, kinds=RUN_KINDS,
                                                   executor=executor, progress=progress)
            out["robust" + name] = rival_measures.run_measures(
                p, plan.rivals, plan.gen, plan.mech, executor=executor, progress=progress)
    for t in out.values():
        if t is not None:
            _check_failures(t)
    return ChapterTables(plan=plan, seconds=time.perf_counter() - start, **out)


@dataclasses.dataclass(frozen=True)
class ChapterSummary:
    """The chapter's summaries: the headline and (under ``full``) the low fraction's."""

    main: RivalSummary
    low: RivalSummary | None
    seconds: dict
    tables: ChapterTables


def summarize_chapter(tables: ChapterTables) -> ChapterSummary:
    """:func:`summarize_rivals` of each study of the chapter."""
    gen = tables.plan.gen

    def one(table, robust):
        return None if table is None else summarize_rivals(
            table, robust, noise_sigmas=gen.input_noise_sigmas, noise_sigma=gen.noise_sigma)

    ok = tables.table[tables.table["error"] == ""]
    seconds = {k: ok.loc[ok["network"] == k, "train_seconds"].to_numpy() for k in KINDS
               if (ok["network"] == k).any()}
    return ChapterSummary(main=one(tables.table, tables.robust),
                          low=one(tables.table_low, tables.robust_low), seconds=seconds,
                          tables=tables)


def chapter_texts(result: RivalSummary) -> dict[str, str]:
    """The chapter's outcome-dependent sentences (:mod:`ffhlib.report_rivals`): the lead, the
    verdict of each rival on each measure, the flags, the advice to a lab and whether it holds for
    behaviour (``rivals_behaviour``), and the intro's mark
    (``rivals_claim``: how the closest rival on the primary measure stands against FFH)."""
    from . import report_rivals as rr

    primary = {r: c for (r, m), c in result.family.items() if m == PRIMARY}
    texts = {"rivals_lead": rr.rivals_lead(primary, MARGIN),
             "rivals_flags": rr.flag_text(result.n_flagged, result.n_failed, FIT_FLAG),
             "rivals_advice": rr.lab_advice(
                 primary, MARGIN, result.seconds_median, DATA_NEEDED, flagged=result.n_flagged,
                 sensitivity={r: c for (r, m), c in result.sensitivity.items() if m == PRIMARY},
                 fit_flag=FIT_FLAG),
             "rivals_behaviour": rr.behaviour_text(
                 {k: result.summaries["gen_err"].get(k) for k in result.kinds})}
    whats = {PRIMARY: "the primary measure", SECONDARY: "the training directions"}
    for (rival, measure), c in result.family.items():
        texts[f"verdict_{_FAMILY[measure]}_{rival}"] = rr.rival_verdict(rival, c, MARGIN,
                                                                          what=whats[measure])
    best = max(primary, key=lambda r: primary[r].mean_diff) if primary else None
    texts["rivals_best"] = rr.RIVAL_NAMES[best] if best else "none"
    texts["rivals_claim"] = rr.rival_mark(primary.get(best), MARGIN)
    return texts


def best_rival_values(result: RivalSummary) -> dict:
    """The closest rival to FFH on the primary measure (largest mean difference): its mean and
    adjusted p, for the intro's table (``rivals_best_mean``, ``rivals_best_padj``)."""
    primary = {r: c for (r, m), c in result.family.items() if m == PRIMARY}
    if not primary:
        return {"rivals_best_mean": float("nan"), "rivals_best_padj": float("nan")}
    best = max(primary, key=lambda r: primary[r].mean_diff)
    return {"rivals_best_mean": primary[best].mean_a, "rivals_best_padj": primary[best].p_adjusted}


def results_table(result: RivalSummary, *, name: str = "tab-rivals") -> str:
    """Every network side by side (a numbered MyST table)."""
    from . import report_rivals as rr
    from .notebook import markdown_table

    def mean(measure, k):
        s = result.summaries[measure].get(k)
        if s is None:
            return "–"
        interval = "" if not np.isfinite(s.low) else f" [{s.low:.3f}, {s.high:.3f}]"
        return f"{s.mean:.3f}{interval}" if measure in (PRIMARY, SECONDARY) else f"{s.mean:.3f}"

    rows = []
    for k in result.kinds:
        c = {m: result.family.get((k, m)) for m in _FAMILY}
        n_flagged = result.n_flagged.get(k, 0)
        flag = f"; {n_flagged} flagged" if n_flagged else ""
        rows.append([f"{rr.RIVAL_NAMES[k]} ({DATA_NEEDED[k]}{flag})", mean(PRIMARY, k),
                     "" if c[PRIMARY] is None else f"{c[PRIMARY].p_adjusted:.3g}",
                     "" if c[PRIMARY] is None else rr.rival_mark(c[PRIMARY], MARGIN),
                     mean(SECONDARY, k),
                     "" if c[SECONDARY] is None else f"{c[SECONDARY].p_adjusted:.3g}",
                     "" if c[SECONDARY] is None else rr.rival_mark(c[SECONDARY], MARGIN),
                     f"{result.seconds_median[k]:.1f}"])
    header = ["network (needs)", "cond.-dep. CCA with E, untrained (primary)", "$p$ (Holm)",
              "vs FFH", "CCA with E, training (secondary)", "$p$ (Holm)", "vs FFH",
              "training s per network (median)"]
    caption = (f"FFH, FF and the rivals over {result.n_ground_truths} ground truths: means with "
               "95 % percentile bootstrap intervals for the two measures of the family; $p$: "
               "Wilcoxon over ground truths of rival − FFH, Holm-adjusted over the "
               f"{max((c.family_size for c in result.family.values()), default=0)} comparisons "
               f"(rivals × the two measures); '= matches': the 95 % interval of the difference "
               f"lies within ±{MARGIN:g}; ✔ FFH ahead / ✘ rival ahead: significant after "
               f"adjustment; 'flagged': networks whose EMG fit R² is below {FIT_FLAG:g} (the "
               "comparisons without them are in the sensitivity table).")
    return markdown_table(header, rows, caption=caption, name=name)


def measures_table(result: RivalSummary, *, name: str = "tab-rivals-measures") -> str:
    """The other measures of every network (a numbered MyST table beside :func:`results_table`)."""
    from . import report_rivals as rr
    from .notebook import markdown_table

    def mean(measure, k):
        s = result.summaries[measure].get(k)
        return "–" if s is None else f"{s.mean:.3f}"

    rows = [[rr.RIVAL_NAMES[k], mean("cca_untrained_e", k), mean("dsa", k), mean("gen_err", k),
             mean("noise_err", k), mean("switch_err", k), f"{result.fit_min[k]:.3f}"]
            for k in result.kinds]
    header = ["network", "CCA with E, untrained", "DSA to E", "error, untrained directions",
              f"error, input noise σ = {result.noise_sigma:g}", "error, cue switched",
              "worst fit $R^2$"]
    caption = (f"The other measures over the same {result.n_ground_truths} ground truths (means): "
               "errors are 1 − R² of the observed muscles (lower is better); DSA: distance to E "
               "(lower is closer).")
    return markdown_table(header, rows, caption=caption, name=name)


def sensitivity_table(result: RivalSummary) -> str:
    """The family with and without the flagged networks (a numbered MyST table)."""
    from . import report_rivals as rr
    from .notebook import markdown_table

    rows = []
    for row in family_rows(result):
        rows.append([rr.RIVAL_NAMES[row["rival"]],
                     {PRIMARY: "primary", SECONDARY: "secondary"}[row["measure"]],
                     f"{row['diff']:+.3f} [{row['lo']:+.3f}, {row['hi']:+.3f}]",
                     f"{row['p']:.3g}", f"{row['p_adjusted']:.3g}",
                     f"{row['p_adjusted_unflagged']:.3g}"
                     if np.isfinite(row["p_adjusted_unflagged"]) else "– (every unit flagged)"])
    caption = (f"Every comparison of the family, rival − FFH: mean difference over ground truths "
               "with its 95 % bootstrap interval, the raw Wilcoxon $p$, the Holm-adjusted $p$, "
               f"and the adjusted $p$ without the units where the rival or FFH fits the EMG "
               f"with $R^2$ below {FIT_FLAG:g} (fixed in advance).")
    return markdown_table(["rival", "measure", "difference [95 % interval]", "$p$",
                           "$p$ (Holm)", "$p$ (Holm), flagged networks left out"], rows,
                          caption=caption, name="tab-rivals-family")
