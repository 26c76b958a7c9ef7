"""Result wrappers: values with a one-line repr, a full report, HTML for
notebooks, ``to_dict`` and ``to_dataframe``.

Every wrapper derives from :class:`Result`, which holds the C++ result
(``self._c``) and renders it in one place (``Result._text``: the core's
``brief_report`` / ``full_report``; numbers are formatted in C++, one
formatter for every result type). Methods that compute more (a bootstrap, an
interval) call the core directly through the input adapters; this module
imports only ``_core``, ``_inputs``, ``_progress`` and ``_warnings`` (which
surfaces the warnings the core's tables carry).
"""
from __future__ import annotations

import html
from collections import namedtuple
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from . import _core
from ._inputs import (as_bool, as_column, as_float, as_int, as_path, as_seed, as_str,
                      budgets as _budgets, data_columns, flop_model, frame, group_codes,
                      law_inputs, level_arg, other_inputs as _other)
from ._progress import reporter
from ._warnings import warn_table, warn_text

__all__ = ["Result", "FitResult", "Prediction", "Interval", "IntervalTable", "Covariance",
           "BootstrapResult", "AllocationColumn", "AllocationTable", "IsoflopResult",
           "EnvelopeResult", "BacktestResult", "SensitivityPanel", "EmergenceResult",
           "ChainPrediction", "TaskChain"]

Interval = namedtuple("Interval", ["mean", "lower", "upper"])
Interval.__doc__ = "A point estimate with a central two-sided interval."


def _field(name: str, convert=None, doc: Optional[str] = None) -> property:
    """A read-only property reading ``self._c.<name>`` (converted)."""
    if convert is None:
        return property(lambda self: getattr(self._c, name), doc=doc)
    return property(lambda self: convert(getattr(self._c, name)), doc=doc)


def _named(names, values, convert=float) -> Dict[str, Any]:
    return dict(zip(names, (convert(v) for v in values)))


def _on_index(values: np.ndarray, index: Any, name: str):
    """A pandas Series on ``index`` (the caller's frame), else the array."""
    if index is None:
        return values
    import pandas as pd
    return pd.Series(values, index=index, name=name)


class Result:
    """Base of every result wrapper.

    - ``repr(r)``: one line; ``r.report()``: the full text report;
      ``r._repr_html_()``: the report for notebooks. All three come from
      ``_text`` (the core's ``brief_report`` / ``full_report``), the one
      place where a result is rendered.
    - ``r.to_dict()``: the summary as plain Python values (full precision),
      keyed by the names in ``_fields`` (each a property of the result).
    - ``r.to_dataframe()``: the result's table as a pandas DataFrame, built
      from ``_table()`` (a dict of columns, or a DataFrame) with
      ``_attrs()`` in ``df.attrs``.
    """

    __slots__ = ("_c",)
    _fields: tuple = ()

    def __init__(self, core: Any):
        self._c = core

    # --- pickling: the core object pickles itself (exactly), the wrapper
    # its slots; results cross processes (concurrent.futures, Dask). -------
    def __getstate__(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for cls in type(self).__mro__
                for k in getattr(cls, "__slots__", ()) if hasattr(self, k)}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    # --- rendering (the one place) ----------------------------------------
    def _text(self, full: bool) -> str:
        c = self._c
        if full and hasattr(c, "full_report"):
            return c.full_report()
        return c.brief_report()

    def report(self) -> str:
        """The full text report."""
        return self._text(True)

    def __repr__(self) -> str:
        return self._text(False)

    def _repr_html_(self) -> str:
        """Notebooks: the one-line summary, the result's table as a real
        HTML table (numbers to 6 significant digits; the DataFrame keeps full
        precision) and the full report, folded."""
        parts = [f"<p><b>{html.escape(self._text(False))}</b></p>"]
        try:
            df = self.to_dataframe()
        except (ImportError, ValueError, TypeError):  # no pandas, or no table
            df = None
        if df is not None and len(df.columns) and len(df) <= 500:
            parts.append(df.to_html(float_format=lambda v: f"{v:.6g}", border=0,
                                    classes="scalefit-table", na_rep="—"))
        parts.append("<details><summary>report</summary><pre>"
                     + html.escape(self.report()) + "</pre></details>")
        return "\n".join(parts)

    # --- values -------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        """The summary as plain Python values (full precision)."""
        return {k: getattr(self, k) for k in self._fields}

    def _table(self):
        return {k: np.atleast_1d(v) for k, v in self.to_dict().items()
                if np.ndim(v) <= 1 and not isinstance(v, dict)}

    def _attrs(self) -> Dict[str, Any]:
        return {}

    def to_dataframe(self):
        """The result's table as a pandas DataFrame (needs pandas)."""
        import pandas as pd
        t = self._table()
        df = t if isinstance(t, pd.DataFrame) else pd.DataFrame(t)
        df.attrs.update(self._attrs())
        return df


# ---------------------------------------------------------------------------
# Fits
# ---------------------------------------------------------------------------

