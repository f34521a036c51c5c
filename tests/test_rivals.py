"""Chapter 09's rivals as rows of the study table: one table whatever the executor (BPTT rows
included), the parent never imports JAX under a process executor, FF's and FFH's robustness equal
chapters 06 and 08's, a diverging training is a failed row, and the summary's Holm family and
±0.05 rule against a hand computation."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from _tiny import tiny_study
from scipy.stats import wilcoxon

from ffhlib import (
    _bptt_jax,
    bptt,
    bptt_calibration,
    force_rivals,
    generalization,
    mechanism_study,
    pinned,
    rival_measures,
    rivals,
)
from ffhlib import rivals_summary as rs
from ffhlib.inference import bootstrap_mean_interval, equivalent_within
from ffhlib.parallel import SINGLE_THREAD_ENV, ProcessExecutor, SerialExecutor
from ffhlib.study import CALIBRATION_GROUND_TRUTHS
from ffhlib.summaries import BOOT_SEED, N_BOOT

TINY = tiny_study()
#: The rivals at the smallest useful scale (seconds each).
TINY_RIVALS = rivals.RivalParams(
    force_tau=dataclasses.replace(force_rivals.tau_matched_force(TINY.force), n_passes=2),
    bptt=bptt.BPTTParams(n_units=30, steps=20),
    bptt_rec=bptt.BPTTParams(n_units=30, steps=20, activity_l2=1.0),
    pinned=dataclasses.replace(pinned.PinnedParams(), n_units=40, n_passes=2))
_VOLATILE = ["seconds", "worker", "cached", "train_seconds"]


def test_serial_and_process_executors_give_the_same_table_with_rival_rows(tmp_path, monkeypatch):
    kinds = ("ffh", "bptt", "bptt_rec", "pinned", "ff_tau")
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "a"))
    serial = rivals.run_study(TINY, TINY_RIVALS, kinds=kinds, executor=SerialExecutor(),
                              progress=False)
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path / "b"))  # computed afresh, in workers
    parallel = rivals.run_study(TINY, TINY_RIVALS, kinds=kinds, executor=ProcessExecutor(2),
                                progress=False)
    assert not parallel["cached"].any()
    assert (serial["error"] == "").all()
    assert list(serial["network"]) == list(kinds)
    assert np.isfinite(serial[serial["network"] == "bptt"]["cca_cd_untrained_e"]).all()
    pd.testing.assert_frame_equal(serial.drop(columns=_VOLATILE),
                                  parallel.drop(columns=_VOLATILE))


def test_workers_run_xla_on_one_thread():
    assert SINGLE_THREAD_ENV["XLA_FLAGS"] == _bptt_jax.THREAD_FLAGS


def test_the_parent_never_imports_jax_under_a_process_executor(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_rivals import TINY, TINY_RIVALS
        from ffhlib import rivals
        from ffhlib.parallel import ProcessExecutor
        assert "jax" not in sys.modules
        table = rivals.run_study(TINY, TINY_RIVALS, kinds=("bptt",),
                                 executor=ProcessExecutor(1), progress=False)
        assert (table["error"] == "").all(), table["error"].tolist()
        print("jax imported:", "jax" in sys.modules)
    """)
    env = {**os.environ, "FFHLIB_CACHE_DIR": str(tmp_path)}
    env.pop("XLA_FLAGS", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "jax imported: False" in out.stdout


def test_ff_and_ffh_robustness_equal_chapters_06_and_08():
    gen = generalization.GeneralizationParams.quick()
    mech = dataclasses.replace(mechanism_study.MechanismParams.quick(),
                               analyses=("dsa", "variants"))
    for kind in ("ff", "ffh"):
        ours = rival_measures.evaluate(TINY, TINY_RIVALS, gen, mech, 0, 0, kind)
        ch06 = generalization.evaluate_unit(TINY, gen, 0, 0, kind)
        ch08 = mechanism_study.analyse_unit(TINY, mech, 0, 0, kind)
        np.testing.assert_array_equal(ours.noise_err, ch06.noise_err)
        np.testing.assert_array_equal(ours.noise_cca, ch06.noise_cca)
        assert ours.switch_err == ch08.switch_err
        assert (ours.dsa, ours.dsa_angular) == (ch08.dsa, ch08.dsa_angular)
        assert np.isfinite(ours.noise_err).all() and np.isfinite(ours.dsa)


def test_a_diverging_rival_is_a_failed_row_not_a_result(tmp_path, monkeypatch):
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path))
    bad = dataclasses.replace(TINY_RIVALS,
                              bptt=dataclasses.replace(TINY_RIVALS.bptt, learning_rate=1e6))
    table = rivals.run_study(TINY, bad, kinds=("ffh", "bptt"), progress=False)
    row = table[table["network"] == "bptt"].iloc[0]
    assert re.match(rs.DIVERGED, row["error"]) and "Lower BPTTParams.learning_rate" in row["error"]
    assert np.isnan(row[["fit_r2", "cca_e", "cca_cd_untrained_e", "gen_err"]].astype(float)).all()
    assert table[table["network"] == "ffh"]["error"].iloc[0] == ""
    rs._check_failures(table)  # a divergence is a result (a failed row), not a bug
    robust = rival_measures.run_measures(TINY, bad, generalization.GeneralizationParams.quick(),
                                         mechanism_study.MechanismParams.quick(),
                                         kinds=("bptt",), progress=False)
    assert re.match(rs.DIVERGED, robust["error"].iloc[0])
    assert np.isnan(robust["dsa"].iloc[0])
    gen = generalization.GeneralizationParams.quick()
    summary = rs.summarize_rivals(table, robust, noise_sigmas=gen.input_noise_sigmas,
                                  noise_sigma=gen.noise_sigma)
    assert summary.n_failed == {"ffh": 0, "bptt": 1}
    assert not summary.family  # nothing left to compare


