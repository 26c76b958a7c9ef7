"""Logging and warnings the Python way.

- The C++ core's log records go to the ``logging`` logger ``"scalefit"``
  (``logging.getLogger("scalefit")``): filter, format or silence them as
  any Python log. Without a configured handler, Python prints records of
  level WARNING and above on stderr (its last-resort handler).
- Conditions a user should act on — a fit that did not converge, duplicate
  rows, bootstrap replicates that failed, a rank-deficient covariance — are
  :class:`ScalefitWarning` warnings (``warnings`` module), pointed at the
  caller's line; ``warnings.simplefilter("error", scalefit.ScalefitWarning)``
  turns them into exceptions.
- ``set_log_level`` / ``get_log_level`` set and read the level of the
  ``"scalefit"`` logger by name: trace, debug, info, warning (or warn),
  error, critical, off — ``set_log_level(get_log_level())`` always works.
"""
from __future__ import annotations

import atexit
import logging
import os
import sys
import warnings

from . import _core

__all__ = ["ScalefitWarning", "get_log_level", "set_log_level", "logger"]


class ScalefitWarning(UserWarning):
    """A result scalefit computed but cannot vouch for, or input it accepted
    but suspects (the message says which and what to do)."""


logger = logging.getLogger("scalefit")

TRACE = 5
OFF = logging.CRITICAL + 10
_LEVELS = {"trace": TRACE, "debug": logging.DEBUG, "info": logging.INFO,
           "warning": logging.WARNING, "warn": logging.WARNING, "error": logging.ERROR,
           "critical": logging.CRITICAL, "off": OFF}
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def set_log_level(level: str) -> None:
    """Level of the ``"scalefit"`` logger (C++ and Python records alike):
    ``"trace"``, ``"debug"``, ``"info"``, ``"warning"`` (``"warn"``),
    ``"error"``, ``"critical"`` or ``"off"`` (any case)."""
    if not isinstance(level, str):
        raise TypeError(f"level must be a name (a string), got {level!r}")
    key = level.strip().lower()
    if key not in _LEVELS:
        raise ValueError(f"unknown log level '{level}'; valid: trace, debug, info, warning, "
                         "warn, error, critical, off")
    logger.setLevel(_LEVELS[key])
    # The core produces records down to this level (debug at least, so that
    # a level set on the logger directly also sees the core's debug lines).
    _core.set_log_level("trace" if key == "trace" else "debug")


def get_log_level() -> str:
    """The effective level of the ``"scalefit"`` logger, as a name that
    ``set_log_level`` accepts."""
    value = logger.getEffectiveLevel()
    for name in ("trace", "debug", "info", "warning", "error", "critical"):
        if value <= _LEVELS[name]:
            return name
    return "off"


def _user_stacklevel() -> int:
    """The stacklevel of warnings.warn that points at the first frame
    outside the scalefit package (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _on_record(level: int, message: str) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, message)


def _on_warning(message: str) -> None:
    warnings.warn(message, ScalefitWarning, stacklevel=_user_stacklevel())


def _route() -> None:
    _core._route_logs(_on_record, _on_warning)
    _core.set_log_level("debug")
    atexit.register(_core._route_logs, None, None)  # back to stderr at exit


_route()
