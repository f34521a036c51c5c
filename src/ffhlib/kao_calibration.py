"""The strongest rate penalty of Kao's grid (chapter 10), by a rule fixed in advance.

The grid's third strength is "the strongest rate penalty that keeps the EMG fit": among the
strengths of :data:`STRENGTHS`, the largest at which the grid's network (:data:`GRID_UNITS` units,
:data:`GRID_STEPS` Adam steps, chapter 09's other settings, the activation of chapter 09's rival,
tanh) fits the observed EMG with a mean R^2 >= :data:`MIN_FIT` over the calibration ground truths
(:data:`ffhlib.study.CALIBRATION_GROUND_TRUTHS`, never reported), network seed 0: chapter 09's
rule for its rival's strength (:mod:`ffhlib.bptt_calibration`), applied at the grid's size to a
grid of strengths reaching further.

The record of the run that set :data:`STRONGEST_RATE_L2` ships with the library
(``ffhlib/data/kao_strength_calibration.csv``); :func:`load_record` reads it,
:func:`strongest_within_fit` applies the rule, and a test checks that the rule on the record gives
the default. :func:`run_calibration` reruns it (minutes on one core).
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import numpy as np

from . import bptt, study
from ._validate import check_float
from .metrics import check_number_tuple
from .study import CALIBRATION_GROUND_TRUTHS, StudyParams

__all__ = ["GRID_STEPS", "GRID_UNITS", "MIN_FIT", "RECORD_COLUMNS", "STRENGTHS",
           "STRONGEST_RATE_L2", "grid_network", "load_record", "run_calibration",
           "strongest_within_fit", "write_record"]

#: Units of the grid's networks (chapter 09's rival has 300): 108 networks must train in minutes.
GRID_UNITS = 100
#: Adam steps of the grid's networks (chapter 09's rival: 2,000).
GRID_STEPS = 1000
#: The fit every calibration ground truth must keep.
MIN_FIT = 0.95
#: The strengths tried.
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: The columns of the record.
RECORD_COLUMNS = ("activation", "rate_l2", "ground_truth", "seed", "n_units", "steps", "fit_r2",
                  "seconds")
#: The rule applied to the shipped record (a test keeps the two equal).
STRONGEST_RATE_L2 = 0.03
_RECORD = "kao_strength_calibration.csv"


def grid_network(rival: bptt.BPTTParams, *, n_units: int = GRID_UNITS,
                 steps: int = GRID_STEPS) -> bptt.BPTTParams:
    """Chapter 09's BPTT rival at the grid's size and steps."""
    import dataclasses

    return dataclasses.replace(rival, n_units=n_units, steps=steps)


def run_calibration(network: bptt.BPTTParams, params: StudyParams | None = None, *,
                    strengths=STRENGTHS, seed: int = 0, progress: bool = False):
    """Train ``network`` at every strength on every calibration ground truth (cached networks).

    Returns
    -------
    pandas.DataFrame
        One row per (strength, ground truth): :data:`RECORD_COLUMNS`.
    """
    import dataclasses

    import pandas as pd

    if not isinstance(network, bptt.BPTTParams):
        raise TypeError(f"network must be BPTTParams, got {type(network).__name__}")
    strengths = check_number_tuple("strengths", strengths, minimum=0.0)
    params = StudyParams() if params is None else params
    records = []
    for g in CALIBRATION_GROUND_TRUTHS:
        gt = study.ground_truth(params, g)
        obs = study.observation(params, gt, g, seed)
        tr, _ = study.direction_split(params, gt)
        for lam in strengths:
            net_params = dataclasses.replace(network, rate_l2=float(lam))
            start = time.perf_counter()
            net = bptt.train(obs.muscles(tr.emg), tr.angles, tr.time_ms, net_params, (g, seed),
                             progress=progress, use_cache=True)
            records.append({"activation": net_params.activation, "rate_l2": float(lam),
                            "ground_truth": g, "seed": seed, "n_units": net_params.n_units,
                            "steps": net_params.steps, "fit_r2": float(net.r2),
                            "seconds": float(net.seconds) or time.perf_counter() - start})
    return pd.DataFrame.from_records(records, columns=list(RECORD_COLUMNS))


def write_record(record, path) -> Path:
    """Write a calibration record as CSV (e.g. into ``src/ffhlib/data`` to ship it)."""
    path = Path(path)
    record.loc[:, list(RECORD_COLUMNS)].to_csv(path, index=False)
    return path


def load_record():
    """The shipped record of the calibration (a DataFrame of :data:`RECORD_COLUMNS`)."""
    import pandas as pd

    with resources.files("ffhlib.data").joinpath(_RECORD).open() as f:
        return pd.read_csv(f)


def strongest_within_fit(record, min_fit: float = MIN_FIT) -> float:
    """The rule: the largest ``rate_l2`` whose mean fit over the record's ground truths is at
    least ``min_fit``.

    Raises
    ------
    ValueError
        If the record lacks a column, or no strength keeps the fit.
    """
    min_fit = check_float("min_fit", min_fit, minimum=0.0, maximum=1.0)
    missing = [c for c in ("rate_l2", "ground_truth", "fit_r2") if c not in record]
    if missing:
        raise ValueError(f"the record lacks the columns {missing}")
    mean = record.groupby("rate_l2")["fit_r2"].mean()
    kept = mean[mean.to_numpy() >= min_fit]
    if kept.empty:
        raise ValueError(f"no strength of the record keeps a mean fit >= {min_fit:g} over the "
                         f"ground truths (best: {float(np.nanmax(mean.to_numpy())):.3f})")
    return float(kept.index.max())
