"""Plots (matplotlib, an optional dependency: ``pip install scalefit[plot]``).

Every function takes ``ax=None`` (a new figure then) and returns the axes.
Plots do no arithmetic on results: every plotted number comes from a library
call (``predict``, ``compute_optimal``, the isoFLOP and backtest tables, the
FLOP model for the tokens along an isoFLOP line); this module only chooses
where to draw (log-spaced grids) and how.

    fit(result, data)              data and the fitted law over an extrapolated range
    loss_vs_compute(result, data)  runs' loss against compute, with the compute-optimal frontier
    isoflop(iso, data)             isoFLOP profiles: each budget's runs, its parabola and minimum
    allocation(result, flops)      N_opt(C) and D_opt(C), with intervals when available
    backtest(bt)                   backtest error against extrapolation distance, runs per bin
    residuals(result)              residuals of the fitted data against an input
    task_step1(chain, ladder)      step 1 of a task chain: task loss against tokens, with targets
    task_step2(chain, ladder)      step 2: the metric against task loss over checkpoints, the link
    task_forecast(chain, ladder)   the chained forecast against compute with its band
    metric_comparison(ladder, ...) a continuous metric (task loss) and the accuracy of the same
                                   task against compute (Schaeffer et al. 2023)

What every plot does the same way: axes name the quantity and its unit
("parameters N", "training tokens D", "compute C (FLOPs, 6ND)"), log axes
carry plain tick labels (2, 3, 4 or 10⁹, never 3×10⁰), an interval band has
its legend entry (level and method), and every axis that reaches beyond the
data marks where the data end ("largest run").
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from ._inputs import Frame, as_column, flop_model, unwrap
from . import allocation as _alloc
from . import approaches as _approaches
from . import flops as _flops
from . import downstream as _downstream

__all__ = ["fit", "loss_vs_compute", "isoflop", "allocation", "backtest", "residuals",
           "axis_label", "task_step1", "task_step2", "task_forecast",
           "metric_comparison"]

# What each input of the built-in laws measures (axis labels). Other inputs
# are labelled by their name.
_QUANTITIES = {"N": "parameters N", "D": "training tokens D", "U": "unique tokens U",
               "C": "compute C (FLOPs)", "x": "x"}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_FEW_RUNS = 5  # backtest bins with fewer held-out runs are drawn faint


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("scalefit.plot needs matplotlib: pip install matplotlib "
                          "(or pip install 'scalefit[plot]')") from None
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _plt().subplots(figsize=(6.4, 4.4), layout="constrained")
    return ax


def _grid(lo: float, hi: float, n: int = 200) -> np.ndarray:
    """Log-spaced drawing positions (where to draw, not a result)."""
    if not (lo > 0 and hi > 0):
        raise ValueError(f"plot range must be positive, got [{lo}, {hi}]")
    return np.geomspace(lo, hi, n)


def _column(data, name: str, columns: Optional[Mapping[str, str]] = None):
    col = (columns or {}).get(name, name)
    return Frame(data).column(col, name)


def axis_label(name: str, flop_convention: Optional[str] = None) -> str:
    """The axis label of a law input: the quantity and its unit
    (``"N"`` -> ``"parameters N"``; ``"C"`` -> ``"compute C (FLOPs, 6ND)"``)."""
    if name == "C":
        return f"compute C (FLOPs, {flop_convention})" if flop_convention else _QUANTITIES["C"]
    return _QUANTITIES.get(name, name)


def _tick_text(v: float) -> str:
    """A log-axis tick: plain decimals from 0.001 to 9999 ('2', '0.05'),
    powers of ten as 10ⁿ, other values as m×10ⁿ."""
    if not (v > 0 and math.isfinite(v)):
        return ""
    e = math.floor(math.log10(v) + 1e-9)
    if -3 <= e < 4:
        return f"{v:.6g}"
    m = v / 10.0 ** e
    if abs(m - 1.0) < 1e-6:
        return "10" + str(e).translate(_SUPERSCRIPT)
    return f"{m:.3g}×10" + str(e).translate(_SUPERSCRIPT)


def _plain_log_ticks(ax) -> None:
    """Plain tick labels on the log axes of ``ax`` (minor ticks are labelled
    only on axes spanning about a decade or less, as matplotlib decides)."""
    import matplotlib.ticker as mticker

    class _Plain(mticker.LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            text = super().__call__(x, pos)
            return _tick_text(x) if text else ""

    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_formatter(_Plain())
            axis.set_minor_formatter(_Plain(labelOnlyBase=False, minor_thresholds=(1, 0.4)))


def _mark_data_end(ax, value: float, axis: str = "x") -> None:
    """A dotted line where the data end on an axis that extends beyond them."""
    if not (value > 0 and math.isfinite(value)):
        return
    style = dict(color="0.35", lw=0.8, ls=":", zorder=1)
    if axis == "x":
        ax.axvline(value, **style)
        ax.annotate("largest run", xy=(value, 0), xycoords=("data", "axes fraction"),
                    xytext=(3, 3), textcoords="offset points", ha="left", va="bottom",
                    fontsize=7, color="0.35")
    else:
        ax.axhline(value, **style)
        ax.annotate("largest run", xy=(0, value), xycoords=("axes fraction", "data"),
                    xytext=(3, 3), textcoords="offset points", ha="left", va="bottom",
                    fontsize=7, color="0.35")


def _band_handle(level: float, method: str, color: str = "0.4"):
    from matplotlib.patches import Patch
    return Patch(facecolor=color, alpha=0.25, label=f"{level:.0%} confidence band ({method})")


def _interval(result, inputs, level):
    """The delta-method prediction (with ``lower``/``upper``) at ``inputs``,
    or None without ``level``."""
    if level is None:
        return None
    return result.predict(level=level, **inputs)


def _data_max(result, name: str) -> float:
    """The largest value of input ``name`` in the data the result was fitted
    to (NaN when the result records none)."""
    ds = unwrap(result).data_summary
    names = list(ds.input_names)
    if name in names and int(ds.num_rows) > 0:
        return float(ds.max[names.index(name)])
    return float("nan")


def _compute_of(result, data, columns, k):
    """The runs' compute: the data's C column, else C(N, D) under ``k``
    (C = k·N·D) or the fit's own FLOP convention."""
    frame = Frame(data)
    col = (columns or {}).get("C", "C")
    if col in frame:
        return frame.column(col, "C")
    N, D = _column(data, "N", columns), _column(data, "D", columns)
    if k is not None:
        return as_column(_flops.flops_6nd(N, D, k=k), "C")
    return as_column(unwrap(result).flop_model().flops_at(N, D), "C")


