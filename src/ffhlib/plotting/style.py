"""One figure convention for the whole book: colours, line styles, direction keys, muscle names,
intervals and log axes.

Every chapter draws with these names, so that a colour means the same thing on every page:

- :data:`COLORS` / :func:`color`: one colour per network and per reference line (a colour-blind-safe
  palette after Okabe & Ito; the networks in colour, the reference lines in black and greys);
- :data:`LINESTYLES` / :func:`line_kw`: the reference lines also differ by line style, so that they
  stay apart in greyscale;
- :func:`direction_colors` and :func:`direction_key`: reach directions on a cyclic colour map, and
  the key that every figure using it must carry;
- :func:`muscle_labels`: muscles are ``m1`` ... ``m10`` (1-based) everywhere;
- :func:`interval_band`, :func:`interval_bar`, :func:`unit_dots` and :func:`interval_text`: one
  interval convention (95 % percentile bootstrap intervals over the study's independent units,
  never clipped; below :data:`DOTS_BELOW` units, every unit is also drawn as a dot; with fewer
  than :data:`MIN_UNITS` there is no interval, only the dots);
- :func:`log_if_spanning`: log axes where values span decades (an interval reaching 0 or far below
  the lines ends at the axis' bottom edge with a downward triangle instead of running off it);
  :func:`percent_log_axis`: a log axis of fractions labelled in percent at the values drawn.

Functions here draw what they are given and compute no statistics.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ..inference import MIN_UNITS as _MIN_UNITS
from .ticks import category_ticks, seed_ticks, settle_category_ticks

__all__ = [
    "COLORS",
    "DIRECTION_CMAP",
    "DOTS_BELOW",
    "INTERVAL_TEXT",
    "LINESTYLES",
    "MIN_UNITS",
    "NETWORKS",
    "REFERENCES",
    "UnknownStyleName",
    "axes_or_new",
    "category_ticks",
    "color",
    "direction_colors",
    "direction_key",
    "interval_band",
    "interval_bar",
    "interval_text",
    "line_kw",
    "log_if_spanning",
    "percent_log_axis",
    "seed_ticks",
    "settle_category_ticks",
    "setup_figures",
    "muscle_label",
    "muscle_labels",
    "threshold_kw",
    "unit_dots",
]

#: The networks: drawn in colour, solid lines.
NETWORKS = ("SOC", "FF", "FFH")
#: The reference lines: black and greys (and one muted colour for the hints), each with its own
#: line style.
REFERENCES = ("target", "oracle", "ceiling", "hints", "interpolation", "floor")

#: One colour per network and reference line, book-wide (Okabe & Ito's colour-blind-safe palette
#: for the networks; black and greys for the references).
COLORS: dict[str, str] = {
    # networks
    "SOC": "#009E73",            # bluish green: the ground-truth circuit
    "FF": "#0072B2",             # blue: full-FORCE without hints
    "FFH": "#D55E00",            # vermillion: full-FORCE with hints
    # references
    "target": "#000000",         # black: the ground-truth EMG
    "oracle": "#5A5A5A",         # dark grey: every SOC neuron outside the scored half of E
    "ceiling": "#3C3C3C",        # near-black: two samples of unrecorded neurons (E's halves)
    "hints": "#CC79A7",          # reddish purple: the observed neurons themselves
    "interpolation": "#767676",  # mid grey: the network-free angular-interpolation baseline
    "floor": "#ABABAB",          # light grey: an untrained network
}

#: Line style of each name (networks solid; every reference line its own pattern).
LINESTYLES: dict[str, str | tuple] = {
    "SOC": "-",
    "FF": "-",
    "FFH": "-",
    "target": (0, (4.0, 1.5)),
    "oracle": (0, (8.0, 2.0)),
    "ceiling": "--",
    "hints": (0, (5.0, 1.5, 1.0, 1.5, 1.0, 1.5)),
    "interpolation": "-.",
    "floor": ":",
}

#: Below this many independent units, every unit is drawn as a dot beside its interval (the
#: book's 12 ground truths included: each ground truth stays visible, one going the other way too).
DOTS_BELOW = 16

#: Below this many independent units, no interval is drawn (only the units, as dots).
MIN_UNITS = _MIN_UNITS

#: The interval convention in one phrase, for captions (see :func:`interval_text` for one with n).
INTERVAL_TEXT = "95 % percentile bootstrap interval over ground truths (2,000 resamples)"

#: Extra colours for unnamed series (Okabe & Ito's remaining hues), in order.
_EXTRA = ("#56B4E9", "#E69F00", "#F0E442", "#882255", "#44AA99")

#: Anchors of the cyclic direction map (0 rad first; the map returns to it at 2 pi).
_DIRECTION_ANCHORS = ("#0072B2", "#56B4E9", "#009E73", "#B8A200", "#E69F00", "#D55E00",
                      "#CC79A7", "#7E4E9E")

#: Cyclic colour map of reach direction (angle / 2 pi in [0, 1); no near-white hue).
DIRECTION_CMAP = LinearSegmentedColormap.from_list(
    "ffh_direction", list(_DIRECTION_ANCHORS) + [_DIRECTION_ANCHORS[0]], N=512)


class UnknownStyleName(KeyError):
    """A name that :data:`COLORS` does not define."""

    def __str__(self) -> str:          # KeyError's str() would quote the whole message
        return str(self.args[0]) if self.args else ""


def setup_figures() -> None:
    """One figure style for the whole book (readable in the rendered HTML: figures are drawn for
    the text column, :mod:`ffhlib.plotting.legibility`)."""
    from .legibility import DPI

    plt.rcParams.update({
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": "medium",
        "font.size": 9,
    })


def color(name: str) -> str:
    """The book-wide colour of ``name`` (a key of :data:`COLORS`).

    Parameters
    ----------
    name : str
        One of ``"SOC"``, ``"FF"``, ``"FFH"``, ``"target"``, ``"ceiling"``, ``"hints"``,
        ``"interpolation"``, ``"floor"``.

    Returns
    -------
    str
        A hex colour.

    Raises
    ------
    UnknownStyleName
        (a ``KeyError``) for any other name, listing the known ones.
    """
    try:
        return COLORS[name]
    except (KeyError, TypeError):
        raise UnknownStyleName(
            f"no book colour for {name!r}; known names: {', '.join(COLORS)}") from None


def line_kw(name: str, **overrides) -> dict:
    """Keyword arguments for ``ax.plot`` that draw ``name`` in its colour and line style.

    Parameters
    ----------
    name : str
        A key of :data:`COLORS`.
    **overrides
        Any other ``Line2D`` property (e.g. ``lw=2``, ``label="FF"``); they win.

    Returns
    -------
    dict
        ``{"color": ..., "linestyle": ..., **overrides}``.
    """
    return {"color": color(name), "linestyle": LINESTYLES[name], **overrides}


def threshold_kw(**overrides) -> dict:
    """Keyword arguments for a threshold line: a fixed value a figure compares against (a
    target, a stability limit, the parameter value the book uses); thin, dotted, dark grey.

    ``ax.axhline(0.15, **threshold_kw(label="target"))``; ``overrides`` win.
    """
    return {"color": "#505050", "linestyle": ":", "linewidth": 1.1, **overrides}


def axes_or_new(ax, **subplot_kw):
    """``ax`` itself, or the axes of a new figure made with ``plt.subplots(**subplot_kw)``."""
    if ax is None:
        _, ax = plt.subplots(**subplot_kw)
    return ax


# --- reach directions ---------------------------------------------------------------------------

def direction_colors(angles) -> np.ndarray:
    """RGBA colour of each reach angle on the book's cyclic map :data:`DIRECTION_CMAP`.

    Parameters
    ----------
    angles : array_like, shape (C,)
        Reach angles (rad); any real value (the map has period 2 pi).

    Returns
    -------
    ndarray, shape (C, 4)
    """
    angles = np.asarray(angles, dtype=float)
    return DIRECTION_CMAP(np.mod(angles, 2 * np.pi) / (2 * np.pi))


def direction_key(ax_or_fig, angles, *, bounds: Sequence[float] | None = None,
                  title: str = "reach direction", labels: bool = True):
    """Draw the key of the direction colour map: a small compass of the ``angles`` drawn.

    Each angle is a coloured spoke from the centre, in the direction of the reach; the main
    directions (0, 90, 180 and 270 degrees) are labelled. Every figure that colours lines by
    direction carries one.

    Parameters
    ----------
    ax_or_fig : matplotlib Axes or Figure
        With an Axes, the key is an inset beside it (to its right by default); with a Figure, it
        is placed in the figure's top-right corner.
    angles : array_like, shape (C,)
        The reach angles (rad) whose colours the figure uses.
    bounds : (x0, y0, width, height), optional
        Position of the key: in axes coordinates of the Axes, or figure coordinates of the Figure.
    title : str
        Shown above the key.
    labels : bool
        Label 0, 90, 180, 270 degrees.

    Returns
    -------
    matplotlib Axes
        The key (polar axes, with ``get_label() == "direction key"``).
    """
    angles = np.asarray(angles, dtype=float).ravel()
    if angles.size == 0:
        raise ValueError("direction_key needs at least one angle")
    if isinstance(ax_or_fig, plt.Figure):
        fig = ax_or_fig
        x0, y0, w, h = bounds if bounds is not None else (0.86, 0.78, 0.13, 0.2)
        key = fig.add_axes((x0, y0, w, h), projection="polar", label="direction key")
    elif isinstance(ax_or_fig, plt.Axes):
        x0, y0, w, h = bounds if bounds is not None else (1.04, 0.55, 0.32, 0.45)
        key = ax_or_fig.inset_axes((x0, y0, w, h), projection="polar")
        key.set_label("direction key")
    else:
        raise TypeError(f"ax_or_fig must be a matplotlib Axes or Figure, got "
                        f"{type(ax_or_fig).__name__}")
    for angle, rgba in zip(angles, direction_colors(angles), strict=True):
        key.plot([angle, angle], [0.0, 1.0], color=rgba, lw=2.0, solid_capstyle="round")
    key.set_ylim(0, 1.05)
    key.set_yticks([])
    key.grid(False)
    key.spines["polar"].set_linewidth(0.5)
    key.spines["polar"].set_color("0.6")
    ticks = np.radians([0, 90, 180, 270])
    key.set_xticks(ticks, [f"{d}°" for d in (0, 90, 180, 270)] if labels else [])
    key.tick_params(axis="x", labelsize=7, pad=-1)
    key.set_title(title, fontsize=7, pad=3)
    key.patch.set_alpha(0.0)
    return key


# --- muscles --------------------------------------------------------------------------------------

def muscle_label(index: int) -> str:
    """The book's name of muscle ``index`` (0-based in the arrays): ``m1`` for index 0."""
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"a muscle index must be an integer, got {index!r}")
    if index < 0:
        raise ValueError(f"a muscle index must be >= 0, got {index}")
    return f"m{int(index) + 1}"


