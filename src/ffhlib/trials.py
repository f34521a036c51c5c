"""The trial design every network of the book is trained and run on, and the noiseless run of a
tanh rate network over such trials.

A trial [choice] is a preparatory period of ``prep_ms`` in which the network receives the reach
direction ``input_scale * (cos theta, sin theta)``, a go pulse in its last ``go_ms`` on a third
input channel, then the movement epoch on which the targets are defined (500 ms in this book). By
default the direction input is switched off at movement onset (``cue_epoch="preparation"``);
``"trial"`` holds it through the movement. Targets given on the movement epoch's grid are carried
to the dt grid of a whole trial by :func:`to_trial_grid` (during preparation: the value at onset).

The functions take any parameters object with the trial fields (``prep_ms``, ``go_ms``,
``go_amplitude``, ``input_scale``, ``cue_epoch``, ``dt_ms``, ``n_prep_steps``, ``n_go_steps``;
``tau_ms`` for :func:`simulate_arrays`): :class:`ffhlib.fullforce.ForceParams` and the rivals'
parameters share one design.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from . import _force_kernels as K
from ._validate import check_array, check_float

__all__ = ["CUE_EPOCHS", "N_INPUTS", "TrialDesign", "interp_time", "movement_steps",
           "simulate_arrays", "to_trial_grid", "trial_inputs"]

class TrialDesign(Protocol):
    """What the trial functions read of a network's parameters (e.g. ``ForceParams``)."""

    prep_ms: float
    go_ms: float
    go_amplitude: float
    input_scale: float
    cue_epoch: str
    dt_ms: float
    tau_ms: float

    @property
    def n_prep_steps(self) -> int: ...

    @property
    def n_go_steps(self) -> int: ...


#: Input channels: cos theta, sin theta, go pulse.
N_INPUTS = 3
#: The trial designs: the direction input during preparation only, or held through the movement.
CUE_EPOCHS = ("preparation", "trial")


def movement_steps(time_ms: np.ndarray, dt_ms: float) -> int:
    """Steps of ``dt_ms`` that cover the movement epoch ``time_ms`` (both ends included)."""
    span = float(time_ms[-1] - time_ms[0])
    return int(math.floor(span / dt_ms + 1e-9)) + 1


def trial_inputs(angles, params: TrialDesign, n_move_steps: int, *, prep_ms: float | None = None,
                 switch_angles=None, switch_ms: float | None = None) -> np.ndarray:
    """Inputs ``f_in`` (C, S, 3) of one trial per direction: cos, sin, go.

    Parameters
    ----------
    angles : array (C,)
        Reach directions, rad.
    params : TrialDesign
    n_move_steps : int
        Steps of the movement epoch.
    prep_ms : float, optional
        Preparatory period of this trial (default ``params.prep_ms``): a task variant with a
        shorter or longer delay than in training. The go pulse always ends the preparation.
    switch_angles : array (C,), optional
        A task variant: the cue switches to these directions ``switch_ms`` after trial start.
    switch_ms : float, optional
        When the cue switches (within the preparatory period).

    Returns
    -------
    ndarray (C, S, 3)
        ``S = n_prep + n_move_steps``; step ``n_prep`` is movement onset. The direction channels
        are on during preparation and, if ``cue_epoch == "trial"``, during movement too.
    """
    angles = np.atleast_1d(np.asarray(angles, dtype=np.float64))
    prep_ms = params.prep_ms if prep_ms is None else check_float(
        "prep_ms", prep_ms, minimum=params.go_ms)
    n_prep = int(round(prep_ms / params.dt_ms))
    n_steps = n_prep + n_move_steps
    f_in = np.zeros((angles.size, n_steps, N_INPUTS))
    cue_end = n_steps if params.cue_epoch == "trial" else n_prep
    f_in[:, :cue_end, 0] = params.input_scale * np.cos(angles)[:, None]
    f_in[:, :cue_end, 1] = params.input_scale * np.sin(angles)[:, None]
    if switch_angles is not None:
        switch_angles = check_array("switch_angles", np.atleast_1d(switch_angles),
                                    shape=(angles.size,))
        switch_ms = check_float("switch_ms", switch_ms, minimum=0.0, maximum=prep_ms)
        start = int(round(switch_ms / params.dt_ms))
        f_in[:, start:cue_end, 0] = params.input_scale * np.cos(switch_angles)[:, None]
        f_in[:, start:cue_end, 1] = params.input_scale * np.sin(switch_angles)[:, None]
    f_in[:, n_prep - params.n_go_steps:n_prep, 2] = params.go_amplitude
    return f_in


