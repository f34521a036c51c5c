r"""Stability-optimised circuit (SOC): construction and optimisation of the ground-truth network.

A sparse excitatory/inhibitory network with strong random weights (spectral abscissa ~ R) is made
stable by changing only its inhibitory weights until the spectral abscissa
:math:`\alpha(W) = \max_i \operatorname{Re} \lambda_i(W)` falls below a target (Hennequin, Vogels &
Gerstner 2014, Neuron 82:1394), following the recipe of the public reference code of Stroud et al.
2018 (ModelDB accession 246004).
The result is stable yet strongly non-normal: some initial states are transiently amplified.

Two implementations of the same recipe:

``method="scipy"``
    the straightforward reference: ``np.linalg.eigvals`` for the abscissa and
    ``scipy.linalg.solve_continuous_lyapunov`` for each of the two Lyapunov equations (each call
    computes two Schur decompositions of its own).
``method="schur"``
    one real Schur decomposition :math:`W = U T U^\top` per iteration serves everything: the
    abscissa is the largest diagonal entry of :math:`T` (LAPACK's standardised Schur form puts the
    common real part of a complex pair on both diagonal entries of its 2x2 block), and both
    Lyapunov equations become triangular Sylvester equations in the Schur basis, solved by LAPACK
    ``trsyl``.

Both follow the same step (:func:`soc_update`); the defaults add two [choice]s that cut the number
of steps: a step size scaled with N (``learning_rate`` means eta at N = 200) and heavy-ball
momentum.
``SOCParams.reference()`` is the recipe as written (SciPy, eta = 10, no momentum).

Convention: ``W[i, j]`` is the weight from neuron ``j`` to neuron ``i`` (column ``j`` holds the
outgoing weights of ``j``); the first ``n_excitatory`` columns are excitatory (>= 0), the rest
inhibitory (<= 0) (Dale's law).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.linalg.lapack import dtrsyl
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from ._params import param
from ._validate import (
    check_array,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_square,
)
from .cache import cached
from .errors import DivergenceError
from .seeds import rng_for

__all__ = [
    "METHOD_CHOICES",
    "SOCNetwork",
    "SOCParams",
    "SOCStep",
    "dale_ok",
    "ei_balance",
    "initial_soc",
    "lyapunov_pair",
    "optimize_soc",
    "soc_update",
    "spectral_abscissa",
]

#: The implementations of the optimisation recipe (see the module docstring).
METHOD_CHOICES = ("schur", "scipy")


@dataclass(frozen=True)
class SOCParams:
    r"""Parameters of the stability-optimised circuit (chapter 2; Hennequin et al. 2014).

    Notes
    -----
    Initial weights: each off-diagonal entry is nonzero with probability ``density``; nonzero
    excitatory weights are :math:`w_0/\sqrt{N}`, inhibitory ones :math:`-\gamma w_0/\sqrt{N}`, with
    :math:`w_0 = \sqrt{2} R / \sqrt{p (1-p) (1+\gamma^2)}`, which puts the bulk of the spectrum in
    a disc of radius about ``radius``.
    """

    n_neurons: int = param(200, doc="number of neurons N", provenance="study-abstract")
    excitatory_fraction: float = param(
        0.5, doc="fraction of excitatory neurons (the first columns of W)", provenance="ref-code")
    density: float = param(0.1, doc="connection probability p of the initial matrix",
                           provenance="ref-code")
    radius: float = param(10.0, doc="spectral radius R of the initial random matrix",
                          provenance="ref-code")
    inhibition_ratio: float = param(
        3.0, doc="gamma: mean inhibitory weight = -gamma x mean excitatory weight (E/I balance)",
        provenance="ref-code")
    target_abscissa: float = param(
        0.15, doc="optimisation stops when the spectral abscissa of W falls below this",
        provenance="ref-code")
    learning_rate: float = param(
        40.0, doc="eta, step size on the normalised gradient QP/tr(QP) for N = 200 (the step "
        "used is eta x N / 200, so that its size relative to the weights does not depend on N); "
        "reference code: 10", provenance="choice")
    momentum: float = param(
        0.9, doc="heavy-ball momentum mu: each step adds mu x the previous (projected) change of "
        "the inhibitory weights; 0 = the reference recipe", provenance="choice")
    max_iterations: int = param(
        5000, doc="the optimisation raises if the target is not reached within this many steps",
        provenance="choice")
    inhibitory_keep: float = param(
        0.4, doc="fraction of the N x N_I inhibitory entries kept (the strongest) after each step",
        provenance="ref-paper")
    method: str = param(
        "schur", doc="'schur' (one real Schur decomposition per step) or 'scipy' (the reference "
        "recipe, with SciPy's Lyapunov solver)", provenance="choice")

    def __post_init__(self):
        check_int("n_neurons", self.n_neurons, minimum=4)
        check_float("excitatory_fraction", self.excitatory_fraction, minimum=0.0, maximum=1.0,
                    exclusive_minimum=True, exclusive_maximum=True)
        check_float("density", self.density, minimum=0.0, maximum=1.0, exclusive_minimum=True,
                    exclusive_maximum=True)
        check_float("radius", self.radius, minimum=0.0, exclusive_minimum=True)
        check_float("inhibition_ratio", self.inhibition_ratio, minimum=0.0, exclusive_minimum=True)
        # < 1: the linear dynamics tau dx/dt = -x + W x must be stable (preparatory state, rates)
        check_float("target_abscissa", self.target_abscissa, minimum=0.0, maximum=1.0,
                    exclusive_minimum=True, exclusive_maximum=True)
        check_float("learning_rate", self.learning_rate, minimum=0.0, exclusive_minimum=True)
        check_float("momentum", self.momentum, minimum=0.0, maximum=1.0, exclusive_maximum=True)
        check_int("max_iterations", self.max_iterations, minimum=1)
        check_float("inhibitory_keep", self.inhibitory_keep, minimum=0.0, maximum=1.0,
                    exclusive_minimum=True)
        check_choice("method", self.method, METHOD_CHOICES)
        n_exc = round(self.excitatory_fraction * self.n_neurons)
        if not 1 <= n_exc <= self.n_neurons - 1:
            raise ValueError(
                "excitatory_fraction * n_neurons must leave at least one excitatory and one "
                f"inhibitory neuron; got {self.excitatory_fraction} x {self.n_neurons}")

    @property
    def n_excitatory(self) -> int:
        """Number of excitatory neurons, ``round(excitatory_fraction * n_neurons)``."""
        return round(self.excitatory_fraction * self.n_neurons)

    @property
    def step_size(self) -> float:
        """The step size used, ``learning_rate * n_neurons / 200``."""
        return self.learning_rate * self.n_neurons / 200.0

    @classmethod
    def quick(cls) -> SOCParams:
        """Reduced preset for quick mode: a 60-neuron network, same recipe."""
        return cls(n_neurons=60)

    @classmethod
    def reference(cls, **changes) -> SOCParams:
        """The reference code's recipe as written (SciPy Lyapunov solver, eta = 10, no momentum),
        e.g. for benchmarks; ``changes`` are applied on top."""
        return dataclasses.replace(
            cls(method="scipy", learning_rate=10.0, momentum=0.0, max_iterations=20000), **changes)


@dataclass(frozen=True)
class SOCNetwork:
    r"""An optimised stability-optimised circuit.

    Attributes
    ----------
    W : ndarray, shape (N, N)
        Weights; ``W[i, j]`` from neuron ``j`` to ``i``; columns ``:n_excitatory`` are >= 0, the
        others <= 0; zero diagonal.
    n_excitatory : int
        Number of excitatory neurons (the first columns).
    abscissa_trace : ndarray, shape (iterations + 1,)
        Spectral abscissa before each step and after the last one.
    iterations : int
        Number of optimisation steps taken.
    seconds : float
        Wall time of the optimisation when it was computed (kept in the cache).

    Notes
    -----
    The spectral abscissa is :math:`\alpha(W) = \max_i \operatorname{Re} \lambda_i(W)`; the linear
    dynamics :math:`\tau \dot x = -x + W x` are stable when :math:`\alpha(W) < 1`.
    """

    W: np.ndarray
    n_excitatory: int
    abscissa_trace: np.ndarray
    iterations: int
    seconds: float

    @property
    def n_neurons(self) -> int:
        """Number of neurons N."""
        return self.W.shape[0]

    @property
    def abscissa(self) -> float:
        """Spectral abscissa of the final W."""
        return float(self.abscissa_trace[-1])

    @property
    def initial_abscissa(self) -> float:
        """Spectral abscissa of the initial random W."""
        return float(self.abscissa_trace[0])


def spectral_abscissa(W) -> float:
    r"""Largest real part of the eigenvalues of ``W``.

    Parameters
    ----------
    W : array_like, shape (N, N)

    Returns
    -------
    float
        :math:`\alpha(W) = \max_i \operatorname{Re} \lambda_i(W)` (``np.linalg.eigvals``).
    """
    W = check_square("W", W)
    return float(np.max(np.linalg.eigvals(W).real))


def initial_soc(params: SOCParams, rng) -> np.ndarray:
    r"""The initial sparse random E/I matrix (before optimisation).

    Parameters
    ----------
    params : SOCParams
    rng : int or numpy.random.Generator
        Seed or generator (normalised with ``np.random.default_rng``).

    Returns
    -------
    ndarray, shape (N, N)
        Zero diagonal; each off-diagonal entry nonzero with probability ``density``; nonzero
        excitatory entries :math:`w_0/\sqrt N`, inhibitory ones :math:`-\gamma w_0/\sqrt N`.

    Notes
    -----
    :math:`w_0 = \sqrt{2} R / \sqrt{p(1-p)(1+\gamma^2)}` (Hennequin et al. 2014).
    """
    if not isinstance(params, SOCParams):
        raise TypeError(f"params must be SOCParams, got {type(params).__name__}")
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer,
                                                                  np.random.Generator)):
        raise TypeError(f"rng must be a non-negative int seed or a numpy Generator, got {rng!r}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(check_seed("rng", rng))
    n, n_exc = params.n_neurons, params.n_excitatory
    p, gamma = params.density, params.inhibition_ratio
    w0 = np.sqrt(2.0) * params.radius / np.sqrt(p * (1.0 - p) * (1.0 + gamma**2))
    mask = rng.random((n, n)) < p
    np.fill_diagonal(mask, False)
    W = np.zeros((n, n))
    W[:, :n_exc] = w0 / np.sqrt(n)
    W[:, n_exc:] = -gamma * w0 / np.sqrt(n)
    return W * mask


def _shift(abscissa: float) -> float:
    """The shift s = max(1.5 alpha, alpha + 0.2) of the recipe (A = W - s I is stable)."""
    return max(1.5 * abscissa, abscissa + 0.2)


def _trsyl(T, trana, tranb, C):
    X, scale, info = dtrsyl(T, T, C, trana=trana, tranb=tranb)
    if info < 0:
        raise ValueError(f"trsyl: illegal argument {-info}")
    # info == 1 means perturbed (near-common) eigenvalues; fine for a stable shifted T.
    return X / scale


def _lyapunov_schur(T, U, shift):
    """Q, P in the original basis from the real Schur form W = U T U^T."""
    n = T.shape[0]
    A = T - shift * np.eye(n)
    C = -2.0 * np.eye(n)
    Qs = _trsyl(A, "T", "N", C)  # A^T Q + Q A = -2 I
    Ps = _trsyl(A, "N", "T", C)  # A P + P A^T = -2 I
    return Qs, Ps


def lyapunov_pair(W, shift: float, *, method: str = "schur"):
    r"""Solve the two Lyapunov equations of the SOC gradient.

    Parameters
    ----------
    W : array_like, shape (N, N)
    shift : float
        s; ``A = W - s I`` must be stable (s > spectral abscissa of W).
    method : {"schur", "scipy"}

    Returns
    -------
    Q, P : ndarray, shape (N, N)
        Solutions of :math:`A^\top Q + Q A = -2I` (observability Gramian) and
        :math:`A P + P A^\top = -2I` (controllability Gramian).
    """
    W = check_square("W", W)
    shift = check_float("shift", shift)
    check_choice("method", method, METHOD_CHOICES)
    n = W.shape[0]
    if method == "scipy":
        A = W - shift * np.eye(n)
        Q = scipy.linalg.solve_continuous_lyapunov(A.T, -2.0 * np.eye(n))
        P = scipy.linalg.solve_continuous_lyapunov(A, -2.0 * np.eye(n))
        return Q, P
    T, U = scipy.linalg.schur(W, output="real")
    Qs, Ps = _lyapunov_schur(T, U, shift)
    return U @ Qs @ U.T, U @ Ps @ U.T


def _project(W, n_exc, gamma, keep, targets):
    """Clip, prune, zero the diagonal and restore the E/I balance of the inhibitory columns."""
    n = W.shape[0]
    WI = W[:, n_exc:]
    np.minimum(WI, 0.0, out=WI)
    n_keep = round(keep * WI.size)
    if n_keep < WI.size:
        mag = np.abs(WI).ravel()
        # threshold = the n_keep-th largest magnitude; everything weaker is pruned.
        thresh = np.partition(mag, WI.size - n_keep)[WI.size - n_keep]
        WI[np.abs(WI) < thresh] = 0.0
    idx = np.arange(n_exc, n)
    W[idx, idx] = 0.0
    for rows, target in zip((slice(0, n_exc), slice(n_exc, n)), targets, strict=True):
        mean_i = WI[rows].mean()
        if not mean_i < 0.0:
            raise DivergenceError("all inhibitory weights onto a population were pruned to zero; "
                                  "lower learning_rate")
        WI[rows] *= target / mean_i
    return W


def _balance_targets(W, n_exc, gamma):
    """Mean inhibitory weight onto E and onto I required by the balance: -gamma x mean E weight."""
    return (-gamma * W[:n_exc, :n_exc].mean(), -gamma * W[n_exc:, :n_exc].mean())


def ei_balance(W, n_excitatory: int):
    """Ratios (mean I weight / mean E weight) onto the E and onto the I population.

    Parameters
    ----------
    W : array_like, shape (N, N)
    n_excitatory : int

    Returns
    -------
    ndarray, shape (2,)
        ``-mean(W[E, I]) / mean(W[E, E])`` and ``-mean(W[I, I]) / mean(W[I, E])``: both equal
        gamma for a balanced network.
    """
    W = check_square("W", W)
    n_exc = check_int("n_excitatory", n_excitatory, minimum=1, maximum=W.shape[0] - 1)
    return np.array([-W[:n_exc, n_exc:].mean() / W[:n_exc, :n_exc].mean(),
                     -W[n_exc:, n_exc:].mean() / W[n_exc:, :n_exc].mean()])


def dale_ok(W, n_excitatory: int) -> bool:
    """True if excitatory columns are >= 0 and inhibitory columns <= 0 (Dale's law)."""
    W = check_square("W", W)
    n_exc = check_int("n_excitatory", n_excitatory, minimum=0, maximum=W.shape[0])
    return bool(np.all(W[:, :n_exc] >= 0.0) and np.all(W[:, n_exc:] <= 0.0))


def _abscissa(W, method):
    """Spectral abscissa of W and, for 'schur', its real Schur form (T, U) (reused by the step)."""
    if method == "schur":
        schur = scipy.linalg.schur(W, output="real", check_finite=False)
        return float(np.max(np.diag(schur[0]))), schur
    return float(np.max(np.linalg.eigvals(W).real)), None


@dataclass(frozen=True)
class SOCStep:
    """Result of one optimisation step (:func:`soc_update`).

    Attributes
    ----------
    W : ndarray, shape (N, N)
        Weights after the step.
    abscissa : float
        Spectral abscissa of the weights *before* the step.
    velocity : ndarray, shape (N, N_I)
        Change of the inhibitory columns made by this step (after projection); pass it to the
        next step for momentum.
    """

    W: np.ndarray
    abscissa: float
    velocity: np.ndarray


def soc_update(W, n_excitatory: int, params: SOCParams, velocity=None) -> SOCStep:
    r"""One optimisation step of the reference code's recipe, with ``params.method``.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Current weights (not modified).
    n_excitatory : int
    params : SOCParams
        ``learning_rate``, ``momentum``, ``inhibition_ratio``, ``inhibitory_keep`` and ``method``
        are used.
    velocity : array_like, shape (N, N - n_excitatory), optional
        The previous step's change of the inhibitory columns (momentum); ``None`` = zero.

    Returns
    -------
    SOCStep

    Notes
    -----
    With :math:`s = \max(1.5\alpha, \alpha + 0.2)` and :math:`A = W - sI`, solve
    :math:`A^\top Q + QA = -2I`, :math:`AP + PA^\top = -2I`;
    :math:`G = QP/\operatorname{tr}(QP)` (gradient of the smoothed spectral abscissa, Hennequin et
    al. 2014); :math:`W_I \leftarrow W_I + \mu V - \eta_N G_I` with
    :math:`\eta_N = \eta N / 200` and :math:`V` the previous change; then positive inhibitory
    weights are clipped to 0, only the strongest ``inhibitory_keep`` fraction of inhibitory entries
    is kept, the diagonal is zeroed, and the I->E and I->I blocks are rescaled so that the mean
    inhibitory weight onto each population is :math:`-\gamma` times the mean excitatory weight
    onto it (last, so that every invariant holds exactly after each step). The new :math:`V` is
    the change of :math:`W_I` made by the whole step, projection included.
    """
    W = check_square("W", W).copy()
    n_exc = check_int("n_excitatory", n_excitatory, minimum=1, maximum=W.shape[0] - 1)
    if not isinstance(params, SOCParams):
        raise TypeError(f"params must be SOCParams, got {type(params).__name__}")
    shape = (W.shape[0], W.shape[0] - n_exc)
    velocity = (np.zeros(shape) if velocity is None
                else check_array("velocity", velocity, shape=shape).copy())
    targets = _balance_targets(W, n_exc, params.inhibition_ratio)
    abscissa, schur = _abscissa(W, params.method)
    _step_from_abscissa(W, n_exc, params, targets, schur, abscissa, velocity)
    return SOCStep(W=W, abscissa=abscissa, velocity=velocity)


def _optimize(W, n_exc, params, progress):
    W = W.copy()
    targets = _balance_targets(W, n_exc, params.inhibition_ratio)
    velocity = np.zeros((W.shape[0], W.shape[0] - n_exc))
    trace = []
    bar = tqdm(total=params.max_iterations, desc=f"SOC ({params.method})", disable=not progress,
               mininterval=0.5)
    try:
        for _ in range(params.max_iterations + 1):
            abscissa, schur = _abscissa(W, params.method)
            if not np.isfinite(abscissa) or abscissa > 1e6:
                raise DivergenceError(f"SOC optimisation diverged (abscissa {abscissa})")
            trace.append(abscissa)
            if abscissa < params.target_abscissa or len(trace) > params.max_iterations:
                break
            _step_from_abscissa(W, n_exc, params, targets, schur, abscissa, velocity)
            bar.update(1)
            if len(trace) % 10 == 0:
                bar.set_postfix(abscissa=f"{abscissa:.3f}", refresh=False)
    finally:
        bar.close()
    if trace[-1] >= params.target_abscissa:
        raise RuntimeError(
            f"SOC optimisation did not reach target_abscissa={params.target_abscissa} within "
            f"max_iterations={params.max_iterations} (abscissa {trace[-1]:.4f}); raise "
            "max_iterations or change learning_rate/momentum")
    return W, np.array(trace)


def _step_from_abscissa(W, n_exc, params, targets, schur, abscissa, velocity):
    """One step on W and velocity (both in place), given W's abscissa (and Schur form)."""
    n = W.shape[0]
    s = _shift(abscissa)
    if params.method == "scipy":
        A = W - s * np.eye(n)
        Q = scipy.linalg.solve_continuous_lyapunov(A.T, -2.0 * np.eye(n))
        P = scipy.linalg.solve_continuous_lyapunov(A, -2.0 * np.eye(n))
        QP = Q @ P
        G_I = QP[:, n_exc:] / np.trace(QP)
    else:
        T, U = schur
        Qs, Ps = _lyapunov_schur(T, U, s)
        M = Qs @ Ps  # QP = U M U^T and tr(QP) = tr(M)
        G_I = U @ (M @ U[n_exc:].T) / np.trace(M)
    if not np.all(np.isfinite(G_I)):
        raise DivergenceError("non-finite SOC gradient")
    old = W[:, n_exc:].copy()
    W[:, n_exc:] += params.momentum * velocity - params.step_size * G_I
    _project(W, n_exc, params.inhibition_ratio, params.inhibitory_keep, targets)
    np.subtract(W[:, n_exc:], old, out=velocity)


def optimize_soc(params: SOCParams, seed: int, *, progress: bool = False,
                 use_cache: bool = True) -> SOCNetwork:
    """Build the initial random E/I network and optimise it until it is stable.

    Parameters
    ----------
    params : SOCParams
    seed : int
        Non-negative seed; the initial matrix uses the ``"soc"`` stream
        (:func:`ffhlib.seeds.rng_for`).
    progress : bool
        Show a tqdm progress bar.
    use_cache : bool
        Read/write the on-disk cache (:mod:`ffhlib.cache`).

    Returns
    -------
    SOCNetwork

    Raises
    ------
    RuntimeError
        If ``params.max_iterations`` steps do not bring the abscissa below ``target_abscissa``.
    DivergenceError
        If the weights become non-finite.

    Notes
    -----
    Each step is :func:`soc_update`; the loop stops at the first W whose spectral abscissa is below
    ``target_abscissa``.
    """
    if not isinstance(params, SOCParams):
        raise TypeError(f"params must be SOCParams, got {type(params).__name__}")
    seed = check_seed("seed", seed)
    progress = check_bool("progress", progress)
    use_cache = check_bool("use_cache", use_cache)

    def compute():
        start = time.perf_counter()
        W0 = initial_soc(params, rng_for(seed, "soc"))
        # One BLAS/LAPACK thread: at N ~ 200 threads gain nothing, and on a busy machine
        # OpenBLAS's threads oversubscribe the cores (measured: 20x slower on 2 shared cores).
        with threadpool_limits(limits=1, user_api="blas"):
            W, trace = _optimize(W0, params.n_excitatory, params, progress)
        seconds = time.perf_counter() - start
        return {"W": W, "abscissa_trace": trace, "seconds": np.float64(seconds)}

    out = cached("soc", {"params": params, "seed": seed}, compute, enabled=bool(use_cache))
    trace = out["abscissa_trace"]
    return SOCNetwork(W=out["W"], n_excitatory=params.n_excitatory, abscissa_trace=trace,
                      iterations=int(trace.size - 1), seconds=float(out["seconds"]))
