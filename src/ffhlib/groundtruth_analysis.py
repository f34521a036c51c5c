"""What chapters 1-3 measure on the ground truth: small pure functions behind their figures.

- :func:`direction_correlation`: how similar the EMG of neighbouring and opposite directions is;
- :func:`correlation_vs_angle_scale`: the same as a function of the GP's angular length scale;
- :func:`kernel_variance_lost`: what the truncated Fourier series of the periodic kernel leaves out;
- :func:`transient_amplification`: the SOC's linear response from its most amplified state and
  from random states;
- :func:`gain_fit_summary` and :func:`ground_truth_fits`: how well gain modulation reproduces the
  EMG, for one ground truth and for several (one row per ground truth and direction);
- :func:`most_variable_neurons`;
- :func:`gain_chapter_params`, :func:`seeds_to_build` and :func:`gain_chapter_values`: chapter 3's
  settings and every value it glues;
- :func:`format_small`: a number as text, or "below" a bound where it is rounding noise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._validate import check_array, check_float, check_int, check_seed
from .amplification import linear_response_norm, most_amplified_direction
from .emg import EMGParams, emg_targets, periodic_kernel_coefficients
from .gains import gain_similarity
from .groundtruth import GroundTruth, GroundTruthParams, make_ground_truth
from .inference import bootstrap_curve_interval
from .parallel import map_jobs
from .report import gain_bound_verdict, gain_validity_verdict
from .soc import SOCParams
from .summaries import BOOT_SEED, N_BOOT

__all__ = [
    "Amplification",
    "DirectionCorrelation",
    "GainFitSummary",
    "GroundTruthFits",
    "ScaleSensitivity",
    "SimilarityCurve",
    "correlation_vs_angle_scale",
    "direction_correlation",
    "fits_table",
    "format_small",
    "gain_chapter_params",
    "gain_chapter_values",
    "gain_fit_summary",
    "gain_similarity_over_ground_truths",
    "ground_truth_fits",
    "kernel_variance_lost",
    "most_variable_neurons",
    "n_invalid_ground_truths",
    "seeds_argument",
    "seeds_to_build",
    "transient_amplification",
    "unexplained_variance",
]


# --- chapter 1: EMG ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DirectionCorrelation:
    """Mean correlation of the EMG of two directions, over time and muscles.

    Attributes
    ----------
    neighbour : float
        Mean over directions c of corr(EMG_c, EMG_{c+1}) (cyclic).
    opposite : float
        Mean over c of corr(EMG_c, EMG_{c + C/2}) (cyclic; C // 2 steps apart).
    """

    neighbour: float
    opposite: float


def direction_correlation(emg) -> DirectionCorrelation:
    """Mean correlation between the EMG of neighbouring and of opposite directions.

    Parameters
    ----------
    emg : array_like, shape (C, T, M)
        EMG of C >= 2 equally spaced directions in angular order.

    Returns
    -------
    DirectionCorrelation

    Notes
    -----
    Each direction's EMG is flattened over (time, muscles) and the Pearson correlations of the
    C x C matrix are averaged over the pairs ``(c, c + 1 mod C)`` and ``(c, c + C//2 mod C)``.
    """
    emg = check_array("emg", emg, ndim=3)
    n = emg.shape[0]
    if n < 2:
        raise ValueError(f"direction_correlation needs at least 2 directions, got {n}")
    corr = np.corrcoef(emg.reshape(n, -1))
    idx = np.arange(n)
    return DirectionCorrelation(neighbour=float(corr[idx, (idx + 1) % n].mean()),
                                opposite=float(corr[idx, (idx + n // 2) % n].mean()))


@dataclass(frozen=True)
class ScaleSensitivity:
    """:func:`direction_correlation` as a function of the GP's angular length scale.

    Attributes
    ----------
    scales : ndarray, shape (S,)
        Angular length scales (rad).
    neighbour, opposite : ndarray, shape (S,)
    """

    scales: np.ndarray
    neighbour: np.ndarray
    opposite: np.ndarray


def correlation_vs_angle_scale(params: EMGParams, scales, angles, seed: int) -> ScaleSensitivity:
    """EMG correlation of neighbouring and opposite directions for several angular length scales.

    Parameters
    ----------
    params : EMGParams
        Everything but ``angle_scale_rad`` is kept.
    scales : array_like, shape (S,)
        Values of ``angle_scale_rad`` (rad).
    angles : array_like, shape (C,)
        Equally spaced reach angles (rad) in angular order.
    seed : int
        Seed of the EMG draw (the same for every scale).

    Returns
    -------
    ScaleSensitivity
    """
    scales = check_array("scales", scales, ndim=1)
    seed = check_seed("seed", seed)
    results = [direction_correlation(emg_targets(
        dataclasses.replace(params, angle_scale_rad=float(s)), angles, seed).emg) for s in scales]
    return ScaleSensitivity(scales=scales.copy(),
                            neighbour=np.array([r.neighbour for r in results]),
                            opposite=np.array([r.opposite for r in results]))


def kernel_variance_lost(params: EMGParams) -> float:
    """Fraction of the periodic kernel's variance that the ``n_harmonics`` series leaves out.

    Returns
    -------
    float
        ``1 - sum(a_0 .. a_H)``, clipped at 0 (rounding can make the sum exceed 1 by ~1e-16).
    """
    coefficients = periodic_kernel_coefficients(params.angle_scale_rad, params.n_harmonics)
    return max(0.0, float(1.0 - coefficients.sum()))


def format_small(value: float, *, floor: float = 1e-6, digits: int = 2) -> str:
    """A non-negative number as prose: "below 10⁻⁶" when it is under ``floor``.

    Parameters
    ----------
    value : float
    floor : float
        A positive power of ten (the bound that is quoted).
    digits : int
        Significant digits otherwise.

    Returns
    -------
    str
        e.g. ``format_small(3e-9) == "below 10⁻⁶"``, ``format_small(0.0123) == "0.012"``.
    """
    value = check_float("value", value)
    floor = check_float("floor", floor, minimum=0.0, exclusive_minimum=True)
    exponent = np.log10(floor)
    if abs(exponent - round(exponent)) > 1e-9:
        raise ValueError(f"floor must be a power of ten, got {floor}")
    if abs(value) < floor:
        superscript = str(int(round(exponent))).translate(str.maketrans("-0123456789",
                                                                         "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"below 10{superscript}"
    return f"{value:.{check_int('digits', digits, minimum=1)}g}"


# --- chapter 2: SOC ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Amplification:
    """The linear response of the SOC from its most amplified state and from random states.

    Attributes
    ----------
    time_ms : ndarray, shape (T,)
    norm_best : ndarray, shape (T,)
        ``||x(t)|| / ||x(0)||`` from the most amplified initial state.
    norm_random : ndarray, shape (K, T)
        The same from K random initial states of the same norm.
    peak : float
        Maximum of ``norm_best``.
    peak_time_ms : float
        When it is reached.
    random_peaks : ndarray, shape (K,)
        Maximum of each random response.
    """

    time_ms: np.ndarray
    norm_best: np.ndarray
    norm_random: np.ndarray
    peak: float
    peak_time_ms: float
    random_peaks: np.ndarray


def transient_amplification(W, time_ms, *, tau_ms: float, n_random: int,
                            rng) -> Amplification:
    r"""Transient amplification of :math:`\tau\dot x = -x + Wx` (Hennequin et al. 2014).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Spectral abscissa < 1.
    time_ms : array_like, shape (T,)
        Uniform times from 0 (ms).
    tau_ms : float
    n_random : int
        Number of random unit-norm initial states (isotropic Gaussian directions).
    rng : int or numpy Generator
        Draws the random states.

    Returns
    -------
    Amplification
    """
    n_random = check_int("n_random", n_random, minimum=1)
    rng = np.random.default_rng(rng)
    W = np.asarray(W, dtype=float)
    X = rng.standard_normal((n_random, W.shape[0]))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    time_ms = check_array("time_ms", time_ms, ndim=1)
    best = linear_response_norm(W, most_amplified_direction(W), time_ms, tau_ms=tau_ms)
    random = linear_response_norm(W, X, time_ms, tau_ms=tau_ms)
    k = int(np.argmax(best))
    return Amplification(time_ms=time_ms, norm_best=best, norm_random=random,
                         peak=float(best[k]), peak_time_ms=float(time_ms[k]),
                         random_peaks=random.max(axis=1))


# --- chapter 3: gain modulation ------------------------------------------------------------------

@dataclass(frozen=True)
class GainFitSummary:
    """How well one ground truth's gains reproduce the EMG targets.

    Attributes
    ----------
    r2 : float
        Over all directions, muscles and time.
    r2_min : float
        Of the worst direction.
    worst_angle_deg : float
        That direction (degrees).
    n_at_bound : int
        Learned gains equal (to 1e-8 relative) to the lower or upper bound.
    n_gains : int
        All learned gains (directions x neurons).
    """

    r2: float
    r2_min: float
    worst_angle_deg: float
    n_at_bound: int
    n_gains: int

    @property
    def fraction_at_bound(self) -> float:
        """``n_at_bound / n_gains``."""
        return self.n_at_bound / self.n_gains


def gain_fit_summary(gt: GroundTruth, gain_min: float, gain_max: float) -> GainFitSummary:
    """Summary of a ground truth's fit and of its gains against the optimizer's bounds.

    Parameters
    ----------
    gt : GroundTruth
    gain_min, gain_max : float
        The bounds the gains were clipped to (``GainParams.gain_min``, ``gain_max``).

    Returns
    -------
    GainFitSummary
    """
    worst = int(np.argmin(gt.r2_per_direction))
    at_bound = (np.isclose(gt.gains, gain_min, rtol=1e-8, atol=0.0)
                | np.isclose(gt.gains, gain_max, rtol=1e-8, atol=0.0))
    return GainFitSummary(r2=float(gt.r2), r2_min=float(gt.r2_per_direction[worst]),
                          worst_angle_deg=float(np.degrees(gt.angles[worst])),
                          n_at_bound=int(at_bound.sum()), n_gains=int(gt.gains.size))


@dataclass(frozen=True)
class GroundTruthFits:
    """Gain-learning fits of several ground truths: a tidy table, one row per (seed, direction).

    Attributes
    ----------
    seed : ndarray of int, shape (R,)
    angle_deg : ndarray, shape (R,)
    is_training : ndarray of bool, shape (R,)
    r2 : ndarray, shape (R,)
        R^2 of the SOC's EMG against the GP target, for that direction (muscles x time).
    r2_overall : dict of int to float
        Each ground truth's R^2 over all its directions.
    seconds : dict of int to float
        Each ground truth's gain-learning time (when it was computed).
    """

    seed: np.ndarray
    angle_deg: np.ndarray
    is_training: np.ndarray
    r2: np.ndarray
    r2_overall: dict
    seconds: dict

    @property
    def seeds(self) -> list[int]:
        """The ground truths' seeds, in the order given."""
        return list(self.r2_overall)

    def column(self, name: str, seed: int) -> np.ndarray:
        """The rows of one ground truth, in direction order, for column ``name``."""
        return getattr(self, name)[self.seed == seed]

    def rows(self) -> list[dict]:
        """The table as records (e.g. for a CSV file)."""
        return [{"seed": int(s), "angle_deg": float(a), "is_training": bool(t), "r2": float(r)}
                for s, a, t, r in zip(self.seed, self.angle_deg, self.is_training, self.r2,
                                      strict=True)]


def fits_table(ground_truths: Mapping[int, GroundTruth]) -> GroundTruthFits:
    """The tidy fit table of ground truths already built (``{seed: GroundTruth}``)."""
    if not ground_truths:
        raise ValueError("fits_table needs at least one ground truth")
    parts = [(seed, gt) for seed, gt in ground_truths.items()]
    return GroundTruthFits(
        seed=np.concatenate([np.full(gt.n_directions, seed) for seed, gt in parts]),
        angle_deg=np.concatenate([np.degrees(gt.angles) for _, gt in parts]),
        is_training=np.concatenate([gt.is_training for _, gt in parts]),
        r2=np.concatenate([gt.r2_per_direction for _, gt in parts]),
        r2_overall={int(seed): float(gt.r2) for seed, gt in parts},
        seconds={int(seed): float(gt.seconds) for seed, gt in parts})


def seeds_argument(name: str, value) -> tuple[int, ...]:
    """A chapter parameter holding distinct seeds, as papermill may pass it.

    Parameters
    ----------
    name : str
        The parameter's name (for messages).
    value : sequence of int, or str
        e.g. ``(0, 1, 2)``, or ``"[0, 1, 2]"`` / ``"0, 1, 2"`` as typed on the command line.

    Returns
    -------
    tuple of int
        Non-negative, distinct, at least one.
    """
    if isinstance(value, str):
        import ast

        try:
            value = ast.literal_eval(value.strip() if value.strip().startswith(("(", "["))
                                     else f"({value},)")
        except (ValueError, SyntaxError):
            raise ValueError(f"{name} must be a list of seeds, e.g. [0, 1, 2]; got {value!r}") \
                from None
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(f"{name} must be a sequence of seeds, got {type(value).__name__}")
    seeds = tuple(check_seed(name, s) for s in value)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"{name} must hold distinct seeds, at least one; got {seeds}")
    return seeds


def _build(params: GroundTruthParams, seed: int) -> GroundTruth:
    return make_ground_truth(params, seed, progress=False)


def ground_truth_fits(params: GroundTruthParams, seeds: Sequence[int], *, n_jobs: int = 1,
                      progress: bool = False) -> tuple[dict, GroundTruthFits]:
    """Build (or load from the cache) the ground truth of each seed and tabulate their fits.

    Parameters
    ----------
    params : GroundTruthParams
    seeds : sequence of int
        Distinct seeds; each is an independent ground truth (EMG, SOC and gains).
    n_jobs : int
        Worker processes (the ground truths are independent).
    progress : bool

    Returns
    -------
    (dict of int to GroundTruth, GroundTruthFits)
        The ground truths by seed, and their fit table.
    """
    seeds = [check_seed("seed", s) for s in seeds]
    if len(set(seeds)) != len(seeds) or not seeds:
        raise ValueError(f"seeds must be distinct and non-empty, got {seeds}")
    built = map_jobs(_build, [(params, s) for s in seeds], n_jobs=n_jobs, progress=progress,
                     desc="ground truths")
    ground_truths = dict(zip(seeds, built, strict=True))
    return ground_truths, fits_table(ground_truths)


@dataclass(frozen=True)
class SimilarityCurve:
    """The correlation of gain profiles against angular distance, over several ground truths.

    Attributes
    ----------
    separation : ndarray, shape (S,)
        Angular distance between two directions (rad), ascending.
    mean, lo, hi : ndarray, shape (S,)
        Mean over ground truths and its 95 % percentile bootstrap interval over ground truths
        (:data:`ffhlib.summaries.N_BOOT` resamples, never clipped; NaN with fewer than 3 ground
        truths: show each ground truth instead).
    per_ground_truth : ndarray, shape (G, S)
        Each ground truth's curve (:func:`ffhlib.gains.gain_similarity`).
    """

    separation: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    per_ground_truth: np.ndarray


def gain_similarity_over_ground_truths(ground_truths: Mapping[int, GroundTruth]) -> SimilarityCurve:
    """:func:`ffhlib.gains.gain_similarity` of each ground truth, with a 95 % percentile bootstrap
    interval over them.

    Parameters
    ----------
    ground_truths : mapping of int to GroundTruth
        Independent ground truths with the same directions.

    Returns
    -------
    SimilarityCurve
    """
    if not ground_truths:
        raise ValueError("need at least one ground truth")
    curves = [gain_similarity(gt.gains, gt.angles) for gt in ground_truths.values()]
    separation = curves[0][0]
    if any(c[0].shape != separation.shape or not np.allclose(c[0], separation) for c in curves):
        raise ValueError("the ground truths must share their reach directions")
    per = np.array([c[1] for c in curves])
    boot = bootstrap_curve_interval(per, n_boot=N_BOOT, rng=BOOT_SEED)
    return SimilarityCurve(separation=separation, mean=boot.mean, lo=boot.low, hi=boot.high,
                           per_ground_truth=per)


def most_variable_neurons(rates, k: int) -> np.ndarray:
    """Indices of the ``k`` neurons whose rate varies most over directions and time.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
    k : int

    Returns
    -------
    ndarray of int, shape (min(k, N),)
        Largest variance first.
    """
    rates = check_array("rates", rates, ndim=3)
    k = check_int("k", k, minimum=1)
    variance = rates.reshape(-1, rates.shape[2]).var(axis=0)
    return np.argsort(variance)[::-1][:k]


def gain_chapter_params(quick: bool = False, *, n_steps: int | None = None,
                        learning_rate: float | None = None) -> GroundTruthParams:
    """Chapter 3's ground-truth parameters: the preset (quick or full), with the gain-learning
    knobs that are not ``None`` replaced."""
    params = GroundTruthParams.quick() if quick else GroundTruthParams()
    knobs = {"n_steps": n_steps, "learning_rate": learning_rate}
    return dataclasses.replace(params, gains=dataclasses.replace(
        params.gains, **{k: v for k, v in knobs.items() if v is not None}))


def seeds_to_build(seed: int, ground_truth_seeds: Sequence[int], quick: bool = False) -> list[int]:
    """The ground truths chapter 3 builds: ``seed`` (the one detailed) first, then
    ``ground_truth_seeds`` (only the first two in quick mode), each once."""
    seeds = list(ground_truth_seeds)
    return list(dict.fromkeys([seed, *(seeds[:2] if quick else seeds)]))


def unexplained_variance(fits: GroundTruthFits) -> np.ndarray:
    """``1 - R^2`` of each ground truth (row, in ``fits.seeds`` order) and direction (column)."""
    return np.array([1.0 - fits.column("r2", s) for s in fits.seeds])


def n_invalid_ground_truths(fits: GroundTruthFits, valid_r2: float) -> int:
    """Ground truths with at least one direction whose R^2 is below ``valid_r2``."""
    valid_r2 = check_float("valid_r2", valid_r2, maximum=1.0)
    return len({int(s) for s, r2 in zip(fits.seed, fits.r2, strict=True) if r2 < valid_r2})


def gain_chapter_values(params: GroundTruthParams, ground_truths: Mapping[int, GroundTruth],
                        fits: GroundTruthFits, curve: SimilarityCurve, seed: int, *,
                        n_jobs: int, valid_r2: float) -> dict:
    """Every value chapter 3 glues, by key.

    Parameters
    ----------
    params : GroundTruthParams
        The parameters the ground truths were built with.
    ground_truths : mapping of int to GroundTruth
        Every ground truth built, by seed (the first key's order is the chapter's).
    fits : GroundTruthFits
        :func:`fits_table` of ``ground_truths``.
    curve : SimilarityCurve
        :func:`gain_similarity_over_ground_truths` of ``ground_truths``.
    seed : int
        The ground truth the chapter details.
    n_jobs : int
        Worker processes that built them.
    valid_r2 : float
        A ground truth is valid when each of its directions reaches this R^2.

    Returns
    -------
    dict
        Floats, ints and strings (plain Python types).
    """
    if seed not in ground_truths:
        raise ValueError(f"seed {seed} is not among the ground truths {list(ground_truths)}")
    gt = ground_truths[seed]
    fit = gain_fit_summary(gt, params.gains.gain_min, params.gains.gain_max)
    separation, similarity = gain_similarity(gt.gains, gt.angles)
    step = min(100, len(gt.r2_trace) - 1)
    floats = {
        "gain_r2": fit.r2, "gain_r2_min": fit.r2_min, "gain_r2_min_angle": fit.worst_angle_deg,
        "gain_r2_training": gt.training.r2, "gain_r2_intermediate": gt.intermediate.r2,
        "gain_seconds": gt.seconds, "gain_lr": params.gains.learning_rate,
        "gain_all_seconds": sum(g.seconds for g in ground_truths.values()),
        "gain_n_jobs": n_jobs,
        "gain_bound_min": params.gains.gain_min, "gain_bound_max": params.gains.gain_max,
        "gain_min_learned": gt.gains.min(), "gain_max_learned": gt.gains.max(),
        "gain_peak_rate": gt.rates.max(), "gain_r2_initial": gt.r2_trace[0],
        "gain_r2_at_step": gt.r2_trace[step], "gain_fraction_at_bound": fit.fraction_at_bound,
        "gain_neighbour_corr": similarity[1], "gain_neighbour_deg": np.degrees(separation[1]),
        "gain_opposite_corr": similarity[-1],
        "gain_neighbour_corr_mean": curve.mean[1], "gain_opposite_corr_mean": curve.mean[-1],
        "gain_r2_ground_truths_min": fits.r2.min(),
        "gain_r2_ground_truths_overall_min": min(fits.r2_overall.values()),
        "gain_valid_r2": valid_r2,
        **{f"rate_{name}": getattr(params.rates, name)
           for name in ("tau_ms", "r0", "r_max", "dt_ms", "x0_norm")}}
    ints = {
        "gain_steps": params.gains.n_steps, "gain_n_training": params.n_directions,
        "gain_n_directions": gt.n_directions, "gain_n_neurons": gt.n_neurons,
        "gain_check_step": step, "gain_n_at_bound": fit.n_at_bound, "gain_n_gains": fit.n_gains,
        "gain_seed": seed, "n_ground_truths": len(ground_truths),
        "gain_paper_n_neurons": SOCParams().n_neurons, "gain_n_muscles": gt.n_muscles}
    return {
        **{k: float(v) for k, v in floats.items()}, **{k: int(v) for k, v in ints.items()},
        "gain_ground_truth_seeds": ", ".join(str(s) for s in ground_truths),
        "gain_muscle_range": f"m1–m{gt.n_muscles}",
        "gain_validity_verdict": gain_validity_verdict(n_invalid_ground_truths(fits, valid_r2),
                                                       len(ground_truths)),
        "gain_bound_verdict": gain_bound_verdict(fit.n_at_bound)}
