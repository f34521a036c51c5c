"""The on-disk cache: keyed by content, atomic, pickle-free, and it never trusts a corrupt file."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ffhlib import cache


@dataclasses.dataclass(frozen=True)
class _Params:
    n: int = 3
    scale: float = 1.0


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FFHLIB_CACHE_DIR", str(tmp_path))
    return tmp_path


def _counting(values):
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.asarray(values, dtype=float), "n": np.asarray(len(values))}

    return compute, calls


def test_second_call_is_read_from_disk(cache_dir):
    compute, calls = _counting([1.0, 2.0])
    first = cache.cached("stage", _Params(), compute)
    second = cache.cached("stage", _Params(), compute)
    assert len(calls) == 1
    np.testing.assert_array_equal(first["x"], second["x"])
    assert len(list(cache_dir.glob("stage-*.npz"))) == 1


def test_key_changes_with_params_stage_and_exact_float_value():
    base = cache.cache_key("stage", _Params())
    assert cache.cache_key("stage", _Params(n=4)) != base
    assert cache.cache_key("other", _Params()) != base
    assert cache.cache_key("stage", _Params(scale=1.0 + 1e-15)) != base
    assert cache.cache_key("stage", {"a": 1, "b": 2}) == cache.cache_key("stage", {"b": 2, "a": 1})
    assert cache.cache_key("stage", np.arange(3)) != cache.cache_key("stage", np.arange(1, 4))


def test_truncated_file_is_recomputed_not_trusted(cache_dir):
    compute, calls = _counting([1.0, 2.0, 3.0])
    cache.cached("stage", _Params(), compute)
    (path,) = cache_dir.glob("stage-*.npz")
    path.write_bytes(path.read_bytes()[:40])
    with pytest.warns(UserWarning, match="unreadable"):
        again = cache.cached("stage", _Params(), compute)
    assert len(calls) == 2
    np.testing.assert_array_equal(again["x"], [1.0, 2.0, 3.0])
    # ... and the entry was rewritten whole
    np.testing.assert_array_equal(cache.cached("stage", _Params(), compute)["x"], [1.0, 2.0, 3.0])
    assert len(calls) == 2


def test_garbage_file_is_recomputed(cache_dir):
    compute, calls = _counting([5.0])
    path = cache_dir / f"stage-{cache.cache_key('stage', _Params())[:24]}.npz"
    path.write_bytes(b"not a zip file at all")
    with pytest.warns(UserWarning):
        out = cache.cached("stage", _Params(), compute)
    assert len(calls) == 1 and out["x"][0] == 5.0


def test_object_arrays_are_refused(cache_dir):
    with pytest.raises(TypeError, match="pickle"):
        cache.cached("stage", _Params(), lambda: {"x": np.array([{"a": 1}], dtype=object)})
    assert not list(cache_dir.glob("*"))


def test_pickled_entry_is_not_unpickled(cache_dir):
    """An entry holding an object array (as a malicious or foreign file could) is recomputed."""
    path = cache_dir / f"stage-{cache.cache_key('stage', _Params())[:24]}.npz"
    np.savez(path, x=np.array([{"payload": 1}], dtype=object))
    compute, calls = _counting([7.0])
    with pytest.warns(UserWarning, match="unreadable"):
        out = cache.cached("stage", _Params(), compute)
    assert len(calls) == 1 and out["x"][0] == 7.0


def test_failed_compute_leaves_no_file(cache_dir):
    def boom():
        raise RuntimeError("diverged")

    with pytest.raises(RuntimeError):
        cache.cached("stage", _Params(), boom)
    assert not list(cache_dir.glob("*"))


def test_disabled_cache_writes_nothing(cache_dir):
    compute, calls = _counting([1.0])
    cache.cached("stage", _Params(), compute, enabled=False)
    cache.cached("stage", _Params(), compute, enabled=False)
    assert len(calls) == 2 and not list(cache_dir.glob("*"))


def test_unhashable_parameter_is_a_clear_error():
    with pytest.raises(TypeError, match="cache-key"):
        cache.cache_key("stage", {"f": object()})
