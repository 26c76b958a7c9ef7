"""Compute-optimal allocation: budgets -> (N, D, D/N, loss) and back.

All numerics are in C++ (``include/scalefit/allocation.hpp``); this module
adapts inputs and wraps the result table.

    >>> import scalefit
    >>> fit = scalefit.from_params("chinchilla", {"E": 1.69, "A": 406.4,
    ...     "B": 410.7, "alpha": 0.34, "beta": 0.28})
    >>> plan = scalefit.compute_optimal(fit, [1e21, 5.76e23])
    >>> plan["N_opt"]  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import numpy as np

from . import _core
from ._inputs import as_column
from .results import FitResult

COLUMNS = tuple(_core.AllocationTable.column_names())


class AllocationColumn:
    """One column: ``mean`` (point values) and, when intervals were asked
    for, ``lower`` and ``upper`` (else None)."""

    __slots__ = ("mean", "lower", "upper")

    def __init__(self, core_column):
        self.mean = np.asarray(core_column.mean)
        self.lower = None if core_column.lower is None else np.asarray(core_column.lower)
        self.upper = None if core_column.upper is None else np.asarray(core_column.upper)

    @property
    def has_interval(self) -> bool:
        return self.lower is not None

    def __repr__(self) -> str:
        return (f"AllocationColumn({len(self.mean)} values"
                + (", with interval)" if self.has_interval else ")"))


class AllocationTable:
    """Allocations over many budgets (or target losses).

    Columns ``C``, ``N_opt``, ``D_opt``, ``tokens_per_param``, ``loss_opt``:
    ``table["N_opt"]`` is a numpy array of point values; ``table.column(name)``
    also carries ``lower``/``upper`` when intervals were computed.
    ``flop_convention`` records the FLOP model (printed in every report).
    """

    __slots__ = ("_t",)

    def __init__(self, core_table: "_core.AllocationTable"):
        self._t = core_table

    # --- metadata -----------------------------------------------------------
    @property
    def columns(self) -> tuple:
        return COLUMNS

    @property
    def kind(self) -> str:
        return self._t.kind

    @property
    def law(self) -> str:
        return self._t.law

    @property
    def flop_convention(self) -> str:
        return self._t.flop_convention

    @property
    def flop_description(self) -> str:
        return self._t.flop_description

    @property
    def method(self) -> str:
        return self._t.method

    @property
    def warning(self) -> str:
        """Empty unless computed from a fit whose exponents are not identified
        (``allow_unidentified=True``)."""
        return self._t.warning

    @property
    def level(self) -> Optional[float]:
        lv = float(self._t.level)
        return None if np.isnan(lv) else lv

    @property
    def interval_method(self) -> str:
        return self._t.interval_method

    @property
    def target_loss(self) -> Optional[np.ndarray]:
        t = self._t.target_loss
        return None if t is None else np.asarray(t)

    # --- access -------------------------------------------------------------
    def column(self, name: str) -> AllocationColumn:
        """The column ``name`` with ``mean``, ``lower`` and ``upper``."""
        self._check(name)
        return AllocationColumn(self._t.column(name))

    def _check(self, name: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"column name must be a string, got {type(name).__name__}")
        if name not in COLUMNS:
            raise KeyError(f"unknown column '{name}'; columns: {', '.join(COLUMNS)}")

    def __getitem__(self, name: str) -> np.ndarray:
        self._check(name)
        return np.asarray(self._t.column(name).mean)

    def __contains__(self, name: object) -> bool:
        return name in COLUMNS

    def __iter__(self):
        return iter(COLUMNS)

    def keys(self):
        return COLUMNS

    def __len__(self) -> int:
        return int(self._t.num_rows)

    def row(self, i: int) -> Dict[str, float]:
        """Row ``i`` as a dict of point values."""
        a = self._t.row(int(i))
        return {c: float(getattr(a, c)) for c in COLUMNS}

    def to_dict(self) -> Dict[str, np.ndarray]:
        """Columns by name (point values); with intervals also
        ``<name>_lower`` / ``<name>_upper``; ``target_loss`` first for
        loss_to_compute tables."""
        out: Dict[str, np.ndarray] = {}
        if self.target_loss is not None:
            out["target_loss"] = self.target_loss
        for c in COLUMNS:
            col = self.column(c)
            out[c] = col.mean
            if col.has_interval:
                out[c + "_lower"] = col.lower
                out[c + "_upper"] = col.upper
        return out

    def to_dataframe(self):
        """A pandas DataFrame with the columns of :meth:`to_dict`; the FLOP
        convention is kept in ``df.attrs``."""
        import pandas as pd

        df = pd.DataFrame(self.to_dict())
        df.attrs["flop_convention"] = self.flop_convention
        df.attrs["law"] = self.law
        df.attrs["kind"] = self.kind
        return df

    def report(self) -> str:
        """Full text report (full precision, FLOP convention, method)."""
        return self._t.full_report()

    def __repr__(self) -> str:
        return self._t.brief_report()

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(self.report()) + "</pre>"


def _core_result(result: Any):
    if isinstance(result, FitResult):
        return result._r
    if isinstance(result, _core.FitResult):
        return result
    from .uncertainty import BootstrapResult  # its full-data fit; with level=,
    if isinstance(result, BootstrapResult):   # percentile intervals (uncertainty)
        return result._b.fit
    raise TypeError(
        "result must be a scalefit.FitResult (from scalefit.fit or scalefit.from_params) "
        f"or a scalefit.BootstrapResult, got {type(result).__name__}")


def _flop_model(k: Any) -> "_core.FlopModel":
    if isinstance(k, _core.FlopModel):
        return k
    if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)):
        raise TypeError(f"k must be a number (FLOPs per parameter per token), got {type(k).__name__}")
    return _core.FlopModel.six_nd(float(k))


def _check_method(method: Any) -> str:
    if not isinstance(method, str):
        raise TypeError("method must be 'auto', 'closed_form' or 'numeric'")
    return method


def _other(other_inputs: Optional[Mapping[str, float]]):
    if other_inputs is None:
        return None
    if not isinstance(other_inputs, Mapping):
        raise TypeError("other_inputs must be a dict of input name -> value")
    return {str(n): float(v) for n, v in other_inputs.items()}


def _with_intervals(kind: str, result, values, level, flop_model, method, other):
    """Intervals come from scalefit.uncertainty, which provides
    ``allocation_intervals(kind, result, values, level, flop_model, method,
    other_inputs) -> _core.AllocationTable`` (kind: "compute_optimal" or
    "loss_to_compute")."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)):
        raise TypeError("level must be a number in (0, 1), e.g. 0.95")
    try:
        from . import uncertainty
    except ImportError:
        uncertainty = None
    hook = getattr(uncertainty, "allocation_intervals", None)
    if hook is None:
        raise NotImplementedError(
            f"{kind}(..., level={level}): intervals on allocations are provided by "
            "scalefit.uncertainty, which does not offer them in this build; call "
            "without level for point values")
    return hook(kind, result, values, float(level), flop_model, method, other)


