"""Input validation shared by every public function and chapter parameter cell.

Each check raises before any heavy work, with a message that names the parameter and the allowed
range: ``TypeError`` for a value of the wrong type, ``ValueError`` for one out of range.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

__all__ = [
    "check_array",
    "check_bool",
    "check_choice",
    "check_float",
    "check_fraction",
    "check_int",
    "check_seed",
    "check_square",
]


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[minimum, maximum]``.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (booleans and strings are rejected).
    ValueError
        If ``value`` lies outside the allowed range.
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer{_range_text(minimum, maximum)}, got {value!r}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be an integer{_range_text(minimum, maximum)}, got {value}")
    return value


def check_float(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` inside the given bounds.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (booleans and strings are rejected).
    ValueError
        If ``value`` is not finite or lies outside the bounds.
    """
    lo = "(" if exclusive_minimum else "["
    hi = ")" if exclusive_maximum else "]"
    low = "-inf" if minimum is None else minimum
    high = "inf" if maximum is None else maximum
    bounds = f" in {lo}{low}, {high}{hi}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number{bounds}, got {value!r}")
    value = float(value)
    bad = not np.isfinite(value)
    if minimum is not None:
        bad |= value <= minimum if exclusive_minimum else value < minimum
    if maximum is not None:
        bad |= value >= maximum if exclusive_maximum else value > maximum
    if bad:
        raise ValueError(f"{name} must be a real number{bounds}, got {value}")
    return value


def check_fraction(name: str, value) -> float:
    """Return ``value`` as a float in (0, 1] (a fraction of units to observe)."""
    return check_float(name, value, minimum=0.0, maximum=1.0, exclusive_minimum=True)


def check_bool(name: str, value) -> bool:
    """Return ``value`` as ``bool``.

    Accepts booleans and the command-line spellings ``"true"``/``"false"`` (any case): papermill's
    ``-p quick true`` injects the *string* ``"true"``. Anything else (``1``, ``"yes"``) is rejected.
    """
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be true or false, got {value!r}")
    return bool(value)


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_seed(name: str, value) -> int:
    """Return a seed as a non-negative ``int`` (what ``np.random.SeedSequence`` accepts)."""
    return check_int(name, value, minimum=0)


def check_array(
    name: str,
    value,
    *,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Return ``value`` as a float64 array of the given ``ndim``/``shape`` (``None`` = any size).

    Raises
    ------
    TypeError
        If ``value`` cannot be converted to a float array.
    ValueError
        If the dimension or shape differs, or (``finite=True``) an entry is NaN or infinite.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        kind = type(value).__name__
        raise TypeError(f"{name} must be an array of real numbers, got {kind}") from err
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and arr.ndim != ndim:
        want = _shape_text(shape) if shape is not None else f"{ndim}-D"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    if shape is not None and any(
        w is not None and w != s for w, s in zip(shape, arr.shape, strict=True)
    ):
        raise ValueError(f"{name} must have shape {_shape_text(shape)}, got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers")
    return arr


def _shape_text(shape) -> str:
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"


def _range_text(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f" in [{minimum}, {maximum}]"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def check_square(name: str, value) -> np.ndarray:
    """Return ``value`` as a finite float64 square matrix of shape (N, N), N >= 1."""
    arr = check_array(name, value, ndim=2)
    if arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise ValueError(
            f"{name} must be a square (N, N) matrix with N >= 1, got shape {arr.shape}")
    return arr