class FitResult(Result):
    """A fitted (or given) scaling law.

    Attributes: ``params`` (dict name -> float, full precision), ``converged``,
    ``message``, ``objective``, ``law``, ``columns`` (the data columns the fit
    read each input and the loss from); methods ``predict``, ``report``,
    ``bootstrap``, ``conf_int``, ``covariance``, ``residuals``, ``save``.
    """

    __slots__ = ("_columns",)
    _fields = ("law", "params", "bounds", "converged", "message", "objective",
               "objective_name", "delta", "num_points", "num_starts", "num_best_basin",
               "screened", "iterations", "fitted", "has_data", "relative_gradient",
               "flop_convention", "units", "instruction_set")

    def __init__(self, core_result: "_core.FitResult",
                 columns: Optional[Mapping[str, str]] = None):
        super().__init__(core_result)
        self._columns = dict(columns or {})

    # --- values -----------------------------------------------------------
    law = _field("law")
    params = _field("params", dict, "Parameters by name, full precision.")
    converged = _field("converged", bool)
    message = _field("message")
    objective = _field("objective", float)
    objective_name = _field("objective_name")
    delta = _field("delta", float)
    iterations = _field("iterations", int)
    num_starts = _field("num_starts", int)
    num_best_basin = _field("num_best_basin", int)
    screened = _field("screened", bool,
                      "True when the starts were screened (``solver={\"screening_tolerance\""
                      ": ...}``) and only the best ``num_refined`` polished to full tolerance.")
    num_points = _field("num_points", int)
    fitted = _field("fitted", bool,
                    "True for a fit to data (in memory or a verified fit card): its "
                    "convergence, certification and diagnostics are claims every "
                    "analysis honours. False for given parameters (``from_params``, "
                    "``load(..., verify=False)``).")
    has_data = _field("has_data", bool, "The fitted observations are attached.")
    relative_gradient = _field("relative_gradient", float,
                               "The certification measurement (relative projected "
                               "gradient; converged fits are at most 1e-6); NaN for "
                               "given parameters.")
    units = _field("units", dict, "The units the inputs were given in ({} = plain "
                   "counts); parameters, predictions and allocations are in plain counts.")
    instruction_set = _field("instruction_set", str,
                             "How the fit evaluated the law: ``\"avx512\"``, ``\"avx2\"`` or ``\"sse2\"`` (SIMD batch "
                             "kernels) or ``\"scalar\"``; empty for given parameters.")

    @property
    def bounds(self) -> Dict[str, tuple]:
        return {p.name: (p.lower, p.upper) for p in self._c.param_values}

    @property
    def flop_convention(self) -> str:
        return self._c.options.flop_convention

    @property
    def architecture(self):
        """The ``scalefit.flops.Architecture`` of a "kaplan" or
        "hoffmann_detailed" fit, else None."""
        return self._c.options.architecture

    def decades_beyond_data(self, data: Any = None, *, columns: Optional[Mapping[str, str]] = None,
                            **inputs: Any) -> np.ndarray:
        """Per row of inputs: decades of compute beyond the largest fitted
        run, max(0, log10(C / C_max)), with C counted under the fit's FLOP
        convention (or the C input); NaN for given parameters."""
        got = law_inputs(self.law.input_names, data, inputs, columns=columns,
                         need_loss=False, remembered=self._columns, law_name=self.law.name)
        return np.asarray(self._c.decades_beyond_data(got.inputs))

    def extrapolation_warning(self, data: Any = None, *,
                              columns: Optional[Mapping[str, str]] = None, **inputs: Any) -> str:
        """The warning line naming the rows of inputs more than 3 decades of
        compute beyond the largest fitted run (what :meth:`predict` raises
        as a ``ScalefitWarning``), or ``""``."""
        got = law_inputs(self.law.input_names, data, inputs, columns=columns,
                         need_loss=False, remembered=self._columns, law_name=self.law.name)
        return str(self._c.extrapolation_warning(got.inputs))

    @property
    def columns(self) -> Dict[str, str]:
        """Role (law input, ``"loss"``...) -> the data column it was read
        from; ``predict(frame)`` looks the inputs up under these names."""
        return dict(self._columns)

    def to_dict(self) -> Dict[str, Any]:
        d = super().to_dict()
        d["law"] = self.law.name
        return d

    def _table(self, level: float = 0.95):
        import pandas as pd
        ci = self._param_intervals(level)
        rows = []
        for p in self._c.param_values:
            se, lo, hi = ci.get(p.name, (np.nan, np.nan, np.nan))
            rows.append(dict(name=p.name, value=p.value, stderr=se, ci_lower=lo, ci_upper=hi,
                             bound_lower=p.lower, bound_upper=p.upper, fixed=p.fixed,
                             tied_to=p.tied_to, at_bound=p.at_bound))
        return pd.DataFrame(rows).set_index("name")

    def _param_intervals(self, level: float) -> Dict[str, tuple]:
        """name -> (stderr, ci_lower, ci_upper) by the delta method; empty
        for a result without data (no uncertainty)."""
        if not self.has_data:
            return {}
        t = _core.conf_int(self._c, level_arg(level), [])
        return {n: (float(t.std_errors[i]), float(t.lower[i]), float(t.upper[i]))
                for i, n in enumerate(t.names)}

    def _attrs(self, level: float = 0.95):
        method = (f"delta ({_core.covariance(self._c).estimator})" if self.has_data
                  else "none (no data)")
        return {"level": level, "interval_method": method, "law": self.law.name}

    def to_dataframe(self, level: float = 0.95):
        """One row per parameter (index ``name``), like lmfit's parameter
        table: ``value``; ``stderr``, ``ci_lower``, ``ci_upper`` (the
        delta-method standard error and central interval at ``level``; NaN
        for a result without data); ``bound_lower``, ``bound_upper`` (the
        bounds of the fit); ``fixed``, ``tied_to``, ``at_bound``. ``df.attrs``
        records ``level`` and ``interval_method``. For bootstrap intervals use
        ``fit.bootstrap(...).conf_int(level).to_dataframe()``."""
        df = self._table(level)
        df.attrs.update(self._attrs(level))
        return df

    def report(self, level: float = 0.95) -> str:
        """The full text report: data, objective, solver, convergence, the
        parameter table with standard errors and delta-method intervals at
        ``level`` (method stated), and the design diagnostics."""
        return _core.fit_summary(self._c, level_arg(level))

    # --- use ----------------------------------------------------------------
    def predict(self, data: Any = None, *, level: Any = None, interval: str = "confidence",
                columns: Optional[Mapping[str, str]] = None, **inputs: Any):
        """Predicted loss at the law's inputs: keyword arrays or column names
        (``N=``, ``D=``...) and/or a table ``data`` whose columns are found
        under the names this fit was given (``fit.columns``), ``columns=``
        or the law's own input names.

        Without ``level``: a pandas Series on the frame's index for a
        DataFrame (or Series) input, else a numpy array. With ``level``
        (e.g. 0.95): a :class:`Prediction` (``mean``, ``lower``, ``upper``)
        from the delta method; ``interval="confidence"`` bounds the law's
        value, ``interval="prediction"`` a new observation (adds the
        residual noise). For bootstrap percentiles use
        ``fit.bootstrap(...).predict(...)``.

        Rows more than 3 decades of compute beyond the largest fitted run
        raise a ``ScalefitWarning`` naming them (the core's
        kExtrapolationWarningDecades); :meth:`decades_beyond_data` gives
        the distance of every row (a column of the :class:`Prediction`)."""
        got = law_inputs(self.law.input_names, data, inputs, columns=columns,
                         need_loss=False, remembered=self._columns, law_name=self.law.name)
        with data_columns(got.columns):
            if level is None:
                out = _on_index(np.asarray(self._c.predict(got.inputs)), got.index, "loss")
                warn_text(self._c.extrapolation_warning(got.inputs))
                return out
            return Prediction(_core.predict_interval(self._c, got.inputs, level_arg(level),
                                                     as_str(interval, "interval")), got.index)

    def residuals(self) -> np.ndarray:
        """Raw residuals of the data this result was fitted to, in data row
        order and in the objective's space: ``log(predicted) - log(loss)``
        for ``huber_log`` / ``mse_log``, ``predicted - loss`` for ``mse``
        (unweighted). Raises ``ScalefitError`` (a ValueError) for a result
        without data (``from_params``, a card saved without data)."""
        return np.asarray(self._c.residuals())

    # --- uncertainty (docs/uncertainty.md) -----------------------------------
    def bootstrap(self, n: int = 1000, seed: int = 0, method: str = "case",
                  groups: Any = None, threads: Any = None, *, fraction: float = 0.8,
                  max_retries: int = 8, progress: Any = False) -> "BootstrapResult":
        """Bootstrap this fit: ``n`` replicates, each refitted with this
        fit's options warm-started from its optimum; every replicate's
        convergence is recorded and failures are reported, never hidden.

        method : ``"case"`` (rows with replacement, default), ``"cluster"``
            (groups with replacement; ``groups`` = one label per row, or the
            groups given to ``fit``), ``"subsample"`` (m-out-of-n,
            ``fraction=0.8``) or ``"residual"``.
        seed : same seed -> identical samples for any ``threads``.
        max_retries : re-solves of a replicate that stops uncertified.
        progress : ``True`` shows a progress bar over the replicates, a
            callable receives each :class:`scalefit.Progress`.

        Ctrl-C stops the replicates within about a second
        (``KeyboardInterrupt``); no worker keeps running."""
        codes: List[int] = []
        if groups is not None:
            if isinstance(groups, str):
                raise TypeError("groups must be an array of labels, one per fitted row "
                                "(not a column name: a result keeps no data frame)")
            codes = group_codes(groups, "groups")
        args = (self._c, as_int(n, "n"), as_seed(seed), as_str(method, "method"), codes,
                as_float(fraction, "fraction"),
                as_int(0 if threads is None else threads, "threads"),
                as_int(max_retries, "max_retries"))
        with reporter(progress) as callback:
            core = _core.bootstrap(*args, progress=callback)
        return BootstrapResult(core, self._columns)

    def conf_int(self, level: float = 0.95, budgets: Any = None, *, method: str = "delta",
                 threads: Optional[int] = None) -> "IntervalTable":
        """Intervals on every parameter.

        ``method="delta"`` (default): from the covariance at the optimum, also
        (chinchilla) on a, b, G and N_opt, D_opt, tokens_per_param, loss_opt
        at each budget in ``budgets`` (FLOPs). ``method="profile"``: the
        profile-objective intervals (:meth:`profile`), also (chinchilla) on a,
        b and N_opt, D_opt at each budget; calibrated by the likelihood ratio
        with sigma^2 estimated (mse objectives) or the sandwich-adjusted
        profile (huber_log; see docs/uncertainty.md). ``threads`` profiles
        several quantities at once (results do not depend on it)."""
        t = 1 if threads is None else as_int(threads, "threads")
        return IntervalTable(_core.conf_int_by_method(
            self._c, as_str(method, "method"), level_arg(level), _budgets(budgets), t))

    def profile(self, name: str, *, level: float = 0.95, max_steps: int = 40,
                max_span: float = 30.0) -> "Profile":
        """The profile of parameter ``name`` — the objective re-minimised
        over the other free parameters along a grid of it — or, for the
        chinchilla law, of ``"a"``, ``"b"``, ``"N_opt@<FLOPs>"`` or
        ``"D_opt@<FLOPs>"``: its table (``to_dataframe()``: value,
        objective, deviance, converged), the ``level`` interval and whether
        the quantity is weakly identified (see docs/uncertainty.md)."""
        o = _core.ProfileOptions()
        o.level = level_arg(level)
        o.max_steps = as_int(max_steps, "max_steps")
        o.max_span = as_float(max_span, "max_span")
        return Profile(_core.profile(self._c, as_str(name, "name"), o))

    def covariance(self) -> "Covariance":
        """The parameter covariance at the optimum."""
        return Covariance(_core.covariance(self._c))

    @property
    def diagnostics(self):
        """Design diagnostics: points, distinct values and spans, tokens per
        parameter, conditioning, correlations, bounds, the floor, warnings
        and ``identified`` (see docs/diagnostics.md)."""
        return _core.fit_diagnostics(self._c)

    # --- fit cards (JSON; docs/fit_cards.md) ------------------------------------
    def save(self, path, *, include_data: bool = True) -> None:
        """Write this result's fit card (JSON, full precision, with a digest
        over every claim) to ``path``.

        The observations are stored too (``include_data=True``, the default),
        so the loaded result has intervals, bootstraps and backtests, and is
        re-checked on load; ``include_data=False`` writes a small card that
        keeps every claim but no uncertainty."""
        _core.save_fit_card(self._c, as_path(path), as_bool(include_data, "include_data"))

    def to_card(self, *, include_data: bool = True) -> str:
        """The fit card as a JSON string (what ``save`` writes)."""
        return _core.fit_card_to_string(self._c, as_bool(include_data, "include_data"))

    def __reduce__(self):
        # Pickles through the fit card, data included: exact and portable. A
        # card cannot carry a Python callable law, so the pickle carries the
        # callable too (by reference, as pickle does for any function: it
        # must be importable, e.g. defined at module level) and the law's
        # declarations, and the law is rebuilt from them on load.
        text = _core.fit_card_to_string(self._c, True, -1)
        law = self._c.law
        fn = law.python_function
        if fn is None:
            return (_from_card, (text, self._columns))
        spec = dict(name=law.name, formula=law.formula, inputs=list(law.input_names),
                    params=[(p.name, p.positive, p.linear, p.lower, p.upper, p.start_lo,
                             p.start_hi, p.init) for p in law.params])
        return (_from_card, (text, self._columns, fn, spec))


