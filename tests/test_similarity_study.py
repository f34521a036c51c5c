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

from ffhlib import chapter, study
from ffhlib import similarity_study as sim
from ffhlib.similarity import explained_variance_ratio, stack_activity
from ffhlib.study import StudyParams
from ffhlib.summaries import comparison_values, summary_values

GTS = (0, 1, 2)
SEEDS = (0, 1)
DIMS = (2, 3, 4, 6)
RNG = np.random.default_rng(5)
#: Per-kind level of every measure; each row adds a unit-specific offset.
LEVEL = {"floor": 0.2, "ff": 0.45, "hints": 0.7, "ffh": 0.65, "ceiling": 0.9,
         "interpolation": 0.3}


def _table(design="preparation", gts=GTS, seeds=SEEDS, skip=()):
    """A study table: every kind of every unit, each measure = kind level + unit noise."""
    rows = []
    for g in gts:
        for s in seeds:
            for kind, level in LEVEL.items():
                if (g, s, kind) in skip:
                    continue
                v = level + 0.05 * RNG.standard_normal()
                row = dict(ground_truth=g, seed=s, network=kind, cue_epoch=design, error="",
                           cca_e=v, cca_nomean_e=v - 0.1, procrustes_e=1.0 - v, cca_whole=v + 0.02,
                           fit_r2=0.95 + 0.01 * RNG.random(), offset_share=0.1 * RNG.random(),
                           gen_err=0.2 + RNG.random(), cached=bool(s), train_seconds=10.0 + g)
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


def test_summaries_are_means_over_ground_truths_of_seed_means():
    table = _table()
    s = sim.summarize_similarity(table)
    assert list(s.cca_e) == list(sim.KINDS) and list(s.whole) == list(sim.WHOLE_KINDS)
    assert list(s.fit) == ["ff", "ffh"]
    for measure, summaries in (("cca_e", s.cca_e), ("cca_nomean_e", s.nomean),
                               ("procrustes_e", s.procrustes), ("cca_whole", s.whole),
                               ("fit_r2", s.fit)):
        for kind, summary in summaries.items():
            per_gt = _per_gt_mean(table, measure, kind)
            assert summary.mean == pytest.approx(sum(per_gt.values()) / len(per_gt))
            np.testing.assert_allclose(summary.per_ground_truth, list(per_gt.values()))
    nets = table[table["network"].isin(["ff", "ffh"])]
    assert s.fit_r2_min_network == nets["fit_r2"].min()


def test_paired_comparisons_and_unit_differences():
    table = _table()
    s = sim.summarize_similarity(table)
    for cmp, measure, b in ((s.ffh_ff, "cca_e", "ff"), (s.ffh_hints, "cca_e", "hints"),
                            (s.whole_cmp, "cca_whole", "ff"), (s.nomean_cmp, "cca_nomean_e", "ff"),
                            (s.procrustes_cmp, "procrustes_e", "ff")):
        a_means, b_means = (_per_gt_mean(table, measure, k) for k in ("ffh", b))
        diffs = [a_means[g] - b_means[g] for g in GTS]
        assert cmp.mean_diff == pytest.approx(sum(diffs) / len(diffs))
        assert cmp.n_groups == len(GTS)
    for g in GTS:
        ffh = table[(table["ground_truth"] == g) & (table["network"] == "ffh")]["cca_e"]
        ff = table[(table["ground_truth"] == g) & (table["network"] == "ff")]["cca_e"]
        np.testing.assert_allclose(s.differences[g], ffh.to_numpy() - ff.to_numpy())


def test_floor_ceiling_positions_by_hand():
    table = _table()
    s = sim.summarize_similarity(table)
    floor, ceiling = (_per_gt_mean(table, "cca_e", k) for k in ("floor", "ceiling"))
    for kind in sim.POSITION_KINDS:
        m = _per_gt_mean(table, "cca_e", kind)
        expected = np.mean([(m[g] - floor[g]) / (ceiling[g] - floor[g]) for g in GTS])
        assert s.positions[kind] == pytest.approx(expected)
    # floor and ceiling themselves sit at 0 and 1
    both = sim.floor_ceiling_positions(s.cca_e, kinds=("floor", "ceiling"))
    assert both == pytest.approx({"floor": 0.0, "ceiling": 1.0})


def test_floor_ceiling_positions_refuse_what_has_no_scale():
    s = sim.summarize_similarity(_table())
    flat = dict(s.cca_e, ceiling=dataclasses.replace(
        s.cca_e["ceiling"], per_ground_truth=s.cca_e["floor"].per_ground_truth.copy()))
    with pytest.raises(ValueError, match="ceiling equals the floor"):
        sim.floor_ceiling_positions(flat)
    with pytest.raises(ValueError, match="lacks"):
        sim.floor_ceiling_positions({"ff": s.cca_e["ff"]})
    fewer = sim.kind_summaries(_table(gts=(0, 1)), "cca_e", ("ff",))
    with pytest.raises(ValueError, match="same"):
        sim.floor_ceiling_positions({**s.cca_e, **fewer})


