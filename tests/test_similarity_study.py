"""Chapter 05's summaries (ffhlib.similarity_study) against hand-built study tables."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import beyond_recordings as beyond
from ffhlib import chapter, similarity_values, study
from ffhlib import similarity_study as sim
from ffhlib.similarity import explained_variance_ratio, stack_activity
from ffhlib.study import StudyParams
from ffhlib.summaries import comparison_values, summary_values

GTS = (0, 1, 2)
SEEDS = (0, 1)
DIMS = (2, 3, 4, 6)
RNG = np.random.default_rng(5)
#: Per-kind level of every measure; each row adds a unit-specific offset.
LEVEL = {"floor": 0.2, "ff": 0.45, "hints": 0.7, "ffh": 0.65, "ceiling": 0.9, "oracle": 0.95,
         "interpolation": 0.3, "e_interpolation": 0.8}
#: Every similarity column a row carries (all derived from the row's level v).
MEASURES = ("cca_e", "cca_nomean_e", "procrustes_e", "cca_whole", "cca_cd_e", "procrustes_cd_e",
            "cca_untrained_e", "cca_cd_untrained_e", "procrustes_untrained_e",
            "procrustes_cd_untrained_e", "r2_interp_e", "r2_interp_cd_e", "shared_share_e")


def _table(design="preparation", gts=GTS, seeds=SEEDS, skip=(), shift=0.0, directions="all"):
    """A study table: every kind of every unit, each measure = kind level + unit noise."""
    rows = []
    for g in gts:
        for s in seeds:
            for kind, level in LEVEL.items():
                if (g, s, kind) in skip:
                    continue
                v = level + shift + 0.05 * RNG.standard_normal()
                row = dict(ground_truth=g, seed=s, network=kind, cue_epoch=design, error="",
                           training_directions=directions,
                           fit_r2=0.95 + 0.01 * RNG.random(), offset_share=0.1 * RNG.random(),
                           gen_err=0.2 + RNG.random(), cached=bool(s), train_seconds=10.0 + g)
                row.update({m: v + 0.03 * k + 0.01 * RNG.standard_normal()
                            for k, m in enumerate(MEASURES)})
                row.update({f"cca_e_d{d}": v - 0.02 * d + 0.01 * RNG.standard_normal()
                            for d in DIMS})
                rows.append(row)
    return pd.DataFrame(rows)


def _per_gt_mean(table, measure, kind):
    """{ground truth: mean of measure over its seeds} by a plain loop."""
    out = {}
    for g in sorted(set(table["ground_truth"])):
        vals = [r[measure] for _, r in table.iterrows()
                if r["ground_truth"] == g and r["network"] == kind]
        out[g] = sum(vals) / len(vals)
    return out


def _params(gts=GTS, seeds=SEEDS, design="preparation"):
    base = StudyParams.quick()
    return dataclasses.replace(base, ground_truth_seeds=gts, seeds=seeds,
                               force=dataclasses.replace(base.force, cue_epoch=design),
                               similarity=dataclasses.replace(base.similarity, pca_dims=DIMS))


def _plan(gts=GTS, seeds=SEEDS, n_other=3, run_seeds=True, run_other=True):
    params = _params(gts, seeds)
    other = _params(gts[:n_other], seeds[:1], design="trial")
    seed_study = dataclasses.replace(params, ground_truth_seeds=gts[:2], seeds=(0, 1))
    return sim.StudyPlan(params=params,
                         half=dataclasses.replace(params, training_directions="half"),
                         other_study=other, seed_study=seed_study, run_other=run_other,
                         run_seeds=run_seeds)


def _tables(seconds=3.0, run_seeds=True, n_other=3, run_other=True):
    plan = _plan(n_other=n_other, run_seeds=run_seeds, run_other=run_other)
    return sim.ChapterTables(
        plan=plan, table=_table(), table_half=_table(shift=-0.05, directions="half"),
        table_other=_table("trial", gts=GTS[:n_other], seeds=(0,)) if run_other else None,
        table_seeds=_table(gts=GTS[:2], seeds=(0, 1)) if run_seeds else None, seconds=seconds)


def test_other_design_and_bad_design():
    assert sim.other_design("preparation") == "trial"
    assert sim.other_design("trial") == "preparation"
    with pytest.raises(ValueError, match="design"):
        sim.other_design("movement")


def test_check_no_failures_lists_the_failed_rows():
    table = _table()
    sim.check_no_failures(table)
    table.loc[3, "error"] = "DivergenceError: boom"
    with pytest.raises(RuntimeError, match="1 study tasks failed"):
        sim.check_no_failures(table)


def test_chapter_plan_builds_the_four_studies():
    params = dataclasses.replace(_params(gts=tuple(range(8)), seeds=(4,)))
    other = _params(gts=tuple(range(8)), seeds=(4, 5), design="trial")
    plan = sim.chapter_plan(params, other, full=True)
    assert plan.half.training_directions == "half" and plan.params.training_directions == "all"
    assert dataclasses.replace(plan.half, training_directions="all") == params
    assert plan.other.force.cue_epoch == "trial" and plan.other.seeds == (4,)
    assert plan.other.ground_truth_seeds == tuple(range(sim.OTHER_DESIGN_GROUND_TRUTHS))
    assert plan.other_networks == 2 * sim.OTHER_DESIGN_GROUND_TRUTHS
    n_gts, n_seeds = sim.SEED_GROUND_TRUTHS
    assert plan.seeds.ground_truth_seeds == tuple(range(n_gts))
    assert plan.seeds.seeds == tuple(range(4, 4 + n_seeds))
    # the headline study already has seed 4: only the other seeds are extra networks
    assert plan.extra_networks == 2 * n_gts * (n_seeds - 1)
    with pytest.raises(ValueError, match="other trial design"):
        sim.chapter_plan(params, params, full=False)


def test_chapter_plan_runs_the_optional_studies_only_when_asked_or_cached(monkeypatch):
    asked = []

    def lookup(params, kinds, units=None):
        asked.append((params, tuple(kinds), units))
        return params.force.cue_epoch in cached

    monkeypatch.setattr(sim, "rows_in_cache", lookup)
    params, other = _params(seeds=(0,)), _params(design="trial")
    cached = ()
    plan = sim.chapter_plan(params, other, full=False)
    assert plan.seeds is None and plan.other is None
    assert plan.other_study is not None and plan.seed_study is not None
    (other_params, other_kinds, _), (_, seed_kinds, seed_units) = asked
    assert other_params.force.cue_epoch == "trial" and other_kinds == study.KINDS
    assert seed_kinds == study.NETWORKS
    assert seed_units and all(s not in params.seeds for _, s in seed_units)  # extra seeds only
    cached = ("preparation",)  # the seed study's rows are there, the other design's not
    plan = sim.chapter_plan(params, other, full=False)
    assert plan.seeds is not None and plan.other is None
    cached = ("trial",)
    assert sim.chapter_plan(params, other, full=False).other is not None
    cached = ()
    n_before = len(asked)
    full = sim.chapter_plan(params, other, full=True)
    assert full.run_seeds and full.run_other and len(asked) == n_before  # nothing looked up


def _family(tables):
    return beyond.comparison_family({"all": tables.table, "half": tables.table_half})


def test_summaries_are_means_over_ground_truths_of_seed_means():
    table = _table()
    tables = _tables()
    tables = dataclasses.replace(tables, table=table)
    s = sim.summarize_similarity(table, _family(tables))
    assert list(s.cca_e) == list(sim.KINDS) and list(s.whole) == list(sim.WHOLE_KINDS)
    assert "oracle" in s.cca_e and list(s.fit) == ["ff", "ffh"]
    for measure, summaries in (("cca_e", s.cca_e), ("cca_nomean_e", s.nomean),
                               ("procrustes_e", s.procrustes), ("cca_whole", s.whole),
                               ("fit_r2", s.fit), ("cca_cd_e", s.cca_cd),
                               ("procrustes_cd_e", s.procrustes_cd)):
        for kind, summary in summaries.items():
            per_gt = _per_gt_mean(table, measure, kind)
            assert summary.mean == pytest.approx(sum(per_gt.values()) / len(per_gt))
            np.testing.assert_allclose(summary.per_ground_truth, list(per_gt.values()))
    nets = table[table["network"].isin(["ff", "ffh"])]
    assert s.fit_r2_min_network == nets["fit_r2"].min()


def test_the_chapter_comparisons_are_one_holm_family():
    tables = _tables()
    results = sim.summarize_chapter(tables)
    fam = results.family
    assert list(fam) == [spec.key for spec in beyond.FAMILY]
    raw = np.array([c.wilcoxon_p for c in fam.values()])
    m = raw.size
    order = np.argsort(raw)
    expected = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):  # Holm step-down by hand
        running = max(running, min(1.0, (m - rank) * raw[i]))
        expected[i] = running
    np.testing.assert_allclose([c.p_adjusted for c in fam.values()], expected)
    assert all(c.family_size == m for c in fam.values())
    s = results.training
    for cmp, measure, b in ((s.ffh_ff, "cca_e", "ff"), (s.ffh_hints, "cca_e", "hints"),
                            (s.whole_cmp, "cca_whole", "ff"), (s.nomean_cmp, "cca_nomean_e", "ff"),
                            (s.procrustes_cmp, "procrustes_e", "ff"), (s.cd_ff, "cca_cd_e", "ff"),
                            (s.cd_hints, "cca_cd_e", "hints")):
        a_means, b_means = (_per_gt_mean(tables.table, measure, k) for k in ("ffh", b))
        diffs = [a_means[g] - b_means[g] for g in GTS]
        assert cmp.mean_diff == pytest.approx(sum(diffs) / len(diffs))
        assert cmp.n == len(GTS) and cmp.family_size == m
    half = fam["cca_cd_untrained_half_ffh_vs_interp"]
    a_means, b_means = (_per_gt_mean(tables.table_half, "cca_cd_untrained_e", k)
                        for k in ("ffh", "interpolation"))
    assert half.mean_diff == pytest.approx(np.mean([a_means[g] - b_means[g] for g in GTS]))
    assert results.primary is fam[beyond.PRIMARY]
    for g in GTS:
        ffh = tables.table[(tables.table["ground_truth"] == g)
                           & (tables.table["network"] == "ffh")]["cca_e"]
        ff = tables.table[(tables.table["ground_truth"] == g)
                          & (tables.table["network"] == "ff")]["cca_e"]
        np.testing.assert_allclose(s.differences[g], ffh.to_numpy() - ff.to_numpy())


def test_floor_oracle_positions_by_hand():
    table = _table()
    s = sim.summarize_similarity(table, _family(dataclasses.replace(_tables(), table=table)))
    floor, oracle = (_per_gt_mean(table, "cca_e", k) for k in ("floor", "oracle"))
    for kind in sim.POSITION_KINDS:
        m = _per_gt_mean(table, "cca_e", kind)
        expected = np.mean([(m[g] - floor[g]) / (oracle[g] - floor[g]) for g in GTS])
        assert s.positions[kind] == pytest.approx(expected)
    # floor and oracle themselves sit at 0 and 1
    both = sim.floor_oracle_positions(s.cca_e, kinds=("floor", "oracle"))
    assert both == pytest.approx({"floor": 0.0, "oracle": 1.0})


def test_a_kind_above_the_oracle_stands_above_one_unclipped():
    s = sim.kind_summaries(_table(), "cca_e", sim.KINDS)
    above = dataclasses.replace(s["hints"], per_ground_truth=s["oracle"].per_ground_truth
                                + (s["oracle"].per_ground_truth - s["floor"].per_ground_truth))
    assert sim.floor_oracle_positions({**s, "hints": above}, kinds=("hints",)) == \
        pytest.approx({"hints": 2.0})


def test_floor_oracle_positions_refuse_what_has_no_scale():
    s = sim.kind_summaries(_table(), "cca_e", sim.KINDS)
    flat = dict(s, oracle=dataclasses.replace(
        s["oracle"], per_ground_truth=s["floor"].per_ground_truth.copy()))
    with pytest.raises(ValueError, match="oracle equals the floor"):
        sim.floor_oracle_positions(flat)
    with pytest.raises(ValueError, match="lacks"):
        sim.floor_oracle_positions({"ff": s["ff"]})
    fewer = sim.kind_summaries(_table(gts=(0, 1)), "cca_e", ("ff",))
    with pytest.raises(ValueError, match="same"):
        sim.floor_oracle_positions({**s, **fewer})


def test_dimension_sweep_by_hand():
    table = _table()
    sweep = sim.dimension_sweep(table, DIMS, 4)
    assert sweep.dims == DIMS and sweep.headline == 4
    assert sweep.by_dim["ffh"].mean.shape == (len(DIMS),)
    assert "oracle" in sweep.by_dim
    for k, d in enumerate(DIMS):
        col = f"cca_e_d{d}"
        ffh, ff, hints = (_per_gt_mean(table, col, kind) for kind in ("ffh", "ff", "hints"))
        assert sweep.diff_ffh_ff[k] == pytest.approx(np.mean([ffh[g] - ff[g] for g in GTS]))
        assert sweep.ffh_above_hints[k] == (np.mean([ffh[g] - hints[g] for g in GTS]) > 0)
        assert sweep.by_dim["ceiling"].mean[k] == pytest.approx(
            np.mean(list(_per_gt_mean(table, col, "ceiling").values())))
    with pytest.raises(ValueError, match="no columns"):
        sim.dimension_sweep(table, (2, 5), 2)
    with pytest.raises(ValueError, match="at least one"):
        sim.dimension_sweep(table, (), 2)


def test_design_comparison_uses_the_other_designs_ground_truths_and_seed():
    tables = _tables(n_other=2)
    assert list(tables.by_design) == ["preparation", "trial"]
    own = tables.by_design["preparation"]
    assert set(own["seed"]) == {0} and set(own["ground_truth"]) == {0, 1}
    comparison = sim.design_comparison(tables, soc_offset_share=[0.1, 0.3])
    assert list(comparison.summaries) == [m for m, _ in sim.DESIGN_PANELS]
    for measure, kinds in sim.DESIGN_PANELS:
        for design, t in (("preparation", own), ("trial", tables.table_other)):
            assert list(comparison.summaries[measure][design]) == list(kinds)
            for kind in kinds:
                expected = np.mean(list(_per_gt_mean(t, measure, kind).values()))
                assert comparison.summaries[measure][design][kind].mean == pytest.approx(expected)
    values = comparison.values()
    assert values["design_soc_offset_share"] == pytest.approx(0.2)
    assert values["design_n_ground_truths"] == 2
    assert values["design_trial_gen_err_interpolation"] == \
        comparison.summaries["gen_err"]["trial"]["interpolation"].mean
    n_keys = sum(2 * len(kinds) for _, kinds in sim.DESIGN_PANELS) + 2
    assert len(values) == n_keys


def test_chapter_tables_list_what_ran():
    with_seeds, without = _tables(), _tables(run_seeds=False, run_other=False)
    assert len(with_seeds.tables) == 4 and len(without.tables) == 2
    assert sim.summarize_chapter(without).seeds is None
    assert without.by_design is None and sim.design_comparison(without) is None
    spreads = sim.summarize_chapter(with_seeds).seeds
    assert list(spreads) == list(sim.SEED_MEASURES)


def test_value_helpers_have_the_keys_of_the_chapter_glue(monkeypatch):
    s = sim.summarize_chapter(_tables()).training
    glued = {}
    monkeypatch.setattr(chapter, "glue_all", lambda values: glued.update(values))
    chapter.glue_summaries("cca", s.whole)
    chapter.glue_comparison("cmp", s.ffh_ff)
    ours = {**summary_values("cca", s.whole), **comparison_values("cmp", s.ffh_ff)}
    assert ours == glued


def _fake_unit():
    """A unit view of a real (quick) ground truth, with a made-up observation."""
    evaluation = SimpleNamespace(neurons=np.arange(12), half_a=np.arange(6))
    obs = SimpleNamespace(evaluation=evaluation, neuron_idx=np.arange(20, 38))
    pair = SimpleNamespace(observation=obs, ground_truth=study.ground_truth(tiny_study(), 0),
                           ground_truth_seed=0, seed=0)
    return sim.UnitView(pair=pair, latents={}, n_samples=808, var_at_d=0.9, n90=5)


def _chapter_glue_keys():
    """Every {glue:text} key chapter 05's prose and captions use."""
    path = Path(__file__).resolve().parents[1] / "book" / "05_dynamics_similarity.ipynb"
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "markdown")
    return set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", text))