def compute_optimal(result: Any, flops: Any, *, k: Any = 6.0, level: Optional[float] = None,
                    method: str = "auto",
                    other_inputs: Optional[Mapping[str, float]] = None,
                    allow_unidentified: bool = False) -> AllocationTable:
    """Compute-optimal N, D, D/N and loss at budgets ``flops`` (FLOPs).

    Parameters
    ----------
    result : a FitResult (``scalefit.fit`` or ``scalefit.from_params``) of a
        law with inputs ``N`` and ``D``.
    flops : a budget or array of budgets in FLOPs (C = k·N·D).
    k : FLOPs per parameter per token (6 = the "6ND" convention), or a
        ``scalefit._core.FlopModel``.
    level : confidence level for intervals (scalefit.uncertainty): delta method
        for a FitResult (chinchilla), bootstrap percentiles for a
        BootstrapResult (``fit.bootstrap(...)``, any law with N and D).
    method : ``"auto"`` (closed form for chinchilla, else numeric),
        ``"closed_form"`` or ``"numeric"``.
    other_inputs : values of law inputs other than N and D.
    allow_unidentified : a fit whose exponents its runs do not identify
        (``result.diagnostics.identified`` is False) raises
        ``scalefit.ScalefitError`` unless this is True; the table then
        carries the warning (``.warning``).
    """
    r = _core_result(result)
    _core.require_identified(r, bool(allow_unidentified))
    C = as_column(flops, "flops")
    fm = _flop_model(k)
    method = _check_method(method)
    other = _other(other_inputs)
    if level is not None:
        return AllocationTable(_with_intervals("compute_optimal", result, C, level, fm,
                                               method, other))
    return AllocationTable(_core.compute_optimal(r, C, fm, method, other,
                                                 bool(allow_unidentified)))