def _budget_groups(data, columns, k):
    """(budgets, row lists) of the runs grouped by FLOP budget, as Approach 2
    groups them, or None when the runs do not form isoFLOP groups."""
    cols = dict(columns or {})
    names = {n: cols.get(n, n) for n in ("N", "D", "loss")}
    if cols.get("C", "C") in Frame(data):
        names["C"] = cols.get("C", "C")
    try:
        iso = _approaches.isoflop_fit(data, bootstrap=0, k=k, fit_frontier=False,
                                      compare_parametric=False, **names)
    except (ValueError, TypeError):
        return None
    return list(iso.budgets["C"]), [np.asarray(r, dtype=int) for r in iso.budget_rows]


def _is_isoflop_design(data, columns, names) -> bool:
    """Runs that form isoFLOP groups (Approach 2's grouping by budget
    succeeds, with at least 3 budgets): the law is best drawn along each
    budget, since curves at fixed N would each meet only a run or two."""
    if not {"N", "D"} <= set(names):
        return False
    groups = _budget_groups(data, columns, 6.0)
    return groups is not None and len(groups[0]) >= 3


def fit(result, data: Any = None, *, x: Optional[str] = None, ax=None, extrapolate: float = 10.0,
        level: Optional[float] = None, columns: Optional[Mapping[str, str]] = None,
        max_curves: int = 6, color_by: Optional[str] = None):
    """The runs (if given) and the fitted law.

    One-input law: the runs and the law along its input, extended by the
    factor ``extrapolate`` beyond the largest run.

    Several inputs (e.g. N and D), ``color_by``:

    - an input name (default for designs where model sizes repeat): x is
      ``x`` (default: the last input), every run is coloured by its value of
      ``color_by`` (colour bar), and the law is drawn at ``max_curves``
      values of it spread over the data's range;
    - ``"C"`` (default for isoFLOP designs, where most runs have their own
      N): x is N, runs are coloured by their compute budget and the law is
      drawn along each budget's isoFLOP line (D from the fit's FLOP model).

    ``level`` adds the delta-method confidence band of the law's value.
    """
    ax = _axes(ax)
    names = list(result.law.input_names)
    others = [n for n in names if n != (x or names[-1])]
    if others and data is None:
        raise ValueError(f"law '{result.law.name}' has several inputs: pass data= to choose "
                         f"the values of {', '.join(others)} to draw")
    if color_by is None and others:
        color_by = "C" if _is_isoflop_design(data, columns, names) and x in (None, "N") \
            else others[0]
    if color_by == "C":
        if not {"N", "D"} <= set(names):
            raise ValueError(f"color_by='C' needs a law with inputs N and D; law "
                             f"'{result.law.name}' has inputs {names}")
        return _fit_by_budget(result, data, ax, level, columns, extrapolate)
    x = x or names[-1]
    if x not in names:
        raise ValueError(f"x must be one of the law's inputs {names}, got '{x}'")
    if data is not None:
        xs = _column(data, x, columns)
        loss = _column(data, "loss", columns)
        lo, data_hi = float(np.min(xs)), float(np.max(xs))
    else:
        ds = unwrap(result).data_summary
        if x not in list(ds.input_names):
            raise ValueError("pass data= (the result carries no data summary for this input)")
        j = list(ds.input_names).index(x)
        lo, data_hi = float(ds.min[j]), float(ds.max[j])
    grid = _grid(lo, data_hi * extrapolate)
    handles = []
    from matplotlib.lines import Line2D
    if not others:
        if data is not None:
            ax.scatter(xs, loss, s=12, color="0.3", zorder=3, edgecolor="none")
            handles.append(Line2D([], [], color="0.3", marker="o", ls="", ms=4, label="runs"))
        band = _interval(result, {x: grid}, level)
        if band is not None:
            ax.fill_between(grid, band.lower, band.upper, color="C0", alpha=0.25, lw=0)
            handles.append(_band_handle(level, band.method, "C0"))
        (curve,) = ax.plot(grid, result.predict(**{x: grid}), color="C0",
                           label=f"{result.law.name} fit")
        handles.insert(0, curve)
    else:
        if color_by not in others:
            raise ValueError(f"color_by must be one of the law's other inputs {others} or 'C', "
                             f"got '{color_by}'")
        other_cols = {n: _column(data, n, columns) for n in others}
        values = other_cols[color_by]
        import matplotlib.colors as mcolors
        cmap = _plt().get_cmap("viridis")
        norm = mcolors.LogNorm(float(values.min()), float(values.max())) \
            if values.min() > 0 and values.max() > values.min() else None
        ax.scatter(xs, loss, s=12, c=values, cmap=cmap, norm=norm, zorder=3, edgecolor="none")
        picks = (_grid(float(values.min()), float(values.max()), max_curves)
                 if norm is not None else np.unique(values)[:max_curves])
        method = None
        for value in picks:
            color = cmap(norm(value)) if norm is not None else "C0"
            inputs = {x: grid, color_by: np.full_like(grid, value)}
            for extra in others:
                if extra != color_by:
                    inputs[extra] = np.full_like(grid, float(np.median(other_cols[extra])))
            band = _interval(result, inputs, level)
            if band is not None:
                ax.fill_between(grid, band.lower, band.upper, color=color, alpha=0.2, lw=0)
                method = band.method
            ax.plot(grid, result.predict(**inputs), color=color, lw=1.2)
        if norm is not None:
            ax.figure.colorbar(_plt().cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax,
                               label=axis_label(color_by))
        handles = [Line2D([], [], color="0.3", lw=1.2,
                          label=f"{result.law.name} fit at {len(picks)} values of {color_by}"),
                   Line2D([], [], color="0.3", marker="o", ls="", ms=4, label="runs")]
        if method is not None:
            handles.append(_band_handle(level, method))
    _mark_data_end(ax, data_hi)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel(axis_label(x, result.flop_convention))
    ax.set_ylabel("loss")
    ax.set_title(f"{result.law.name} fit", fontsize=10)
    ax.legend(handles=handles, fontsize=8, loc="upper right")
    return ax


