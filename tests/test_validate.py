"""Validation helpers and named seed streams."""

from __future__ import annotations

import numpy as np
import pytest

from ffhlib import _validate as v
from ffhlib.notebook import chapter_arguments
from ffhlib.seeds import STREAMS, rng_for


@pytest.mark.parametrize("bad", [-5, 1.5, "3", True, None])
def test_check_int_rejects(bad):
    with pytest.raises((TypeError, ValueError), match="n_neurons"):
        v.check_int("n_neurons", bad, minimum=1)


def test_check_int_accepts_numpy_integers():
    assert v.check_int("n", np.int64(4), minimum=1) == 4


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, float("nan"), "0.3", False])
def test_check_fraction_rejects(bad):
    with pytest.raises((TypeError, ValueError), match=r"neuron_fraction.*\(0\.0, 1\.0\]"):
        v.check_fraction("neuron_fraction", bad)


def test_check_float_bounds_are_in_the_message():
    with pytest.raises(ValueError, match=r"target_abscissa must be a real number in \(0\.0, inf\]"):
        v.check_float("target_abscissa", 0.0, minimum=0.0, exclusive_minimum=True)


def test_check_bool_accepts_papermill_spellings_only():
    assert v.check_bool("quick", "true") is True
    assert v.check_bool("quick", "False") is False
    assert v.check_bool("quick", np.True_) is True
    for bad in (1, "yes", None):
        with pytest.raises(TypeError, match="quick"):
            v.check_bool("quick", bad)


def test_check_choice_lists_the_options():
    with pytest.raises(ValueError, match="'schur', 'scipy'"):
        v.check_choice("method", "eig", ("schur", "scipy"))


def test_check_array_shape_errors_name_the_parameter():
    with pytest.raises(ValueError, match=r"angles must have shape \(any\)"):
        v.check_array("angles", np.zeros((2, 2)), shape=(None,))
    with pytest.raises(ValueError, match=r"targets must have shape \(3, any\)"):
        v.check_array("targets", np.zeros((2, 2)), shape=(3, None))
    with pytest.raises(ValueError, match="finite"):
        v.check_array("targets", [1.0, np.nan], ndim=1)
    with pytest.raises(TypeError, match="targets"):
        v.check_array("targets", "abc", ndim=1)


def test_chapter_arguments():
    assert chapter_arguments(seed=3, quick="true") == (3, True)
    with pytest.raises(TypeError, match="seed"):
        chapter_arguments(seed="x", quick=False)
    with pytest.raises(ValueError, match="seed"):
        chapter_arguments(seed=-1, quick=False)


def test_streams_are_reproducible_and_independent():
    a = rng_for(3, "soc").standard_normal(5)
    np.testing.assert_array_equal(a, rng_for(3, "soc").standard_normal(5))
    draws = {s: rng_for(3, s).standard_normal(5) for s in STREAMS}
    assert len({d.tobytes() for d in draws.values()}) == len(STREAMS)
    assert not np.array_equal(a, rng_for(4, "soc").standard_normal(5))
    with pytest.raises(ValueError, match="stream"):
        rng_for(3, "nope")
