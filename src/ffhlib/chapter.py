"""One parameter mechanism for every chapter: declared knobs, validated before any work.

A chapter's first code cell (tagged ``parameters``) assigns its knobs; papermill may inject new
values after it. The chapter's next cell calls :func:`setup` with its name and ``globals()``:

- every knob is validated (type and range) and a wrong one stops the chapter at once with a
  message naming it and the allowed values (papermill passes ``-p quick true`` as the *string*
  "true", ``-p ground_truth_seeds "0,1,2"`` as a string: both are accepted where they parse);
- a name the chapter does not declare (a misspelt ``-p hint_gian 0.5``, which papermill would only
  warn about) stops the chapter too, listing the chapter's parameters;
- the study parameters are built in one place (:func:`study_params`) from the knobs that apply, so
  no chapter repeats a default or the calibrated settings of a trial design.

The knobs each chapter declares are listed in :data:`CHAPTERS` (a test keeps them equal to the
notebooks' ``parameters`` cells); :data:`KNOBS` documents each one.
"""

from __future__ import annotations

import ast
import dataclasses
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._validate import check_bool, check_choice, check_float, check_int, check_seed
from .calibration import calibrated_force
from .mechanism_study import ANALYSES
from .metrics import check_number_tuple
from .study import CALIBRATION_GROUND_TRUTHS, SimilarityParams, StudyParams
from .trials import CUE_EPOCHS

__all__ = ["CHAPTERS", "KNOBS", "ChapterSetup", "Knob", "glue_all", "glue_comparison",
           "glue_figure", "glue_flags", "glue_not_run", "glue_summaries", "setup", "study_params"]


@dataclass(frozen=True)
class Knob:
    """A chapter parameter: what it means and how it is checked."""

    doc: str
    check: Callable[[str, Any], Any]


