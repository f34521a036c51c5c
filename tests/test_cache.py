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


# --- what the key depends on -------------------------------------------------------------------


def _package_copy(directory, edits=()):
    """A copy of the installed package under ``directory``, with ``edits`` appended to files."""
    import shutil
    from pathlib import Path

    import ffhlib

    root = directory / "ffhlib"
    shutil.copytree(Path(ffhlib.__file__).parent, root,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in edits:
        path = root / name
        path.write_text(path.read_text() + "\n# an edit\n")
    return root


def test_a_kernel_edit_invalidates_cached_networks_a_plotting_edit_does_not(tmp_path):
    original = _package_copy(tmp_path / "original")
    closure = cache.module_closure("ffhlib.fullforce", original)
    assert "ffhlib._force_kernels" in closure and "ffhlib.seeds" in closure
    assert not any(m.startswith("ffhlib.plotting") for m in closure)
    assert "ffhlib.notebook" not in closure and "ffhlib.chapter" not in closure
    before = cache.code_version("ffhlib.fullforce", original)
    cosmetic = _package_copy(tmp_path / "cosmetic", ("plotting/_style.py", "notebook.py",
                                                     "chapter.py"))
    assert cache.code_version("ffhlib.fullforce", cosmetic) == before
    kernel = _package_copy(tmp_path / "kernel", ("_force_kernels.py",))
    assert cache.code_version("ffhlib.fullforce", kernel) == before  # a comment is not code
    path = kernel / "_force_kernels.py"
    path.write_text(path.read_text().replace("FASTMATH = {", "FASTMATH = {'afn', ", 1))
    fresh = _package_copy(tmp_path / "kernel2")
    (fresh / "_force_kernels.py").write_text(path.read_text())
    assert cache.code_version("ffhlib.fullforce", fresh) != before
    # a docstring is documentation, not code
    doc = _package_copy(tmp_path / "doc")
    text = (doc / "fullforce.py").read_text()
    (doc / "fullforce.py").write_text(text.replace('"""full-FORCE', '"""Full-FORCE', 1))
    assert cache.code_version("ffhlib.fullforce", doc) == before
    # the study's rows depend on the trainer too; the ground truth does not
    assert "ffhlib._force_kernels" in cache.module_closure("ffhlib.study", original)
    assert "ffhlib._force_kernels" not in cache.module_closure("ffhlib.groundtruth", original)


def test_key_includes_the_numerical_libraries_versions(monkeypatch):
    base = cache.cache_key("stage", _Params(), module="ffhlib.fullforce")
    cache._code_version.cache_clear()
    monkeypatch.setattr(cache, "_library_versions",
                        lambda: {"numpy": "0.0", "scipy": "0.0", "numba": "0.0"})
    try:
        assert cache.cache_key("stage", _Params(), module="ffhlib.fullforce") != base
    finally:
        monkeypatch.undo()
        cache._code_version.cache_clear()
    assert cache.cache_key("stage", _Params(), module="ffhlib.fullforce") == base


def test_default_cache_is_at_the_repository_root(monkeypatch):
    from pathlib import Path

    monkeypatch.delenv("FFHLIB_CACHE_DIR", raising=False)
    root = Path(cache.__file__).resolve().parents[2]
    assert cache.cache_dir() == root / ".cache" / "ffhlib"


# --- named results -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Inner:
    scale: float
    label: str


@dataclasses.dataclass(frozen=True)
class _Result:
    values: np.ndarray
    count: int
    ok: bool
    name: str
    ratio: float
    pair: tuple
    inner: _Inner
    maybe: np.ndarray | None = None


def test_named_results_survive_a_cache_round_trip(cache_dir):
    result = _Result(values=np.arange(6.0).reshape(2, 3), count=3, ok=True, name="ffh",
                     ratio=0.1 + 0.2, pair=(2, 7), inner=_Inner(scale=1e-300, label="x"))
    calls = []

    def compute():
        calls.append(1)
        return result

    first, hit1 = cache.cached_result("named", _Params(), compute, _Result, module="ffhlib.cache")
    second, hit2 = cache.cached_result("named", _Params(), compute, _Result, module="ffhlib.cache")
    assert (hit1, hit2) == (False, True) and len(calls) == 1
    for got in (first, second):
        np.testing.assert_array_equal(got.values, result.values)
        assert (got.count, got.ok, got.name, got.ratio, got.pair) == (3, True, "ffh", 0.1 + 0.2,
                                                                       (2, 7))
        assert got.inner == result.inner and got.maybe is None
    assert type(second.count) is int and type(second.ratio) is float and type(second.ok) is bool


def test_a_named_entry_missing_a_field_is_recomputed(cache_dir):
    result = _Result(values=np.zeros(2), count=1, ok=False, name="a", ratio=1.0, pair=(1,),
                     inner=_Inner(scale=2.0, label="b"))
    cache.cached_result("named", _Params(n=9), lambda: result, _Result, module="ffhlib.cache")
    (path,) = cache_dir.glob("named-*.npz")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files if k != "count"}
    np.savez(path, **arrays)
    with pytest.warns(UserWarning, match="does not hold"):
        again, hit = cache.cached_result("named", _Params(n=9), lambda: result, _Result,
                                         module="ffhlib.cache")
    assert not hit and again.count == 1