def to_trial_grid(values: np.ndarray, time_ms: np.ndarray, params: TrialDesign) -> np.ndarray:
    """(C, T, X) on ``time_ms`` -> (C, S, X) on the dt grid of a whole trial.

    Linear interpolation in the movement epoch; during preparation the value at onset.
    """
    n_move = movement_steps(time_ms, params.dt_ms)
    fine = time_ms[0] + params.dt_ms * np.arange(n_move)
    moved = interp_time(values, time_ms, fine)
    prep = np.repeat(moved[:, :1], params.n_prep_steps, axis=1)
    return np.ascontiguousarray(np.concatenate([prep, moved], axis=1))


def interp_time(values: np.ndarray, t_old: np.ndarray, t_new: np.ndarray) -> np.ndarray:
    """Linear interpolation of (C, T, X) along axis 1 from ``t_old`` to ``t_new``."""
    pos = np.interp(t_new, t_old, np.arange(t_old.size, dtype=np.float64))
    lo = np.clip(np.floor(pos).astype(np.int64), 0, t_old.size - 1)
    hi = np.minimum(lo + 1, t_old.size - 1)
    w = (pos - lo)[None, :, None]
    if np.all(w == 0):
        return values[:, lo]
    return (1.0 - w) * values[:, lo] + w * values[:, hi]


def simulate_arrays(J, W_all, U_in, params: TrialDesign, angles, time_ms, *, input_noise=0.0,
                    noise_seed=None, time_out=None, prep_ms=None, switch_angles=None,
                    switch_ms=None):
    """Noiseless run of ``tau dx/dt = -x + J tanh(x) + U_in f_in`` over one trial per direction.

    Parameters
    ----------
    J : ndarray (N, N)
    W_all : ndarray (M, N)
        Readouts applied to ``r = tanh(x)``.
    U_in : ndarray (N, 3)
    params : TrialDesign
    angles : ndarray (C,)
    time_ms : ndarray (T,)
        The movement epoch's grid (its span sets the number of steps).
    input_noise, noise_seed
        Gaussian white noise added to every input channel at every step.
    time_out : ndarray, optional
        Times to report (default ``time_ms``); the dt-grid activity is interpolated linearly.
    prep_ms, switch_angles, switch_ms
        Task variants (see :func:`trial_inputs`).

    Returns
    -------
    (outputs, rates) : ndarray (C, T, M), ndarray (C, T, N)
        The movement epoch, on ``time_out``; every trial starts from ``x = 0``.
    """
    t0 = float(time_ms[0])
    n_move = movement_steps(time_ms, params.dt_ms)
    fine = t0 + params.dt_ms * np.arange(n_move)
    time_out = time_ms if time_out is None else time_out
    f_in = trial_inputs(angles, params, n_move, prep_ms=prep_ms, switch_angles=switch_angles,
                        switch_ms=switch_ms)
    if input_noise > 0:
        f_in = f_in + input_noise * np.random.default_rng(noise_seed).standard_normal(f_in.shape)
    n = J.shape[0]
    n_steps = f_in.shape[1]
    rates = np.empty((angles.size, n_steps, n))
    out = np.empty((angles.size, n_steps, W_all.shape[0]))
    work = np.empty((K.SIMULATE_WORK_ROWS, n))
    z = np.empty(W_all.shape[0])
    dt_tau = params.dt_ms / params.tau_ms
    x0 = np.zeros(n)
    J = np.ascontiguousarray(J)
    W_all = np.ascontiguousarray(W_all)
    for ci in range(angles.size):
        drive = np.ascontiguousarray(f_in[ci] @ U_in.T)
        K.simulate_trial(J, W_all, x0, drive, dt_tau, out[ci], rates[ci], work, z)
    move = slice(n_steps - n_move, n_steps)
    return (interp_time(out[:, move], fine, time_out),
            interp_time(rates[:, move], fine, time_out))
