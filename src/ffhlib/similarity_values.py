"""Every value chapter 05 glues, by key, from its named results.

The chapter's summaries come from :mod:`ffhlib.similarity_study` (training directions, trial
designs, the d-sweep, one unit) and :mod:`ffhlib.beyond_recordings` (untrained directions, the
chapter's family of comparisons, network seeds); the sentences whose wording depends on a result
from :mod:`ffhlib.report`. Keys follow ``<measure>_<directions>_<kind>_<stat>`` for the measures
added with the untrained directions (``cca_cd_untrained_ffh_mean``); the older keys keep their
names (``cca_unobserved_ffh_mean`` is the CCA with E on the training directions).
"""

from __future__ import annotations

from . import beyond_recordings as beyond
from . import report, report_book, study
from .similarity_study import (
    SEED_MEASURES,
    ChapterSummaries,
    ChapterTables,
    DesignComparison,
    DimensionSweep,
    StudyPlan,
    UnitView,
)
from .summaries import N_BOOT, summary_values

__all__ = ["compute_values", "design_values", "glue_values", "seed_values", "verdict_values"]



#: What tells one network of the chapter from another (the seed study repeats the headline
#: study's networks of its first seed).
_NETWORK_KEY = ["cue_epoch", "training_directions", "ground_truth", "seed", "network"]


def compute_values(tables: ChapterTables, n_workers: int) -> dict:
    """What the chapter's studies cost: rows, cached rows, distinct networks and their training
    time."""
    import pandas as pd

    rows = pd.concat(tables.tables, ignore_index=True)
    networks = rows[rows["network"].isin(study.NETWORKS)].drop_duplicates(subset=_NETWORK_KEY)
    train_minutes = networks["train_seconds"].sum() / 60
    return {"similarity_study_seconds": tables.seconds,
            "sim_n_rows": len(rows), "sim_n_cached": int(rows["cached"].sum()),
            "sim_n_networks": len(networks),
            "sim_train_minutes": train_minutes,
            "sim_cold_minutes": train_minutes / n_workers,
            "sim_cold_workers": n_workers}


def verdict_values(results: ChapterSummaries) -> dict:
    """Every outcome-dependent sentence and claim mark of the chapter (:mod:`ffhlib.report`)."""
    s, f = results.training, results.family
    untrained = "condition-dependent similarity with E on the untrained directions"
    interp = "the interpolated recordings"

    def versus(key, what, b=interp, a="FFH", better="higher"):
        return report.describe_comparison(f[key], what=what, a=a, b=b, better=better)

    return {
        "sim_verdict_ff": report.describe_comparison(s.ffh_ff, what="similarity with E"),
        "sim_verdict_hints": report.describe_comparison(s.ffh_hints, what="similarity with E",
                                                        b="the recorded neurons"),
        "sim_verdict_cd_ff": versus("cca_cd_train_ffh_vs_ff", "condition-dependent "
                                    "similarity with E", b="FF"),
        "sim_verdict_cd_hints": versus("cca_cd_train_ffh_vs_hints", "condition-dependent "
                                       "similarity with E", b="the recorded neurons"),
        "sim_verdict_procrustes": report.describe_comparison(
            s.procrustes_cmp, what="Procrustes distance", better="lower"),
        "sim_verdict_whole": report.describe_comparison(s.whole_cmp,
                                                        what="similarity with the whole SOC"),
        "sim_verdict_untrained": versus(beyond.PRIMARY, untrained),
        "sim_verdict_untrained_all": versus("cca_untrained_ffh_vs_interp",
                                            "similarity with E on the untrained directions"),
        "sim_verdict_untrained_ff": versus("cca_cd_untrained_ff_vs_interp", untrained, a="FF"),
        "sim_verdict_untrained_ffh_ff": versus("cca_cd_untrained_ffh_vs_ff", untrained, b="FF"),
        "sim_verdict_untrained_procrustes": versus(
            "procrustes_cd_untrained_ffh_vs_interp", "condition-dependent Procrustes distance "
            "to E on the untrained directions", better="lower"),
        "sim_beyond_lead": report.beyond_recordings_verdict(results.primary),
        "sim_catch_up_ffh": report.catch_up_text(
            "FFH", f[beyond.PRIMARY], f["cca_cd_untrained_half_ffh_vs_interp"]),
        "sim_catch_up_ff": report.catch_up_text(
            "FF", f["cca_cd_untrained_ff_vs_interp"], f["cca_cd_untrained_half_ff_vs_interp"]),
        "sim_claim": report.claim_status(s.ffh_ff),
        "sim_lead": report.claim_lead_text(
            s.ffh_ff, holds="FFH's activity is closer than FF's to the neurons no network saw",
            fails="FFH's activity is not significantly closer than FF's to the neurons no "
                  "network saw",
            reverse="FF's activity is closer than FFH's to the neurons no network saw"),
        "sim_lead_recordings": report_book.recordings_lead_text(s.ffh_hints),
        "sim_lead_interpolation": report_book.interpolation_lead_text(
            {"FF": f["cca_cd_untrained_ff_vs_interp"], "FFH": results.primary}),
        "sim_claim_hints": report.claim_status(s.ffh_hints),
        "sim_claim_whole": report.claim_status(s.whole_cmp),
        "sim_claim_procrustes": report.claim_status(s.procrustes_cmp, better="lower"),
        "sim_claim_untrained": report.claim_status(results.primary),
        "sim_claim_untrained_all": report.claim_status(f["cca_untrained_ffh_vs_interp"]),
    }


