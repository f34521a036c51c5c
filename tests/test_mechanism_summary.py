"""What the mechanisms chapter shows: summaries of a hand-made study table against plain NumPy,
the glue keys of every combination of analyses, text that agrees with the table, the figures."""

from __future__ import annotations

import dataclasses
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from _tiny import tiny_study

from ffhlib import cache
from ffhlib import report_book as rb
from ffhlib import report_mechanisms as rm
from ffhlib.mechanism_study import ANALYSES, MechanismParams, UnitMechanisms, mechanism_table
from ffhlib.mechanism_summary import (
    DSA_KINDS,
    glue_values,
    mechanism_params,
    summarize_mechanisms,
    table_rows,
)
from ffhlib.plotting import mechanisms as mplots
from ffhlib.study import ground_truth

GROUND_TRUTHS, SEEDS = tuple(range(12)), (0, 1)
PARAMS = dataclasses.replace(tiny_study(), ground_truth_seeds=GROUND_TRUTHS, seeds=SEEDS)
C, K = 4, 3  # directions, eigenvalues kept

#: Keys glued whether or not the analysis ran (NaN when it did not), and the settings.
ALWAYS = {
    "jpca": [f"jpca_rot_{k}_{s}" for k in ("soc", "ff", "ffh", "floor")
             for s in ("mean", "lo", "hi")]
    + ["jpca_rot_soc", "jpca_rot_ff", "jpca_rot_ffh", "jpca_pvalue", "jpca_padj",
       "jpca_verdict"],
    "fixed_points": ["fp_found_fraction_ff", "fp_found_fraction_ffh", "prep_rsa_ff",
                     "prep_rsa_ffh", "prep_rsa_verdict", "prep_rsa_pvalue", "prep_rsa_padj",
                     "lead_real_soc", "lead_real_ff", "lead_real_ffh"],
    "dsa": [f"dsa_{k}_{s}" for k in ("floor", "ff", "ffh", "hints", "ceiling", "oracle")
            for s in ("mean", "lo", "hi")] + ["dsa_pvalue", "dsa_padj", "dsa_verdict",
                                              "dsa_claim", "dsa_hints_text"],
    "variants": ["delay_short_ms", "delay_err_ff_short", "delay_err_ffh_short", "delay_pvalue",
                 "delay_padj", "delay_verdict", "switch_err_ff", "switch_err_ffh",
                 "switch_pvalue", "switch_padj", "switch_ignore_err", "switch_verdict"],
}
SETTINGS = ["n_ground_truths", "n_seeds", "mech_unit_ground_truth", "mech_unit_seed",
            "mech_jpca_pcs", "mech_soft_norm", "mech_q_tol", "mech_fp_radius",
            "mech_n_directions", "mech_n_eigenvalues", "mech_tau_soc", "mech_tau_rnn",
            "mech_dsa_pcs", "dsa_n_delays", "dsa_rank", "mech_delays_text", "mech_trained_delay",
            "mech_switch_percent", "mech_switch_degrees", "mech_interval_text",
            "mech_summary_text", "mech_family_size", "mech_family_text", "mech_cold_minutes",
            "mech_cold_workers", "mech_analyses_minutes", "mech_claim",
            *[f"mech_{m}_{k}" for m in rm.MECHANISM_MEASURES
              for k in ("label", "ff", "ffh", "reference", "padj", "claim")]]
_DIFF = ("diff", "diff_lo", "diff_hi", "n_opposite", "min_p")
#: Keys glued only when the analysis ran.
RUN_ONLY = {
    "jpca": [f"jpca_dev_{s}" for s in (*_DIFF, "pvalue", "padj")],
    "fixed_points": [f"{p}_{k}_{s}" for p in ("fp_found", "prep_rsa") for k in ("ff", "ffh")
                     for s in ("mean", "lo", "hi")] + [f"prep_rsa_{s}" for s in _DIFF],
    "dsa": [f"dsa_{s}" for s in _DIFF],
    "variants": [f"{p}_{s}" for p in ("delay", "switch") for s in _DIFF]
    + [f"switch_err_{k}_{s}" for k in ("ff", "ffh") for s in ("mean", "lo", "hi")],
}


