"""``scalefit allocate CARD --flops C ...``: compute-optimal N, D and loss
per FLOP budget, with intervals at ``--level``."""
from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Sequence

from . import options
from .errors import EXIT_OK, InputError, as_flags
from .output import Progress, print_json
from .readers import load_card

NAME = "allocate"
HELP = "compute-optimal N, D and loss per FLOP budget"


def add_parser(sub) -> "options.Parser":
    p = sub.add_parser(NAME, help=HELP, description=HELP + " (the law's closed form where "
                       "there is one, else a numeric minimisation).")
    p.add_argument("card", help="fit card (from scalefit fit --out; '-' = stdin)")
    p.add_argument("--flops", type=options.number, nargs="+", required=True, metavar="C",
                   help="budgets in FLOPs")
    p.add_argument("--level", type=options.number,
                   help="interval level, e.g. 0.9 (needs a fit card with data)")
    options.add_flop_options(p, default=None)
    options.add_card_options(p)
    options.add_output_options(p)
    p.set_defaults(run=run)
    return p


def plan(result, flops: Sequence[float], level: Optional[float], convention=None,
         architecture=None):
    """The compute-optimal table; core errors become InputError naming flags."""
    import warnings

    import scalefit
    kw: Dict[str, Any] = {} if level is None else {"level": level}
    if convention is not None:
        kw.update(convention=convention, architecture=architecture)
    try:
        with warnings.catch_warnings():  # the table's warnings are printed by emit_plan
            warnings.simplefilter("ignore", scalefit.ScalefitWarning)
            return scalefit.compute_optimal(result, list(flops), **kw)
    except ValueError as exc:
        raise InputError(as_flags(str(exc))) from None


def records(table) -> List[Dict[str, Any]]:
    """One record per row with every column of ``to_dict()``: the estimates,
    ``decades_beyond_data`` and, with ``--level``, each one's ``_se``,
    ``_ci_lower`` and ``_ci_upper``."""
    cols = table.to_dict()
    return [{k: float(v[i]) for k, v in cols.items()} for i in range(len(table))]


def warning_lines(table) -> List[str]:
    """The lines of a table's ``warning`` (or of a warning text) without the
    ``WARNING: `` prefix."""
    text = table if isinstance(table, str) else (table.warning or "")
    return [line[len("WARNING: "):] if line.startswith("WARNING: ") else line
            for line in text.splitlines() if line.strip()]


def emit_plan(result, table, args) -> int:
    for line in warning_lines(table):
        if line.startswith("extrapolation") or "did not converge" in line:
            print(f"scalefit: warning: {line}", file=sys.stderr)
    if args.json:
        print_json({"law": result.law.name, "flop_convention": table.flop_convention,
                    "level": table.level, "interval_method": table.interval_method or None,
                    "units": "C in FLOPs; N, D plain counts",
                    "compute_max": table.compute_max, "warnings": warning_lines(table),
                    "allocations": records(table)})
    else:
        sys.stdout.write(table.report())
    return EXIT_OK


def run(args) -> int:
    result = load_card(args.card, verify=not args.no_verify)
    with Progress("allocating", not args.quiet):
        table = plan(result, args.flops, args.level, args.flop_convention,
                     options.architecture(args.architecture))
    return emit_plan(result, table, args)
