"""Chapter 04: one unit of the study in detail, and its hint-gain sensitivity.

Chapter 04 shows FF and FFH of one unit (a ground truth and a network seed): how well they
reproduce the observed EMG on the training directions, how well FFH's units carry the hints, and,
for FFH trained with other hint gains, what the gain does to the fit and to the similarity with
the evaluation neurons. This module computes those results from the cached networks
(:func:`show_unit`, :func:`hint_gain_sweep`) and the values the chapter glues
(:func:`unit_values`, :func:`cold_run_values`); the figures are drawn by
:mod:`ffhlib.plotting.force`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from . import fullforce, study
from .metrics import emg_error
from .observe import ObservationParams
from .report import cue_epoch_text
from .study import StudyParams

__all__ = [
    "HintGainRow",
    "HintGainSweep",
    "UnitFit",
    "cold_run_values",
    "gain_tag",
    "hint_gain_sweep",
    "hint_gain_table",
    "show_unit",
    "unit_values",
]

#: How many recorded neurons the hint figure shows.
N_HINTS_SHOWN = 6


@dataclasses.dataclass(frozen=True)
class UnitFit:
    """FF and FFH of one unit run without learning or noise on the training directions.

    Attributes
    ----------
    pair : ffhlib.study.TrainedPair
    targets : ndarray, shape (C, T, M_obs)
        The observed muscles' EMG.
    outputs : dict of str to ndarray, shape (C, T, M_obs)
        "FF" and "FFH"'s EMG.
    worst_r2 : dict of str to float
        Each network's R^2 in its worst training direction.
    hints_z : ndarray, shape (C, T, K)
        The recorded neurons' rates z-scored as FFH's hints were.
    hint_output : ndarray, shape (C, T, K)
        FFH's linear readout of the z-scored hints.
    shown_hints : ndarray of int, shape (6,)
        The recorded neurons shown (evenly spaced in index).
    """

    pair: study.TrainedPair
    targets: np.ndarray
    outputs: dict
    worst_r2: dict
    hints_z: np.ndarray
    hint_output: np.ndarray
    shown_hints: np.ndarray

    @property
    def training(self):
        """The ground truth's training directions (``GroundTruth.training``)."""
        return self.pair.ground_truth.training

    @property
    def observation(self):
        """The unit's observation (recorded neurons and muscles, evaluation set)."""
        return self.pair.observation

    @property
    def hint_labels(self) -> list[str]:
        """Panel titles of the shown hints: each neuron's number in the SOC (from 1)."""
        return [f"SOC neuron {self.observation.neuron_idx[k] + 1}" for k in self.shown_hints]


def show_unit(params: StudyParams, ground_truth_seed: int, seed: int, *,
              n_hints_shown: int = N_HINTS_SHOWN) -> UnitFit:
    """FF and FFH of the unit ``(ground_truth_seed, seed)`` (from the cache) on its training
    directions, with the worst direction's fit and the z-scored hints.

    Notes
    -----
    The worst direction's fit is :math:`1 - \\max_c e_c` with :math:`e_c` the
    :func:`ffhlib.metrics.emg_error` of direction c; the hints are
    :math:`(r - \\mu) / \\sigma` with FFH's own training mean and standard deviation.
    """
    if n_hints_shown < 1:
        raise ValueError(f"n_hints_shown must be at least 1, got {n_hints_shown}")
    pair = study.train_pair(params, ground_truth_seed, seed)
    train, obs = pair.ground_truth.training, pair.observation
    targets = obs.muscles(train.emg)
    act = {"FF": fullforce.simulate(pair.ff, train.angles),
           "FFH": fullforce.simulate(pair.ffh, train.angles)}
    worst = {name: float(1 - emg_error(a.output, targets).per_direction.max())
             for name, a in act.items()}
    hints_z = (obs.neurons(train.rates) - pair.ffh.hint_mean) / pair.ffh.hint_std
    shown = np.linspace(0, hints_z.shape[2] - 1, n_hints_shown).round().astype(int)
    return UnitFit(pair=pair, targets=targets, outputs={k: a.output for k, a in act.items()},
                   worst_r2=worst, hints_z=hints_z, hint_output=act["FFH"].hint_output,
                   shown_hints=shown)


