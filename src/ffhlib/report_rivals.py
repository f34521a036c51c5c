"""Chapter 09's outcome-dependent sentences (FFH against its rivals), as pure functions of its
named results (:mod:`ffhlib.rivals_summary`), on top of :mod:`ffhlib.report`.

The rules are :mod:`ffhlib.report`'s: the functions take results and return plain strings or table
marks; every branch is unit-tested (``tests/test_report.py``, section 09).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .inference import PairedComparison, equivalent_within

__all__ = ["RIVAL_NAMES", "activity_fit_text", "behaviour_text", "flag_text", "lab_advice",
           "rival_mark",
           "rival_standing", "rival_verdict", "rivals_lead", "tau_noise_text"]

#: How the prose names each network.
RIVAL_NAMES = {"ff": "FF", "ffh": "FFH", "ff_tau": "τ-matched FF", "ffh_tau": "τ-matched FFH",
               "bptt": "regularised BPTT", "bptt_rec": "BPTT with the activity loss",
               "pinned": "the data-constrained network"}


def _name(kind: str) -> str:
    if kind not in RIVAL_NAMES:
        raise ValueError(f"kind must be one of {sorted(RIVAL_NAMES)}, got {kind!r}")
    return RIVAL_NAMES[kind]


def rival_standing(comparison: PairedComparison, margin: float) -> str:
    """Where a rival stands against FFH on a measure where higher is better (``comparison``:
    rival minus FFH, its family adjusted): ``"matches"`` (the 95 % interval of the difference
    within ±``margin``, checked first), ``"above"``/``"below"`` (significant after adjustment),
    ``"undecided"`` (neither) or ``"untested"`` (no interval and no test)."""
    if equivalent_within(comparison, margin):
        return "matches"
    if not np.isfinite(comparison.p_adjusted):
        return "untested"
    if comparison.significant:
        return "above" if comparison.mean_diff > 0 else "below"
    return "undecided"


def rival_verdict(kind: str, comparison: PairedComparison, margin: float, *,
                  what: str) -> str:
    """One clause (no full stop) on rival ``kind`` against FFH on ``what`` (higher is better)."""
    name = _name(kind)
    standing = rival_standing(comparison, margin)
    lo, hi = comparison.ci_diff
    interval = f"difference {comparison.mean_diff:+.3f} [{lo:+.3f}, {hi:+.3f}]"
    if standing == "untested":
        return f"{name} could not be tested against FFH on {what}"
    if standing == "matches":
        return (f"{name} matches FFH on {what} ({interval}, within ±{margin:g}; adjusted "
                f"p = {comparison.p_adjusted:.3g})")
    if standing == "above":
        return (f"{name} beats FFH on {what} ({interval}, adjusted p = "
                f"{comparison.p_adjusted:.3g})")
    if standing == "below":
        return (f"{name} falls below FFH on {what} ({interval}, adjusted p = "
                f"{comparison.p_adjusted:.3g})")
    return (f"{name} neither differs significantly from FFH on {what} nor matches it: the "
            f"interval of the {interval} is wider than ±{margin:g} (adjusted p = "
            f"{comparison.p_adjusted:.3g})")


def rival_mark(comparison: PairedComparison | None, margin: float) -> str:
    """A table mark for rival minus FFH: ``"= matches"``, ``"✔ FFH ahead"`` (the rival is
    significantly below), ``"✘ rival ahead"``, ``"– undecided"`` or ``"– not tested"``."""
    if comparison is None:
        return "– not tested"
    return {"matches": "= matches", "below": "✔ FFH ahead", "above": "✘ rival ahead",
            "undecided": "– undecided", "untested": "– not tested"}[
        rival_standing(comparison, margin)]


def rivals_lead(primary: Mapping[str, PairedComparison], margin: float) -> str:
    """The chapter's lead (a sentence, no full stop): whether any rival matches or beats FFH on
    the primary measure. ``primary``: rival kind -> rival minus FFH, family adjusted."""
    if not primary:
        return "No rival could be compared with FFH"
    stand = {k: rival_standing(c, margin) for k, c in primary.items()}
    above = [_name(k) for k, s in stand.items() if s == "above"]
    level = [_name(k) for k, s in stand.items() if s == "matches"]
    what = "on the primary measure (condition-dependent similarity with E on untrained directions)"
    if above:
        return _capital(f"{_join(above)} {_verb(above, 'beats', 'beat')} FFH {what}") + (
            f", and {_join(level)} {_verb(level, 'matches', 'match')} it" if level else "")
    if level:
        return _capital(f"{_join(level)} {_verb(level, 'matches', 'match')} FFH {what}")
    below = [_name(k) for k, s in stand.items() if s == "below"]
    if len(below) == len(stand):
        return f"Every rival falls significantly below FFH {what}"
    rest = [_name(k) for k, s in stand.items() if s != "below"]
    return (f"No rival matches or beats FFH {what}; {_join(rest)} "
            f"{_verb(rest, 'is', 'are')} not distinguishable from it either way")


def _capital(sentence: str) -> str:
    """A sentence's first letter in capitals (a Latin one only: 'τ-matched' stays as it is)."""
    return sentence[:1].upper() + sentence[1:] if sentence[:1].isascii() else sentence


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _verb(names, one: str, many: str) -> str:
    return one if len(names) == 1 else many


