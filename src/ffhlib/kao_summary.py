"""What chapter 10 shows of Kao's grid: per cell, the single-neuron and the population score, the
cells that dissociate the two, and the rank correlation of the two levels across cells.

Built from the tidy table of :func:`ffhlib.kao_study.run_kao_grid` (pure: tested on synthetic
tables). A table row is one kind of activity in one unit (ground truth x network seed): a cell of
the grid (``network`` = ``"bptt"``, with its ``activation`` and ``strength_index``), or a
reference (``ff``, ``ffh``, ``hints``: the recorded neurons, ``floor``: the untrained network,
``soc``: the ground truth, for jPCA). The measures are columns (:data:`MEASURES`).

The question (Kao 2019, first consideration) is an existence claim, tested as such, by a rule fixed
before the grid ran:

- a cell **dissociates** the two levels when its mean single-neuron score over ground truths is at
  least the reference's (FFH's, or the recorded neurons' themselves) while its population score
  (the condition-dependent CCA with E) is significantly lower than FFH's: the paired Wilcoxon test
  over ground truths, Holm-adjusted over the cells of the grid, below 0.05, with a negative mean
  difference;
- the **rank correlation** of the two levels across cells is computed within each ground truth
  (its cells share its circuit) and tested over ground truths
  (:func:`ffhlib.stats.within_group_rank_correlation`): a single Spearman over every point would
  be pseudo-replicated.

Nothing here runs an analysis; the sentences come from :mod:`ffhlib.report_kao`.
"""

from __future__ import annotations

import dataclasses
import math

from .inference import PairedComparison, adjust_family
from .stats import WithinGroupRankCorrelation, within_group_rank_correlation
from .summaries import KindSummary, compare_kinds, summarize

__all__ = [
    "MEASURES",
    "REFERENCES",
    "CellSummary",
    "KaoSummary",
    "cell_kind",
    "cell_name",
    "design_values",
    "glue_values",
    "summarize_kao",
    "table_rows",
]

#: The measures of a row of the grid's table.
MEASURES = ("single_neuron", "cca_cd_e", "cca_e", "fit_r2", "jpca_rotation", "dsa", "noise_err",
            "switch_err")
#: The references whose single-neuron score the chapter reports beside the grid.
REFERENCES = ("ff", "ffh", "hints", "floor")
#: Greek lambda of the strengths' names.
_LAMBDA = "λ"


def cell_kind(activation: str, strength_index: int) -> str:
    """The kind label of a grid cell in the summary's table, e.g. ``"tanh_1"``."""
    return f"{activation}_{int(strength_index)}"


def cell_name(activation: str, strength: float) -> str:
    """How the prose names a cell, e.g. ``"rtanh, λ_r = 0.001"``."""
    return f"{activation}, {_LAMBDA}_r = {strength:g}"


@dataclasses.dataclass(frozen=True)
class CellSummary:
    """One cell of the grid over ground truths.

    Attributes
    ----------
    activation : str
    strength_index : int
        Position of the cell's rate-regularisation strength in the grid's strengths (0: none).
    strength : float
        ``lambda_r``.
    name : str
        :func:`cell_name`.
    measures : dict of str to KindSummary
        Each of :data:`MEASURES` present in the table (NaN-only measures left out).
    fit_min : float
        The smallest EMG fit R^2 of the cell's networks.
    population_vs_ffh : PairedComparison
        The cell's population score minus FFH's, paired over ground truths, Holm-adjusted over
        the cells.
    single_at_least_reference : bool
        Mean single-neuron score >= the reference's.
    dissociates : bool
        ``single_at_least_reference`` and the population score significantly lower than FFH's.
    """

    activation: str
    strength_index: int
    strength: float
    name: str
    measures: dict
    fit_min: float
    population_vs_ffh: PairedComparison
    single_at_least_reference: bool
    dissociates: bool


@dataclasses.dataclass(frozen=True)
class KaoSummary:
    """The grid's summary.

    Attributes
    ----------
    cells : tuple of CellSummary
        In the grid's order (activation, then strength).
    references : dict of str to dict of str to KindSummary
        ``references[kind][measure]`` for FF, FFH, the recorded neurons, the floor and the SOC
        (measures that apply).
    rank : WithinGroupRankCorrelation
        Single-neuron against population score across cells, within each ground truth.
    single, population : str
        The two measures compared.
    reference : str
        ``"ffh"`` or ``"hints"``: whose single-neuron score a dissociating cell must reach.
    reference_single : float
        That score (mean over ground truths).
    dissociating : tuple of str
        The names of the dissociating cells.
    n_ground_truths : int
    n_seeds : int
        Network seeds per ground truth (at most).
    strengths : tuple of float
    activations : tuple of str
    """

    cells: tuple
    references: dict
    rank: WithinGroupRankCorrelation
    single: str
    population: str
    reference: str
    reference_single: float
    dissociating: tuple
    n_ground_truths: int
    n_seeds: int
    strengths: tuple
    activations: tuple


