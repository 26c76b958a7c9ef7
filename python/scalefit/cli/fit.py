"""``scalefit fit DATA --law LAW``: fit a law to a file of runs and write
its fit card."""
from __future__ import annotations

import sys

from . import options, output
from .errors import EXIT_NOT_CONVERGED, EXIT_OK, InputError
from .output import Progress

NAME = "fit"
HELP = "fit a law to a CSV/TSV/JSON file of runs"


def add_parser(sub) -> "options.Parser":
    p = sub.add_parser(NAME, help=HELP, description=HELP + ". The report goes to stdout; "
                       "--out writes the fit card (JSON, full precision).")
    options.add_runs_and_fit_options(p)
    p.add_argument("--out", help="write the fit card (JSON) here (not the data file)")
    p.add_argument("--include-data", action="store_true", default=True,
                   help="store the runs in the fit card (the default)")
    p.add_argument("--no-data", dest="include_data", action="store_false",
                   help="a small fit card without the runs (no intervals from it)")
    p.add_argument("--interval", metavar="METHOD",
                   help="also print intervals on every parameter (and, for chinchilla, a "
                   "and b): 'delta' (covariance at the optimum) or 'profile' (the "
                   "objective re-minimised along each parameter)")
    p.add_argument("--level", type=options.number, default=0.95,
                   help="level of --interval (default 0.95)")
    p.add_argument("--budgets", type=options.number, nargs="+", metavar="C",
                   help="with --interval, for chinchilla: also the compute-optimal plan at "
                   "these budgets (FLOPs under the fit's convention): N_opt and D_opt, and "
                   "with delta tokens_per_param and loss_opt")
    options.add_output_options(p)
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    import scalefit

    options.refuse_overwrite(args.out, [args.data])
    if args.budgets and args.interval is None:
        raise InputError("--budgets needs --interval delta or --interval profile")
    lw = scalefit.law(args.law)
    table, cols = options.law_data(args, lw)
    weights = cols.pop("weights", None)
    loss = cols.pop("loss")
    try:
        with Progress(f"fitting {lw.name} to {len(loss)} runs", not args.quiet):
            result = scalefit.fit(lw, loss=loss, weights=weights, **cols,
                                  **options.fit_kwargs(args))
    except ValueError as exc:
        raise InputError(options.locate(str(exc), table)) from None
    for w in result.diagnostics.warnings:
        if w.code == "implausible_magnitude":
            print(f"scalefit: warning: {table.source}: {w.message}", file=sys.stderr)
    intervals = None
    if args.interval is not None:
        try:
            with Progress(f"{args.interval} intervals", not args.quiet):
                intervals = result.conf_int(args.level, budgets=args.budgets,
                                            method=args.interval)
        except ValueError as exc:
            raise InputError(f"--interval {args.interval}: {exc}") from None
    if args.out:
        result.save(args.out, include_data=args.include_data)
    if args.json:
        card = result.to_card(include_data=args.include_data)
        if intervals is None:
            sys.stdout.write(card)
        else:
            import json
            se = intervals.stderr
            rows = [{"quantity": n, "mean": float(m), "std_error": se[n], "lower": float(lo),
                     "upper": float(hi)}
                    for n, m, lo, hi in zip(intervals.names, intervals.mean, intervals.lower,
                                            intervals.upper)]
            output.print_json({"fit_card": json.loads(card),
                               "intervals": {"method": intervals.method,
                                             "level": intervals.level, "rows": rows}})
    else:
        sys.stdout.write(result.report())
        if intervals is not None:
            sys.stdout.write("\n" + intervals.report())
        if args.out:
            print(f"fit card written to {args.out}")
    if not result.converged:
        print(f"scalefit: warning: {table.source}: the fit did not converge: {result.message}",
              file=sys.stderr)
        return EXIT_NOT_CONVERGED
    return EXIT_OK
