"""``scalefit.ScalefitWarning`` and the few places that raise it: the
warnings a result or table carries (computed in C++) surfaced as Python
``warnings``, so that notebooks and scripts see them without reading the
report."""
from __future__ import annotations

import warnings
from typing import Any, Iterable

from ._log import ScalefitWarning


def warn_diagnostics(result: Any, codes: Iterable[str], stacklevel: int = 3) -> None:
    """One ScalefitWarning per diagnostics warning of ``result`` whose code
    is in ``codes``."""
    wanted = set(codes)
    diag = getattr(result, "diagnostics", None)
    for w in getattr(diag, "warnings", ()) or ():
        if w.code in wanted:
            warnings.warn(w.message, ScalefitWarning, stacklevel=stacklevel)


def warn_table(table: Any, stacklevel: int = 3) -> None:
    """The extrapolation and not-converged lines of a core table's
    ``warning`` as ScalefitWarnings (the unidentified note is opted into)."""
    warn_text(str(getattr(table, "warning", "") or ""), stacklevel + 1)


def warn_text(text: str, stacklevel: int = 3) -> None:
    """The extrapolation and not-converged lines of a warning text (as the
    core's tables carry it) as ScalefitWarnings."""
    for line in text.splitlines():
        if line.startswith("WARNING: extrapolation") or "did not converge" in line:
            warnings.warn(line[len("WARNING: "):] if line.startswith("WARNING: ") else line,
                          ScalefitWarning, stacklevel=stacklevel)