def _from_card(text: str, columns: Optional[Mapping[str, str]] = None,
               fn: Any = None, spec: Optional[dict] = None) -> FitResult:
    """Unpickling helper: a FitResult from fit-card text (and, for a
    callable law, the callable and the law's declarations)."""
    o = _core.FitCardLoadOptions()
    if fn is not None:
        ps = spec["params"]
        o.law = _core.callable_law(
            fn, spec["name"], [p[0] for p in ps], spec["inputs"],
            positive=[p[0] for p in ps if p[1]], linear=[p[0] for p in ps if p[2]],
            bounds={p[0]: (p[3], p[4]) for p in ps}, start={p[0]: (p[5], p[6]) for p in ps},
            init={p[0]: p[7] for p in ps}, formula=spec["formula"])
    return FitResult(_core.fit_card_from_string(text, "<pickle>", o), columns)


# ---------------------------------------------------------------------------
# Uncertainty
# ---------------------------------------------------------------------------

class Profile(Result):
    """A profile from :meth:`FitResult.profile`.

    ``name``, ``estimate``, ``lower``/``upper`` (the ``level`` interval;
    ±inf, or 0 for a positive quantity, when open), ``interval``,
    ``lower_end``/``upper_end`` (``"crossing"``, ``"bound"`` or
    ``"search_limit"``), ``weakly_identified`` and ``identification`` (why,
    with the range), ``calibration`` and ``threshold`` (the deviance at the
    ends), ``better_point`` (a point below the fit's objective),
    ``all_converged``; ``to_dataframe()``: the points (value, objective,
    deviance, converged) in ascending value.
    """

    __slots__ = ()
    _fields = ("name", "estimate", "lower", "upper", "level", "weakly_identified",
               "identification", "calibration", "threshold", "better_point")

    name = _field("name", str)
    estimate = _field("estimate", float)
    lower = _field("lower", float)
    upper = _field("upper", float)
    level = _field("level", float)
    lower_end = _field("lower_end", str)
    upper_end = _field("upper_end", str)
    weakly_identified = _field("weakly_identified", bool)
    identification = _field("identification", str)
    calibration = _field("calibration", str)
    threshold = _field("threshold", float)
    better_point = _field("better_point", bool)
    all_converged = _field("all_converged", bool)

    @property
    def interval(self) -> tuple:
        return (self.lower, self.upper)

    @property
    def points(self) -> Dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self._c.points.items()}

    def _table(self):
        return self.points