def _rows(mech: MechanismParams, seed: int = 0) -> list[UnitMechanisms]:
    """Every unit and kind, NaN where an analysis was off (as the study's rows are). FFH's DSA
    distance is below FF's in every ground truth, so that comparison is significant (also after
    Holm's adjustment over the table's seven rows); the hints' is 0.05 above FFH's."""
    rng = np.random.default_rng(seed)
    ran, D = set(mech.analyses), len(mech.delays_ms)
    rows = []
    for g in GROUND_TRUTHS:
        for s in SEEDS:
            for kind in ("ff", "ffh", "soc", "floor", "ceiling", "hints", "oracle"):
                net = kind in ("ff", "ffh")
                eig = rng.normal(size=(C, K)) + 1j * rng.normal(size=(C, K))

                def value(on, applies=True):
                    return float(rng.uniform(0.1, 1.0)) if on and applies else math.nan

                rows.append(UnitMechanisms(
                    ground_truth=g, seed=s, network=kind,
                    jpca_rotation=value("jpca" in ran, kind in ("ff", "ffh", "soc", "floor")),
                    jpca_frequency_hz=value("jpca" in ran, kind in ("ff", "ffh", "soc", "floor")),
                    fp_found_fraction=value("fixed_points" in ran, net),
                    fp_distance=value("fixed_points" in ran, net),
                    prep_rsa=value("fixed_points" in ran, net),
                    onset_eigenvalues=eig if "fixed_points" in ran and kind in ("ff", "ffh", "soc")
                    else np.full((C, K), np.nan, dtype=complex),
                    dsa=(1.0 + 0.1 * g - 0.5 * (kind == "ffh") - 0.45 * (kind == "hints")
                         + 0.01 * s if "dsa" in ran and kind != "soc" else math.nan),
                    dsa_angular=value("dsa" in ran, kind != "soc"),
                    delay_err=np.array([value("variants" in ran, net) for _ in range(D)]),
                    switch_err=value("variants" in ran, net),
                    switch_ignore_err=value("variants" in ran, net),
                    seconds=float(rng.uniform(1, 2))))
    return rows


NETWORKS = pd.DataFrame({"seconds": [10.0, 20.0], "train_seconds": [60.0, 30.0]})


def _summary(analyses=ANALYSES, n_workers=2):
    mech = dataclasses.replace(MechanismParams.quick(), analyses=analyses,
                               delays_ms=(100.0, 50.0, 200.0))
    rows = _rows(mech)
    table = mechanism_table(rows)
    return summarize_mechanisms(PARAMS, mech, table, rows, networks=NETWORKS,
                                n_workers=n_workers), table, rows


@pytest.fixture(scope="module")
def full():
    return _summary()


def _per_ground_truth_mean(table, column, kind):
    sub = table[table["network"] == kind]
    return np.mean([sub[sub["ground_truth"] == g][column].mean() for g in GROUND_TRUTHS])


def test_summaries_are_means_over_ground_truths_of_the_seeds_means(full):
    summary, table, rows = full
    for kind in ("floor", "ff", "ffh", "soc"):
        assert summary.rotation.strength[kind].mean == pytest.approx(
            _per_ground_truth_mean(table, "jpca_rotation", kind), rel=1e-12)
    assert list(summary.rotation.strength) == ["floor", "ff", "ffh", "soc"]
    assert list(summary.similarity.distance) == list(DSA_KINDS) == [
        "floor", "ff", "ffh", "hints", "ceiling", "oracle"]
    short = summary.variants.short
    assert summary.mech.delays_ms[short] == 50.0
    assert summary.variants.delay_error["ffh"].mean[short] == pytest.approx(
        _per_ground_truth_mean(table, f"delay_err_{short}", "ffh"), rel=1e-12)


