"""Input adapter for the law argument: law objects from names, formula
strings and Python callables.

No numerics here: formulas are parsed and differentiated in C++
(scalefit/formula.hpp); callables are differentiated by central differences
in C++ (scalefit/runtime_law.hpp). This module only adapts arguments.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple

from . import _core
from ._inputs import as_int, as_names, as_pairs, as_str, as_values

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(:[0-9]+)?$")


def is_formula(text: str) -> bool:
    """True when `text` is a formula rather than a law name."""
    return not _NAME.match(text.strip())


def make_law(spec: Any, breaks: Optional[int] = None, *, params: Optional[Sequence[str]] = None,
             inputs: Optional[Sequence[str]] = None, positive: Optional[Sequence[str]] = None,
             linear: Optional[Sequence[str]] = None, bounds: Optional[Mapping] = None,
             start: Optional[Mapping] = None, init: Optional[Mapping[str, float]] = None,
             name: Optional[str] = None, formula: Optional[str] = None,
             max_length: Optional[int] = None, max_depth: Optional[int] = None) -> "_core.Law":
    """See scalefit.law."""
    limits = {}
    if max_length is not None:
        limits["max_length"] = as_int(max_length, "max_length")
    if max_depth is not None:
        limits["max_depth"] = as_int(max_depth, "max_depth")
    if limits and not (isinstance(spec, str) and is_formula(spec)):
        raise TypeError("max_length= and max_depth= apply to formula strings")
    custom = any(v is not None for v in (params, inputs, positive, linear, bounds, start,
                                         init, name, formula))
    if isinstance(spec, _core.Law):
        if breaks is not None or custom:
            raise TypeError("a law object takes no further arguments")
        return spec
    if breaks is not None:
        breaks = as_int(breaks, "breaks")
        if spec != "broken_power_law":
            raise ValueError(f"breaks= applies to 'broken_power_law' only, not '{spec}'")
        if custom:
            raise TypeError("a built-in law takes no parameter declarations")
        return _core.get_law(f"broken_power_law:{breaks}")
    common = dict(positive=as_names(positive, "positive"), linear=as_names(linear, "linear"),
                  bounds={} if bounds is None else as_pairs(bounds, "bounds"),
                  start={} if start is None else as_pairs(start, "start", float("nan"),
                                                          float("nan")),
                  init={} if init is None else as_values(init, "init"))
    if isinstance(spec, str):
        spec = as_str(spec, "law")
        if not is_formula(spec):
            if custom:
                raise TypeError(f"'{spec}' is a law name; parameter declarations apply to "
                                "formula strings and callables")
            return _core.get_law(spec)
        if formula is not None:
            raise TypeError("formula= applies to callables (the formula string is the law)")
        return _core.formula_law(spec, name or "formula", as_names(params, "params"),
                                 as_names(inputs, "inputs"), **common, **limits)
    if callable(spec):
        p, x = as_names(params, "params"), as_names(inputs, "inputs")
        if not p or not x:
            raise ValueError("a callable law needs params=[...] and inputs=[...] (names in order)")
        return _core.callable_law(spec, name or getattr(spec, "__name__", "callable"), p, x,
                                  formula=formula or "", **common)
    raise TypeError("law must be a name, a formula string, a callable or a scalefit law, got "
                    f"{type(spec).__name__}")


def formula_for_data(text: str, columns: Iterable[str], loss_column: str = "loss") -> "_core.Law":
    """A formula law whose inputs are the formula's names found in `columns`
    (data columns and keyword inputs); the other names are parameters."""
    names = list(_core.formula_names(as_str(text, "law")))
    cols = set(columns) - {loss_column}
    inputs = [n for n in names if n in cols]
    if not inputs:
        raise ValueError(
            f"cannot tell the inputs of formula '{text}': none of its names ({', '.join(names)}) "
            "is a data column or keyword input; use scalefit.law(formula, inputs=[...])")
    return _core.formula_law(text, "formula", [], inputs)