class Prediction(Result):
    """Predicted loss with an interval: arrays ``mean``, ``lower``,
    ``upper``; ``interval`` is ``"confidence"`` (the law's value) or
    ``"prediction"`` (a new observation); ``method`` says how.
    ``to_dataframe()`` has one row per prediction (on the input frame's
    index when one was given)."""

    __slots__ = ("_index",)
    _fields = ("mean", "stderr", "lower", "upper", "level", "interval", "method")

    def __init__(self, core_table: "_core.PredictionTable", index: Any = None):
        super().__init__(core_table)
        self._index = index
        warn_table(core_table, stacklevel=4)

    mean = _field("mean", np.asarray)
    lower = _field("lower", np.asarray)
    upper = _field("upper", np.asarray)
    stderr = _field("std_errors", np.asarray,
                    "Standard error of the predicted mean (statsmodels' mean_se).")
    level = _field("level", float)
    interval = _field("interval")
    method = _field("method")
    decades_beyond_data = _field("decades_beyond_data", np.asarray,
                                 "Per row: decades of compute beyond the largest fitted run.")
    warning = _field("warning", str,
                     "The extrapolation warning for rows more than 3 decades beyond the "
                     "fitted runs, or ''.")

    def __len__(self) -> int:
        return len(self._c.mean)

    def _table(self):
        """Columns as statsmodels' ``summary_frame``: ``mean``, ``mean_se``
        and ``mean_ci_lower``/``mean_ci_upper`` (confidence interval of the
        law's value) or ``obs_ci_lower``/``obs_ci_upper`` (prediction
        interval of a new observation)."""
        import pandas as pd
        side = "mean" if self.interval == "confidence" else "obs"
        return pd.DataFrame({"mean": self.mean, "mean_se": self.stderr,
                             f"{side}_ci_lower": self.lower, f"{side}_ci_upper": self.upper,
                             "decades_beyond_data": self.decades_beyond_data},
                            index=self._index)

    def _attrs(self):
        return {"level": self.level, "interval": self.interval, "method": self.method}


class IntervalTable(Result):
    """Intervals on parameters and derived quantities: ``a`` (N_opt ∝ C^a),
    ``b``, ``G`` and, per budget C, ``N_opt@C``, ``D_opt@C``,
    ``tokens_per_param@C``, ``loss_opt@C``.

    ``table["alpha"]`` is an ``Interval(mean, lower, upper)``; ``names``,
    ``mean``, ``lower``, ``upper``, ``stderr`` are aligned arrays; ``level``
    and ``method`` (``"delta"``, ``"profile"`` or ``"bootstrap_<method>"``) say how they were
    made.
    """

    __slots__ = ()

    names = _field("names", list)
    mean = _field("mean", np.asarray)
    lower = _field("lower", np.asarray)
    upper = _field("upper", np.asarray)
    level = _field("level", float)
    method = _field("method")

    @property
    def stderr(self) -> Dict[str, float]:
        return _named(self._c.names, self._c.std_errors)

    @property
    def log_scale(self) -> Dict[str, bool]:
        return _named(self._c.names, self._c.log_scale, bool)

    def __getitem__(self, name: str) -> Interval:
        if not isinstance(name, str):
            raise TypeError(f"quantity name must be a string, got {type(name).__name__}")
        try:
            i = self._c.index(name)
        except ValueError as exc:
            raise KeyError(str(exc)) from None
        return Interval(float(self._c.mean[i]), float(self._c.lower[i]),
                        float(self._c.upper[i]))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:  # also a budget written another way: "N_opt@1e+24" for "N_opt@1e24"
            self._c.index(name)
        except ValueError:
            return False
        return True

    def __iter__(self):
        return iter(self._c.names)

    def __len__(self) -> int:
        return len(self._c.names)

    def keys(self):
        return list(self._c.names)

    def to_dict(self) -> Dict[str, Interval]:
        return {n: self[n] for n in self._c.names}

    def _table(self):
        import pandas as pd
        return pd.DataFrame({"estimate": self.mean, "stderr": np.asarray(self._c.std_errors),
                             "ci_lower": self.lower, "ci_upper": self.upper,
                             "log_scale": np.asarray(self._c.log_scale, dtype=bool)},
                            index=pd.Index(self.names, name="quantity"))

    def _attrs(self):
        return {"level": self.level, "method": self.method}

    def to_dataframe(self):
        """A pandas DataFrame indexed by quantity: estimate, stderr, ci_lower,
        ci_upper, log_scale (interval built on the log scale)."""
        return super().to_dataframe()


class Covariance(Result):
    """Parameter covariance at the optimum (see ``docs/uncertainty.md``):
    ``matrix`` (P x P, user units), ``stderr`` (dict), ``estimator``
    (``"least_squares"`` or ``"kernel_sandwich"``), ``rank_deficient`` and
    ``message``; for huber_log also ``num_quadratic`` (points with
    |r| <= delta), ``expected_quadratic`` (its kernel estimate, used in the
    bread) and ``bandwidth``. ``to_dataframe()`` is the matrix."""

    __slots__ = ()
    _fields = ("names", "estimator", "rank", "rank_deficient", "condition_number",
               "residual_variance", "stderr", "message")

    names = _field("names", list)
    matrix = _field("matrix", np.asarray)
    estimator = _field("estimator")
    rank = _field("rank", int)
    rank_deficient = _field("rank_deficient", bool)
    condition_number = _field("condition_number", float)
    residual_variance = _field("residual_variance", float)
    message = _field("message")
    num_quadratic = _field("num_quadratic", int)
    expected_quadratic = _field("expected_quadratic", float)
    bandwidth = _field("bandwidth", float)

    @property
    def stderr(self) -> Dict[str, float]:
        return _named(self._c.names, self._c.std_errors)

    @property
    def identified(self) -> Dict[str, bool]:
        return _named(self._c.names, self._c.identified, bool)

    def _text(self, full: bool) -> str:
        if full:
            return self._c.report()
        return (f"Covariance({self.estimator}, rank {self.rank} of {self._c.num_free}, "
                f"{'RANK DEFICIENT' if self.rank_deficient else 'ok'})")

    def _table(self):
        import pandas as pd
        return pd.DataFrame(self.matrix, index=self.names, columns=self.names)

    def _attrs(self):
        return {"estimator": self.estimator}