def test_the_rotation_comparison_is_of_the_distance_from_the_same_ground_truths_soc(full):
    summary, table, _ = full
    soc = table[table["network"] == "soc"].groupby("ground_truth")["jpca_rotation"].mean()
    per_gt = []
    for g in GROUND_TRUTHS:
        rows = table[table["ground_truth"] == g]
        dev = {k: np.abs(rows[rows["network"] == k]["jpca_rotation"].to_numpy() - soc[g])
               for k in ("ff", "ffh")}
        per_gt.append(np.mean(dev["ffh"] - dev["ff"]))
    assert summary.rotation.deviation.mean_diff == pytest.approx(np.mean(per_gt), rel=1e-12)


def test_spectra_and_leading_eigenvalues(full):
    summary, _, rows = full
    first = {r.network: r for r in rows if (r.ground_truth, r.seed) == PARAMS.units[0]}
    for kind in ("soc", "ff", "ffh"):
        np.testing.assert_array_equal(summary.preparation.spectra[kind.upper()],
                                      first[kind].onset_eigenvalues)
        leading = [r.onset_eigenvalues[:, 0].real.mean() for r in rows if r.network == kind]
        assert summary.preparation.lead_real[kind] == pytest.approx(np.mean(leading), rel=1e-12)


def test_dsa_per_unit_differences(full):
    summary, table, _ = full
    for g in GROUND_TRUTHS:
        sub = table[table["ground_truth"] == g]
        expected = (sub[sub["network"] == "ffh"]["dsa"].to_numpy()
                    - sub[sub["network"] == "ff"]["dsa"].to_numpy())
        np.testing.assert_allclose(summary.similarity.unit_differences[g], expected, rtol=1e-12)
    assert summary.similarity.comparison.significant  # lower in every ground truth


def test_glue_keys_when_every_analysis_ran(full):
    values = glue_values(full[0])
    expected = set(SETTINGS).union(*ALWAYS.values(), *RUN_ONLY.values())
    assert set(values) == expected and len(expected) == 134 + 1 + 6 * 7
    assert all(type(v) in (int, float, str) for v in values.values())
    assert values["mech_cold_minutes"] == pytest.approx((30 + 90 + full[1]["seconds"].sum())
                                                        / 60 / 2)
    n_directions = ground_truth(PARAMS, GROUND_TRUTHS[0]).training.n_directions
    assert values["mech_n_directions"] == n_directions
    assert values["mech_switch_degrees"] == pytest.approx(360 * 4 / n_directions)
    assert values["n_ground_truths"] == 12 and values["n_seeds"] == 2
    assert values["dsa_hints_mean"] == pytest.approx(values["dsa_ffh_mean"] + 0.05)
    assert values["dsa_hints_text"] == rm.dsa_references_text(full[0].similarity.distance)
    assert values["mech_family_size"] == 7
    assert values["mech_family_text"].startswith("The 7 p-values of the table")
    assert values["mech_delays_text"] == "100, 50, 200" and values["delay_short_ms"] == 50.0


@pytest.mark.parametrize("off", ANALYSES)
def test_glue_keys_and_nans_when_an_analysis_is_off(off):
    summary, _, _ = _summary(analyses=tuple(a for a in ANALYSES if a != off))
    values = glue_values(summary)
    expected = set(SETTINGS).union(*ALWAYS.values(),
                                   *(v for k, v in RUN_ONLY.items() if k != off))
    assert set(values) == expected
    assert all(isinstance(values[k], float) and math.isnan(values[k]) for k in ALWAYS[off])
    assert getattr(summary, {"jpca": "rotation", "fixed_points": "preparation",
                             "dsa": "similarity", "variants": "variants"}[off]) is None
    rows_of = {"jpca": 1, "fixed_points": 3, "dsa": 1, "variants": 2}  # table rows per analysis
    assert len(summary.comparisons) == 7 - rows_of[off]


