"""Exit codes and the one error type of the command line."""
from __future__ import annotations

import re

EXIT_OK = 0
EXIT_NOT_CONVERGED = 1   # the computation finished but did not converge (output written)
EXIT_BAD_INPUT = 2       # bad usage or bad input: one line on stderr
EXIT_INTERRUPTED = 130   # Ctrl-C (128 + SIGINT)


class InputError(Exception):
    """A problem with the user's input; the message is shown as is."""


def one_line(message: str) -> str:
    """The message on one line (continuation lines joined with "; ")."""
    parts = [p.strip() for p in str(message).splitlines() if p.strip()]
    return "; ".join(parts) if parts else "unknown error"


# Python parameter names in core messages -> the CLI flag that set them.
_FLAGS = {"level": "--level"}
_PARAM = re.compile(r"(?:\b\w+: )?\b(" + "|".join(_FLAGS) + r") must be")


# The budgets of allocate/predict/plan come from --flops, in order.
_BUDGET = re.compile(r"compute budget C at row (\d+) \(0-based\)")


def as_flags(message: str) -> str:
    """A core error about a parameter, reworded to name the CLI flag
    (``compute_optimal: level must be ...`` -> ``--level must be ...``;
    ``compute budget C at row 0 (0-based)`` -> ``--flops value 1``)."""
    message = _BUDGET.sub(lambda m: f"--flops value {int(m.group(1)) + 1}", message)
    return _PARAM.sub(lambda m: f"{_FLAGS[m.group(1)]} must be", message)
