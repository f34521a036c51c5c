"""The rate networks' activations ``phi`` by name, and their derivatives (plain NumPy).

Three activations [choice, after Kao 2019's first consideration]:

- ``"tanh"``: ``phi(x) = tanh(x)``, rates in (-1, 1), the activation of every full-FORCE network;
- ``"rtanh"``: the rectified tanh ``phi(x) = max(0, tanh(x))``, rates in [0, 1);
- ``"softplus"``: ``phi(x) = log(1 + exp(x))``, rates in (0, inf).

The gradient-trained networks (:mod:`ffhlib.bptt`) run their NumPy simulations with these
functions; their JAX training code has its own copies of the same formulas, and a test checks the
two against each other. The derivative of ``rtanh`` at ``x = 0`` (where it has a kink) is taken
as 0, the derivative from the left.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_choice

__all__ = ["ACTIVATIONS", "activate", "check_activation", "derivative"]

#: The activations by name.
ACTIVATIONS = ("tanh", "rtanh", "softplus")


def check_activation(name) -> str:
    """Return ``name`` if it names an activation; raise ``ValueError`` listing them otherwise."""
    return check_choice("activation", name, ACTIVATIONS)


def activate(name: str, x) -> np.ndarray:
    """``phi(x)`` of the activation ``name`` (elementwise, float64).

    Parameters
    ----------
    name : {"tanh", "rtanh", "softplus"}
    x : array_like
        States.

    Returns
    -------
    ndarray
        Rates, the shape of ``x``.
    """
    name = check_activation(name)
    x = np.asarray(x, dtype=np.float64)
    if name == "tanh":
        return np.tanh(x)
    if name == "rtanh":
        return np.maximum(0.0, np.tanh(x))
    return np.logaddexp(0.0, x)  # log(1 + e^x) without overflow


def derivative(name: str, x) -> np.ndarray:
    """``phi'(x)`` of the activation ``name`` (elementwise, float64).

    ``tanh``: ``1 - tanh(x)^2``; ``rtanh``: ``1 - tanh(x)^2`` for ``x > 0``, else 0;
    ``softplus``: the logistic sigmoid ``1 / (1 + exp(-x))``.
    """
    name = check_activation(name)
    x = np.asarray(x, dtype=np.float64)
    if name == "softplus":
        return np.exp(-np.logaddexp(0.0, -x))  # 1 / (1 + e^-x) without overflow
    slope = 1.0 - np.tanh(x) ** 2
    return slope if name == "tanh" else np.where(x > 0.0, slope, 0.0)