def test_the_text_agrees_with_the_table(full):
    summary = full[0]
    values, rows = glue_values(summary), table_rows(summary)
    marks = [row[-1] for row in rows]
    assert [row[0] for row in rows] == [
        "rotations: |strength − the SOC's|", "preparatory geometry: correlation with the SOC's",
        "directions held at a stable fixed point at the end of the cue",
        "onset dynamics: |leading eigenvalue − the SOC's| (1/s)",
        "dynamics: DSA distance to E", "preparation of 50 ms: EMG error",
        "cue switched: EMG error"]
    assert values["mech_summary_text"] == rm.describe_mechanism_tally(marks)
    for c, row in zip(summary.comparisons, rows, strict=True):
        shown = (values[f"mech_{c.measure}_label"], f"{values[f'mech_{c.measure}_ff']:.3f}",
                 f"{values[f'mech_{c.measure}_ffh']:.3f}", values[f"mech_{c.measure}_reference"],
                 f"{values[f'mech_{c.measure}_padj']:.3g}", values[f"mech_{c.measure}_claim"])
        assert shown == (row[0], row[1], row[2], row[3] or "–", row[5], row[6])
    assert values["mech_claim"] == rb.mechanism_verdict(
        [(c.test, rm.MECHANISM_MEASURES[c.measure][1]) for c in summary.comparisons])
    assert marks[4] == values["dsa_claim"] == "✔ supports"
    assert values["dsa_verdict"].startswith("FFH's DSA distance to E is lower (better)")
    assert values["delay_verdict"].startswith("FFH's error with a 50 ms delay")
    assert rows[4][4] == f"{summary.similarity.comparison.wilcoxon_p:.3g}"
    assert rows[4][5] == f"{summary.similarity.comparison.p_adjusted:.3g}"
    d = summary.similarity.distance
    assert rows[4][3] == (f"two samples of unrecorded neurons {d['ceiling'].mean:.3f}, oracle "
                          f"{d['oracle'].mean:.3f}, hints {d['hints'].mean:.3f}, floor "
                          f"{d['floor'].mean:.3f}")
    empty = dataclasses.replace(summary, comparisons=())
    assert table_rows(empty) == [("no analysis was run", "", "", "", "", "", "")]


