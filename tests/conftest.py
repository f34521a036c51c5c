"""Suite-wide settings: a private cache directory and a headless matplotlib."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory):
    """Every test session computes into its own cache, never into the user's or the book's."""
    path = tmp_path_factory.mktemp("ffhlib-cache")
    old = os.environ.get("FFHLIB_CACHE_DIR")
    os.environ["FFHLIB_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("FFHLIB_CACHE_DIR", None)
    else:
        os.environ["FFHLIB_CACHE_DIR"] = old
