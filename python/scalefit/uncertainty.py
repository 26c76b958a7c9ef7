"""Uncertainty of a fit: covariance, bootstrap and intervals.

All numerics are in C++ (``include/scalefit/uncertainty.hpp``); this module
checks argument types, adapts inputs and wraps results.

``level`` means the same everywhere: the coverage of a central two-sided
interval (0 < level < 1), from the (1 - level)/2 to the (1 + level)/2
quantile.

    >>> import scalefit
    >>> fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())  # doctest: +SKIP
    >>> boot = fit.bootstrap(n=1000, seed=0)                             # doctest: +SKIP
    >>> boot.stderr["alpha"]                                             # doctest: +SKIP
    >>> boot.conf_int(0.8, budgets=[1e24])["N_opt@1e+24"]                # doctest: +SKIP
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np

from . import _core
from ._inputs import as_column, gather

Interval = namedtuple("Interval", ["mean", "lower", "upper"])
Interval.__doc__ = "A point estimate with a central two-sided interval."

_METHODS = ("case", "cluster", "subsample", "residual")
_INTERVALS = ("confidence", "prediction")


def _check_level(level: Any) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise TypeError(f"level must be a number in (0, 1), e.g. 0.95; got {type(level).__name__}")
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1) (the coverage of a central two-sided "
                         f"interval), got {level!r}")
    return level


def _check_interval(interval: Any) -> str:
    if not isinstance(interval, str):
        raise TypeError("interval must be 'confidence' or 'prediction'")
    if interval not in _INTERVALS:
        raise ValueError(f"interval must be 'confidence' (for the law's value) or "
                         f"'prediction' (for a new observation), got '{interval}'")
    return interval


def _budgets(budgets: Any) -> list:
    if budgets is None:
        return []
    return [float(c) for c in as_column(budgets, "budgets")]


def _core_fit(result: Any):
    from .results import FitResult
    if isinstance(result, FitResult):
        return result._r
    if isinstance(result, _core.FitResult):
        return result
    raise TypeError(f"result must be a scalefit.FitResult, got {type(result).__name__}")


class IntervalTable:
    """Intervals on named quantities: parameters, then (chinchilla) the
    derived ``a``, ``b``, ``G`` and, per budget C, ``N_opt@C``, ``D_opt@C``,
    ``tokens_per_param@C``, ``loss_opt@C``.

    ``table["alpha"]`` is an ``Interval(mean, lower, upper)``; ``names``,
    ``mean``, ``lower``, ``upper``, ``stderr`` are aligned arrays; ``level``
    and ``method`` (``"delta"`` or ``"bootstrap_<method>"``) say how they were
    made.
    """

    __slots__ = ("_t",)

    def __init__(self, core_table: "_core.IntervalTable"):
        self._t = core_table

    @property
    def names(self) -> list:
        return list(self._t.names)

    @property
    def mean(self) -> np.ndarray:
        return np.asarray(self._t.mean)

    @property
    def lower(self) -> np.ndarray:
        return np.asarray(self._t.lower)

    @property
    def upper(self) -> np.ndarray:
        return np.asarray(self._t.upper)

    @property
    def stderr(self) -> Dict[str, float]:
        return dict(zip(self._t.names, (float(v) for v in self._t.std_errors)))

    @property
    def log_scale(self) -> Dict[str, bool]:
        return dict(zip(self._t.names, (bool(v) for v in self._t.log_scale)))

    @property
    def level(self) -> float:
        return float(self._t.level)

    @property
    def method(self) -> str:
        return self._t.method

    def __getitem__(self, name: str) -> Interval:
        if not isinstance(name, str):
            raise TypeError(f"quantity name must be a string, got {type(name).__name__}")
        try:
            i = self._t.index(name)
        except ValueError as exc:
            raise KeyError(str(exc)) from None
        return Interval(float(self._t.mean[i]), float(self._t.lower[i]), float(self._t.upper[i]))

    def __contains__(self, name: object) -> bool:
        return name in self._t.names

    def __iter__(self):
        return iter(self._t.names)

    def __len__(self) -> int:
        return len(self._t.names)

    def keys(self):
        return list(self._t.names)

    def to_dict(self) -> Dict[str, Interval]:
        return {n: self[n] for n in self._t.names}

    def to_dataframe(self):
        """A pandas DataFrame indexed by quantity: mean, lower, upper, stderr."""
        import pandas as pd
        df = pd.DataFrame({"mean": self.mean, "lower": self.lower, "upper": self.upper,
                           "stderr": np.asarray(self._t.std_errors)},
                          index=pd.Index(self.names, name="quantity"))
        df.attrs["level"] = self.level
        df.attrs["method"] = self.method
        return df

    def report(self) -> str:
        return self._t.full_report()

    def __repr__(self) -> str:
        return self._t.brief_report()


class Prediction:
    """Predicted loss with an interval: arrays ``mean``, ``lower``,
    ``upper``; ``interval`` is ``"confidence"`` (the law's value) or
    ``"prediction"`` (a new observation); ``method`` says how."""

    __slots__ = ("mean", "lower", "upper", "level", "interval", "method", "_brief")

    def __init__(self, core_table: "_core.PredictionTable"):
        self.mean = np.asarray(core_table.mean)
        self.lower = np.asarray(core_table.lower)
        self.upper = np.asarray(core_table.upper)
        self.level = float(core_table.level)
        self.interval = core_table.interval
        self.method = core_table.method
        self._brief = core_table.brief_report()

    def __len__(self) -> int:
        return len(self.mean)

    def __repr__(self) -> str:
        return self._brief


class Covariance:
    """Parameter covariance at the optimum (see ``docs/uncertainty.md``):
    ``matrix`` (P x P, user units), ``stderr`` (dict), ``estimator``
    (``"least_squares"`` or ``"kernel_sandwich"``), ``rank_deficient`` and
    ``message``; for huber_log also ``num_quadratic`` (points with
    |r| <= delta), ``expected_quadratic`` (its kernel estimate, used in the
    bread) and ``bandwidth``."""

    __slots__ = ("_c",)

    def __init__(self, core_cov: "_core.Covariance"):
        self._c = core_cov

    names = property(lambda self: list(self._c.names))
    matrix = property(lambda self: np.asarray(self._c.matrix))
    estimator = property(lambda self: self._c.estimator)
    rank = property(lambda self: int(self._c.rank))
    rank_deficient = property(lambda self: bool(self._c.rank_deficient))
    condition_number = property(lambda self: float(self._c.condition_number))
    residual_variance = property(lambda self: float(self._c.residual_variance))
    message = property(lambda self: self._c.message)
    num_quadratic = property(lambda self: int(self._c.num_quadratic))
    expected_quadratic = property(lambda self: float(self._c.expected_quadratic))
    bandwidth = property(lambda self: float(self._c.bandwidth))

    @property
    def stderr(self) -> Dict[str, float]:
        return dict(zip(self._c.names, (float(v) for v in self._c.std_errors)))

    @property
    def identified(self) -> Dict[str, bool]:
        return dict(zip(self._c.names, (bool(v) for v in self._c.identified)))

    def report(self) -> str:
        return self._c.report()

    def __repr__(self) -> str:
        return (f"Covariance({self.estimator}, rank {self.rank} of {self._c.num_free}, "
                f"{'RANK DEFICIENT' if self.rank_deficient else 'ok'})")


class BootstrapResult:
    """The replicates of a bootstrap.

    ``samples`` (n x P numpy array, raw replicate parameters, law order;
    ``param_names`` gives the columns), ``converged`` (bool per replicate),
    ``num_failed`` / ``failed`` (indices; failed replicates are excluded
    from every statistic and reported), ``stderr`` (dict), ``conf_int``,
    ``predict``, ``compute_optimal``, ``report()``.
    """

    __slots__ = ("_b",)

    def __init__(self, core_boot: "_core.BootstrapResult"):
        self._b = core_boot

    @property
    def param_names(self) -> list:
        return list(self._b.names)

    @property
    def samples(self) -> np.ndarray:
        return np.asarray(self._b.samples)

    @property
    def converged(self) -> np.ndarray:
        return np.asarray(self._b.converged)

    @property
    def messages(self) -> list:
        return list(self._b.messages)

    @property
    def attempts(self) -> np.ndarray:
        return np.asarray(self._b.attempts)

    @property
    def failed(self) -> list:
        return list(self._b.failed)

    @property
    def num_failed(self) -> int:
        return int(self._b.num_failed)

    @property
    def num_restarted(self) -> int:
        return int(self._b.num_restarted)

    @property
    def n(self) -> int:
        return int(self._b.num_replicates)

    @property
    def method(self) -> str:
        return self._b.method

    @property
    def seed(self) -> int:
        return int(self._b.seed)

    @property
    def scale(self) -> float:
        return float(self._b.scale)

    @property
    def seconds(self) -> float:
        return float(self._b.seconds)

    @property
    def stderr(self) -> Dict[str, float]:
        """Standard deviation of the converged replicates per parameter
        (times sqrt(m/(n-m)) for subsampling)."""
        return dict(zip(self._b.names, (float(v) for v in self._b.std_errors())))

    def to_dict(self) -> Dict[str, Any]:
        """Summary as plain values: method, n, seed, failures, standard errors."""
        return {"method": self.method, "n": self.n, "seed": self.seed,
                "num_failed": self.num_failed, "num_restarted": self.num_restarted,
                "stderr": self.stderr}

    def to_dataframe(self):
        """The replicate samples, one row per replicate and a ``converged``
        column (needs pandas)."""
        import pandas as pd

        df = pd.DataFrame(self.samples, columns=self.param_names)
        df["converged"] = self.converged
        return df

    def conf_int(self, level: float = 0.95, budgets: Any = None) -> IntervalTable:
        """Percentile intervals on every parameter and (chinchilla) on a, b,
        G and, at each budget in ``budgets`` (FLOPs), N_opt, D_opt,
        tokens_per_param and loss_opt."""
        return IntervalTable(self._b.conf_int(_check_level(level), _budgets(budgets)))

    def predict(self, data: Any = None, *, level: float = 0.95,
                interval: str = "confidence", **inputs: Any) -> Prediction:
        """Percentile interval on the predicted loss at the law's inputs."""
        level = _check_level(level)
        interval = _check_interval(interval)
        inp, _ = gather(self._b.fit.law.input_names, data, inputs, None, need_loss=False)
        return Prediction(self._b.predict(inp, level, interval))

    def compute_optimal(self, flops: Any, *, level: float = 0.95, k: Any = 6.0,
                        method: str = "auto",
                        other_inputs: Optional[Mapping[str, float]] = None,
                        allow_unidentified: bool = False):
        """Compute-optimal plan at budgets ``flops`` with percentile intervals
        (any law with inputs N and D)."""
        from .allocation import AllocationTable, _flop_model, _other
        level = _check_level(level)
        C = as_column(flops, "flops")
        return AllocationTable(self._b.compute_optimal(
            C, level, _flop_model(k), str(method), _other(other_inputs),
            bool(allow_unidentified)))

    def loss_to_compute(self, target_loss: Any, *, level: float = 0.95, k: Any = 6.0,
                        method: str = "auto",
                        other_inputs: Optional[Mapping[str, float]] = None,
                        allow_unidentified: bool = False):
        """Compute (and N, D, D/N) on the compute-optimal frontier reaching
        ``target_loss``, with percentile intervals over the replicates (any
        law with inputs N and D). A replicate whose floor is at or above a
        target needs infinite compute and enters as +inf, so an upper bound
        can be ``inf``; ``interval_method`` counts such replicates."""
        from .allocation import AllocationTable, _flop_model, _other
        level = _check_level(level)
        t = as_column(target_loss, "target_loss")
        return AllocationTable(self._b.loss_to_compute(
            t, level, _flop_model(k), str(method), _other(other_inputs),
            bool(allow_unidentified)))

    def report(self) -> str:
        return self._b.full_report()

    def __repr__(self) -> str:
        return self._b.brief_report()

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(self.report()) + "</pre>"


# --- entry points used by FitResult ---------------------------------------------

def bootstrap(result: Any, n: int = 1000, seed: int = 0, method: str = "case",
              groups: Any = None, threads: Optional[int] = None, *,
              fraction: float = 0.8, max_retries: int = 8) -> BootstrapResult:
    """Bootstrap a fit: ``n`` replicates refitted (warm-started) with the
    fit's own options. See ``FitResult.bootstrap``."""
    r = _core_fit(result)
    for name, v in (("n", n), ("seed", seed), ("max_retries", max_retries)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {type(v).__name__}")
    if n < 2:
        raise ValueError(f"n (number of bootstrap replicates) must be >= 2, got {n}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if not isinstance(method, str):
        raise TypeError("method must be a string")
    if method not in _METHODS:
        raise ValueError(f"unknown bootstrap method '{method}'; valid: {', '.join(_METHODS)}")
    if threads is None:
        threads = 0
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError("threads must be an integer (0 or None = all cores)")
    if threads < 0:
        raise ValueError("threads must be >= 0 (0 or None = all cores)")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)):
        raise TypeError("fraction must be a number in (0, 1)")
    codes: list = []
    if groups is not None:
        if isinstance(groups, str):
            raise TypeError("groups must be an array of labels, one per fitted row "
                            "(not a column name)")
        labels = np.asarray(groups)
        if labels.ndim != 1:
            raise ValueError(f"groups must be 1-dimensional, got shape {labels.shape}")
        _, inv = np.unique(labels, return_inverse=True)
        codes = [int(c) for c in inv]
    return BootstrapResult(_core.bootstrap(r, int(n), int(seed), method, codes,
                                           float(fraction), int(threads), int(max_retries)))


def covariance(result: Any) -> Covariance:
    """The parameter covariance at the optimum."""
    return Covariance(_core.covariance(_core_fit(result)))


def conf_int(result: Any, level: float = 0.95, budgets: Any = None) -> IntervalTable:
    """Delta-method intervals (covariance) on parameters and derived
    quantities. See ``FitResult.conf_int``."""
    return IntervalTable(_core.conf_int(_core_fit(result), _check_level(level),
                                        _budgets(budgets)))


def predict_interval(result: Any, inputs: Mapping[str, np.ndarray], level: float,
                     interval: str = "confidence") -> Prediction:
    """Delta-method interval on predictions (inputs already gathered)."""
    return Prediction(_core.predict_interval(_core_fit(result), dict(inputs),
                                             _check_level(level), _check_interval(interval)))


def allocation_intervals(kind: str, result: Any, values: np.ndarray, level: float,
                         flop_model: "_core.FlopModel", method: str,
                         other_inputs: Optional[Mapping[str, float]]) -> "_core.AllocationTable":
    """Hook used by ``scalefit.compute_optimal(..., level=)`` and
    ``scalefit.loss_to_compute(..., level=)`` (kind ``"compute_optimal"`` or
    ``"loss_to_compute"``). ``result`` a FitResult: delta-method intervals
    (chinchilla law under C = k N D); a BootstrapResult: percentile
    intervals over its replicates (any law with inputs N and D). The caller
    has already applied its identification check."""
    level = _check_level(level)
    if kind not in ("compute_optimal", "loss_to_compute"):
        raise ValueError(f"unknown allocation kind '{kind}'; valid: compute_optimal, "
                         "loss_to_compute")
    if isinstance(result, BootstrapResult):
        fn = result._b.compute_optimal if kind == "compute_optimal" else result._b.loss_to_compute
        return fn(values, level, flop_model, method, other_inputs, True)
    fn = (_core.compute_optimal_interval if kind == "compute_optimal"
          else _core.loss_to_compute_interval)
    return fn(_core_fit(result), values, level, flop_model, method, other_inputs, True)


__all__ = ["BootstrapResult", "Covariance", "Interval", "IntervalTable", "Prediction",
           "allocation_intervals", "bootstrap", "conf_int", "covariance", "predict_interval"]