def test_dimension_sweep_by_hand():
    table = _table()
    sweep = sim.dimension_sweep(table, DIMS, 4)
    assert sweep.dims == DIMS and sweep.headline == 4
    assert sweep.by_dim["ffh"].mean.shape == (len(DIMS),)
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


def _tables(seconds=3.0):
    params, other = _params(), _params(seeds=(0,), design="trial")
    return sim.DesignTables(params=params, params_other=other, table=_table(),
                            table_other=_table("trial", seeds=(0,)), seconds=seconds)


def test_design_comparison_uses_the_first_seed_of_each_design():
    tables = _tables()
    assert list(tables.by_design) == ["preparation", "trial"]
    assert set(tables.by_design["preparation"]["seed"]) == {0}
    comparison = sim.design_comparison(tables, soc_offset_share=[0.1, 0.2, 0.3])
    assert list(comparison.summaries) == [m for m, _ in sim.DESIGN_PANELS]
    first = tables.table[tables.table["seed"] == 0]
    for measure, kinds in sim.DESIGN_PANELS:
        for design, t in (("preparation", first), ("trial", tables.table_other)):
            assert list(comparison.summaries[measure][design]) == list(kinds)
            for kind in kinds:
                expected = np.mean(list(_per_gt_mean(t, measure, kind).values()))
                assert comparison.summaries[measure][design][kind].mean == pytest.approx(expected)
    values = comparison.values()
    assert values["design_soc_offset_share"] == pytest.approx(0.2)
    assert values["design_trial_gen_err_interpolation"] == \
        comparison.summaries["gen_err"]["trial"]["interpolation"].mean
    n_keys = sum(2 * len(kinds) for _, kinds in sim.DESIGN_PANELS) + 1
    assert len(values) == n_keys


def test_value_helpers_have_the_keys_of_the_chapter_glue(monkeypatch):
    s = sim.summarize_similarity(_table())
    glued = {}
    monkeypatch.setattr(chapter, "glue_all", lambda values: glued.update(values))
    chapter.glue_summaries("cca", s.whole)
    chapter.glue_comparison("cmp", s.ffh_ff)
    ours = {**summary_values("cca", s.whole), **comparison_values("cmp", s.ffh_ff)}
    assert ours == glued


def _fake_unit():
    evaluation = SimpleNamespace(neurons=np.arange(12), half_a=np.arange(6))
    obs = SimpleNamespace(evaluation=evaluation, neuron_idx=np.arange(20, 38))
    training = SimpleNamespace(n_directions=8, time_ms=np.arange(101.0), angles=np.zeros(8))
    pair = SimpleNamespace(observation=obs, ground_truth=SimpleNamespace(n_neurons=60,
                                                                         training=training),
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
    s = sim.summarize_similarity(tables.table)
    designs = sim.design_comparison(tables, soc_offset_share=[0.1, 0.2, 0.3])
    sweep = sim.dimension_sweep(tables.table, DIMS, 4)
    values = sim.glue_values(tables, s, _fake_unit(), designs, sweep, n_workers=2)
    missing = _chapter_glue_keys() - set(values)
    assert not missing, f"glue_values lacks {sorted(missing)}"
    assert values["sim_position_ffh"] == s.positions["ffh"]
    assert values["sweep_min_diff"] == pytest.approx(sweep.diff_ffh_ff.min())
    assert values["sweep_ffh_above_hints"] == int(sweep.ffh_above_hints.sum())
    assert values["sim_n_rows"] == len(tables.table) + len(tables.table_other)
    nets = [t[t["network"].isin(study.NETWORKS)] for t in (tables.table, tables.table_other)]
    assert values["sim_n_networks"] == sum(len(t) for t in nets)
    minutes = sum(t["train_seconds"].sum() for t in nets) / 60
    assert values["sim_train_minutes"] == pytest.approx(minutes)
    assert values["sim_cold_minutes"] == pytest.approx(minutes / 2)
    assert values["sim_n_cached"] == int(tables.table["cached"].sum()
                                         + tables.table_other["cached"].sum())
    assert values["similarity_study_seconds"] == 12.5
    assert values["cca_unobserved_ffh_mean"] == s.cca_e["ffh"].mean
    assert values["cca_hints_cmp_diff"] == s.ffh_hints.mean_diff
    assert values["sim_verdict_ff"].startswith("FFH's similarity with E is")


def test_run_designs_refuses_one_design_twice():
    with pytest.raises(ValueError, match="other trial design"):
        sim.run_designs(_params(), _params(seeds=(0,)))


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
