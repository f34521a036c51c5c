"""Chapter 06's summaries: the generalization tests' tidy tables reduced to named results.

The chapter runs four tests (:mod:`ffhlib.generalization`) and a repeat of the primary one at other
training noises; each returns a tidy table (one row per unit and kind of activity). The pure
functions here reduce each table to one frozen result: means over ground truths with their 95 %
percentile bootstrap intervals (:func:`ffhlib.study.summarize`) and the paired FFH − FF
comparisons over ground truths (:func:`ffhlib.study.compare_kinds`). The four comparisons of the
chapter's summary table (untrained directions, leave one out, unobserved muscles, input noise) are
one Holm family (:data:`SUMMARY_FAMILY`, :func:`ffhlib.inference.adjust_family`); every other
comparison is a family of one. The figures draw these results
(:mod:`ffhlib.plotting.generalization`), the outcome-dependent sentences are worded from them
(:mod:`ffhlib.report`, section 06) and :func:`glue_values` turns them into the numbers the prose
quotes, so that a figure, a sentence and a number always come from one computation.

Every function here only reads its tables (none adds a column to its input), trains and simulates
nothing, and draws no random number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from . import study
from .generalization import LOO_KINDS, GeneralizationParams, UntrainedExample
from .inference import PairedComparison, adjust_family
from .study import NETWORKS, KindSummary, StudyParams
from .summaries import N_BOOT, comparison_values, summary_values

__all__ = [
    "SUMMARY_FAMILY",
    "UNOBSERVED_KINDS",
    "UNTRAINED_KINDS",
    "GeneralizationSummary",
    "InputNoise",
    "LeaveOneOutSummary",
    "NetworkNoiseEffect",
    "NoiseCurve",
    "TrainingNoise",
    "UnobservedMuscles",
    "UntrainedDirections",
    "glue_values",
    "input_noise",
    "leave_one_out_summary",
    "noise_tag",
    "summarize",
    "training_noise",
    "unobserved_muscles",
    "untrained_directions",
]

#: The kinds compared on untrained directions (and, with one direction left out, in the LOO test).
UNTRAINED_KINDS = NETWORKS + ("interpolation",)
#: The kinds whose units the unobserved muscles are read out from: FF, FFH, the recorded SOC
#: neurons ("hints") and all SOC neurons.
UNOBSERVED_KINDS = NETWORKS + ("hints", "soc")
#: The kinds of the readout's penalty sweep.
PENALTY_KINDS = NETWORKS + ("hints",)
#: The comparisons of the chapter's summary table (its glue prefix: the summary holding it), one
#: Holm family.
SUMMARY_FAMILY = {"gen": "untrained", "loo": "leave_one_out", "unobs": "unobserved",
                  "noise": "input_noise"}


def _ratio(a: float, b: float) -> float:
    """``a / b`` as a float; NaN (never an error) when ``b`` is 0 or either is not finite."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.float64(a) / np.float64(b)
    return float(r) if np.isfinite(r) else float("nan")


# ----------------------------------------------------------------------------- untrained directions


@dataclasses.dataclass(frozen=True)
class UntrainedDirections:
    """The primary test: error on the untrained (intermediate) directions.

    Attributes
    ----------
    errors : mapping of kind to KindSummary
        ``gen_err`` (``1 - R^2``, observed muscles) of FF, FFH and the angular interpolation.
    fit_r2 : mapping of kind to KindSummary
        ``fit_r2`` on the training directions of FF and FFH.
    versus_ff : PairedComparison
        FFH − FF error over ground truths.
    versus_interpolation : PairedComparison
        FFH − interpolation error over ground truths.
    unit_differences : mapping of int to ndarray (n_seeds,)
        Each ground truth's paired FFH − FF differences, one per network seed.
    """

    errors: Mapping[str, KindSummary]
    fit_r2: Mapping[str, KindSummary]
    versus_ff: PairedComparison
    versus_interpolation: PairedComparison
    unit_differences: Mapping[int, np.ndarray]

    @property
    def ratio_ff(self) -> float:
        """FF's mean error over the interpolation's (NaN if that is 0)."""
        return _ratio(self.errors["ff"].mean, self.errors["interpolation"].mean)

    @property
    def ratio_ffh(self) -> float:
        """FFH's mean error over the interpolation's (NaN if that is 0)."""
        return _ratio(self.errors["ffh"].mean, self.errors["interpolation"].mean)

    @property
    def beats_interpolation(self) -> bool:
        """Whether FFH's error is significantly lower than the interpolation's."""
        return bool(self.versus_interpolation.mean_diff < 0
                    and self.versus_interpolation.significant)


