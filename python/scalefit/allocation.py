"""Compute-optimal allocation: budgets -> (N, D, D/N, loss) and back
(functions).

All numerics are in C++ (``include/scalefit/allocation.hpp``, intervals in
``uncertainty.hpp``); the table type is ``scalefit.results.AllocationTable``
(re-exported here).

    >>> import scalefit
    >>> fit = scalefit.from_params("chinchilla", {"E": 1.69, "A": 406.4,
    ...     "B": 410.7, "alpha": 0.34, "beta": 0.28})
    >>> plan = scalefit.compute_optimal(fit, [1e21, 5.76e23])
    >>> plan["N_opt"]  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from . import _core
from ._inputs import (as_bool, as_column, as_float, as_str, flop_model, level_arg,
                      other_inputs as _other, unwrap)
from ._warnings import warn_table
from .results import AllocationColumn, AllocationTable, BootstrapResult, KaplanFrontier

__all__ = ["AllocationTable", "AllocationColumn", "compute_optimal", "loss_to_compute",
           "plan_at_ratio", "inference_aware", "law_floor", "KaplanFrontier",
           "kaplan_compute_efficient", "minimum_steps", "minimum_compute"]

COLUMNS = tuple(_core.AllocationTable.column_names())


def compute_optimal(result: Any, flops: Any, *, k: Any = None, convention: Any = None,
                    architecture: Any = None, level: Optional[float] = None,
                    method: str = "auto",
                    other_inputs: Optional[Mapping[str, float]] = None,
                    allow_unidentified: bool = False) -> AllocationTable:
    """Compute-optimal N, D, D/N and loss at budgets ``flops`` (FLOPs).

    Parameters
    ----------
    result : a FitResult (``scalefit.fit`` or ``scalefit.from_params``) of a
        law with inputs ``N`` and ``D``, or a BootstrapResult.
    flops : a budget or array of budgets in FLOPs, counted under the fit's
        FLOP convention (``result.flop_convention``) unless overridden.
    k, convention, architecture : override the fit's FLOP convention: ``k``
        FLOPs per parameter per token (C = k·N·D), or a named ``convention``
        ("6ND", "kaplan", "hoffmann_detailed", the last two with an
        ``architecture``); or pass a ``scalefit._core.FlopModel`` as ``k``.
    level : confidence level for intervals: delta method for a FitResult
        (chinchilla), bootstrap percentiles for a BootstrapResult
        (``fit.bootstrap(...)``, any law with N and D).
    method : ``"auto"`` (closed form for chinchilla, else numeric),
        ``"closed_form"`` or ``"numeric"``.
    other_inputs : values of law inputs other than N and D.
    allow_unidentified : a fit whose exponents its runs do not identify
        (``result.diagnostics.identified`` is False) raises
        ``scalefit.ScalefitError`` unless this is True; the table then
        carries the warning (``.warning``).

    Every row carries ``decades_beyond_data`` (decades of compute beyond
    the largest fitted run); past 3 decades the table's ``warning`` says so
    and a ``scalefit.ScalefitWarning`` is issued. Plans below one parameter
    or token, or more than 3 decades below the smallest fitted run, are
    errors.
    """
    return _allocate("compute_optimal", result, as_column(flops, "flops"),
                     flop_model(k, convention, architecture), level, method,
                     other_inputs, allow_unidentified)


def loss_to_compute(result: Any, target_loss: Any, *, k: Any = None,
                    convention: Any = None, architecture: Any = None,
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
    percentiles for a BootstrapResult (see docs/uncertainty.md). The FLOP
    convention and the per-row ``decades_beyond_data`` are as in
    :func:`compute_optimal`."""
    return _allocate("loss_to_compute", result, as_column(target_loss, "target_loss"),
                     flop_model(k, convention, architecture), level, method, other_inputs,
                     allow_unidentified)


def _allocate(kind, result, values, fm, level, method, other_inputs, allow_unidentified):
    """compute_optimal / loss_to_compute (``kind``): point values,
    delta-method intervals for a fit, percentiles for a BootstrapResult."""
    point, delta = _KINDS[kind]
    r = unwrap(result)
    allow = as_bool(allow_unidentified, "allow_unidentified")
    _core.require_identified(r, allow)
    m, other = as_str(method, "method"), _other(other_inputs)
    if level is None:
        table = AllocationTable(point(r, values, fm, m, other, allow))
    elif isinstance(result, BootstrapResult):  # identification was checked above
        by_replicate = (result.compute_optimal if kind == "compute_optimal"
                        else result.loss_to_compute)
        return by_replicate(values, level=level, k=fm, method=m, other_inputs=other,
                            allow_unidentified=True)
    else:
        table = AllocationTable(delta(r, values, level_arg(level), fm, m, other, True))
    warn_table(table._c, stacklevel=4)
    return table