def muscle_labels(indices: int | Iterable[int]) -> list[str]:
    """The book's names of muscles: ``m1`` ... ``m10`` (1-based), from 0-based array indices.

    Parameters
    ----------
    indices : int or iterable of int
        0-based indices into the muscle axis; an int ``M`` means ``range(M)``.

    Returns
    -------
    list of str
        e.g. ``muscle_labels([0, 3]) == ["m1", "m4"]``; ``muscle_labels(3) == ["m1", "m2", "m3"]``.
    """
    if isinstance(indices, int | np.integer) and not isinstance(indices, bool):
        indices = range(int(indices))
    return [muscle_label(int(i) if isinstance(i, np.integer) else i) for i in indices]


# --- intervals ------------------------------------------------------------------------------------

def interval_text(n: int, unit: str = "ground truths", *, what: str = "the mean") -> str:
    """The caption phrase of the book's interval convention for ``n`` independent units.

    Parameters
    ----------
    n : int
        Number of independent units (e.g. ground truths).
    unit : str
        Their name, plural.
    what : str
        What the line is.

    Returns
    -------
    str
        e.g. ``"line: the mean; band: its 95 % bootstrap interval over 6 ground truths; dots:
        each of the 6 ground truths"`` (the dots only below :data:`DOTS_BELOW` units); below
        :data:`MIN_UNITS` units, no band: ``"line: the mean; dots: each of the 2 ground truths
        (too few for an interval)"``.
    """
    n = int(n)
    if n < MIN_UNITS:
        return f"line: {what}; dots: each of the {n} {unit} (too few for an interval)"
    text = f"line: {what}; band: its 95 % bootstrap interval over {n} {unit}"
    if n < DOTS_BELOW:
        text += f"; dots: each of the {n} {unit}"
    return text