def untrained_directions(table) -> UntrainedDirections:
    """Summarise a study table with ``gen_err`` rows of FF, FFH and the interpolation.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`ffhlib.study.run_study` with kinds ``ff``, ``ffh``, ``interpolation``.
    """
    differences = study.paired_differences(table, "gen_err", "ffh", "ff")
    return UntrainedDirections(
        errors={k: study.summarize(table, "gen_err", k) for k in UNTRAINED_KINDS},
        fit_r2={k: study.summarize(table, "fit_r2", k) for k in NETWORKS},
        versus_ff=study.compare_kinds(table, "gen_err", "ffh", "ff"),
        versus_interpolation=study.compare_kinds(table, "gen_err", "ffh", "interpolation"),
        unit_differences={int(g): d["gen_err"].to_numpy()
                          for g, d in differences.groupby("ground_truth")})


# ----------------------------------------------------------------------------- leave one out


@dataclasses.dataclass(frozen=True)
class LeaveOneOutSummary:
    """FF and FFH trained on all training directions but one, tested on it.

    Attributes
    ----------
    errors : mapping of kind to KindSummary
        ``loo_err`` of FF, FFH and the interpolation of the two neighbours.
    versus_ff : PairedComparison
        FFH − FF over ground truths.
    n_units : int
        Units (ground truth, seed) tested.
    n_directions : int
        Distinct directions left out.
    fit_ff, fit_ffh : float
        ``1 - fit_err``, mean over units: the fit on the directions they were trained on.
    """

    errors: Mapping[str, KindSummary]
    versus_ff: PairedComparison
    n_units: int
    n_directions: int
    fit_ff: float
    fit_ffh: float


def leave_one_out_summary(loo) -> LeaveOneOutSummary:
    """Summarise :func:`ffhlib.generalization.run_leave_one_out`'s table.

    Parameters
    ----------
    loo : pandas.DataFrame
        Columns ``ground_truth``, ``seed``, ``network``, ``held_out``, ``loo_err``, ``fit_err``.
    """
    return LeaveOneOutSummary(
        errors={k: study.summarize(loo, "loo_err", k) for k in LOO_KINDS},
        versus_ff=study.compare_kinds(loo, "loo_err", "ffh", "ff"),
        n_units=int(len(loo[["ground_truth", "seed"]].drop_duplicates())),
        n_directions=int(loo["held_out"].nunique()),
        fit_ff=float(1 - loo[loo["network"] == "ff"]["fit_err"].mean()),
        fit_ffh=float(1 - loo[loo["network"] == "ffh"]["fit_err"].mean()))


# ----------------------------------------------------------------------------- unobserved muscles


@dataclasses.dataclass(frozen=True)
class UnobservedMuscles:
    """The ridge readout of the muscles the networks never saw.

    Attributes
    ----------
    r2 : mapping of kind to KindSummary
        Held-out ``R^2`` at the chosen penalty, from FF, FFH, the recorded neurons, all SOC neurons.
    versus_ff : PairedComparison
        FFH − FF over ground truths.
    penalties : ndarray (P,)
        The relative ridge penalties of the sensitivity sweep.
    penalty : float
        The one of the left panel and the comparison.
    folds : int
        Folds over the training directions.
    by_penalty : mapping of kind to KindSummary (arrays of length P)
        FF, FFH and the recorded neurons at every penalty.
    difference_by_penalty : ndarray (P,)
        Mean paired FFH − FF difference at every penalty.
    """

    r2: Mapping[str, KindSummary]
    versus_ff: PairedComparison
    penalties: np.ndarray
    penalty: float
    folds: int
    by_penalty: Mapping[str, KindSummary]
    difference_by_penalty: np.ndarray


