"""Input adapters: user inputs (pandas, dicts, lists, numpy of any dtype,
column names) -> the plain values the C++ core takes.

This is the bottom layer of the Python package (it imports only ``_core``):
conversion and type checks only. Value checks (NaN, <= 0, lengths, levels,
strategy and method names, replicate counts) happen in C++ and name the
offending option or row; their errors surface unchanged as
``scalefit.ScalefitError`` (a ValueError).

Tables
    ``Frame(data)`` -- column access over a pandas DataFrame, a dict of
    arrays or None; missing columns are errors that list the columns.
Columns
    ``as_column(values, name)`` -- a 1-D float64 array; a text cell is a
    TypeError naming the column and the row, and so is a boolean column
    (True is not the number 1 here). numpy masked arrays with masked
    entries are refused (ValueError naming the count and the first masked
    rows): drop or fill them first (``a.compressed()`` on every column, or
    ``df.dropna()``), so that rows of different columns never silently shift.
    ``column_arg(frame, value, role)`` -- ``value`` an array or the name of a
    column of the frame. ``law_inputs(...)`` -- a law's inputs, loss,
    weights and groups from keyword arguments, column names, a ``columns=``
    mapping and the frame's own columns, remembering which column each came
    from (``Inputs.columns``). ``group_codes(labels)`` -- labels of any
    hashable type -> integer codes (sorted order); ``labelled_codes`` also
    returns the label of each code.
Options
    ``as_int``, ``as_seed``, ``as_float``, ``as_bool``, ``as_str``,
    ``as_names``: a TypeError/ValueError naming the option instead of a
    pybind11 "incompatible function arguments". ``check_keys`` -- unknown
    keys of a mapping argument, listing the valid ones. ``param_values``,
    ``param_bounds`` -- per-parameter dicts. ``level_arg``, ``flop_model``,
    ``other_inputs``, ``budgets`` -- the arguments shared by the interval and
    allocation entry points. ``fit_options(law, ...)`` -- a
    ``_core.FitOptions``; ``set_fields(options, values, what)`` sets fields
    of any core options struct by name, converting each value to the field's
    own type; ``data_columns(columns)`` makes a core error about a role's
    column also name the user's column.
Results
    ``unwrap(obj)`` -- the ``_core.FitResult`` behind any result wrapper (the
    one place that knows how wrappers hold their core object).
"""
from __future__ import annotations

import sys
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _core



def _pd():
    """pandas when it is loaded, else None: an argument can only be a pandas
    object once pandas is imported, so ``import scalefit`` need not import it."""
    return sys.modules.get("pandas")

INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1       # C++ int
UINT64_MAX = 2 ** 64 - 1                          # std::uint64_t (seeds)
_MAX_LISTED = 5                                   # rows named in an error


def _is_number(v: Any) -> bool:
    return not isinstance(v, (bool, np.bool_)) and isinstance(
        v, (int, float, np.integer, np.floating))


def _listing(names: Iterable[Any]) -> str:
    names = [str(n) for n in names]
    return ", ".join(names) if names else "none"


def _rows(rows: Sequence[int]) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_LISTED])
    return shown + (", ..." if len(rows) > _MAX_LISTED else "")


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------

def _col(name: str, source: Optional[str]) -> str:
    """How an error names a column: the role, and the data column if different."""
    return f"column '{name}'" + (f" (data column '{source}')" if source and source != name
                                 else "")


def _is_default_index(index: Any) -> bool:
    pd = _pd()
    return pd is not None and isinstance(index, pd.RangeIndex) and index.start == 0 \
        and index.step == 1


def _where(row: int, index: Any) -> str:
    where = f"row {row} (0-based)"
    if index is not None and not _is_default_index(index):
        where += f", index label {index[row]!r}"
    return where


def _missing_cell(v: Any) -> bool:
    pd = _pd()
    return v is None or (pd is not None and v is pd.NA)


