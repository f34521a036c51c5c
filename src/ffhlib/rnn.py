"""A trained tanh rate network and its noiseless runs: :class:`TrainedRNN`, :func:`simulate`,
:func:`trial_states` and what they return (:class:`RNNActivity`).

Every network of full-FORCE's family (FF, FFH, the untrained floor; :mod:`ffhlib.fullforce`) is a
:class:`TrainedRNN`: ``tau dx/dt = -x + J tanh(x) + U_in f_in``, run over the book's trial design
(:mod:`ffhlib.trials`) from ``x = 0``, with linear readouts of ``r = tanh(x)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import _force_kernels as K
from ._validate import check_array, check_float
from .trials import TrialDesign, movement_steps, simulate_arrays, trial_inputs

__all__ = ["RNNActivity", "TrainedRNN", "simulate", "trial_states"]


@dataclasses.dataclass(frozen=True)
class TrainedRNN:
    """A network trained with full-FORCE (or an untrained one: :func:`ffhlib.fullforce.untrained`).

    Attributes
    ----------
    params : ForceParams
        The parameters it was trained with (any :class:`~ffhlib.trials.TrialDesign` with the
        time constant and step it runs with).
    seed : tuple of int
        The seed key its weights, noise and order of directions were drawn with.
    J : ndarray (N, N)
        Recurrent weights.
    W : ndarray (M, N)
        Readout of the M trained outputs (observed muscles).
    W_hint : ndarray (K, N)
        Readout of the K z-scored hints, learned by the same RLS alongside ``W`` (it does not
        act on the network); (0, N) for FF.
    U_in : ndarray (N, 3)
        Input weights (cos theta, sin theta, go).
    angles : ndarray (C,)
        Training directions, rad.
    time_ms : ndarray (T,)
        Grid of the movement-epoch targets, ms from movement onset.
    training_error : ndarray (n_passes,)
        Normalised squared output error during each pass (online, before each update; movement
        epoch; ``1 - R^2`` of the outputs seen during training).
    current_error : ndarray (n_passes,)
        Mean squared error of ``J r`` against the target currents at the informative update
        steps (``r != 0``), divided by the mean square of the target currents.
    r2_curve : ndarray (n_checkpoints,)
        R^2 of the noiseless network (no learning) on the training directions after the passes
        ``curve_passes`` (movement epoch, dt grid): the learning curve.
    curve_passes : ndarray (n_checkpoints,)
        1-based pass numbers of ``r2_curve`` (up to 20, evenly spaced, the last pass included).
    r2 : float
        R^2 of the noiseless output against the targets on the training directions (movement
        epoch, on ``time_ms``; each muscle against its own mean, :func:`ffhlib.metrics.r2_score`).
    hint_r2 : float
        R^2 of the hint readout against the z-scored hints (nan for FF).
    hint_mean, hint_std : ndarray (K,)
        The hints' z-scoring statistics.
    seconds : float
        Wall time of the training (of the original run when read from the cache).
    worker : str
        ``host:pid`` of the process that trained it.
    """

    params: TrialDesign
    seed: tuple
    J: np.ndarray
    W: np.ndarray
    W_hint: np.ndarray
    U_in: np.ndarray
    angles: np.ndarray
    time_ms: np.ndarray
    training_error: np.ndarray
    current_error: np.ndarray
    r2_curve: np.ndarray
    curve_passes: np.ndarray
    r2: float
    hint_r2: float
    hint_mean: np.ndarray
    hint_std: np.ndarray
    seconds: float
    worker: str = ""

    @property
    def n_units(self) -> int:
        return int(self.J.shape[0])

    @property
    def n_outputs(self) -> int:
        return int(self.W.shape[0])

    @property
    def n_hints(self) -> int:
        return int(self.W_hint.shape[0])

    @property
    def has_hints(self) -> bool:
        """True for FFH."""
        return self.n_hints > 0


@dataclasses.dataclass(frozen=True)
class RNNActivity:
    """A network's activity in the movement epoch.

    Attributes
    ----------
    angles : ndarray (C,)
        Directions, rad.
    time_ms : ndarray (T,)
        ms from movement onset.
    output : ndarray (C, T, M)
        Readout ``W r`` (the muscles).
    rates : ndarray (C, T, N)
        ``r = tanh(x)`` of every unit.
    hint_output : ndarray (C, T, K)
        Hint readout ``W_hint r`` (z-scored hints; K = 0 for FF).
    """

    angles: np.ndarray
    time_ms: np.ndarray
    output: np.ndarray
    rates: np.ndarray
    hint_output: np.ndarray


def simulate(net: TrainedRNN, angles, *, time_ms=None, input_noise: float = 0.0,
             noise_seed=None, prep_ms: float | None = None, switch_angles=None,
             switch_ms: float | None = None) -> RNNActivity:
    """Run a trained network (no learning, no state noise) for any directions.

    Parameters
    ----------
    net : TrainedRNN
    angles : array (C,)
        Directions, rad; need not be trained ones.
    time_ms : array (T,) or None
        Movement-epoch times to report, within the trained span (default: the trained grid);
        the dt-grid activity is interpolated linearly.
    input_noise : float
        Standard deviation of Gaussian white noise added to every input channel at every step
        (preparation included).
    noise_seed : np.random.SeedSequence or int, optional
        Seed of the input noise (required when ``input_noise > 0``); give each noisy trial its
        own child of ``SeedSequence.spawn`` (see :func:`ffhlib.seeds.spawn_seeds`).
    prep_ms, switch_angles, switch_ms
        Task variants (see :func:`trial_inputs`): another preparatory period; a cue switched to
        other directions during preparation.

    Returns
    -------
    RNNActivity
        Movement epoch only.
    """
    if not isinstance(net, TrainedRNN):
        raise TypeError(f"net must be a TrainedRNN, got {type(net).__name__}")
    angles = check_array("angles", np.atleast_1d(angles), ndim=1)
    input_noise = check_float("input_noise", input_noise, minimum=0.0)
    if input_noise > 0 and noise_seed is None:
        raise ValueError("noise_seed is required when input_noise > 0")
    params = net.params
    n_move = movement_steps(net.time_ms, params.dt_ms)
    fine = float(net.time_ms[0]) + params.dt_ms * np.arange(n_move)
    time_ms = net.time_ms if time_ms is None else check_array("time_ms", time_ms, ndim=1)
    if time_ms.size and (time_ms.min() < fine[0] - 1e-9 or time_ms.max() > fine[-1] + 1e-9):
        raise ValueError(f"time_ms must lie within the trained movement epoch "
                         f"[{fine[0]}, {fine[-1]}] ms")
    out, rates = simulate_arrays(
        net.J, np.concatenate([net.W, net.W_hint], axis=0), net.U_in, params, angles, net.time_ms,
        input_noise=input_noise, noise_seed=noise_seed, time_out=time_ms, prep_ms=prep_ms,
        switch_angles=switch_angles, switch_ms=switch_ms)
    m = net.n_outputs
    return RNNActivity(angles=angles, time_ms=time_ms, output=out[..., :m], rates=rates,
                       hint_output=out[..., m:])


def trial_states(net: TrainedRNN, angles, *, prep_ms: float | None = None):
    """The state ``x`` of every unit over a whole noiseless trial, preparation included.

    Parameters
    ----------
    net : TrainedRNN
    angles : array (C,)
    prep_ms : float, optional
        Preparatory period (default: the trained one).

    Returns
    -------
    (time_ms, x) : ndarray (S,), ndarray (C, S, N)
        Time from movement onset on the dt grid (negative during preparation) and the states
        (``x = artanh(r)`` of the recorded rates).
    """
    if not isinstance(net, TrainedRNN):
        raise TypeError(f"net must be a TrainedRNN, got {type(net).__name__}")
    angles = check_array("angles", np.atleast_1d(angles), ndim=1)
    params = net.params
    n_move = movement_steps(net.time_ms, params.dt_ms)
    f_in = trial_inputs(angles, params, n_move, prep_ms=prep_ms)
    n, n_steps = net.n_units, f_in.shape[1]
    rates = np.empty((angles.size, n_steps, n))
    out = np.empty((angles.size, n_steps, 0))
    work = np.empty((K.SIMULATE_WORK_ROWS, n))
    J = np.ascontiguousarray(net.J)
    for ci in range(angles.size):
        drive = np.ascontiguousarray(f_in[ci] @ net.U_in.T)
        K.simulate_trial(J, np.zeros((0, n)), np.zeros(n), drive, params.dt_ms / params.tau_ms,
                         out[ci], rates[ci], work, np.empty(0))
    time_ms = float(net.time_ms[0]) + params.dt_ms * (np.arange(n_steps) - (n_steps - n_move))
    return time_ms, np.arctanh(np.clip(rates, -1 + 1e-15, 1 - 1e-15))