def unobserved_muscles(evaluations, gen: GeneralizationParams) -> UnobservedMuscles:
    """Summarise the readout columns of :func:`ffhlib.generalization.run_evaluations`.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        Columns ``unobs_r2`` and ``unobs_r2_p{i}`` (one per ``gen.ridge_penalties``).
    gen : GeneralizationParams
    """
    columns = [f"unobs_r2_p{i}" for i in range(len(gen.ridge_penalties))]
    return UnobservedMuscles(
        r2={k: study.summarize(evaluations, "unobs_r2", k) for k in UNOBSERVED_KINDS},
        versus_ff=study.compare_kinds(evaluations, "unobs_r2", "ffh", "ff"),
        penalties=np.asarray(gen.ridge_penalties, dtype=float), penalty=gen.ridge_penalty,
        folds=gen.readout_folds,
        by_penalty={k: study.summarize(evaluations, columns, k) for k in PENALTY_KINDS},
        difference_by_penalty=np.array([study.compare_kinds(evaluations, c, "ffh", "ff").mean_diff
                                        for c in columns]))


# ----------------------------------------------------------------------------- input noise


@dataclasses.dataclass(frozen=True)
class InputNoise:
    """Robustness to Gaussian noise on the inputs at test time.

    Attributes
    ----------
    sigmas : ndarray (S,)
        Noise standard deviations (input units); ``sigmas[0]`` is the reference (0 by default).
    sigma : float
        The one quoted, ``sigmas[index]``.
    index : int
    trials : int
        Noisy trials per unit and direction.
    errors, cca : mapping of kind to KindSummary (arrays of length S)
        FF's and FFH's EMG error and mean canonical correlation with E at every sigma.
    versus_ff, cca_versus_ff : PairedComparison
        FFH − FF error and similarity at ``sigma``.
    increase_versus_ff : PairedComparison
        FFH − FF of the increase of the error from ``sigmas[0]`` to ``sigma``.
    """

    sigmas: np.ndarray
    sigma: float
    index: int
    trials: int
    errors: Mapping[str, KindSummary]
    cca: Mapping[str, KindSummary]
    versus_ff: PairedComparison
    cca_versus_ff: PairedComparison
    increase_versus_ff: PairedComparison


def input_noise(evaluations, gen: GeneralizationParams) -> InputNoise:
    """Summarise the noise columns of :func:`ffhlib.generalization.run_evaluations`.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        Columns ``noise_err_s{i}`` and ``noise_cca_s{i}`` (one per ``gen.input_noise_sigmas``);
        not modified.
    gen : GeneralizationParams
    """
    sigmas = np.asarray(gen.input_noise_sigmas)
    k = gen.input_noise_sigmas.index(gen.noise_sigma)
    err = [f"noise_err_s{i}" for i in range(sigmas.size)]
    cca = [f"noise_cca_s{i}" for i in range(sigmas.size)]
    increase = evaluations.assign(noise_increase=evaluations[err[k]] - evaluations[err[0]])
    return InputNoise(
        sigmas=sigmas, sigma=gen.noise_sigma, index=k, trials=gen.noise_trials,
        errors={n: study.summarize(evaluations, err, n) for n in NETWORKS},
        cca={n: study.summarize(evaluations, cca, n) for n in NETWORKS},
        versus_ff=study.compare_kinds(evaluations, err[k], "ffh", "ff"),
        cca_versus_ff=study.compare_kinds(evaluations, cca[k], "ffh", "ff"),
        increase_versus_ff=study.compare_kinds(increase, "noise_increase", "ffh", "ff"))


# ----------------------------------------------------------------------------- training noise


@dataclasses.dataclass(frozen=True)
class NoiseCurve:
    """A measure against the training noise: mean over ground truths and its 95 % interval.

    Attributes
    ----------
    mean, low, high : ndarray (S,)
    per_ground_truth : ndarray (G, S) or None
        Each ground truth's value at every noise (None when the values' ground truths differ).
    """

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    per_ground_truth: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class NetworkNoiseEffect:
    """What the training noise does to one network's error on untrained directions.

    Attributes
    ----------
    network : str
        "FF" or "FFH".
    error_at_low, error_at_high : float
        Mean error over ground truths at the smallest and the largest training noise.
    n_lower : int
        Ground truths whose error (mean over seeds) is lower at the largest noise.
    n_ground_truths : int
    """

    network: str
    error_at_low: float
    error_at_high: float
    n_lower: int
    n_ground_truths: int


