"""Chinchilla Approaches 1 and 2 (Hoffmann et al. 2022, §3.1-3.2).

``isoflop_fit`` (Approach 2: isoFLOP profiles) and ``envelope_fit``
(Approach 1: envelope of training curves). All numerics are in the C++ core
(``scalefit/approaches.hpp``, which documents the method); this module only
adapts inputs and wraps results.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from . import _core
from ._inputs import check_float, check_int, frame, as_column, table_columns
from .results import FitResult

__all__ = ["isoflop_fit", "envelope_fit", "IsoflopResult", "EnvelopeResult"]


def _column(table, value, name: str, required: bool = True):
    """An array given directly, or the name of a column of ``data``."""
    if value is None:
        if required:
            raise ValueError(f"missing '{name}': pass {name}=array or a column name")
        return None
    if isinstance(value, str):
        if value not in table:
            if not required:
                return None
            raise ValueError(f"missing column '{value}' for {name} "
                             f"(columns: {', '.join(map(str, table)) or 'none'})")
        return as_column(table[value], name)
    return as_column(value, name)




class IsoflopResult:
    """Result of :func:`isoflop_fit`.

    ``a``, ``b``: exponents of N_opt ∝ C^a, D_opt ∝ C^b; ``a_interval``,
    ``b_interval``: bootstrap percentile intervals; ``budgets``: the
    per-budget table (a pandas DataFrame; columns C, num_points,
    num_fit_points, N_opt, D_opt, loss_opt, interior, used, ...);
    ``frontier``: the saturating_power_law fit of L_opt(C) (or None);
    ``parametric``: the chinchilla fit of the same runs (or None) with the
    implied ``a_parametric``, ``b_parametric``; ``notes``; ``report()``.
    """

    __slots__ = ("_r",)

    def __init__(self, core: "_core.IsoflopResult"):
        self._r = core

    @property
    def a(self) -> float:
        return float(self._r.a)

    @property
    def b(self) -> float:
        return float(self._r.b)

    @property
    def a_interval(self) -> tuple:
        return (float(self._r.n_opt.lower), float(self._r.n_opt.upper))

    @property
    def b_interval(self) -> tuple:
        return (float(self._r.d_opt.lower), float(self._r.d_opt.upper))

    @property
    def n_coefficient(self) -> float:
        """G_N in N_opt = G_N · C^a."""
        return float(self._r.n_opt.coefficient)

    @property
    def d_coefficient(self) -> float:
        """G_D in D_opt = G_D · C^b."""
        return float(self._r.d_opt.coefficient)

    @property
    def budgets(self):
        return frame(self._r.budgets)

    @property
    def budget_rows(self) -> List[List[int]]:
        """0-based input rows of each budget group."""
        return [list(r) for r in self._r.budget_rows]

    @property
    def num_used(self) -> int:
        return int(self._r.num_used())

    def profile_loss(self, budget: int, N: Any) -> np.ndarray:
        """The fitted parabola of budget ``budget`` (0-based row of
        ``budgets``) at model sizes ``N``: c0 + c1 ln N + c2 (ln N)^2."""
        budget = check_int(budget, "budget", 0)
        return np.asarray(self._r.profile_loss(budget, as_column(N, "N")))

    @property
    def frontier(self) -> Optional[FitResult]:
        return FitResult(self._r.frontier) if self._r.has_frontier else None

    @property
    def parametric(self) -> Optional[FitResult]:
        return FitResult(self._r.parametric) if self._r.has_parametric else None

    @property
    def a_parametric(self) -> Optional[float]:
        return float(self._r.a_parametric) if self._r.has_parametric else None

    @property
    def b_parametric(self) -> Optional[float]:
        return float(self._r.b_parametric) if self._r.has_parametric else None

    @property
    def num_bootstrap_used(self) -> int:
        return int(self._r.num_bootstrap_used)

    @property
    def notes(self) -> List[str]:
        return list(self._r.notes)

    def report(self) -> str:
        return self._r.full_report()

    def __repr__(self) -> str:
        return self._r.brief_report()

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(self.report()) + "</pre>"


class EnvelopeResult:
    """Result of :func:`envelope_fit`: ``a``, ``b``, ``points`` (the envelope
    table: C, loss, N_opt, D_opt, run, num_runs, edge, used), ``notes``,
    ``report()``."""

    __slots__ = ("_r", "_run_labels")

    def __init__(self, core: "_core.EnvelopeResult", run_labels=None):
        self._r = core
        self._run_labels = run_labels

    @property
    def a(self) -> float:
        return float(self._r.a)

    @property
    def b(self) -> float:
        return float(self._r.b)

    @property
    def n_coefficient(self) -> float:
        return float(self._r.n_opt.coefficient)

    @property
    def d_coefficient(self) -> float:
        return float(self._r.d_opt.coefficient)

    @property
    def points(self):
        cols = dict(self._r.points)
        if self._run_labels is not None:
            cols["run"] = self._run_labels[np.asarray(cols["run"], dtype=np.int64)]
        return frame(cols)

    @property
    def num_used(self) -> int:
        return int(self._r.num_used())

    @property
    def notes(self) -> List[str]:
        return list(self._r.notes)

    def report(self) -> str:
        return self._r.full_report()

    def __repr__(self) -> str:
        return self._r.brief_report()

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(self.report()) + "</pre>"


def isoflop_fit(data: Any = None, *, N: Any = "N", D: Any = "D", loss: Any = "loss",
                C: Any = None, weights: Any = None, snap_tolerance: float = 0.05,
                points_each_side: Optional[int] = None, keep_edge_minima: bool = False,
                k: float = 6.0, bootstrap: int = 1000, confidence: float = 0.95,
                seed: int = 0, threads: Optional[int] = None, fit_frontier: bool = True,
                compare_parametric: bool = True) -> IsoflopResult:
    """Chinchilla Approach 2: isoFLOP profiles.

    Parameters
    ----------
    data : DataFrame or dict of arrays (optional).
    N, D, loss, C, weights : arrays, or names of columns of ``data``
        (defaults ``"N"``, ``"D"``, ``"loss"``). ``C`` (FLOPs) defaults to
        ``k·N·D``; ``D`` may be left out when ``C`` is given (D = C/(k·N)).
    snap_tolerance : relative tolerance for merging nearly equal budgets.
    points_each_side : None fits each budget's parabola to all its runs; an
        integer k >= 1 to the lowest-loss run and k runs on either side.
    keep_edge_minima : also use budgets whose minimum is outside the sampled
        range (flagged in the table either way).
    bootstrap : replicates for the intervals of a and b (0 = none);
        ``seed`` makes them reproducible, independent of ``threads``.
    fit_frontier : fit L_opt(C) = E + A·C^-alpha (saturating_power_law).
    compare_parametric : fit chinchilla to the same runs and report the
        implied a = beta/(alpha+beta), b = alpha/(alpha+beta).
    """
    table = table_columns(data)
    n_arr = _column(table, N, "N")
    loss_arr = _column(table, loss, "loss")
    c_arr = _column(table, C, "C", required=False) if C is not None else None
    if isinstance(C, str) and c_arr is None:
        raise ValueError(f"missing column '{C}' for C")
    d_arr = _column(table, D, "D", required=c_arr is None) if D is not None else None
    if d_arr is None and c_arr is None:
        raise ValueError("give D (tokens) or C (FLOPs)")
    w_arr = _column(table, weights, "weights") if weights is not None else None
    o = _core.IsoflopOptions()
    o.snap_tolerance = check_float(snap_tolerance, "snap_tolerance")
    o.points_each_side = -1 if points_each_side is None else check_int(points_each_side, "points_each_side", 1)
    o.keep_edge_minima = bool(keep_edge_minima)
    o.k = check_float(k, "k")
    o.num_bootstrap = check_int(bootstrap, "bootstrap", 0)
    o.confidence = check_float(confidence, "confidence")
    o.seed = check_int(seed, "seed", 0)
    if threads is not None:
        o.num_threads = check_int(threads, "threads", 0)
    o.fit_frontier = bool(fit_frontier)
    o.compare_parametric = bool(compare_parametric)
    ok, why = o.is_valid()
    if not ok:
        raise ValueError(f"invalid isoflop_fit options: {why}")
    return IsoflopResult(_core.isoflop_fit(n_arr, d_arr, loss_arr, c_arr, w_arr, o))


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
    table = table_columns(data)
    if isinstance(run, str):
        if run not in table:
            raise ValueError(f"missing column '{run}' for run")
        run = table[run]
    labels, codes = np.unique(np.asarray(run), return_inverse=True)
    n_arr = _column(table, N, "N")
    t_arr = _column(table, tokens, "tokens")
    l_arr = _column(table, loss, "loss")
    o = _core.EnvelopeOptions()
    o.num_bins = check_int(bins, "bins", 2)
    o.k = check_float(k, "k")
    o.keep_edge = bool(keep_edge)
    ok, why = o.is_valid()
    if not ok:
        raise ValueError(f"invalid envelope_fit options: {why}")
    core = _core.envelope_fit([int(c) for c in np.ravel(codes)], n_arr, t_arr, l_arr, o)
    return EnvelopeResult(core, labels)
