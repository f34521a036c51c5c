"""Calibration: the training settings the paper does not give, chosen by rules fixed in advance.

The hint gain, the training noise and the number of passes change what the networks learn, and the
paper gives none of them. Choosing them while looking at the reported results would tune the book
towards (or against) the paper's claims, so they are chosen

- on **calibration ground truths** (:data:`ffhlib.study.CALIBRATION_GROUND_TRUTHS`), which no
  reported table ever contains (:func:`ffhlib.study.run_study` refuses them);
- separately for each trial design (the direction input during preparation only, or held through
  the movement), so neither design is judged with the other's settings;
- by the rule of :func:`choose`, stated here before the calibration was run:

1. **Training noise** sigma: among the values in the grid at which FF fits the observed EMG with
   mean R^2 >= ``min_fit_r2`` (at ``max_passes``), the one with the lowest mean error of FF on the
   untrained directions. Only FF is consulted: the noise is set to let the network *without* hints
   generalize as well as it can, which is conservative for the claim that FFH generalizes better.
2. **Hint gain**, at that noise: the largest gain in the grid whose mean FFH fit R^2 is
   >= ``min_fit_r2`` (the hints constrain the dynamics as strongly as the EMG fit allows); if none
   qualifies, the smallest gain, flagged.
3. **Passes**: the smallest checkpoint of the learning curves after which the mean fit R^2 of FF
   (at that noise) and of FFH (at that noise and gain) both stay within ``passes_tolerance`` of
   their value at ``max_passes``.

The record of the run that set the library's defaults ships with the library
(``ffhlib/data/calibration_*.csv``); :func:`load_record` reads it, :func:`choose` applies the rule
to it, and a test checks that the result equals :data:`CALIBRATED` and the defaults of
:class:`~ffhlib.fullforce.ForceParams`.
Chapter 04 shows that record and, with ``full=True``, reruns the whole calibration.
"""

from __future__ import annotations

import dataclasses
import math
from importlib import resources
from pathlib import Path

import numpy as np

from . import fullforce
from ._params import param
from ._validate import check_float, check_int
from .metrics import check_number_tuple
from .report import calibration_defaults_text, calibration_source_text
from .study import CALIBRATION_GROUND_TRUTHS, StudyParams, run_study, train_network

__all__ = [
    "CALIBRATED",
    "CalibratedSettings",
    "CalibrationParams",
    "CalibrationEvidence",
    "CalibrationRecord",
    "CalibrationReview",
    "calibrated_force",
    "chapter_record",
    "choose",
    "evidence",
    "load_record",
    "review",
    "review_values",
    "run_calibration",
    "write_record",
]


@dataclasses.dataclass(frozen=True)
class CalibrationParams:
    """The calibration grid and the thresholds of the rule (see the module docstring)."""

    ground_truth_seeds: tuple = param(
        CALIBRATION_GROUND_TRUTHS, doc="calibration ground truths (never reported)",
        provenance="choice")
    seeds: tuple = param((0,), doc="network seeds per calibration ground truth",
                         provenance="choice")
    training_noises: tuple = param((0.0, 0.05, 0.1), doc="training-noise values tried (step 1)",
                                   provenance="choice")
    hint_gains: tuple = param((0.1, 0.2, 0.3, 0.5), doc="hint gains tried (step 2)",
                              provenance="choice")
    max_passes: int = param(120, doc="passes of every calibration training (the learning curves "
                                     "give the fit at fewer passes, step 3)", provenance="choice")
    min_fit_r2: float = param(0.98, doc="the EMG fit (mean R^2 on the training directions) a "
                                        "setting must reach", provenance="choice")
    passes_tolerance: float = param(0.005, doc="how close to its final value the mean learning "
                                               "curve must stay (step 3)", provenance="choice")

    def __post_init__(self):
        gts = check_number_tuple("ground_truth_seeds", self.ground_truth_seeds, minimum=0,
                                 kind=int)
        if set(gts) - set(CALIBRATION_GROUND_TRUTHS):
            raise ValueError(f"ground_truth_seeds must be among the calibration ground truths "
                             f"{CALIBRATION_GROUND_TRUTHS}, got {gts}")
        object.__setattr__(self, "ground_truth_seeds", gts)
        object.__setattr__(self, "seeds", check_number_tuple("seeds", self.seeds, minimum=0,
                                                             kind=int))
        object.__setattr__(self, "training_noises", check_number_tuple(
            "training_noises", self.training_noises, minimum=0.0))
        object.__setattr__(self, "hint_gains", check_number_tuple(
            "hint_gains", self.hint_gains, minimum=0.0))
        check_int("max_passes", self.max_passes, minimum=2)
        check_float("min_fit_r2", self.min_fit_r2, maximum=1.0)
        check_float("passes_tolerance", self.passes_tolerance, minimum=0.0,
                    exclusive_minimum=True)