def interval_band(ax, x, mean, lo, hi, *, color: str, label: str | None = None,
                  alpha: float = 0.2, **line_kwargs):
    """A line (the mean) with its 95 % interval as a band: the book's interval convention.

    Parameters
    ----------
    ax : matplotlib Axes
    x, mean, lo, hi : array_like, shape (K,)
        Positions, the central value and the interval's bounds (computed elsewhere).
    color : str
        Usually ``color("FF")`` etc.
    label : str, optional
        Legend label of the line.
    alpha : float
        Opacity of the band.
    **line_kwargs
        Passed to ``ax.plot`` for the line (e.g. ``marker="o"``).

    Returns
    -------
    (Line2D, PolyCollection)
        The line and the band.
    """
    x, mean, lo, hi = (np.asarray(v, dtype=float) for v in (x, mean, lo, hi))
    if not (x.shape == mean.shape == lo.shape == hi.shape):
        raise ValueError(f"x, mean, lo and hi must have the same shape; got {x.shape}, "
                         f"{mean.shape}, {lo.shape}, {hi.shape}")
    band = ax.fill_between(x, lo, hi, color=color, alpha=alpha, lw=0)
    (line,) = ax.plot(x, mean, color=color, label=label, **line_kwargs)
    return line, band


def interval_bar(ax, x, mean, lo, hi, *, color: str, label: str | None = None, **kwargs):
    """A point (the mean) with its 95 % interval as an error bar, for categories on the x axis.

    Where a bound is NaN (no interval: fewer than :data:`MIN_UNITS` units) only the point is
    drawn.

    Parameters
    ----------
    ax : matplotlib Axes
    x, mean, lo, hi : float or array_like
    color : str
    label : str, optional
    **kwargs
        Passed to ``ax.errorbar``.

    Returns
    -------
    matplotlib ErrorbarContainer
    """
    x, mean, lo, hi = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x, mean, lo, hi))
    x, mean, lo, hi = np.broadcast_arrays(x, mean, lo, hi)
    bounded = np.isfinite(lo) & np.isfinite(hi)
    yerr = np.stack([mean - lo, hi - mean])
    if np.any(yerr[:, bounded] < 0):
        raise ValueError("the interval must contain the mean (lo <= mean <= hi)")
    options = {"fmt": "o", "ms": 5, "capsize": 3, "lw": 1.4, **kwargs}
    if bounded.all():
        return ax.errorbar(x, mean, yerr=yerr, color=color, label=label, **options)
    # no interval (fewer than MIN_UNITS units): the point alone, never a bar of NaN
    points = ax.errorbar(x[~bounded], mean[~bounded], color=color, label=label, **options)
    if bounded.any():
        ax.errorbar(x[bounded], mean[bounded], yerr=yerr[:, bounded], color=color, **options)
    return points


