"""Chapter 04's "The rivals' settings": the calibration records of chapter 09's rivals and what
each rule, fixed before its run, chose from them.

Two records ship with the library: the full-FORCE family's (τ-matched FF and FFH, and the
data-constrained units; :mod:`ffhlib.rival_calibration`) and the BPTT rivals'
(:mod:`ffhlib.bptt_calibration`), both for the default trial design (``preparation``), the only
one chapter 09 runs. :func:`settings_table` shows both, one row per setting tried
(means over the calibration ground truths), the chosen settings marked; :func:`settings_values`
gives the chosen values for the prose.
"""

from __future__ import annotations

import numpy as np

from . import bptt_calibration, force_rivals, rival_calibration
from .rivals import RivalParams

__all__ = ["settings_rows", "settings_table", "settings_values"]

_NAMES = {"ff_tau": "τ-matched FF", "ffh_tau": "τ-matched FFH",
          "pinned": "data-constrained network", "bptt": "regularised BPTT",
          "bptt_rec": "BPTT with the activity loss"}


def _fmt(x, spec=".3f") -> str:
    return "–" if x is None or not np.isfinite(x) else format(x, spec)


def settings_rows(force_record=None, bptt_record=None) -> list[dict]:
    """One record per setting tried (means over the calibration ground truths): ``rival``,
    ``setting`` (text), ``fit_mean``, ``fit_min``, ``other`` (untrained-direction EMG error for
    the full-FORCE family, activity R² for BPTT with the activity loss), ``seconds`` (mean per
    network), ``chosen``."""
    force_record = rival_calibration.load_record() if force_record is None else force_record
    bptt_record = bptt_calibration.load_record() if bptt_record is None else bptt_record
    tau = force_rivals.TAU_MATCHED["preparation"]
    pin = rival_calibration.PINNED["preparation"]
    runs = force_record.runs[force_record.runs["cue_epoch"] == "preparation"]
    rows = []
    for (net, noise, gain), g in runs.groupby(["network", "training_noise", "hint_gain"],
                                              dropna=False, sort=True):
        chosen = {"ff_tau": noise == tau.training_noise,
                  "ffh_tau": noise == tau.training_noise and gain == tau.hint_gain,
                  "pinned": noise == pin.training_noise and gain == pin.hint_gain}[net]
        text = f"σ = {noise:g}" + ("" if net == "ff_tau" else
                                   f", {'gain' if net == 'ffh_tau' else 'target gain'} {gain:g}")
        rows.append({"rival": net, "setting": text, "fit_mean": g["fit_r2"].mean(),
                     "fit_min": g["fit_r2"].min(), "other": g["gen_err"].mean(),
                     "seconds": g["train_seconds"].mean(), "chosen": bool(chosen)})
    chosen = bptt_calibration.choose(bptt_record)
    for (rival, value), g in bptt_record.groupby(["rival", "value"], sort=True):
        setting = "rate_l2" if rival == "bptt" else "activity_l2"
        text = (f"λ_r = {value:g}" if rival == "bptt"
                else f"λ_r = {chosen['rate_l2']:g}, λ_a = {value:g}")
        rows.append({"rival": rival, "setting": text, "fit_mean": g["fit_r2"].mean(),
                     "fit_min": g["fit_r2"].min(),
                     "other": g["activity_r2"].mean() if rival == "bptt_rec" else np.nan,
                     "seconds": g["seconds"].mean(), "chosen": value == chosen[setting]})
    order = list(_NAMES)
    return sorted(rows, key=lambda r: order.index(r["rival"]))


def settings_table(force_record=None, bptt_record=None) -> str:
    """:func:`settings_rows` as a numbered MyST table (``tab-rivals-settings``)."""
    from .notebook import markdown_table

    rows = [[_NAMES[r["rival"]], r["setting"], _fmt(r["fit_mean"]), _fmt(r["fit_min"]),
             _fmt(r["other"]), _fmt(r["seconds"], ".0f"), "✔" if r["chosen"] else ""]
            for r in settings_rows(force_record, bptt_record)]
    caption = ("The rivals' calibration on the calibration ground truths (means over them, one "
               "network each): every setting tried, the chosen ones ticked. Full-FORCE family: "
               "training noise σ and hint (or target) gain, by chapter 4's rule; 'other' is the "
               "EMG error on the untrained directions. BPTT: the strongest rate penalty "
               f"λ_r whose mean fit stays at least {bptt_calibration.FIT_MIN:g}, then the "
               "largest activity weight λ_a keeping it; 'other' is the activity loss's R² on "
               "the recorded neurons. Seconds: training wall time per network, one core (the "
               "machine was shared).")
    return markdown_table(["rival", "setting", "fit R² (mean)", "fit R² (worst)", "other",
                           "s per network", "chosen"], rows, caption=caption,
                          name="tab-rivals-settings")


def settings_values(force_record=None, bptt_record=None) -> dict:
    """The chosen settings of the default trial design (glue keys ``rivals_tau_*``,
    ``rivals_pinned_*``, ``rivals_bptt_*``) and the sentences on them (``rivals_tau_noise_text``,
    ``rivals_activity_fit_text``)."""
    from .report_rivals import activity_fit_text, tau_noise_text

    bptt_record = bptt_calibration.load_record() if bptt_record is None else bptt_record
    tau = force_rivals.TAU_MATCHED["preparation"]
    pin = rival_calibration.PINNED["preparation"]
    chosen = bptt_calibration.choose(bptt_record)
    fits = bptt_record.groupby(["rival", "value"])["fit_r2"].mean()
    return {"rivals_tau_noise": tau.training_noise, "rivals_tau_gain": tau.hint_gain,
            "rivals_tau_passes": tau.n_passes,
            "rivals_tau_noise_text": tau_noise_text(bool(tau.noise_qualified),
                                                    rival_calibration.TAU_GRID.min_fit_r2),
            "rivals_pinned_noise": pin.training_noise, "rivals_pinned_gain": pin.hint_gain,
            "rivals_pinned_passes": pin.n_passes,
            "rivals_bptt_rate_l2": chosen["rate_l2"],
            "rivals_bptt_activity_l2": chosen["activity_l2"],
            "rivals_bptt_steps": RivalParams().bptt.steps,
            "rivals_bptt_fit_min": bptt_calibration.FIT_MIN,
            "rivals_activity_fit_text": activity_fit_text(
                float(fits[("bptt", chosen["rate_l2"])]),
                float(fits[("bptt_rec", chosen["activity_l2"])]))}