@dataclasses.dataclass(frozen=True)
class CalibratedSettings:
    """The settings the rule chose for one trial design."""

    training_noise: float
    hint_gain: float
    n_passes: int
    hint_gain_qualified: bool = True


#: The calibrated settings of each trial design, from the recorded calibration run (the record
#: ships with the library; a test checks that :func:`choose` gives these values from it).
CALIBRATED = {
    "preparation": CalibratedSettings(training_noise=0.05, hint_gain=0.2, n_passes=70),
    "trial": CalibratedSettings(training_noise=0.0, hint_gain=0.2, n_passes=89),
}


def calibrated_force(cue_epoch: str, base: fullforce.ForceParams | None = None
                     ) -> fullforce.ForceParams:
    """``base`` (default ``ForceParams()``) with the calibrated settings of ``cue_epoch``."""
    base = fullforce.ForceParams() if base is None else base
    if cue_epoch not in CALIBRATED:
        raise ValueError(f"cue_epoch must be one of {tuple(CALIBRATED)}; got {cue_epoch!r}")
    s = CALIBRATED[cue_epoch]
    return dataclasses.replace(base, cue_epoch=cue_epoch, training_noise=s.training_noise,
                               hint_gain=s.hint_gain, n_passes=s.n_passes)


@dataclasses.dataclass(frozen=True)
class CalibrationRecord:
    """What a calibration run measured.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per trained network: ``cue_epoch, network, ground_truth, seed, training_noise,
        hint_gain, fit_r2, gen_err, cca_e, train_seconds`` (at ``max_passes``).
    curves : pandas.DataFrame
        The learning curves: ``cue_epoch, network, ground_truth, seed, training_noise, hint_gain,
        passes, fit_r2``.
    """

    runs: object
    curves: object


def _study(base: StudyParams, calib: CalibrationParams, cue_epoch: str, noise: float,
           gain: float) -> StudyParams:
    force = dataclasses.replace(base.force, cue_epoch=cue_epoch, training_noise=noise,
                                hint_gain=gain, n_passes=calib.max_passes)
    return dataclasses.replace(base, force=force, ground_truth_seeds=calib.ground_truth_seeds,
                               seeds=calib.seeds)


def _measure(base, calib, cue_epoch, network, settings, executor, progress):
    """Rows and learning curves of ``network`` at each (noise, gain) of ``settings``."""
    import pandas as pd

    runs, curves = [], []
    for noise, gain in settings:
        params = _study(base, calib, cue_epoch, noise, gain)
        table = run_study(params, kinds=(network,), executor=executor, progress=progress,
                          calibration=True)
        failed = table[table["error"] != ""]
        if not failed.empty:
            raise RuntimeError(f"calibration training failed: {failed['error'].iloc[0]}")
        table = table.assign(hint_gain=gain if network == "ffh" else math.nan)
        runs.append(table[["cue_epoch", "network", "ground_truth", "seed", "training_noise",
                           "hint_gain", "fit_r2", "gen_err", "cca_e", "train_seconds"]])
        for g, s in params.units:
            net = train_network(params, g, s, network)  # from the cache
            curves.append(pd.DataFrame({
                "cue_epoch": cue_epoch, "network": network, "ground_truth": g, "seed": s,
                "training_noise": noise, "hint_gain": gain if network == "ffh" else math.nan,
                "passes": net.curve_passes, "fit_r2": net.r2_curve}))
    return pd.concat(runs, ignore_index=True), pd.concat(curves, ignore_index=True)


def run_calibration(calib: CalibrationParams | None = None, *, base: StudyParams | None = None,
                    cue_epochs=("preparation", "trial"), executor=None,
                    progress: bool = True) -> CalibrationRecord:
    """Run the calibration grid of :func:`choose`'s rule for each trial design.

    Step 1 trains FF at every training noise; step 2 trains FFH at every hint gain at the noise
    step 1 chose. ``base`` gives everything else (network size, ground-truth parameters,
    observation; default ``StudyParams()``).
    """
    import pandas as pd

    calib = CalibrationParams() if calib is None else calib
    base = StudyParams() if base is None else base
    runs, curves = [], []
    for cue_epoch in cue_epochs:
        r1, c1 = _measure(base, calib, cue_epoch, "ff",
                          [(s, 0.0) for s in calib.training_noises], executor, progress)
        noise = _choose_noise(r1, calib)
        r2, c2 = _measure(base, calib, cue_epoch, "ffh",
                          [(noise, g) for g in calib.hint_gains], executor, progress)
        runs += [r1, r2]
        curves += [c1, c2]
    return CalibrationRecord(runs=pd.concat(runs, ignore_index=True),
                             curves=pd.concat(curves, ignore_index=True))


