"""Adapters for model ladders: evaluation exports (CSV files or DataFrames)
and the tidy ladder frame, to and from the core's ``Ladder``. No numerics:
the core reads, averages, smooths and checks (``downstream/ladder.hpp``)."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from . import _core
from ._inputs import _listing, _pd, as_bool, as_column, as_float, as_str

# The tidy frame's own columns (the rest are metrics).
LADDER_COLUMNS = ("run", "N", "D", "C", "step", "target")


def export_table(item: Any, name: str) -> "_core.ExportTable":
    """One run's export: a CSV path (read by the core's CSV reader, errors
    name the file and line) or a DataFrame / dict of columns (errors name the
    0-based row). Text columns of a frame are not read."""
    if isinstance(item, (str, os.PathLike)):
        return _core.export_from_csv(os.fspath(item))
    pd = _pd()
    if pd is not None and isinstance(item, pd.DataFrame):
        cols = {str(c): item[c] for c in item.columns}
    elif isinstance(item, Mapping):
        cols = {str(k): v for k, v in item.items()}
    else:
        raise TypeError(f"export of run '{name}' must be a CSV path, a DataFrame or a dict of "
                        f"columns, got {type(item).__name__}")
    names, values = [], []
    for col, v in cols.items():
        arr = np.asarray(v)
        if arr.dtype.kind in "OUS":
            try:
                arr = as_column(v, col, col)
            except (TypeError, ValueError):
                continue  # a text column (e.g. a run label): not a metric
        names.append(col)
        values.append(np.asarray(arr, dtype=np.float64))
    return _core.export_from_columns(name, names, values)


def _metric_specs(metrics: Any) -> List["_core.MetricSpec"]:
    """metrics: {name: column | [columns] | {column: weight}}."""
    if not isinstance(metrics, Mapping) or not metrics:
        raise TypeError("metrics must be a non-empty dict {name: column, [columns] or "
                        "{column: weight}}, got " + repr(metrics))
    out = []
    for name, spec in metrics.items():
        m = _core.MetricSpec()
        m.name = as_str(name, "metrics key")
        if isinstance(spec, str):
            m.columns = [spec]
        elif isinstance(spec, Mapping):
            m.columns = [as_str(c, f"metrics['{name}'] column") for c in spec]
            m.weights = [as_float(w, f"metrics['{name}'][{c!r}]") for c, w in spec.items()]
        elif isinstance(spec, Sequence):
            m.columns = [as_str(c, f"metrics['{name}'] column") for c in spec]
        else:
            raise TypeError(f"metrics['{name}'] must be a column name, a list of columns or "
                            f"a dict {{column: weight}}, got {spec!r}")
        out.append(m)
    return out


def _records(runs: Any) -> List[Dict[str, Any]]:
    pd = _pd()
    if pd is not None and isinstance(runs, pd.DataFrame):
        return runs.to_dict("records")
    if isinstance(runs, Mapping):
        return [dict(run=k, **dict(v)) for k, v in runs.items()]
    if isinstance(runs, Sequence) and not isinstance(runs, str):
        return [dict(r) for r in runs]
    raise TypeError("runs must be a DataFrame, a list of dicts or a dict {run: {...}}, got "
                    f"{type(runs).__name__}")


def ladder_runs(runs: Any, exports: Any) -> List["_core.LadderRun"]:
    """The runs of a ladder: ``runs`` gives per run ``run`` (name), ``N``,
    optionally ``flops_per_token``, ``target`` and ``file``; ``exports`` is a
    folder holding the files, or a dict {run: path or DataFrame}."""
    out = []
    recs = _records(runs)
    for i, r in enumerate(recs):
        if "run" not in r:
            raise ValueError(f"runs row {i}: no 'run' (the run's name); keys: {_listing(r)}")
        name = str(r["run"])
        if "N" not in r:
            raise ValueError(f"run '{name}': no 'N' (parameters); keys: {_listing(r)}")
        lr = _core.LadderRun()
        lr.name = name
        lr.N = as_float(r["N"], f"run '{name}' N")
        fpt = r.get("flops_per_token")
        lr.flops_per_token = 0.0 if fpt is None or (isinstance(fpt, float) and np.isnan(fpt)) \
            else as_float(fpt, f"run '{name}' flops_per_token")
        lr.target = as_bool(bool(r.get("target", False)), f"run '{name}' target")
        if isinstance(exports, Mapping):
            if name not in exports:
                raise ValueError(f"run '{name}': no export in exports; exports for: "
                                 f"{_listing(exports)}")
            item = exports[name]
        else:
            file = r.get("file", name + ".csv")
            item = os.path.join(os.fspath(exports), str(file)) if exports is not None else file
        lr.table = export_table(item, name)
        out.append(lr)
    return out


def read(runs: Any, metrics: Any, exports: Any, *, tokens_column: str, step_column: str,
         batch_column: str, batch_size: Any, flop_convention: str,
         on_missing: str) -> "_core.Ladder":
    o = _core.LadderOptions()
    o.metrics = _metric_specs(metrics)
    o.tokens_column = as_str(tokens_column, "tokens_column")
    o.step_column = as_str(step_column, "step_column")
    o.batch_column = as_str(batch_column, "batch_column")
    o.batch_size = 0.0 if batch_size is None else as_float(batch_size, "batch_size")
    o.flop_convention = as_str(flop_convention, "flop_convention")
    o.on_missing = as_str(on_missing, "on_missing")
    return _core.read_ladder(ladder_runs(runs, exports), o)


def to_core(frame: Any) -> "_core.Ladder":
    """A tidy ladder frame (``run``, ``N``, ``D``, ``C``, ``step``,
    ``target`` and metric columns) as the core's Ladder."""
    pd = _pd()
    if pd is None or not isinstance(frame, pd.DataFrame):
        raise TypeError("a ladder must be a pandas DataFrame with columns run, N, D, C, step, "
                        f"target and metrics, got {type(frame).__name__}")
    repeated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if repeated:
        raise ValueError(f"the ladder frame has column(s) {_listing(repeated)} more than once; "
                         "each column needs its own name")
    missing = [c for c in LADDER_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the ladder frame lacks column(s) {_listing(missing)}; it needs "
                         f"{_listing(LADDER_COLUMNS)} and metric columns; columns: "
                         f"{_listing(frame.columns)}")
    names = [str(c) for c in frame.columns if c not in LADDER_COLUMNS]
    target = [bool(t) for t in frame["target"]]
    return _core.ladder_from_columns(
        [str(r) for r in frame["run"]], as_column(frame["N"], "N"), as_column(frame["D"], "D"),
        as_column(frame["C"], "C"), as_column(frame["step"], "step"), target, names,
        [as_column(frame[c], c) for c in names])


def to_frame(ladder: "_core.Ladder"):
    """The core's Ladder as the tidy pandas frame."""
    import pandas as pd
    df = pd.DataFrame(ladder.columns())
    df["target"] = df["target"].astype(bool)
    return df
