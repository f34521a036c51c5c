"""Content-hashed, atomic on-disk cache for the expensive stages.

Each entry is one ``.npz`` file named by a SHA-256 of the stage name, its parameters, its seed and
the library's source code, so any change to any of them gives a new key (stale entries are never
read). Files are written to a temporary name and renamed into place (atomic on POSIX), loaded with
``allow_pickle=False``, and an entry that cannot be read (truncated, corrupt, pickled) is
recomputed and rewritten instead of trusted.

The directory is ``$FFHLIB_CACHE_DIR`` if set, else ``~/.cache/ffhlib``; the Makefile points it at
``.cache/ffhlib`` in the repository (gitignored).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["cache_dir", "cache_key", "cached", "code_version"]

_ENV = "FFHLIB_CACHE_DIR"


def cache_dir() -> Path:
    """The cache directory: ``$FFHLIB_CACHE_DIR`` if set, else ``~/.cache/ffhlib``."""
    return Path(os.environ.get(_ENV) or Path.home() / ".cache" / "ffhlib")


@cache
def code_version() -> str:
    """SHA-256 of the library's source files: an edit to any of them invalidates every entry."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(value):
    """Turn parameters into JSON-serialisable, order-stable data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": type(value).__name__, **_canonical(dataclasses.asdict(value))}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, np.ndarray):
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"__array__": digest,
                "shape": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return repr(value)  # exact, and distinguishes 1.0 from 1
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"cannot hash a cache-key value of type {type(value).__name__}")


def cache_key(stage: str, params) -> str:
    """The hex key of ``stage`` under ``params``.

    ``params`` may nest dataclasses, dicts, sequences, scalars and arrays (hashed by content).
    """
    blob = json.dumps({"stage": stage, "params": _canonical(params), "code": code_version()},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


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


def cached(
    stage: str,
    params,
    compute: Callable[[], Mapping[str, np.ndarray]],
    *,
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
    enabled : bool
        ``False`` computes without reading or writing the cache.

    Returns
    -------
    dict of str to ndarray
    """
    if not enabled:
        return {k: np.asarray(v) for k, v in compute().items()}
    path = cache_dir() / f"{stage}-{cache_key(stage, params)[:24]}.npz"
    if path.exists():
        hit = _load(path)
        if hit is not None:
            return hit
    arrays = {k: np.asarray(v) for k, v in compute().items()}
    bad = [k for k, v in arrays.items() if v.dtype == object]
    if bad:
        raise TypeError(f"cannot cache object arrays without pickle: {bad}")
    _save(path, arrays)
    return arrays
