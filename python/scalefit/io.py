"""Fit cards: load results saved with ``FitResult.save`` (or by the C++
``scalefit::SaveFitCard``). The format is documented in docs/fit_cards.md;
reading, writing, the digest and validation are done in C++ (src/fit_card/)."""
from __future__ import annotations

import os
from typing import Union

from . import _core
from ._inputs import as_bool, as_str
from .results import FitResult

PathLike = Union[str, "os.PathLike[str]"]

#: The fit-card format version this build writes.
FORMAT_VERSION: int = _core.fit_card_format_version


def load(path: PathLike, *, verify: bool = True) -> FitResult:
    """Read a fit card: the fit it was saved from, with its convergence,
    certification, diagnostics, options, FLOP convention, units and (if
    saved) data, so every analysis refuses or warns as for the original.

    The card must match its digest: a card edited after it was written is
    refused with a ``ScalefitError`` (a ValueError) naming the first field
    that differs; a card with data is also re-checked (its objective and
    certification are recomputed). ``verify=False`` reads only the law,
    parameters, FLOP convention and units, as given parameters (like
    :func:`scalefit.from_params`: no convergence, diagnostics or uncertainty
    claims); the parameters must lie in the law's domain."""
    return FitResult(_core.load_fit_card(os.fspath(path), as_bool(verify, "verify")))


def loads(text: str, *, source: str = "<string>", verify: bool = True) -> FitResult:
    """Parse a fit card from a JSON string (as :func:`load`); errors name
    ``source`` (e.g. the file or ``<stdin>`` the text came from)."""
    if not isinstance(text, str):
        raise TypeError(f"loads takes a str, got {type(text).__name__}")
    return FitResult(_core.fit_card_from_string(text, as_str(source, "source"),
                                                as_bool(verify, "verify")))