@dataclasses.dataclass(frozen=True)
class TrainingNoise:
    """The primary test repeated with the networks trained at several training noises.

    Attributes
    ----------
    values : ndarray (S,)
        The training noises, increasing.
    curves : mapping of kind to NoiseCurve
        Error on untrained directions of FF, FFH and the interpolation at every value.
    versus_ff : mapping of float to PairedComparison
        FFH − FF at every value.
    n_units : int
        Units (ground truth x seed) at each value.
    full : bool
        Whether every network seed was run (else the first of each ground truth).
    effects : tuple of NetworkNoiseEffect
        FF's and FFH's error from the smallest to the largest value.
    baseline_error : float
        The interpolation's mean error (it does not depend on the training noise).
    best_error : float
        The lower of FF's and FFH's mean errors at the largest value.
    n_new_trainings : int
        Networks trained at a value other than the study's own training noise.
    """

    values: np.ndarray
    curves: Mapping[str, NoiseCurve]
    versus_ff: Mapping[float, PairedComparison]
    n_units: int
    full: bool
    effects: tuple[NetworkNoiseEffect, ...]
    baseline_error: float
    best_error: float
    n_new_trainings: int

    @property
    def baseline_ratio(self) -> float:
        """``best_error / baseline_error`` (NaN where it cannot be computed)."""
        return _ratio(self.best_error, self.baseline_error)


def noise_tag(value: float) -> str:
    """A glue-key fragment for a noise value: ``0.05`` -> ``"0p05"``."""
    return f"{value:g}".replace(".", "p")


def training_noise(noise_study, *, study_noise: float, full: bool) -> TrainingNoise:
    """Summarise the training-noise study (:func:`ffhlib.generalization.run_training_noise`).

    Parameters
    ----------
    noise_study : pandas.DataFrame
        Study rows of FF, FFH and the interpolation with a ``sigma_train`` column.
    study_noise : float
        The training noise of the study's own networks (those are not new trainings).
    full : bool
        Whether the study ran every network seed.
    """
    values = np.asarray(sorted(noise_study["sigma_train"].unique()), dtype=float)
    by_value = {s: noise_study[noise_study["sigma_train"] == s] for s in values}
    curves = {}
    for kind in UNTRAINED_KINDS:
        per = [study.summarize(by_value[s], "gen_err", kind) for s in values]
        same = all(np.array_equal(p.ground_truths, per[0].ground_truths) for p in per)
        curves[kind] = NoiseCurve(
            mean=np.array([p.mean for p in per]), low=np.array([p.low for p in per]),
            high=np.array([p.high for p in per]),
            per_ground_truth=np.column_stack([p.per_ground_truth for p in per]) if same else None)
    lo_s, hi_s = values.min(), values.max()
    i_lo, i_hi = list(values).index(lo_s), list(values).index(hi_s)
    effects = []
    for kind, name in (("ff", "FF"), ("ffh", "FFH")):
        rows = noise_study[noise_study["network"] == kind]
        per_gt = rows.groupby(["ground_truth", "sigma_train"])["gen_err"].mean().unstack()
        effects.append(NetworkNoiseEffect(
            network=name, error_at_low=float(curves[kind].mean[i_lo]),
            error_at_high=float(curves[kind].mean[i_hi]),
            n_lower=int((per_gt[hi_s] < per_gt[lo_s]).sum()), n_ground_truths=len(per_gt)))
    ff_rows = noise_study[noise_study["network"] == "ff"]
    trained = noise_study[noise_study["network"].isin(NETWORKS)
                          & (noise_study["sigma_train"] != study_noise)]
    return TrainingNoise(
        values=values, curves=curves,
        versus_ff={float(s): study.compare_kinds(by_value[s], "gen_err", "ffh", "ff")
                   for s in values},
        n_units=int(ff_rows.groupby("sigma_train").size().iloc[0]), full=bool(full),
        effects=tuple(effects), baseline_error=float(curves["interpolation"].mean[0]),
        best_error=float(min(curves[k].mean[i_hi] for k in NETWORKS)),
        n_new_trainings=int(len(trained)))