def _ok(table):
    return table[table["error"] == ""] if "error" in table else table


def _cells_table(table):
    """The table with each grid row's ``network`` set to its cell's kind label."""
    out = _ok(table).copy()
    grid = out["network"] == "bptt"
    out.loc[grid, "network"] = [cell_kind(a, k) for a, k in
                                zip(out.loc[grid, "activation"], out.loc[grid, "strength_index"],
                                    strict=True)]
    return out, grid


def _measures(table, kind: str) -> dict[str, KindSummary]:
    rows = table[table["network"] == kind]
    return {m: summarize(table, m, kind) for m in MEASURES
            if m in table and rows[m].notna().any()}


def summarize_kao(table, *, single: str = "single_neuron", population: str = "cca_cd_e",
                  reference: str = "ffh") -> KaoSummary:
    """Summarise the grid's table (see the module's docstring for the rule).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``ground_truth``, ``seed``, ``network``, ``activation``, ``strength_index``,
        ``rate_l2`` and the measures; grid rows have ``network == "bptt"``.
    single, population : str
        The single-neuron and the population measure (higher is more similar).
    reference : {"ffh", "hints"}
        Whose mean single-neuron score a dissociating cell must reach.

    Returns
    -------
    KaoSummary

    Raises
    ------
    ValueError
        If ``reference`` is unknown, a measure is missing, the table has no grid rows or no FFH
        rows.
    """
    if reference not in ("ffh", "hints"):
        raise ValueError(f"reference must be 'ffh' or 'hints', got {reference!r}")
    for name in (single, population):
        if name not in table:
            raise ValueError(f"the table has no column {name!r}")
    cells_table, grid = _cells_table(table)
    if not grid.any():
        raise ValueError("the table has no grid rows (network 'bptt')")
    if not (cells_table["network"] == "ffh").any():
        raise ValueError("the table has no FFH rows to compare the cells with")
    keys = (cells_table.loc[grid, ["activation", "strength_index", "rate_l2"]]
            .drop_duplicates(["activation", "strength_index"]))
    activations = tuple(dict.fromkeys(keys["activation"]))
    keys = keys.assign(order=[activations.index(a) for a in keys["activation"]]).sort_values(
        ["order", "strength_index"])
    kinds = [cell_kind(a, k) for a, k in zip(keys["activation"], keys["strength_index"],
                                             strict=True)]
    comparisons = adjust_family({kind: compare_kinds(cells_table, population, kind, "ffh")
                                 for kind in kinds})
    references = {k: _measures(cells_table, k) for k in (*REFERENCES, "soc")
                  if (cells_table["network"] == k).any()}
    reference_single = references[reference][single].mean
    cells = []
    for (act, k, strength), kind in zip(keys[["activation", "strength_index", "rate_l2"]]
                                        .itertuples(index=False), kinds, strict=True):
        measures = _measures(cells_table, kind)
        at_least = bool(measures[single].mean >= reference_single)
        cmp = comparisons[kind]
        fits = cells_table.loc[cells_table["network"] == kind, "fit_r2"]
        cells.append(CellSummary(
            activation=act, strength_index=int(k), strength=float(strength),
            name=cell_name(act, float(strength)), measures=measures,
            fit_min=float(fits.min()) if fits.notna().any() else math.nan,
            population_vs_ffh=cmp, single_at_least_reference=at_least,
            dissociates=bool(at_least and cmp.significant and cmp.mean_diff < 0)))
    grid_rows = cells_table[grid]
    rank = within_group_rank_correlation(grid_rows[single].to_numpy(dtype=float),
                                         grid_rows[population].to_numpy(dtype=float),
                                         grid_rows["ground_truth"].to_numpy())
    seeds = cells_table[grid].groupby("ground_truth")["seed"].nunique()
    return KaoSummary(
        cells=tuple(cells), references=references, rank=rank, single=single,
        population=population, reference=reference, reference_single=float(reference_single),
        dissociating=tuple(c.name for c in cells if c.dissociates),
        n_ground_truths=int(grid_rows["ground_truth"].nunique()), n_seeds=int(seeds.max()),
        strengths=tuple(sorted({float(s) for s in keys["rate_l2"]})), activations=activations)


def claim_padj(summary: KaoSummary) -> float:
    """The adjusted p behind the existence claim: the smallest Holm-adjusted p of a cell that
    reaches the reference's single-neuron score with a population score below FFH's (NaN when no
    cell is a candidate). Kao's claim holds in the grid exactly when it is below the level."""
    candidates = [c.population_vs_ffh.p_adjusted for c in summary.cells
                  if c.single_at_least_reference and c.population_vs_ffh.mean_diff < 0]
    finite = [p for p in candidates if math.isfinite(p)]
    return min(finite) if finite else math.nan


