r"""EMG-like muscle activity for reaching: a Gaussian process over time and reach angle.

Each muscle's latent activity :math:`z_k(t, \theta)` is a zero-mean Gaussian process with covariance

.. math::

    \operatorname{cov}[z_k(t,\theta), z_k(t',\theta')] =
    \exp\!\Big(-\frac{(t-t')^2}{2\ell_t^2}\Big)\,
    \exp\!\Big(-\frac{2\sin^2((\theta-\theta')/2)}{\ell_\theta^2}\Big),

squared-exponential in time and periodic in angle (Rasmussen & Williams 2006, Sec. 4.2), so that
neighbouring reach directions have related activity. The EMG is

.. math::

    \mathrm{EMG}_k(t, \theta) = c_k\,\operatorname{softplus}(\beta z_k(t,\theta))\,
    \sin^2(\pi t / D),

non-negative, at baseline (zero) at movement onset and end, with :math:`c_k` scaling each muscle to
a maximum of 1 over a fixed dense grid of angles. The study states only that its EMG-like activity
was drawn from a Gaussian process; the kernel, the envelope and every constant are choices of this
book.

The periodic kernel is a Fourier series in angle,
:math:`\exp(-2\sin^2(d/2)/\ell^2) = \sum_{n\ge0} a_n \cos(n d)` with
:math:`a_0 = e^{-1/\ell^2} I_0(1/\ell^2)`, :math:`a_n = 2 e^{-1/\ell^2} I_n(1/\ell^2)`, so the
process is sampled exactly as

.. math::

    z(t,\theta) = \sum_{n=0}^{H} \sqrt{a_n}\,\big(A_n(t)\cos n\theta + B_n(t)\sin n\theta\big)

with independent SE-kernel draws :math:`A_n, B_n` on the time grid: the EMG is a function of angle,
defined at any angle, and does not depend on which other angles are requested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ive

from ._params import param
from ._validate import check_array, check_float, check_int, check_seed
from .seeds import rng_for

__all__ = [
    "EMGParams",
    "EMGTargets",
    "emg_targets",
    "intermediate_angles",
    "periodic_kernel_coefficients",
    "training_angles",
]


@dataclass(frozen=True)
class EMGParams:
    """Parameters of the Gaussian-process EMG targets (chapter 1)."""

    n_muscles: int = param(10, doc="number of muscles M", provenance="study-abstract")
    duration_ms: float = param(500.0, doc="duration D of the movement epoch", provenance="ref-code",
                               unit="ms")
    dt_ms: float = param(5.0, doc="spacing of the time grid", provenance="choice", unit="ms")
    time_scale_ms: float = param(60.0, doc="length scale of the squared-exponential kernel in time",
                                 provenance="choice", unit="ms")
    angle_scale_rad: float = param(1.0, doc="length scale of the periodic kernel in reach angle",
                                   provenance="choice", unit="rad")
    softplus_gain: float = param(2.0, doc="beta in softplus(beta z): larger = sparser, peakier EMG",
                                 provenance="choice")
    n_harmonics: int = param(
        16, doc="angular harmonics H kept in the Fourier series of the periodic kernel",
        provenance="choice")
    n_normalization_angles: int = param(
        360, doc="size of the fixed angle grid over which each muscle is scaled to max 1",
        provenance="choice")

    def __post_init__(self):
        check_int("n_muscles", self.n_muscles, minimum=1)
        check_float("duration_ms", self.duration_ms, minimum=0.0, exclusive_minimum=True)
        check_float("dt_ms", self.dt_ms, minimum=0.0, exclusive_minimum=True)
        check_float("time_scale_ms", self.time_scale_ms, minimum=0.0, exclusive_minimum=True)
        check_float("angle_scale_rad", self.angle_scale_rad, minimum=0.05, maximum=100.0)
        check_float("softplus_gain", self.softplus_gain, minimum=0.0, exclusive_minimum=True)
        check_int("n_harmonics", self.n_harmonics, minimum=0, maximum=200)
        check_int("n_normalization_angles", self.n_normalization_angles, minimum=8)
        steps = self.duration_ms / self.dt_ms
        if abs(steps - round(steps)) > 1e-9 or round(steps) < 2:
            raise ValueError(
                f"duration_ms must be a multiple (>= 2x) of dt_ms; got {self.duration_ms} and "
                f"{self.dt_ms}")
        missing = 1.0 - periodic_kernel_coefficients(self.angle_scale_rad, self.n_harmonics).sum()
        if missing > 1e-6:
            raise ValueError(
                f"n_harmonics={self.n_harmonics} truncates the periodic kernel of angle_scale_rad="
                f"{self.angle_scale_rad} too much (kernel variance lost {missing:.1e} > 1e-6); "
                "raise n_harmonics")

    @property
    def time_ms(self) -> np.ndarray:
        """The time grid 0, dt, ..., D in ms, shape (T,)."""
        n = round(self.duration_ms / self.dt_ms)
        return np.arange(n + 1) * self.dt_ms

    @classmethod
    def quick(cls) -> EMGParams:
        """Preset for quick mode (the EMG is cheap: same as the defaults)."""
        return cls()


@dataclass(frozen=True)
class EMGTargets:
    """EMG targets for a set of reach directions.

    Attributes
    ----------
    angles : ndarray, shape (C,)
        Reach angles in radians.
    time_ms : ndarray, shape (T,)
        Time from movement onset in ms.
    emg : ndarray, shape (C, T, M)
        Non-negative muscle activity (dimensionless). Each muscle's maximum over the fixed
        normalisation grid of angles is exactly 1 (between grid angles it can exceed 1 by
        ~1e-5: the grid is fine and the EMG smooth in angle).
    """

    angles: np.ndarray
    time_ms: np.ndarray
    emg: np.ndarray

    @property
    def n_conditions(self) -> int:
        """Number of reach directions C."""
        return self.emg.shape[0]

    @property
    def n_muscles(self) -> int:
        """Number of muscles M."""
        return self.emg.shape[2]


def training_angles(n: int = 8) -> np.ndarray:
    r"""The ``n`` training reach angles :math:`2\pi c/n`, c = 0..n-1 (radians), shape (n,)."""
    n = check_int("n", n, minimum=1)
    return 2.0 * np.pi * np.arange(n) / n


def intermediate_angles(n: int = 8) -> np.ndarray:
    r"""The ``n`` angles halfway between training angles, :math:`2\pi c/n + \pi/n`, shape (n,)."""
    n = check_int("n", n, minimum=1)
    return training_angles(n) + np.pi / n


def periodic_kernel_coefficients(angle_scale_rad: float, n_harmonics: int) -> np.ndarray:
    r"""Fourier coefficients :math:`a_0..a_H` of the periodic kernel.

    Parameters
    ----------
    angle_scale_rad : float
        Length scale :math:`\ell` (radians).
    n_harmonics : int
        H.

    Returns
    -------
    ndarray, shape (H + 1,)
        :math:`a_0 = e^{-x} I_0(x)`, :math:`a_n = 2e^{-x} I_n(x)` with :math:`x = 1/\ell^2`, so that
        :math:`\sum_n a_n \cos(nd) = \exp(-2\sin^2(d/2)/\ell^2)` (a truncated series; the sum of
        all coefficients is 1).
    """
    ell = check_float("angle_scale_rad", angle_scale_rad, minimum=0.0, exclusive_minimum=True)
    h = check_int("n_harmonics", n_harmonics, minimum=0)
    x = 1.0 / ell**2
    a = 2.0 * ive(np.arange(h + 1), x)
    a[0] /= 2.0
    return a


def _se_factor(time_ms: np.ndarray, scale_ms: float) -> np.ndarray:
    """L with L L^T = the SE kernel on the grid (eigen square root: robust to ill-conditioning)."""
    d = time_ms[:, None] - time_ms[None, :]
    K = np.exp(-0.5 * (d / scale_ms) ** 2)
    vals, vecs = np.linalg.eigh(K)
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


def _latent(params: EMGParams, coefficients: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """z(t, theta) for every muscle at ``angles``: shape (C, T, M)."""
    h = params.n_harmonics
    sqrt_a = np.sqrt(periodic_kernel_coefficients(params.angle_scale_rad, h))
    n = np.arange(h + 1)
    cos = np.cos(np.outer(angles, n)) * sqrt_a  # (C, H+1)
    sin = np.sin(np.outer(angles, n)) * sqrt_a
    A, B = coefficients  # each (H+1, T, M)
    return np.einsum("cn,ntm->ctm", cos, A) + np.einsum("cn,ntm->ctm", sin, B)


def _softplus(x):
    return np.logaddexp(0.0, x)


def emg_targets(params: EMGParams, angles, seed: int) -> EMGTargets:
    r"""EMG of every muscle for the reach directions ``angles``.

    Parameters
    ----------
    params : EMGParams
    angles : array_like, shape (C,)
        Reach angles in radians (any real values; the EMG is :math:`2\pi`-periodic in angle).
    seed : int
        Non-negative seed; draws use the ``"emg"`` stream (:func:`ffhlib.seeds.rng_for`).

    Returns
    -------
    EMGTargets
        ``emg`` of shape (C, T, M) on ``params.time_ms``.

    Notes
    -----
    :math:`\mathrm{EMG}_k(t,\theta) = c_k\,\operatorname{softplus}(\beta z_k(t,\theta))\sin^2(\pi
    t/D)` with :math:`z_k` the GP of the module docstring and :math:`c_k` the reciprocal of the
    maximum over ``n_normalization_angles`` equally spaced angles and all times. The random draws
    depend only on the seed and on the time grid and kernel, never on ``angles``.
    """
    if not isinstance(params, EMGParams):
        raise TypeError(f"params must be EMGParams, got {type(params).__name__}")
    angles = check_array("angles", angles, ndim=1)
    if angles.size == 0:
        raise ValueError("angles must contain at least one angle, got shape (0,)")
    seed = check_seed("seed", seed)

    time_ms = params.time_ms
    h, m = params.n_harmonics, params.n_muscles
    rng = rng_for(seed, "emg")
    xi = rng.standard_normal((2, h + 1, time_ms.size, m))
    L = _se_factor(time_ms, params.time_scale_ms)
    coefficients = np.einsum("ts,knsm->kntm", L, xi)  # A_n(t), B_n(t) per muscle
    envelope = np.sin(np.pi * time_ms / params.duration_ms) ** 2

    def emg_at(theta):
        z = _latent(params, coefficients, theta)
        return _softplus(params.softplus_gain * z) * envelope[None, :, None]

    grid = training_angles(params.n_normalization_angles)
    scale = 1.0 / emg_at(grid).max(axis=(0, 1))  # (M,)
    emg = emg_at(angles) * scale
    return EMGTargets(angles=angles.copy(), time_ms=time_ms, emg=emg)
