"""Kao's grid summary on synthetic tables: the dissociating cells by the fixed rule (checked against
a plain SciPy Wilcoxon + Holm written out here), the within-ground-truth rank correlation, glue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ffhlib import kao_summary as ks

ACTS = ("tanh", "rtanh", "softplus")
STRENGTHS = (0.0, 1e-3, 1e-2)


def _table(single, population, *, n_gt=12, ffh_single=0.8, ffh_pop=0.7, hints_single=0.9,
           noise=0.02, seed=0):
    """single[act][k], population[act][k]: each cell's mean level; rows get small noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_gt):
        for a in ACTS:
            for k, lam in enumerate(STRENGTHS):
                rows.append(dict(ground_truth=g, seed=0, network="bptt", activation=a,
                                 strength_index=k, rate_l2=lam,
                                 single_neuron=single[a][k] + noise * rng.normal(),
                                 cca_cd_e=population[a][k] + noise * rng.normal(),
                                 fit_r2=0.97 + 0.01 * rng.random()))
        for kind, s, p in (("ffh", ffh_single, ffh_pop), ("ff", 0.6, 0.4),
                           ("hints", hints_single, 0.9), ("floor", 0.3, 0.2)):
            rows.append(dict(ground_truth=g, seed=0, network=kind, activation="",
                             strength_index=-1, rate_l2=np.nan,
                             single_neuron=s + noise * rng.normal(),
                             cca_cd_e=p + noise * rng.normal(),
                             fit_r2=np.nan if kind in ("hints", "floor") else 0.99))
    return pd.DataFrame(rows).assign(error="")


def _levels(value):
    return {a: [value] * 3 for a in ACTS}


def _holm(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adj = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (p.size - rank) * p[i])
        adj[i] = min(1.0, running)
    return adj


def test_dissociating_cells_follow_the_rule_against_plain_scipy():
    single, pop = _levels(0.7), _levels(0.7)
    single["rtanh"] = [0.85, 0.82, 0.75]   # single >= FFH's 0.8 at k = 0, 1
    pop["rtanh"] = [0.5, 0.72, 0.5]        # population lower than FFH's 0.7 at k = 0 only
    pop["softplus"] = [0.4, 0.4, 0.4]      # lower, but single (0.7) below FFH's
    table = _table(single, pop)
    summary = ks.summarize_kao(table)
    # independent reference
    ffh = table[table.network == "ffh"].set_index("ground_truth")
    names, p, diff, at_least = [], [], [], []
    ref = ffh["single_neuron"].mean()
    for a in ACTS:
        for k, lam in enumerate(STRENGTHS):
            cell = table[(table.network == "bptt") & (table.activation == a)
                         & (table.strength_index == k)].set_index("ground_truth")
            d = cell["cca_cd_e"] - ffh["cca_cd_e"]
            names.append(ks.cell_name(a, lam))
            p.append(stats.wilcoxon(d.to_numpy()).pvalue)
            diff.append(d.mean())
            at_least.append(cell["single_neuron"].mean() >= ref)
    adj = _holm(p)
    expected = tuple(n for n, q, dd, ok in zip(names, adj, diff, at_least, strict=True)
                     if ok and q < 0.05 and dd < 0)
    assert summary.dissociating == expected == (ks.cell_name("rtanh", 0.0),)
    got = [c.population_vs_ffh.p_adjusted for c in summary.cells]
    np.testing.assert_allclose(got, adj, rtol=1e-12)
    assert [c.name for c in summary.cells] == names


def test_no_dissociation_when_single_matches_but_population_does_too():
    table = _table(_levels(0.85), _levels(0.7))
    summary = ks.summarize_kao(table)
    assert summary.dissociating == ()
    assert all(c.single_at_least_reference for c in summary.cells)
    assert ks.glue_values(summary)["kao_dissociating_cells"] == "none"


def test_recordings_as_the_reference_raise_the_bar():
    single, pop = _levels(0.85), _levels(0.4)
    table = _table(single, pop, hints_single=0.95)
    assert len(ks.summarize_kao(table).dissociating) == 9
    assert ks.summarize_kao(table, reference="hints").dissociating == ()


def test_rank_correlation_within_ground_truths():
    # population increases with the single-neuron level across cells in every ground truth
    single = {a: [0.5 + 0.1 * i + 0.03 * k for k in range(3)] for i, a in enumerate(ACTS)}
    table = _table(single, single, noise=0.001)
    summary = ks.summarize_kao(table)
    assert summary.rank.mean_rho > 0.9
    assert summary.rank.n_groups == 12
    rhos = []
    grid = table[table.network == "bptt"]
    for _, g in grid.groupby("ground_truth"):
        rhos.append(stats.spearmanr(g["single_neuron"], g["cca_cd_e"]).statistic)
    np.testing.assert_allclose(summary.rank.rho, rhos)
    assert summary.rank.wilcoxon_p == pytest.approx(stats.wilcoxon(rhos).pvalue)


def test_glue_values_hold_every_cell_and_reference():
    summary = ks.summarize_kao(_table(_levels(0.7), _levels(0.6)))
    values = ks.glue_values(summary)
    for a in ACTS:
        for k in range(3):
            assert np.isfinite(values[f"kao_single_{a}_{k}"])
            assert np.isfinite(values[f"kao_cca_cd_{a}_{k}"])
    for kind in ("ff", "ffh", "hints", "floor"):
        assert np.isfinite(values[f"single_neuron_match_{kind}_mean"])
    assert values["kao_n_cells"] == 9 and values["kao_n_ground_truths"] == 12
    assert values["single_neuron_match_ffh_mean"] == pytest.approx(0.8, abs=0.02)
    rows = ks.table_rows(summary)
    assert len(rows) == 9 + 4 and len({len(r) for r in rows}) == 1  # no SOC rows here


def test_failed_rows_are_left_out_and_bad_input_refused():
    table = _table(_levels(0.7), _levels(0.6))
    bad = table.copy()
    bad.loc[0, "error"] = "diverged"
    bad.loc[0, "single_neuron"] = 99.0
    s = ks.summarize_kao(bad)
    assert s.cells[0].measures["single_neuron"].mean < 1.0
    with pytest.raises(ValueError, match="reference"):
        ks.summarize_kao(table, reference="soc")
    with pytest.raises(ValueError, match="no column"):
        ks.summarize_kao(table, population="cca_nope")
    with pytest.raises(ValueError, match="no grid rows"):
        ks.summarize_kao(table[table.network != "bptt"])


def test_figure_draws_every_cell_and_reference_at_its_means():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ffhlib.plotting import kao as kplots

    summary = ks.summarize_kao(_table(_levels(0.7), _levels(0.6)))
    ax = kplots.plot_levels(summary)
    handles, labels = ax.get_legend_handles_labels()
    assert labels == [c.name for c in summary.cells] + ["FF", "FFH", "recorded neurons",
                                                        "untrained network"]
    points = [line for line in ax.lines if line.get_marker() not in (None, "None", "")]
    xy = {(round(float(p.get_xdata()[0]), 9), round(float(p.get_ydata()[0]), 9))
          for p in points if len(p.get_xdata()) == 1}
    for c in summary.cells:
        assert (round(c.measures["single_neuron"].mean, 9),
                round(c.measures["cca_cd_e"].mean, 9)) in xy
    assert "unitless" in ax.get_xlabel() and "unitless" in ax.get_ylabel()
    plt.close(ax.figure)
