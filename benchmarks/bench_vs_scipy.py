"""scalefit against the field's recipe, in one process, on the same data.

Reference: Hoffmann et al. 2022 App. D.2 as replayed by Besiroglu et al. 2024
(benchmarks/scipy_reference.py: log-sum-exp form, Huber delta = 1e-3 summed,
L-BFGS-B with an analytic gradient, the 4500-start grid), on the 240
non-excluded Epoch rows. Prints each time, the objective each reached and the
ratios. Usage:

    python3 benchmarks/bench_vs_scipy.py [--repeats 50] [--skip-scipy-grid]

Times are wall-clock medians; the machine is shared, so compare ratios
measured in the same run, not absolute times across runs.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scipy_reference  # noqa: E402

import scalefit  # noqa: E402


def timed(f, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--skip-scipy-grid", action="store_true",
                    help="skip the ~15 s scipy 4500-start run")
    args = ap.parse_args(argv)

    df = scalefit.datasets.chinchilla()
    N, D, L = (df[c].to_numpy() for c in ("N", "D", "loss"))
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, scalefit {scalefit.__version__}")
    print(f"data: {len(L)} Epoch rows (Besiroglu et al. 2024)\n")

    fit_default = lambda: scalefit.fit("chinchilla", N=N, D=D, loss=L, threads=1)
    fit_default()  # warm-up
    t_def, r_def = timed(fit_default, args.repeats)
    t_h1, r_h1 = timed(lambda: scalefit.fit("chinchilla", N=N, D=D, loss=L,
                                            grid="hoffmann", threads=1), 1)
    t_h2, r_h2 = timed(lambda: scalefit.fit("chinchilla", N=N, D=D, loss=L,
                                            grid="hoffmann", threads=2), 1)
    # Every start polished to the full tolerances (no screening), for scale.
    t_f2, r_f2 = timed(lambda: scalefit.fit("chinchilla", N=N, D=D, loss=L,
                                            grid="hoffmann", threads=2,
                                            solver={"screening_tolerance": 0.0}), 1)
    rows = [
        ("scalefit default (VarPro starts), 1 thread", t_def, r_def.objective, r_def.converged),
        ("scalefit grid='hoffmann' (4500 starts), 1 thread", t_h1, r_h1.objective, r_h1.converged),
        ("scalefit grid='hoffmann' (4500 starts), 2 threads", t_h2, r_h2.objective, r_h2.converged),
        ("scalefit grid='hoffmann', every start to full tolerance, 2 threads", t_f2,
         r_f2.objective, r_f2.converged),
    ]
    ref = None
    if not args.skip_scipy_grid:
        ref = scipy_reference.fit_hoffmann_scipy(N, D, L)
        rows.append(("scipy L-BFGS-B, Hoffmann grid (4500 starts), 1 thread",
                     ref["seconds"], ref["objective"], None))
    w = max(len(r[0]) for r in rows)
    print(f"{'run':<{w}}  {'seconds':>10}  {'objective':>22}  converged")
    for name, t, obj, conv in rows:
        print(f"{name:<{w}}  {t:10.4f}  {obj!r:>22}  {'' if conv is None else conv}")
    if ref is not None:
        print()
        print(f"ratio scipy / scalefit default            : {ref['seconds'] / t_def:10.1f}x")
        print(f"ratio scipy / scalefit hoffmann (1 thread): {ref['seconds'] / t_h1:10.2f}x")
        print(f"ratio scipy / scalefit hoffmann (2 threads): {ref['seconds'] / t_h2:10.2f}x")
        print(f"ratio scipy / scalefit hoffmann, full tolerance (2 threads): "
              f"{ref['seconds'] / t_f2:10.2f}x")
        print(f"scipy evaluations per start: {ref.get('mean_nfev', float('nan')):.1f}")
        rel = (r_def.objective - ref["objective"]) / ref["objective"]
        print(f"objective: scalefit default - scipy = {rel:+.3e} relative "
              f"({'no worse' if rel <= 1e-9 else 'WORSE'} than the reference at 1e-9)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
