"""``scalefit backtest DATA --law LAW``: fit on the smaller runs, predict the
larger ones, with rolling origins and a baseline."""
from __future__ import annotations

import sys

from . import options
from .errors import EXIT_OK, InputError
from .output import Progress, print_json

NAME = "backtest"
HELP = "fit on the smaller runs, predict the larger ones"


def add_parser(sub) -> "options.Parser":
    p = sub.add_parser(NAME, help=HELP, description=HELP + "; the report compares with the "
                       "'best observed loss' baseline.")
    options.add_runs_and_fit_options(p)
    p.add_argument("--split", default="compute", help="'compute' (default) or an input name")
    p.add_argument("--threshold", type=options.number,
                   help="train below, hold out at or above")
    options.add_output_options(p)
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    import scalefit

    lw = scalefit.law(args.law)
    table, cols = options.law_data(args, lw)
    weights = cols.pop("weights", None)
    loss = cols.pop("loss")
    kw = options.fit_kwargs(args)
    if "units" in kw:
        raise InputError("--units: backtest needs the runs in plain counts; convert the "
                         "columns (or fit with --units and backtest the columns in counts)")
    if args.threshold is not None:
        kw["threshold"] = args.threshold
    try:
        with Progress(f"backtesting {lw.name} on {len(loss)} runs", not args.quiet) as shown:
            bt = scalefit.backtest(lw, loss=loss, weights=weights, split=args.split, **cols, **kw,
                                   progress=shown.callback)
    except ValueError as exc:
        raise InputError(options.locate(str(exc), table)) from None
    if args.json:
        def records(df):
            return df.to_dict(orient="records")
        print_json({"law": bt.law, "objective": bt.objective, "split": bt.split,
                    "threshold": bt.threshold, "num_train": bt.num_train,
                    "num_test": bt.num_test, "mean_are": bt.mean_are, "max_are": bt.max_are,
                    "rmsle": bt.rmsle, "coverage": bt.coverage, "baseline": bt.baseline,
                    # One record per held-out run of the split, then per refit
                    # (split, rolling origins, left-out groups), then per
                    # distance bin over the rolling folds.
                    "runs": records(bt.to_dataframe()),
                    "folds": records(bt.folds),
                    "by_distance": records(bt.by_distance)})
    else:
        sys.stdout.write(bt.report())
    return EXIT_OK