def _holm_by_hand(pvalues):
    """Holm's step-down adjustment written out: sort, multiply by m, m-1, ..., keep it monotone."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    out, running = [0.0] * len(pvalues), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        out[i] = running
    return out


@pytest.mark.parametrize("analyses", [ANALYSES, ("jpca", "dsa"), ("variants",)])
def test_the_tables_comparisons_are_one_holm_family(analyses):
    summary = _summary(analyses=analyses)[0]
    tests = [c.test for c in summary.comparisons]
    assert [t.p_adjusted for t in tests] == pytest.approx(
        _holm_by_hand([t.wilcoxon_p for t in tests]))
    assert all(t.family_size == len(tests) for t in tests) and summary.family_size == len(tests)
    # the summaries quote the same adjusted comparisons as the table
    if summary.similarity is not None:
        assert summary.similarity.comparison is tests[[c.measure for c in
                                                       summary.comparisons].index("dsa")]
    if summary.variants is not None:
        assert summary.variants.switch_comparison is tests[-1]


def test_mechanism_params_keep_the_quick_operator():
    quick = mechanism_params(quick=True, analyses=("dsa",), delays_ms=(10.0,), dsa_n_delays=9,
                             dsa_rank=9)
    preset = MechanismParams.quick()
    assert (quick.dsa_n_delays, quick.dsa_rank) == (preset.dsa_n_delays, preset.dsa_rank)
    assert quick.analyses == ("dsa",) and quick.delays_ms == (10.0,)
    full = mechanism_params(quick=False, dsa_n_delays=7, dsa_rank=8)
    assert (full.dsa_n_delays, full.dsa_rank) == (7, 8)
    assert full.analyses == MechanismParams().analyses
    with pytest.raises(ValueError, match="analyses"):
        mechanism_params(quick=False, analyses=("tea_leaves",))


def test_summarize_refuses_bad_input(full):
    _, table, rows = full
    with pytest.raises(TypeError, match="mech"):
        summarize_mechanisms(PARAMS, {}, table, rows, networks=NETWORKS, n_workers=1)
    with pytest.raises(ValueError, match="n_workers"):
        summarize_mechanisms(PARAMS, MechanismParams(), table, rows, networks=NETWORKS,
                             n_workers=0)


def test_figures_draw_what_they_are_given(full):
    summary = full[0]
    ax = mplots.plot_rotation(summary.rotation.strength)
    assert [t.get_text() for t in ax.get_xticklabels()] and len(ax.figure.axes) == 1
    ax = mplots.plot_spectra(summary.preparation.spectra)
    assert tuple(ax.figure.get_size_inches()) == (6.0, 3.8)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 3 * C * K
    left, right = mplots.plot_dsa(summary.similarity.distance, summary.similarity.comparison,
                                  summary.similarity.unit_differences)
    assert left.figure is right.figure
    # the axis says what the distance is: the Frobenius norm, minimised over orthogonal C, of
    # one-step operators (ffhlib.mechanisms.dsa_distance), so without units
    assert "Vert_F" in left.get_ylabel() and "unitless" in left.get_ylabel()
    v = summary.variants
    left, right = mplots.plot_task_variants(v.delays_ms, v.delay_error, v.switch_error,
                                            trained_delay_ms=v.trained_delay_ms,
                                            ignore_error=v.ignore_error.mean)
    assert any(np.allclose(line.get_xdata(), v.trained_delay_ms) for line in left.lines)
    assert any(np.allclose(line.get_ydata(), v.ignore_error.mean) for line in right.lines)
    plt.close("all")


def test_what_the_chapter_shows_is_outside_the_cached_stages_code():
    """Editing a sentence, a summary or a figure never invalidates the cached mechanism rows;
    editing any analysis of the package does."""
    closure = cache.module_closure("ffhlib.mechanism_study")
    assert not {"ffhlib.report", "ffhlib.report_mechanisms", "ffhlib.mechanism_summary",
                "ffhlib.chapter", "ffhlib.notebook"} & set(closure)
    assert not any(m.startswith("ffhlib.plotting") for m in closure)
    assert {f"ffhlib.mechanisms.{m}" for m in ("_common", "dsa", "fixed_points",
                                               "linearisation", "rotations",
                                               "variants")} <= set(closure)
    assert "ffhlib.mechanism_summary" not in cache.module_closure("ffhlib.report")


def test_the_package_exports_every_public_name_of_its_modules():
    import importlib

    import ffhlib.mechanisms as package

    for name in ("dsa", "fixed_points", "linearisation", "rotations", "variants"):
        module = importlib.import_module(f"ffhlib.mechanisms.{name}")
        assert set(module.__all__) <= set(package.__all__)
        assert all(getattr(package, n) is getattr(module, n) for n in module.__all__)
    assert sorted(package.__all__) == package.__all__


def test_onset_columns_against_a_hand_made_case():
    """The leading onset eigenvalue's real part, its growing share and the distance from the
    SOC's, per row, computed by hand."""
    import pandas as pd

    from ffhlib.mechanism_summary import onset_columns

    def row(g, kind, reals):
        eig = np.array([[complex(r, 1.0), complex(r - 5, 0.0)] for r in reals])
        return UnitMechanisms(
            ground_truth=g, seed=0, network=kind, jpca_rotation=math.nan,
            jpca_frequency_hz=math.nan, fp_found_fraction=math.nan, fp_distance=math.nan,
            prep_rsa=math.nan, onset_eigenvalues=eig, dsa=math.nan, dsa_angular=math.nan,
            delay_err=np.zeros(1), switch_err=math.nan, switch_ignore_err=math.nan, seconds=0.0)

    rows = [row(0, "soc", [-4.0, -2.0]), row(0, "ff", [-13.0, -11.0]), row(0, "ffh", [1.0, -1.0]),
            row(0, "hints", [0.0, 0.0])]
    table = pd.DataFrame({"ground_truth": [0] * 4, "seed": [0] * 4,
                          "network": ["soc", "ff", "ffh", "hints"]})
    out = onset_columns(table, rows).set_index("network")
    assert out.loc["soc", "onset_lead_real"] == -3.0 and out.loc["ff", "onset_lead_real"] == -12.0
    assert out.loc["ffh", "onset_growing"] == 0.5 and out.loc["ff", "onset_growing"] == 0.0
    assert out.loc["ff", "onset_deviation"] == 9.0 and out.loc["ffh", "onset_deviation"] == 3.0
    assert math.isnan(out.loc["soc", "onset_deviation"])
    assert math.isnan(out.loc["hints", "onset_deviation"])  # only the networks are compared
