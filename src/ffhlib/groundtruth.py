"""The assembled ground truth: GP EMG targets, the SOC, and the gains that make it produce the EMG.

:func:`make_ground_truth` runs the three stages (EMG targets, SOC, gains) for the ``n_directions``
training directions and as many intermediate ones (offset by half the spacing), learning all gains
jointly with one shared readout, so that the ground truth is complete for the generalization
tests. The result is cached on disk; what the RNNs are trained on is ``GroundTruth.emg``, the EMG
the SOC actually produces (not the GP target it was fitted to).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ._params import param
from ._validate import check_bool, check_int, check_seed
from .cache import cached
from .dynamics import RateParams, preparatory_state
from .emg import EMGParams, emg_targets, intermediate_angles, training_angles
from .gains import GainParams, learn_gains
from .metrics import r2_score
from .soc import SOCParams, optimize_soc

__all__ = ["GroundTruth", "GroundTruthParams", "gain_learning_seconds", "make_ground_truth"]


@dataclass(frozen=True)
class GroundTruthParams:
    """Everything the ground truth depends on (besides the seed).

    Notes
    -----
    The EMG time step must equal the SOC's Euler step (the SOC is simulated on the EMG grid).
    """

    emg: EMGParams = param(EMGParams(), doc="GP EMG targets (chapter 1)", provenance="choice")
    soc: SOCParams = param(SOCParams(), doc="stability-optimised circuit (chapter 2)",
                           provenance="ref-code")
    rates: RateParams = param(RateParams(), doc="SOC rate dynamics", provenance="ref-code")
    gains: GainParams = param(GainParams(), doc="gain learning", provenance="choice")
    n_directions: int = param(
        8, doc="training reach directions 2*pi*c/n; as many intermediate ones are added",
        provenance="study-abstract")

    def __post_init__(self):
        for name, cls in (("emg", EMGParams), ("soc", SOCParams), ("rates", RateParams),
                          ("gains", GainParams)):
            value = getattr(self, name)
            if not isinstance(value, cls):
                raise TypeError(f"{name} must be a {cls.__name__}, got {type(value).__name__}")
        check_int("n_directions", self.n_directions, minimum=1)
        if abs(self.emg.dt_ms - self.rates.dt_ms) > 1e-12:
            raise ValueError(f"emg.dt_ms ({self.emg.dt_ms}) must equal rates.dt_ms "
                             f"({self.rates.dt_ms}): the SOC is simulated on the EMG time grid")

    @classmethod
    def quick(cls) -> GroundTruthParams:
        """Quick mode: every stage's quick preset (smaller SOC, fewer gain steps)."""
        return cls(emg=EMGParams.quick(), soc=SOCParams.quick(), rates=RateParams.quick(),
                   gains=GainParams.quick())


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """The ground-truth circuit and its activity for training and intermediate reach directions.

    Axis convention: (directions ``C``, time ``T``, units ``N`` or muscles ``M``).

    Attributes
    ----------
    angles : (C,) ndarray
        Reach angles (rad): the training directions first, then the intermediate ones.
    is_training : (C,) bool ndarray
    time_ms : (T,) ndarray
        Time from movement onset (ms).
    emg_target : (C, T, M) ndarray
        The GP EMG the gains were fitted to.
    emg : (C, T, M) ndarray
        The EMG the SOC's readout produces, ``bias + rates[..., :n_excitatory] @ readout.T``:
        the ground truth RNNs are trained on.
    rates : (C, T, N) ndarray
        Rates of all SOC neurons (Hz).
    gains : (C, N) ndarray
        Learned gain vector per direction.
    readout : (M, N_E) ndarray
        EMG readout weights from the excitatory neurons (shared across directions).
    bias : (M,) ndarray
    x0 : (N,) ndarray
        Preparatory state (Hz), shared by all directions.
    W : (N, N) ndarray
        SOC weights (column ``j`` = outgoing weights of neuron ``j``; first ``n_excitatory`` E).
    n_excitatory : int
    r2 : float
        R^2 of ``emg`` against ``emg_target`` pooled over these directions, muscles and time.
    r2_per_direction : (C,) ndarray
    seconds : float
        Compute time of gain learning in the original (possibly cached) run.
    r2_trace : (n_steps + 1,) ndarray or None
        R^2 (all directions) along gain learning.

    Notes
    -----
    :math:`\\tau \\dot x = -x + W f(x; g_c)`, :math:`x(0) = x_0`, :math:`\\mathrm{EMG}_k(t) = b_k +
    \\sum_{i \\in E} w_{ki} r_i(t)` (Stroud et al. 2018).
    """

    angles: np.ndarray
    is_training: np.ndarray
    time_ms: np.ndarray
    emg_target: np.ndarray
    emg: np.ndarray
    rates: np.ndarray
    gains: np.ndarray
    readout: np.ndarray
    bias: np.ndarray
    x0: np.ndarray
    W: np.ndarray
    n_excitatory: int
    r2: float
    r2_per_direction: np.ndarray
    seconds: float
    r2_trace: np.ndarray | None = None

    _PER_DIRECTION = ("angles", "is_training", "emg_target", "emg", "rates", "gains",
                      "r2_per_direction")

    @property
    def n_directions(self) -> int:
        """Number of directions ``C``."""
        return int(self.angles.shape[0])

    @property
    def n_neurons(self) -> int:
        """Number of SOC neurons ``N``."""
        return int(self.W.shape[0])

    @property
    def n_muscles(self) -> int:
        """Number of muscles ``M``."""
        return int(self.emg.shape[2])

    def select(self, index) -> GroundTruth:
        """The ground truth restricted to some directions.

        Parameters
        ----------
        index : int, slice, sequence of int, or (C,) bool array
            Directions to keep (in the given order).

        Returns
        -------
        GroundTruth
            Per-direction fields subset; ``r2`` recomputed over the kept directions.
        """
        idx = np.atleast_1d(np.arange(self.n_directions)[index])
        if idx.size == 0:
            raise ValueError("select() must keep at least one direction")
        changes = {name: getattr(self, name)[idx] for name in self._PER_DIRECTION}
        changes["r2"] = r2_score(changes["emg"], changes["emg_target"])
        return dataclasses.replace(self, **changes)

    @property
    def training(self) -> GroundTruth:
        """The training directions."""
        return self.select(self.is_training)

    @property
    def intermediate(self) -> GroundTruth:
        """The intermediate (held-out) directions."""
        return self.select(~self.is_training)


