"""Result objects: values with a one-line repr and a full report. Formatting
of numbers is done in C++ (one formatter for every result type)."""
from __future__ import annotations

from typing import Any, Dict

import numpy as np

from . import _core
from ._inputs import gather


class FitResult:
    """A fitted (or given) scaling law.

    Attributes: ``params`` (dict name -> float, full precision), ``converged``,
    ``message``, ``objective``, ``law``; methods ``predict``, ``report``.
    """

    __slots__ = ("_r",)

    def __init__(self, core_result: "_core.FitResult"):
        self._r = core_result

    # --- values -----------------------------------------------------------
    @property
    def law(self):
        return self._r.law

    @property
    def params(self) -> Dict[str, float]:
        return dict(self._r.params)

    @property
    def converged(self) -> bool:
        return bool(self._r.converged)

    @property
    def message(self) -> str:
        return self._r.message

    @property
    def objective(self) -> float:
        return float(self._r.objective)

    @property
    def objective_name(self) -> str:
        return self._r.objective_name

    @property
    def delta(self) -> float:
        return float(self._r.delta)

    @property
    def iterations(self) -> int:
        return int(self._r.iterations)

    @property
    def num_starts(self) -> int:
        return int(self._r.num_starts)

    @property
    def num_best_basin(self) -> int:
        return int(self._r.num_best_basin)

    @property
    def screened(self) -> bool:
        """True when the starts were screened (``solver={"screening_tolerance": ...}``)
        and only the best ``num_refined`` polished to full tolerance."""
        return bool(self._r.screened)

    @property
    def num_points(self) -> int:
        return int(self._r.num_points)

    @property
    def has_data(self) -> bool:
        return bool(self._r.has_data)

    @property
    def bounds(self) -> Dict[str, tuple]:
        return {p.name: (p.lower, p.upper) for p in self._r.param_values}

    @property
    def flop_convention(self) -> str:
        return self._r.options.flop_convention

    # --- use ----------------------------------------------------------------
    def predict(self, data: Any = None, *, level: Any = None,
                interval: str = "confidence", **inputs: Any):
        """Predicted loss at the law's inputs (``N=``, ``D=``... or a table).

        Without ``level``: a numpy array. With ``level`` (e.g. 0.95): a
        ``scalefit.uncertainty.Prediction`` with arrays ``mean``, ``lower``,
        ``upper`` from the delta method; ``interval="confidence"`` bounds the
        law's value, ``interval="prediction"`` a new observation (adds the
        residual noise). For bootstrap percentiles use
        ``fit.bootstrap(...).predict(...)``."""
        inp, _ = gather(self.law.input_names, data, inputs, None, need_loss=False)
        if level is None:
            return np.asarray(self._r.predict(inp))
        from .uncertainty import predict_interval
        return predict_interval(self, inp, level, interval)

    def residuals(self) -> np.ndarray:
        """Raw residuals of the data this result was fitted to, in data row
        order and in the objective's space: ``log(predicted) - log(loss)``
        for ``huber_log`` / ``mse_log``, ``predicted - loss`` for ``mse``
        (unweighted). Raises ``ScalefitError`` (a ValueError) for a result
        without data (``from_params``, a card saved without data)."""
        return np.asarray(self._r.residuals())

    # --- uncertainty (see scalefit.uncertainty, docs/uncertainty.md) ----------
    def bootstrap(self, n: int = 1000, seed: int = 0, method: str = "case",
                  groups: Any = None, threads: Any = None, **kwargs: Any):
        """Bootstrap this fit: ``n`` replicates, each refitted with this
        fit's options warm-started from its optimum; every replicate's
        convergence is recorded and failures are reported, never hidden.

        method : ``"case"`` (rows with replacement, default), ``"cluster"``
            (groups with replacement; ``groups`` = one label per row, or the
            groups given to ``fit``), ``"subsample"`` (m-out-of-n, keyword
            ``fraction=0.8``) or ``"residual"``.
        seed : same seed -> identical samples for any ``threads``.
        Returns a ``scalefit.uncertainty.BootstrapResult``."""
        from .uncertainty import bootstrap
        return bootstrap(self, n, seed, method, groups, threads, **kwargs)

    def conf_int(self, level: float = 0.95, budgets: Any = None):
        """Delta-method intervals from the covariance at the optimum on every
        parameter and (chinchilla) on a, b, G and N_opt, D_opt,
        tokens_per_param, loss_opt at each budget in ``budgets`` (FLOPs).
        Returns a ``scalefit.uncertainty.IntervalTable``
        (``table["alpha"]`` -> ``Interval(mean, lower, upper)``)."""
        from .uncertainty import conf_int
        return conf_int(self, level, budgets)

    def covariance(self):
        """The parameter covariance at the optimum
        (``scalefit.uncertainty.Covariance``)."""
        from .uncertainty import covariance
        return covariance(self)

    @property
    def diagnostics(self):
        """Design diagnostics: points, distinct values and spans, tokens per
        parameter, conditioning, correlations, bounds, the floor, warnings
        and ``identified`` (see docs/diagnostics.md)."""
        return _core.fit_diagnostics(self._r)

    def to_dict(self) -> Dict[str, Any]:
        """Everything in the one-line repr and the report's header, as plain
        Python values (full precision)."""
        return {
            "law": self.law.name,
            "params": self.params,
            "bounds": self.bounds,
            "converged": self.converged,
            "message": self.message,
            "objective": self.objective,
            "objective_name": self.objective_name,
            "delta": self.delta,
            "num_points": self.num_points,
            "num_starts": self.num_starts,
            "num_best_basin": self.num_best_basin,
            "screened": self.screened,
            "iterations": self.iterations,
            "has_data": self.has_data,
            "flop_convention": self.flop_convention,
        }

    def to_dataframe(self):
        """One row per parameter: value, bounds, fixed, tied_to, at_bound
        (needs pandas)."""
        import pandas as pd

        rows = [dict(name=p.name, value=p.value, lower=p.lower, upper=p.upper,
                     fixed=p.fixed, tied_to=p.tied_to, at_bound=p.at_bound)
                for p in self._r.param_values]
        return pd.DataFrame(rows).set_index("name")

    def report(self) -> str:
        """The full text report."""
        return self._r.full_report()

    # --- fit cards (JSON; see docs/fit_cards.md) ------------------------------
    def save(self, path, *, include_data: bool = False) -> None:
        """Write this result's fit card (JSON, full precision) to ``path``.

        ``include_data=True`` also stores the observations, so the loaded
        result can be bootstrapped or backtested again."""
        import os
        _core.save_fit_card(self._r, os.fspath(path), bool(include_data))

    def to_card(self, *, include_data: bool = False) -> str:
        """The fit card as a JSON string (what ``save`` writes)."""
        return _core.fit_card_to_string(self._r, bool(include_data))

    def __reduce__(self):
        # Pickles through the fit card, data included: exact and portable.
        return (_from_card, (_core.fit_card_to_string(self._r, True, -1),))

    def __repr__(self) -> str:
        return self._r.brief_report()

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(self.report()) + "</pre>"


def _from_card(text: str) -> "FitResult":
    """Unpickling helper: a FitResult from fit-card text."""
    return FitResult(_core.fit_card_from_string(text, "<pickle>"))
