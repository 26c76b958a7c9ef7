"""Fit cards: load results saved with ``FitResult.save`` (or by the C++
``scalefit::SaveFitCard``). The format is documented in docs/fit_cards.md;
reading, writing and validation are done in C++ (src/fit_card.cpp)."""
from __future__ import annotations

import os
from typing import Union

from . import _core
from ._inputs import as_str
from .results import FitResult

PathLike = Union[str, "os.PathLike[str]"]

#: The fit-card format version this build writes.
FORMAT_VERSION: int = _core.fit_card_format_version


def load(path: PathLike) -> FitResult:
    """Read a fit card. The result predicts and drives allocation like the
    original; it has data (for bootstrap, backtests) only if the card was
    saved with ``include_data=True``. Raises ``ScalefitError`` (a
    ValueError) naming the file and the offending field."""
    return FitResult(_core.load_fit_card(os.fspath(path)))


def loads(text: str, *, source: str = "<string>") -> FitResult:
    """Parse a fit card from a JSON string; errors name ``source`` (e.g. the
    file or ``<stdin>`` the text came from)."""
    if not isinstance(text, str):
        raise TypeError(f"loads takes a str, got {type(text).__name__}")
    return FitResult(_core.fit_card_from_string(text, as_str(source, "source")))