def _compute(params: GroundTruthParams, seed: int, progress: bool, use_cache: bool) -> dict:
    net = optimize_soc(params.soc, seed, progress=progress, use_cache=use_cache)
    n = params.n_directions
    angles = np.concatenate([training_angles(n), intermediate_angles(n)])
    targets = emg_targets(params.emg, angles, seed)
    x0 = preparatory_state(net.W, params.rates)
    fit = learn_gains(net.W, net.n_excitatory, x0, targets.emg, params.gains, params.rates,
                      progress=progress)
    return {
        "angles": angles, "is_training": np.arange(2 * n) < n, "time_ms": targets.time_ms,
        "emg_target": targets.emg, "emg": fit.emg, "rates": fit.rates, "gains": fit.gains,
        "readout": fit.readout, "bias": fit.bias, "x0": x0, "W": net.W,
        "n_excitatory": np.int64(net.n_excitatory), "r2": np.float64(fit.r2),
        "r2_per_direction": fit.r2_per_direction, "seconds": np.float64(fit.seconds),
        "r2_trace": fit.r2_trace,
    }


def make_ground_truth(params: GroundTruthParams | None = None, seed: int = 0, *,
                      progress: bool = True, use_cache: bool = True) -> GroundTruth:
    """Build (or load from the cache) the ground truth for ``2 * n_directions`` reach directions.

    Parameters
    ----------
    params : GroundTruthParams, optional
        Defaults to ``GroundTruthParams()`` (the paper's setting).
    seed : int
        Seed of every stage (each draws from its own stream: ``emg``, ``soc``).
    progress : bool
        Progress bars for the SOC optimisation and gain learning.
    use_cache : bool
        Read/write the on-disk cache (the SOC is cached separately by :func:`optimize_soc`).

    Returns
    -------
    GroundTruth
        Training directions ``2 pi c / n`` first, then the intermediate ``2 pi c / n + pi / n``.

    Notes
    -----
    Stages: :func:`ffhlib.emg.emg_targets`, :func:`ffhlib.soc.optimize_soc`,
    :func:`ffhlib.dynamics.preparatory_state`, :func:`ffhlib.gains.learn_gains` (all directions
    jointly, one shared least-squares readout).
    """
    params = GroundTruthParams() if params is None else params
    if not isinstance(params, GroundTruthParams):
        raise TypeError(f"params must be a GroundTruthParams, got {type(params).__name__}")
    seed = check_seed("seed", seed)
    progress = check_bool("progress", progress)
    use_cache = check_bool("use_cache", use_cache)
    arrays = cached("ground_truth", {"params": params, "seed": seed},
                    lambda: _compute(params, seed, progress, use_cache), enabled=use_cache)
    return GroundTruth(
        angles=arrays["angles"], is_training=arrays["is_training"].astype(bool),
        time_ms=arrays["time_ms"], emg_target=arrays["emg_target"], emg=arrays["emg"],
        rates=arrays["rates"], gains=arrays["gains"], readout=arrays["readout"],
        bias=arrays["bias"], x0=arrays["x0"], W=arrays["W"],
        n_excitatory=int(arrays["n_excitatory"]), r2=float(arrays["r2"]),
        r2_per_direction=arrays["r2_per_direction"], seconds=float(arrays["seconds"]),
        r2_trace=arrays["r2_trace"],
    )


def gain_learning_seconds(params: GroundTruthParams | None = None, seed: int = 0) -> float:
    """Wall-clock seconds of gain learning alone, at ``params`` (for ``make bench``).

    Builds the inputs (SOC from the cache if present, EMG targets for the ``2 * n_directions``
    directions, preparatory state), warms the numba kernels up, and times one uncached
    :func:`ffhlib.gains.learn_gains` run.
    """
    params = GroundTruthParams() if params is None else params
    if not isinstance(params, GroundTruthParams):
        raise TypeError(f"params must be a GroundTruthParams, got {type(params).__name__}")
    seed = check_seed("seed", seed)
    net = optimize_soc(params.soc, seed)
    n = params.n_directions
    angles = np.concatenate([training_angles(n), intermediate_angles(n)])
    targets = emg_targets(params.emg, angles, seed)
    x0 = preparatory_state(net.W, params.rates)
    # warm-up: load (or compile) the numba kernels outside the timed run
    learn_gains(net.W, net.n_excitatory, x0, targets.emg[:1, :3],
                dataclasses.replace(params.gains, n_steps=1), params.rates)
    return learn_gains(net.W, net.n_excitatory, x0, targets.emg, params.gains, params.rates).seconds