def unit_dots(ax, x, values, *, color: str, jitter: float = 0.0, size: float = 12.0,
              force: bool = False):
    """Each independent unit as a small dot, drawn when there are fewer than :data:`DOTS_BELOW`.

    Parameters
    ----------
    ax : matplotlib Axes
    x : float or array_like, shape (K,)
        Position(s) on the x axis.
    values : array_like, shape (n_units,) or (n_units, K)
        One value per unit (and per position).
    color : str
    jitter : float
        Spread the units horizontally by up to +-``jitter``/2 (deterministic, in unit order).
    size : float
        Marker area (points^2).
    force : bool
        Draw the dots even for ``DOTS_BELOW`` units or more.

    Returns
    -------
    matplotlib PathCollection or None
        None when nothing was drawn (too many units).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"values must have shape (n_units,) or (n_units, K); got {values.shape}")
    n_units, k = values.shape
    if n_units >= DOTS_BELOW and not force:
        return None
    x = np.broadcast_to(np.asarray(x, dtype=float), (k,))
    offsets = (np.linspace(-0.5, 0.5, n_units) * jitter if n_units > 1
               else np.zeros(1))
    xs = (x[None, :] + offsets[:, None]).ravel()
    return ax.scatter(xs, values.ravel(), s=size, color=color, alpha=0.75, lw=0, zorder=3)


# --- axes -----------------------------------------------------------------------------------------

def log_if_spanning(ax, values, axis: str = "y", decades: float = 1.5) -> bool:
    """Put ``axis`` on a log scale when the positive ``values`` span more than ``decades``.

    Parameters
    ----------
    ax : matplotlib Axes
    values : array_like
        The values drawn on that axis (non-finite ones are ignored).
    axis : {"x", "y"}
    decades : float
        Threshold on ``log10(max / min)``.

    Returns
    -------
    bool
        Whether the axis was set to log scale (never when a finite value is <= 0). Spans under
        three decades are labelled at 1, 2 and 5 times powers of ten, in plain numbers.
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0 or np.any(v <= 0) or np.log10(v.max() / v.min()) <= decades:
        return False
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    if axis == "y":
        _keep_intervals_on_log_axis(ax)
    if np.log10(v.max() / v.min()) < 3:  # few decades: label 1-2-5 steps in plain numbers
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        target = ax.yaxis if axis == "y" else ax.xaxis
        target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        target.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        target.set_minor_formatter(NullFormatter())
    return True