def _choose_noise(runs, calib: CalibrationParams) -> float:
    ff = runs[runs["network"] == "ff"].groupby("training_noise")[["fit_r2", "gen_err"]].mean()
    ok = ff[ff["fit_r2"] >= calib.min_fit_r2]
    pool = ok if not ok.empty else ff
    return float(pool["gen_err"].idxmin())


def choose(record: CalibrationRecord, calib: CalibrationParams | None = None,
           cue_epoch: str = "preparation") -> CalibratedSettings:
    """Apply the rule of the module docstring to a calibration record for one trial design."""
    calib = CalibrationParams() if calib is None else calib
    runs = record.runs[record.runs["cue_epoch"] == cue_epoch]
    curves = record.curves[record.curves["cue_epoch"] == cue_epoch]
    if runs.empty:
        raise ValueError(f"the record holds no run of cue_epoch={cue_epoch!r}")
    noise = _choose_noise(runs, calib)
    ffh = runs[(runs["network"] == "ffh") & np.isclose(runs["training_noise"], noise)]
    fits = ffh.groupby("hint_gain")["fit_r2"].mean()
    ok = fits[fits >= calib.min_fit_r2]
    qualified = not ok.empty
    gain = float(ok.index.max() if qualified else fits.index.min())
    chosen = [curves[(curves["network"] == "ff") & np.isclose(curves["training_noise"], noise)],
              curves[(curves["network"] == "ffh") & np.isclose(curves["training_noise"], noise)
                     & np.isclose(curves["hint_gain"], gain)]]
    passes = None
    for curve in chosen:
        mean = curve.groupby("passes")["fit_r2"].mean().sort_index()
        final = mean.iloc[-1]
        inside = (mean >= final - calib.passes_tolerance).to_numpy()
        # the first checkpoint from which every later one stays inside the band
        first = mean.index[int(np.flatnonzero(~inside).max() + 1) if (~inside).any() else 0]
        passes = first if passes is None else max(passes, first)
    return CalibratedSettings(training_noise=noise, hint_gain=gain, n_passes=int(passes),
                              hint_gain_qualified=qualified)


@dataclasses.dataclass(frozen=True)
class CalibrationEvidence:
    """What the rule looked at for one design: means over the calibration units.

    Attributes
    ----------
    noise : pandas.DataFrame
        FF at each training noise: ``training_noise, fit_r2, gen_err``.
    gains : pandas.DataFrame
        FFH at the chosen noise and each hint gain: ``hint_gain, fit_r2, gen_err, cca_e``.
    curve_ff, curve_ffh : pandas.DataFrame
        Mean learning curves (``passes, fit_r2``) of FF and FFH at the chosen settings.
    min_fit_r2 : float
    n_ground_truths : int
    n_trainings : int
        Networks trained in the calibration of this design.
    train_seconds : float
        Their training time, summed.
    """

    noise: object
    gains: object
    curve_ff: object
    curve_ffh: object
    min_fit_r2: float
    n_ground_truths: int
    n_trainings: int
    train_seconds: float


def evidence(record: CalibrationRecord, chosen: CalibratedSettings,
             calib: CalibrationParams | None = None,
             cue_epoch: str = "preparation") -> CalibrationEvidence:
    """The means over calibration units behind each step of the rule (for the chapter's figure)."""
    calib = CalibrationParams() if calib is None else calib
    runs = record.runs[record.runs["cue_epoch"] == cue_epoch]
    curves = record.curves[record.curves["cue_epoch"] == cue_epoch]
    ff = runs[runs["network"] == "ff"]
    ffh = runs[(runs["network"] == "ffh")
               & np.isclose(runs["training_noise"], chosen.training_noise)]
    noise = ff.groupby("training_noise", as_index=False)[["fit_r2", "gen_err"]].mean()
    gains = ffh.groupby("hint_gain", as_index=False)[["fit_r2", "gen_err", "cca_e"]].mean()
    at = np.isclose(curves["training_noise"], chosen.training_noise)
    curve_ff = curves[at & (curves["network"] == "ff")].groupby(
        "passes", as_index=False)["fit_r2"].mean()
    curve_ffh = curves[at & (curves["network"] == "ffh")
                       & np.isclose(curves["hint_gain"], chosen.hint_gain)].groupby(
        "passes", as_index=False)["fit_r2"].mean()
    return CalibrationEvidence(noise=noise, gains=gains, curve_ff=curve_ff, curve_ffh=curve_ffh,
                               min_fit_r2=calib.min_fit_r2,
                               n_ground_truths=int(runs["ground_truth"].nunique()),
                               n_trainings=int(len(runs)),
                               train_seconds=float(runs["train_seconds"].sum()))


