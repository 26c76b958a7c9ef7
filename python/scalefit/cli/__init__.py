"""The scalefit command line (``scalefit``, ``python -m scalefit``).

One module per command (fit, predict, allocate, backtest, demo), each with
its complete parser (``add_parser``) and ``run(args)``; ``readers`` (bounded
reads of data files and fit cards, CSV via pandas), ``output`` (JSON, tables,
progress), ``options`` (shared argparse pieces), ``errors`` (exit codes,
InputError) and ``app`` (the top-level parser and ``main``). Usage is in
``scalefit --help`` (the docstring of ``app``).
"""
from .errors import (EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_NOT_CONVERGED, EXIT_OK,
                     InputError)
from .output import Progress
from .app import build_parser, main

__all__ = ["main", "build_parser", "InputError", "Progress", "EXIT_OK", "EXIT_NOT_CONVERGED",
           "EXIT_BAD_INPUT", "EXIT_INTERRUPTED"]
