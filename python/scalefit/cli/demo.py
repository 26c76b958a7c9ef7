"""``scalefit demo``: fit Chinchilla's law to the embedded data and print the
plan at larger budgets."""
from __future__ import annotations

import sys

from . import options
from .allocate import records
from .errors import EXIT_NOT_CONVERGED, EXIT_OK
from .output import Progress, print_json

NAME = "demo"
HELP = "fit the Chinchilla law to the embedded dataset"
BUDGETS = [1e22, 1e23, 1e24, 1e25]


def add_parser(sub) -> "options.Parser":
    p = sub.add_parser(NAME, help=HELP, description=HELP + " (Besiroglu et al. 2024's "
                       "digitisation of Hoffmann et al. 2022) and plan budgets 1e22-1e25 FLOPs.")
    p.add_argument("--threads", type=options.integer, default=1)
    options.add_output_options(p)
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    import scalefit

    df = scalefit.datasets.chinchilla()
    with Progress("fitting chinchilla to the embedded data", not args.quiet):
        fit = scalefit.fit("chinchilla", df, threads=args.threads)
    plan = scalefit.compute_optimal(fit, BUDGETS)
    code = EXIT_OK if fit.converged else EXIT_NOT_CONVERGED
    if args.json:
        print_json({"fit": fit.to_dict(), "allocations": records(plan)})
        return code
    print("Chinchilla law fitted to the embedded Epoch AI data "
          "(Besiroglu et al. 2024; 240 runs, 5 excluded)")
    sys.stdout.write(fit.report())
    print()
    sys.stdout.write(plan.report())
    return code