def seed_values(results: ChapterSummaries, plan: StudyPlan) -> dict:
    """The network-seed figure's values: its sentence for FFH (``sim_seed_text``: one per
    measure, or how to run it), ``sim_seed_ran``, the study's size and, when it ran, each
    measure's spread (``seed_within_sd_{m}_{kind}``, ``seed_between_sd_{m}_{kind}``)."""
    n_gts, n_seeds = (len(plan.seed_study.ground_truth_seeds), len(plan.seed_study.seeds))
    values = {"sim_seed_ran": results.seeds is not None, "sim_seed_n_ground_truths": n_gts,
              "sim_seed_n_seeds": n_seeds, "sim_seed_extra_networks": plan.extra_networks}
    texts = []
    for measure in SEED_MEASURES:
        name = measure.removesuffix("_e")
        spread = None if results.seeds is None else results.seeds[measure]
        if spread is not None:
            for kind in study.NETWORKS:
                values[f"seed_within_sd_{name}_{kind}"] = spread.within_sd[kind]
                values[f"seed_between_sd_{name}_{kind}"] = spread.between_sd[kind]
            texts.append(report.seed_spread_text(
                spread.within_sd["ffh"], spread.between_sd["ffh"],
                label=f"FFH's {beyond.SEED_LABELS[measure]}", extra_networks=plan.extra_networks,
                n_ground_truths=n_gts, n_seeds=n_seeds))
    if not texts:
        texts.append(report.seed_spread_text(None, None, label="", n_seeds=n_seeds,
                                             extra_networks=plan.extra_networks,
                                             n_ground_truths=n_gts))
    text = "; ".join(texts)
    values["sim_seed_text"] = text[:1].upper() + text[1:]
    return values


def _directions(tables: ChapterTables, unit: UnitView) -> dict:
    gt = unit.pair.ground_truth
    trained, untrained = study.direction_split(tables.params, gt)
    half_trained, half_untrained = study.direction_split(tables.plan.half, gt)
    return {"sim_n_directions": trained.n_directions, "sim_n_times": trained.time_ms.size,
            "sim_n_untrained_directions": untrained.n_directions,
            "sim_half_n_directions": half_trained.n_directions,
            "sim_half_n_untrained_directions": half_untrained.n_directions}


def design_values(designs: DesignComparison | None, plan: StudyPlan) -> dict:
    """The trial-design comparison's text (``sim_design_text``), size and, when it ran, its
    values (:meth:`DesignComparison.values`; a chapter glues no NaN)."""
    values = designs.values() if designs is not None else {}
    values["design_n_ground_truths"] = len(plan.other_study.ground_truth_seeds)
    values["design_ran"] = designs is not None
    values["sim_design_text"] = report.trial_design_text(
        designs.values() if designs is not None else None, n_networks=plan.other_networks,
        n_ground_truths=len(plan.other_study.ground_truth_seeds))
    return values


def glue_values(tables: ChapterTables, results: ChapterSummaries, unit: UnitView,
                designs: DesignComparison | None, sweep: DimensionSweep, *,
                n_workers: int) -> dict:
    """Every value chapter 05 glues, by key (``designs``: None when the other trial design did
    not run)."""
    from .plotting.style import interval_text

    params, s = tables.params, results.training
    obs = unit.pair.observation
    values = {
        "cue_epoch": tables.design, "n_ground_truths": len(params.ground_truth_seeds),
        "n_seeds": len(params.seeds), "pca_dim": params.similarity.pca_dim,
        "pca_dim_min": min(sweep.dims), "pca_dim_max": max(sweep.dims), "sim_n_boot": N_BOOT,
        "n_samples": unit.n_samples, "soc_n90": unit.n90, "soc_var_at_d": unit.var_at_d,
        "sim_n_evaluation": obs.evaluation.neurons.size,
        "sim_n_half": obs.evaluation.half_a.size, "sim_n_hints": obs.neuron_idx.size,
        "sim_n_soc": unit.pair.ground_truth.n_neurons,
        "sim_n_oracle": unit.pair.ground_truth.n_neurons - obs.evaluation.half_a.size,
        "sim_evaluation_percent": 100 * params.observation.evaluation_fraction,
        **_directions(tables, unit),
        "sim_unit_ground_truth": unit.pair.ground_truth_seed, "sim_unit_seed": unit.pair.seed,
        **{f"sim_position_{k}": v for k, v in s.positions.items()},
        **verdict_values(results),
        "fit_r2_min_network": s.fit_r2_min_network,
        "sim_interval_text": interval_text(len(params.ground_truth_seeds)),
        "sweep_min_diff": float(sweep.diff_ffh_ff.min()),
        "sweep_max_diff": float(sweep.diff_ffh_ff.max()),
        "sweep_ffh_above_hints": int(sweep.ffh_above_hints.sum()), "sweep_n": len(sweep.dims),
        **compute_values(tables, n_workers), **design_values(designs, tables.plan),
        **seed_values(results, tables.plan),
        **beyond.untrained_values(results.untrained),
        **beyond.untrained_values(results.untrained_half),
        **beyond.family_values(results.family),
        "cca_oracle_mean": s.cca_e["oracle"].mean,
    }
    for prefix, summaries in (("cca_unobserved", s.cca_e), ("cca", s.whole),
                              ("cca_nomean", s.nomean), ("procrustes_e", s.procrustes),
                              ("fit_r2", s.fit), ("cca_cd_train", s.cca_cd),
                              ("procrustes_cd_train", s.procrustes_cd)):
        values.update(summary_values(prefix, {beyond.key_name(k): v
                                              for k, v in summaries.items()}))
    return values