# ----------------------------------------------------------------------------- the summary


def _synthetic(n: int = 12):
    """FFH and three rivals over ``n`` ground truths with known paired differences: one far
    below, one level within a narrow band, one level but noisy; one rival network flagged."""
    rng = np.random.default_rng(3)
    ffh_p = 0.6 + 0.05 * rng.standard_normal(n)
    ffh_s = 0.8 + 0.03 * rng.standard_normal(n)
    d = {"bptt": (-0.2 + 0.01 * rng.standard_normal(n), -0.1 + 0.01 * rng.standard_normal(n)),
         "pinned": (0.005 * rng.standard_normal(n), 0.004 * rng.standard_normal(n)),
         "ff_tau": (0.15 * rng.standard_normal(n), 0.2 * rng.standard_normal(n))}
    rows = []
    for g in range(n):
        rows.append({"network": "ffh", "cca_cd_untrained_e": ffh_p[g], "cca_e": ffh_s[g],
                     "fit_r2": 0.99})
        for k, (dp, ds) in d.items():
            rows.append({"network": k, "cca_cd_untrained_e": ffh_p[g] + dp[g],
                         "cca_e": ffh_s[g] + ds[g],
                         "fit_r2": 0.5 if (k == "pinned" and g == 0) else 0.99})
    table = pd.DataFrame(rows)
    table["ground_truth"] = np.repeat(np.arange(n), 4)
    table["seed"], table["error"] = 0, ""
    return table, d


def test_family_is_holm_over_rivals_by_two_measures_and_matches_is_the_margin_rule():
    table, d = _synthetic()
    family = rs.comparison_family(table, rivals=("bptt", "pinned", "ff_tau"))
    keys = [(r, m) for r in ("bptt", "pinned", "ff_tau") for m in (rs.PRIMARY, rs.SECONDARY)]
    assert set(family) == set(keys)
    diffs = {(r, m): d[r][i] for r in d for i, m in enumerate((rs.PRIMARY, rs.SECONDARY))}
    raw = {k: wilcoxon(diffs[k]).pvalue for k in keys}
    # Holm by hand: the i-th smallest p times (m - i), running maximum, capped at 1
    order = sorted(keys, key=lambda k: raw[k])
    adjusted, running = {}, 0.0
    for i, k in enumerate(order):
        running = max(running, min(1.0, (len(keys) - i) * raw[k]))
        adjusted[k] = running
    for k in keys:
        c = family[k]
        assert c.family_size == 6
        np.testing.assert_allclose(c.mean_diff, diffs[k].mean())
        np.testing.assert_allclose(c.wilcoxon_p, raw[k])
        np.testing.assert_allclose(c.p_adjusted, adjusted[k])
        lo, hi = bootstrap_mean_interval(diffs[k], n_boot=N_BOOT, rng=BOOT_SEED).interval
        np.testing.assert_allclose(c.ci_diff, (lo, hi))
        assert equivalent_within(c, rs.MARGIN) == (-0.05 <= lo and hi <= 0.05)
    assert equivalent_within(family[("pinned", rs.PRIMARY)], rs.MARGIN)
    assert not equivalent_within(family[("ff_tau", rs.PRIMARY)], rs.MARGIN)
    assert not equivalent_within(family[("bptt", rs.PRIMARY)], rs.MARGIN)
    assert family[("bptt", rs.PRIMARY)].significant


