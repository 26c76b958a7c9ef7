"""Plots (matplotlib, an optional dependency: ``pip install scalefit[plot]``).

Every function takes ``ax=None`` (a new figure then) and returns the axes.
Plots do no arithmetic on results: every plotted number comes from a library
call (``predict``, ``compute_optimal``, the isoFLOP and backtest tables);
this module only chooses where to draw (log-spaced grids) and how.

    fit(result, data)              data and the fitted law over an extrapolated range
    loss_vs_compute(result, data)  runs' loss against compute, with the compute-optimal frontier
    isoflop(iso, data)             isoFLOP profiles: each budget's runs, its parabola and minimum
    allocation(result, flops)      N_opt(C) and D_opt(C), with intervals when available
    backtest(bt)                   backtest error against extrapolation distance
    residuals(result)              residuals of the fitted data against an input
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from ._inputs import Frame, as_column, unwrap
from . import allocation as _alloc
from . import flops as _flops

__all__ = ["fit", "loss_vs_compute", "isoflop", "allocation", "backtest", "residuals"]


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("scalefit.plot needs matplotlib: pip install matplotlib "
                          "(or pip install 'scalefit[plot]')") from None
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _plt().subplots(figsize=(6.4, 4.4))
    return ax


def _grid(lo: float, hi: float, n: int = 200) -> np.ndarray:
    """Log-spaced drawing positions (where to draw, not a result)."""
    if not (lo > 0 and hi > 0):
        raise ValueError(f"plot range must be positive, got [{lo}, {hi}]")
    return np.geomspace(lo, hi, n)


def _column(data, name: str, columns: Optional[Mapping[str, str]] = None):
    col = (columns or {}).get(name, name)
    return Frame(data).column(col, name)


def _interval(result, inputs, level):
    """(lower, upper) of the delta-method interval at ``inputs``, or None
    without ``level``."""
    if level is None:
        return None
    pred = result.predict(level=level, **inputs)
    return pred.lower, pred.upper


def fit(result, data: Any = None, *, x: Optional[str] = None, ax=None, extrapolate: float = 10.0,
        level: Optional[float] = None, columns: Optional[Mapping[str, str]] = None,
        max_curves: int = 6):
    """The data (if given) and the fitted law along input ``x``.

    For a one-input law the curve spans the data range extended by the
    factor ``extrapolate`` on the upper end. For several inputs (e.g. N and D)
    the x-axis is ``x`` (default: the last input) and one curve is drawn per
    distinct value of the other inputs seen in the data (at most
    ``max_curves``, chosen across their range); points are coloured by it.
    ``level`` adds the prediction interval band when the result provides one.
    """
    ax = _axes(ax)
    names = list(result.law.input_names)
    x = x or names[-1]
    if x not in names:
        raise ValueError(f"x must be one of the law's inputs {names}, got '{x}'")
    others = [n for n in names if n != x]
    if data is not None:
        xs = _column(data, x, columns)
        loss = _column(data, "loss", columns)
        lo, hi = float(np.min(xs)), float(np.max(xs)) * extrapolate
    else:
        ds = unwrap(result).data_summary
        if x not in list(ds.input_names):
            raise ValueError("pass data= (the result carries no data summary for this input)")
        j = list(ds.input_names).index(x)
        lo, hi = float(ds.min[j]), float(ds.max[j]) * extrapolate
    grid = _grid(lo, hi)
    if not others:
        if data is not None:
            ax.scatter(xs, loss, s=12, color="0.3", label="runs", zorder=3)
        band = _interval(result, {x: grid}, level)
        if band is not None:
            ax.fill_between(grid, band[0], band[1], alpha=0.25, label=f"{level:.0%} interval")
        ax.plot(grid, result.predict(**{x: grid}), label=f"{result.law.name} fit")
    else:
        if data is None:
            raise ValueError(f"law '{result.law.name}' has several inputs: pass data= to choose "
                             f"the values of {', '.join(others)} to draw")
        other_cols = {n: _column(data, n, columns) for n in others}
        key = others[0]
        distinct = np.unique(other_cols[key])
        pick = distinct[np.unique(np.linspace(0, len(distinct) - 1,
                                              min(max_curves, len(distinct))).round().astype(int))]
        cmap = _plt().get_cmap("viridis")
        for i, value in enumerate(pick):
            color = cmap(i / max(1, len(pick) - 1))
            mask = other_cols[key] == value
            ax.scatter(xs[mask], loss[mask], s=12, color=color, zorder=3)
            inputs = {x: grid, key: np.full_like(grid, value)}
            for extra in others[1:]:
                inputs[extra] = np.full_like(grid, float(np.median(other_cols[extra][mask])))
            band = _interval(result, inputs, level)
            if band is not None:
                ax.fill_between(grid, band[0], band[1], color=color, alpha=0.2)
            ax.plot(grid, result.predict(**inputs), color=color, label=f"{key} = {value:.3g}")
        rest = ~np.isin(other_cols[key], pick)
        if rest.any():
            ax.scatter(xs[rest], loss[rest], s=6, color="0.75", zorder=2, label="other runs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel("loss")
    ax.set_title(f"{result.law.name}: {result.law.formula}", fontsize=9)
    ax.legend(fontsize=7)
    return ax


def _compute_of(data, columns, k: float):
    frame = Frame(data)
    col = (columns or {}).get("C", "C")
    if col in frame:
        return frame.column(col, "C")
    return as_column(_flops.flops_6nd(_column(data, "N", columns), _column(data, "D", columns),
                                      k=k), "C")


def loss_vs_compute(result, data: Any = None, *, ax=None, flops: Optional[Sequence[float]] = None,
                    extrapolate: float = 100.0, level: Optional[float] = None,
                    columns: Optional[Mapping[str, str]] = None, k: float = 6.0):
    """Runs' loss against compute C (the data's C column, else 6ND) with the
    compute-optimal frontier L*(C) from ``allocation.compute_optimal``."""
    ax = _axes(ax)
    if data is not None:
        C = _compute_of(data, columns, k)
        ax.scatter(C, _column(data, "loss", columns), s=10, color="0.4", label="runs", zorder=3)
        lo, hi = float(np.min(C)), float(np.max(C)) * extrapolate
    elif flops is not None:
        lo, hi = float(np.min(flops)), float(np.max(flops))
    else:
        raise ValueError("pass data= or flops= to set the compute range")
    grid = _grid(lo, hi, 120) if flops is None else np.asarray(flops, dtype=float)
    table = _alloc.compute_optimal(result, grid, k=k, **({"level": level} if level else {}))
    ax.plot(grid, table["loss_opt"], color="C3", label="compute-optimal frontier")
    col = table.column("loss_opt")
    if col.has_interval:
        ax.fill_between(grid, col.lower, col.upper, color="C3", alpha=0.2,
                        label=f"{table.level:.0%} interval")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"training compute C (FLOPs, {result.flop_convention})")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return ax


def allocation(result, flops: Sequence[float], *, ax=None, level: Optional[float] = None,
               k: float = 6.0):
    """N_opt(C) and D_opt(C) from ``allocation.compute_optimal``, with their
    interval bands when ``level`` is given and the result supports it."""
    ax = _axes(ax)
    C = np.asarray(flops, dtype=float)
    table = _alloc.compute_optimal(result, C, k=k, **({"level": level} if level else {}))
    for name, color in (("N_opt", "C0"), ("D_opt", "C1")):
        ax.plot(C, table[name], color=color, label=name)
        col = table.column(name)
        if col.has_interval:
            ax.fill_between(C, col.lower, col.upper, color=color, alpha=0.2,
                            label=f"{name} {table.level:.0%} interval")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"training compute C (FLOPs, {result.flop_convention})")
    ax.set_ylabel("parameters N / tokens D")
    ax.legend(fontsize=8)
    return ax


def isoflop(iso, data: Any, *, ax=None, columns: Optional[Mapping[str, str]] = None):
    """IsoFLOP profiles (Chinchilla Approach 2): each budget's runs (loss
    against N, dots), its fitted parabola over the N range of the runs it was
    fitted to (``iso.profile_loss``, a line) and the parabola's minimum
    (``iso.budgets``: a star when interior, a cross when not)."""
    ax = _axes(ax)
    N = _column(data, "N", columns)
    loss = _column(data, "loss", columns)
    budgets = iso.budgets
    rows = iso.budget_rows
    cmap = _plt().get_cmap("plasma")
    Cs = list(budgets["C"])
    for i, (C, idx) in enumerate(zip(Cs, rows)):
        color = cmap(i / max(1, len(Cs) - 1) * 0.9)
        idx = np.asarray(idx, dtype=int)
        order = idx[np.argsort(N[idx])]
        ax.plot(N[order], loss[order], "o", ms=3, color=color, label=f"C = {C:.2g}")
        n_lo, n_hi = float(budgets["N_lo"][i]), float(budgets["N_hi"][i])
        if n_hi > n_lo > 0:
            grid = _grid(n_lo, n_hi, 100)
            ax.plot(grid, iso.profile_loss(i, grid), "-", lw=0.9, color=color)
        n_opt, l_opt = budgets["N_opt"][i], budgets["loss_opt"][i]
        if np.isfinite(n_opt) and np.isfinite(l_opt):
            interior = bool(budgets["interior"][i]) if "interior" in budgets else True
            ax.plot([n_opt], [l_opt], marker="*" if interior else "x", ms=10, color=color,
                    markeredgecolor="k", zorder=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parameters N")
    ax.set_ylabel("loss")
    ax.set_title(f"isoFLOP profiles: N_opt ∝ C^{iso.a:.3f}", fontsize=9)
    if len(Cs) <= 12:
        ax.legend(fontsize=6, ncol=2)
    return ax


def backtest(bt, *, ax=None, metric: str = "mean_are"):
    """Backtest error against extrapolation distance (``bt.by_distance``):
    each bin of distance (decades of the split quantity beyond the largest
    training run) is a horizontal segment at its error; the baseline "best
    observed loss" forecast is dashed."""
    ax = _axes(ax)
    table = bt.by_distance
    lo = as_column(table["decades_lo"], "decades_lo")
    hi = as_column(table["decades_hi"], "decades_hi")
    ax.hlines(as_column(table[metric], metric), lo, hi, colors="C0", lw=2.5,
              label=f"{bt.law} {metric}")
    base = f"baseline_{metric}"
    if base in table:
        ax.hlines(as_column(table[base], base), lo, hi, colors="0.5", lw=1.5,
                  linestyles="dashed", label=f"baseline {metric}")
    ax.set_xlabel(f"extrapolation distance (decades of {bt.split} beyond the training runs)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_yscale("log")
    ax.set_title(f"backtest of {bt.law}", fontsize=9)
    ax.legend(fontsize=8)
    return ax


def residuals(result, ax=None, against: Optional[str] = None):
    """Residuals of the data the result was fitted to (``result.residuals()``:
    log L̂ − log L for the log objectives, L̂ − L for ``mse``) against the
    input ``against`` (default: the law's first input) on a log x axis, with
    the zero line and, for ``huber_log``, the Huber threshold ±δ beyond which
    a point counts linearly (an outlier to the fit)."""
    names = list(result.law.input_names)
    against = against or names[0]
    if against not in names:
        raise ValueError(f"against must be one of the law's inputs {names}, got '{against}'")
    r = result.residuals()  # raises for a result without data
    stored = unwrap(result).stored_data()
    if stored is None:  # pragma: no cover - residuals() raised already
        raise ValueError("this result carries no data")
    ax = _axes(ax)
    xs = as_column(stored[against], against)
    ax.axhline(0.0, color="0.3", lw=0.8)
    if result.objective_name == "huber_log":
        for sign in (1, -1):
            ax.axhline(sign * result.delta, color="0.6", lw=0.8, ls="--",
                       label=f"Huber δ = {result.delta:g}" if sign > 0 else None)
    ax.scatter(xs, r, s=12, color="C0", zorder=3, label="runs")
    ax.set_xscale("log")
    ax.set_xlabel(against)
    log_space = result.objective_name != "mse"
    ax.set_ylabel("residual log L̂ − log L" if log_space else "residual L̂ − L")
    ax.set_title(f"residuals of {result.law.name} ({result.objective_name})", fontsize=9)
    ax.legend(fontsize=8)
    return ax