# --- compute time and the cache log --------------------------------------------------------------

def test_entries_keep_their_compute_time_and_the_log_records_reads_and_computations(
        cache_dir, tmp_path, monkeypatch):
    log = tmp_path / "log.tsv"
    monkeypatch.setenv("FFHLIB_CACHE_LOG", str(log))

    def slow():
        import time
        time.sleep(0.05)
        return {"x": np.ones(2)}

    first = cache.cached("timed", _Params(), slow)
    second = cache.cached("timed", _Params(), slow)
    assert set(first) == set(second) == {"x"}  # the time is not part of the result
    result = _Result(values=np.zeros(1), count=1, ok=True, name="n", ratio=0.5, pair=(1,),
                     inner=_Inner(scale=1.0, label="i"))
    for _ in range(3):
        cache.cached_result("named", _Params(n=5), lambda: result, _Result,
                            module="ffhlib.cache")
    events = cache.read_cache_log(log)
    assert [(e.event, e.stage) for e in events] == [
        ("computed", "timed"), ("read", "timed"), ("computed", "named"), ("read", "named"),
        ("read", "named")]
    (timed,) = cache_dir.glob("timed-*.npz")
    assert events[0].entry == events[1].entry == timed.name
    assert events[0].seconds >= 0.05 and events[1].seconds == pytest.approx(events[0].seconds,
                                                                            rel=1e-5)
    assert events[1].written == pytest.approx(timed.stat().st_mtime, abs=1e-3)
    # A later run that read these saved both entries' computation, each counted once; the run
    # that computed them saved nothing.
    reads = [e for e in events if e.event == "read"]
    later = cache.cache_savings(reads, since=events[-1].written + 1.0)
    assert later.n_entries == 2
    assert later.seconds == pytest.approx(events[1].seconds + events[3].seconds)
    assert cache.cache_savings(reads, since=events[0].written - 1.0) == cache.CacheSavings(0, 0.0)
    assert cache.cache_savings(events) == cache.CacheSavings(0, 0.0)


def test_cache_log_skips_broken_lines_and_a_missing_file(tmp_path):
    log = tmp_path / "log.tsv"
    log.write_text("read\tstage\ta.npz\t2.5\t100\ncomputed\tstage\tb.npz\t1\t200\n"
                   "read\tcut-sh\n"
                   "nonsense\tx\tc.npz\t1\t1\nread\tstage\td.npz\tnan\t100\n"
                   "read\tstage\te.npz\tabc\t1\n"
                   "read\tstage\tf.npz\t9\t17960")  # cut inside its last field: not trusted
    events = cache.read_cache_log(log)
    assert [e.entry for e in events] == ["a.npz", "b.npz", "d.npz"]
    assert cache.cache_savings(events, since=150.0) == cache.CacheSavings(2, 2.5)
    assert cache.read_cache_log(tmp_path / "absent.tsv") == ()


def _as_tuple(savings):
    return savings.n_entries, savings.seconds


