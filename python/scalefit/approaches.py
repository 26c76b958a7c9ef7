"""Chinchilla Approaches 1 and 2 (Hoffmann et al. 2022, §3.1-3.2).

``isoflop_fit`` (Approach 2: isoFLOP profiles) and ``envelope_fit``
(Approach 1: envelope of training curves). All numerics are in the C++ core
(``scalefit/approaches.hpp``, which documents the method); this module only
adapts inputs and wraps results.
"""
from __future__ import annotations

from typing import Any, Optional

from . import _core
from ._inputs import (Frame, as_bool, as_float, as_int, as_seed, as_str, column_arg,
                      labelled_codes)
from ._progress import reporter
from .results import EnvelopeResult, IsoflopResult

__all__ = ["isoflop_fit", "envelope_fit", "IsoflopResult", "EnvelopeResult"]


def isoflop_fit(data: Any = None, *, N: Any = "N", D: Any = "D", loss: Any = "loss",
                C: Any = None, weights: Any = None, snap_tolerance: float = 0.05,
                window: str = "centred", points_each_side: int = 2,
                keep_edge_minima: bool = False,
                k: float = 6.0, bootstrap: int = 1000, confidence: float = 0.95,
                seed: int = 0, threads: Optional[int] = None, fit_frontier: bool = True,
                compare_parametric: bool = True, progress: Any = False) -> IsoflopResult:
    """Chinchilla Approach 2: isoFLOP profiles.

    Parameters
    ----------
    data : DataFrame or dict of arrays (optional).
    N, D, loss, C, weights : arrays, or names of columns of ``data``
        (defaults ``"N"``, ``"D"``, ``"loss"``). ``C`` (FLOPs) defaults to
        ``k·N·D``; ``D`` may be left out when ``C`` is given (D = C/(k·N)).
    snap_tolerance : relative tolerance for merging nearly equal budgets.
    window : which runs of each budget its parabola is fitted to:
        ``"centred"`` (default; ``points_each_side`` model sizes on each side
        of a centre size, as many on either side, re-centred on the vertex),
        ``"around_minimum"`` (the lowest-loss run and up to
        ``points_each_side`` runs on either side) or ``"all"``.
    points_each_side : k of the window (>= 1; default 2).
    keep_edge_minima : also use budgets whose minimum is outside the sampled
        range (flagged in the table either way).
    bootstrap : replicates for the intervals of a and b (0 = none);
        ``seed`` makes them reproducible, independent of ``threads``.
    fit_frontier : fit L_opt(C) = E + A·C^-alpha (saturating_power_law).
    compare_parametric : fit chinchilla to the same runs and report the
        implied a = beta/(alpha+beta), b = alpha/(alpha+beta).
    progress : ``True`` shows a progress bar over the bootstrap, a callable
        receives each :class:`scalefit.Progress`.
    """
    frame = Frame(data)
    n_arr, _ = column_arg(frame, N, "N")
    loss_arr, _ = column_arg(frame, loss, "loss")
    c_arr, _ = column_arg(frame, C, "C", required=False)
    d_arr, _ = column_arg(frame, D, "D", required=False) if D is not None else (None, None)
    if d_arr is None and c_arr is None:
        if isinstance(D, str) and D not in frame:
            raise frame.missing(D, "D")
        raise ValueError("give D (tokens) or C (FLOPs)")
    w_arr, _ = column_arg(frame, weights, "weights", required=False)
    o = _core.IsoflopOptions()
    o.snap_tolerance = as_float(snap_tolerance, "snap_tolerance")
    o.window = as_str(window, "window")
    o.points_each_side = as_int(points_each_side, "points_each_side")
    o.keep_edge_minima = as_bool(keep_edge_minima, "keep_edge_minima")
    o.k = as_float(k, "k")
    o.num_bootstrap = as_int(bootstrap, "bootstrap")
    o.confidence = as_float(confidence, "confidence")
    o.seed = as_seed(seed)
    if threads is not None:
        o.num_threads = as_int(threads, "threads")
    o.fit_frontier = as_bool(fit_frontier, "fit_frontier")
    o.compare_parametric = as_bool(compare_parametric, "compare_parametric")
    with reporter(progress) as callback:
        return IsoflopResult(_core.isoflop_fit(n_arr, d_arr, loss_arr, c_arr, w_arr, o,
                                               progress=callback))


def envelope_fit(data: Any = None, *, run: Any = "run", N: Any = "N", tokens: Any = "tokens",
                 loss: Any = "loss", bins: int = 100, k: float = 6.0,
                 keep_edge: bool = False) -> EnvelopeResult:
    """Chinchilla Approach 1: the envelope of training curves.

    Parameters
    ----------
    data : DataFrame or dict of arrays of checkpoints (optional).
    run : run labels (any hashable values), or the name of that column.
    N, tokens, loss : arrays or column names (parameters, tokens seen at the
        checkpoint, loss). FLOPs are ``k·N·tokens`` (k = 6: 6ND).
    bins : number of log-spaced FLOP values at which the envelope is taken.
    keep_edge : keep FLOP values won by the smallest or largest model
        covering them (flagged either way).
    """
    frame = Frame(data)
    if isinstance(run, str):
        if run not in frame:
            raise frame.missing(run, "run")
        run = frame.raw(run)
    codes, labels = labelled_codes(run, "run")
    n_arr, _ = column_arg(frame, N, "N")
    t_arr, _ = column_arg(frame, tokens, "tokens")
    l_arr, _ = column_arg(frame, loss, "loss")
    o = _core.EnvelopeOptions()
    o.num_bins = as_int(bins, "bins")
    o.k = as_float(k, "k")
    o.keep_edge = as_bool(keep_edge, "keep_edge")
    core = _core.envelope_fit(codes, n_arr, t_arr, l_arr, o)
    return EnvelopeResult(core, labels)