def _keep_intervals_on_log_axis(ax) -> None:
    """On a log y axis, an interval whose lower bound is <= 0 (or far below every drawn value)
    would run off the bottom of the axes: limit the axis to the drawn values' positive range and
    end each such bar at the bottom edge with a downward triangle (the interval continues below).
    """
    from matplotlib.collections import LineCollection, PathCollection, PolyCollection
    from matplotlib.transforms import blended_transform_factory

    # lines in data coordinates along y only (not an axvline's 0..1 in axes coordinates)
    values = [np.asarray(line.get_ydata(), dtype=float) for line in ax.lines
              if line.get_transform().contains_branch_seperately(ax.transData)[1]]
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    ends = [np.asarray(seg, dtype=float)[:, 1] for c in bars for seg in c.get_segments()]
    dots = [np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2)[:, 1]
            for c in ax.collections if isinstance(c, PathCollection)]
    bands = [np.asarray(path.vertices, dtype=float)[:, 1] for c in ax.collections
             if isinstance(c, PolyCollection) for path in c.get_paths()]
    parts = values + ends + dots + bands
    drawn = np.concatenate([v.ravel() for v in parts]) if parts else np.zeros(0)
    drawn = drawn[np.isfinite(drawn) & (drawn > 0)]
    means = np.concatenate([v.ravel() for v in values]) if values else drawn
    means = means[np.isfinite(means) & (means > 0)]
    if drawn.size == 0 or means.size == 0:
        return
    # the bottom: a little below the smallest drawn value, but never more than two decades
    # below the smallest line (a bound near 0 would squash every line into the top)
    bottom = max(drawn.min(), means.min() / 100.0) / 1.25
    ax.set_ylim(bottom, drawn.max() * 1.25)
    to_edge = blended_transform_factory(ax.transData, ax.transAxes)
    for c in bars:
        colours = c.get_colors()
        for i, seg in enumerate(c.get_segments()):
            seg = np.asarray(seg, dtype=float)
            if seg.shape[0] and np.nanmin(seg[:, 1]) < bottom:
                ax.plot([seg[0, 0]], [0.0], marker="v", ms=5, transform=to_edge, clip_on=False,
                        color=colours[i % len(colours)] if len(colours) else "k", ls="none")


def percent_log_axis(ax, fractions, axis: str = "x") -> None:
    """A log ``axis`` of fractions with ticks at ``fractions``, labelled in percent, and no
    other tick labels.

    Parameters
    ----------
    ax : matplotlib Axes
    fractions : array_like
        Positive fractions (0.05 is labelled "5").
    axis : {"x", "y"}
    """
    from matplotlib.ticker import NullFormatter

    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    f = np.unique(np.asarray(fractions, dtype=float))
    if f.size == 0 or np.any(~np.isfinite(f)) or np.any(f <= 0):
        raise ValueError(f"fractions must be positive and finite, got {fractions!r}")
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    (ax.set_xticks if axis == "x" else ax.set_yticks)(f, [f"{100 * v:g}" for v in f])
    (ax.xaxis if axis == "x" else ax.yaxis).set_minor_formatter(NullFormatter())