def loss_to_compute(result: Any, target_loss: Any, *, k: Any = 6.0,
                    level: Optional[float] = None, method: str = "auto",
                    other_inputs: Optional[Mapping[str, float]] = None,
                    allow_unidentified: bool = False) -> AllocationTable:
    """The compute C (and N, D) on the compute-optimal frontier that reaches
    ``target_loss`` (scalar or array). A target at or below the law's floor
    (E for chinchilla) raises ``scalefit.ScalefitError`` (a ValueError), and
    so does a fit whose exponents are not identified unless
    ``allow_unidentified=True`` (the table then carries ``.warning``).
    ``level`` (e.g. 0.95) adds intervals on C, N_opt, D_opt and
    tokens_per_param: delta method for a FitResult (chinchilla), bootstrap
    percentiles for a BootstrapResult (see docs/uncertainty.md)."""
    r = _core_result(result)
    _core.require_identified(r, bool(allow_unidentified))
    t = as_column(target_loss, "target_loss")
    fm = _flop_model(k)
    method = _check_method(method)
    other = _other(other_inputs)
    if level is not None:
        return AllocationTable(_with_intervals("loss_to_compute", result, t, level, fm,
                                               method, other))
    return AllocationTable(_core.loss_to_compute(r, t, fm, method, other,
                                                 bool(allow_unidentified)))


def plan_at_ratio(result: Any, flops: Any, tokens_per_param: float, *, k: Any = 6.0,
                  other_inputs: Optional[Mapping[str, float]] = None) -> AllocationTable:
    """The plan at a fixed tokens-per-parameter ratio (e.g. 20) for budgets
    ``flops``: N from FLOPs(N, r·N) = C, D = r·N, and the predicted loss."""
    r = _core_result(result)
    C = as_column(flops, "flops")
    if isinstance(tokens_per_param, bool) or not isinstance(
            tokens_per_param, (int, float, np.integer, np.floating)):
        raise TypeError("tokens_per_param must be a number")
    return AllocationTable(_core.plan_at_ratio(r, C, float(tokens_per_param), _flop_model(k),
                                               _other(other_inputs)))


def inference_aware(result: Any, target_loss: float, inference_tokens: float, *,
                    k: Any = 6.0, inference_flops_per_param: float = 2.0,
                    method: str = "auto",
                    other_inputs: Optional[Mapping[str, float]] = None):
    """Inference-aware plan (Sardana & Frankle 2023): the N, D reaching
    ``target_loss`` at least training (k·N·D) plus inference
    (``inference_flops_per_param``·N per token) cost over
    ``inference_tokens`` lifetime tokens. Returns a ``_core.InferenceAwarePlan``
    (``N_opt``, ``D_opt``, ``training_flops``, ``inference_flops``,
    ``total_flops``, the compute-optimal comparison, ``report()``)."""
    r = _core_result(result)
    for name, v in (("target_loss", target_loss), ("inference_tokens", inference_tokens),
                    ("inference_flops_per_param", inference_flops_per_param)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a number")
    return _core.inference_aware(r, float(target_loss), float(inference_tokens),
                                 _flop_model(k), float(inference_flops_per_param),
                                 _check_method(method), _other(other_inputs))


def law_floor(result: Any, *, other_inputs: Optional[Mapping[str, float]] = None) -> float:
    """lim L(N, D) as N, D -> infinity (E for chinchilla)."""
    return float(_core.law_floor(_core_result(result), _other(other_inputs)))


__all__ = ["AllocationTable", "AllocationColumn", "compute_optimal", "loss_to_compute",
           "plan_at_ratio", "inference_aware", "law_floor"]
