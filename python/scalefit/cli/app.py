"""The scalefit command line, for planners and pipelines.

  scalefit fit DATA --law chinchilla [--objective huber_log] [--out fit.json]
  scalefit predict CARD --N 7e10 --D 1.4e12        (or --flops 1e24, --data FILE)
  scalefit allocate CARD --flops 1e24 1e25 [--level 0.9]
  scalefit backtest DATA --law chinchilla
  scalefit plot CARD_OR_DATA --kind fit --out fig.png  (frontier, allocation, isoflop,
                                                        backtest, residuals)
  scalefit task fit olmo --task mmlu    (downstream: loss -> task metric, chained;
                                         also ladder files, predict, emergence)
  scalefit demo

Data files are CSV or TSV (header row; lines starting with # are comments;
the delimiter is detected) or JSON (a dict of columns or a list of records);
``-`` reads a data file or a fit card from standard input. Inputs larger
than 64 MiB are refused (SCALEFIT_MAX_INPUT_BYTES changes the limit). Map
column names with ``--col N=params --col loss=train_loss``; ``--exclude-col
excluded`` skips the rows a column marks (an unread column named like a row
filter, e.g. ``excluded``, that marks rows gets a warning). Human-readable
tables by default, ``--json`` for machines (valid JSON: null for a missing
or non-finite number). Exit codes: 0 success; 1 the computation finished
but did not converge (output still written); 2 bad usage or bad input (one
line on stderr naming the file, line and column); 130 interrupted.
"""
# This module: the top-level parser (one subcommand per module in COMMANDS)
# and main, which turns every error into one line on stderr and exit code 2.

from __future__ import annotations

import os
import sys
from typing import List, Optional

from . import allocate, backtest, demo, fit, plot, predict, task
from .errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, InputError, one_line
from .options import Parser

# One module per command: NAME, HELP, add_parser(subparsers), run(args).
COMMANDS = (fit, predict, allocate, backtest, plot, demo, task)


def build_parser() -> Parser:
    import argparse

    p = Parser(prog="scalefit", description=__doc__,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def _version() -> str:
    from .. import __version__, instruction_set
    return f"scalefit {__version__} (instruction set: {instruction_set()})"


def _quiet_stdout() -> None:
    """After a closed pipe: send further output (and the flush at exit) to
    /dev/null, so Python prints no 'Broken pipe' message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _error(message: str) -> int:
    try:
        print(f"scalefit: error: {one_line(message)}", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return EXIT_BAD_INPUT


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); returns
    the exit code. Never raises for bad input (``--help``/``--version``
    exit through SystemExit as argparse does)."""
    from .output import route_messages
    route_messages()
    try:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
        code = int(args.run(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # e.g. `scalefit demo | head`
        _quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except InputError as exc:
        return _error(str(exc))
    except RecursionError:
        return _error("input nested too deeply to process")
    except UnicodeError as exc:
        return _error(f"not valid text: {exc}")
    except MemoryError:
        return _error("out of memory (the input or the requested work is too large)")
    except (ValueError, TypeError, OSError) as exc:
        return _error(str(exc) or type(exc).__name__)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: still one line, with the type for the report
        if os.environ.get("SCALEFIT_DEBUG"):
            raise
        return _error(f"internal error ({type(exc).__name__}): {exc}; set SCALEFIT_DEBUG=1 "
                      "for the traceback")
