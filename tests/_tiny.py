"""The tiny study the library tests share (quick ground truth, 40-unit networks, 2 passes), so that
their trained networks are computed once per session and read from the session's cache after."""

from __future__ import annotations

import dataclasses

from ffhlib.study import StudyParams


def tiny_study(seeds: tuple[int, ...] = (0,)) -> StudyParams:
    """One ground truth (seed 0) and the network ``seeds``, at the smallest useful scale."""
    quick = StudyParams.quick()
    return dataclasses.replace(quick, force=dataclasses.replace(quick.force, n_units=40,
                                                                n_passes=2),
                               ground_truth_seeds=(0,), seeds=tuple(seeds))
