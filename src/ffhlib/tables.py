"""The study's tidy tables as downloadable CSV files, with their data dictionary.

A chapter offers the table it reads its results from with :func:`offer_table` (one cell,
tagged ``remove-input``: ``offer_table(args, table, "study_table", "what a row is")``): the
CSV goes to :func:`ffhlib.executed.chapter_output_dir` (beside the executed chapter, so a
``{download}`` link finds it), with a JSON sidecar recording the commit the build was made
from, the chapter's parameters and every column's unit and meaning, and the link is displayed.
The appendix "Data" (``book/data.ipynb``) lists every table from these sidecars
(:func:`data_dictionary_markdown`).

The dictionary has one place: :data:`SCORE_COLUMNS` gives the unit and meaning of every field of
:class:`ffhlib.scoring.ScoreRow` (a test keeps the two in step), and :data:`EXTRA_COLUMNS` those
of the columns a table adds to the rows (per-dimension measures, the task's bookkeeping). A
column that neither documents is refused (:class:`UndocumentedColumn`), so a new measure cannot
ship without its entry.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "DICTIONARIES", "EXTRA_COLUMNS", "MECHANISM_COLUMNS", "SCORE_COLUMNS", "SIDECAR_SUFFIX",
    "Column", "UndocumentedColumn",
    "column_of", "data_dictionary_markdown", "offer_markdown", "offer_table", "read_sidecars",
    "write_table",
]

#: The sidecar of ``NAME.csv`` is ``NAME.csv.json``.
SIDECAR_SUFFIX = ".json"

_CC = "correlation (0-1)"
_RAD = "rad (0 to π/2)"
_E = ("with the evaluation neurons E (SOC neurons no network saw), at the headline latent "
      "dimension pca_dim")
#: Every :class:`~ffhlib.scoring.ScoreRow` field as a CSV column: name -> (unit, meaning). A
#: test keeps its keys equal to ScoreRow's fields.
SCORE_COLUMNS: dict[str, tuple[str, str]] = {
    "ground_truth": ("seed (integer)", "Seed of the ground truth (the study's independent unit)."),
    "seed": ("seed (integer)", "Seed of the network (training and observation draws)."),
    "network": ("name", "Kind of row: a network (ff, ffh, ...) or a reference (hints, floor, "
                        "ceiling, oracle, interpolation, ...)."),
    "cue_epoch": ("name", "Trial design of the networks (preparation or trial)."),
    "training_directions": ("name", "'all' training directions of the ground truth, or 'half' "
                                    "(every other one; the rest are untrained)."),
    "neuron_fraction": ("fraction (0-1)", "Fraction of SOC neurons recorded (0 for FF; empty "
                                          "where it does not apply)."),
    "muscle_fraction": ("fraction (0-1)", "Fraction of muscles observed (trained on)."),
    "hint_gain": ("1 (dimensionless)", "Gain of the hints (0 for FF; empty where it does not "
                                       "apply)."),
    "training_noise": ("1 (dimensionless)", "Standard deviation σ of the state noise in "
                                            "training: each step adds N(0, σ² dt/τ) to the "
                                            "network's state x."),
    "n_passes": ("count", "Training passes over the directions (0 for references)."),
    "fit_r2": ("R² (1 = perfect)", "R² of the output against the observed EMG, trained "
                                   "directions."),
    "gen_err": ("1 - R²", "Error on the untrained directions, observed muscles."),
    "cca_e": (_CC, f"Mean canonical correlation {_E}; trained directions, all of the activity."),
    "procrustes_e": (_RAD, f"Procrustes distance (an angle) {_E}; trained directions."),
    "cca_e_dims": (_CC, "cca_e at each latent dimension (columns cca_e_d{d})."),
    "procrustes_e_dims": (_RAD, "procrustes_e at each latent dimension (procrustes_e_d{d})."),
    "cca_whole": (_CC, "As cca_e against all SOC neurons (includes the recorded ones: circular "
                       "for FFH)."),
    "procrustes_whole": (_RAD, "As procrustes_e against all SOC neurons."),
    "cca_nomean_e": (_CC, "As cca_e after removing each direction's time mean from both."),
    "cca_cd_e": (_CC, "As cca_e on the condition-dependent part (the mean over directions "
                      "removed at each time point, from both)."),
    "procrustes_cd_e": (_RAD, "As procrustes_e on the condition-dependent part."),
    "cca_untrained_e": (_CC, "As cca_e on the untrained directions."),
    "procrustes_untrained_e": (_RAD, "As procrustes_e on the untrained directions."),
    "cca_cd_untrained_e": (_CC, "As cca_cd_e on the untrained directions."),
    "procrustes_cd_untrained_e": (_RAD, "As procrustes_cd_e on the untrained directions."),
    "r2_interp_e": ("R² (1 = perfect)", "Rows of E's own interpolation: R² of E's activity on "
                                        "the untrained directions predicted by angular "
                                        "interpolation of the trained ones."),
    "r2_interp_cd_e": ("R² (1 = perfect)", "As r2_interp_e, condition-dependent part."),
    "shared_share_e": ("fraction (0-1)", "Rows of E's own interpolation: share of E's variance "
                                         "that is the time course shared by all directions."),
    "offset_share": ("fraction (0-1)", "Share of the activity's variance that is a static "
                                       "per-direction offset."),
    "n_units": ("count", "Units (neurons) of the activity."),
    "train_seconds": ("s", "Wall time of training the network (its original run; 0 for "
                           "references)."),
    "seconds": ("s", "Wall time of computing the row, less getting the trained network."),
    "worker": ("name", "The process that computed the row."),
}

#: Every scalar field of :class:`~ffhlib.mechanism_study.UnitMechanisms` (chapter 08's rows) as a
#: CSV column: name -> (unit, meaning); the unit's keys are shared with :data:`SCORE_COLUMNS`.
MECHANISM_COLUMNS: dict[str, tuple[str, str]] = {
    **{k: SCORE_COLUMNS[k] for k in ("ground_truth", "seed")},
    "network": ("name", "Kind of activity: ff, ffh, soc (the ground truth's own), or a "
                        "reference (floor, ceiling, hints, oracle)."),
    "jpca_rotation": ("fraction (0-1)", "Rotational strength of jPCA: R² of the best "
                                        "skew-symmetric fit over R² of the best linear fit."),
    "jpca_frequency_hz": ("Hz", "Rotation frequency of the first jPC plane."),
    "fp_found_fraction": ("fraction (0-1)", "Share of the training directions whose state at "
                                            "the end of the cue lies at a stable fixed point "
                                            "of the preparatory input."),
    "fp_distance": ("rate units (RMS per unit)", "Mean distance from the state at the end of "
                                                 "the cue to the stable fixed point found from "
                                                 "it, where one was found."),
    "prep_rsa": ("correlation (-1 to 1)", "Correlation of the direction-by-direction distance "
                                          "matrices of the preparatory states and of the SOC's "
                                          "rates at movement onset."),
    "dsa": ("unitless (Frobenius norm of one-step operators)",
            "DSA distance to the evaluation neurons E: min over orthogonal C of ‖A − C B Cᵀ‖_F "
            "between the fitted one-step linear operators of the delay-embedded principal "
            "components (each half of E in turn, averaged)."),
    "dsa_angular": ("rad (0 to π)", "Angular form of the DSA distance: the angle between A and "
                                    "C B Cᵀ at the optimum."),
    "switch_err": ("1 - R²", "EMG error when the cue switches during preparation (target: the "
                             "new direction's EMG)."),
    "switch_ignore_err": ("1 - R²", "The error of ignoring the switch (the old direction's EMG "
                                    "as the prediction)."),
    "seconds": ("s", "Compute time of the analysis (not counting training the network)."),
}

#: Columns a table adds to the rows' fields: name pattern -> (unit, meaning). ``{d}`` stands for
#: a latent dimension.
EXTRA_COLUMNS: dict[str, tuple[str, str]] = {
    "cca_e_d{d}": (_CC, "As cca_e, at latent dimension d = {d}."),
    "procrustes_e_d{d}": (_RAD, "As procrustes_e, at latent dimension d = {d}."),
    "cached": ("true/false", "Whether the row was read from the cache in this build (not "
                             "computed)."),
    "error": ("text", "Why the row's task failed (empty when it succeeded; its measures are "
                      "then NaN)."),
    "task_worker": ("name", "The process that ran the row's task (a dask worker, or 'main')."),
    "task_seconds": ("s", "Wall time of the row's task as its worker measured it."),
    "delay_err_{d}": ("1 - R²", "EMG error (observed muscles, training directions) with the "
                                "preparatory period number {d} of the chapter's delays_ms "
                                "(0 = the first)."),
    "jpca_deviation": ("fraction (0-1)", "|jpca_rotation − the SOC's| of the same ground truth "
                                         "(networks only)."),
}


class UndocumentedColumn(ValueError):
    """A table column that the data dictionary does not define."""


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a downloadable table: its ``name``, ``unit`` and ``meaning``."""

    name: str
    unit: str
    meaning: str


