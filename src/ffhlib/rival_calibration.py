"""Calibration of the full-FORCE family's rivals by chapter 04's rule (:mod:`ffhlib.calibration`).

Settings calibrated for FF and FFH at τ = 10 ms would handicap networks with another time
constant or another way of using the recordings, so each rival gets its own, by the same rule
fixed in advance, on the calibration ground truths only
(:data:`ffhlib.study.CALIBRATION_GROUND_TRUTHS`), for the default trial design (``preparation``).
Stated before the run:

**τ-matched FF and FFH** (:mod:`ffhlib.force_rivals`): chapter 04's rule unchanged
(:func:`ffhlib.calibration.choose`) on networks with τ = 200 ms, dt = 10 ms: (1) the training noise
with the lowest FF error on the untrained directions among those at which FF fits with mean
R² >= ``min_fit_r2`` (all noises if none does: the rule's own fallback, flagged here as
``noise_qualified = False``); (2) the largest hint gain with mean FFH fit >= ``min_fit_r2`` at that
noise, else the smallest, flagged; (3) the passes after which both mean learning curves stay within
``passes_tolerance`` of their value at ``max_passes``. Grid: :data:`TAU_GRID`.

**Pinned units** (:mod:`ffhlib.pinned`), whose "gain" is ``target_gain`` (the scale of the
z-scored recordings in the pinned units' state, the analogue of the hint gain): (1) the training
noise with the lowest pinned error on the untrained directions among those at which the pinned
network fits with mean R² >= ``min_fit_r2`` at the reference gain :data:`PINNED_REFERENCE_GAIN`
(there is no network without recordings to consult; all noises if none fits, flagged); (2) the
largest ``target_gain`` with mean fit >= ``min_fit_r2`` at that noise, else the smallest, flagged;
(3) the passes after which its mean learning curve stays within ``passes_tolerance`` of its value
at ``max_passes``. Grid: :data:`PINNED_GRID`.

The thresholds are chapter 04's (``min_fit_r2 = 0.98``, ``passes_tolerance = 0.005``). The record
of the run that set :data:`ffhlib.force_rivals.TAU_MATCHED` and :data:`PINNED` ships with the
library (``ffhlib/data/rivals_force_calibration_{runs,curves}.csv``); :func:`load_record` reads
it and a test checks that the rule applied to it gives those defaults.
"""

from __future__ import annotations

import dataclasses
import math
import time
from importlib import resources
from pathlib import Path

import numpy as np

from . import calibration, force_rivals, pinned, study
from .calibration import CalibrationParams, CalibrationRecord
from .force_rivals import RivalSettings
from .metrics import emg_error
from .rnn import simulate

__all__ = ["PINNED", "PINNED_GRID", "PINNED_REFERENCE_GAIN", "TAU_GRID", "choose_pinned",
           "choose_tau_matched", "load_record", "pinned_params", "run_pinned", "run_tau_matched",
           "write_record"]

#: Grid of the τ-matched calibration (chapter 04's gains; a finer noise grid, since FF at τ = 200
#: ms loses fit quickly with noise; chapter 04's passes).
TAU_GRID = CalibrationParams(training_noises=(0.0, 0.02, 0.05, 0.1),
                             hint_gains=(0.1, 0.2, 0.3, 0.5), max_passes=120)
#: Grid of the pinned calibration ("hint_gains" are the target gains; 60 passes: a pinned network
#: costs 1 ms steps like FF).
PINNED_GRID = CalibrationParams(training_noises=(0.0, 0.02, 0.05),
                                hint_gains=(0.25, 0.5, 1.0, 2.0), max_passes=60)
#: The target gain at which the pinned network's noise is chosen (step 1).
PINNED_REFERENCE_GAIN = 0.5

#: The settings the rule chose for the pinned network (default design), from the shipped record.
PINNED = {"preparation": RivalSettings(training_noise=0.02, hint_gain=0.5, n_passes=44)}