# ----------------------------------------------------------------------------- the chapter


@dataclasses.dataclass(frozen=True)
class GeneralizationSummary:
    """Every result chapter 06 shows.

    Attributes
    ----------
    untrained, leave_one_out, unobserved, input_noise, training_noise
        The five tests' results.
    n_ground_truths, n_seeds : int
        The study's ground truths and network seeds per ground truth.
    family_size : int
        Comparisons with a computable p in the summary table's Holm family.
    training_noise_value : float
        The study's training noise.
    mean_training_seconds : float
        Mean training time of FFH in the study table (of the original runs for cached networks).
    """

    untrained: UntrainedDirections
    leave_one_out: LeaveOneOutSummary
    unobserved: UnobservedMuscles
    input_noise: InputNoise
    training_noise: TrainingNoise
    n_ground_truths: int
    n_seeds: int
    family_size: int
    training_noise_value: float
    mean_training_seconds: float


def summarize(table, evaluations, loo, noise_study, *, params: StudyParams,
              gen: GeneralizationParams, full: bool) -> GeneralizationSummary:
    """All of chapter 06's results from its four tables.

    Parameters
    ----------
    table : pandas.DataFrame
        The study (kinds ``ff``, ``ffh``, ``interpolation``).
    evaluations : pandas.DataFrame
        :func:`ffhlib.generalization.run_evaluations`.
    loo : pandas.DataFrame
        :func:`ffhlib.generalization.run_leave_one_out`.
    noise_study : pandas.DataFrame
        :func:`ffhlib.generalization.run_training_noise`.
    params : StudyParams
    gen : GeneralizationParams
    full : bool
        Whether the training-noise study ran every network seed.

    Notes
    -----
    FFH − FF of the four tests of the summary table (:data:`SUMMARY_FAMILY`) are Holm-adjusted
    together; each test's ``versus_ff`` holds its adjusted p.
    """
    tests = {"untrained": untrained_directions(table), "leave_one_out": leave_one_out_summary(loo),
             "unobserved": unobserved_muscles(evaluations, gen),
             "input_noise": input_noise(evaluations, gen)}
    family = adjust_family({key: tests[name].versus_ff for key, name in SUMMARY_FAMILY.items()})
    for key, name in SUMMARY_FAMILY.items():
        tests[name] = dataclasses.replace(tests[name], versus_ff=family[key])
    return GeneralizationSummary(
        **tests,
        training_noise=training_noise(noise_study, study_noise=params.force.training_noise,
                                      full=full),
        n_ground_truths=len(params.ground_truth_seeds), n_seeds=len(params.seeds),
        family_size=max(c.family_size for c in family.values()),
        training_noise_value=params.force.training_noise,
        mean_training_seconds=float(table[table["network"] == "ffh"]["train_seconds"].mean()))


def _untrained_values(u: UntrainedDirections) -> dict:
    return {**summary_values("gen_err", u.errors), **summary_values("gen_fit_r2", u.fit_r2),
            **comparison_values("gen", u.versus_ff),
            **comparison_values("gen_vs_interp", u.versus_interpolation),
            "gen_err_ff": u.errors["ff"].mean, "gen_err_ffh": u.errors["ffh"].mean,
            "gen_err_interp": u.errors["interpolation"].mean, "gen_ratio_ffh": u.ratio_ffh,
            "gen_ratio_ff": u.ratio_ff, "gen_beats_interp": u.beats_interpolation}


def _loo_values(loo: LeaveOneOutSummary) -> dict:
    return {**summary_values("loo_err", loo.errors), **comparison_values("loo", loo.versus_ff),
            "loo_err_ff": loo.errors["ff"].mean, "loo_err_ffh": loo.errors["ffh"].mean,
            "loo_err_interp": loo.errors["interpolation"].mean, "loo_n_units": loo.n_units,
            "loo_n_directions": loo.n_directions, "loo_fit_ff": loo.fit_ff,
            "loo_fit_ffh": loo.fit_ffh}


