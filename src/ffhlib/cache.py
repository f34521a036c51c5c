"""Content-hashed, atomic on-disk cache for the expensive stages.

Each entry is one ``.npz`` file named by a SHA-256 of

- the stage name and everything the result depends on (parameters, seeds, input arrays),
- the code of the module that computes the stage **and of every ffhlib module it imports**
  (directly or not; docstrings, comments and layout left out): an edit to a numba kernel
  invalidates the cached networks, while an edit to a plotting function, a notebook helper or a
  docstring invalidates nothing,
- the versions of NumPy, SciPy and numba (their numerics can differ between releases).

Files are written to a temporary name and renamed into place (atomic on POSIX), loaded with
``allow_pickle=False``, and an entry that cannot be read (truncated, corrupt, pickled, or lacking a
field) is recomputed and rewritten instead of trusted.

Every entry also stores how many seconds its own computation took (less the time spent in the
cache entries it used) and the entries it was computed from, with their own seconds. When
``$FFHLIB_CACHE_LOG`` names a file, each read and each computation of an entry appends a line to
it (``read`` or ``computed``, the stage, the entry, its own seconds, when it was written), and a
read also appends a ``within`` line for every entry the one read was computed from: ``make book``
keeps one such log per chapter, so that the build can say how much computation it took from the
cache, counting each entry once (:func:`read_cache_log`, :func:`cache_savings`).

The directory is ``$FFHLIB_CACHE_DIR`` if set; otherwise ``.cache/ffhlib`` at the root of the
repository this library was installed from (an editable install, as ``make venv`` makes), whichever
way a chapter is run; a library installed elsewhere uses ``~/.cache/ffhlib``.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import os
import tempfile
import threading
import time
import types
import typing
import warnings
import zipfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import numpy as np

from .cache_log import CacheEvent, CacheSavings, _log, cache_savings, read_cache_log

__all__ = [
    "cache_dir",
    "cache_key",
    "cached",
    "cached_result",
    "code_version",
    "from_arrays",
    "cache_savings",
    "module_closure",
    "read_cache_log",
    "to_arrays",
    "CacheEvent",
    "CacheSavings",
]

_ENV = "FFHLIB_CACHE_DIR"
#: Names of the arrays in every entry that hold its own computation's seconds and the entries it
#: was computed from (file names, and their own seconds).
_SECONDS = "__compute_seconds__"
_USED = "__used_entries__"
_USED_SECONDS = "__used_seconds__"
_RESERVED = (_SECONDS, _USED, _USED_SECONDS)
_PACKAGE = "ffhlib"
_ROOT = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """The cache directory (see the module docstring for the rule)."""
    env = os.environ.get(_ENV)
    if env:
        return Path(env)
    repository = _ROOT.parents[1]
    if (repository / "_toc.yml").is_file():
        return repository / ".cache" / "ffhlib"
    return Path.home() / ".cache" / "ffhlib"


# ----------------------------------------------------------------------------- code versions


def _module_path(module: str, root: Path) -> Path | None:
    """The source file of ``ffhlib.a.b`` under the package directory ``root``."""
    parts = module.split(".")[1:]
    base = root.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    path = base.with_suffix(".py")
    return path if path.is_file() else None


def _imported_modules(module: str, root: Path) -> set[str]:
    """The ffhlib modules that ``module``'s source imports (anywhere in the file)."""
    path = _module_path(module, root)
    if path is None:
        return set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == _PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != _PACKAGE:
                continue
            found.add(base)
            # `from . import x` / `from .pkg import sub`: the names may be submodules
            found.update(f"{base}.{a.name}" for a in node.names
                         if _module_path(f"{base}.{a.name}", root) is not None)
    return {m for m in found if _module_path(m, root) is not None}


def module_closure(module: str, root: Path | None = None) -> tuple[str, ...]:
    """``module`` and every ffhlib module it imports, directly or not (sorted).

    Parameters
    ----------
    module : str
        A module of the package, e.g. ``"ffhlib.fullforce"``.
    root : Path, optional
        The package directory (default: this installed package); tests pass a modified copy.
    """
    root = _ROOT if root is None else Path(root)
    if _module_path(module, root) is None:
        raise ValueError(f"module must be a module of {_PACKAGE}, got {module!r}")
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(_imported_modules(current, root) - seen)
    return tuple(sorted(seen))


def _library_versions() -> dict[str, str]:
    import numba
    import scipy

    return {"numpy": np.__version__, "scipy": scipy.__version__, "numba": numba.__version__}


def _code_text(path: Path) -> str:
    """A module's code without its docstrings, comments and layout (``ast.dump`` of the tree):
    an edit to documentation alone changes no cache key."""
    tree = ast.parse(path.read_text(), filename=str(path))
    scopes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, scopes) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