#: The dictionaries a table's rows may come from, by name (recorded in the sidecar).
DICTIONARIES = {"study": SCORE_COLUMNS, "mechanisms": MECHANISM_COLUMNS}


def column_of(name: str, rows: str = "study") -> Column:
    """The data dictionary's entry for a column ``name`` of a table of ``rows`` (a key of
    :data:`DICTIONARIES`); :class:`UndocumentedColumn` if none."""
    if rows not in DICTIONARIES:
        raise ValueError(f"rows must be one of {sorted(DICTIONARIES)}, got {rows!r}")
    if name in DICTIONARIES[rows]:
        return Column(name, *DICTIONARIES[rows][name])
    for pattern, (unit, meaning) in EXTRA_COLUMNS.items():
        regex = "^" + re.escape(pattern).replace(re.escape("{d}"), r"(\d+)") + "$"
        found = re.match(regex, name)
        if found:
            d = found.group(1) if found.groups() else ""
            return Column(name, unit, meaning.format(d=d))
    raise UndocumentedColumn(
        f"column {name!r} is not in the data dictionary: add it to "
        f"ffhlib.tables.{'SCORE' if rows == 'study' else 'MECHANISM'}_COLUMNS or "
        f"ffhlib.tables.EXTRA_COLUMNS")


def _plain(value):
    """A JSON-safe copy of a parameter value."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def write_table(frame, name: str, *, chapter: str, parameters: Mapping, title: str,
                rows: str = "study", directory: str | Path | None = None) -> Path:
    """Write ``frame`` as ``NAME.csv`` and its sidecar ``NAME.csv.json`` (chapter, title,
    commit, parameters, rows and every column's unit and meaning) in ``directory`` (default:
    :func:`ffhlib.executed.chapter_output_dir`). Returns the CSV's path.

    Raises :class:`UndocumentedColumn` before writing anything if a column is not documented.
    """
    from .buildenv import git_state
    from .executed import chapter_output_dir

    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"name must be lower-case letters, digits and '_', got {name!r}")
    columns = [column_of(str(c), rows) for c in frame.columns]
    directory = Path(directory) if directory is not None else chapter_output_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.csv"
    frame.to_csv(path, index=False)
    state = git_state()
    sidecar = {"table": f"{name}.csv", "chapter": chapter, "title": title,
               "commit": state.commit, "dirty": state.dirty, "n_rows": int(len(frame)),
               "rows": rows,
               "parameters": _plain(dict(parameters)),
               "columns": [dataclasses.asdict(c) for c in columns]}
    path.with_name(path.name + SIDECAR_SUFFIX).write_text(
        json.dumps(sidecar, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def offer_markdown(frame, name: str, *, chapter: str, parameters: Mapping, title: str,
                   rows: str = "study", directory: str | Path | None = None) -> str:
    """:func:`write_table`, and the Markdown a chapter displays to offer it for download."""
    path = write_table(frame, name, chapter=chapter, parameters=parameters, title=title,
                       rows=rows, directory=directory)
    return (f"**Download:** {{download}}`{path.name}` ({title}; {len(frame)} rows, "
            f"{len(frame.columns)} columns; every column's unit and meaning, and the commit and "
            f"parameters that produced it, in the appendix {{ref}}`Data <data-appendix>`).")


def offer_table(args, frame, name: str, title: str, rows: str = "study") -> None:
    """In a chapter: offer ``frame`` for download as ``NAME.csv`` (:func:`offer_markdown` with
    the chapter's name and parameters from ``args``, a :class:`ffhlib.chapter.ChapterSetup`) and
    display the link (tag the cell ``remove-input``)."""
    from IPython.display import Markdown, display

    display(Markdown(offer_markdown(frame, name, chapter=args.chapter, parameters=args.values,
                                    title=title, rows=rows)))


def read_sidecars(directory: str | Path | None) -> list[dict]:
    """The sidecars of every table offered in ``directory`` (an executed book's chapters), in
    the order of their chapters and names."""
    if directory is None or not Path(directory).is_dir():
        return []
    paths = sorted(Path(directory).glob(f"*.csv{SIDECAR_SUFFIX}"))
    found = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    return sorted(found, key=lambda s: (s["chapter"], s["table"]))


def data_dictionary_markdown(sidecars: list[dict]) -> str:
    """The data dictionary: for each table, its chapter, commit, parameters and columns."""
    from .notebook import markdown_table

    if not sidecars:
        return "No chapter of this build offered a table."
    parts = []
    for s in sidecars:
        commit = s["commit"] or "unknown"
        if s.get("dirty"):
            commit += " (with uncommitted changes)"
        params = ", ".join(f"`{k}={v!r}`" for k, v in s["parameters"].items())
        parts += [f"### `{s['table']}`", "",
                  f"{{download}}`{s['table']}`: {s['title']}; {s['n_rows']} rows, offered by "
                  f"[{s['chapter']}]({s['chapter']}.ipynb). Commit: `{commit}`. Parameters: "
                  f"{params or 'none'}.",
                  "", markdown_table(["column", "unit", "meaning"],
                                     [(f"`{c['name']}`", c["unit"], c["meaning"])
                                      for c in s["columns"]]), ""]
    return "\n".join(parts)