def test_glue_values_cover_every_key_the_chapter_uses():
    tables = _tables(seconds=12.5)
    results = sim.summarize_chapter(tables)
    designs = sim.design_comparison(tables, soc_offset_share=[0.1, 0.2, 0.3])
    sweep = sim.dimension_sweep(tables.table, DIMS, 4)
    values = similarity_values.glue_values(tables, results, _fake_unit(), designs, sweep,
                                           n_workers=2)
    missing = _chapter_glue_keys() - set(values)
    assert not missing, f"glue_values lacks {sorted(missing)}"
    s = results.training
    assert values["sim_position_ffh"] == s.positions["ffh"]
    assert values["sweep_min_diff"] == pytest.approx(sweep.diff_ffh_ff.min())
    assert values["sweep_ffh_above_hints"] == int(sweep.ffh_above_hints.sum())
    assert values["sim_n_rows"] == sum(len(t) for t in tables.tables)
    # the seed study's networks repeat the headline study's (same design, directions and
    # units): each network counts once
    seen, minutes = set(), 0.0
    for t in tables.tables:
        for _, r in t[t["network"].isin(study.NETWORKS)].iterrows():
            key = (r.cue_epoch, r.training_directions, r.ground_truth, r.seed, r.network)
            if key not in seen:
                seen.add(key)
                minutes += r.train_seconds / 60
    assert values["sim_n_networks"] == len(seen) < sum(
        t["network"].isin(study.NETWORKS).sum() for t in tables.tables)
    assert values["sim_train_minutes"] == pytest.approx(minutes)
    assert values["sim_cold_minutes"] == pytest.approx(minutes / 2)
    assert values["sim_n_cached"] == int(sum(t["cached"].sum() for t in tables.tables))
    assert values["similarity_study_seconds"] == 12.5
    assert values["cca_unobserved_ffh_mean"] == s.cca_e["ffh"].mean
    assert values["cca_oracle_mean"] == s.cca_e["oracle"].mean
    assert values["cca_hints_cmp_diff"] == s.ffh_hints.mean_diff
    assert values["cca_unobserved_padj"] == s.ffh_ff.p_adjusted
    assert values["cca_cd_train_hints_mean"] == s.cca_cd["hints"].mean
    assert values["cca_cd_untrained_interp_mean"] == \
        results.untrained.measures["cca_cd_untrained_e"]["interpolation"].mean
    assert values["cca_cd_untrained_half_ffh_mean"] == \
        results.untrained_half.measures["cca_cd_untrained_e"]["ffh"].mean
    assert values["pvalue_cd_untrained_ffh_vs_interp"] == results.primary.p_adjusted
    assert values["r2_interp_untrained_E"] == \
        results.untrained.headroom["r2_interp_e"].mean
    assert values["sim_verdict_ff"].startswith("FFH's similarity with E is")
    assert values["sim_beyond_lead"].startswith(("FFH", "Whether"))
    assert values["sim_seed_ran"] is True and values["sim_seed_text"].startswith("For FFH's")
    assert values["design_ran"] is True and values["sim_design_text"].startswith("With the cue")
    assert set(sim.DesignComparison.keys()) <= set(values)
    assert values["seed_within_sd_cca_ffh"] == results.seeds["cca_e"].within_sd["ffh"]
    numbers = [v for v in values.values() if isinstance(v, float)]
    assert all(np.isfinite(numbers))
    gt = _fake_unit().pair.ground_truth
    assert values["sim_n_directions"] == gt.training.n_directions
    assert values["sim_n_untrained_directions"] == gt.intermediate.n_directions
    assert values["sim_half_n_directions"] == (gt.training.n_directions + 1) // 2
    assert values["sim_half_n_untrained_directions"] == \
        gt.n_directions - values["sim_half_n_directions"]