def flag_text(n_flagged: Mapping[str, int], n_failed: Mapping[str, int], threshold: float) -> str:
    """Which networks did not fit the EMG (below ``threshold``) or failed to train (a sentence
    with its full stop)."""
    flagged = {k: n for k, n in n_flagged.items() if n}
    failed = {k: n for k, n in n_failed.items() if n}
    parts = []
    if flagged:
        parts.append("fit R² below " + f"{threshold:g}: " + ", ".join(
            f"{_name(k)} {n}" for k, n in flagged.items()))
    if failed:
        parts.append("training diverged (left out of the statistics, never plotted): " +
                     ", ".join(f"{_name(k)} {n}" for k, n in failed.items()))
    if not parts:
        return f"Every network reached a fit R² of at least {threshold:g}, and none diverged."
    return "Networks " + "; ".join(parts) + "."


def lab_advice(primary: Mapping[str, PairedComparison], margin: float,
               seconds: Mapping[str, float], data_needed: Mapping[str, str], *,
               flagged: Mapping[str, int], sensitivity: Mapping[str, PairedComparison],
               fit_flag: float) -> str:
    """What a lab can act on (sentences with full stops): which method to use for a model whose
    untrained-condition dynamics resemble the circuit's, given what it has recorded and what
    training costs.

    A rival counts as doing as well as FFH only if it matches or beats FFH (``primary``) and,
    when some of its networks (or FFH's in the same units) are flagged for their EMG fit, still
    does without them (``sensitivity``, fixed in advance): a model that does not produce the
    EMG is no substitute for one that does.

    Parameters
    ----------
    primary : mapping of rival kind -> PairedComparison
        Rival minus FFH on the primary measure, family adjusted.
    margin : float
    seconds : mapping of kind -> float
        Median training seconds per network (FFH's and the rivals').
    data_needed : mapping of kind -> str
        ``"EMG"`` or ``"EMG + recordings"``.
    flagged : mapping of kind -> int
        Networks of each kind (FFH's included) with fit R² below ``fit_flag``.
    sensitivity : mapping of rival kind -> PairedComparison
        The same comparison without the flagged networks' units (a rival may be missing: none
        left).
    fit_flag : float
    """
    stand = {k: rival_standing(c, margin) for k, c in primary.items()}

    def holds(kind: str) -> bool:
        if not (flagged.get(kind, 0) or flagged.get("ffh", 0)):
            return True
        without = sensitivity.get(kind)
        return without is not None and rival_standing(without, margin) in ("matches", "above")

    level = [k for k, s in stand.items() if s in ("matches", "above")]
    good = [k for k in level if holds(k)]
    unfit = [k for k in level if not holds(k)]
    caveat = "" if not unfit else " " + _capital(
        f"{_join([_name(k) for k in unfit])} {_verb(unfit, 'matches', 'match')} or "
        f"{_verb(unfit, 'beats', 'beat')} FFH only with the units where its networks or FFH's "
        f"fit the EMG below R² = {fit_flag:g}; without them {_verb(unfit, 'it does', 'they do')} "
        f"not, so {_verb(unfit, 'it is', 'they are')} not counted here.")
    emg_only = [k for k in good if data_needed[k] == "EMG"]
    cost = f"{seconds['ffh']:.0f} s per network on one core"
    if emg_only:
        cheapest = min(emg_only, key=lambda k: seconds[k])
        return (f"A lab without recordings loses nothing on this measure: {_name(cheapest)}, "
                f"trained on the EMG alone, matches or beats FFH "
                f"({seconds[cheapest]:.0f} s per network against FFH's {cost}).") + caveat
    if good:
        cheapest = min(good + ["ffh"], key=lambda k: seconds[k])
        return (f"With recordings, FFH is not the only choice: {_join([_name(k) for k in good])} "
                f"{_verb(good, 'does', 'do')} as well; the cheapest of them is "
                f"{_name(cheapest)} ({seconds[cheapest]:.0f} s per network; FFH {cost}). "
                "Without recordings, no method tested here reaches FFH.") + caveat
    undecided = [k for k, s in stand.items() if s in ("undecided", "untested")]
    if undecided:
        return (f"FFH is the method to use when recordings exist ({cost}); for "
                f"{_join([_name(k) for k in undecided])} these ground truths cannot tell "
                "whether they would do as well: more ground truths would.") + caveat
    if unfit:
        return (f"FFH is the method to use when recordings exist ({cost}): no rival whose "
                "networks fit the EMG does as well, with or without recordings.") + caveat
    return (f"FFH is the method to use when recordings exist ({cost}): every rival, with or "
            "without recordings, falls below it.")


