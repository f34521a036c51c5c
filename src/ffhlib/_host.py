"""The name of the process that computes something (``host:pid``): results record it."""

from __future__ import annotations

import os
import socket

__all__ = ["worker_name"]


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"
