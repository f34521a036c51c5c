"""Generalization and robustness of trained RNNs: untrained directions, held-out directions,
unobserved muscles, noisy inputs (METHODS.md Sec. 5).

Salatiello & Giese (2020) state that FFH "significantly improves" generalization over FF
[abstract]; the protocol is not given, so every test here is a [choice], stated where it is made:

1. **Untrained directions** (:func:`untrained_direction_error`): networks trained on the 8 training
   directions are run with the inputs of the 8 intermediate directions (22.5 deg offsets) and their
   EMG is compared with the ground truth's there.
2. **Leave one direction out** (:func:`leave_one_out_error`): train on 7 of the 8 training
   directions, test on the 8th; ``folds`` picks which directions are held out (a subset keeps the
   cost bounded: each fold is a full training run).
3. **Unobserved muscles** (:func:`unobserved_muscle_r2`): a ridge readout of the muscles the
   networks never saw (60 %) from each network's units, fitted on some directions and scored on the
   others (folds over *directions*, never over time points of one direction).
4. **Robustness** (:func:`noise_sweep`, after Kao 2019): Gaussian noise of std ``sigma`` on the
   inputs at test time; EMG error and CCA similarity with the SOC as functions of ``sigma``.

The error measure throughout is :func:`emg_error`, one minus the coefficient of determination
pooled over muscles and time (per direction) or over muscles, time and directions (overall).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from . import experiments, fullforce
from ._params import param
from ._validate import check_array, check_float, check_int, check_seed
from .cache import cached
from .experiments import ExperimentParams
from .observe import observe
from .parallel import map_jobs
from .similarity import compare
from .stats import mean_interval

__all__ = [
    "NETS",
    "angular_interpolation",
    "EMGError",
    "GeneralizationParams",
    "NoiseSweep",
    "ReadoutScore",
    "RidgeReadout",
    "curve_summary",
    "direction_folds",
    "emg_error",
    "evaluate_seed",
    "evaluate_seeds",
    "leave_one_out_error",
    "leave_one_out_folds",
    "leave_one_out_seeds",
    "loo_fold",
    "noise_sweep",
    "ridge_fit",
    "unobserved_muscle_r2",
]


def _check_tuple(name, values, *, minimum=None, maximum=None, kind=float, allow_empty=False):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a tuple of numbers, got {values!r}")
    values = tuple(values)
    if not values and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if kind is int:
        out = tuple(check_int(f"{name}[{i}]", v, minimum=minimum, maximum=maximum)
                    for i, v in enumerate(values))
    else:
        out = tuple(check_float(f"{name}[{i}]", v, minimum=minimum, maximum=maximum)
                    for i, v in enumerate(values))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a value, got {values!r}")
    return out


@dataclass(frozen=True)
class GeneralizationParams:
    """What the generalization chapter measures, and how much of it (METHODS.md Sec. 5).

    The networks themselves (size, passes, training noise, hint gain) are set by
    :class:`ffhlib.fullforce.ForceParams`; these parameters only say how they are tested.
    """

    training_noise_values: tuple = param(
        (0.0, 0.05, 0.1),
        doc="values of ForceParams.training_noise (the state-noise std during training) studied "
            "on the validation split (leave one training direction out)",
        provenance="choice")
    study_seeds: int = param(
        2, doc="seeds of the training-noise study (each seed: one held-out training direction, "
               "FF and FFH at every noise value); kept small because every run is a training",
        provenance="choice")
    loo_folds: tuple = param(
        (0, 3, 6, 1, 4, 7, 2, 5),
        doc="training directions held out by the leave-one-out test; seed s holds out "
            "loo_folds[s % len(loo_folds)] (one fold per seed keeps the cost at one extra "
            "training per network and seed; this order spreads consecutive seeds around the "
            "circle)", provenance="choice")
    loo_seeds: int = param(
        10, doc="seeds of the leave-one-direction-out test (paired FF/FFH; METHODS.md §6: >= 10); "
                "each is one extra training of both networks", provenance="choice")
    input_noise_sigmas: tuple = param(
        (0.0, 0.1, 0.2, 0.4, 0.6, 0.8),
        doc="std of the Gaussian noise added to every input channel at every step at test time "
            "(robustness sweep; the inputs are cos, sin of the angle and a go pulse of 1)",
        unit="input units", provenance="choice")
    noise_sigma: float = param(
        0.4, doc="the input-noise std whose paired FF/FFH comparison the chapter quotes (where "
                 "the EMG error of both networks has left its noiseless value)",
        unit="input units", provenance="choice")
    noise_trials: int = param(
        4, doc="noisy trials per direction and noise level (errors are averaged over them)",
        provenance="choice")
    ridge_penalty: float = param(
        0.1, doc="ridge penalty of the unobserved-muscle readout, relative to the mean feature "
                 "variance times the number of samples (the sweep shows the sensitivity)",
        provenance="choice")
    ridge_penalties: tuple = param(
        (1e-4, 1e-3, 1e-2, 1e-1, 1.0),
        doc="relative ridge penalties of the readout's sensitivity sweep (must hold ridge_penalty)",
        provenance="choice")
    readout_folds: int = param(
        8, doc="folds over the training directions for the unobserved-muscle readout "
               "(8 = leave one direction out)", provenance="choice")
    pca_dim: int = param(
        6, doc="PCA dimension of the CCA similarity in the noise sweep (as chapter 05)",
        provenance="choice")

    def __post_init__(self):
        object.__setattr__(self, "training_noise_values", _check_tuple(
            "training_noise_values", self.training_noise_values, minimum=0.0))
        check_int("study_seeds", self.study_seeds, minimum=1)
        object.__setattr__(self, "loo_folds", _check_tuple(
            "loo_folds", self.loo_folds, minimum=0, kind=int))
        check_int("loo_seeds", self.loo_seeds, minimum=1)
        object.__setattr__(self, "input_noise_sigmas", _check_tuple(
            "input_noise_sigmas", self.input_noise_sigmas, minimum=0.0))
        check_float("noise_sigma", self.noise_sigma, minimum=0.0)
        if self.noise_sigma not in self.input_noise_sigmas:
            raise ValueError(f"noise_sigma={self.noise_sigma} must be one of input_noise_sigmas "
                             f"{self.input_noise_sigmas}")
        check_int("noise_trials", self.noise_trials, minimum=1)
        check_float("ridge_penalty", self.ridge_penalty, minimum=0.0)
        object.__setattr__(self, "ridge_penalties", _check_tuple(
            "ridge_penalties", self.ridge_penalties, minimum=0.0))
        if self.ridge_penalty not in self.ridge_penalties:
            raise ValueError(f"ridge_penalty={self.ridge_penalty} must be one of ridge_penalties "
                             f"{self.ridge_penalties}")
        check_int("readout_folds", self.readout_folds, minimum=2)
        check_int("pca_dim", self.pca_dim, minimum=1)

    @classmethod
    def quick(cls) -> GeneralizationParams:
        """Reduced preset for quick mode: one extra noise value, few folds, seeds and trials."""
        return cls(training_noise_values=(0.0,), study_seeds=1, loo_folds=(0, 4),
                   loo_seeds=2, input_noise_sigmas=(0.0, 0.4, 0.8), noise_trials=2,
                   readout_folds=4, pca_dim=3)


# --------------------------------------------------------------------------------------------
# Error measure
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EMGError:
    """Normalised EMG error of a prediction, per direction and overall.

    Attributes
    ----------
    per_direction : ndarray, shape (C,)
        ``1 - R^2`` of each direction, pooled over muscles and time.
    overall : float
        ``1 - R^2`` pooled over directions, muscles and time (the SS-weighted mean of
        ``per_direction``).
    r2 : float
        ``1 - overall``.

    Notes
    -----
    With :math:`\\bar y_k` the mean of muscle :math:`k` over all directions and times,

    .. math:: E_c = \\frac{\\sum_{t,k} (\\hat y_{ctk} - y_{ctk})^2}
                           {\\sum_{t,k} (y_{ctk} - \\bar y_k)^2}, \\qquad
              E = \\frac{\\sum_{c,t,k} (\\hat y_{ctk} - y_{ctk})^2}
                        {\\sum_{c,t,k} (y_{ctk} - \\bar y_k)^2}.

    0 is a perfect prediction, 1 is as good as predicting each muscle's mean, and values above 1
    are worse than that.
    """

    per_direction: np.ndarray
    overall: float

    @property
    def r2(self) -> float:
        """Coefficient of determination pooled over everything, ``1 - overall``."""
        return 1.0 - self.overall


def emg_error(predicted, target) -> EMGError:
    """``1 - R^2`` of ``predicted`` EMG against ``target`` (see :class:`EMGError`).

    Parameters
    ----------
    predicted, target : array_like, shape (C, T, M)
        Directions, time, muscles (the same muscles in the same order).

    Returns
    -------
    EMGError
    """
    target = check_array("target", target, ndim=3)
    predicted = check_array("predicted", predicted, ndim=3, finite=False)
    if predicted.shape != target.shape:
        raise ValueError(f"predicted and target must have one shape, got {predicted.shape} "
                         f"and {target.shape}")
    reference = target.mean(axis=(0, 1), keepdims=True)
    sst = ((target - reference) ** 2).sum(axis=(1, 2))
    if np.any(sst <= 0):
        raise ValueError("target is constant in some direction: its R^2 is undefined")
    sse = ((predicted - target) ** 2).sum(axis=(1, 2))
    return EMGError(per_direction=sse / sst, overall=float(sse.sum() / sst.sum()))


def angular_interpolation(values, angles, new_angles) -> np.ndarray:
    """Linear interpolation in reach angle between the nearest known directions (periodic).

    The baseline every network is compared with: it knows the ground truth at the training
    directions and nothing else.

    Parameters
    ----------
    values : array_like, shape (C, ...)
        Known values (e.g. EMG, (C, T, M)) at ``angles``.
    angles : array_like, shape (C,)
        Known directions (rad), distinct modulo 2 pi, C >= 2.
    new_angles : array_like, shape (C_new,)
        Directions to predict (rad).

    Returns
    -------
    ndarray, shape (C_new, ...)

    Notes
    -----
    For :math:`\theta` between the neighbouring known directions :math:`\theta_a < \theta <
    \theta_b` (on the circle), :math:`\\hat v(\theta) = \frac{(\theta_b - \theta) v_a +
    (\theta - \theta_a) v_b}{\theta_b - \theta_a}`; half-way between two directions it is their
    average.
    """
    values = check_array("values", values)
    angles = check_array("angles", angles, ndim=1)
    new_angles = check_array("new_angles", np.atleast_1d(new_angles), ndim=1)
    if values.ndim < 1 or values.shape[0] != angles.size:
        raise ValueError(f"values must have {angles.size} directions on axis 0, got shape "
                         f"{values.shape}")
    if angles.size < 2:
        raise ValueError("angular_interpolation needs at least 2 known directions")
    two_pi = 2 * np.pi
    wrapped = np.mod(angles, two_pi)
    order = np.argsort(wrapped)
    sorted_angles = wrapped[order]
    gaps = np.diff(np.concatenate([sorted_angles, [sorted_angles[0] + two_pi]]))
    if np.any(gaps <= 1e-12):
        raise ValueError("angles must be distinct modulo 2 pi")
    ext = np.concatenate([sorted_angles, [sorted_angles[0] + two_pi]])
    ext_index = np.concatenate([order, order[:1]])
    out = np.empty((new_angles.size, *values.shape[1:]))
    for i, theta in enumerate(np.mod(new_angles, two_pi)):
        if theta < ext[0]:
            theta += two_pi
        b = int(np.searchsorted(ext, theta, side="right"))
        b = min(max(b, 1), ext.size - 1)
        a = b - 1
        w = (theta - ext[a]) / (ext[b] - ext[a])
        out[i] = (1 - w) * values[ext_index[a]] + w * values[ext_index[b]]
    return out


# --------------------------------------------------------------------------------------------
# Folds over directions
# --------------------------------------------------------------------------------------------


def direction_folds(n_directions: int, n_folds: int) -> list[np.ndarray]:
    """Interleaved folds over directions: fold ``f`` holds the directions ``c % n_folds == f``.

    Interleaving (rather than contiguous blocks) makes every held-out direction lie between
    training directions, so the test is interpolation, not extrapolation over a gap.

    Parameters
    ----------
    n_directions : int
        Number of directions (>= 2).
    n_folds : int
        ``2 <= n_folds <= n_directions``; ``n_folds == n_directions`` is leave one out.

    Returns
    -------
    list of ndarray
        The test indices of each fold (disjoint, together all directions); the training indices
        of fold ``f`` are all the others.
    """
    n_directions = check_int("n_directions", n_directions, minimum=2)
    n_folds = check_int("n_folds", n_folds, minimum=2, maximum=n_directions)
    index = np.arange(n_directions)
    return [index[index % n_folds == f] for f in range(n_folds)]


def leave_one_out_folds(n_directions: int, folds=None) -> list[tuple[np.ndarray, int]]:
    """Leave-one-direction-out splits: ``(train_indices, held_out)`` for each held-out direction.

    Parameters
    ----------
    n_directions : int
        Number of training directions (>= 2).
    folds : sequence of int, optional
        The held-out directions to use (a subset keeps the cost bounded); all by default.

    Returns
    -------
    list of (ndarray, int)
    """
    n_directions = check_int("n_directions", n_directions, minimum=2)
    folds = range(n_directions) if folds is None else folds
    folds = _check_tuple("folds", folds, minimum=0, maximum=n_directions - 1, kind=int)
    index = np.arange(n_directions)
    return [(index[index != c], c) for c in folds]


# --------------------------------------------------------------------------------------------
# Ridge readout of unobserved muscles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RidgeReadout:
    """A linear readout ``Y = X @ weights + intercept`` fitted by ridge regression.

    Attributes
    ----------
    weights : ndarray, shape (N, M)
    intercept : ndarray, shape (M,)
    """

    weights: np.ndarray
    intercept: np.ndarray

    def predict(self, X) -> np.ndarray:
        """``X @ weights + intercept`` for ``X`` of shape (S, N)."""
        X = check_array("X", X, ndim=2)
        if X.shape[1] != self.weights.shape[0]:
            raise ValueError(f"X must have {self.weights.shape[0]} columns, got {X.shape[1]}")
        return X @ self.weights + self.intercept


def ridge_fit(X, Y, penalty: float) -> RidgeReadout:
    """Ridge regression with an unpenalised intercept (closed form).

    Parameters
    ----------
    X : array_like, shape (S, N)
        Samples by features.
    Y : array_like, shape (S, M)
        Samples by outputs.
    penalty : float
        :math:`\\lambda \\ge 0` (absolute; :func:`unobserved_muscle_r2` scales it to the data).

    Returns
    -------
    RidgeReadout

    Notes
    -----
    With :math:`\\tilde X, \\tilde Y` centred on their column means :math:`\\bar x, \\bar y`,

    .. math:: W = (\\tilde X^\\top \\tilde X + \\lambda I)^{-1} \\tilde X^\\top \\tilde Y,
              \\qquad b = \\bar y - \\bar x W,

    the solution of ``sklearn.linear_model.Ridge(alpha=penalty)``. Solved in the dual
    (:math:`\\tilde X^\\top (\\tilde X \\tilde X^\\top + \\lambda I)^{-1} \\tilde Y`) when there are
    fewer samples than features; ``penalty = 0`` uses the minimum-norm least-squares solution.
    """
    X = check_array("X", X, ndim=2)
    Y = check_array("Y", Y, ndim=2)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of samples, got {X.shape[0]} and "
                         f"{Y.shape[0]}")
    if X.shape[0] < 2:
        raise ValueError("ridge_fit needs at least 2 samples")
    penalty = check_float("penalty", penalty, minimum=0.0)
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    Xc, Yc = X - x_mean, Y - y_mean
    S, N = Xc.shape
    if penalty == 0.0:
        W = np.linalg.lstsq(Xc, Yc, rcond=None)[0]
    elif S < N:
        G = Xc @ Xc.T
        G[np.diag_indices_from(G)] += penalty
        W = Xc.T @ scipy.linalg.solve(G, Yc, assume_a="pos")
    else:
        G = Xc.T @ Xc
        G[np.diag_indices_from(G)] += penalty
        W = scipy.linalg.solve(G, Xc.T @ Yc, assume_a="pos")
    return RidgeReadout(weights=W, intercept=y_mean - x_mean @ W)


@dataclass(frozen=True)
class ReadoutScore:
    """Cross-validated prediction of muscles from a network's units.

    Attributes
    ----------
    predicted : ndarray, shape (C, T, M)
        Each direction predicted by the readout fitted on the folds that did not contain it.
    error : EMGError
        ``emg_error(predicted, target)``.
    r2 : float
        Held-out R^2 pooled over directions, time and muscles, ``error.r2``.
    folds : list of ndarray
        The test directions of each fold.
    """

    predicted: np.ndarray
    error: EMGError
    folds: list

    @property
    def r2(self) -> float:
        """Held-out coefficient of determination pooled over directions, time and muscles."""
        return self.error.r2


def unobserved_muscle_r2(rates, emg, *, penalty: float, n_folds: int) -> ReadoutScore:
    """Cross-validated (over directions) ridge readout of ``emg`` from ``rates``.

    Parameters
    ----------
    rates : array_like, shape (C, T, N)
        A network's unit activity on C directions.
    emg : array_like, shape (C, T, M)
        The muscles to predict (those the network was never trained on), same directions and times.
    penalty : float
        Ridge penalty relative to the data: the absolute penalty of each fold is
        ``penalty * trace(Xc' Xc) / N`` (the mean feature variance times the number of samples), so
        the score does not change when the rates are rescaled (tanh units vs. Hz).
    n_folds : int
        Folds over directions (:func:`direction_folds`); ``C`` = leave one direction out.

    Returns
    -------
    ReadoutScore

    Notes
    -----
    All time points of a direction are in the same fold, so the readout never sees any part of a
    direction it is scored on (time points within one direction are strongly correlated).
    """
    rates = check_array("rates", rates, ndim=3)
    emg = check_array("emg", emg, ndim=3)
    if rates.shape[:2] != emg.shape[:2]:
        raise ValueError(f"rates and emg must share (directions, time), got {rates.shape[:2]} and "
                         f"{emg.shape[:2]}")
    penalty = check_float("penalty", penalty, minimum=0.0)
    C, T, N = rates.shape
    M = emg.shape[2]
    folds = direction_folds(C, n_folds)
    predicted = np.empty((C, T, M))
    for test in folds:
        train = np.setdiff1d(np.arange(C), test)
        X = rates[train].reshape(-1, N)
        Y = emg[train].reshape(-1, M)
        scale = ((X - X.mean(axis=0)) ** 2).sum() / N
        readout = ridge_fit(X, Y, penalty * scale if scale > 0 else penalty)
        predicted[test] = readout.predict(rates[test].reshape(-1, N)).reshape(len(test), T, M)
    return ReadoutScore(predicted=predicted, error=emg_error(predicted, emg), folds=folds)


# --------------------------------------------------------------------------------------------
# Robustness to input noise
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoiseSweep:
    """EMG error and similarity with the SOC as functions of the test-time input noise.

    Attributes
    ----------
    sigmas : ndarray, shape (S,)
        Input-noise std values.
    error : ndarray, shape (S, K)
        ``emg_error(...).overall`` of each of K noisy trials (all directions of a trial pooled).
    cca : ndarray, shape (S, K)
        Mean canonical correlation with the SOC (PCA to ``d`` dims,
        :func:`ffhlib.similarity.compare`) of each trial's activity.
    """

    sigmas: np.ndarray
    error: np.ndarray
    cca: np.ndarray

    @property
    def mean_error(self) -> np.ndarray:
        """Error averaged over trials, shape (S,)."""
        return self.error.mean(axis=1)

    @property
    def mean_cca(self) -> np.ndarray:
        """Mean canonical correlation averaged over trials, shape (S,)."""
        return self.cca.mean(axis=1)


def curve_summary(values, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds (axis 0) and the Student-t interval of each column.

    Parameters
    ----------
    values : array_like, shape (n_seeds, V)
    confidence : float

    Returns
    -------
    (mean, low, high) : ndarrays of shape (V,)
        As :func:`ffhlib.stats.mean_interval` column by column (NaN bounds with one seed).
    """
    values = check_array("values", values, ndim=2)
    out = np.array([[m, *ci] for m, ci in (mean_interval(col, confidence) for col in values.T)])
    return out[:, 0], out[:, 1], out[:, 2]


def _noise_seed(seed: int, trial: int) -> int:
    """Seed of noisy trial ``trial`` of study seed ``seed`` (distinct for every pair)."""
    return seed * 1000 + trial


def noise_sweep(net, angles, time_ms, target_emg, reference_rates, *, sigmas, n_trials: int,
                pca_dim: int, seed: int) -> NoiseSweep:
    """EMG error and CCA similarity of ``net`` under Gaussian input noise of each std in ``sigmas``.

    Parameters
    ----------
    net : ffhlib.fullforce.TrainedRNN
    angles : array_like, shape (C,)
        Directions tested (rad).
    time_ms : array_like, shape (T,)
        Movement time grid of the targets (ms).
    target_emg : array_like, shape (C, T, M)
        The EMG the network should produce (its trained muscles).
    reference_rates : array_like, shape (C, T, N_soc)
        SOC rates on the same directions and grid (the similarity reference).
    sigmas : sequence of float
        Input-noise std values (same units as the network's inputs).
    n_trials : int
        Noisy trials per value (each is a run over all ``C`` directions).
    pca_dim : int
        Latent dimension of the CCA.
    seed : int
        Trial ``k`` uses the noise seed ``1000 * seed + k`` for every sigma (common random numbers:
        the same draws, scaled), and FF and FFH of one seed receive identical noise (paired).

    Returns
    -------
    NoiseSweep
    """
    sigmas = _check_tuple("sigmas", sigmas, minimum=0.0)
    n_trials = check_int("n_trials", n_trials, minimum=1)
    error = np.empty((len(sigmas), n_trials))
    cca = np.empty((len(sigmas), n_trials))
    for i, sigma in enumerate(sigmas):
        for k in range(n_trials):
            if sigma == 0.0 and k > 0:  # noiseless runs are deterministic
                error[i, k], cca[i, k] = error[i, 0], cca[i, 0]
                continue
            act = fullforce.simulate(net, angles, time_ms=time_ms, input_noise=sigma,
                                     seed=_noise_seed(seed, k))
            error[i, k] = emg_error(act.output, target_emg).overall
            cca[i, k] = compare(reference_rates, act.rates, pca_dim).mean_correlation
    return NoiseSweep(sigmas=np.asarray(sigmas), error=error, cca=cca)


# --------------------------------------------------------------------------------------------
# Per-seed runners (paired FF / FFH on the networks of chapter 05, and leave-one-out trainings)
# --------------------------------------------------------------------------------------------

#: The two networks of every paired comparison.
NETS = ("ff", "ffh")


def _evaluate_seed(exp: ExperimentParams, gen: GeneralizationParams, seed: int) -> dict:
    pair = experiments.train_pair(exp, seed)
    gt, obs = pair.ground_truth, pair.observation
    train, inter = gt.training, gt.intermediate
    target_inter = obs.muscles(inter.emg)
    target_train = obs.muscles(train.emg)
    unobserved = train.emg[..., obs.unobserved_muscle_idx]
    readout = dict(penalty=gen.ridge_penalty, n_folds=min(gen.readout_folds, train.n_directions))
    row = {"seed": np.int64(seed)}
    interp = angular_interpolation(target_train, train.angles, inter.angles)
    row["gen_err_interp"] = np.float64(emg_error(interp, target_inter).overall)
    row["gen_err_dir_interp"] = emg_error(interp, target_inter).per_direction
    for name in NETS:
        net = getattr(pair, name)
        act = fullforce.simulate(net, inter.angles, time_ms=inter.time_ms)
        err = emg_error(act.output, target_inter)
        row[f"gen_err_{name}"] = np.float64(err.overall)
        row[f"gen_err_dir_{name}"] = err.per_direction
        row[f"gen_output_{name}"] = act.output
        act = fullforce.simulate(net, train.angles, time_ms=train.time_ms)
        row[f"fit_err_{name}"] = np.float64(emg_error(act.output, target_train).overall)
        if obs.unobserved_muscle_idx.size:
            row[f"unobs_r2_{name}"] = np.float64(
                unobserved_muscle_r2(act.rates, unobserved, **readout).r2)
            row[f"unobs_r2_sweep_{name}"] = _penalty_sweep(act.rates, unobserved, gen)
        sweep = noise_sweep(net, train.angles, train.time_ms, target_train, train.rates,
                            sigmas=gen.input_noise_sigmas, n_trials=gen.noise_trials,
                            pca_dim=gen.pca_dim, seed=seed)
        row[f"noise_err_{name}"] = sweep.error
        row[f"noise_cca_{name}"] = sweep.cca
    if obs.unobserved_muscle_idx.size:
        row["unobs_r2_soc_observed"] = np.float64(
            unobserved_muscle_r2(obs.neurons(train.rates), unobserved, **readout).r2)
        row["unobs_r2_soc_all"] = np.float64(
            unobserved_muscle_r2(train.rates, unobserved, **readout).r2)
        row["unobs_r2_sweep_soc_observed"] = _penalty_sweep(obs.neurons(train.rates), unobserved,
                                                            gen)
    return row


def _penalty_sweep(rates, emg, gen: GeneralizationParams) -> np.ndarray:
    n_folds = min(gen.readout_folds, rates.shape[0])
    return np.array([unobserved_muscle_r2(rates, emg, penalty=p, n_folds=n_folds).r2
                     for p in gen.ridge_penalties])


def evaluate_seed(exp: ExperimentParams, gen: GeneralizationParams, seed: int, *,
                  use_cache: bool = True) -> dict[str, np.ndarray]:
    """Generalization tests of one paired seed, on the networks of :func:`experiments.train_pair`.

    The FF and FFH networks are those of chapter 05 (same ``exp`` and ``seed`` = the same cached
    training run): trained on the training directions of the shared ground truth, same observed
    subset, same weight seed.

    Parameters
    ----------
    exp : ExperimentParams
    gen : GeneralizationParams
    seed : int
    use_cache : bool

    Returns
    -------
    dict of str to ndarray
        For ``net`` in (``ff``, ``ffh``):

        - ``gen_err_<net>``: EMG error (:func:`emg_error`, overall) on the intermediate
          directions, observed muscles; ``gen_err_dir_<net>`` (C_int,) per direction;
          ``gen_output_<net>`` (C_int, T, M_obs) the network's EMG there;
        - ``fit_err_<net>``: the same error on the training directions (how well it was fitted);
        - ``unobs_r2_<net>``: held-out R^2 of the ridge readout of the unobserved muscles from the
          network's units (training directions, folds over directions);
        - ``noise_err_<net>``, ``noise_cca_<net>`` (len(sigmas), noise_trials): error and mean
          canonical correlation with the SOC under input noise (training directions);

        ``unobs_r2_sweep_<net>`` (len(ridge_penalties),): the same over the penalty sweep;

        ``unobs_r2_soc_observed`` / ``unobs_r2_soc_all``: the same readout from the observed SOC
        neurons (what the recording itself predicts) and from all SOC neurons (a ceiling);
        ``unobs_r2_sweep_soc_observed``; ``gen_err_interp``, ``gen_err_dir_interp``: the error of
        :func:`angular_interpolation` of the training directions' EMG (a network-free baseline);
        ``seed``.
    """
    seed = check_seed("seed", seed)
    if not isinstance(exp, experiments.ExperimentParams):
        raise TypeError(f"exp must be ExperimentParams, got {type(exp).__name__}")
    if not isinstance(gen, GeneralizationParams):
        raise TypeError(f"gen must be GeneralizationParams, got {type(gen).__name__}")
    return cached("generalization_seed",
                  {"exp": exp.seed_key(), "gen": _evaluation_part(gen), "seed": seed},
                  lambda: _evaluate_seed(exp, gen, seed), enabled=use_cache)


def _evaluation_part(gen: GeneralizationParams) -> dict:
    """The fields of ``gen`` that :func:`evaluate_seed` depends on (its cache key)."""
    return {k: getattr(gen, k) for k in ("input_noise_sigmas", "noise_trials", "ridge_penalty",
                                         "ridge_penalties", "readout_folds", "pca_dim")}


def loo_fold(gen: GeneralizationParams, seed: int) -> int:
    """The training direction held out for ``seed``: ``loo_folds[seed % len(loo_folds)]``."""
    return gen.loo_folds[check_seed("seed", seed) % len(gen.loo_folds)]


def _loo_row(exp: ExperimentParams, seed: int, held_out: int, training_noise: float) -> dict:
    gt = experiments.ground_truth(exp)
    obs = observe(gt.n_neurons, gt.n_muscles, exp.observation, seed)
    train = gt.training
    if not 0 <= held_out < train.n_directions:
        raise ValueError(f"held_out must be in [0, {train.n_directions - 1}], got {held_out}")
    (keep, _), = leave_one_out_folds(train.n_directions, (held_out,))
    fit, test = train.select(keep), train.select([held_out])
    force = dataclasses.replace(exp.force, training_noise=training_noise)
    kw = dict(angles=fit.angles, time_ms=fit.time_ms, params=force, seed=seed, progress=False)
    targets = obs.muscles(fit.emg)
    nets = {"ff": fullforce.train_cached(targets, hints=None, **kw),
            "ffh": fullforce.train_cached(targets, hints=obs.neurons(fit.rates), **kw)}
    row = {"seed": np.int64(seed), "held_out": np.int64(held_out),
           "training_noise": np.float64(training_noise)}
    for name, net in nets.items():
        act = fullforce.simulate(net, test.angles, time_ms=test.time_ms)
        row[f"loo_err_{name}"] = np.float64(emg_error(act.output, obs.muscles(test.emg)).overall)
        row[f"loo_output_{name}"] = act.output[0]
        act = fullforce.simulate(net, fit.angles, time_ms=fit.time_ms)
        row[f"fit_err_{name}"] = np.float64(emg_error(act.output, targets).overall)
    row["loo_target"] = obs.muscles(test.emg)[0]
    interp = angular_interpolation(targets, fit.angles, test.angles)
    row["loo_err_interp"] = np.float64(emg_error(interp, obs.muscles(test.emg)).overall)
    # Intermediate directions whose two neighbours were both trained (all but the two next to
    # the held-out one): the primary test, for these networks. Reported, never used to choose.
    inter = gt.intermediate
    spacing = 2 * np.pi / train.n_directions
    gap = np.abs(np.angle(np.exp(1j * (inter.angles - train.angles[held_out]))))
    inter = inter.select(gap > spacing - 1e-9)
    target = obs.muscles(inter.emg)
    for name, net in nets.items():
        act = fullforce.simulate(net, inter.angles, time_ms=inter.time_ms)
        row[f"inter_err_{name}"] = np.float64(emg_error(act.output, target).overall)
    interp = angular_interpolation(targets, fit.angles, inter.angles)
    row["inter_err_interp"] = np.float64(emg_error(interp, target).overall)
    return row


def leave_one_out_error(exp: ExperimentParams, seed: int, held_out: int, *,
                        training_noise: float | None = None,
                        use_cache: bool = True) -> dict[str, np.ndarray]:
    """Train FF and FFH on all training directions but ``held_out``; test on ``held_out``.

    Parameters
    ----------
    exp : ExperimentParams
        Ground truth, observation and full-FORCE parameters (as chapter 05).
    seed : int
        Observed subset and RNN weights (FF and FFH share them).
    held_out : int
        Index of the training direction left out (0 .. n_directions - 1).
    training_noise : float, optional
        Overrides ``exp.force.training_noise`` (the study of what makes interpolation possible).
    use_cache : bool

    Returns
    -------
    dict of str to ndarray
        ``loo_err_<net>`` (EMG error on the held-out direction, observed muscles),
        ``fit_err_<net>`` (on the 7 fitted directions), ``loo_output_<net>`` (T, M_obs),
        ``loo_target`` (T, M_obs), ``loo_err_interp`` (the network-free baseline
        :func:`angular_interpolation` of the two neighbours), ``inter_err_<net>`` and
        ``inter_err_interp`` (the primary test for these networks: the intermediate directions
        whose two neighbours were both trained), ``seed``, ``held_out``, ``training_noise``.

    Notes
    -----
    Each call trains two networks (cached by :func:`ffhlib.fullforce.train_cached`): the cost of
    one fold is that of one chapter-05 seed. The held-out direction is one of the *training*
    directions, never an intermediate one, so choices made on this split do not see the test set
    of :func:`evaluate_seed`.
    """
    seed = check_seed("seed", seed)
    held_out = check_int("held_out", held_out, minimum=0)
    if not isinstance(exp, experiments.ExperimentParams):
        raise TypeError(f"exp must be ExperimentParams, got {type(exp).__name__}")
    noise = exp.force.training_noise if training_noise is None else training_noise
    noise = check_float("training_noise", noise, minimum=0.0)
    return cached("generalization_loo",
                  {"exp": exp.seed_key(), "seed": seed, "held_out": held_out,
                   "training_noise": noise},
                  lambda: _loo_row(exp, seed, held_out, noise), enabled=use_cache)


def evaluate_seeds(exp: ExperimentParams, gen: GeneralizationParams, seeds=None, *,
                   n_jobs: int = 2, progress: bool = True) -> dict[str, np.ndarray]:
    """:func:`evaluate_seed` over ``seeds`` (default ``range(exp.n_seeds)``), stacked by seed.

    Returns
    -------
    dict of str to ndarray
        Every field of :func:`evaluate_seed` with a leading seed axis.
    """
    seeds = [check_seed("seed", s) for s in (range(exp.n_seeds) if seeds is None else seeds)]
    experiments.ground_truth(exp, progress=progress)  # once, before the workers start
    rows = map_jobs(evaluate_seed, [(exp, gen, s) for s in seeds], n_jobs=n_jobs,
                    progress=progress, desc="seeds")
    return experiments.stack_rows(rows)


def leave_one_out_seeds(exp: ExperimentParams, gen: GeneralizationParams, *,
                        training_noise_values=None, seeds=None, n_jobs: int = 2,
                        progress: bool = True) -> dict[str, np.ndarray]:
    """Leave-one-direction-out errors over seeds and training-noise values.

    Seed ``s`` holds out the training direction :func:`loo_fold` ``(gen, s)`` (one fold per seed,
    rotating over ``gen.loo_folds``), so a study over seeds also covers the directions.

    Parameters
    ----------
    exp, gen
    training_noise_values : sequence of float, optional
        Default: ``(exp.force.training_noise,)`` (the networks of the main comparison).
    seeds : sequence of int, optional
        Default: ``range(gen.loo_seeds)``.
    n_jobs, progress

    Returns
    -------
    dict of str to ndarray
        Fields of :func:`leave_one_out_error` with leading axes (noise value, seed);
        ``training_noise_values`` (V,).
    """
    values = ((exp.force.training_noise,) if training_noise_values is None
              else _check_tuple("training_noise_values", training_noise_values, minimum=0.0))
    seeds = [check_seed("seed", s) for s in (range(gen.loo_seeds) if seeds is None else seeds)]
    if not seeds:
        raise ValueError("seeds must not be empty")
    n_training = exp.ground_truth.n_directions
    if max(gen.loo_folds) >= n_training:
        raise ValueError(f"loo_folds must index the {n_training} training directions "
                         f"(0 to {n_training - 1}), got {gen.loo_folds}")
    experiments.ground_truth(exp, progress=progress)
    jobs = [(exp, s, loo_fold(gen, s), v) for v in values for s in seeds]
    rows = map_jobs(_loo_call, jobs, n_jobs=n_jobs, progress=progress, desc="leave-one-out")
    stacked = experiments.stack_rows(rows)
    out = {k: v.reshape(len(values), len(seeds), *v.shape[1:]) for k, v in stacked.items()}
    out["training_noise_values"] = np.asarray(values)
    return out


def _loo_call(exp, seed, held_out, noise):
    return leave_one_out_error(exp, seed, held_out, training_noise=noise)