class BootstrapResult(Result):
    """The replicates of a bootstrap.

    ``samples`` (n x P numpy array, raw replicate parameters, law order;
    ``param_names`` gives the columns), ``converged`` (bool per replicate),
    ``num_failed`` / ``failed`` (indices; failed replicates are excluded
    from every statistic and reported), ``stderr`` (dict), ``conf_int``,
    ``predict``, ``compute_optimal``, ``loss_to_compute``, ``report()``.
    """

    __slots__ = ("_columns",)
    _fields = ("method", "n", "seed", "num_failed", "num_restarted", "stderr")

    def __init__(self, core_boot: "_core.BootstrapResult",
                 columns: Optional[Mapping[str, str]] = None):
        super().__init__(core_boot)
        self._columns = dict(columns or {})

    param_names = _field("names", list)
    samples = _field("samples", np.asarray)
    converged = _field("converged", np.asarray)
    messages = _field("messages", list)
    attempts = _field("attempts", np.asarray)
    failed = _field("failed", list)
    num_failed = _field("num_failed", int)
    num_restarted = _field("num_restarted", int)
    n = _field("num_replicates", int)
    method = _field("method")
    seed = _field("seed", int)
    scale = _field("scale", float)
    seconds = _field("seconds", float)

    @property
    def fit(self) -> FitResult:
        """The full-data fit."""
        return FitResult(self._c.fit, self._columns)

    @property
    def stderr(self) -> Dict[str, float]:
        """Standard deviation of the converged replicates per parameter
        (times sqrt(m/(n-m)) for subsampling)."""
        return _named(self._c.names, self._c.std_errors())

    def to_dict(self) -> Dict[str, Any]:
        """Summary as plain values: method, n, seed, failures, standard errors."""
        return super().to_dict()

    def _table(self):
        import pandas as pd
        df = pd.DataFrame(self.samples, columns=self.param_names)
        df["converged"] = self.converged
        return df

    def to_dataframe(self):
        """The replicate samples, one row per replicate and a ``converged``
        column (needs pandas)."""
        return super().to_dataframe()

    def conf_int(self, level: float = 0.95, budgets: Any = None) -> IntervalTable:
        """Percentile intervals on every parameter and (chinchilla) on a, b,
        G and, at each budget in ``budgets`` (FLOPs), N_opt, D_opt,
        tokens_per_param and loss_opt."""
        return IntervalTable(self._c.conf_int(level_arg(level), _budgets(budgets)))

    def predict(self, data: Any = None, *, level: float = 0.95, interval: str = "confidence",
                columns: Optional[Mapping[str, str]] = None, **inputs: Any) -> Prediction:
        """Percentile interval on the predicted loss at the law's inputs
        (given as in :meth:`FitResult.predict`)."""
        law = self._c.fit.law
        got = law_inputs(law.input_names, data, inputs, columns=columns, need_loss=False,
                         remembered=self._columns, law_name=law.name)
        return Prediction(self._c.predict(got.inputs, level_arg(level),
                                          as_str(interval, "interval")), got.index)

    def compute_optimal(self, flops: Any, *, level: float = 0.95, k: Any = None,
                        method: str = "auto",
                        other_inputs: Optional[Mapping[str, float]] = None,
                        allow_unidentified: bool = False) -> "AllocationTable":
        """Compute-optimal plan at budgets ``flops`` with percentile intervals
        (any law with inputs N and D)."""
        return AllocationTable(self._c.compute_optimal(
            as_column(flops, "flops"), level_arg(level), flop_model(k),
            as_str(method, "method"), _other(other_inputs),
            as_bool(allow_unidentified, "allow_unidentified")))

    def loss_to_compute(self, target_loss: Any, *, level: float = 0.95, k: Any = None,
                        method: str = "auto",
                        other_inputs: Optional[Mapping[str, float]] = None,
                        allow_unidentified: bool = False) -> "AllocationTable":
        """Compute (and N, D, D/N) on the compute-optimal frontier reaching
        ``target_loss``, with percentile intervals over the replicates (any
        law with inputs N and D). A replicate whose floor is at or above a
        target needs infinite compute and enters as +inf, so an upper bound
        can be ``inf``; ``interval_method`` counts such replicates."""
        return AllocationTable(self._c.loss_to_compute(
            as_column(target_loss, "target_loss"), level_arg(level), flop_model(k),
            as_str(method, "method"), _other(other_inputs),
            as_bool(allow_unidentified, "allow_unidentified")))


# ---------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------

class AllocationColumn:
    """One column: ``mean`` (point values) and, when intervals were asked
    for, ``lower``, ``upper`` and ``stderr`` (else None)."""

    __slots__ = ("mean", "lower", "upper", "stderr")

    def __init__(self, core_column):
        self.mean = np.asarray(core_column.mean)
        self.lower = None if core_column.lower is None else np.asarray(core_column.lower)
        self.upper = None if core_column.upper is None else np.asarray(core_column.upper)
        self.stderr = (None if core_column.std_errors is None
                       else np.asarray(core_column.std_errors))

    @property
    def has_interval(self) -> bool:
        return self.lower is not None

    def __repr__(self) -> str:
        return (f"AllocationColumn({len(self.mean)} values"
                + (", with interval)" if self.has_interval else ")"))


class AllocationTable(Result):
    """Allocations over many budgets (or target losses).

    Columns ``C``, ``N_opt``, ``D_opt``, ``tokens_per_param``, ``loss_opt``:
    ``table["N_opt"]`` is a numpy array of point values; ``table.column(name)``
    also carries ``lower``/``upper`` when intervals were computed.
    ``flop_convention`` records the FLOP model (printed in every report).
    """

    __slots__ = ()

    @property
    def columns(self) -> tuple:
        return tuple(_core.AllocationTable.column_names())

    kind = _field("kind")
    law = _field("law")
    flop_convention = _field("flop_convention")
    flop_description = _field("flop_description")
    method = _field("method")
    warning = _field("warning", doc="Empty unless computed from a fit that did not "
                                    "converge, one whose exponents are not identified "
                                    "(``allow_unidentified=True``), or with rows more than "
                                    "3 decades of compute beyond the fitted runs; one line "
                                    "each.")
    interval_method = _field("interval_method")
    fitted = _field("fitted", bool, "False for tables from given parameters.")

    @property
    def decades_beyond_data(self) -> np.ndarray:
        """Per row: decades of compute beyond the largest fitted run,
        max(0, log10(C / compute_max)); NaN for given parameters."""
        return np.asarray(self._c.decades_beyond_data)

    @property
    def compute_max(self) -> Optional[float]:
        """The largest fitted run's compute (FLOPs), None when unknown."""
        v = float(self._c.compute_max)
        return None if np.isnan(v) else v

    @property
    def level(self) -> Optional[float]:
        lv = float(self._c.level)
        return None if np.isnan(lv) else lv

    @property
    def target_loss(self) -> Optional[np.ndarray]:
        t = self._c.target_loss
        return None if t is None else np.asarray(t)

    def column(self, name: str) -> AllocationColumn:
        """The column ``name`` with ``mean``, ``lower`` and ``upper``."""
        self._check(name)
        return AllocationColumn(self._c.column(name))

    def _check(self, name: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"column name must be a string, got {type(name).__name__}")
        if name not in self.columns:
            raise KeyError(f"unknown column '{name}'; columns: {', '.join(self.columns)}")

    def __getitem__(self, name: str) -> np.ndarray:
        self._check(name)
        return np.asarray(self._c.column(name).mean)

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __iter__(self):
        return iter(self.columns)

    def keys(self):
        return self.columns

    def __len__(self) -> int:
        return int(self._c.num_rows)

    def row(self, i: int) -> Dict[str, float]:
        """Row ``i`` as a dict of point values (and its decades_beyond_data)."""
        a = self._c.row(as_int(i, "i"))
        out = {c: float(getattr(a, c)) for c in self.columns}
        out["decades_beyond_data"] = float(a.decades_beyond_data)
        return out

    def to_dict(self) -> Dict[str, np.ndarray]:
        """Columns by name (point values, full precision); with intervals
        also ``<name>_se`` (standard error), ``<name>_ci_lower`` and
        ``<name>_ci_upper`` for every computed column (the column the table
        was given — C, or the target loss — has none); ``target_loss`` first
        for loss_to_compute tables."""
        out: Dict[str, np.ndarray] = {}
        if self.target_loss is not None:
            out["target_loss"] = self.target_loss
        for c in self.columns:
            col = self.column(c)
            out[c] = col.mean
            if col.has_interval:
                out[c + "_se"] = col.stderr
                out[c + "_ci_lower"] = col.lower
                out[c + "_ci_upper"] = col.upper
        if len(self._c.decades_beyond_data) == len(self):
            out["decades_beyond_data"] = self.decades_beyond_data
        return out

    def _table(self):
        return self.to_dict()

    def _attrs(self):
        return {"flop_convention": self.flop_convention, "law": self.law, "kind": self.kind,
                "level": self.level, "interval_method": self.interval_method or None}

    def to_dataframe(self):
        """A pandas DataFrame with the columns of :meth:`to_dict`; the FLOP
        convention is kept in ``df.attrs``."""
        return super().to_dataframe()