def _fit_by_budget(result, data, ax, level, columns, extrapolate):
    """fit(color_by="C"): runs coloured by budget, the law along each
    budget's isoFLOP line."""
    from matplotlib.lines import Line2D
    import matplotlib.colors as mcolors

    fm = _flop_model_of(result)
    k = fm.k if math.isfinite(fm.k) else 6.0
    N = _column(data, "N", columns)
    loss = _column(data, "loss", columns)
    C = _compute_of(result, data, columns, k)
    groups = _budget_groups(data, columns, k)
    cmap = _plt().get_cmap("viridis")
    norm = mcolors.LogNorm(float(C.min()), float(max(C.max(), C.min() * 1.0001)))
    ax.scatter(N, loss, s=14, c=C, cmap=cmap, norm=norm, zorder=3, edgecolor="none")
    if groups is None:  # not isoFLOP groups: curves at spread budgets over all N
        budgets = list(_grid(float(C.min()), float(C.max()), 6))
        rows = [np.arange(len(N))] * len(budgets)
    else:
        budgets, rows = groups
    method = None
    for c, idx in zip(budgets, rows):
        n = N[idx]
        grid = _grid(float(n.min()) / 1.5, float(n.max()) * 1.5, 100)
        inputs = {"N": grid, "D": np.asarray(fm.tokens(grid, float(c)))}
        color = cmap(norm(c))
        band = _interval(result, inputs, level)
        if band is not None:
            ax.fill_between(grid, band.lower, band.upper, color=color, alpha=0.2, lw=0)
            method = band.method
        ax.plot(grid, result.predict(**inputs), color=color, lw=1.2)
    ax.figure.colorbar(_plt().cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax,
                       label=f"compute budget C (FLOPs, {result.flop_convention})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel(axis_label("N"))
    ax.set_ylabel("loss")
    ax.set_title(f"{result.law.name} fit along each isoFLOP budget", fontsize=10)
    handles = [Line2D([], [], color="0.3", lw=1.2, label=f"{result.law.name} fit at each budget"),
               Line2D([], [], color="0.3", marker="o", ls="", ms=4, label="runs")]
    if method is not None:
        handles.append(_band_handle(level, method))
    ax.legend(handles=handles, fontsize=8, loc="upper right")
    return ax


def _flop_model_of(result):
    """The FLOP model of the result's convention (with its architecture)."""
    return unwrap(result).flop_model()


def loss_vs_compute(result, data: Any = None, *, ax=None, flops: Optional[Sequence[float]] = None,
                    extrapolate: float = 100.0, level: Optional[float] = None,
                    columns: Optional[Mapping[str, str]] = None, k: Optional[float] = None):
    """Runs' loss against compute C (the data's C column, else C(N, D) under
    the fit's FLOP convention, or k·N·D for a given ``k``) with the
    compute-optimal frontier L*(C) from ``allocation.compute_optimal``."""
    from matplotlib.lines import Line2D
    ax = _axes(ax)
    handles = []
    data_hi = float("nan")
    if data is not None:
        C = _compute_of(result, data, columns, k)
        ax.scatter(C, _column(data, "loss", columns), s=10, color="0.4", zorder=3,
                   edgecolor="none")
        handles.append(Line2D([], [], color="0.4", marker="o", ls="", ms=4, label="runs"))
        lo, data_hi = float(np.min(C)), float(np.max(C))
        hi = data_hi * extrapolate
    elif flops is not None:
        lo, hi = float(np.min(flops)), float(np.max(flops))
    else:
        raise ValueError("pass data= or flops= to set the compute range")
    grid = _grid(lo, hi, 120) if flops is None else np.asarray(flops, dtype=float)
    table = _alloc.compute_optimal(result, grid, k=k, **({"level": level} if level else {}))
    (frontier,) = ax.plot(grid, table["loss_opt"], color="C3",
                          label="compute-optimal frontier L*(C)")
    handles.insert(0, frontier)
    col = table.column("loss_opt")
    if col.has_interval:
        ax.fill_between(grid, col.lower, col.upper, color="C3", alpha=0.2, lw=0)
        handles.append(_band_handle(table.level, table.interval_method, "C3"))
    _mark_data_end(ax, data_hi)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel(axis_label("C", result.flop_convention))
    ax.set_ylabel("loss")
    ax.legend(handles=handles, fontsize=8)
    return ax


def allocation(result, flops: Sequence[float], *, ax=None, level: Optional[float] = None,
               k: Optional[float] = None):
    """N_opt(C) and D_opt(C) from ``allocation.compute_optimal``, with their
    interval bands when ``level`` is given and the result supports it; a
    dotted line at the compute of the largest fitted run."""
    from matplotlib.lines import Line2D
    ax = _axes(ax)
    C = np.asarray(flops, dtype=float)
    table = _alloc.compute_optimal(result, C, k=k, **({"level": level} if level else {}))
    handles = []
    for name, label, color in (("N_opt", "parameters N_opt", "C0"),
                               ("D_opt", "training tokens D_opt", "C1")):
        (line,) = ax.plot(C, table[name], color=color, label=label)
        handles.append(line)
        col = table.column(name)
        if col.has_interval:
            ax.fill_between(C, col.lower, col.upper, color=color, alpha=0.2, lw=0)
    if table.column("N_opt").has_interval:
        handles.append(_band_handle(table.level, table.interval_method))
    _mark_data_end(ax, _data_max(result, "C") if "C" in result.law.input_names
                   else _largest_run_compute(result, k))
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel(axis_label("C", result.flop_convention))
    ax.set_ylabel("compute-optimal N (parameters) and D (tokens)")
    ax.legend(handles=handles, fontsize=8)
    return ax


def _largest_run_compute(result, k: Optional[float] = None) -> float:
    """Compute of the largest fitted run (the card's data summary: the data's
    C column or the fit's convention; NaN for given parameters)."""
    core = unwrap(result)
    c = float(core.data_summary.compute_max) if core.fitted else 0.0
    return c if c > 0 else float("nan")


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
        ax.plot(N[order], loss[order], "o", ms=3, color=color, label=f"C = {_tick_text(C)}")
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
    _plain_log_ticks(ax)
    ax.set_xlabel(axis_label("N"))
    ax.set_ylabel("loss")
    ax.set_title(f"isoFLOP profiles (Approach 2): N_opt ∝ C^{iso.a:.3f}; ★ minimum of each "
                 "parabola", fontsize=9)
    if len(Cs) <= 12:
        ax.legend(fontsize=6, ncol=2, title="budget (FLOPs)", title_fontsize=7)
    return ax


_METRIC_LABELS = {"mean_are": "mean absolute relative error", "max_are":
                  "max absolute relative error", "rmsle": "RMS log error"}


def backtest(bt, *, ax=None, metric: str = "mean_are"):
    """Backtest error against extrapolation distance (``bt.by_distance``):
    each bin of distance (decades of the split quantity beyond the largest
    training run) is a horizontal segment at its error, labelled with the
    number of held-out runs in it; bins with fewer than 5 runs are drawn
    faint. The baseline "best observed loss" forecast is dashed."""
    from matplotlib.lines import Line2D
    ax = _axes(ax)
    table = bt.by_distance
    lo = as_column(table["decades_lo"], "decades_lo")
    hi = as_column(table["decades_hi"], "decades_hi")
    err = as_column(table[metric], metric)
    counts = np.asarray(table["n"], dtype=int)
    few = counts < _FEW_RUNS
    base = f"baseline_{metric}"
    has_base = base in table
    # One collection each for the law and the baseline, faint where few runs.
    alpha = np.where(few, 0.35, 1.0)
    colors = [(0.12, 0.47, 0.71, a) for a in alpha]
    ax.hlines(err, lo, hi, colors=colors, lw=2.5)
    if has_base:
        ax.hlines(as_column(table[base], base), lo, hi,
                  colors=[(0.5, 0.5, 0.5, a) for a in alpha], lw=1.5, linestyles="dashed")
    for i in range(len(counts)):
        ax.annotate(f"n={counts[i]}", xy=((lo[i] + hi[i]) / 2, err[i]), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7,
                    color="C0", alpha=float(alpha[i]))
    ax.set_xlabel(f"extrapolation distance (decades of {bt.split} beyond the largest "
                  "training run)")
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_title(f"backtest of {bt.law}: error against distance (every rolling fold)",
                 fontsize=9)
    handles = [Line2D([], [], color="C0", lw=2.5, label=f"{bt.law} law")]
    if has_base:
        handles.append(Line2D([], [], color="0.5", lw=1.5, ls="--",
                              label="baseline: best observed loss"))
    if few.any():
        handles.append(Line2D([], [], color="C0", lw=2.5, alpha=0.35,
                              label=f"bin with < {_FEW_RUNS} held-out runs"))
    ax.legend(handles=handles, fontsize=8, loc="upper left")
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
                       label=f"Huber δ = ±{result.delta:g}" if sign > 0 else None)
    ax.scatter(xs, r, s=12, color="C0", zorder=3, label="runs", edgecolor="none")
    ax.set_xscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel(axis_label(against, result.flop_convention))
    log_space = result.objective_name != "mse"
    ax.set_ylabel("residual log L̂ − log L" if log_space else "residual L̂ − L")
    ax.set_title(f"residuals of the {result.law.name} fit ({result.objective_name})",
                 fontsize=9)
    ax.legend(fontsize=8)
    return ax