def test_glue_values_say_how_to_get_the_optional_studies_when_they_did_not_run():
    tables = _tables(run_seeds=False, run_other=False)
    results = sim.summarize_chapter(tables)
    values = similarity_values.seed_values(results, tables.plan)
    assert values["sim_seed_ran"] is False
    assert values["sim_seed_text"].startswith("This figure was not computed")
    assert f"{tables.plan.extra_networks} more networks" in values["sim_seed_text"]
    assert not any(k.startswith("seed_") for k in values)  # no NaN glued
    design = similarity_values.design_values(None, tables.plan)
    assert design["design_ran"] is False and design["design_n_ground_truths"] == 3
    assert set(design) == {"design_ran", "design_n_ground_truths", "sim_design_text"}
    assert design["sim_design_text"].startswith("This comparison was not computed")
    sweep = sim.dimension_sweep(tables.table, DIMS, 4)
    values = similarity_values.glue_values(tables, results, _fake_unit(), None, sweep,
                                           n_workers=2)
    assert not _chapter_glue_keys() - set(values)


def test_run_chapter_refuses_a_plan_of_one_design():
    with pytest.raises(ValueError, match="other trial design"):
        sim.chapter_plan(_params(), _params(seeds=(0,)), full=False)


def test_unit_view_of_a_trained_pair():
    params = tiny_study()
    unit = sim.unit_view(params)
    pair = study.train_pair(params, *params.units[0])
    train = pair.ground_truth.training
    assert set(unit.latents) == {"SOC", "FF", "FFH"}
    for latent in unit.latents.values():
        assert latent.shape == (train.n_directions, train.time_ms.size, 3)
    np.testing.assert_array_equal(unit.angles, train.angles)
    X = train.rates[..., pair.observation.evaluation.neurons].reshape(
        -1, pair.observation.evaluation.neurons.size)
    assert unit.n_samples == X.shape[0]
    ratios = explained_variance_ratio(stack_activity(
        train.rates[..., pair.observation.evaluation.neurons]))
    assert unit.var_at_d == pytest.approx(ratios[:params.similarity.pca_dim].sum())
    assert 0 < unit.var_at_d <= 1 + 1e-12
    assert ratios[:unit.n90].sum() >= 0.9 and ratios[:unit.n90 - 1].sum() < 0.9