class KaplanFrontier(Result):
    """Result of :func:`scalefit.kaplan_compute_efficient`: Kaplan et al.
    2020's compute-efficient frontier (§6, App. B.2).

    Columns (``to_dataframe()``, also ``columns``): ``C_min`` (FLOPs at
    B << B_crit), ``N_opt`` (non-embedding parameters), ``B_crit`` (tokens),
    ``S_min`` (steps), ``tokens_min`` (B_crit·S_min = C_min/(6 N_opt)),
    ``loss``. Constants: ``alpha_C`` (1/(1/alpha_S + 1/alpha_B +
    1/alpha_N)), ``C_c`` (L = (C_c/C_min)^alpha_C), the exponents ``p_N``,
    ``p_B``, ``p_S`` of N_opt, B_crit, S_min in C_min, ``convergence_factor``
    (alpha_N/alpha_S), ``warning``.
    """

    __slots__ = ()
    _fields = ("alpha_C", "C_c", "p_N", "p_B", "p_S", "convergence_factor", "warning")

    alpha_C = _field("alpha_C", float)
    C_c = _field("C_c", float)
    p_N = _field("p_N", float)
    p_B = _field("p_B", float)
    p_S = _field("p_S", float)
    convergence_factor = _field("convergence_factor", float)
    warning = _field("warning", str)

    @property
    def columns(self) -> Dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self._c.columns.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        cols = self.columns
        if name not in cols:
            raise KeyError(f"unknown column '{name}'; columns: " + ", ".join(cols))
        return cols[name]

    def _table(self):
        return self.columns


# ---------------------------------------------------------------------------
# Chinchilla Approaches 1 and 2
# ---------------------------------------------------------------------------

class _PowerLawAllocation(Result):
    """What Approaches 1 and 2 share: the exponents of N_opt = G_N · C^a and
    D_opt = G_D · C^b, the rows used and the notes."""

    __slots__ = ()

    a = _field("a", float)
    b = _field("b", float)
    notes = _field("notes", list)

    @property
    def n_coefficient(self) -> float:
        """G_N in N_opt = G_N · C^a."""
        return float(self._c.n_opt.coefficient)

    @property
    def d_coefficient(self) -> float:
        """G_D in D_opt = G_D · C^b."""
        return float(self._c.d_opt.coefficient)

    @property
    def num_used(self) -> int:
        return int(self._c.num_used())


class IsoflopResult(_PowerLawAllocation):
    """Result of :func:`scalefit.isoflop_fit`.

    ``a``, ``b``: exponents of N_opt ∝ C^a, D_opt ∝ C^b; ``a_interval``,
    ``b_interval``: bootstrap percentile intervals; ``budgets``: the
    per-budget table (a pandas DataFrame; columns C, num_points,
    num_fit_points, N_opt, D_opt, loss_opt, interior, used, half_width,
    vertex_shift, asymmetric, vertex_at_edge, ...; also ``to_dataframe()``);
    ``fit_rows``: the input rows each budget's parabola used; ``frontier``: the saturating_power_law fit of
    L_opt(C) (or None); ``parametric``: the chinchilla fit of the same runs
    (or None) with the implied ``a_parametric``, ``b_parametric``; ``notes``;
    ``report()``.
    """

    __slots__ = ()
    _fields = ("a", "b", "a_interval", "b_interval", "n_coefficient", "d_coefficient",
               "num_used", "a_parametric", "b_parametric", "notes")

    num_bootstrap_used = _field("num_bootstrap_used", int)

    @property
    def a_interval(self) -> tuple:
        return (float(self._c.n_opt.lower), float(self._c.n_opt.upper))

    @property
    def b_interval(self) -> tuple:
        return (float(self._c.d_opt.lower), float(self._c.d_opt.upper))

    @property
    def budgets(self):
        return frame(self._c.budgets)

    @property
    def budget_rows(self) -> List[List[int]]:
        """0-based input rows of each budget group."""
        return [list(r) for r in self._c.budget_rows]

    @property
    def fit_rows(self) -> List[List[int]]:
        """0-based input rows each budget's parabola was fitted to (its
        window; see ``window`` of :func:`scalefit.isoflop_fit`)."""
        return [list(r) for r in self._c.budget_fit_rows]

    def profile_loss(self, budget: int, N: Any) -> np.ndarray:
        """The fitted parabola of budget ``budget`` (0-based row of
        ``budgets``) at model sizes ``N``: c0 + c1 ln N + c2 (ln N)^2."""
        return np.asarray(self._c.profile_loss(as_int(budget, "budget"), as_column(N, "N")))

    @property
    def frontier(self) -> Optional[FitResult]:
        return FitResult(self._c.frontier) if self._c.has_frontier else None

    @property
    def parametric(self) -> Optional[FitResult]:
        return FitResult(self._c.parametric) if self._c.has_parametric else None

    @property
    def a_parametric(self) -> Optional[float]:
        return float(self._c.a_parametric) if self._c.has_parametric else None

    @property
    def b_parametric(self) -> Optional[float]:
        return float(self._c.b_parametric) if self._c.has_parametric else None

    def _table(self):
        return self.budgets


