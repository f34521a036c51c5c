"""What every chapter does in its first cells: check its parameters and set up figures."""

from __future__ import annotations

from ._validate import check_bool, check_seed

__all__ = ["chapter_arguments", "setup_figures"]


def chapter_arguments(*, seed, quick) -> tuple[int, bool]:
    """Validate the two parameters every chapter has, as papermill may inject them.

    Parameters
    ----------
    seed : int
        Non-negative integer.
    quick : bool or {"true", "false"}
        Quick mode (small networks, few passes) for tests; ``-p quick true`` arrives as a string.

    Returns
    -------
    (int, bool)
    """
    return check_seed("seed", seed), check_bool("quick", quick)


def setup_figures() -> None:
    """One figure style for the whole book (readable in the rendered HTML)."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": "medium",
        "font.size": 9,
    })
