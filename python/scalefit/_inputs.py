"""Adapting user inputs (pandas, dicts, lists, numpy of any dtype) to the
float64 columns the C++ core takes. No numerics here: only conversion and
type checks; value checks (NaN, <= 0, lengths) happen in C++ and name the
offending row."""
from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np


def as_column(values: Any, name: str) -> np.ndarray:
    """A 1-D contiguous float64 copy of `values`; TypeError for non-numbers."""
    try:
        import pandas as pd  # optional

        if isinstance(values, (pd.Series, pd.Index)):
            if values.dtype == object or str(values.dtype) in ("str", "string", "category"):
                raise TypeError(
                    f"column '{name}' has non-numeric dtype {values.dtype}")
            values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    except ImportError:  # pragma: no cover
        pass
    if np.isscalar(values) and not isinstance(values, (str, bytes)):
        values = [values]
    arr = np.asarray(values)
    if arr.dtype == object or arr.dtype.kind in "USV":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"column '{name}' must be numeric; got dtype {arr.dtype}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"column '{name}' must be numeric; got dtype {arr.dtype}")
    if arr.ndim != 1:
        arr = np.squeeze(arr)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim != 1:
            raise ValueError(f"column '{name}' must be 1-dimensional, got shape {np.shape(values)}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def table_columns(data: Any) -> Mapping[str, Any]:
    """Column access for a pandas DataFrame, a dict of arrays or None."""
    if data is None:
        return {}
    if isinstance(data, Mapping):
        return data
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):
        return {str(c): data[c] for c in data.columns}
    raise TypeError(
        f"data must be a pandas DataFrame or a dict of arrays, got {type(data).__name__}")


def gather(input_names, data: Any, explicit: Mapping[str, Any],
           loss: Any, columns: Optional[Mapping[str, str]] = None,
           need_loss: bool = True):
    """Collect the law's inputs and the loss from `data` and keyword arrays.

    `columns` maps a law input name (or "loss") to a column name in `data`.
    Keyword arrays win over data columns.
    """
    table = table_columns(data)
    columns = dict(columns or {})
    for key in explicit:
        if key not in input_names:
            raise ValueError(
                f"unknown input '{key}'; this law's inputs are: {', '.join(input_names)}")
    inputs = {}
    for name in input_names:
        if explicit.get(name) is not None:
            inputs[name] = as_column(explicit[name], name)
            continue
        col = columns.get(name, name)
        if col in table:
            inputs[name] = as_column(table[col], name)
        else:
            raise ValueError(
                f"missing input '{name}': pass {name}=... or a data column named '{col}'")
    loss_arr = None
    if loss is not None and not isinstance(loss, str):
        loss_arr = as_column(loss, "loss")
    elif need_loss:
        col = loss if isinstance(loss, str) else columns.get("loss", "loss")
        if col not in table:
            raise ValueError(f"missing loss: pass loss=... or a data column named '{col}'")
        loss_arr = as_column(table[col], "loss")
    return inputs, loss_arr


def frame(cols):
    """A pandas DataFrame of named columns (a dict of arrays without pandas)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return {k: np.asarray(v) for k, v in cols.items()}
    return pd.DataFrame({k: np.asarray(v) for k, v in cols.items()})


def check_int(value, name: str, minimum: int) -> int:
    """An integer option >= minimum; TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}")
    return int(value)


def check_float(value, name: str) -> float:
    """A numeric option; TypeError naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number")
    return float(value)