@cache
def _code_version(module: str, root: Path) -> str:
    digest = hashlib.sha256()
    for name in module_closure(module, root):
        digest.update(name.encode())
        digest.update(_code_text(_module_path(name, root)).encode())
    digest.update(json.dumps(_library_versions(), sort_keys=True).encode())
    return digest.hexdigest()


def code_version(module: str, root: Path | None = None) -> str:
    """SHA-256 of the code of ``module``'s import closure (docstrings, comments and layout left
    out) and of the NumPy/SciPy/numba versions."""
    return _code_version(module, _ROOT if root is None else Path(root))


# ----------------------------------------------------------------------------- keys


def _canonical(value):
    """Turn parameters into JSON-serialisable, order-stable data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": type(value).__name__,
                **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, np.ndarray):
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"__array__": digest,
                "shape": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return _canonical(value.item())
    if isinstance(value, float):
        return repr(value)  # exact, and distinguishes 1.0 from 1
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"cannot hash a cache-key value of type {type(value).__name__}")


def cache_key(stage: str, params, *, module: str = "ffhlib.cache") -> str:
    """The hex key of ``stage`` under ``params``, computed by ``module``.

    ``params`` may nest dataclasses, dicts, sequences, scalars and arrays (hashed by content).
    """
    blob = json.dumps({"stage": stage, "params": _canonical(params),
                       "code": code_version(module)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


# ----------------------------------------------------------------------------- files


def _load(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            out = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        warnings.warn(f"cache entry {path.name} is unreadable ({err}); recomputing", stacklevel=3)
        return None
    return out


def _save(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **{k: np.asarray(v) for k, v in arrays.items()})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Frame:
    """Bookkeeping of one computation in progress: the cache entries it used (directly or not),
    with their own seconds, and the wall time spent getting them."""

    def __init__(self):
        self.used: dict[str, float] = {}
        self.nested_seconds = 0.0


_frames = threading.local()


def _stack() -> list[_Frame]:
    if not hasattr(_frames, "stack"):
        _frames.stack = []
    return _frames.stack


def _report(name: str, own: float, used: Mapping[str, float], elapsed: float) -> None:
    """Tell the computation in progress (if any) that it used entry ``name``."""
    stack = _stack()
    if stack:
        stack[-1].used.update(used)
        stack[-1].used[name] = own
        stack[-1].nested_seconds += elapsed


def _compute_timed(compute: Callable[[], T]) -> tuple[T, float, dict[str, float]]:
    """``compute()``, its own seconds (wall time less the time spent in nested cache calls) and
    the entries it used."""
    stack = _stack()
    stack.append(_Frame())
    start = time.perf_counter()
    try:
        result = compute()
    except BaseException:
        # What the failed computation used is still the enclosing one's (if it carries on).
        frame = stack.pop()
        if stack:
            stack[-1].used.update(frame.used)
            stack[-1].nested_seconds += frame.nested_seconds
        raise
    frame = stack.pop()
    own = max(time.perf_counter() - start - frame.nested_seconds, 0.0)
    return result, own, frame.used


def _bookkeeping(own: float, used: Mapping[str, float]) -> dict[str, np.ndarray]:
    names = sorted(used)
    return {_SECONDS: np.float64(own), _USED: np.array(names, dtype=str),
            _USED_SECONDS: np.array([used[n] for n in names], dtype=np.float64)}


def _split_bookkeeping(arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], float,
                                                                dict[str, float]]:
    """The entry's arrays without the cache's bookkeeping; its own seconds (NaN when absent) and
    the entries it was computed from."""
    seconds = arrays.pop(_SECONDS, None)
    names = arrays.pop(_USED, None)
    times = arrays.pop(_USED_SECONDS, None)
    used = {}
    if (names is not None and times is not None and names.ndim == 1
            and names.shape == times.shape):
        used = {str(n): float(t) for n, t in zip(names.tolist(), times.tolist(), strict=True)}
    own = float(seconds) if seconds is not None and seconds.size == 1 else float("nan")
    return arrays, own, used


def _entry(stage: str, params, module: str) -> Path:
    return cache_dir() / f"{stage}-{cache_key(stage, params, module=module)[:24]}.npz"


def cached(
    stage: str,
    params,
    compute: Callable[[], Mapping[str, np.ndarray]],
    *,
    module: str = "ffhlib.cache",
    enabled: bool = True,
) -> dict[str, np.ndarray]:
    """Return ``compute()``'s arrays, from the cache when an entry for (stage, params) exists.

    Parameters
    ----------
    stage : str
        Name of the stage (part of the key and of the file name).
    params
        Everything the result depends on, seed included: dataclasses, dicts, scalars, arrays.
    compute : callable
        Returns a mapping of names to arrays (no object arrays: they could not be loaded
        without pickle).
    module : str
        The module that computes the stage: its import closure's source is part of the key.
    enabled : bool
        ``False`` computes without reading or writing the cache.

    Returns
    -------
    dict of str to ndarray
    """
    def as_arrays():
        return {k: np.asarray(v) for k, v in compute().items()}

    if not enabled:
        return as_arrays()
    arrays, _ = _read_or_compute(stage, params, module, as_arrays,
                                 encode=_storable, decode=lambda arrays, path: arrays)
    return arrays


#: What a decoder returns for an entry that loads but does not hold the expected result.
_UNDECODABLE = object()


def _storable(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` if the cache can store them: no object arrays, none of its own names."""
    bad = [k for k, v in arrays.items() if v.dtype == object]
    if bad:
        raise TypeError(f"cannot cache object arrays without pickle: {bad}")
    reserved = sorted(set(arrays) & set(_RESERVED))
    if reserved:
        raise ValueError(f"array names {reserved} are reserved for the cache")
    return arrays


