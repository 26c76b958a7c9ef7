"""Fit cards: load results saved with ``FitResult.save`` (or by the C++
``scalefit::SaveFitCard``). The format is documented in docs/fit_cards.md;
reading, writing, the digest and validation are done in C++ (src/fit_card/)."""
from __future__ import annotations

import os
from typing import Any, Optional, Union

from . import _core
from ._inputs import as_bool, as_int, as_path, as_str
from .results import FitResult

PathLike = Union[str, "os.PathLike[str]"]

#: The fit-card format version this build writes.
FORMAT_VERSION: int = _core.fit_card_format_version


def _read_options(verify: Any, law: Any, max_bytes: Any,
                  max_depth: Any) -> "_core.FitCardLoadOptions":
    o = _core.FitCardLoadOptions()
    o.verify = as_bool(verify, "verify")
    if law is not None:
        from ._user_laws import make_law
        o.law = make_law(law)
    if max_bytes is not None:
        o.max_bytes = as_int(max_bytes, "max_bytes", 1, 2**63 - 1)
    if max_depth is not None:
        o.max_depth = as_int(max_depth, "max_depth", 1)
    return o


def load(path: PathLike, *, verify: bool = True, law: Any = None,
         max_bytes: Optional[int] = None, max_depth: Optional[int] = None) -> FitResult:
    """Read a fit card: the fit it was saved from, with its convergence,
    certification, diagnostics, options, FLOP convention, units and (if
    saved) data, so every analysis refuses or warns as for the original.
    Raises ``ScalefitError`` (a ValueError) naming the file and the
    offending field.

    The card must match its digest: a card edited after it was written is
    refused naming the first field that differs; a card with data is also
    re-checked (its objective and certification are recomputed).
    ``verify=False`` reads only the law, parameters, FLOP convention and
    units, as given parameters (like :func:`scalefit.from_params`: no
    convergence, diagnostics or uncertainty claims); the parameters must lie
    in the law's domain.

    law : the law to restore the card with — needed for a card of a law
        defined by a Python callable (a card cannot carry code):
        ``load(path, law=scalefit.law(f, params=[...], inputs=[...]))``.
    max_bytes, max_depth : the card's size (default 64 MiB, checked before
        reading) and JSON nesting (default 32) limits."""
    return FitResult(_core.load_fit_card(
        as_path(path), _read_options(verify, law, max_bytes, max_depth)))


def loads(text: str, *, source: str = "<string>", verify: bool = True, law: Any = None,
          max_bytes: Optional[int] = None, max_depth: Optional[int] = None) -> FitResult:
    """Parse a fit card from a JSON string (as :func:`load`); errors name
    ``source`` (e.g. the file or ``<stdin>`` the text came from)."""
    if not isinstance(text, str):
        raise TypeError(f"loads takes a str, got {type(text).__name__}")
    return FitResult(_core.fit_card_from_string(
        as_str(text, "text"), as_str(source, "source"),
        _read_options(verify, law, max_bytes, max_depth)))
