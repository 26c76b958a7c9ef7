"""``scalefit predict CARD --N ... --D ...``: predicted loss from a fit card
at given inputs, at the rows of a file, or at compute-optimal allocations
of FLOP budgets."""
from __future__ import annotations

import sys
from typing import Dict, List

from . import options
from .allocate import emit_plan, plan, warning_lines
from .errors import EXIT_OK, InputError, as_flags
from .output import print_json, short, table as text_table
from .readers import load_card, read_table

NAME = "predict"
HELP = "predict loss from a fit card: --N ... --D ... | --flops ... | --data FILE"


def input_names() -> List[str]:
    """Every input name of the built-in laws (one --NAME option each)."""
    from .. import _core
    names: List[str] = []
    for law in _core.builtin_laws():
        for n in _core.get_law(law).input_names:
            if n not in names:
                names.append(n)
    return names


def add_parser(sub) -> "options.Parser":
    p = sub.add_parser(NAME, help=HELP, description=HELP + ". Each input takes one value or "
                       "one per row (a single value is repeated).")
    p.add_argument("card", help="fit card (from scalefit fit --out; '-' = stdin)")
    for n in input_names():
        p.add_argument(f"--{n}", dest=f"input_{n}", type=options.number, nargs="+",
                       metavar="V", help=f"values of the law input {n}")
    p.add_argument("--input", action="append", metavar="NAME=V[,V...]", default=[],
                   help="values of any law input by name (e.g. for a formula law)")
    p.add_argument("--flops", type=options.number, nargs="+", metavar="C",
                   help="budgets in FLOPs: the loss at the compute-optimal allocation")
    p.add_argument("--data", help="predict at the rows of a CSV/TSV/JSON file ('-' = stdin)")
    p.add_argument("--level", type=options.number, metavar="LEVEL",
                   help="add the standard error and a central interval of this coverage, "
                        "e.g. 0.9 (delta method; needs a card with data)")
    p.add_argument("--interval", choices=["confidence", "prediction"], default="confidence",
                   help="with --level: bound the law's value (confidence, default) or a new "
                        "run's loss (prediction)")
    options.add_data_options(p)
    options.add_card_options(p)
    options.add_output_options(p)
    p.set_defaults(run=run)
    return p


def _given(args, names: List[str], law_name: str) -> Dict[str, List[float]]:
    given = {n: getattr(args, f"input_{n}") for n in names
             if getattr(args, f"input_{n}", None) is not None}
    for item in args.input:
        k, sep, v = item.partition("=")
        k = k.strip()
        if not sep or not k:
            raise InputError(f"--input expects NAME=V[,V...], got '{item}'")
        try:
            given[k] = [float(x) for x in v.split(",")]
        except ValueError:
            raise InputError(f"--input {k}=...: '{v}' is not a comma-separated list of "
                             "numbers") from None
    extra = [n for n in vars(args) if n.startswith("input_") and getattr(args, n) is not None
             and n[6:] not in names]
    extra += [k for k in given if k not in names]
    if extra:
        bad = extra[0][6:] if extra[0].startswith("input_") else extra[0]
        raise InputError(f"predict: '{bad}' is not an input of law '{law_name}'; it takes "
                         + ", ".join(f"--{n}" for n in names))
    return given


def run(args) -> int:
    if args.card == "-" and args.data == "-":
        raise InputError("predict: the card and --data cannot both come from stdin ('-')")
    result = load_card(args.card, verify=not args.no_verify)
    names = list(result.law.input_names)
    given = _given(args, names, result.law.name)
    tbl = None
    if args.data:
        if given or args.flops:
            raise InputError("predict: give --data FILE or input values, not both")
        cmap = options.mapping(args.col)
        tbl = read_table(args.data, [cmap.get(n, n) for n in names], fmt=args.format,
                         exclude=args.exclude_col)
        given = {n: tbl.columns[cmap.get(n, n)] for n in names}
    if args.flops:
        if given:
            raise InputError("predict: give --flops or input values, not both")
        if "C" in names and len(names) == 1:
            given = {"C": args.flops}
        else:
            return emit_plan(result, plan(result, args.flops, args.level), args)
    missing = [n for n in names if n not in given]
    if missing:
        raise InputError("predict: missing input values: " + ", ".join(f"--{n}" for n in missing)
                         + " (or --data FILE" + (", --flops C" if {"N", "D"} <= set(names) else "")
                         + ")")
    lengths = {n: len(v) for n, v in given.items()}
    n_rows = max(lengths.values())
    for n, k in lengths.items():
        if k not in (1, n_rows):
            raise InputError(f"predict: --{n} has {k} values; every input needs 1 or {n_rows}")
    values = {n: (list(v) * n_rows if len(v) == 1 else list(v)) for n, v in given.items()}
    import warnings as _warnings

    import scalefit
    try:
        with _warnings.catch_warnings():  # the core's warning is printed below, once
            _warnings.simplefilter("ignore", scalefit.ScalefitWarning)
            if args.level is None:
                loss, extra = result.predict(**values), {}
            else:
                pred = result.predict(level=args.level, interval=args.interval, **values)
                loss = pred.mean
                extra = {"stderr": pred.stderr, "lower": pred.lower, "upper": pred.upper}
    except ValueError as exc:
        raise InputError(options.locate(as_flags(str(exc)), tbl)) from None
    decades = result.decades_beyond_data(**values)
    rows = []
    for i in range(n_rows):
        row = {n: float(values[n][i]) for n in names}
        row["loss"] = float(loss[i])
        row.update({k: float(v[i]) for k, v in extra.items()})
        row["decades_beyond_data"] = float(decades[i])
        rows.append(row)
    warnings = warning_lines(result.extrapolation_warning(**values))
    for w in warnings:
        print(f"scalefit: warning: {w}", file=sys.stderr)
    if args.json:
        out = {"law": result.law.name, "flop_convention": result.flop_convention,
               "units": "plain counts", "warnings": warnings, "predictions": rows}
        if args.level is not None:
            out.update(level=args.level, interval=args.interval, method=pred.method)
        print_json(out)
    else:
        cols = names + ["loss"] + list(extra) + ["decades_beyond_data"]
        print(f"law {result.law.name}: {result.law.formula}")
        if args.level is not None:
            print(f"{args.interval} interval, level {short(args.level)}, {pred.method}; "
                  "stderr of the predicted loss")
        sys.stdout.write(text_table(cols, [[short(r[c]) for c in cols] for r in rows]))
    return EXIT_OK

