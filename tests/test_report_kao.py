"""Every branch of chapter 10's sentences (ffhlib.report_kao), on summaries of synthetic tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_kao_summary import ACTS, _levels, _table

from ffhlib import kao_summary as ks
from ffhlib import report_kao as rk


def _rising():
    return {a: [0.5 + 0.1 * i + 0.03 * k for k in range(3)] for i, a in enumerate(ACTS)}


def _summary(single, pop, **kw):
    return ks.summarize_kao(_table(single, pop, **kw))


def test_dissociation_text_none_and_some():
    none = _summary(_levels(0.85), _levels(0.7))
    text = rk.kao_dissociation_text(none)
    assert "9 of 9 cells match single neurons at least as well as FFH's" in text
    assert "0 have a population score significantly below" in text
    assert text.endswith("none dissociates the two levels")
    single, pop = _levels(0.7), _levels(0.7)
    single["rtanh"], pop["rtanh"] = [0.85] * 3, [0.4] * 3
    some = _summary(single, pop)
    text = rk.kao_dissociation_text(some)
    assert "3 dissociate the two levels: rtanh, λ_r = 0; rtanh, λ_r = 0.001; rtanh" in text
    single["rtanh"] = [0.85, 0.7, 0.7]
    one = _summary(single, pop)
    assert "1 dissociates the two levels: rtanh, λ_r = 0" in rk.kao_dissociation_text(one)
    hints = ks.summarize_kao(_table(single, pop), reference="hints")
    assert "the recorded neurons'" in rk.kao_dissociation_text(hints)


def test_rank_text_branches():
    pos = _summary(_rising(), _rising(), noise=0.001).rank
    assert "significantly positive" in rk.kao_rank_text(pos)
    falling = {a: [1.3 - v for v in vals] for a, vals in _rising().items()}
    neg = _summary(_rising(), falling, noise=0.001).rank
    assert "significantly negative" in rk.kao_rank_text(neg)
    flat = _summary(_levels(0.7), _levels(0.7), noise=0.05).rank
    assert "not significantly different from 0" in rk.kao_rank_text(flat)
    nan = dataclasses.replace(flat, wilcoxon_p=float("nan"))
    assert "not significantly different from 0" in rk.kao_rank_text(nan)
    left = dataclasses.replace(pos, n_undefined=1)
    assert "(1 ground truth without a defined correlation left out)" in rk.kao_rank_text(left)
    left2 = dataclasses.replace(pos, n_undefined=2)
    assert "2 ground truths without" in rk.kao_rank_text(left2)


def test_reference_text_branches():
    s = _summary(_levels(0.7), _levels(0.6))
    text = rk.kao_reference_text(s)
    assert text.startswith("The single-neuron match is the recorded neurons 0.9")
    assert "FF does not match" not in text
    refs = {k: dict(v) for k, v in s.references.items()}
    refs["ff"]["single_neuron"] = dataclasses.replace(refs["ff"]["single_neuron"], mean=0.1)
    low = dataclasses.replace(s, references=refs)
    assert rk.kao_reference_text(low).endswith("better than an untrained network")


def test_fit_text_branches():
    s = _summary(_levels(0.7), _levels(0.6))
    assert rk.kao_fit_text(s) == "every network of the grid fits the EMG with R² ≥ 0.95"
    cells = list(s.cells)
    cells[0] = dataclasses.replace(cells[0], fit_min=0.9)
    one = dataclasses.replace(s, cells=tuple(cells))
    assert "in 1 cell: tanh, λ_r = 0" in rk.kao_fit_text(one)
    cells[1] = dataclasses.replace(cells[1], fit_min=0.5)
    two = dataclasses.replace(s, cells=tuple(cells))
    assert "in 2 cells: tanh, λ_r = 0; tanh, λ_r = 0.001" in rk.kao_fit_text(two)


def test_verdict_branches():
    single, pop = _levels(0.7), _levels(0.7)
    single["rtanh"], pop["rtanh"] = [0.85, 0.7, 0.7], [0.4] * 3
    one = _summary(single, pop)
    assert rk.kao_verdict(one).startswith("Kao's claim holds in this grid: 1 cell matches "
                                          "single neurons as well as FFH")
    single["rtanh"] = [0.85] * 3
    three = _summary(single, pop)
    assert "3 cells match single neurons" in rk.kao_verdict(three)
    hints = ks.summarize_kao(_table(_levels(0.95), _levels(0.4), hints_single=0.9),
                             reference="hints")
    assert "as well as the recorded neurons" in rk.kao_verdict(hints)
    positive = dataclasses.replace(three.rank, mean_rho=0.5, wilcoxon_p=0.001)
    assert rk.kao_verdict(dataclasses.replace(three, rank=positive)).endswith(
        "the two levels still rise together")
    rising = _summary(_rising(), _rising(), noise=0.001)
    assert rising.dissociating == ()
    assert rk.kao_verdict(rising).endswith("rise together across cells")
    flat = _summary(_levels(0.7), _levels(0.7), noise=0.05)
    assert rk.kao_verdict(flat).endswith("not consistently related across cells")


def test_strengths_text_branches():
    above = rk.kao_strengths_text([0.0, 0.1, 0.03])
    assert above.startswith("chapter 09's strength (0.1), calibrated for its larger")
    assert "fit (0.03)" in above
    below = rk.kao_strengths_text([0.0, 0.01, 0.03])
    assert below == ("the grid's networks keep the fit up to 0.03, beyond chapter 09's strength "
                     "(0.01)")
    with pytest.raises(ValueError, match="k = 0, 1, 2"):
        rk.kao_strengths_text([0.0, 0.1])


def test_texts_keys():
    texts = rk.kao_texts(_summary(_levels(0.7), _levels(0.6)))
    assert set(texts) == {"kao_dissociation_text", "kao_rank_text", "kao_reference_text",
                          "kao_fit_text", "kao_verdict", "kao_strengths_text", "kao_claim"}
    assert all(isinstance(t, str) and t for t in texts.values())
    assert np.all([not t.endswith(".") for t in texts.values()])


def test_claim_mark_follows_the_adjusted_p_of_the_candidates():
    none = _summary(_levels(0.5), _levels(0.7))              # no cell reaches FFH's single score
    assert rk.kao_claim(none) == "– no cell matches single neurons as well as FFH"
    assert np.isnan(ks.claim_padj(none))
    level = _summary(_levels(0.85), _levels(0.7))            # candidates, population not lower
    assert rk.kao_claim(level).startswith("– no candidate cell")
    assert not ks.claim_padj(level) < 0.05
    single, pop = _levels(0.7), _levels(0.7)
    single["rtanh"], pop["rtanh"] = [0.85, 0.7, 0.7], [0.4] * 3
    one = _summary(single, pop)
    assert rk.kao_claim(one) == "✔ 1 cell dissociates"
    assert ks.claim_padj(one) == min(c.population_vs_ffh.p_adjusted for c in one.cells
                                     if c.dissociates) < 0.05
    assert ks.glue_values(one)["kao_padj"] == ks.claim_padj(one)
    assert ks.glue_values(one)["kao_padj_text"] == f"{ks.claim_padj(one):.3g}"
    assert ks.glue_values(none)["kao_padj_text"] == "– (no candidate cell)"  # never "nan"
