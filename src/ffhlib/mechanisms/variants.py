"""Untrained task variants (Kao 2019): a trained network, unchanged, on tasks it never saw.

Two variants of the delayed reach probe how a network's movement depends on its preparation:
another preparatory period (:func:`task_variant_errors` runs each of ``delays_ms``), and a cue that
switches, during preparation, to another direction (:func:`switched_directions`), whose EMG is then
the correct output. Ignoring the switch (producing the old direction's EMG) is the reference for
the second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_array, check_float, check_int

__all__ = ["TaskVariantErrors", "switched_directions", "task_variant_errors"]


def switched_directions(n_directions: int, offset: int) -> np.ndarray:
    """The direction each condition's cue switches to: ``offset`` directions further, cyclically.

    Parameters
    ----------
    n_directions : int
        Number of (equally spaced, ordered) directions, >= 1.
    offset : int
        How many directions further (>= 0; ``n_directions / 2`` is the opposite direction for an
        even count, a multiple of ``n_directions`` the same one).

    Returns
    -------
    ndarray, shape (n_directions,), int
        ``(c + offset) mod n_directions`` for each condition ``c``.
    """
    n_directions = check_int("n_directions", n_directions, minimum=1)
    offset = check_int("offset", offset, minimum=0)
    return (np.arange(n_directions) + offset) % n_directions


@dataclass(frozen=True)
class TaskVariantErrors:
    """EMG errors (1 - R^2 over the given muscles and directions) of a network on task variants.

    Attributes
    ----------
    delays_ms : ndarray, shape (D,)
        The preparatory periods run (ms).
    delay_err : ndarray, shape (D,)
        Error with each preparatory period, against the trained target.
    switched_to : ndarray, shape (C,), int
        The direction each condition's cue switched to (:func:`switched_directions`).
    switch_err : float
        Error with the cue switched, against the new direction's target.
    switch_ignore_err : float
        The error of ignoring the switch: the old direction's target as the prediction.
    """

    delays_ms: np.ndarray
    delay_err: np.ndarray
    switched_to: np.ndarray
    switch_err: float
    switch_ignore_err: float


def task_variant_errors(net, angles, target, *, time_ms, delays_ms, switch_offset: int,
                        switch_at: float) -> TaskVariantErrors:
    """Run a trained network with other preparatory periods and with a switched cue.

    Parameters
    ----------
    net : ffhlib.fullforce.TrainedRNN
        The network (never retrained; its ``params.prep_ms`` is the trained preparatory period).
    angles : array_like, shape (C,)
        Directions (rad), ordered so that :func:`switched_directions` indexes them.
    target : array_like, shape (C, T, M)
        The correct output of each direction (e.g. the observed muscles' EMG) at ``time_ms``.
    time_ms : array_like, shape (T,)
        Movement-epoch times at which the output is compared (ms).
    delays_ms : sequence of float
        Preparatory periods to run (ms, each >= 0).
    switch_offset : int
        The cue switches to the direction this many further (>= 1).
    switch_at : float
        When it switches, as a fraction of the trained preparatory period, in (0, 1).

    Returns
    -------
    TaskVariantErrors

    Notes
    -----
    Each error is :func:`ffhlib.metrics.emg_error`'s overall :math:`1 - R^2` of the output
    :math:`z` against the target :math:`y`, pooled over directions, time and muscles. With the cue
    switched, the target of condition :math:`c` is that of direction :math:`s(c)`
    (:func:`switched_directions`).
    """
    from ..fullforce import TrainedRNN, simulate
    from ..metrics import emg_error

    if not isinstance(net, TrainedRNN):
        raise TypeError(f"net must be a TrainedRNN, got {type(net).__name__}")
    angles = check_array("angles", angles, ndim=1)
    target = check_array("target", target, shape=(angles.size, None, None))
    delays_ms = check_array("delays_ms", delays_ms, ndim=1)
    if np.any(delays_ms < 0):
        raise ValueError(f"delays_ms must be >= 0, got {delays_ms.tolist()}")
    switch_offset = check_int("switch_offset", switch_offset, minimum=1)
    switch_at = check_float("switch_at", switch_at, minimum=0.0, maximum=1.0,
                            exclusive_minimum=True, exclusive_maximum=True)
    delay_err = np.array([emg_error(simulate(net, angles, time_ms=time_ms, prep_ms=d).output,
                                    target).overall for d in delays_ms])
    new = switched_directions(angles.size, switch_offset)
    switched = simulate(net, angles, time_ms=time_ms, switch_angles=angles[new],
                        switch_ms=switch_at * net.params.prep_ms)
    return TaskVariantErrors(delays_ms=delays_ms, delay_err=delay_err, switched_to=new,
                             switch_err=emg_error(switched.output, target[new]).overall,
                             switch_ignore_err=emg_error(target, target[new]).overall)
