"""Uncertainty of a fit: covariance, bootstrap and intervals (functions).

All numerics are in C++ (``include/scalefit/uncertainty.hpp``); the result
types are in ``scalefit.results`` (re-exported here).

``level`` means the same everywhere: the coverage of a central two-sided
interval (0 < level < 1), from the (1 - level)/2 to the (1 + level)/2
quantile.

    >>> import scalefit
    >>> fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())  # doctest: +SKIP
    >>> boot = fit.bootstrap(n=1000, seed=0)                             # doctest: +SKIP
    >>> boot.stderr["alpha"]                                             # doctest: +SKIP
    >>> boot.conf_int(0.8, budgets=[1e24])["N_opt@1e24"]                 # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from . import _core
from ._inputs import unwrap
from .results import (BootstrapResult, Covariance, FitResult, Interval, IntervalTable,
                      Prediction)

__all__ = ["BootstrapResult", "Covariance", "Interval", "IntervalTable", "Prediction",
           "bootstrap", "conf_int", "covariance", "predict_interval"]


def _fit(result: Any) -> FitResult:
    return result if isinstance(result, FitResult) else FitResult(unwrap(result))


def bootstrap(result: Any, n: int = 1000, seed: int = 0, method: str = "case",
              groups: Any = None, threads: Optional[int] = None, *,
              fraction: float = 0.8, max_retries: int = 8,
              progress: Any = False) -> BootstrapResult:
    """Bootstrap a fit: ``n`` replicates refitted (warm-started) with the
    fit's own options. See ``FitResult.bootstrap``."""
    return _fit(result).bootstrap(n, seed, method, groups, threads, fraction=fraction,
                                  max_retries=max_retries, progress=progress)


def covariance(result: Any) -> Covariance:
    """The parameter covariance at the optimum."""
    return _fit(result).covariance()


def conf_int(result: Any, level: float = 0.95, budgets: Any = None) -> IntervalTable:
    """Delta-method intervals (covariance) on parameters and derived
    quantities. See ``FitResult.conf_int``."""
    return _fit(result).conf_int(level, budgets)


def predict_interval(result: Any, inputs: Mapping[str, Any], level: float,
                     interval: str = "confidence") -> Prediction:
    """Delta-method interval on predictions at ``inputs`` (law input name ->
    values). See ``FitResult.predict(..., level=)``."""
    return _fit(result).predict(level=level, interval=interval, **dict(inputs))
