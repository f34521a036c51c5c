"""Activations: each derivative against central finite differences of its function, the functions
against their defining formulas, and unknown names refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from ffhlib.activations import ACTIVATIONS, activate, check_activation, derivative

# States that avoid rtanh's kink at 0 by more than the finite-difference step.
X = np.concatenate([np.linspace(-6.0, -0.01, 40), np.linspace(0.01, 6.0, 40)])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_equals_central_differences(name):
    h = 1e-6
    numeric = (activate(name, X + h) - activate(name, X - h)) / (2 * h)
    np.testing.assert_allclose(derivative(name, X), numeric, rtol=1e-7, atol=1e-9)


def test_functions_follow_their_definitions():
    np.testing.assert_allclose(activate("tanh", X), np.tanh(X), rtol=0, atol=0)
    rtanh = activate("rtanh", X)
    np.testing.assert_array_equal(rtanh[X < 0], 0.0)
    np.testing.assert_allclose(rtanh[X > 0], np.tanh(X[X > 0]), rtol=1e-15)
    np.testing.assert_allclose(activate("softplus", X), np.log1p(np.exp(X)), rtol=1e-12)


def test_softplus_neither_overflows_nor_loses_its_tails():
    big = np.array([-800.0, 800.0])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(activate("softplus", big), [0.0, 800.0], atol=1e-300)
        np.testing.assert_allclose(derivative("softplus", big), [0.0, 1.0], atol=1e-300)


def test_rtanh_kink_takes_the_left_derivative():
    assert derivative("rtanh", 0.0) == 0.0
    assert derivative("tanh", 0.0) == 1.0


@pytest.mark.parametrize("bad", ["relu", "Tanh", "", None, 3])
def test_unknown_activation_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"activation must be one of 'tanh', 'rtanh', 'softplus'"):
        check_activation(bad)
    with pytest.raises(ValueError, match="activation"):
        activate(bad, X)
    with pytest.raises(ValueError, match="activation"):
        derivative(bad, X)