def _parse_text(value):
    """papermill's ``-p name text`` arrives as a string: read a literal out of it if it is one."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            if "," in text:
                parts = [p.strip() for p in text.strip("()[]").split(",") if p.strip()]
                try:
                    return tuple(ast.literal_eval(p) for p in parts)
                except (ValueError, SyntaxError):
                    return value
    return value


def _optional(check):
    def wrapped(name, value):
        return None if value is None or value == "None" else check(name, _parse_text(value))
    return wrapped


def _int(minimum=None, maximum=None):
    return lambda name, value: check_int(name, _parse_text(value), minimum=minimum,
                                         maximum=maximum)


def _float(minimum=None, maximum=None, exclusive_minimum=False):
    return lambda name, value: check_float(name, _parse_text(value), minimum=minimum,
                                           maximum=maximum, exclusive_minimum=exclusive_minimum)


def _ints(minimum=0):
    def check(name, value):
        value = _parse_text(value)
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,)
        return check_number_tuple(name, value, minimum=minimum, kind=int)
    return check


def _floats(minimum=0.0, maximum=None):
    def check(name, value):
        value = _parse_text(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = (value,)
        return check_number_tuple(name, value, minimum=minimum, maximum=maximum)
    return check


def _ground_truths(name, value):
    seeds = _ints()(name, value)
    reserved = sorted(set(seeds) & set(CALIBRATION_GROUND_TRUTHS))
    if reserved:
        raise ValueError(f"{name} must not contain the calibration ground truths "
                         f"{CALIBRATION_GROUND_TRUTHS} (never reported); got {seeds}")
    return seeds


def _names(name, value, allowed):
    value = _parse_text(value)
    if isinstance(value, str):
        value = tuple(v.strip() for v in value.split(","))
    if not isinstance(value, (tuple, list)) or not value:
        raise TypeError(f"{name} must be a non-empty list of names from {allowed}, got "
                        f"{value!r}")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise ValueError(f"{name} may only name {allowed}; got {unknown}")
    return tuple(value)


def _text(name, value):
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got {value!r}")
    return value or None


#: Every knob a chapter may declare.
KNOBS: dict[str, Knob] = {
    "seed": Knob("network seed (the first of the chapter's network seeds)",
                 lambda n, v: check_seed(n, _parse_text(v))),
    "quick": Knob("quick mode: small ground truths and networks, few passes (for tests)",
                  lambda n, v: check_bool(n, v)),
    "cue_epoch": Knob("trial design: 'preparation' (direction input off at movement onset) or "
                      "'trial' (held through the movement)",
                      lambda n, v: check_choice(n, v, CUE_EPOCHS)),
    "ground_truth_seed": Knob("the ground truth of the unit shown", lambda n, v: _ground_truths(
        n, v)[0]),
    "ground_truth_seeds": Knob("independent ground truths (None: the preset's)",
                               _optional(_ground_truths)),
    "n_seeds": Knob("network seeds per ground truth (None: the preset's)", _optional(_int(1))),
    "neuron_fraction": Knob("fraction of the SOC neurons observed (None: 0.3)",
                            _optional(_float(0.0, 1.0, exclusive_minimum=True))),
    "muscle_fraction": Knob("fraction of the muscles observed (None: 0.4)",
                            _optional(_float(0.0, 1.0, exclusive_minimum=True))),
    "n_units": Knob("units of FF and FFH (None: the preset's)", _optional(_int(2))),
    "n_passes": Knob("training passes (None: the calibrated value)", _optional(_int(1))),
    "hint_gain": Knob("gain of FFH's z-scored hints (None: the calibrated value)",
                      _optional(_float(0.0))),
    "training_noise": Knob("state-noise sigma during training (None: the calibrated value)",
                           _optional(_float(0.0))),
    "pca_dim": Knob("latent dimension d of the headline similarity (None: the preset's)",
                    _optional(_int(1))),
    "hint_gains": Knob("hint gains of the sensitivity sweep", _floats()),
    "neuron_fractions": Knob("observed neuron fractions of the sweep (at most 1 - the "
                             "evaluation fraction)", _floats(0.0, 1.0)),
    "second_fractions": Knob("neuron fractions at which the hint gains are compared",
                             _floats(0.0, 1.0)),
    "second_ground_truth_seeds": Knob("ground truths of the hint-gain comparison",
                                      _ground_truths),
    "n_workers": Knob("worker processes (1: serially in this process)", _int(1)),
    "n_jobs": Knob("worker processes that build the ground truths", _int(1)),
    "n_directions": Knob("training directions 2*pi*c/n (None: the ground truth's)",
                         _optional(_int(2))),
    "time_scale_ms": Knob("GP length scale in time, ms (None: the library default)",
                          _optional(_float(0.0, exclusive_minimum=True))),
    "angle_scale_rad": Knob("GP length scale in reach angle, rad (None: the library default)",
                            _optional(_float(0.0, exclusive_minimum=True))),
    "softplus_gain": Knob("beta of softplus(beta z) (None: the library default)",
                          _optional(_float(0.0, exclusive_minimum=True))),
    "n_tuning_directions": Knob("directions of the tuning curves", _int(8)),
    "learning_rate": Knob("learning rate of the chapter's optimiser (None: the library "
                          "default)", _optional(_float(0.0, exclusive_minimum=True))),
    "momentum": Knob("heavy-ball momentum of the SOC optimisation, in [0, 1) (None: the "
                     "library default)", _optional(_float(0.0, 1.0))),
    "target_abscissa": Knob("spectral abscissa at which the SOC optimisation stops (None: 0.15)",
                            _optional(_float())),
    "method": Knob("linear algebra of the SOC optimisation: 'schur' or 'scipy' (None: the "
                   "library default)", lambda n, v: None if v is None or v == "None" else
                   check_choice(n, v, ("schur", "scipy"))),
    "n_random_states": Knob("random initial states compared with the most amplified one",
                            _int(1)),
    "amplification_ms": Knob("how long the linear response is followed, ms",
                             _float(0.0, exclusive_minimum=True)),
    "gain_steps": Knob("optimiser steps of gain learning (None: the preset's)",
                       _optional(_int(0))),
    "valid_r2": Knob("a ground truth is valid when every direction reaches this R^2",
                     _float(0.0, 1.0)),
    "analyses": Knob("mechanism analyses to run: any of 'jpca', 'fixed_points', 'dsa', "
                     "'variants'", lambda n, v: _names(n, v, ANALYSES)),
    "delays_ms": Knob("preparatory periods of the delay-length variant (ms)", _floats(0.0)),
    "dsa_n_delays": Knob("delays of the embedding of the dynamical similarity analysis",
                         _int(1)),
    "dsa_rank": Knob("rank of the operator of the dynamical similarity analysis", _int(1)),
    "scheduler_address": Knob("address of a running dask scheduler (None: a local cluster)",
                              _text),
    "grid_units": Knob("units of the grid's BPTT networks (None: the chapter's default)",
                       _optional(_int(2))),
    "grid_steps": Knob("Adam steps of the grid's BPTT networks (None: the chapter's default)",
                       _optional(_int(1))),
    "full": Knob("run the complete (slow) version of the chapter's extra analyses",
                 lambda n, v: check_bool(n, v)),
}

_STUDY = ("seed", "quick", "cue_epoch", "ground_truth_seeds", "n_seeds", "neuron_fraction",
          "muscle_fraction", "n_units", "n_passes", "hint_gain", "training_noise")

#: The knobs each chapter declares in its ``parameters`` cell.
CHAPTERS: dict[str, tuple[str, ...]] = {
    "01_emg_targets": ("seed", "quick", "n_directions", "time_scale_ms", "angle_scale_rad",
                       "softplus_gain", "n_tuning_directions"),
    "02_soc_network": ("seed", "quick", "learning_rate", "momentum", "target_abscissa", "method",
                       "n_random_states", "amplification_ms"),
    "03_gain_modulation": ("seed", "quick", "ground_truth_seeds", "gain_steps", "learning_rate",
                           "n_jobs", "valid_r2"),
    "parameters": ("seed", "quick"),
    "reproducibility": ("seed", "quick"),
    "data": ("seed", "quick"),
    "04_full_force": ("seed", "quick", "ground_truth_seed", "cue_epoch", "neuron_fraction",
                      "muscle_fraction", "n_units", "n_passes", "hint_gain", "training_noise",
                      "hint_gains", "full", "n_workers"),
    "05_dynamics_similarity": _STUDY + ("pca_dim", "n_workers", "full"),
    "06_generalization": _STUDY + ("n_workers", "full"),
    "07_how_many_neurons": ("seed", "quick", "cue_epoch", "ground_truth_seeds", "n_seeds",
                            "muscle_fraction", "n_units", "n_passes", "hint_gain",
                            "training_noise", "neuron_fractions", "hint_gains",
                            "second_fractions", "second_ground_truth_seeds", "n_workers",
                            "scheduler_address", "full"),
    "08_mechanisms": _STUDY + ("analyses", "delays_ms", "dsa_n_delays", "dsa_rank",
                               "n_workers"),
    "09_compared_to_what": ("seed", "quick", "ground_truth_seeds", "n_seeds", "neuron_fraction",
                            "muscle_fraction", "n_workers", "full"),
    "10_single_neurons_populations": ("seed", "quick", "full", "ground_truth_seeds",
                                      "grid_units", "grid_steps", "n_workers",
                                      "scheduler_address"),
}

#: Names IPython and papermill put into a notebook's namespace.
_IPYTHON = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def _unknown_names(namespace: Mapping[str, Any], declared: tuple[str, ...]) -> list[str]:
    """Literal-valued names in ``namespace`` that are not declared knobs: injected by mistake."""
    literal = (int, float, str, bool, list, tuple, dict, type(None))
    out = []
    for name, value in namespace.items():
        if name.startswith("_") or name in _IPYTHON or name in declared:
            continue
        if isinstance(value, (types.ModuleType, type)) or callable(value):
            continue
        if isinstance(value, literal):
            out.append(name)
    return sorted(out)


@dataclass(frozen=True)
class ChapterSetup:
    """A chapter's validated parameters.

    Attributes
    ----------
    chapter : str
    values : dict
        Every declared knob, validated (``None`` where the preset's value applies).
    seed : int
    quick : bool
    """

    chapter: str
    values: dict
    seed: int
    quick: bool

    def __getitem__(self, name: str):
        return self.values[name]

    def study(self, **overrides) -> StudyParams:
        """The chapter's :class:`StudyParams` (see :func:`study_params`); ``overrides`` replace
        knob values (e.g. ``cue_epoch="trial"`` for a side-by-side comparison)."""
        knobs = {k: v for k, v in self.values.items() if k in _STUDY_ARGS}
        knobs.update(overrides)
        return study_params(**knobs)


def setup(chapter: str, namespace: Mapping[str, Any]) -> ChapterSetup:
    """Validate a chapter's knobs (read from its ``namespace``) before any work.

    Parameters
    ----------
    chapter : str
        A key of :data:`CHAPTERS`.
    namespace : mapping
        The notebook's ``globals()``.

    Raises
    ------
    NameError
        If the namespace holds a literal-valued name the chapter does not declare (a misspelt or
        unknown papermill parameter); the message lists the chapter's parameters.
    TypeError, ValueError
        If a knob has the wrong type or is out of range (the message names it).
    """
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {sorted(CHAPTERS)}; got {chapter!r}")
    declared = CHAPTERS[chapter]
    unknown = _unknown_names(namespace, declared)
    if unknown:
        listing = "\n".join(f"  {n}: {KNOBS[n].doc}" for n in declared)
        raise NameError(f"{chapter} has no parameter {', '.join(map(repr, unknown))}. "
                        f"Its parameters are:\n{listing}")
    missing = [n for n in declared if n not in namespace]
    if missing:
        raise NameError(f"{chapter}'s parameters cell does not define {missing}")
    values = {name: KNOBS[name].check(name, namespace[name]) for name in declared}
    from .plotting.style import setup_figures

    setup_figures()
    return ChapterSetup(chapter=chapter, values=values, seed=values["seed"],
                        quick=values["quick"])


_STUDY_ARGS = ("seed", "quick", "cue_epoch", "ground_truth_seeds", "n_seeds", "neuron_fraction",
               "muscle_fraction", "n_units", "n_passes", "hint_gain", "training_noise", "pca_dim",
               "ground_truth_seed")


def study_params(*, quick: bool = False, seed: int = 0, cue_epoch: str = "preparation",
                 ground_truth_seeds=None, ground_truth_seed: int | None = None,
                 n_seeds: int | None = None, neuron_fraction: float | None = None,
                 muscle_fraction: float | None = None, n_units: int | None = None,
                 n_passes: int | None = None, hint_gain: float | None = None,
                 training_noise: float | None = None, pca_dim: int | None = None) -> StudyParams:
    """The study parameters of a chapter: the preset, the trial design's calibrated settings,
    then every knob that is not ``None``.

    Network seeds are ``seed, seed + 1, ..., seed + n_seeds - 1``; ``ground_truth_seed`` (a
    chapter showing one unit) selects a single ground truth. In quick mode the calibrated noise
    and hint gain apply but the preset's few passes are kept.
    """
    base = StudyParams.quick() if quick else StudyParams()
    force = calibrated_force(cue_epoch, base.force)
    if quick:
        force = dataclasses.replace(force, n_passes=base.force.n_passes)
    force_knobs = {"n_units": n_units, "n_passes": n_passes, "hint_gain": hint_gain,
                   "training_noise": training_noise}
    force = dataclasses.replace(force, **{k: v for k, v in force_knobs.items() if v is not None})
    obs_knobs = {"neuron_fraction": neuron_fraction, "muscle_fraction": muscle_fraction}
    observation = dataclasses.replace(base.observation,
                                      **{k: v for k, v in obs_knobs.items() if v is not None})
    similarity = base.similarity
    if pca_dim is not None:
        dims = tuple(sorted(set(similarity.pca_dims) | {pca_dim}))
        similarity = SimilarityParams(pca_dim=pca_dim, pca_dims=dims)
    if ground_truth_seed is not None:
        ground_truth_seeds = (ground_truth_seed,)
    gts = base.ground_truth_seeds if ground_truth_seeds is None else tuple(ground_truth_seeds)
    n_seeds = len(base.seeds) if n_seeds is None else n_seeds
    return dataclasses.replace(base, force=force, observation=observation,
                               similarity=similarity, ground_truth_seeds=gts,
                               seeds=tuple(range(seed, seed + n_seeds)))


def _plain(value):
    """A glued value as a plain Python object (numpy scalars print as np.float64(...))."""
    import numpy as np

    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def glue_all(values: Mapping[str, Any]) -> None:
    """``myst_nb.glue`` each value (as a plain Python type, not displayed)."""
    from myst_nb import glue

    for key, value in values.items():
        glue(key, _plain(value), display=False)


def glue_flags(flags: Mapping[str, Any]) -> None:
    """Glue each check that holds or not: ``key`` as a bool (for tests and the record) and
    ``key_text`` as "yes" or "no", for the prose (a reader should never see Python's True)."""
    from myst_nb import glue

    for key, flag in flags.items():
        if not isinstance(_plain(flag), bool):
            raise TypeError(f"{key} must be a bool, got {type(flag).__name__}")
        glue(key, bool(flag), display=False)
        glue(f"{key}_text", "yes" if flag else "no", display=False)


def glue_figure(key: str, fig) -> None:
    """Glue a figure for a numbered ``{glue:figure}`` in the prose, and close it (otherwise the
    inline backend would also show it, uncaptioned, under the code cell).

    The figure is glued as the PNG the book shows (:func:`ffhlib.plotting.legibility.figure_png`:
    its width, dpi and smallest font size recorded in the PNG, for the browser check of ``make
    check``), after checking that no text in it would be shown below 9 px in the book's text
    column (:class:`~ffhlib.plotting.legibility.IllegibleFigure`, a ``ValueError``, otherwise).
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image
    from myst_nb import glue

    from .plotting.legibility import check_legible, figure_png

    try:
        png, info = figure_png(fig)
        check_legible(info, name=key)
    finally:
        plt.close(fig)
    glue(key, Image(data=png, format="png"), display=False)


def glue_comparison(prefix: str, summary) -> None:
    """Glue a paired comparison's keys (:func:`ffhlib.summaries.comparison_values`)."""
    from .summaries import comparison_values

    glue_all(comparison_values(prefix, summary))


def glue_summaries(prefix: str, summaries: Mapping[str, Any]) -> None:
    """Glue scalar summaries' keys (:func:`ffhlib.summaries.summary_values`)."""
    from .summaries import summary_values

    glue_all(summary_values(prefix, summaries))


def glue_not_run(keys, figures=(), *, reason: str = "not run in this execution") -> None:
    """Glue NaN for ``keys`` and a captioned placeholder for ``figures`` of an analysis the
    reader switched off, so that the page still builds and says so."""
    import matplotlib.pyplot as plt

    glue_all({key: float("nan") for key in keys})
    for key in figures:
        fig, ax = plt.subplots(figsize=(4, 0.8))
        ax.axis("off")
        ax.text(0.5, 0.5, reason, ha="center", va="center", color="0.4")
        glue_figure(key, fig)