class EnvelopeResult(_PowerLawAllocation):
    """Result of :func:`scalefit.envelope_fit`: ``a``, ``b``, ``points``
    (the envelope table: C, loss, N_opt, D_opt, run, num_runs, edge, used;
    also ``to_dataframe()``), ``notes``, ``report()``."""

    __slots__ = ("_run_labels",)
    _fields = ("a", "b", "n_coefficient", "d_coefficient", "num_used", "notes")

    def __init__(self, core: "_core.EnvelopeResult", run_labels=None):
        super().__init__(core)
        self._run_labels = run_labels

    @property
    def points(self):
        cols = dict(self._c.points)
        if self._run_labels is not None:
            cols["run"] = self._run_labels[np.asarray(cols["run"], dtype=np.int64)]
        return frame(cols)

    def _table(self):
        return self.points


# ---------------------------------------------------------------------------
# Backtests and the sensitivity panel
# ---------------------------------------------------------------------------

class BacktestResult(Result):
    """Result of :func:`scalefit.backtest`.

    Headline metrics (of the split at ``threshold``): ``mean_are``,
    ``max_are`` (absolute relative errors |L̂ − L|/L), ``rmsle`` (natural
    log) and ``coverage`` (NaN unless intervals were computed); ``baseline``
    holds the same metrics for the "best observed loss" forecast.
    Tables: ``to_dataframe()`` (held-out runs), ``folds``, ``rolling``,
    ``by_distance``, ``leave_group_out``. ``report()`` prints everything.
    """

    __slots__ = ()
    _fields = ("law", "objective", "split", "threshold", "mean_are", "max_are", "rmsle",
               "coverage", "num_train", "num_test", "baseline")

    law = _field("law")
    objective = _field("objective")
    split = _field("split", doc='The split quantity: ``"C = 6ND"``, ``"C"``, ``"N"``...')
    threshold = _field("threshold", float)
    mean_are = _field("mean_are", float)
    max_are = _field("max_are", float)
    rmsle = _field("rmsle", float)
    coverage = _field("coverage", float)
    has_intervals = _field("has_intervals", bool)

    @property
    def num_train(self) -> int:
        return int(self._c.folds[0].num_train)

    @property
    def num_test(self) -> int:
        return int(self._c.folds[0].num_test)

    @property
    def baseline(self) -> dict:
        """Metrics of the baseline: every held-out run predicted at the lowest
        training loss (``loss``)."""
        f = self._c.folds[0]
        return {"loss": float(f.baseline_loss), "mean_are": float(f.baseline.mean_are),
                "max_are": float(f.baseline.max_are), "rmsle": float(f.baseline.rmsle)}

    @property
    def fit(self) -> FitResult:
        """The law fitted on the training runs of the split."""
        return FitResult(self._c.folds[0].fit)

    def _fold(self, fold: Any) -> int:
        n = len(self._c.folds)
        fold = as_int(fold, "fold")
        if not 0 <= fold < n:
            raise ValueError(f"fold must be in [0, {n - 1}], got {fold}")
        return fold

    def fold_fit(self, fold: int) -> FitResult:
        """The fit of fold ``fold`` (see ``folds``)."""
        return FitResult(self._c.folds[self._fold(fold)].fit)

    def to_dict(self) -> dict:
        """Summary metrics as plain values (full precision)."""
        return super().to_dict()

    def to_dataframe(self, fold: Optional[int] = 0):
        """Held-out runs of one fold (default: the split), or of every fold
        with ``fold=None``: inputs, ``split_value``, ``distance_decades``,
        ``observed``, ``predicted``, ``lower``/``upper`` (NaN without
        intervals), ``are``, ``log_error``, ``baseline``, ``baseline_are``."""
        return frame(self._c.run_columns(-1 if fold is None else self._fold(fold)))

    @property
    def folds(self):
        """One row per refit: kind (split, rolling, leave_group_out), counts,
        metrics and baseline metrics."""
        return frame(self._c.fold_columns())

    def _folds_of(self, kind: str):
        cols = self._c.fold_columns()
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
        return frame(self._c.distance_columns())


class SensitivityPanel(Result):
    """Result of :func:`scalefit.sensitivity`: one row per objective with the
    refit's parameters, a (= d ln N_opt / d ln C), N_opt, D_opt and L* at the
    budget, and the spread across objectives (``a_spread`` = max − min,
    ``N_opt_ratio`` = max / min, ``loss_opt_rel_spread`` = (max − min)/min).
    """

    __slots__ = ()
    _fields = ("budget", "a_spread", "N_opt_ratio", "loss_opt_rel_spread")

    budget = _field("budget", float)
    a_spread = _field("a_spread", float)
    N_opt_ratio = _field("N_opt_ratio", float)
    loss_opt_rel_spread = _field("loss_opt_rel_spread", float)

    @property
    def fits(self) -> dict:
        """The refit for each objective."""
        return {row.objective: FitResult(row.fit) for row in self._c.rows}

    def _table(self):
        rows = self._c.rows
        cols = {"objective": [r.objective for r in rows],
                "a": [r.a for r in rows], "N_opt": [r.N_opt for r in rows],
                "D_opt": [r.D_opt for r in rows], "loss_opt": [r.loss_opt for r in rows]}
        names = list(rows[0].fit.params) if rows else []
        for name in names:
            cols[name] = [r.fit.params[name] for r in rows]
        cols["converged"] = [bool(r.fit.converged) for r in rows]
        cols["note"] = [r.note for r in rows]
        return frame(cols)


# ---------------------------------------------------------------------------
# Downstream tasks
# ---------------------------------------------------------------------------

class EmergenceResult(Result):
    """Which kind a score curve is — ``"smooth"``, ``"flat"``, ``"inverse"``,
    ``"not_correlated"`` or ``"emergent"`` — with the evidence: the trend per
    decade of compute with its standard error and p value, the χ² of the
    line, the constant and the onset curve, the above-chance p values, and
    whether a point forecast beyond the models is supported
    (``forecastable``). When it is not, ``statement`` says what is known
    (``onset_lower_bound``: the onset lies above that compute)."""

    __slots__ = ()
    _fields = ("kind", "forecastable", "at_chance_at_top", "at_chance", "chance", "slope",
               "slope_se", "slope_p", "dispersion", "chi2_linear", "chi2_constant",
               "constant_p", "chi2_onset", "delta_chi2", "onset_log10_compute",
               "onset_steepness", "top_p", "bottom_p", "onset_lower_bound", "top_compute",
               "statement")

    kind = _field("kind")
    forecastable = _field("forecastable", bool)
    at_chance_at_top = _field("at_chance_at_top", bool)
    at_chance = _field("at_chance", bool)
    chance = _field("chance", float)
    slope = _field("slope", float, "Score per decade of compute (weighted least squares).")
    slope_se = _field("slope_se", float)
    slope_p = _field("slope_p", float)
    dispersion = _field("dispersion", float)
    chi2_linear = _field("chi2_linear", float)
    chi2_constant = _field("chi2_constant", float)
    constant_p = _field("constant_p", float)
    chi2_onset = _field("chi2_onset", float)
    delta_chi2 = _field("delta_chi2", float)
    onset_log10_compute = _field("onset_log10_compute", float)
    onset_steepness = _field("onset_steepness", float)
    top_p = _field("top_p", float)
    bottom_p = _field("bottom_p", float)
    onset_lower_bound = _field("onset_lower_bound", float)
    top_compute = _field("top_compute", float)
    statement = _field("statement")
    compute = _field("compute", np.asarray)
    scores = _field("scores", np.asarray)
    n_items = _field("n_items", np.asarray)
    above_chance_p = _field("above_chance_p", np.asarray)

    def _table(self):
        import pandas as pd
        return pd.DataFrame({"compute": self.compute, "score": self.scores,
                             "n_items": self.n_items, "above_chance_p": self.above_chance_p})

    def _attrs(self):
        return {k: getattr(self, k) for k in self._fields}


