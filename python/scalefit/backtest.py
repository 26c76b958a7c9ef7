"""Backtests, the sensitivity panel and design diagnostics.

``backtest`` answers "how well has this recipe extrapolated on my own runs so
far?": it refits the law on the runs below a compute (or other) threshold and
predicts the runs above it, with rolling origins, leave-one-group-out and a
baseline to beat. ``sensitivity`` refits with each objective and shows how
much the error model moves the compute-optimal answer at a budget.
``diagnostics`` returns the design diagnostics every fit carries.

All numerics are in the C++ core (``scalefit/backtest.hpp`` and
``scalefit/diagnostics.hpp`` document the definitions); this module only
adapts inputs and formats results.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from . import _core
from ._inputs import check_float, check_int, frame, as_column, gather, table_columns
from .results import FitResult

__all__ = ["backtest", "sensitivity", "diagnostics", "require_identified",
           "BacktestResult", "SensitivityPanel"]




def _core_fit(fit) -> "_core.FitResult":
    if isinstance(fit, FitResult):
        return fit._r
    if isinstance(fit, _core.FitResult):
        return fit
    raise TypeError(f"expected a scalefit FitResult, got {type(fit).__name__}")


class BacktestResult:
    """Result of :func:`backtest`.

    Headline metrics (of the split at ``threshold``): ``mean_are``,
    ``max_are`` (absolute relative errors |L̂ − L|/L), ``rmsle`` (natural
    log) and ``coverage`` (NaN unless intervals were computed); ``baseline``
    holds the same metrics for the "best observed loss" forecast.
    Tables: ``to_dataframe()`` (held-out runs), ``folds``, ``rolling``,
    ``by_distance``, ``leave_group_out``. ``report()`` prints everything.
    """

    __slots__ = ("_r",)

    def __init__(self, core_result: "_core.BacktestResult"):
        self._r = core_result

    @property
    def law(self) -> str:
        return self._r.law

    @property
    def objective(self) -> str:
        return self._r.objective

    @property
    def split(self) -> str:
        """The split quantity: ``"C = 6ND"``, ``"C"``, ``"N"``..."""
        return self._r.split

    @property
    def threshold(self) -> float:
        return float(self._r.threshold)

    @property
    def mean_are(self) -> float:
        return float(self._r.mean_are)

    @property
    def max_are(self) -> float:
        return float(self._r.max_are)

    @property
    def rmsle(self) -> float:
        return float(self._r.rmsle)

    @property
    def coverage(self) -> float:
        return float(self._r.coverage)

    @property
    def has_intervals(self) -> bool:
        return bool(self._r.has_intervals)

    @property
    def num_train(self) -> int:
        return int(self._r.folds[0].num_train)

    @property
    def num_test(self) -> int:
        return int(self._r.folds[0].num_test)

    @property
    def baseline(self) -> dict:
        """Metrics of the baseline: every held-out run predicted at the lowest
        training loss (``loss``)."""
        f = self._r.folds[0]
        return {"loss": float(f.baseline_loss), "mean_are": float(f.baseline.mean_are),
                "max_are": float(f.baseline.max_are), "rmsle": float(f.baseline.rmsle)}

    @property
    def fit(self) -> FitResult:
        """The law fitted on the training runs of the split."""
        return FitResult(self._r.folds[0].fit)

    def fold_fit(self, fold: int) -> FitResult:
        """The fit of fold ``fold`` (see ``folds``)."""
        folds = self._r.folds
        if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)):
            raise TypeError("fold must be an integer")
        if not 0 <= fold < len(folds):
            raise ValueError(f"fold must be in [0, {len(folds) - 1}], got {fold}")
        return FitResult(folds[int(fold)].fit)

    def to_dict(self) -> dict:
        """Summary metrics as plain values (full precision)."""
        return {"law": self.law, "objective": self.objective, "split": self.split,
                "threshold": self.threshold, "mean_are": self.mean_are,
                "max_are": self.max_are, "rmsle": self.rmsle, "coverage": self.coverage,
                "num_train": self.num_train, "num_test": self.num_test,
                "baseline": self.baseline}

    def to_dataframe(self, fold: Optional[int] = 0):
        """Held-out runs of one fold (default: the split), or of every fold
        with ``fold=None``: inputs, ``split_value``, ``distance_decades``,
        ``observed``, ``predicted``, ``lower``/``upper`` (NaN without
        intervals), ``are``, ``log_error``, ``baseline``, ``baseline_are``."""
        if fold is None:
            return frame(self._r.run_columns(-1))
        if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)):
            raise TypeError("fold must be an integer or None")
        if not 0 <= fold < len(self._r.folds):
            raise ValueError(f"fold must be in [0, {len(self._r.folds) - 1}], got {fold}")
        return frame(self._r.run_columns(int(fold)))

    @property
    def folds(self):
        """One row per refit: kind (split, rolling, leave_group_out), counts,
        metrics and baseline metrics."""
        return frame(self._r.fold_columns())

    def _folds_of(self, kind: str):
        cols = self._r.fold_columns()
        keep = np.array([k == kind for k in cols["kind"]], dtype=bool)
        return frame({k: np.asarray(v)[keep] for k, v in cols.items()})

    @property
    def rolling(self):
        """Rolling-origin folds (one per threshold)."""
        return self._folds_of("rolling")

    @property
    def leave_group_out(self):
        """Leave-one-group-out folds."""
        return self._folds_of("leave_group_out")

    @property
    def by_distance(self):
        """Error against extrapolation distance (decades of the split
        quantity beyond the largest training run), over the rolling folds."""
        return frame(self._r.distance_columns())

    def report(self) -> str:
        return self._r.full_report()

    def __repr__(self) -> str:
        return self._r.brief_report()

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(self.report()) + "</pre>"


def backtest(law: Any, data: Any = None, *, N: Any = None, D: Any = None, C: Any = None,
             loss: Any = None, split: str = "compute", threshold: Optional[float] = None,
             rolling: bool = True, rolling_thresholds: Optional[Sequence[float]] = None,
             rolling_step: float = 0.5, max_rolling: int = 6,
             leave_group_out: bool = True, group_by: Optional[str] = None,
             num_groups_out: int = 1, group_tolerance: float = 0.02,
             level: Optional[float] = None, interval: str = "prediction",
             objective: str = "huber_log", delta: float = 1e-3, weights: Any = None,
             init: Optional[Mapping[str, float]] = None, bounds: Any = None,
             fixed: Optional[Sequence[str]] = None, tie: Any = None, grid: Any = None,
             groups: Any = None, columns: Optional[Mapping[str, str]] = None,
             threads: int = 1, flop_convention: str = "6ND",
             solver: Optional[Mapping[str, Any]] = None, **inputs: Any) -> BacktestResult:
    """Backtest a law: fit on the runs below a threshold, predict the rest.

    Parameters
    ----------
    law : a law name or object, with data as in :func:`scalefit.fit`; or a
        :class:`FitResult`, whose law, data and fit options are reused (then
        pass no data or fit options).
    data, N, D, C, loss, **inputs : the runs, as in :func:`scalefit.fit`. For
        a law without a C input, ``C`` (or a ``C`` column of ``data``) gives
        the compute of each run for ``split="compute"``; without it C = 6ND.
    split : ``"compute"`` (default) or an input name (``"N"``...).
    threshold : train on split < threshold, hold out split >= threshold.
        Default: hold out the last decade (and at least free parameters + 1
        runs). Each side needs at least free parameters + 1 runs.
    rolling, rolling_thresholds, rolling_step, max_rolling : rolling origin
        (default thresholds: max / 10^(rolling_step · j), j = 1..max_rolling).
    leave_group_out, group_by, num_groups_out, group_tolerance : leave out the
        largest group(s) of ``group_by`` (default ``"N"``: model sizes; or
        ``"groups"`` for the ``groups`` labels), one at a time.
    level, interval : with ``level`` (e.g. 0.9), every held-out run gets a
        delta-method interval from its fold's fit (``interval="prediction"``,
        for a new observation, or ``"confidence"``, for the mean curve) and
        the metrics include ``coverage``.
    objective ... solver : fit options, as in :func:`scalefit.fit`.
    threads : folds refitted in parallel (results do not depend on it).

    The report always includes the baseline "best observed loss" (every
    held-out run predicted at the lowest training loss).
    """
    from . import _api

    if threshold is not None and np.isnan(check_float(threshold, "threshold")):
        # NaN is the core's "automatic" sentinel; an explicit NaN (e.g. a
        # computed threshold gone wrong) must not silently mean "automatic".
        raise ValueError("backtest: threshold is NaN; pass None for the automatic threshold")
    common = dict(
        split=str(split),
        threshold=None if threshold is None else check_float(threshold, "threshold"),
        rolling=bool(rolling),
        rolling_thresholds=[check_float(t, "rolling_thresholds") for t in (rolling_thresholds or [])],
        rolling_step=check_float(rolling_step, "rolling_step"),
        max_rolling=check_int(max_rolling, "max_rolling", 0),
        leave_group_out=bool(leave_group_out),
        group_by="" if group_by is None else str(group_by),
        num_groups_out=check_int(num_groups_out, "num_groups_out", 1),
        group_tolerance=check_float(group_tolerance, "group_tolerance"),
        num_threads=check_int(threads, "threads", 0),
        level=None if level is None else check_float(level, "level"),
        interval=str(interval),
    )
    if isinstance(law, (FitResult, _core.FitResult)):
        given = [k for k, v in dict(data=data, N=N, D=D, C=C, loss=loss, weights=weights,
                                   init=init, bounds=bounds, fixed=fixed, tie=tie,
                                   grid=grid, groups=groups, solver=solver).items()
                 if v is not None] + list(inputs)
        if given:
            raise ValueError("backtest of a FitResult reuses its data and options; "
                             f"do not pass {', '.join(given)}")
        return BacktestResult(_core.backtest_fit(_core_fit(law), split_values=None, **common))

    lw = _api.law(law)
    explicit = dict(inputs)
    split_values = None
    for name, value in (("N", N), ("D", D), ("C", C)):
        if value is None:
            continue
        if name in lw.input_names:
            explicit[name] = value
        elif name == "C":
            split_values = as_column(value, "C")
        else:
            raise ValueError(f"unknown input '{name}'; this law's inputs are: "
                             + ", ".join(lw.input_names))
    if split_values is None and "C" not in lw.input_names and split == "compute":
        table = table_columns(data)
        col = (columns or {}).get("C", "C")
        if col in table:
            split_values = as_column(table[col], "C")
    inp, loss_arr = gather(lw.input_names, data, explicit, loss,
                           {k: v for k, v in (columns or {}).items() if k != "C"})
    w = None if weights is None else as_column(weights, "weights")
    g = None
    if groups is not None:
        if isinstance(groups, str):
            groups = dict(table_columns(data))[groups]
        _, codes = np.unique(np.asarray(groups), return_inverse=True)
        g = [int(c) for c in codes]
    opts = _api._options(lw, objective, delta, init, bounds, fixed, tie, grid, None,
                         flop_convention, solver)
    return BacktestResult(_core.backtest(lw, inp, loss_arr, w, g, opts,
                                         split_values=split_values, **common))


class SensitivityPanel:
    """Result of :func:`sensitivity`: one row per objective with the refit's
    parameters, a (= d ln N_opt / d ln C), N_opt, D_opt and L* at the
    budget, and the spread across objectives (``a_spread`` = max − min,
    ``N_opt_ratio`` = max / min, ``loss_opt_rel_spread`` = (max − min)/min).
    """

    __slots__ = ("_r",)

    def __init__(self, core_panel: "_core.SensitivityPanel"):
        self._r = core_panel

    @property
    def budget(self) -> float:
        return float(self._r.budget)

    @property
    def a_spread(self) -> float:
        return float(self._r.a_spread)

    @property
    def N_opt_ratio(self) -> float:
        return float(self._r.N_opt_ratio)

    @property
    def loss_opt_rel_spread(self) -> float:
        return float(self._r.loss_opt_rel_spread)

    @property
    def fits(self) -> dict:
        """The refit for each objective."""
        return {row.objective: FitResult(row.fit) for row in self._r.rows}

    def to_dataframe(self):
        rows = self._r.rows
        cols = {"objective": [r.objective for r in rows],
                "a": [r.a for r in rows], "N_opt": [r.N_opt for r in rows],
                "D_opt": [r.D_opt for r in rows], "loss_opt": [r.loss_opt for r in rows]}
        names = list(rows[0].fit.params) if rows else []
        for name in names:
            cols[name] = [r.fit.params[name] for r in rows]
        cols["converged"] = [bool(r.fit.converged) for r in rows]
        cols["note"] = [r.note for r in rows]
        return frame(cols)

    def report(self) -> str:
        return self._r.full_report()

    def __repr__(self) -> str:
        return self._r.brief_report()


def sensitivity(fit: Any, budget: float, *, objectives: Optional[Sequence[str]] = None,
                allow_unidentified: bool = False) -> SensitivityPanel:
    """Refit ``fit``'s data with each objective (default huber_log, mse_log,
    mse) and report the spread in a, N_opt(C) and L*(C) at ``budget`` FLOPs.

    Refits whose exponents are not identified raise ``ScalefitError`` unless
    ``allow_unidentified=True`` (then their row carries the warning)."""
    objs = [] if objectives is None else [str(o) for o in objectives]
    return SensitivityPanel(_core.sensitivity(_core_fit(fit), check_float(budget, "budget"), objs,
                                              bool(allow_unidentified)))


def diagnostics(fit: Any) -> "_core.Diagnostics":
    """The design diagnostics of a fit (also ``fit.diagnostics``)."""
    return _core.fit_diagnostics(_core_fit(fit))


def require_identified(fit: Any, allow_unidentified: bool = False) -> None:
    """Raise ``ScalefitError`` when the fit's exponents are not identified
    (unless ``allow_unidentified``)."""
    _core.require_identified(_core_fit(fit), bool(allow_unidentified))