def glue_values(summary: KaoSummary) -> dict:
    """The chapter's glue keys: ``kao_n_cells``, ``kao_n_ground_truths``, the rank correlation
    (``kao_rank_corr_mean``, ``kao_rank_corr_pvalue``), ``kao_dissociating_cells`` (the names, or
    "none"), ``kao_n_dissociating``, ``kao_padj`` (:func:`claim_padj`) and ``kao_padj_text``
    (the same, "–" without a candidate), per cell ``kao_single_<act>_<k>``, ``kao_cca_cd_<act>_<k>``
    and ``kao_fit_<act>_<k>``, ``kao_strength_<k>``, and ``single_neuron_match_<kind>_mean`` of
    FF, FFH, the recorded neurons and the floor."""
    out = {"kao_n_cells": len(summary.cells), "kao_n_ground_truths": summary.n_ground_truths,
           "kao_n_seeds": summary.n_seeds,
           "kao_rank_corr_mean": summary.rank.mean_rho,
           "kao_rank_corr_pvalue": summary.rank.wilcoxon_p,
           "kao_rank_corr_n": summary.rank.n_groups,
           "kao_dissociating_cells": "; ".join(summary.dissociating) or "none",
           "kao_n_dissociating": len(summary.dissociating),
           "kao_padj": claim_padj(summary),
           "kao_padj_text": _p_text(claim_padj(summary)),
           "kao_reference_single": summary.reference_single}
    for c in summary.cells:
        tag = cell_kind(c.activation, c.strength_index)
        out[f"kao_single_{tag}"] = c.measures[summary.single].mean
        out[f"kao_cca_cd_{tag}"] = c.measures[summary.population].mean
        out[f"kao_fit_{tag}"] = c.measures["fit_r2"].mean if "fit_r2" in c.measures else math.nan
        out[f"kao_strength_{c.strength_index}"] = c.strength
    for kind in REFERENCES:
        s = summary.references.get(kind, {}).get(summary.single)
        out[f"single_neuron_match_{kind}_mean"] = s.mean if s is not None else math.nan
    return out


def _p_text(p: float) -> str:
    """An adjusted p as the introduction's table prints it ("–" when there is no candidate)."""
    return f"{p:.3g}" if math.isfinite(p) else "– (no candidate cell)"


def _mean(summary: KindSummary | None, digits: int = 2) -> str:
    return "–" if summary is None else f"{summary.mean:.{digits}f}"


def table_rows(summary: KaoSummary) -> list[list[str]]:
    """The chapter's table: one row per cell, then FF, FFH, the recorded neurons, the floor and
    the ground truth (its jPCA rotational strength).

    Columns: activity, single-neuron score, population score, fit R^2 (mean; minimum), jPCA
    rotational strength, DSA distance, input-noise error, cue-switch error, the population
    difference from FFH with its Holm-adjusted p, and whether the cell dissociates the levels.
    """
    rows = []
    extra = ("jpca_rotation", "dsa", "noise_err", "switch_err")
    for c in summary.cells:
        m = c.measures
        fit = m.get("fit_r2")
        cmp = c.population_vs_ffh
        rows.append([c.name, _mean(m.get(summary.single)), _mean(m.get(summary.population)),
                     "–" if fit is None else f"{fit.mean:.2f} ({c.fit_min:.2f})",
                     *[_mean(m.get(e)) for e in extra],
                     f"{cmp.mean_diff:+.2f} ({cmp.p_adjusted:.2g})",
                     "yes" if c.dissociates else "no"])
    names = {"ff": "FF", "ffh": "FFH", "hints": "recorded neurons", "floor": "untrained network",
             "soc": "ground truth (SOC)"}
    for kind, label in names.items():
        m = summary.references.get(kind)
        if m is None:
            continue
        fit = m.get("fit_r2")
        rows.append([label, _mean(m.get(summary.single)), _mean(m.get(summary.population)),
                     "–" if fit is None else f"{fit.mean:.2f}",
                     *[_mean(m.get(e)) for e in extra], "–", "–"])
    return rows


def design_values(design, table, n_workers: int) -> dict:
    """The glue keys of the grid's design and cost: ``kao_grid_units``, ``kao_grid_steps``,
    ``kao_n_networks`` (grid networks), ``kao_wall_minutes`` (this execution, cache hits
    included), ``kao_n_workers``, ``kao_train_minutes`` (training the grid's networks from an
    empty cache, divided among the workers), ``kao_reference_train_minutes`` (the same for FF
    and FFH, chapter 05's networks), and ``kao_strength_<k>`` for every strength."""
    grid = table[table["network"] == "bptt"]
    refs = table[table["network"].isin(("ff", "ffh"))]
    out = {"kao_grid_units": design.network.n_units, "kao_grid_steps": design.network.steps,
           "kao_n_networks": int(len(grid)), "kao_n_workers": int(n_workers),
           "kao_wall_minutes": float(table.attrs.get("wall_seconds", math.nan)) / 60.0,
           "kao_train_minutes": float(grid["train_seconds"].sum()) / 60.0 / n_workers,
           "kao_reference_train_minutes": float(refs["train_seconds"].sum()) / 60.0 / n_workers}
    out.update({f"kao_strength_{k}": float(s) for k, s in enumerate(design.strengths)})
    return out