def unit_values(params: StudyParams, unit: UnitFit) -> dict:
    """The values chapter 04 glues about the unit shown and the settings it was trained with."""
    force, pair, train, obs = params.force, unit.pair, unit.training, unit.observation
    from .plotting.style import muscle_labels

    tr_ms = train.time_ms
    return {
        "ff_r2": pair.ff.r2, "ffh_r2": pair.ffh.r2, "ffh_hint_r2": pair.ffh.hint_r2,
        "n_neurons_rnn": pair.ff.n_units, "neuron_fraction": params.observation.neuron_fraction,
        "muscle_fraction": params.observation.muscle_fraction,
        "ff_seconds": pair.ff.seconds, "ffh_seconds": pair.ffh.seconds,
        "ff_r2_min_direction": unit.worst_r2["FF"], "ffh_r2_min_direction": unit.worst_r2["FFH"],
        "ff_n_passes": force.n_passes, "ff_hint_gain": force.hint_gain,
        "ff_training_noise": force.training_noise, "ff_prep_ms": force.prep_ms,
        "ff_go_ms": force.go_ms, "ff_move_ms": tr_ms[-1] - tr_ms[0],
        "ff_gt_dt_ms": tr_ms[1] - tr_ms[0], "ff_dt_ms": force.dt_ms, "ff_tau_ms": force.tau_ms,
        "ff_g": force.g, "ff_alpha": force.alpha, "ff_update_every": force.update_every,
        "ff_n_directions": train.n_directions, "ff_ground_truth": pair.ground_truth_seed,
        "ff_seed": pair.seed, "ff_n_obs_neurons": obs.neuron_idx.size,
        "ff_n_obs_muscles": obs.muscle_idx.size,
        "ff_obs_muscles_text": ", ".join(muscle_labels(obs.muscle_idx)),
        "ff_n_soc": pair.ground_truth.n_neurons, "ff_n_muscles": pair.ground_truth.n_muscles,
        "ff_paper_neuron_percent": 100 * ObservationParams().neuron_fraction,
        "ff_paper_muscle_percent": 100 * ObservationParams().muscle_fraction,
        "ff_cue_epoch_text": cue_epoch_text(force.cue_epoch),
        "ff_pca_dim": params.similarity.pca_dim, "ff_n_evaluation": obs.evaluation.neurons.size,
    }


def cold_run_values(table, n_workers: int) -> dict:
    """What the chapter's trainings cost from an empty cache: ``ff_cold_trainings`` (the
    networks in ``table``, a sweep table), ``ff_cold_minutes`` (their training time over
    ``n_workers`` processes) and ``ff_cold_workers``."""
    return {"ff_cold_trainings": int(table["network"].isin(study.NETWORKS).sum()),
            "ff_cold_minutes": table["train_seconds"].sum() / 60 / n_workers,
            "ff_cold_workers": n_workers}


# ----------------------------------------------------------------------------- hint gains


@dataclasses.dataclass(frozen=True)
class HintGainRow:
    """FFH of the unit trained with one hint gain.

    Attributes
    ----------
    gain : float
    fit_r2 : float
        EMG fit R^2 on the training directions.
    hint_r2 : float
        R^2 of FFH's hint readout.
    cca_e : float
        Mean canonical correlation with the evaluation neurons.
    calibrated : bool
        Whether this is the gain the study uses.
    """

    gain: float
    fit_r2: float
    hint_r2: float
    cca_e: float
    calibrated: bool