# ---------------------------------------------------------------------------
# Downstream tasks
# ---------------------------------------------------------------------------

def _finals(chain, ladder):
    """The ladder's final checkpoints (the chain's own averaging)."""
    k = int(chain._c.options.final_average)
    return _downstream.final_checkpoints(ladder, k)


def task_step1(chain, ladder, *, ax=None, level: float = 0.9):
    """Step 1: each ladder run's task loss (its last checkpoints averaged)
    against tokens D, the fitted law per model size over D, and the target
    runs' actual value with the chain's forecast and interval."""
    ax = _axes(ax)
    fin = _finals(chain, ladder)
    y = chain.intermediate
    train, tgt = fin[~fin["target"]], fin[fin["target"]]
    d_hi = max(fin["D"].max(), train["D"].max()) * 1.5
    cmap = _plt().get_cmap("viridis")
    sizes = sorted(train["N"].unique())
    for i, n in enumerate(sizes):
        color = cmap(i / max(1, len(sizes) - 1) * 0.85)
        rows = train[train["N"] == n]
        ax.scatter(rows["D"], rows[y], color=color, s=28, zorder=3,
                   label=f"N = {n:.3g}")
        grid = _grid(rows["D"].min() * 0.7, d_hi)
        ax.plot(grid, chain.step1.predict(N=np.full(grid.size, n), D=grid), color=color,
                lw=1, alpha=0.8)
    if len(tgt):
        pred = chain.predict(N=tgt["N"].to_numpy(), D=tgt["D"].to_numpy(), level=level)
        for j, (_, r) in enumerate(tgt.iterrows()):
            lo, hi = pred.intermediate_lower[j], pred.intermediate_upper[j]
            err = None if not np.isfinite(lo) else [[pred.intermediate[j] - lo],
                                                     [hi - pred.intermediate[j]]]
            ax.errorbar([r["D"]], [pred.intermediate[j]], yerr=err, fmt="x", color="crimson",
                        capsize=3, zorder=4,
                        label="forecast" + (f" ({level:.0%})" if err else "") if j == 0 else None)
            ax.scatter([r["D"]], [r[y]], marker="*", s=90, color="black", zorder=5,
                       label="target (actual)" if j == 0 else None)
            ax.annotate(r["run"], (r["D"], r[y]), textcoords="offset points", xytext=(5, 5),
                        fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("tokens D")
    ax.set_ylabel(f"{y} (step 1)")
    ax.set_title(f"{chain.task}: step 1, {chain.step1.law.name}")
    ax.legend(fontsize=7)
    return ax


def task_step2(chain, ladder, *, ax=None):
    """Step 2: every checkpoint the link was fitted to (after the chain's
    skip and smoothing), the fitted link over the task loss, and the
    targets' actual (task loss, metric)."""
    ax = _axes(ax)
    o = chain._c.options
    used = _downstream.smooth(_downstream.skip_first(ladder, o.skip_fraction), o.smoothing,
                              metrics=[chain.intermediate, chain.metric])
    x, y = chain.intermediate, chain.metric
    train = used[~used["target"]]
    ax.scatter(train[x], train[y], s=6, alpha=0.35, c=np.log10(train["C"]), cmap="viridis",
               label="ladder checkpoints")
    lo = 0.0 if o.ideal_point else float(train[x].min()) * 0.8
    grid = np.linspace(lo, float(used[x].max()) * 1.05, 300)
    ax.plot(grid, chain.step2.predict(L=grid), color="crimson", lw=1.5,
            label=f"{chain.step2.law.name} fit")
    ax.axhline(chain.chance, color="gray", ls=":", lw=1, label="chance")
    fin = _finals(chain, ladder)
    tgt = fin[fin["target"]]
    if len(tgt):
        ax.scatter(tgt[x], tgt[y], marker="*", s=90, color="black", zorder=5,
                   label="targets (actual)")
    ax.set_xlabel(f"{x} (task loss)")
    ax.set_ylabel(y)
    ax.set_title(f"{chain.task}: step 2")
    ax.legend(fontsize=7)
    return ax


def task_forecast(chain, ladder, *, ax=None, level: float = 0.9,
                  tokens_per_param: Optional[float] = None, decades: float = 2.0):
    """The chained forecast against compute 6ND: the ladder runs' final
    metric, the forecast along a line of constant tokens per parameter
    (default: that of the largest target, else 20) out to ``decades``
    beyond the ladder with its ``level`` band, and the targets' actual
    values with their forecasts. Where the task cannot be forecast yet the
    band is the whole [chance, ceiling] and no line is drawn."""
    ax = _axes(ax)
    fin = _finals(chain, ladder)
    y = chain.metric
    train, tgt = fin[~fin["target"]], fin[fin["target"]]
    c6 = 6.0 * fin["N"] * fin["D"]
    if tokens_per_param is None:
        tokens_per_param = float((tgt["D"] / tgt["N"]).iloc[-1]) if len(tgt) else 20.0
    c_lo = float((6.0 * train["N"] * train["D"]).min())
    c_hi = max(float(c6.max()), float(6.0 * train["N"].max() * train["D"].max())
               * 10.0 ** decades)
    C = _grid(c_lo, c_hi, 120)
    N = np.sqrt(C / (6.0 * tokens_per_param))
    pred = chain.predict(N=N, D=tokens_per_param * N, level=level)
    ok = np.asarray(pred.forecast)
    ax.scatter(6.0 * train["N"] * train["D"], train[y], s=28, color="tab:blue", zorder=3,
               label="ladder runs")
    if ok.any():
        ax.plot(C[ok], pred.metric[ok], color="crimson", lw=1.5,
                label=f"chained forecast (D/N = {tokens_per_param:.3g})")
        lo, hi = pred.metric_lower[ok], pred.metric_upper[ok]
        if np.isfinite(lo).all():
            ax.fill_between(C[ok], lo, hi, color="crimson", alpha=0.18,
                            label=f"{level:.0%} interval ({pred.method})")
    if (~ok).any():
        ax.fill_between(C[~ok], pred.metric_lower[~ok], pred.metric_upper[~ok], color="gray",
                        alpha=0.15, label="cannot be forecast yet")
    ax.axhline(chain.chance, color="gray", ls=":", lw=1, label="chance")
    ax.axvline(6.0 * chain._c.max_ladder_ND, color="gray", ls="--", lw=0.8,
               label="largest ladder run")
    if len(tgt):
        tp = chain.predict(N=tgt["N"].to_numpy(), D=tgt["D"].to_numpy(), level=level)
        ct = 6.0 * tgt["N"].to_numpy() * tgt["D"].to_numpy()
        ax.scatter(ct, tgt[y], marker="*", s=90, color="black", zorder=5,
                   label="targets (actual)")
        okt = np.asarray(tp.forecast)
        if okt.any():
            err = np.vstack([tp.metric[okt] - tp.metric_lower[okt],
                             tp.metric_upper[okt] - tp.metric[okt]])
            ax.errorbar(ct[okt], tp.metric[okt],
                        yerr=err if np.isfinite(err).all() else None, fmt="x",
                        color="crimson", capsize=3, zorder=4, label="target forecasts")
    ax.set_xscale("log")
    ax.set_xlabel("compute 6ND (FLOPs)")
    ax.set_ylabel(y)
    kind = chain.kind or "unclassified"
    ax.set_title(f"{chain.task}: chained forecast ({kind})")
    ax.legend(fontsize=7)
    return ax


def metric_comparison(ladder, intermediate: str, metric: str, *, chance: Optional[float] = None,
                      average: int = 5, axes=None):
    """The same task under a continuous metric (``intermediate``, e.g. the
    task bits-per-byte) and under its accuracy (``metric``), against the
    runs' compute C, each run's last ``average`` checkpoints averaged — the
    contrast of Schaeffer, Miranda & Koyejo 2023 ("Are Emergent Abilities of
    Large Language Models a Mirage?"): the continuous metric falls smoothly
    with compute while the accuracy bends. Returns the two axes."""
    plt = _plt()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    fin = _downstream.final_checkpoints(ladder, average)
    train = fin[~fin["target"]]
    for ax, col, label in ((axes[0], intermediate, "continuous"), (axes[1], metric,
                                                                    "discrete")):
        ax.scatter(train["C"], train[col], s=28, color="tab:blue", label="ladder runs")
        tgt = fin[fin["target"]]
        if len(tgt):
            ax.scatter(tgt["C"], tgt[col], marker="*", s=90, color="black", label="targets")
        ax.set_xscale("log")
        ax.set_xlabel("compute C (FLOPs)")
        ax.set_ylabel(col)
        ax.set_title(f"{col} ({label})")
    if chance is not None:
        axes[1].axhline(chance, color="gray", ls=":", lw=1, label="chance")
    axes[1].legend(fontsize=7)
    return axes
