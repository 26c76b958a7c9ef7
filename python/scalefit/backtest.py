"""Backtests, the sensitivity panel and design diagnostics.

``backtest`` answers "how well has this recipe extrapolated on my own runs so
far?": it refits the law on the runs below a compute (or other) threshold and
predicts the runs above it, with rolling origins, leave-one-group-out and a
baseline to beat. ``sensitivity`` refits with each objective and shows how
much the error model moves the compute-optimal answer at a budget.
``diagnostics`` returns the design diagnostics every fit carries.

All numerics are in the C++ core (``scalefit/backtest.hpp`` and
``scalefit/diagnostics.hpp`` document the definitions); the result types are
in ``scalefit.results``.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from . import _core
from ._inputs import (as_bool, as_float, as_int, as_names, as_str, data_columns,
                      fit_options, law_inputs, level_arg, unwrap)
from ._progress import reporter
from ._user_laws import make_law
from .results import BacktestResult, FitResult, SensitivityPanel

__all__ = ["backtest", "sensitivity", "diagnostics", "require_identified",
           "BacktestResult", "SensitivityPanel"]


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
             threads: int = 1, flop_convention: str = "6ND", architecture: Any = None,
             solver: Optional[Mapping[str, Any]] = None, progress: Any = False,
             **inputs: Any) -> BacktestResult:
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
    objective ... solver : fit options, as in :func:`scalefit.fit`
        (``architecture`` for the kaplan and hoffmann_detailed conventions).
        The runs must be in plain counts (no ``units=``).
    threads : folds refitted in parallel (results do not depend on it).
    progress : ``True`` shows a progress bar over the folds, a callable
        receives each :class:`scalefit.Progress`. Ctrl-C stops the folds
        within about a second (``KeyboardInterrupt``).

    The report always includes the baseline "best observed loss" (every
    held-out run predicted at the lowest training loss).
    """
    if threshold is not None and np.isnan(as_float(threshold, "threshold")):
        # NaN is the core's "automatic" sentinel; an explicit NaN (e.g. a
        # computed threshold gone wrong) must not silently mean "automatic".
        raise ValueError("backtest: threshold is NaN; pass None for the automatic threshold")
    common = dict(
        split=as_str(split, "split"),
        threshold=None if threshold is None else as_float(threshold, "threshold"),
        rolling=as_bool(rolling, "rolling"),
        rolling_thresholds=[as_float(t, "rolling_thresholds") for t in (rolling_thresholds or [])],
        rolling_step=as_float(rolling_step, "rolling_step"),
        max_rolling=as_int(max_rolling, "max_rolling"),
        leave_group_out=as_bool(leave_group_out, "leave_group_out"),
        group_by="" if group_by is None else as_str(group_by, "group_by"),
        num_groups_out=as_int(num_groups_out, "num_groups_out"),
        group_tolerance=as_float(group_tolerance, "group_tolerance"),
        num_threads=as_int(threads, "threads"),
        level=None if level is None else level_arg(level),
        interval=as_str(interval, "interval"),
    )
    if isinstance(law, (FitResult, _core.FitResult)):
        given = [k for k, v in dict(data=data, N=N, D=D, C=C, loss=loss, weights=weights,
                                   init=init, bounds=bounds, fixed=fixed, tie=tie,
                                   grid=grid, groups=groups, solver=solver,
                                   architecture=architecture, columns=columns).items()
                 if v is not None] + list(inputs)
        if given:
            raise ValueError("backtest of a FitResult reuses its data and options; "
                             f"do not pass {', '.join(given)}")
        with reporter(progress) as callback:
            return BacktestResult(_core.backtest_fit(unwrap(law), split_values=None,
                                                     progress=callback, **common))

    lw = make_law(law)
    explicit = dict(inputs)
    for name, value in (("N", N), ("D", D), ("C", C)):
        if value is not None:
            explicit[name] = value
    # C (compute per run) is a law input, or the split quantity of a law
    # without one (split="compute"; default 6ND).
    extra = ()
    if "C" not in lw.input_names and (split == "compute" or C is not None
                                      or "C" in (columns or {})):
        extra = ("C",)
    got = law_inputs(lw.input_names, data, explicit, loss=loss, weights=weights,
                     groups=groups, columns=columns, extra=extra, law_name=lw.name)
    split_values = got.extra.get("C")
    opts = fit_options(lw, objective=objective, delta=delta, init=init, bounds=bounds,
                       fixed=fixed, tie=tie, grid=grid, flop_convention=flop_convention,
                       architecture=architecture, solver=solver)
    with data_columns(got.columns), reporter(progress) as callback:
        return BacktestResult(_core.backtest(lw, got.inputs, got.loss, got.weights, got.groups,
                                             opts, split_values=split_values, progress=callback,
                                             **common))


def sensitivity(fit: Any, budget: float, *, objectives: Optional[Sequence[str]] = None,
                allow_unidentified: bool = False, progress: Any = False) -> SensitivityPanel:
    """Refit ``fit``'s data with each objective (default huber_log, mse_log,
    mse) and report the spread in a, N_opt(C) and L*(C) at ``budget`` FLOPs.

    Refits whose exponents are not identified raise ``ScalefitError`` unless
    ``allow_unidentified=True`` (then their row carries the warning).
    ``progress``: ``True`` shows a progress bar over the refits, a callable
    receives each :class:`scalefit.Progress`; Ctrl-C stops the refits."""
    objs = [] if objectives is None else as_names(objectives, "objectives")
    args = (unwrap(fit, "fit"), as_float(budget, "budget"), objs,
            as_bool(allow_unidentified, "allow_unidentified"))
    with reporter(progress) as callback:
        return SensitivityPanel(_core.sensitivity(*args, progress=callback))


def diagnostics(fit: Any) -> "_core.Diagnostics":
    """The design diagnostics of a fit (also ``fit.diagnostics``)."""
    return _core.fit_diagnostics(unwrap(fit, "fit"))


def require_identified(fit: Any, allow_unidentified: bool = False) -> None:
    """Raise ``ScalefitError`` when the fit's exponents are not identified
    (unless ``allow_unidentified``)."""
    _core.require_identified(unwrap(fit, "fit"), as_bool(allow_unidentified, "allow_unidentified"))