def _record_paths(directory: Path) -> tuple[Path, Path]:
    return directory / "calibration_runs.csv", directory / "calibration_curves.csv"


def write_record(record: CalibrationRecord, directory) -> None:
    """Write a record as two CSV files into ``directory``."""
    runs, curves = _record_paths(Path(directory))
    runs.parent.mkdir(parents=True, exist_ok=True)
    record.runs.to_csv(runs, index=False)
    record.curves.to_csv(curves, index=False)


def load_record(directory=None) -> CalibrationRecord:
    """The calibration record shipped with the library (or the one in ``directory``)."""
    import pandas as pd

    if directory is None:
        directory = Path(str(resources.files("ffhlib") / "data"))
    runs, curves = _record_paths(Path(directory))
    if not runs.is_file() or not curves.is_file():
        raise FileNotFoundError(f"no calibration record in {directory}")
    return CalibrationRecord(runs=pd.read_csv(runs), curves=pd.read_csv(curves))


# ----------------------------------------------------------------------------- chapter 04


def chapter_record(full: bool = False, *, n_workers: int = 2,
                   progress: bool = True) -> CalibrationRecord:
    """The record chapter 04 shows: the shipped one, or (``full``) a complete rerun of the
    calibration on ``n_workers`` processes (slow: every training of both designs)."""
    if not full:
        return load_record()
    from .parallel import make_executor

    with make_executor(n_workers, backend="processes") as executor:
        return run_calibration(executor=executor, progress=progress)


@dataclasses.dataclass(frozen=True)
class CalibrationReview:
    """What the rule chose for one trial design from a record, and what it looked at.

    Attributes
    ----------
    cue_epoch : str
    calib : CalibrationParams
    chosen : CalibratedSettings
        :func:`choose` applied to the record.
    frozen : CalibratedSettings
        The library's defaults for the design (:data:`CALIBRATED`).
    evidence : CalibrationEvidence
    n_record_trainings : int
        Trainings in the whole record (both designs).
    record_train_seconds : float
        Their training time, summed (s).
    """

    cue_epoch: str
    calib: CalibrationParams
    chosen: CalibratedSettings
    frozen: CalibratedSettings
    evidence: CalibrationEvidence
    n_record_trainings: int
    record_train_seconds: float


def review(record: CalibrationRecord, cue_epoch: str = "preparation",
           calib: CalibrationParams | None = None) -> CalibrationReview:
    """Apply the rule to ``record`` for ``cue_epoch`` and gather its evidence."""
    if cue_epoch not in CALIBRATED:
        raise ValueError(f"cue_epoch must be one of {tuple(CALIBRATED)}; got {cue_epoch!r}")
    calib = CalibrationParams() if calib is None else calib
    chosen = choose(record, calib, cue_epoch=cue_epoch)
    return CalibrationReview(cue_epoch=cue_epoch, calib=calib, chosen=chosen,
                             frozen=CALIBRATED[cue_epoch],
                             evidence=evidence(record, chosen, calib, cue_epoch=cue_epoch),
                             n_record_trainings=int(len(record.runs)),
                             record_train_seconds=float(record.runs["train_seconds"].sum()))


def review_values(rev: CalibrationReview, *, full: bool) -> dict:
    """The ``calib_*`` values chapter 04 glues (``full``: the chapter reran the calibration)."""
    calib, chosen, ev = rev.calib, rev.chosen, rev.evidence
    return {
        "calib_n_ground_truths": ev.n_ground_truths,
        "calib_ground_truths_text": ", ".join(map(str, calib.ground_truth_seeds)),
        "calib_min_fit_r2": calib.min_fit_r2, "calib_passes_tolerance": calib.passes_tolerance,
        "calib_max_passes": calib.max_passes, "calib_training_noise": chosen.training_noise,
        "calib_hint_gain": chosen.hint_gain, "calib_n_passes": chosen.n_passes,
        "calib_n_trainings": ev.n_trainings, "calib_train_minutes": ev.train_seconds / 60,
        "calib_defaults_text": calibration_defaults_text(chosen, rev.frozen),
        "calib_source_text": calibration_source_text(
            full, rev.n_record_trainings, rev.record_train_seconds / 2 / 60),
    }