def pinned_params(base=None, cue_epoch: str = "preparation") -> pinned.PinnedParams:
    """:class:`~ffhlib.pinned.PinnedParams` of ``base`` (a ``ForceParams``, default the library's)
    with the calibrated noise, target gain and passes of :data:`PINNED`."""
    from .fullforce import ForceParams

    base = ForceParams() if base is None else base
    if cue_epoch not in PINNED:
        raise ValueError(f"cue_epoch must be one of {tuple(PINNED)}; got {cue_epoch!r}")
    s = PINNED[cue_epoch]
    return pinned.PinnedParams.from_force(
        dataclasses.replace(base, cue_epoch=cue_epoch), training_noise=s.training_noise,
        target_gain=s.hint_gain, n_passes=s.n_passes)


# ----------------------------------------------------------------------------- runs


def run_tau_matched(calib: CalibrationParams = TAU_GRID, *, executor=None,
                    progress: bool = True) -> CalibrationRecord:
    """Chapter 04's calibration (:func:`ffhlib.calibration.run_calibration`) of τ-matched networks;
    the rows' ``network`` is ``ff_tau`` or ``ffh_tau``."""
    base = dataclasses.replace(study.StudyParams(),
                               force=force_rivals.tau_matched_force(study.StudyParams().force))
    rec = calibration.run_calibration(calib, base=base, cue_epochs=("preparation",),
                                      executor=executor, progress=progress)
    rename = {"ff": "ff_tau", "ffh": "ffh_tau"}
    return CalibrationRecord(runs=rec.runs.assign(network=rec.runs["network"].map(rename)),
                             curves=rec.curves.assign(network=rec.curves["network"].map(rename)))


def _pinned_unit(params: pinned.PinnedParams, g: int, s: int):
    sp = study.StudyParams()
    gt = study.ground_truth(sp, g)
    obs = study.observation(sp, gt, g, s)
    tr, un = study.direction_split(sp, gt)
    net = pinned.train(obs.muscles(tr.emg), tr.angles, tr.time_ms, params, (g, s),
                       hints=obs.neurons(tr.rates), progress=False, use_cache=True)
    held = simulate(net, un.angles, time_ms=un.time_ms)
    return net, emg_error(held.output, obs.muscles(un.emg)).overall


def run_pinned(calib: CalibrationParams = PINNED_GRID, *, progress: bool = True
               ) -> CalibrationRecord:
    """The pinned network's calibration grid (steps 1 and 2 of the module docstring), serially."""
    import pandas as pd

    def measure(noise, gain):
        p = pinned.PinnedParams.from_force(study.StudyParams().force, training_noise=noise,
                                           target_gain=gain, n_passes=calib.max_passes)
        runs, curves = [], []
        for g in calib.ground_truth_seeds:
            for s in calib.seeds:
                start = time.perf_counter()
                net, gen_err = _pinned_unit(p, g, s)
                if progress:
                    print(f"pinned gt {g} noise {noise} gain {gain}: fit {net.r2:.4f} hint "
                          f"{net.hint_r2:.3f} gen {gen_err:.3f} "
                          f"({time.perf_counter() - start:.0f} s)", flush=True)
                cell = {"cue_epoch": "preparation", "network": "pinned", "ground_truth": g,
                        "seed": s, "training_noise": noise, "hint_gain": gain}
                runs.append({**cell, "fit_r2": net.r2, "gen_err": gen_err, "cca_e": math.nan,
                             "hint_r2": net.hint_r2, "train_seconds": net.seconds})
                curves.append(pd.DataFrame({**cell, "passes": net.curve_passes,
                                            "fit_r2": net.r2_curve}))
        return runs, curves

    runs, curves = [], []
    for noise in calib.training_noises:
        r, c = measure(noise, PINNED_REFERENCE_GAIN)
        runs += r
        curves += c
    chosen_noise = _choose_noise(pd.DataFrame(runs), calib)[0]
    for gain in calib.hint_gains:
        if gain != PINNED_REFERENCE_GAIN:
            r, c = measure(chosen_noise, gain)
            runs += r
            curves += c
    return CalibrationRecord(runs=pd.DataFrame(runs), curves=pd.concat(curves, ignore_index=True))