def test_nested_entries_are_timed_apart_and_counted_once(cache_dir, tmp_path, monkeypatch):
    """An entry computed from other entries stores only its own time and the entries it used: a
    run reading it counts their computation once, whether or not it also reads them."""
    import time

    log = tmp_path / "log.tsv"
    monkeypatch.setenv("FFHLIB_CACHE_LOG", str(log))

    def leaf(n):
        def compute():
            time.sleep(0.1)
            return {"x": np.full(2, n)}
        return cache.cached("leaf", _Params(n=n), compute)

    def middle():
        time.sleep(0.1)
        return {"y": leaf(1)["x"] + leaf(2)["x"]}

    def outer():
        time.sleep(0.1)
        return {"z": cache.cached("middle", _Params(n=3), middle)["y"] * 2}

    start = time.perf_counter()
    cache.cached("outer", _Params(n=4), outer)
    wall = time.perf_counter() - start
    cold = cache.read_cache_log(log)
    assert [e.stage for e in cold] == ["leaf", "leaf", "middle", "outer"]
    assert all(e.event == "computed" for e in cold)
    # Each entry's own time holds its own sleep; together they fit in the wall time of the one
    # call (times that included the nested calls would sum to over twice that).
    assert all(e.seconds >= 0.1 for e in cold)
    assert sum(e.seconds for e in cold) <= wall
    assert cache.cache_savings(cold) == cache.CacheSavings(0, 0.0)

    log.unlink()
    cache.cached("outer", _Params(n=4), outer)  # one read holds all four computations
    warm = cache.read_cache_log(log)
    assert [e.event for e in warm] == ["read", "within", "within", "within"]
    assert {e.entry for e in warm} == {e.entry for e in cold}
    own = {e.entry: e.seconds for e in cold}
    assert {e.entry: e.seconds for e in warm} == pytest.approx(own, rel=1e-5)
    total = sum(own.values())
    assert _as_tuple(cache.cache_savings(warm)) == pytest.approx((4, total))
    # reading a nested entry as well does not count it twice
    cache.cached("leaf", _Params(n=1), lambda: pytest.fail("must be read"))
    again = cache.read_cache_log(log)
    assert again[-1].event == "read" and again[-1].stage == "leaf"
    assert _as_tuple(cache.cache_savings(again)) == pytest.approx((4, total))
    # what the run computed itself is not a saving, even when something it read holds it
    (leaf1,) = [e for e in cold if e.stage == "leaf" and e.entry == again[-1].entry]
    mixed = (*warm, leaf1)
    assert _as_tuple(cache.cache_savings(mixed)) == pytest.approx((3, total - leaf1.seconds))


def test_what_a_failed_nested_computation_used_stays_with_the_enclosing_one(cache_dir, tmp_path,
                                                                            monkeypatch):
    log = tmp_path / "log.tsv"
    monkeypatch.setenv("FFHLIB_CACHE_LOG", str(log))

    def failing():
        cache.cached("leaf", _Params(n=21), lambda: {"x": np.ones(1)})
        raise RuntimeError("diverged")

    def outer():
        try:
            cache.cached("middle", _Params(n=22), failing)
        except RuntimeError:
            pass
        return {"y": np.zeros(1)}

    cache.cached("outer", _Params(n=23), outer)
    assert [(e.event, e.stage) for e in cache.read_cache_log(log)] == [
        ("computed", "leaf"), ("computed", "outer")]
    log.unlink()
    cache.cached("outer", _Params(n=23), lambda: pytest.fail("must be read"))
    events = cache.read_cache_log(log)
    assert [e.event for e in events] == ["read", "within"] and events[1].entry.startswith("leaf-")


def test_an_unwritable_log_warns_and_the_result_is_still_cached(cache_dir, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("FFHLIB_CACHE_LOG", str(tmp_path / "no-such-folder" / "log.tsv"))
    with pytest.warns(UserWarning, match="cache log"):
        first = cache.cached("stage", _Params(n=12), lambda: {"x": np.ones(1)})
    with pytest.warns(UserWarning, match="cache log"):
        second = cache.cached("stage", _Params(n=12), lambda: pytest.fail("must be read"))
    np.testing.assert_array_equal(first["x"], second["x"])


@pytest.mark.parametrize("name", ["__compute_seconds__", "__used_entries__", "__used_seconds__"])
def test_the_bookkeeping_names_are_reserved(cache_dir, name):
    with pytest.raises(ValueError, match="reserved"):
        cache.cached("stage", _Params(n=11), lambda: {name: np.ones(1)})
