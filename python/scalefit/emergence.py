"""Emergence, answered honestly: which kind a task's score curve across a
ladder or model family is — smooth, flat, inverse, not correlated or
emergent — with the statistics behind the answer, and whether its score can
be forecast beyond the models (``emergence.hpp`` documents the tests and
thresholds)."""
from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

from . import _core
from ._inputs import Frame, as_float, column_arg, set_fields
from .results import EmergenceResult

__all__ = ["classify", "EmergenceResult"]


def classify(compute: Any, scores: Any = None, *, chance: Any, n_items: Any,
             data: Any = None, ceiling: Any = 1.0, alpha: Any = 0.05,
             forecast_alpha: Any = 0.001, onset_threshold: Any = 4.0, margin: Any = 0.05,
             extra_sd: Any = 0.0) -> EmergenceResult:
    """Classifies a score curve.

    ``compute``: FLOPs per model (an array, or a column of ``data``);
    ``scores``: the fraction of ``n_items`` questions answered correctly
    (array or column); ``n_items``: one count for all models or one per
    model; ``chance``: the score of guessing. The statistics: an exact
    binomial test of each score against chance, the weighted trend against
    log10 compute (slope per decade with its standard error and p value), a
    constant-curve χ² test, and an onset curve (a sigmoid from chance to
    ``ceiling``) against the line. ``alpha`` is the level of those tests;
    a point forecast beyond the models needs the top model above chance at
    ``forecast_alpha``; ``margin`` defines the onset (score ≥ chance +
    margin) for its lower bound; ``extra_sd`` adds known noise beyond the
    binomial (score units)."""
    f = Frame(data)
    c, _ = column_arg(f, compute, "compute")
    s, _ = column_arg(f, scores, "scores")
    if isinstance(n_items, str):
        n, _ = column_arg(f, n_items, "n_items")
    else:
        n = np.atleast_1d(np.asarray(n_items, dtype=np.float64))
    o = _core.EmergenceOptions()
    set_fields(o, dict(ceiling=ceiling, alpha=alpha, forecast_alpha=forecast_alpha,
                       onset_threshold=onset_threshold, margin=margin, extra_sd=extra_sd),
               "classify")
    return EmergenceResult(_core.classify_emergence(c, s, as_float(chance, "chance"), n, o))
