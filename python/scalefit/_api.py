"""The public functions: fit, evaluate, from_params, law lookup."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._inputs import as_column, gather
from .results import FitResult

LawLike = Union[str, "_core.Law"]

_GRID_NAMES = ("auto", "hoffmann", "init")


def law(name_or_law: LawLike, breaks: Optional[int] = None, *,
        params: Optional[Sequence[str]] = None, inputs: Optional[Sequence[str]] = None,
        positive: Optional[Sequence[str]] = None, linear: Optional[Sequence[str]] = None,
        bounds: Optional[Mapping[str, Tuple[Optional[float], Optional[float]]]] = None,
        start: Optional[Mapping[str, Tuple[float, float]]] = None,
        init: Optional[Mapping[str, float]] = None, name: Optional[str] = None,
        formula: Optional[str] = None) -> "_core.Law":
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
    ranges and typical values by name. See docs/laws.md.
    """
    from ._user_laws import make_law
    return make_law(name_or_law, breaks, params=params, inputs=inputs, positive=positive,
                    linear=linear, bounds=bounds, start=start, init=init, name=name,
                    formula=formula)


def _law_for_data(spec: Any, data: Any, inputs: Mapping[str, Any],
                  loss: Any = None, columns: Optional[Mapping[str, str]] = None) -> "_core.Law":
    """Like law(), but a formula string gets its inputs from the data columns
    and keyword inputs it names."""
    from ._user_laws import formula_for_data, is_formula
    if isinstance(spec, str) and is_formula(spec):
        cols = list(_table(data).keys()) + list(inputs.keys()) + list((columns or {}).keys())
        loss_col = loss if isinstance(loss, str) else (columns or {}).get("loss", "loss")
        return formula_for_data(spec, cols, loss_col)
    if callable(spec) and not isinstance(spec, _core.Law):
        raise TypeError("wrap a callable law with scalefit.law(f, params=[...], inputs=[...]) "
                        "to name its parameters and inputs")
    return law(spec)


def laws() -> list:
    """Names of the built-in laws."""
    return list(_core.builtin_laws())


def _check_names(kind: str, names: Iterable[str], valid: Sequence[str], lawname: str) -> None:
    for n in names:
        if n not in valid:
            raise ValueError(
                f"unknown parameter '{n}' in {kind} for law '{lawname}'; its parameters are: "
                + ", ".join(valid))


def _options(lw, objective, delta, init, bounds, fixed, tie, grid, threads,
             flop_convention, solver) -> "_core.FitOptions":
    o = _core.FitOptions()
    if not isinstance(objective, str):
        raise TypeError("objective must be a string")
    o.objective = objective
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating, np.integer)):
        raise TypeError("delta must be a number")
    o.delta = float(delta)
    names = list(lw.param_names)
    if init is not None:
        _check_names("init", init, names, lw.name)
        o.init = {k: float(v) for k, v in init.items()}
    if bounds is not None:
        _check_names("bounds", bounds, names, lw.name)
        b = {}
        for k, v in bounds.items():
            lo, hi = v
            b[k] = (float(-np.inf if lo is None else lo), float(np.inf if hi is None else hi))
        o.bounds = b
    if fixed is not None:
        if isinstance(fixed, str):
            fixed = [fixed]
        _check_names("fixed", fixed, names, lw.name)
        o.fixed = list(fixed)
    if tie is not None:
        pairs = list(tie.items()) if isinstance(tie, Mapping) else list(tie)
        for f, l in pairs:
            if not isinstance(f, str) or not isinstance(l, str):
                raise TypeError(
                    f"tie {f!r} -> {l!r}: a tie links two parameters of the law being fitted "
                    f"('{lw.name}'), by name; ties between parameters of different laws are "
                    "not supported")
            _check_names("tie", [f, l], names, lw.name)
        o.ties = [(str(f), str(l)) for f, l in pairs]
    if grid is None or (isinstance(grid, str) and grid == "auto"):
        o.start = "auto"
    elif isinstance(grid, str):
        if grid not in _GRID_NAMES:
            raise ValueError(f"grid must be None, 'auto', 'hoffmann', 'init' or a dict; got '{grid}'")
        o.start = grid
    elif isinstance(grid, Mapping):
        _check_names("grid", grid, names, lw.name)
        o.start = "grid"
        o.grid = {k: [float(x) for x in np.atleast_1d(v)] for k, v in grid.items()}
    else:
        raise TypeError("grid must be None, a strategy name or a dict of value lists")
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
            raise TypeError("threads must be an integer")
        if threads < 0:
            raise ValueError("threads must be >= 0 (0 = all cores)")
        o.num_threads = int(threads)
    o.flop_convention = str(flop_convention)
    for key, value in (solver or {}).items():
        if not hasattr(o, key):
            raise ValueError(f"unknown solver option '{key}'")
        setattr(o, key, value)
    ok, why = o.is_valid()
    if not ok:
        raise ValueError(f"invalid fit options: {why}")
    return o