def _read_or_compute(stage: str, params, module: str, compute: Callable[[], T],
                     encode: Callable[[T], dict[str, np.ndarray]],
                     decode: Callable[[dict[str, np.ndarray], Path], object]) -> tuple[T, bool]:
    """The one path of every cached stage: ``(value, hit)``.

    Read the entry if it loads and ``decode(arrays, path)`` does not return
    :data:`_UNDECODABLE`; otherwise compute, ``encode`` the value into arrays and save them with
    the bookkeeping. Either way the event is logged and reported to the computation in progress.
    """
    start = time.perf_counter()
    path = _entry(stage, params, module)
    if path.exists():
        arrays = _load(path)
        if arrays is not None:
            arrays, own, used = _split_bookkeeping(arrays)
            value = decode(arrays, path)
            if value is not _UNDECODABLE:
                _log("read", stage, own, path, used)
                _report(path.name, own, used, time.perf_counter() - start)
                return value, True
    value, own, used = _compute_timed(compute)
    _save(path, {**_storable(encode(value)), **_bookkeeping(own, used)})
    _log("computed", stage, own, path)
    _report(path.name, own, used, time.perf_counter() - start)
    return value, False


# ----------------------------------------------------------------------------- named results

_NONE = "__none__"
T = typing.TypeVar("T")


def _unwrap_optional(hint):
    """``X | None`` -> ``(X, True)``; anything else -> ``(hint, False)``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0], True
    return hint, False


def to_arrays(result, prefix: str = "") -> dict[str, np.ndarray]:
    """Flatten a (nested) frozen dataclass of arrays and scalars into ``{name: ndarray}``.

    Nested dataclasses become ``"field.sub"`` entries, ``None`` a ``"field.__none__"`` marker,
    strings fixed-width unicode arrays (loadable without pickle).
    """
    if not (dataclasses.is_dataclass(result) and not isinstance(result, type)):
        raise TypeError(f"result must be a dataclass instance, got {type(result).__name__}")
    out = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        name = prefix + f.name
        if value is None:
            out[f"{name}.{_NONE}"] = np.asarray(True)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.update(to_arrays(value, prefix=name + "."))
        else:
            array = np.asarray(value)
            if array.dtype == object:
                raise TypeError(f"field {name!r} cannot be stored without pickle")
            out[name] = array
    return out


def from_arrays(cls: type[T], arrays: Mapping[str, np.ndarray], prefix: str = "") -> T:
    """Rebuild a dataclass of type ``cls`` from :func:`to_arrays` output (types from its hints)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        name = prefix + f.name
        hint, optional = _unwrap_optional(hints[f.name])
        if optional and f"{name}.{_NONE}" in arrays:
            values[f.name] = None
            continue
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            values[f.name] = from_arrays(hint, arrays, prefix=name + ".")
            continue
        array = arrays[name]
        origin = typing.get_origin(hint) or hint
        if origin is float:
            values[f.name] = float(array)
        elif origin is bool:
            values[f.name] = bool(array)
        elif origin is int:
            values[f.name] = int(array)
        elif origin is str:
            values[f.name] = str(array)
        elif origin is tuple:
            values[f.name] = tuple(array.tolist())
        else:
            values[f.name] = np.asarray(array)
    return cls(**values)


def cached_result(
    stage: str,
    params,
    compute: Callable[[], T],
    cls: type[T],
    *,
    module: str,
    enabled: bool = True,
) -> tuple[T, bool]:
    """Like :func:`cached` for a named result: ``(result, hit)``, ``hit`` True if read from disk.

    An entry that loads but cannot be turned back into ``cls`` (a field missing) counts as
    corrupt: it is recomputed with a warning.
    """
    if not enabled:
        return compute(), False

    def decode(arrays, path):
        try:
            return from_arrays(cls, arrays)
        except (KeyError, TypeError, ValueError) as err:
            warnings.warn(f"cache entry {path.name} does not hold a {cls.__name__} ({err!r}); "
                          "recomputing", stacklevel=4)
            return _UNDECODABLE

    return _read_or_compute(stage, params, module, compute, encode=to_arrays, decode=decode)