def test_sensitivity_family_leaves_out_the_flagged_units():
    table, d = _synthetic()
    assert rs.flagged_units(table, "pinned") == {(0, 0)}
    sens = rs.comparison_family(table, rivals=("bptt", "pinned", "ff_tau"),
                                exclude_flagged=True)
    assert sens[("pinned", rs.PRIMARY)].n == 11
    np.testing.assert_allclose(sens[("pinned", rs.PRIMARY)].mean_diff, d["pinned"][0][1:].mean())
    assert sens[("bptt", rs.PRIMARY)].n == 12


# ----------------------------------------------------------------------------- calibration


def test_the_bptt_rule_on_the_shipped_record_gives_the_defaults():
    record = bptt_calibration.load_record()
    defaults = rivals.RivalParams()
    assert bptt_calibration.choose(record) == {"rate_l2": defaults.bptt.rate_l2,
                                               "activity_l2": defaults.bptt_rec.activity_l2}
    assert defaults.bptt_rec.rate_l2 == defaults.bptt.rate_l2
    # every setting of the grids on every calibration ground truth, once
    for rival, grid in (("bptt", bptt_calibration.RATE_GRID),
                        ("bptt_rec", bptt_calibration.ACTIVITY_GRID)):
        rows = record[record["rival"] == rival]
        assert sorted(zip(rows["value"], rows["ground_truth"], strict=True)) == sorted(
            (v, g) for v in grid for g in CALIBRATION_GROUND_TRUTHS)
    assert record["fit_r2"].between(-np.inf, 1).all()


def test_the_bptt_rule_by_hand():
    def record(rate_fits, activity_fits):
        rows = [{"rival": "bptt", "value": v, "ground_truth": g, "fit_r2": f}
                for v, fs in rate_fits.items() for g, f in enumerate(fs)]
        rows += [{"rival": "bptt_rec", "value": v, "ground_truth": g, "fit_r2": f}
                 for v, fs in activity_fits.items() for g, f in enumerate(fs)]
        return pd.DataFrame(rows)

    # strongest rate penalty whose mean fit >= 0.95; largest activity weight keeping it
    r = record({0.001: [0.99, 0.99], 0.01: [0.96, 0.95], 0.1: [0.99, 0.90]},
               {0.1: [0.97, 0.97], 1.0: [0.96, 0.95], 10.0: [0.94, 0.95]})
    assert bptt_calibration.choose(r) == {"rate_l2": 0.01, "activity_l2": 1.0}
    # none reaches the fit: the best-fitting rate, the smallest activity weight
    r = record({0.001: [0.90, 0.92], 0.01: [0.93, 0.93]}, {0.1: [0.9, 0.9], 1.0: [0.8, 0.8]})
    assert bptt_calibration.choose(r) == {"rate_l2": 0.01, "activity_l2": 0.1}