def behaviour_text(gen_err: Mapping) -> str:
    """Whether the advice, which rests on the dynamics measure, also holds for behaviour: the
    rivals whose EMG error on untrained directions lies below FFH's, their 95 % intervals apart
    (a sentence with its full stop).

    ``gen_err`` maps each kind (FFH's and the rivals') to its summary over ground truths (with
    ``mean``, ``low`` and ``high``), or ``None`` where it has none.
    """
    ffh = gen_err.get("ffh")
    if ffh is None:
        raise ValueError("gen_err must hold FFH's summary")
    rivals = [k for k, v in gen_err.items() if v is not None and k not in ("ff", "ffh")]
    lower = [k for k in rivals if gen_err[k].high < ffh.low]

    def show(k):
        v = gen_err[k]
        return f"{_name(k)} {v.mean:.3f} [{v.low:.3f}, {v.high:.3f}]"
    if not lower:
        return ("On behaviour, the EMG error on untrained directions, no rival lies clearly "
                f"below FFH ({show('ffh')}; intervals overlapping or above).")
    return (f"This advice rests on the dynamics measure. On behaviour the order differs: on "
            f"untrained directions {_join([show(k) for k in lower])} reproduce the EMG with "
            f"lower error than {show('ffh')}, their 95 % intervals apart, so a lab that needs a "
            "model that generalizes the EMG, rather than one whose unrecorded neurons resemble "
            "the circuit's, should weigh them.")


def tau_noise_text(qualified: bool, min_fit: float) -> str:
    """How chapter 04's rule chose the τ-matched networks' training noise (a sentence)."""
    if qualified:
        return (f"τ-matched FF reaches the required fit (R² ≥ {min_fit:g}) at some noise level, "
                "and the rule took the one with the lowest untrained-direction error among them.")
    return (f"τ-matched FF reaches the required fit (R² ≥ {min_fit:g}) at no noise level, so the "
            "rule fell back on the lowest untrained-direction error over all of them: its "
            "networks enter chapter 9 below the fit they would need.")


def activity_fit_text(fit_without: float, fit_with: float) -> str:
    """What the chosen activity loss did to the BPTT networks' EMG fit (a sentence): mean fit
    without it (at the chosen rate penalty) and with it (at the chosen weight)."""
    if fit_with > fit_without:
        verb = "better, not worse"
    elif fit_with < fit_without:
        verb = "worse"
    else:
        verb = "as well"
    return (f"With the recordings to follow, the network fits the EMG {verb} (mean R² "
            f"{fit_with:.3f} against {fit_without:.3f} without the activity loss).")