@dataclasses.dataclass(frozen=True)
class HintGainSweep:
    """FFH of one unit at several hint gains, with FF and the recorded neurons as references.

    Attributes
    ----------
    ground_truth_seed, seed : int
    pca_dim : int
        The d of the canonical correlations.
    rows : tuple of HintGainRow
        In the order of the gains given.
    ff_fit_r2, ff_cca_e : float
        FF of the unit.
    hints_cca_e : float
        The recorded neurons themselves.
    """

    ground_truth_seed: int
    seed: int
    pca_dim: int
    rows: tuple
    ff_fit_r2: float
    ff_cca_e: float
    hints_cca_e: float

    def values(self) -> dict:
        """``hint_sweep_{fit_r2,cca_e,hint_r2}_{tag}`` for each gain (:func:`gain_tag`),
        ``hint_sweep_n``, ``hint_sweep_ff_cca_e`` and ``hint_sweep_hints_cca_e``."""
        out = {}
        for row in self.rows:
            tag = gain_tag(row.gain)
            out.update({f"hint_sweep_fit_r2_{tag}": row.fit_r2,
                        f"hint_sweep_cca_e_{tag}": row.cca_e,
                        f"hint_sweep_hint_r2_{tag}": row.hint_r2})
        out.update({"hint_sweep_n": len(self.rows), "hint_sweep_ff_cca_e": self.ff_cca_e,
                    "hint_sweep_hints_cca_e": self.hints_cca_e})
        return out


def gain_tag(gain: float) -> str:
    """A hint gain as a glue-key suffix: ``0.2 -> "0p2"``, ``1.0 -> "1"``."""
    return f"{gain:g}".replace(".", "p")


def hint_gain_sweep(params: StudyParams, ground_truth_seed: int, seed: int,
                    hint_gains: Sequence[float]) -> HintGainSweep:
    """FFH of the unit at each of ``hint_gains`` (everything else as in ``params``), scored.

    The networks come from the cache when the chapter's sweep trained them already.
    """
    gains = tuple(hint_gains)
    if not gains:
        raise ValueError("hint_gains must hold at least one gain")
    rows = []
    for gain in gains:
        p = dataclasses.replace(params, force=dataclasses.replace(params.force,
                                                                  hint_gain=float(gain)))
        net = study.train_network(p, ground_truth_seed, seed, "ffh")
        row = study.score(p, ground_truth_seed, seed, "ffh")
        rows.append(HintGainRow(gain=gain, fit_r2=row.fit_r2, hint_r2=net.hint_r2,
                                cca_e=row.cca_e, calibrated=gain == params.force.hint_gain))
    ff_row = study.score(params, ground_truth_seed, seed, "ff")
    hints_row = study.score(params, ground_truth_seed, seed, "hints")
    return HintGainSweep(ground_truth_seed=ground_truth_seed, seed=seed,
                         pca_dim=params.similarity.pca_dim, rows=tuple(rows),
                         ff_fit_r2=ff_row.fit_r2, ff_cca_e=ff_row.cca_e,
                         hints_cca_e=hints_row.cca_e)


def hint_gain_table(sweep: HintGainSweep) -> str:
    """The hint-gain table (``tbl-hint-gain``) as MyST Markdown."""
    from .notebook import markdown_table

    rows = [[f"FFH, gain {r.gain:g}{' (calibrated)' if r.calibrated else ''}", f"{r.fit_r2:.3f}",
             f"{r.hint_r2:.3f}", f"{r.cca_e:.3f}"] for r in sweep.rows]
    rows += [["FF (no hints)", f"{sweep.ff_fit_r2:.3f}", "", f"{sweep.ff_cca_e:.3f}"],
             ["the recorded neurons themselves", "", "", f"{sweep.hints_cca_e:.3f}"]]
    return markdown_table(
        ["network", "EMG fit $R^2$", "hint readout $R^2$", "canonical correlation with E"], rows,
        name="tbl-hint-gain",
        caption=f"Hint gain against the EMG fit and the similarity with the evaluation neurons: "
                f"FFH of the unit shown (ground truth {sweep.ground_truth_seed}, network seed "
                f"{sweep.seed}) trained with each gain (same data, weights and noise); the EMG "
                f"fit $R^2$ on the training directions, the $R^2$ of the hint readout, and the "
                f"mean canonical correlation with the evaluation set E ($d$ = {sweep.pca_dim}, "
                f"each half of E in turn, averaged); FF and the recorded neurons as references.")
