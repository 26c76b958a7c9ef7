"""Result objects: values with a one-line repr and a full report. Formatting
of numbers is done in C++ (one formatter for every result type)."""
from __future__ import annotations

from typing import Any, Dict

import numpy as np

from . import _core
from ._inputs import gather


class FitResult:
    """A fitted (or given) scaling law.

    Attributes: ``params`` (dict name -> float, full precision), ``converged``,
    ``message``, ``objective``, ``law``; methods ``predict``, ``report``.
    """

    __slots__ = ("_r",)

    def __init__(self, core_result: "_core.FitResult"):
        self._r = core_result

    # --- values -----------------------------------------------------------
    @property
    def law(self):
        return self._r.law

    @property
    def params(self) -> Dict[str, float]:
        return dict(self._r.params)

    @property
    def converged(self) -> bool:
        return bool(self._r.converged)

    @property
    def message(self) -> str:
        return self._r.message

    @property
    def objective(self) -> float:
        return float(self._r.objective)

    @property
    def objective_name(self) -> str:
        return self._r.objective_name

    @property
    def delta(self) -> float:
        return float(self._r.delta)

    @property
    def iterations(self) -> int:
        return int(self._r.iterations)

    @property
    def num_starts(self) -> int:
        return int(self._r.num_starts)

    @property
    def num_best_basin(self) -> int:
        return int(self._r.num_best_basin)

    @property
    def num_points(self) -> int:
        return int(self._r.num_points)

    @property
    def has_data(self) -> bool:
        return bool(self._r.has_data)

    @property
    def bounds(self) -> Dict[str, tuple]:
        return {p.name: (p.lower, p.upper) for p in self._r.param_values}

    @property
    def flop_convention(self) -> str:
        return self._r.options.flop_convention

    # --- use ----------------------------------------------------------------
    def predict(self, data: Any = None, **inputs: Any) -> np.ndarray:
        """Predicted loss at the law's inputs (``N=``, ``D=``... or a table)."""
        inp, _ = gather(self.law.input_names, data, inputs, None, need_loss=False)
        return np.asarray(self._r.predict(inp))

    def report(self) -> str:
        """The full text report."""
        return self._r.full_report()

    def __repr__(self) -> str:
        return self._r.brief_report()

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(self.report()) + "</pre>"
