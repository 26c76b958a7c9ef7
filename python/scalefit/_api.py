"""Fitting: scalefit.fit, evaluate, from_params and law lookup (functions only)."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._inputs import (Frame, architecture_arg, as_float, as_mapping, as_str, data_columns,
                      fit_options, units_arg,
                      law_inputs, param_values)
from ._progress import reporter
from ._user_laws import formula_for_data, is_formula, make_law
from ._warnings import warn_diagnostics
from .results import FitResult

LawLike = Union[str, "_core.Law"]


def law(name_or_law: LawLike, breaks: Optional[int] = None, *,
        params: Optional[Sequence[str]] = None, inputs: Optional[Sequence[str]] = None,
        positive: Optional[Sequence[str]] = None, linear: Optional[Sequence[str]] = None,
        bounds: Optional[Mapping[str, Tuple[Optional[float], Optional[float]]]] = None,
        start: Optional[Mapping[str, Tuple[float, float]]] = None,
        init: Optional[Mapping[str, float]] = None, name: Optional[str] = None,
        formula: Optional[str] = None, max_length: Optional[int] = None,
        max_depth: Optional[int] = None) -> "_core.Law":
    """A law object.

    - a built-in name: ``law("chinchilla")``, ``law("kaplan")``,
      ``law("data_constrained")``, ``law("broken_power_law", breaks=2)``
      (same as ``law("broken_power_law:2")``; 1 to 3 breaks);
    - a formula string over named parameters and inputs, parsed and
      differentiated exactly in C++:
      ``law("E + A / N**alpha + B / D**beta", inputs=["N", "D"],
      positive=["E", "A", "B"], linear=["E", "A", "B"])`` (give ``params``
      or ``inputs`` or both; the other names are the rest);
    - a Python callable ``f(params: dict, inputs: dict of arrays) -> array``
      (one value per row), fitted with central-difference derivatives:
      ``law(f, params=[...], inputs=[...])``.

    ``positive`` parameters are fitted in log and stay > 0; ``linear`` ones
    enter as sum_k c_k * phi_k (variable-projection starts; checked for
    formulas); ``bounds``/``start``/``init`` give default bounds, start-grid
    ranges and typical values by name. ``max_length`` (default 10000
    characters) and ``max_depth`` (default 100 nesting levels) bound a
    formula string (docs/reliability.md). See docs/laws.md.
    """
    return make_law(name_or_law, breaks, params=params, inputs=inputs, positive=positive,
                    linear=linear, bounds=bounds, start=start, init=init, name=name,
                    formula=formula, max_length=max_length, max_depth=max_depth)


def _law_for_data(spec: Any, frame: Frame, inputs: Mapping[str, Any],
                  loss: Any = None, columns: Optional[Mapping[str, str]] = None) -> "_core.Law":
    """Like law(), but a formula string gets its inputs from the data columns
    and keyword inputs it names."""
    if isinstance(spec, str) and is_formula(spec):
        cols = list(frame.names) + list(inputs.keys()) + list((columns or {}).keys())
        loss_col = loss if isinstance(loss, str) else (columns or {}).get("loss", "loss")
        return formula_for_data(spec, cols, loss_col)
    if callable(spec) and not isinstance(spec, _core.Law):
        raise TypeError("wrap a callable law with scalefit.law(f, params=[...], inputs=[...]) "
                        "to name its parameters and inputs")
    return law(spec)


def laws() -> list:
    """Names of the built-in laws."""
    return list(_core.builtin_laws())


def fit(law: LawLike, data: Any = None, *, loss: Any = None, objective: str = "huber_log",
        delta: float = 1e-3, weights: Any = None, init: Optional[Mapping[str, float]] = None,
        bounds: Optional[Mapping[str, Tuple[Optional[float], Optional[float]]]] = None,
        fixed: Optional[Sequence[str]] = None, tie: Any = None, grid: Any = None,
        groups: Any = None, columns: Optional[Mapping[str, str]] = None,
        threads: Optional[int] = None, flop_convention: str = "6ND",
        architecture: Any = None, units: Optional[Mapping[str, Any]] = None,
        solver: Optional[Mapping[str, Any]] = None, progress: Any = False,
        profile_check: bool = False, **inputs: Any) -> FitResult:
    """Fit a scaling law.

    Parameters
    ----------
    law : name (``"chinchilla"``, ``"power_law"``, ...) or a law object.
    data : pandas DataFrame or dict of arrays with columns named like the
        law's inputs and ``loss``, or mapped: ``N="n_params"`` or
        ``columns={"N": "n_params", "loss": "train_loss"}``.
    loss : array of observed losses, or the name of the loss column.
    objective : ``"huber_log"`` (default; Huber with threshold ``delta`` on
        log residuals, summed), ``"mse_log"`` or ``"mse"`` (linear loss).
    weights : per-point weights (> 0): an array or a column name.
    init, bounds : dicts keyed by parameter name, user units.
    fixed : names held at their ``init`` values.
    tie : ``{"beta": "alpha"}`` makes beta equal alpha.
    grid : None (variable-projection global start), ``"hoffmann"`` (the
        4500-start grid of Hoffmann et al. 2022), ``"init"`` (one local solve
        from ``init``) or a dict of value lists per parameter.
    groups : one label per row (an array or a column name), for cluster
        bootstraps and leave-group-out backtests.
    columns : role (a law input, ``"loss"``, ``"weights"``, ``"groups"``) ->
        column of ``data``. The result remembers where each input came from,
        so ``result.predict(new_frame)`` finds the same column names.
    threads : threads for ranking the default start grid, polishing starts and, from
        8192 rows, splitting each evaluation's rows; a stage with too little work for
        more runs on fewer (results do not depend on it).
    flop_convention : ``"6ND"`` (default), ``"kaplan"`` or ``"hoffmann_detailed"``
        (see docs/flops.md): how each run's compute, allocations, intervals
        and reports count FLOPs. A ``C`` column in ``data`` (for a law that
        does not take C) is the runs' reported compute; under 6ND rows that
        disagree with 6·N·D by more than 5 % are an error naming them.
    architecture : a ``scalefit.flops.Architecture``; required by ``"kaplan"``
        and ``"hoffmann_detailed"`` (models of its shape scaled to each N).
    units : the units the inputs are given in, converted to plain counts
        before the fit: ``{"N": 1e6, "D": 1e9}`` or ``{"N": "M", "D": "B"}``
        ("K", "M", "B", "T"; "PF-day" for C). The result records them;
        parameters, predictions and allocations are in plain counts.
    solver : other ``FitOptions`` fields by name, e.g. ``{"max_iterations": 200}``
        or ``{"screening_tolerance": 0}`` to polish every start of a large grid
        to full tolerance instead of screening it (see docs/objectives.md).
    profile_check : ``True`` runs the profile check of the diagnostics with the fit
        (two local solves per free non-linear parameter, a full profile where the
        objective is flat), so ``diagnostics.weak_parameters`` and the
        ``weakly_identified`` warning report a flat valley. Off by default: it costs
        several times the fit. Without it ``diagnostics.profile_checked`` is False and
        the report says "profile: not checked"; the competing-basin check always runs,
        and ``compute_optimal`` and the other allocations run the profile check
        themselves before they trust the fit.
    progress : ``True`` shows a progress bar over the start grid and the
        polished starts (long for ``grid="hoffmann"`` or a large explicit
        grid), a callable receives each :class:`scalefit.Progress`.
    **inputs : arrays or column names by the law's input names (``N=``,
        ``D=``, ``C=``...).

    Ctrl-C stops a fit within about a second (``KeyboardInterrupt``).
    """
    frame = Frame(data)
    lw = _law_for_data(law, frame, inputs, loss, columns)
    extra = [] if "C" in lw.input_names else ["C"]
    got = law_inputs(lw.input_names, frame, inputs, loss=loss, weights=weights, groups=groups,
                     columns=columns, law_name=lw.name, extra=extra)
    opts = fit_options(lw, objective=objective, delta=delta, init=init, bounds=bounds,
                       fixed=fixed, tie=tie, grid=grid, threads=threads,
                       flop_convention=flop_convention, architecture=architecture,
                       solver=solver,
                       profile_check=profile_check)
    factors = units_arg(units, lw)
    with data_columns(got.columns), reporter(progress) as callback:
        core = _core.fit(lw, got.inputs, got.loss, got.weights, got.groups, opts,
                         got.extra.get("C"), factors, progress=callback)
    result = FitResult(core, got.columns)
    warn_diagnostics(result, ("implausible_magnitude",))
    return result


def evaluate(law: LawLike, params: Mapping[str, float], data: Any = None,
             **inputs: Any):
    """A law's value at given parameters (dict name -> float) and inputs
    (arrays or column names of ``data``): a numpy array, or a pandas Series
    on the index of a DataFrame input."""
    params = as_mapping(params, "params", "{'alpha': 0.3, 'A': 10.0}")
    frame = Frame(data)
    if isinstance(law, str) and is_formula(law):
        # A formula: the names in `params` are its parameters, the rest inputs.
        lw = _core.formula_law(law, "formula", [str(k) for k in params], [])
    else:
        lw = _law_for_data(law, frame, inputs)
    values = param_values(params, lw, "params")
    missing = [n for n in lw.param_names if n not in values]
    if missing:
        raise ValueError(f"missing parameters for law '{lw.name}': {', '.join(missing)}")
    got = law_inputs(lw.input_names, frame, inputs, need_loss=False, law_name=lw.name)
    out = np.asarray(lw.evaluate([values[n] for n in lw.param_names], got.inputs))
    if got.index is None:
        return out
    import pandas as pd
    return pd.Series(out, index=got.index, name="loss")


def from_params(law: LawLike, params: Mapping[str, float], *,
                flop_convention: str = "6ND", architecture: Any = None) -> FitResult:
    """A result from published parameters, without data: given parameters
    (``fitted`` False: no convergence, diagnostics or uncertainty claims).
    Each value must lie in the law's parameter domain (its default bounds);
    ``flop_convention``/``architecture`` as in :func:`fit`."""
    lw = globals()["law"](law)
    params = as_mapping(params, "params", "{'alpha': 0.3, 'A': 10.0}")
    return FitResult(_core.from_params(lw, {k: as_float(v, f"params['{k}']")
                                            for k, v in params.items()},
                                       as_str(flop_convention, "flop_convention"),
                                       architecture_arg(architecture)))
