"""``scalefit plot CARD_OR_DATA --kind KIND --out fig.png``: the figures of
``scalefit.plot`` from the command line.

The input is a fit card (from ``scalefit fit --out``) or a file of runs (then
``--law`` fits it first, with the fit options of ``scalefit fit``). Kinds:

- ``fit``: the runs and the fitted law (runs from ``--data``, else from a
  card saved with ``--include-data``, else the file itself);
- ``frontier``: loss against compute with the compute-optimal frontier;
- ``allocation``: N_opt(C) and D_opt(C) over ``--flops`` (default: from the
  runs' compute to 1000 times it);
- ``isoflop``: Chinchilla Approach 2's parabolas (a file of isoFLOP runs);
- ``backtest``: backtest error against extrapolation distance (a file of
  runs and ``--law``);
- ``residuals``: residuals of the fitted runs (a card with data, or runs).

The format follows the extension of ``--out`` (png, pdf, svg).
"""
from __future__ import annotations

import argparse
import os

from . import options
from .errors import EXIT_OK, InputError
from .output import Progress

NAME = "plot"
HELP = "draw a figure (fit, frontier, allocation, isoflop, backtest, residuals) to a file"
KINDS = ("fit", "frontier", "allocation", "isoflop", "backtest", "residuals")


def add_parser(sub) -> "options.Parser":
    p = sub.add_parser(NAME, help=HELP, description=__doc__.split("\n\n", 1)[1],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", metavar="CARD_OR_DATA",
                   help="a fit card (JSON) or a CSV/TSV/JSON file of runs ('-' = stdin)")
    p.add_argument("--kind", required=True, choices=KINDS, help="which figure")
    p.add_argument("--out", required=True, metavar="FIG",
                   help="output file; the format follows the extension (.png, .pdf, .svg)")
    p.add_argument("--data", metavar="FILE", help="runs to draw with a fit card (kinds fit, "
                   "frontier)")
    p.add_argument("--level", type=options.number, metavar="LEVEL",
                   help="interval band of this coverage, e.g. 0.9 (delta method)")
    p.add_argument("--x", metavar="INPUT", help="kind fit: the input on the x axis (e.g. N, D)")
    p.add_argument("--color-by", metavar="INPUT_OR_C",
                   help="kind fit: colour runs by an input, or by compute budget (C)")
    p.add_argument("--flops", type=options.number, nargs="+", metavar="C",
                   help="kind allocation: the budgets to draw (FLOPs)")
    p.add_argument("--dpi", type=options.integer, default=120, help="resolution (default 120)")
    options.add_fit_options(p, law_required=False)
    options.add_data_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress on the terminal")
    p.set_defaults(run=run)
    return p


def _is_card(path: str) -> bool:
    """A file whose JSON says it is a fit card (stdin: only when --law is
    not given, which would make it a file of runs)."""
    if path == "-" or not path.lower().endswith(".json"):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return False
    return '"scalefit.fit_card"' in head


def _runs(args, path: str, law):
    """The law's inputs and loss from a file of runs, as a dict of columns
    under the law's names (plus C when the file has it)."""
    ns = _Args(args, data=path)
    table, cols = options.law_data(ns, law)
    cols.pop("weights", None)
    cmap = options.mapping(args.col)
    if cmap.get("C", "C") in table.columns:
        cols["C"] = table.columns[cmap.get("C", "C")]
    return table, cols


class _Args:
    """args with another data path (options.law_data reads args.data)."""

    def __init__(self, args, data):
        self.__dict__.update(vars(args))
        self.data = data


def run(args) -> int:
    try:
        import matplotlib
    except ImportError:
        raise InputError("scalefit plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import scalefit
    from .. import plot as splot
    from .readers import load_card

    ext = os.path.splitext(args.out)[1].lower().lstrip(".")
    if ext not in ("png", "pdf", "svg"):
        raise InputError(f"--out {args.out}: the extension must be .png, .pdf or .svg")
    options.refuse_overwrite(args.out, [args.input, args.data])
    card = (args.input == "-" and not args.law) or _is_card(args.input)
    result, runs, table = None, None, None
    if card:
        if args.kind in ("isoflop", "backtest"):
            raise InputError(f"--kind {args.kind} draws from a file of runs, not a fit card")
        result = load_card(args.input)
        if args.data:
            table, runs = _runs(args, args.data, result.law)
    else:
        if args.kind == "isoflop":
            law = scalefit.law("chinchilla")  # reads N, D, loss (and C) columns
        else:
            if not args.law:
                raise InputError(f"{args.input} is a file of runs: give --law LAW to fit it "
                                 "(or pass a fit card)")
            law = scalefit.law(args.law)
        table, runs = _runs(args, args.input, law)
    try:
        with Progress(f"drawing {args.kind}", not args.quiet) as shown:
            ax = _draw(args, scalefit, splot, result, runs, shown.callback)
    except ValueError as exc:
        raise InputError(options.locate(str(exc), table)) from None
    ax.figure.savefig(args.out, dpi=args.dpi)
    plt.close(ax.figure)
    print(f"{args.kind} figure written to {args.out}")
    return EXIT_OK


def _draw(args, scalefit, splot, result, runs, progress=False):
    level = args.level
    if args.kind == "isoflop":
        iso = scalefit.isoflop_fit(runs, bootstrap=0)
        return splot.isoflop(iso, runs)
    if args.kind == "backtest":
        bt = scalefit.backtest(args.law, runs, **options.fit_kwargs(args), progress=progress)
        return splot.backtest(bt)
    if result is None:
        result = scalefit.fit(args.law, runs, **options.fit_kwargs(args))
    if runs is None and args.kind in ("fit", "frontier"):
        from .._inputs import unwrap
        stored = unwrap(result).stored_data()
        if stored is None and len(result.law.input_names) > 1:
            raise InputError(f"--kind {args.kind}: the card carries no runs; pass --data FILE "
                             "or a card saved with --include-data")
        runs = stored
    if args.kind == "fit":
        return splot.fit(result, runs, x=args.x, level=level, color_by=args.color_by)
    if args.kind == "frontier":
        return splot.loss_vs_compute(result, runs, level=level)
    if args.kind == "allocation":
        flops = args.flops
        if flops is None:
            import numpy as np
            hi = splot._largest_run_compute(result, 6.0)
            if not np.isfinite(hi):
                raise InputError("--kind allocation: give --flops C [C ...] (the card carries "
                                 "no runs to choose a range from)")
            flops = np.geomspace(hi / 100.0, hi * 1000.0, 41)
        return splot.allocation(result, flops, level=level)
    return splot.residuals(result)