def test_chapter_04_shows_the_settings_the_rivals_train_with():
    from ffhlib import rival_calibration, rival_settings_summary

    values = rival_settings_summary.settings_values()
    defaults = rivals.RivalParams()
    assert values["rivals_bptt_rate_l2"] == defaults.bptt.rate_l2 == defaults.bptt_rec.rate_l2
    assert values["rivals_bptt_activity_l2"] == defaults.bptt_rec.activity_l2
    assert values["rivals_bptt_steps"] == defaults.bptt.steps
    tau = defaults.force_tau
    assert (values["rivals_tau_noise"], values["rivals_tau_gain"],
            values["rivals_tau_passes"]) == (tau.training_noise, tau.hint_gain, tau.n_passes)
    assert (values["rivals_pinned_noise"], values["rivals_pinned_gain"],
            values["rivals_pinned_passes"]) == (defaults.pinned.training_noise,
                                                defaults.pinned.target_gain,
                                                defaults.pinned.n_passes)
    rows = rival_settings_summary.settings_rows()
    chosen = {r["rival"]: r for r in rows if r["chosen"]}
    assert set(chosen) == set(rivals.RIVALS)  # one chosen setting per rival
    assert sum(r["chosen"] for r in rows) == len(rivals.RIVALS)
    record = bptt_calibration.load_record()
    bptt_rows = record[(record["rival"] == "bptt") & (record["value"] == defaults.bptt.rate_l2)]
    np.testing.assert_allclose(chosen["bptt"]["fit_mean"], bptt_rows["fit_r2"].mean())
    assert rival_calibration.PINNED["preparation"].n_passes == defaults.pinned.n_passes


def _synthetic_summary():
    """A synthetic study's table (every measure filled), its differences and its summary."""
    table, d = _synthetic()
    for column in ("cca_untrained_e", "cca_cd_e", "procrustes_cd_untrained_e", "gen_err",
                   "train_seconds"):
        table[column] = np.linspace(0.1, 0.9, len(table))
    robust = table[["ground_truth", "seed", "network"]].assign(
        dsa=0.3, switch_err=0.2, noise_err_s0=0.1, noise_err_s1=0.4, error="")
    summary = rs.summarize_rivals(table, robust, noise_sigmas=(0.0, 0.4), noise_sigma=0.4)
    return table, d, summary


def test_chapter_values_of_a_synthetic_study():
    table, d, summary = _synthetic_summary()
    values = rs.chapter_values(summary)
    assert summary.n_flagged["pinned"] == 1 and summary.n_ground_truths == 12
    assert values["rivals_family_size"] == 6
    assert values["matches_ffh_pinned"] and not values["matches_ffh_ff_tau"]
    np.testing.assert_allclose(values["diff_cd_untrained_bptt_vs_ffh"], d["bptt"][0].mean())
    np.testing.assert_allclose(values["noise_err_bptt_mean"], 0.4)
    np.testing.assert_allclose(values["cca_cd_untrained_ffh_mean"],
                               table.loc[table.network == "ffh", "cca_cd_untrained_e"].mean())
    assert values["pvalue_cd_untrained_pinned_vs_ffh_unflagged"] == summary.sensitivity[
        ("pinned", rs.PRIMARY)].p_adjusted
    assert all(np.isfinite(v) for v in values.values() if isinstance(v, float))


def test_sensitivity_table_says_when_every_unit_is_flagged():
    table, _ = _synthetic()
    for column in ("cca_untrained_e", "cca_cd_e", "procrustes_cd_untrained_e", "gen_err",
                   "train_seconds"):
        table[column] = 0.5
    table.loc[table["network"] == "bptt", "fit_r2"] = 0.5
    robust = table[["ground_truth", "seed", "network"]].assign(
        dsa=0.3, switch_err=0.2, noise_err_s0=0.1, error="")
    summary = rs.summarize_rivals(table, robust, noise_sigmas=(0.0,), noise_sigma=0.0)
    assert ("bptt", rs.PRIMARY) not in summary.sensitivity
    lines = [line for line in rs.sensitivity_table(summary).splitlines()
             if line.startswith("| regularised BPTT")]
    assert len(lines) == 2 and all(line.endswith("| – (every unit flagged) |") for line in lines)
    n = summary.n_flagged["bptt"]
    assert n > 0 and f"| regularised BPTT (EMG; {n} flagged) |" in rs.results_table(summary)
    assert "pvalue_cd_untrained_bptt_vs_ffh_unflagged" not in rs.chapter_values(summary)


def test_the_two_tables_show_every_network_once_with_its_values():
    _, _, summary = _synthetic_summary()
    for text in (rs.results_table(summary), rs.measures_table(summary)):
        rows = [line for line in text.splitlines() if line.startswith("|")][2:]
        assert len(rows) == len(summary.kinds)
    measures = rs.measures_table(summary)
    for kind in summary.kinds:
        assert f"{summary.fit_min[kind]:.3f}" in measures
    assert ":name: tab-rivals-measures" in measures and "ground truths" in measures
