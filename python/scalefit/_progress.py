"""The ``progress=`` argument of long work (bootstraps, grids, backtests,
sensitivity panels, profiles): ``False`` (default) shows nothing, ``True``
shows a tqdm bar per stage, a callable receives every update.

The C++ core reports a stage's progress from the calling thread, at most
every 50 ms and once at the end of the stage (run_control.hpp). A callable
gets a :class:`scalefit.Progress` (``stage``, ``done``, ``total``,
``seconds``); an exception it raises stops the work and is re-raised by the
call. No numerics here.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Optional


class _Bars:
    """One tqdm bar per stage (tqdm.auto: a widget in notebooks)."""

    def __init__(self):
        from tqdm.auto import tqdm
        self._tqdm = tqdm
        self._bar = None
        self._stage = None

    def __call__(self, p) -> None:
        if self._bar is None or p.stage != self._stage:
            self.close()
            self._stage = p.stage
            self._bar = self._tqdm(total=p.total, desc=p.stage, leave=False)
        self._bar.n = p.done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@contextlib.contextmanager
def reporter(progress: Any, what: str = "progress") -> Iterator[Optional[Callable]]:
    """The callback to hand to ``_core`` for ``progress`` (None for none),
    closing any bar when the work ends (also on error or Ctrl-C)."""
    if progress is None or progress is False:
        yield None
        return
    if progress is True:
        bars = _Bars()
        try:
            yield bars
        finally:
            bars.close()
        return
    if callable(progress):
        yield progress
        return
    raise TypeError(f"{what} must be True, False or a callable f(progress), got "
                    f"{type(progress).__name__}")
