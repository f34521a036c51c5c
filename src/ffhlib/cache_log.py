"""The cache log: what a run read from the on-disk cache and what it computed.

When ``$FFHLIB_CACHE_LOG`` names a file, :mod:`ffhlib.cache` appends one line per event to it:
``read`` or ``computed``, the stage, the entry's file name, the entry's own compute seconds and
when it was written; a read also appends a ``within`` line for every entry the one read was
computed from. ``make book`` keeps one log per chapter, from which the reproducibility appendix
says how much computation a build took from the cache, each entry counted once
(:func:`read_cache_log`, :func:`cache_savings`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

__all__ = ["CacheEvent", "CacheSavings", "cache_savings", "read_cache_log"]

_LOG_ENV = "FFHLIB_CACHE_LOG"
_EVENTS = ("read", "computed", "within")


def _log_line(log: str, line: str) -> None:
    try:
        with open(log, "a", encoding="utf-8") as handle:  # one short write per event: whole lines
            handle.write(line)
    except OSError as err:
        warnings.warn(f"cannot write the cache log {log} ({err}); continuing without it",
                      stacklevel=4)


def _log(event: str, stage: str, seconds: float, path: Path,
         used: Mapping[str, float] | None = None) -> None:
    """Append to ``$FFHLIB_CACHE_LOG`` (if set) one line per event: event, stage, entry file, own
    compute seconds, and when the entry was written (seconds since the epoch); for a read, one
    ``within`` line per entry it was computed from (stage ``-``, written when the entry read was).
    """
    log = os.environ.get(_LOG_ENV)
    if not log:
        return
    try:
        written = path.stat().st_mtime
    except OSError:
        written = float("nan")
    lines = [f"{event}\t{stage}\t{path.name}\t{seconds:.6g}\t{written:.3f}\n"]
    if event == "read":
        lines += [f"within\t-\t{name}\t{own:.6g}\t{written:.3f}\n"
                  for name, own in sorted((used or {}).items())]
    _log_line(log, "".join(lines))


@dataclasses.dataclass(frozen=True)
class CacheEvent:
    """One line of a cache log.

    Attributes
    ----------
    event : {"read", "computed", "within"}
        ``within``: the entry was used to compute an entry read just before (it was not read
        itself, but what was read holds its computation).
    stage : str
        ``"-"`` for a ``within`` line.
    entry : str
        The entry's file name.
    seconds : float
        What computing the entry itself took, less the entries it used (NaN for an entry of an
        older format without a time).
    written : float
        When the entry was written (for ``within``: when the entry read was), in seconds since
        the epoch.
    """

    event: str
    stage: str
    entry: str
    seconds: float
    written: float


def read_cache_log(path: str | Path) -> tuple[CacheEvent, ...]:
    """The events of a cache log written through ``$FFHLIB_CACHE_LOG`` (none if it is missing).

    Malformed lines, and a last line without its newline (cut short by a killed process), are
    skipped.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    events = []
    for line in text.split("\n")[:-1]:  # the last piece is empty unless the line was cut
        parts = line.split("\t")
        if len(parts) != 5 or parts[0] not in _EVENTS:
            continue
        try:
            seconds, written = float(parts[3]), float(parts[4])
        except ValueError:
            continue
        events.append(CacheEvent(parts[0], parts[1], parts[2], seconds, written))
    return tuple(events)


@dataclasses.dataclass(frozen=True)
class CacheSavings:
    """What a run took from the cache that it did not compute itself.

    Attributes
    ----------
    n_entries : int
        Distinct entries read, or used to compute an entry read, that the run did not compute.
    seconds : float
        What computing them had taken, each entry's own time counted once (entries without a
        recorded time count as 0).
    """

    n_entries: int
    seconds: float


def cache_savings(events, since: float | None = None) -> CacheSavings:
    """The computation the cache saved a run whose log is ``events``.

    Counted: the distinct entries the run read, and those they were computed from (``within``),
    each with its own seconds, except the entries the run computed itself and, when ``since``
    (seconds since the epoch) is given, those written at or after it.
    """
    events = tuple(events)
    computed = {e.entry for e in events if e.event == "computed"}
    saved = {e.entry: e.seconds for e in events
             if e.event in ("read", "within") and e.entry not in computed
             and (since is None or e.written < since)}
    return CacheSavings(n_entries=len(saved),
                        seconds=float(sum(t for t in saved.values() if math.isfinite(t))))