def _object_to_float(cells: np.ndarray, numeric_text: bool) -> Tuple[Optional[np.ndarray],
                                                                    Optional[int]]:
    """float64 values of an object array, or (None, row of the first cell
    that is not a number). Missing cells (None, pd.NA) become NaN; text is a
    number only when ``numeric_text`` and it parses."""
    out = np.empty(cells.size, dtype=np.float64)
    for i, v in enumerate(cells):
        if _missing_cell(v):
            out[i] = np.nan
        elif _is_number(v):
            out[i] = float(v)
        elif isinstance(v, (str, bytes)) and numeric_text:
            try:
                out[i] = float(v)
            except ValueError:
                return None, i
        else:
            return None, i
    return out, None


def _refuse_masked(arr: "np.ma.MaskedArray", name: str) -> None:
    mask = np.ma.getmaskarray(arr)
    if mask.any():
        rows = np.flatnonzero(mask.ravel())
        raise ValueError(
            f"column '{name}' is a masked array with {rows.size} masked value(s) "
            f"(rows {_rows(rows)}, 0-based); scalefit does not drop rows silently: "
            "remove those rows from every column (e.g. a.compressed() with one shared "
            "mask, or df.dropna()) or fill them")


# True and False are not counts, sizes or losses (True would be read as 1).
_BOOLEANS = ("{col} must be numeric; got booleans (dtype {dtype}), which are not numbers "
             "here: convert a mask to numbers on purpose (e.g. .astype(float))")


