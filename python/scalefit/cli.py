"""The scalefit command line: ``scalefit demo``, ``scalefit fit DATA.csv``."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _demo(args: argparse.Namespace) -> int:
    import numpy as np

    import scalefit

    df = scalefit.datasets.chinchilla()
    fit = scalefit.fit("chinchilla", df, threads=args.threads)
    print("Chinchilla law fitted to the embedded Epoch AI data "
          "(Besiroglu et al. 2024; 240 runs, 5 excluded)")
    print(fit.report())
    print("Predicted loss at larger budgets (6ND convention; N, D at 20 tokens per parameter):")
    for C in (1e22, 1e23, 1e24, 1e25):
        N = float(np.sqrt(C / (6.0 * 20.0)))
        D = 20.0 * N
        L = fit.predict(N=[N], D=[D])[0]
        print(f"  C = {C:.0e} FLOPs  N = {N:.4g}  D = {D:.4g}  loss = {L!r}")
    return 0 if fit.converged else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scalefit", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="fit the Chinchilla law to the embedded dataset")
    d.add_argument("--threads", type=int, default=1)
    d.set_defaults(func=_demo)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, TypeError, OSError) as exc:
        print(f"scalefit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