def _unobserved_values(u: UnobservedMuscles) -> dict:
    return {**summary_values("unobs_r2", u.r2), **comparison_values("unobs", u.versus_ff),
            "unobs_r2_ff": u.r2["ff"].mean, "unobs_r2_ffh": u.r2["ffh"].mean,
            "unobs_r2_soc_observed": u.r2["hints"].mean, "unobs_r2_soc_all": u.r2["soc"].mean,
            "ridge_penalty": u.penalty, "readout_folds": u.folds,
            "unobs_sweep_diff_min": float(u.difference_by_penalty.min()),
            "unobs_sweep_diff_max": float(u.difference_by_penalty.max()),
            "unobs_penalty_min": float(u.penalties.min()),
            "unobs_penalty_max": float(u.penalties.max())}


def _noise_values(n: InputNoise) -> dict:
    k, err, cca = n.index, n.errors, n.cca
    return {**comparison_values("noise", n.versus_ff),
            **comparison_values("noise_cca", n.cca_versus_ff),
            **comparison_values("noise_increase", n.increase_versus_ff),
            "noise_sigma": n.sigma, "noise_trials": n.trials,
            "noise_err_ff": err["ff"].mean[k], "noise_err_ffh": err["ffh"].mean[k],
            "noise_err_ff_lo": err["ff"].low[k], "noise_err_ff_hi": err["ff"].high[k],
            "noise_err_ffh_lo": err["ffh"].low[k], "noise_err_ffh_hi": err["ffh"].high[k],
            "noise_err_ff_0": err["ff"].mean[0], "noise_err_ffh_0": err["ffh"].mean[0],
            "noise_cca_ff": cca["ff"].mean[k], "noise_cca_ffh": cca["ffh"].mean[k]}


def _training_noise_values(t: TrainingNoise) -> dict:
    values = {}
    for i, s in enumerate(t.values):
        tag = noise_tag(s)
        values.update({f"gen_noise_{tag}_ff": t.curves["ff"].mean[i],
                       f"gen_noise_{tag}_ffh": t.curves["ffh"].mean[i],
                       f"gen_noise_{tag}_pvalue": t.versus_ff[float(s)].wilcoxon_p})
    values["gen_noise_values_text"] = ", ".join(f"{s:g}" for s in t.values)
    return values


def glue_values(summary: GeneralizationSummary, example: UntrainedExample, *,
                chapter_seconds: float, n_workers: int) -> dict:
    """The numbers chapter 06 glues, by key (the sentences come from :mod:`ffhlib.report`).

    Parameters
    ----------
    summary : GeneralizationSummary
    example : UntrainedExample
        The unit of the EMG figure (and the ground truth's number of directions).
    chapter_seconds : float
        Wall time of the chapter's runs.
    n_workers : int
        Worker processes (for the cold-cache estimate).

    Returns
    -------
    dict
        ``{key: value}``; values are Python or NumPy scalars and plain strings.

    Notes
    -----
    The cold-cache estimate counts the leave-one-out trainings (FF and FFH per unit) and the
    training-noise networks at other noises than the study's, each at FFH's mean training time,
    spread over ``n_workers``.
    """
    loo, noise = summary.leave_one_out, summary.training_noise
    extra = noise.n_new_trainings + 2 * loo.n_units
    n = example.n_directions
    return {**_untrained_values(summary.untrained), **_loo_values(loo),
            **_unobserved_values(summary.unobserved), **_noise_values(summary.input_noise),
            **_training_noise_values(noise),
            "gen_training_noise": summary.training_noise_value,
            "n_ground_truths": summary.n_ground_truths, "n_seeds": summary.n_seeds,
            "gen_family_size": summary.family_size, "gen_n_boot": N_BOOT,
            "gen_n_directions": n, "gen_offset_deg": 180 / n, "gen_loo_gap_deg": 2 * 360 / n,
            "gen_unit_ground_truth": example.ground_truth, "gen_unit_seed": example.seed,
            "gen_cold_trainings": extra,
            "gen_cold_minutes": extra * summary.mean_training_seconds / 60 / n_workers,
            "gen_cold_workers": n_workers, "chapter_seconds": chapter_seconds}
