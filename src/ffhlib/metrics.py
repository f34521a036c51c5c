"""Measures shared by every stage: R², the EMG error, ridge readouts and a network-free baseline.

One definition of each, used by gain learning, full-FORCE, the study runner and the chapters:

- :func:`r2_score` / :func:`emg_error`: the coefficient of determination with each muscle (output
  channel) against its own mean, and its complement ``1 - R²`` per direction and overall;
- :func:`ridge_fit` and :func:`cross_validated_readout`: a linear readout of some signals (e.g. the
  muscles a network never saw) from a network's units, cross-validated over *directions*;
- :func:`angular_interpolation`: what a reader could predict for an untrained reach direction from
  the trained ones alone, without any network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._validate import check_array, check_float, check_int

__all__ = [
    "EMGError",
    "ReadoutScore",
    "RidgeReadout",
    "angular_interpolation",
    "check_number_tuple",
    "cross_validated_readout",
    "direction_folds",
    "emg_error",
    "leave_one_out_folds",
    "r2_score",
    "ridge_fit",
]


def check_number_tuple(name, values, *, minimum=None, maximum=None, kind=float,
                       allow_empty=False) -> tuple:
    """Return ``values`` as a tuple of distinct numbers (``kind`` int or float) within bounds.

    Accepts any iterable of numbers (papermill passes lists); strings are rejected.
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a tuple of numbers, got {values!r}")
    values = tuple(values)
    if not values and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    check = check_int if kind is int else check_float
    out = tuple(check(f"{name}[{i}]", v, minimum=minimum, maximum=maximum)
                for i, v in enumerate(values))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a value, got {values!r}")
    return out


def r2_score(prediction, target, axis=None):
    """Coefficient of determination, each output channel (last axis) against its own mean.

    Parameters
    ----------
    prediction, target : arrays of one shape, last axis = output channels (muscles, units)
    axis : None or int or tuple of int
        Axes pooled into one score; ``None`` pools everything.

    Returns
    -------
    float or ndarray
        One score per remaining index.

    Notes
    -----
    :math:`R^2 = 1 - \\sum (y - \\hat y)^2 / \\sum (y - \\bar y_k)^2`, both sums over the pooled
    axes, where :math:`\\bar y_k` is channel :math:`k`'s mean over the pooled axes other than the
    channel axis (scikit-learn's ``variance_weighted`` multi-output score). A channel with a large
    offset therefore cannot inflate the score, and ``1 - R^2`` over all directions equals
    :func:`emg_error`'s ``overall``.
    """
    prediction = np.asarray(prediction, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if prediction.shape != target.shape:
        raise ValueError(f"prediction shape {prediction.shape} != target shape {target.shape}")
    ndim = target.ndim
    pooled = tuple(range(ndim)) if axis is None else tuple(
        a % ndim for a in np.atleast_1d(axis).tolist())
    centre_axes = tuple(a for a in pooled if a != ndim - 1)
    reference = np.mean(target, axis=centre_axes, keepdims=True) if centre_axes else target
    sse = np.sum((prediction - target) ** 2, axis=pooled)
    sst = np.sum((target - reference) ** 2, axis=pooled)
    out = 1.0 - sse / sst
    return float(out) if np.ndim(out) == 0 else out



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
        Known values at ``angles``, any trailing shape: EMG (C, T, M) or recorded rates
        (C, T, N) alike (each trailing entry is interpolated on its own, with the same weights).
    angles : array_like, shape (C,)
        Known directions (rad), distinct modulo 2 pi, C >= 2.
    new_angles : array_like, shape (C_new,)
        Directions to predict (rad).

    Returns
    -------
    ndarray, shape (C_new, ...)

    Notes
    -----
    For :math:`\\theta` between the neighbouring known directions :math:`\\theta_a < \\theta <
    \\theta_b` (on the circle),

    .. math:: \\hat v(\\theta) = \\frac{(\\theta_b - \\theta) v_a + (\\theta - \\theta_a) v_b}
                                  {\\theta_b - \\theta_a};

    half-way between two directions it is their average. It is exact (reproduces the signal) for
    every signal that is linear in angle between each pair of neighbouring known directions, i.e.
    piecewise linear on the circle with its knots at ``angles`` (the periodic linear
    interpolation of ``numpy.interp(..., period=2 pi)``).
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
    folds = check_number_tuple("folds", folds, minimum=0, maximum=n_directions - 1, kind=int)
    index = np.arange(n_directions)
    return [(index[index != c], c) for c in folds]


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
        :math:`\\lambda \\ge 0` (absolute; :func:`cross_validated_readout` scales it to the data).

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


def cross_validated_readout(rates, emg, *, penalty: float, n_folds: int) -> ReadoutScore:
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