def as_column(values: Any, name: str, source: Optional[str] = None) -> np.ndarray:
    """A 1-D contiguous float64 copy of ``values`` (a column of a table, an
    array, a list or a scalar) for the role ``name`` (``source``: the data
    column it came from, for messages). A text cell is a TypeError naming
    the column and the row; a masked entry a ValueError (see the module
    docstring). NaN, infinities and missing values (None, pd.NA) pass
    through as NaN: the core rejects them naming the row."""
    col = _col(name, source)
    pd = _pd()
    if isinstance(values, np.ma.MaskedArray):
        _refuse_masked(values, name)
        values = np.ma.getdata(values)
    if pd is not None and isinstance(values, (pd.Series, pd.Index)):
        index = values.index if isinstance(values, pd.Series) else None
        dtype = values.dtype
        if dtype == object or pd.api.types.is_string_dtype(dtype) \
                or isinstance(dtype, pd.CategoricalDtype):
            cells = np.asarray(values.astype(object))
            # A pandas text column is refused even when its cells look
            # like numbers (convert with pd.to_numeric first).
            arr, bad = _object_to_float(cells, numeric_text=False)
            if arr is None or dtype != object:
                row = 0 if bad is None else bad
                cell = cells[row] if cells.size else ""
                raise TypeError(f"{col} has non-numeric dtype {dtype}: {_where(row, index)} "
                                f"holds {cell!r}, not a number (convert with pd.to_numeric)")
            values = arr
        elif pd.api.types.is_bool_dtype(dtype):
            raise TypeError(_BOOLEANS.format(col=col, dtype=dtype))
        else:
            try:
                values = values.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                raise TypeError(f"{col} has non-numeric dtype {dtype}") from None
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{col} must be numeric; got the text {values!r}")
    if np.isscalar(values):
        values = [values]
    if isinstance(values, (list, tuple)):
        # numpy turns [True, 1.5] into floats: find a boolean before it does.
        for i, v in enumerate(values):
            if isinstance(v, (bool, np.bool_)):
                raise TypeError(f"{col} must be numeric; {_where(i, None)} holds {v!r}, a "
                                "boolean, not a number")
    arr = np.asarray(values)
    if arr.dtype == object or arr.dtype.kind in "USV":
        converted, bad = _object_to_float(arr.ravel(), numeric_text=True)
        if converted is None:
            raise TypeError(f"{col} must be numeric; got dtype {arr.dtype}: "
                            f"{_where(bad, None)} holds {arr.ravel()[bad]!r}, not a number")
        arr = converted.reshape(arr.shape)
    if arr.dtype.kind == "b":
        raise TypeError(_BOOLEANS.format(col=col, dtype=arr.dtype))
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{col} must be numeric; got dtype {arr.dtype}")
    if arr.ndim != 1:
        shape = arr.shape
        arr = np.squeeze(arr)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim != 1:
            raise ValueError(f"{col} must be 1-dimensional, got shape {shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def as_labels(values: Any, name: str) -> np.ndarray:
    """A 1-D array of labels of any hashable type (masked entries refused)."""
    pd = _pd()
    if isinstance(values, np.ma.MaskedArray):
        _refuse_masked(values, name)
        values = np.ma.getdata(values)
    if pd is not None and isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        raise TypeError(f"{name} must be one label per row (an array or a column name), "
                        f"got {type(values).__name__}")
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    return arr


def group_codes(labels: Any, name: str = "groups") -> List[int]:
    """Integer codes 0..G-1 of ``labels`` in sorted label order (first
    appearance when labels of different types cannot be sorted); a missing
    label (None/NaN) is an error naming the row."""
    return labelled_codes(labels, name)[0]


def labelled_codes(labels: Any, name: str = "groups") -> Tuple[List[int], np.ndarray]:
    """``group_codes`` and the label of each code."""
    import pandas as pd

    arr = as_labels(labels, name)
    try:
        codes, uniques = pd.factorize(arr, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(arr, sort=False)
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise ValueError(f"{name}: row {int(missing[0])} (0-based) has no label (None/NaN)")
    return [int(c) for c in codes], np.asarray(uniques)


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

class Frame:
    """Column access over the ``data`` argument: a pandas DataFrame, a dict
    of arrays, or None (no columns)."""

    __slots__ = ("names", "index", "_cols")

    def __init__(self, data: Any = None):
        self.index = None
        pd = _pd()
        if data is None:
            self._cols: Mapping[str, Any] = {}
        elif isinstance(data, Frame):
            self.index, self._cols = data.index, data._cols
        elif isinstance(data, Mapping):
            self._cols = {str(k): v for k, v in data.items()}
        elif pd is not None and isinstance(data, pd.DataFrame):
            self._cols = {str(c): data[c] for c in data.columns}
            self.index = data.index
        elif isinstance(data, np.ndarray) and data.dtype.names:
            self._cols = {n: data[n] for n in data.dtype.names}
        else:
            raise TypeError("data must be a pandas DataFrame or a dict of arrays, got "
                            f"{type(data).__name__}")
        self.names = list(self._cols)

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    def __bool__(self) -> bool:
        return bool(self._cols)

    def raw(self, name: str) -> Any:
        """The column as given (for labels)."""
        return self._cols[name]

    def missing(self, column: str, role: str) -> ValueError:
        return ValueError(f"missing column '{column}' for {role}; the data columns are: "
                          f"{_listing(self.names)}")

    def column(self, column: str, role: str) -> np.ndarray:
        """Column ``column`` as float64 for ``role`` (a law input, "loss"...);
        errors name the role (and the data column when it differs)."""
        if column not in self._cols:
            raise self.missing(column, role)
        return as_column(self._cols[column], role, column)


def column_arg(frame: Frame, value: Any, role: str, *, default: Optional[str] = None,
               required: bool = True) -> Tuple[Optional[np.ndarray], Optional[str]]:
    """(values, column name) of an argument that is an array or the name of
    a column of ``frame``; None looks up ``default`` (when given and present).
    The column name is None for arrays."""
    if isinstance(value, str):
        return frame.column(value, role), value
    if value is not None:
        return as_column(value, role), None
    if default is not None and default in frame:
        return frame.column(default, role), default
    if required:
        cols = f" or a data column named '{default}'" if default else ""
        raise ValueError(f"missing {role}: pass {role}=... (an array or a column name){cols}; "
                         f"the data columns are: {_listing(frame.names)}")
    return None, None


class Inputs:
    """What ``law_inputs`` gathered: ``inputs`` (law input name -> float64
    array), ``loss``, ``weights``, ``groups`` (codes), ``extra`` (other
    roles asked for, e.g. "C"), ``columns`` (role -> the data column it came
    from) and ``index`` (the DataFrame's index, or that of Series given by
    keyword; None otherwise)."""

    __slots__ = ("inputs", "loss", "weights", "groups", "extra", "columns", "index")

    def __init__(self):
        self.inputs: Dict[str, np.ndarray] = {}
        self.loss: Optional[np.ndarray] = None
        self.weights: Optional[np.ndarray] = None
        self.groups: Optional[List[int]] = None
        self.extra: Dict[str, np.ndarray] = {}
        self.columns: Dict[str, str] = {}
        self.index = None


def check_keys(keys: Iterable[Any], valid: Sequence[str], what: str,
               context: str = "") -> None:
    """ValueError for the first key of ``keys`` not in ``valid`` (listing
    ``valid``); TypeError for a key that is not a string."""
    for k in keys:
        if not isinstance(k, str):
            raise TypeError(f"{what}: keys must be names (strings), got {k!r}")
        if k not in valid:
            raise ValueError(f"unknown {what} '{k}'{context}; valid: {_listing(valid)}")


def law_inputs(input_names: Sequence[str], data: Any, explicit: Mapping[str, Any], *,
               loss: Any = None, weights: Any = None, groups: Any = None,
               columns: Optional[Mapping[str, str]] = None, need_loss: bool = True,
               extra: Sequence[str] = (), remembered: Optional[Mapping[str, str]] = None,
               law_name: Optional[str] = None) -> Inputs:
    """Gather a law's inputs (and loss, weights, groups) for a core call.

    Each role (an input name, ``"loss"``, ``"weights"``, ``"groups"`` and the
    ``extra`` roles) is taken from, in order: its keyword argument (an array
    or a column name of ``data``), the ``columns`` mapping (role -> column),
    the ``remembered`` mapping of a fitted result, then a column of ``data``
    named like the role. ``columns`` keys must be roles; a keyword name that
    is not one is an error (both list what is valid).
    """
    frame = data if isinstance(data, Frame) else Frame(data)
    names = list(input_names)
    roles = names + ["loss", "weights", "groups"] + [e for e in extra if e not in names]
    of_law = f" of law '{law_name}'" if law_name else ""
    for key in explicit:
        if key not in names and key not in extra:
            raise ValueError(f"unknown input '{key}'; this law's inputs are: {_listing(names)}")
    if columns is not None:
        if not isinstance(columns, Mapping):
            raise TypeError("columns must be a dict role -> column name, e.g. "
                            "{'N': 'n_params', 'loss': 'train_loss'}")
        check_keys(columns, roles, "key", f" in columns={of_law}")
        for role, col in columns.items():
            if not isinstance(col, str):
                raise TypeError(f"columns['{role}'] must be a column name, got {col!r}")
            if col not in frame:
                raise frame.missing(col, role)
            if explicit.get(role) is not None:
                raise ValueError(f"{role} is given twice: as {role}=... and in columns=")
    columns = dict(columns or {})
    remembered = dict(remembered or {})
    out = Inputs()

    def pick(role: str, value: Any, required: bool) -> Optional[np.ndarray]:
        if value is not None:
            arr, col = column_arg(frame, value, role)
        elif role in columns:
            arr, col = frame.column(columns[role], role), columns[role]
        elif role in remembered and remembered[role] in frame:
            arr, col = frame.column(remembered[role], role), remembered[role]
        elif role in frame:
            arr, col = frame.column(role, role), role
        elif required:
            hint = ""
            if role in remembered and remembered[role] != role:
                hint = f" (this result was fitted to column '{remembered[role]}')"
            if role in names:
                msg = (f"missing input '{role}': pass {role}=... (an array or a column name) "
                       f"or a data column named '{role}'{hint}")
            else:
                msg = (f"missing {role}: pass {role}=... (an array or a column name) or a "
                       f"data column named '{role}'{hint}")
            if frame:
                msg += f"; the data columns are: {_listing(frame.names)}"
            raise ValueError(msg)
        else:
            return None
        if col is not None:
            out.columns[role] = col
        elif out.index is None and _pd() is not None and isinstance(value, _pd().Series):
            out.index = value.index
        return arr

    for name in names:
        out.inputs[name] = pick(name, explicit.get(name), True)
    out.loss = pick("loss", loss, True) if (need_loss or loss is not None) else None
    out.weights = pick("weights", weights, False) if (
        weights is not None or "weights" in columns) else None
    if groups is not None or "groups" in columns:
        if isinstance(groups, str):
            if groups not in frame:
                raise frame.missing(groups, "groups")
            labels = frame.raw(groups)
            out.columns["groups"] = groups
        elif groups is None:
            labels = frame.raw(columns["groups"])
            out.columns["groups"] = columns["groups"]
        else:
            labels = groups
        out.groups = group_codes(labels, "groups")
    for role in extra:
        if role in names:
            continue
        arr = pick(role, explicit.get(role), False)
        if arr is not None:
            out.extra[role] = arr
    if frame.index is not None:
        out.index = frame.index
    return out


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

def as_int(value: Any, name: str, lo: int = INT_MIN, hi: int = INT_MAX) -> int:
    """An integer option in [lo, hi] (by default the range of a C++ int);
    TypeError/ValueError naming it. Semantic limits (>= 0, >= 2) are the
    core's."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name} = {v} is out of range: it must be in [{lo}, {hi}]")
    return v


def as_seed(value: Any, name: str = "seed") -> int:
    """A seed: an integer in [0, 2**64 - 1]."""
    return as_int(value, name, 0, UINT64_MAX)


def as_float(value: Any, name: str) -> float:
    """A numeric option; TypeError naming it otherwise (ValueError for an
    integer too large for a double, e.g. 10**400)."""
    if not _is_number(value):
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} = {value} is too large for a double (at most about "
                         "1.8e308)") from None


def as_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_str(value: Any, name: str) -> str:
    """A string option that the core can take: text that encodes as UTF-8
    (a lone surrogate such as '\\ud800' does not)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid text: {value[exc.start]!r} at position "
                         f"{exc.start} (0-based) is a lone surrogate, not a character"
                         ) from None
    return value


def as_path(value: Any, name: str = "path") -> str:
    """A file path (str or os.PathLike) as text; NUL bytes are refused by the
    core, naming the position."""
    import os
    try:
        value = os.fspath(value)
    except TypeError:
        raise TypeError(f"{name} must be a path (str or os.PathLike), got "
                        f"{type(value).__name__}") from None
    if isinstance(value, bytes):
        raise TypeError(f"{name} must be a str path, got bytes")
    return as_str(value, name)


def as_names(value: Any, name: str) -> List[str]:
    """A list of names; a single string is a list of one."""
    if value is None:
        return []
    if isinstance(value, str):
        return [as_str(value, name)]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{name} must be a name or a list of names, got {value!r}") from None
    for v in items:
        if not isinstance(v, str):
            raise TypeError(f"{name} must be names (strings), got {v!r}")
        as_str(v, name)
    return items


def as_mapping(value: Any, name: str, example: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict, e.g. {example}; got {value!r}")
    return value


def _param_context(law) -> str:
    return f" for law '{law.name}'; its parameters are: {_listing(law.param_names)}"


def check_params(keys: Iterable[Any], law, what: str) -> None:
    """Unknown parameter names in ``what`` (init, bounds...) of ``law``."""
    valid = list(law.param_names)
    for k in keys:
        if not isinstance(k, str):
            raise TypeError(f"{what}: parameter names must be strings, got {k!r}")
        if k not in valid:
            raise ValueError(f"unknown parameter '{k}' in {what}{_param_context(law)}")


def as_values(value: Any, what: str) -> Dict[str, float]:
    """{name: number}."""
    m = as_mapping(value, what, "{'alpha': 0.3}")
    return {str(k): as_float(v, f"{what}['{k}']") for k, v in m.items()}


def as_pairs(value: Any, what: str, lo_default: float = -np.inf,
             hi_default: float = np.inf) -> Dict[str, Tuple[float, float]]:
    """{name: (low, high)}; None on a side takes the default."""
    m = as_mapping(value, what, "{'alpha': (0.0, 1.0)}")
    out = {}
    for k, v in m.items():
        if isinstance(v, (str, bytes)) or not hasattr(v, "__len__") or len(v) != 2:
            raise TypeError(f"{what}['{k}'] must be a pair (low, high) (None = open), "
                            f"got {v!r}")
        lo, hi = v
        out[str(k)] = (lo_default if lo is None else as_float(lo, f"{what}['{k}'] low"),
                       hi_default if hi is None else as_float(hi, f"{what}['{k}'] high"))
    return out


def param_values(value: Any, law, what: str) -> Dict[str, float]:
    """{parameter of ``law``: number} (``init``, ``params``)."""
    check_params(as_mapping(value, what, "{'alpha': 0.3}"), law, what)
    return as_values(value, what)


def param_bounds(value: Any, law, what: str = "bounds") -> Dict[str, Tuple[float, float]]:
    """{parameter of ``law``: (low, high)}; None means unbounded on that side."""
    check_params(as_mapping(value, what, "{'alpha': (0.0, 1.0)}"), law, what)
    return as_pairs(value, what)


def level_arg(level: Any) -> float:
    """A confidence level (its range, 0 < level < 1, is checked in C++)."""
    if not _is_number(level):
        raise TypeError(f"level must be a number in (0, 1), e.g. 0.95; got {level!r}")
    return float(level)


def architecture_arg(value: Any) -> Optional["_core.flops.Architecture"]:
    """None or a ``scalefit.flops.Architecture``."""
    if value is None or isinstance(value, _core.flops.Architecture):
        return value
    raise TypeError("architecture must be a scalefit.flops.Architecture (or None), got "
                    f"{type(value).__name__}")


def flop_model(k: Any = None, convention: Any = None,
               architecture: Any = None) -> "_core.FlopModel":
    """The FLOP model of an allocation call: the fit's own convention when
    nothing is given; ``convention`` (a name, with ``architecture`` where it
    needs one); ``k`` FLOPs per parameter per token (C = k·N·D); or a
    ``_core.FlopModel``."""
    if isinstance(k, _core.FlopModel):
        return k
    if convention is not None:
        if k is not None:
            raise ValueError("give convention= or k=, not both")
        return _core.FlopModel.from_convention(as_str(convention, "convention"),
                                               architecture_arg(architecture))
    if architecture is not None:
        raise ValueError("architecture= needs convention= ('kaplan' or 'hoffmann_detailed')")
    if k is None:
        return _core.FlopModel.of_fit()
    if not _is_number(k):
        raise TypeError(
            f"k must be a number (FLOPs per parameter per token), got {type(k).__name__}")
    return _core.FlopModel.six_nd(float(k))


def units_arg(value: Any, law) -> Dict[str, float]:
    """{column: factor} from ``units=``: numbers or "K", "M", "B", "T",
    "PF-day" (parsed in C++); the keys are the law's inputs or "C"."""
    if value is None:
        return {}
    m = as_mapping(value, "units", "{'N': 1e6, 'D': 'B'}")
    check_keys(m, list(law.input_names) + ["C"], "column", " in units=")
    out = {}
    for name, v in m.items():
        if isinstance(v, str):
            out[name] = float(_core.parse_unit(name, v))
        else:
            out[name] = as_float(v, f"units['{name}']")
    return out


def other_inputs(value: Any) -> Optional[Dict[str, float]]:
    """Values of law inputs other than N and D (allocation)."""
    if value is None:
        return None
    m = as_mapping(value, "other_inputs", "{'U': 1e11}")
    return {str(n): as_float(v, f"other_inputs['{n}']") for n, v in m.items()}


def budgets(value: Any) -> List[float]:
    """FLOP budgets for derived intervals (none by default)."""
    if value is None:
        return []
    return [float(c) for c in as_column(value, "budgets")]


def set_fields(options: Any, values: Any, what: str) -> None:
    """Set fields of a core options struct by name, each value converted to
    the type of the field's default (so a float for an integer field is a
    TypeError naming it, not a pybind11 conversion error)."""
    m = as_mapping(values, what, "{'max_iterations': 200}")
    valid = sorted(n for n in dir(options) if not n.startswith("_")
                   and not callable(getattr(options, n)))
    for key, value in m.items():
        if not isinstance(key, str) or key not in valid:
            raise ValueError(f"unknown {what} option '{key}'; valid: {_listing(valid)}")
        current = getattr(options, key)
        label = f"{what} option '{key}'"
        if isinstance(current, bool):
            value = as_bool(value, label)
        elif isinstance(current, int):
            value = as_int(value, label)
        elif isinstance(current, float):
            value = as_float(value, label)
        elif isinstance(current, str):
            value = as_str(value, label)
        try:
            setattr(options, key, value)
        except TypeError:
            raise TypeError(f"{label} cannot be {value!r} (it is a "
                            f"{type(current).__name__})") from None


def _grid(value: Any, law, o) -> None:
    if value is None:
        o.start = "auto"
    elif isinstance(value, str):
        o.start = value  # the core validates the strategy name
    elif isinstance(value, Mapping):
        check_params(value, law, "grid")
        o.start = "grid"
        o.grid = {k: [float(x) for x in as_column(v, f"grid['{k}']")]
                  for k, v in value.items()}
    else:
        raise TypeError("grid must be None, a start strategy name or a dict of value lists, "
                        f"got {type(value).__name__}")


def _ties(value: Any, law) -> List[Tuple[str, str]]:
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    out = []
    for pair in pairs:
        try:
            f, l = pair
        except (TypeError, ValueError):
            raise TypeError(f"tie must be a dict follower -> leader or (follower, leader) "
                            f"pairs, got {pair!r}") from None
        if not isinstance(f, str) or not isinstance(l, str):
            raise TypeError(
                f"tie {f!r} -> {l!r}: a tie links two parameters of the law being fitted "
                f"('{law.name}'), by name; ties between parameters of different laws are "
                "not supported")
        check_params([f, l], law, "tie")
        out.append((f, l))
    return out


def fit_options(law, *, objective: Any = "huber_log", delta: Any = 1e-3, init: Any = None,
                bounds: Any = None, fixed: Any = None, tie: Any = None, grid: Any = None,
                threads: Any = None, flop_convention: Any = "6ND",
                architecture: Any = None, solver: Any = None,
                profile_check: Any = False) -> "_core.FitOptions":
    """A ``_core.FitOptions`` from ``scalefit.fit``'s keyword arguments,
    validated by the core (``FitOptions::IsValid``)."""
    o = _core.FitOptions()
    o.objective = as_str(objective, "objective")  # the core parses the name
    o.delta = as_float(delta, "delta")
    if init is not None:
        o.init = param_values(init, law, "init")
    if bounds is not None:
        o.bounds = param_bounds(bounds, law, "bounds")
    if fixed is not None:
        names = as_names(fixed, "fixed")
        check_params(names, law, "fixed")
        o.fixed = names
    if tie is not None:
        o.ties = _ties(tie, law)
    _grid(grid, law, o)
    if threads is not None:
        o.num_threads = as_int(threads, "threads")
    o.flop_convention = as_str(flop_convention, "flop_convention")
    o.architecture = architecture_arg(architecture)
    o.profile_check = as_bool(profile_check, "profile_check")
    if solver is not None:
        set_fields(o, solver, "solver")
    return o  # the core validates the rest (FitOptions::IsValid) when it runs


class data_columns:
    """Context manager: a core error naming a role's column (``column 'N'``,
    ``input 'N'``) also names the data column it was read from."""

    def __init__(self, columns: Mapping[str, str]):
        self.columns = {r: c for r, c in columns.items() if r != c}

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if not self.columns or not isinstance(exc, _core.ScalefitError):
            return False
        msg = str(exc)
        for role, col in self.columns.items():
            for word in ("column", "input"):
                named = f"{word} '{role}'"
                if named in msg:
                    msg = msg.replace(named, f"{named} (data column '{col}')", 1)
                    break
        if msg != str(exc):
            raise _core.ScalefitError(msg) from None
        return False


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

def unwrap(obj: Any, what: str = "result") -> "_core.FitResult":
    """The core fit behind ``obj``: a ``_core.FitResult``, a result wrapper
    holding one (``scalefit.FitResult``), or a bootstrap (its full-data fit)."""
    core = getattr(obj, "_c", obj)
    if isinstance(core, _core.BootstrapResult):
        core = core.fit
    if isinstance(core, _core.FitResult):
        return core
    raise TypeError(
        f"{what} must be a scalefit.FitResult (from scalefit.fit, scalefit.from_params or "
        f"scalefit.load) or a scalefit.BootstrapResult, got {type(obj).__name__}")


def frame(cols: Mapping[str, Any]):
    """A pandas DataFrame of named columns."""
    import pandas as pd
    return pd.DataFrame({k: np.asarray(v) for k, v in cols.items()})
