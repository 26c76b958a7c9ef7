"""What the CLI writes: JSON (valid JSON only: non-finite numbers are null),
text tables at 6 significant digits (full precision stays in JSON), and
progress on a terminal."""
from __future__ import annotations

import json
import logging
import math
import sys
import threading
import time
from typing import Any, Optional, Sequence

import numpy as np


def jsonable(v: Any) -> Any:
    """Plain JSON values; NaN and infinities become null (JSON has no
    non-finite numbers)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def json_text(obj: Any) -> str:
    return json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n"


def print_json(obj: Any) -> None:
    sys.stdout.write(json_text(obj))


def full(v: float) -> str:
    """A number at full precision (the core's formatter)."""
    from .. import _core
    return _core.format_full(float(v))


def short(v: float) -> str:
    """A number as people read it: 6 significant digits (the core's
    formatter; JSON and cards keep full precision)."""
    from .. import _core
    return _core.format_short(float(v), 6)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Right-aligned columns under a header and a rule."""
    widths = [max([len(h)] + [len(r[j]) for r in rows]) for j, h in enumerate(header)]
    out = ["  ".join(h.rjust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    return "\n".join(out) + "\n"


class Progress:
    """Elapsed-time progress on stderr while a long computation runs, only
    when stderr is a terminal (never in pipelines or logs). Work that reports
    its stages (``progress=`` of backtests, bootstraps, ...) gets
    :attr:`callback`, and the line then shows the stage and its count."""

    def __init__(self, label: str, enabled: bool = True, stream=None):
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._stage = ""

    @property
    def callback(self):
        """The ``progress=`` argument for the work inside: a function of a
        progress update on a terminal, ``False`` (nothing) otherwise."""
        return self.update if self.enabled else False

    def update(self, p) -> None:
        """Takes a progress update (``stage``, ``done``, ``total``)."""
        self._stage = f"{p.stage} {p.done}/{p.total}" if p.total else str(p.stage)

    def __enter__(self):
        if self.enabled:
            self._t0 = time.monotonic()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self):
        spin = "|/-\\"
        i = 0
        while not self._stop.wait(0.2):
            dt = time.monotonic() - self._t0
            stage = f" ({self._stage})" if self._stage else ""
            line = f"{spin[i % 4]} {self.label}{stage} ... {dt:.1f} s"
            self._width = max(getattr(self, "_width", 0), len(line))
            self.stream.write("\r" + line.ljust(self._width))
            self.stream.flush()
            i += 1

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.stream.write("\r" + " " * max(getattr(self, "_width", 0), len(self.label) + 20)
                              + "\r")
            self.stream.flush()
        return False


def route_messages() -> None:
    """The core's warnings and log records as one line each on stderr:
    ``scalefit: warning: ...`` (no source lines, no tracebacks)."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        try:
            (file or sys.stderr).write(f"scalefit: warning: {message}\n")
        except (OSError, ValueError):
            pass

    warnings.showwarning = show
    log = logging.getLogger("scalefit")
    if not any(isinstance(h, _StderrLines) for h in log.handlers):
        log.addHandler(_StderrLines())


class _StderrLines(logging.Handler):
    """``scalefit: <level>: <message>`` on the current sys.stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"scalefit: {record.levelname.lower()}: {record.getMessage()}\n")
        except (OSError, ValueError):
            pass