def fit(law: LawLike, data: Any = None, *, loss: Any = None, objective: str = "huber_log",
        delta: float = 1e-3, weights: Any = None, init: Optional[Mapping[str, float]] = None,
        bounds: Optional[Mapping[str, Tuple[Optional[float], Optional[float]]]] = None,
        fixed: Optional[Sequence[str]] = None, tie: Any = None, grid: Any = None,
        groups: Any = None, columns: Optional[Mapping[str, str]] = None,
        threads: Optional[int] = None, flop_convention: str = "6ND",
        solver: Optional[Mapping[str, Any]] = None, **inputs: Any) -> FitResult:
    """Fit a scaling law.

    Parameters
    ----------
    law : name (``"chinchilla"``, ``"power_law"``, ...) or a law object.
    data : pandas DataFrame or dict of arrays with columns named like the
        law's inputs and ``loss`` (or mapped with ``columns={"N": "params"}``).
    loss : array of observed losses, or the name of the loss column.
    objective : ``"huber_log"`` (default; Huber with threshold ``delta`` on
        log residuals, summed), ``"mse_log"`` or ``"mse"`` (linear loss).
    weights : per-point weights (> 0).
    init, bounds : dicts keyed by parameter name, user units.
    fixed : names held at their ``init`` values.
    tie : ``{"beta": "alpha"}`` makes beta equal alpha.
    grid : None (variable-projection global start), ``"hoffmann"`` (the
        4500-start grid of Hoffmann et al. 2022), ``"init"`` (one local solve
        from ``init``) or a dict of value lists per parameter.
    threads : threads for ranking the default start grid and polishing starts (results do
        not depend on it).
    solver : other ``FitOptions`` fields by name, e.g. ``{"max_iterations": 200}``
        or ``{"screening_tolerance": 0}`` to polish every start of a large grid
        to full tolerance instead of screening it (see docs/objectives.md).
    **inputs : arrays by the law's input names (``N=``, ``D=``, ``C=``...).
    """
    lw = _law_for_data(law, data, inputs, loss, columns)
    inp, loss_arr = gather(lw.input_names, data, inputs, loss, columns)
    w = None if weights is None else as_column(weights, "weights")
    g = None
    if groups is not None:
        if isinstance(groups, str):
            groups = dict(_table(data))[groups]
        _, codes = np.unique(np.asarray(groups), return_inverse=True)
        g = [int(c) for c in codes]
    opts = _options(lw, objective, delta, init, bounds, fixed, tie, grid, threads,
                    flop_convention, solver)
    return FitResult(_core.fit(lw, inp, loss_arr, w, g, opts))


def _table(data):
    from ._inputs import table_columns
    return table_columns(data)


def evaluate(law: LawLike, params: Mapping[str, float], data: Any = None,
             **inputs: Any) -> np.ndarray:
    """A law's value at given parameters (dict name -> float) and inputs."""
    if not isinstance(params, Mapping):
        raise TypeError("params must be a dict of name -> value")
    from ._user_laws import is_formula
    if isinstance(law, str) and is_formula(law):
        # A formula: the names in `params` are its parameters, the rest inputs.
        lw = _core.formula_law(law, "formula", [str(k) for k in params], [])
    else:
        lw = _law_for_data(law, data, inputs)
    _check_names("params", params, list(lw.param_names), lw.name)
    missing = [n for n in lw.param_names if n not in params]
    if missing:
        raise ValueError(f"missing parameters for law '{lw.name}': {', '.join(missing)}")
    inp, _ = gather(lw.input_names, data, inputs, None, need_loss=False)
    return np.asarray(lw.evaluate([float(params[n]) for n in lw.param_names], inp))


def from_params(law: LawLike, params: Mapping[str, float], *,
                flop_convention: str = "6ND") -> FitResult:
    """A result from published parameters, without data (no uncertainty)."""
    lw = globals()["law"](law)
    if not isinstance(params, Mapping):
        raise TypeError("params must be a dict of name -> value")
    return FitResult(_core.from_params(lw, {k: float(v) for k, v in params.items()},
                                       flop_convention))