_KINDS = {"compute_optimal": (_core.compute_optimal, _core.compute_optimal_interval),
          "loss_to_compute": (_core.loss_to_compute, _core.loss_to_compute_interval)}


def plan_at_ratio(result: Any, flops: Any, tokens_per_param: float, *, k: Any = None,
                  convention: Any = None, architecture: Any = None,
                  other_inputs: Optional[Mapping[str, float]] = None) -> AllocationTable:
    """The plan at a fixed tokens-per-parameter ratio (e.g. 20) for budgets
    ``flops``: N from FLOPs(N, r·N) = C under the fit's FLOP convention
    (or the override, as in :func:`compute_optimal`), D = r·N, and the
    predicted loss."""
    table = AllocationTable(_core.plan_at_ratio(
        unwrap(result), as_column(flops, "flops"),
        as_float(tokens_per_param, "tokens_per_param"), flop_model(k, convention, architecture),
        _other(other_inputs)))
    warn_table(table._c)
    return table


def inference_aware(result: Any, target_loss: float, inference_tokens: float, *,
                    k: Any = None, inference_flops_per_param: float = 2.0,
                    method: str = "auto",
                    other_inputs: Optional[Mapping[str, float]] = None):
    """Inference-aware plan (Sardana & Frankle 2023): the N, D reaching
    ``target_loss`` at least training (k·N·D) plus inference
    (``inference_flops_per_param``·N per token) cost over
    ``inference_tokens`` lifetime tokens. Returns a ``_core.InferenceAwarePlan``
    (``N_opt``, ``D_opt``, ``training_flops``, ``inference_flops``,
    ``total_flops``, the compute-optimal comparison, ``report()``)."""
    return _core.inference_aware(
        unwrap(result), as_float(target_loss, "target_loss"),
        as_float(inference_tokens, "inference_tokens"), flop_model(k),
        as_float(inference_flops_per_param, "inference_flops_per_param"),
        as_str(method, "method"), _other(other_inputs))


def law_floor(result: Any, *, other_inputs: Optional[Mapping[str, float]] = None) -> float:
    """lim L(N, D) as N, D -> infinity (E for chinchilla)."""
    return float(_core.law_floor(unwrap(result), _other(other_inputs)))


def kaplan_compute_efficient(steps: Any, batch: Any, C_min: Any, *,
                             allow_unidentified: bool = False) -> KaplanFrontier:
    """Kaplan et al. 2020's compute-efficient frontier at budgets ``C_min``
    (FLOPs at a batch size far below the critical one; 1 PF-day =
    8.64e19 FLOPs): N_opt, B_crit, S_min, tokens and loss, and the
    exponents N_opt ∝ C_min^p_N, B_crit ∝ C_min^p_B, S_min ∝ C_min^p_S.

    Parameters
    ----------
    steps : a result of the ``"kaplan_steps"`` law, L(N, S_min) =
        (N_c/N)^alpha_N + (S_c/S_min)^alpha_S (fitted, or
        ``scalefit.from_params``).
    batch : a result of the ``"critical_batch"`` law, B_crit(L) =
        B_star/L^(1/alpha_B).
    C_min : a budget or array of budgets (FLOPs).
    allow_unidentified : as in :func:`compute_optimal`.

    The closed forms (App. B.2) and how this frontier differs from
    Chinchilla's are in ``include/scalefit/kaplan_frontier.hpp`` and the
    allocation docs.
    """
    o = _core.KaplanFrontierOptions()
    o.allow_unidentified = as_bool(allow_unidentified, "allow_unidentified")
    return KaplanFrontier(_core.kaplan_compute_efficient(
        unwrap(steps), unwrap(batch), as_column(C_min, "C_min"), o))


def minimum_steps(batch: Any, S: Any, B: Any, L: Any):
    """S_min = S/(1 + B_crit(L)/B) for runs of S steps at batch size B
    (tokens) that reached loss L (Kaplan et al. 2020, Eq. 5.4); ``batch`` is
    a ``"critical_batch"`` result."""
    return _core.kaplan_minimum_steps(unwrap(batch), as_column(S, "S"), as_column(B, "B"),
                                      as_column(L, "L"))


def minimum_compute(batch: Any, C: Any, B: Any, L: Any):
    """C_min = C/(1 + B/B_crit(L)) for runs of C FLOPs (6·N·B·S) at batch
    size B (tokens) that reached loss L (Kaplan et al. 2020, Eq. 5.5)."""
    return _core.kaplan_minimum_compute(unwrap(batch), as_column(C, "C"),
                                        as_column(B, "B"), as_column(L, "L"))