# ----------------------------------------------------------------------------- the rule


def _choose_noise(runs, calib: CalibrationParams) -> tuple[float, bool]:
    means = runs.groupby("training_noise")[["fit_r2", "gen_err"]].mean()
    ok = means[means["fit_r2"] >= calib.min_fit_r2]
    pool = ok if not ok.empty else means
    return float(pool["gen_err"].idxmin()), not ok.empty


def _first_stable(curve, tolerance: float) -> int:
    mean = curve.groupby("passes")["fit_r2"].mean().sort_index()
    inside = (mean >= mean.iloc[-1] - tolerance).to_numpy()
    return int(mean.index[int(np.flatnonzero(~inside).max() + 1) if (~inside).any() else 0])


def choose_tau_matched(record: CalibrationRecord, calib: CalibrationParams = TAU_GRID
                            ) -> RivalSettings:
    """Chapter 04's rule on the τ-matched rows (``noise_qualified``: whether FF reached the fit
    threshold at some noise)."""
    keep = {"ff_tau": "ff", "ffh_tau": "ffh"}
    runs = record.runs[record.runs["network"].isin(keep)]
    curves = record.curves[record.curves["network"].isin(keep)]
    sub = CalibrationRecord(runs=runs.assign(network=runs["network"].map(keep)),
                            curves=curves.assign(network=curves["network"].map(keep)))
    s = calibration.choose(sub, calib, cue_epoch="preparation")
    _, noise_ok = _choose_noise(sub.runs[sub.runs["network"] == "ff"], calib)
    return RivalSettings(training_noise=s.training_noise, hint_gain=s.hint_gain,
                         n_passes=s.n_passes, hint_gain_qualified=s.hint_gain_qualified,
                         noise_qualified=noise_ok)


def choose_pinned(record: CalibrationRecord, calib: CalibrationParams = PINNED_GRID
                  ) -> RivalSettings:
    """The rule of the module docstring on the pinned rows."""
    runs = record.runs[record.runs["network"] == "pinned"]
    curves = record.curves[record.curves["network"] == "pinned"]
    if runs.empty:
        raise ValueError("the record holds no pinned run")
    at_ref = runs[np.isclose(runs["hint_gain"], PINNED_REFERENCE_GAIN)]
    noise, noise_ok = _choose_noise(at_ref, calib)
    fits = runs[np.isclose(runs["training_noise"], noise)].groupby("hint_gain")["fit_r2"].mean()
    ok = fits[fits >= calib.min_fit_r2]
    qualified = not ok.empty
    gain = float(ok.index.max() if qualified else fits.index.min())
    at = np.isclose(curves["training_noise"], noise) & np.isclose(curves["hint_gain"], gain)
    passes = _first_stable(curves[at], calib.passes_tolerance)
    return RivalSettings(training_noise=noise, hint_gain=gain, n_passes=passes,
                         hint_gain_qualified=qualified, noise_qualified=noise_ok)


# ----------------------------------------------------------------------------- the record


def _paths(directory: Path) -> tuple[Path, Path]:
    return (directory / "rivals_force_calibration_runs.csv",
            directory / "rivals_force_calibration_curves.csv")


def write_record(record: CalibrationRecord, directory) -> None:
    """Write a record as two CSV files into ``directory``."""
    runs, curves = _paths(Path(directory))
    runs.parent.mkdir(parents=True, exist_ok=True)
    record.runs.to_csv(runs, index=False)
    record.curves.to_csv(curves, index=False)


def load_record(directory=None) -> CalibrationRecord:
    """The rivals' calibration record shipped with the library (or the one in ``directory``)."""
    import pandas as pd

    if directory is None:
        directory = Path(str(resources.files("ffhlib") / "data"))
    runs, curves = _paths(Path(directory))
    if not runs.is_file() or not curves.is_file():
        raise FileNotFoundError(f"no rivals' calibration record in {directory}")
    return CalibrationRecord(runs=pd.read_csv(runs), curves=pd.read_csv(curves))