class ChainPrediction(Result):
    """Chained forecasts at (N, D) points: the intermediate (task loss) and
    the metric, each with its interval through both steps, the single-step
    alternative, and ``decades_beyond`` the ladder. Where ``forecast`` is
    False the task cannot be forecast yet: ``metric`` is missing (``<NA>``
    in ``to_dataframe()``, NaN in the arrays) and ``metric_lower`` /
    ``metric_upper`` are the chance level and the ceiling — all that is
    known; ``statement`` says why."""

    __slots__ = ()
    _COLUMNS = ("N", "D", "C", "decades_beyond", "intermediate", "intermediate_lower",
                "intermediate_upper", "metric", "metric_lower", "metric_upper",
                "single_step", "single_step_lower", "single_step_upper")
    _fields = _COLUMNS + ("forecast", "level", "method", "num_replicates", "statement", "task")

    level = _field("level", float)
    method = _field("method")
    num_replicates = _field("num_replicates", int)
    statement = _field("statement")
    task = _field("task")
    forecast = _field("forecast", np.asarray)

    def __getattr__(self, name):
        if name in ChainPrediction._COLUMNS:
            return np.asarray(getattr(self._c, name))
        raise AttributeError(name)

    def __len__(self) -> int:
        return len(self._c.N)

    def _table(self):
        import pandas as pd
        ok = np.asarray(self._c.forecast)
        cols = {}
        for name in self._COLUMNS:
            v = np.asarray(getattr(self._c, name))
            if name in ("metric", "single_step"):
                s = pd.array(v, dtype="Float64")
                s[~ok] = pd.NA
                cols[name] = s
            else:
                cols[name] = v
        cols["forecast"] = ok
        return pd.DataFrame(cols)

    def _attrs(self):
        return {"task": self.task, "level": self.level, "method": self.method,
                "num_replicates": self.num_replicates, "statement": self.statement}


class TaskChain(Result):
    """A chained forecast of one task from a ladder: ``step1`` (task loss
    from N, D), ``step2`` (the metric from the task loss), ``single_step``
    (the metric from N, D directly), ``emergence`` (the kind of the task's
    curve across the ladder), and the replicates of the by-run bootstrap.
    ``predict(N=, D=, level=)`` forecasts with intervals through both
    steps; ``save(path)`` writes a task-chain card."""

    __slots__ = ()
    _fields = ("task", "intermediate", "metric", "chance", "ceiling", "n_items", "link",
               "interval", "num_replicates", "num_failed", "runs", "kind", "forecastable",
               "seconds")

    task = property(lambda self: self._c.task.name)
    intermediate = property(lambda self: self._c.task.intermediate)
    metric = property(lambda self: self._c.task.metric)
    chance = property(lambda self: float(self._c.task.chance))
    ceiling = property(lambda self: float(self._c.task.ceiling))
    n_items = property(lambda self: float(self._c.task.n_items))
    link = property(lambda self: self._c.options.link)
    interval = property(lambda self: self._c.options.interval)
    num_replicates = _field("num_replicates", int)
    num_failed = _field("num_failed", int)
    runs = _field("runs", list)
    seconds = _field("seconds", float)

    @property
    def step1(self) -> FitResult:
        return FitResult(self._c.step1)

    @property
    def step2(self) -> FitResult:
        return FitResult(self._c.step2)

    @property
    def single_step(self) -> Optional[FitResult]:
        return FitResult(self._c.single_step) if self._c.has_single_step else None

    @property
    def emergence(self) -> Optional[EmergenceResult]:
        return EmergenceResult(self._c.emergence) if self._c.has_emergence else None

    @property
    def kind(self) -> Optional[str]:
        return self._c.emergence.kind if self._c.has_emergence else None

    @property
    def forecastable(self) -> Optional[bool]:
        return bool(self._c.emergence.forecastable) if self._c.has_emergence else None

    def predict(self, N: Any = None, D: Any = None, *, level: Any = 0.9,
                method: Optional[str] = None) -> ChainPrediction:
        """Forecasts at points (N, D) (scalars or arrays) with central
        intervals of coverage ``level`` through both steps; ``method``
        "bootstrap", "delta" or "none" (default: the chain's own)."""
        if N is None or D is None:
            raise TypeError("predict needs N= and D= (parameters and tokens of the target)")
        n = as_column(np.atleast_1d(N), "N")
        d = as_column(np.atleast_1d(D), "D")
        m = "" if method is None else as_str(method, "method")
        return ChainPrediction(self._c.predict(n, d, level_arg(level), m))

    def _table(self):
        import pandas as pd
        rows = []
        for step, f in (("step1", self.step1), ("step2", self.step2),
                        ("single_step", self.single_step)):
            if f is None:
                continue
            for p in f._c.param_values:
                rows.append(dict(step=step, law=f.law.name, name=p.name, value=p.value,
                                 lower=p.lower, upper=p.upper, fixed=p.fixed,
                                 at_bound=p.at_bound, converged=f.converged))
        return pd.DataFrame(rows)

    def to_dataframe(self):
        """One row per parameter of each step (``step``, ``law``, ``name``,
        ``value``, bounds, ``converged``); the task and the emergence kind in
        ``df.attrs``."""
        return super().to_dataframe()

    def _attrs(self):
        return {k: getattr(self, k) for k in ("task", "kind", "forecastable", "link",
                                              "interval", "num_replicates", "num_failed")}

    def to_card(self) -> str:
        """The task-chain card (JSON, full precision)."""
        return _core.task_chain_to_string(self._c)

    def save(self, path) -> None:
        """Writes the task-chain card to ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_card())

    def __reduce__(self):
        return (_chain_from_card, (_core.task_chain_to_string(self._c, -1),))


def _chain_from_card(text: str) -> TaskChain:
    """Unpickling helper: a TaskChain from its card."""
    return TaskChain(_core.task_chain_from_string(text, "<pickle>"))
