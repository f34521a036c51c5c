"""Mechanisms behind the dynamics: jPCA rotations, fixed and slow points, dynamical similarity,
untrained task variants.

Small functions (NumPy/SciPy; every random draw takes a seed or ``np.random.Generator``), one
module per analysis; every public name is importable from here. Axis convention as everywhere in
the library: conditions ``C``, time ``T``, units ``N``.

Four views of *how* a network produces its activity, beyond *what* activity it produces:

* :mod:`.rotations` -- **jPCA** (Churchland et al. 2012): in the top principal components of the
  movement epoch, fit :math:`\\dot X = X M` by least squares with ``M`` unconstrained and with
  ``M`` skew-symmetric (a pure rotation). The ratio of the two fits' :math:`R^2` is the rotational
  strength; the real planes of the skew fit's eigenvector pairs are the jPC planes, each with a
  rotation frequency. Entry point :func:`jpca`.
* :mod:`.fixed_points` -- **fixed and slow points** (Sussillo & Barak 2013) of a tanh RNN under a
  constant input: minima of :math:`q(x) = \\tfrac12 \\lVert F(x) \\rVert^2`, their Jacobians and
  stability (:func:`find_fixed_points`, :func:`sample_states`, :func:`newton_fixed_point`); whether
  a trained network rests at one during preparation (:func:`preparatory_states`).
  :mod:`.linearisation`: the ground-truth circuit's Jacobian (:func:`soc_jacobian`) and spectra in
  1/s, so that networks with different time constants compare (:func:`spectrum_per_second`).
* :mod:`.dsa` -- **dynamical similarity analysis** (Ostrow, Eisen, Kozachkov & Fiete 2023):
  delay-embed the trajectories (:func:`delay_embed`), fit a linear operator in the top singular
  directions of the delay embedding (:func:`fit_operator`; of a population's activity:
  :func:`activity_operator`), and compare two operators up to an orthogonal change of basis
  (:func:`dsa_distance`). :func:`resample_time` brings two systems to one time grid first.
* :mod:`.variants` -- **untrained task variants** (Kao 2019): a trained network with other
  preparatory periods and with a cue switched during preparation (:func:`task_variant_errors`).

How the study applies them to its networks and ground truths is :mod:`ffhlib.mechanism_study`.
"""

from .dsa import (
    DSADistance,
    MeanDSADistance,
    OperatorFit,
    activity_operator,
    delay_embed,
    dsa_distance,
    dsa_to_references,
    fit_operator,
    resample_time,
)
from .fixed_points import (
    FixedPoints,
    PreparatoryStates,
    find_fixed_points,
    geometry_correlation,
    newton_fixed_point,
    preparatory_states,
    rnn_jacobian,
    rnn_q,
    rnn_q_gradient,
    rnn_velocity,
    sample_states,
)
from .linearisation import (
    gain_function_slope,
    soc_jacobian,
    soc_onset_spectra,
    spectrum_per_second,
)
from .rotations import (
    DerivativeSamples,
    JPCAFit,
    JPCAPreprocessing,
    JPCAResult,
    JPCPlanes,
    fit_linear_dynamics,
    fit_skew_dynamics,
    jpc_planes,
    jpca,
    jpca_derivatives,
    jpca_fit,
    jpca_preprocess,
    r2_dynamics,
)
from .variants import TaskVariantErrors, switched_directions, task_variant_errors

__all__ = [
    "DSADistance",
    "DerivativeSamples",
    "FixedPoints",
    "JPCAFit",
    "JPCAPreprocessing",
    "JPCAResult",
    "JPCPlanes",
    "MeanDSADistance",
    "OperatorFit",
    "PreparatoryStates",
    "TaskVariantErrors",
    "activity_operator",
    "delay_embed",
    "dsa_distance",
    "dsa_to_references",
    "find_fixed_points",
    "fit_linear_dynamics",
    "fit_operator",
    "fit_skew_dynamics",
    "gain_function_slope",
    "geometry_correlation",
    "jpc_planes",
    "jpca",
    "jpca_derivatives",
    "jpca_fit",
    "jpca_preprocess",
    "newton_fixed_point",
    "preparatory_states",
    "r2_dynamics",
    "resample_time",
    "rnn_jacobian",
    "rnn_q",
    "rnn_q_gradient",
    "rnn_velocity",
    "sample_states",
    "soc_jacobian",
    "soc_onset_spectra",
    "spectrum_per_second",
    "switched_directions",
    "task_variant_errors",
]
