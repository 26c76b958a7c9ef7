"""Chained task forecasts on the shipped OLMo ladder: every task of
``scalefit.downstream.olmo_tasks()`` fitted with 1000-replicate by-run
bootstrap intervals through both steps, timed; with a reference measured in
the same run on the same machine.

    PYTHONPATH=build/dev/pkg python3 benchmarks/bench_downstream.py [--replicates 1000] [--threads 2]
        [--no-single-step] [--table]

``--table`` also prints the reproduction table of docs/downstream.md with the
intervals: for both targets and every task, the forecast, its interval and
whether it covers the target's actual value, for the task loss and the
accuracy.

Reference: the paper's own fitting procedure for one task (step 1: SciPy
L-BFGS-B on the summed log-Huber objective, step 2: SciPy ``curve_fit`` on
the 1401 checkpoints, Bhagia et al. 2024), written here with SciPy, timed on
MMLU. The ratio "seconds per scalefit replicate / seconds per SciPy fit"
says how much one certified bootstrap replicate of both steps costs
relative to one uncertified SciPy fit of the same two problems; both are
measured in this run, so machine load cancels to first order.
"""
from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

import scalefit


def scipy_paper_fit(ladder, task) -> float:
    """Seconds for the paper's two fits of one task with SciPy."""
    from scipy import optimize

    fin = scalefit.downstream.final_checkpoints(ladder, 5)
    fin = fin[~fin["target"]]
    n, d, y = (fin[c].to_numpy() for c in ("N", "D", task["intermediate"]))
    steps = scalefit.downstream.smooth(scalefit.downstream.skip_first(ladder, 0.1), 5)
    steps = steps[~steps["target"]]
    x2 = np.append(steps[task["intermediate"]].to_numpy(), 0.0)
    y2 = np.append(steps[task["metric"]].to_numpy(), 1.0)

    def law(p):
        return np.exp(p[0] - p[2] * np.log(n)) + np.exp(p[1] - p[3] * np.log(d)) + p[4]

    def huber(p):
        u = np.log(law(p)) - np.log(y)
        a = np.abs(u)
        return float(np.sum(np.where(a < 1e-3, 0.5 * u * u, 1e-3 * (a - 0.5e-3))))

    def sigmoid(x, a, x0, k, b):
        return a / (1 + np.exp(-k * (x - x0))) + b

    t0 = time.perf_counter()
    optimize.minimize(huber, [3.0, 6.0, 0.1, 0.2, 1.0], bounds=[(0, None)] * 5,
                      method="L-BFGS-B", options=dict(ftol=0.0, gtol=1e-10, maxiter=100000))
    with np.errstate(over="ignore"):
        optimize.curve_fit(sigmoid, x2, y2, p0=[task["chance"] - 1, 0.9, 3.0, 1.0],
                           bounds=([-1, 0, 0, 0], [0, np.inf, np.inf, 1]), maxfev=500000)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--level", type=float, default=0.9)
    ap.add_argument("--no-single-step", action="store_true",
                    help="refit only the two steps per replicate (not the single step)")
    ap.add_argument("--table", action="store_true",
                    help="print the markdown table of forecasts, intervals and coverage")
    args = ap.parse_args()
    scalefit.set_log_level("error")
    ladder = scalefit.datasets.olmo_ladder()
    tasks = scalefit.downstream.olmo_tasks()

    ref = min(scipy_paper_fit(ladder, tasks.iloc[0]) for _ in range(3))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    chains = scalefit.downstream.fit_chains(ladder, tasks, replicates=args.replicates,
                                            seed=args.seed, threads=args.threads,
                                            single_step=not args.no_single_step)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    reps = args.replicates * len(chains)
    failed = sum(c.num_failed for c in chains.values())
    per_rep = cpu / reps
    what = "both steps" if args.no_single_step else "both steps and the single step"
    print(f"{len(chains)} tasks x {args.replicates} replicates ({what} "
          f"refitted per replicate), {args.threads} threads: wall {wall:.1f} s, "
          f"CPU {cpu:.1f} s, {per_rep * 1e3:.2f} CPU-ms per replicate; "
          f"failed replicates {failed}; load average {load:.1f}")
    print(f"reference (same run): SciPy fit of the paper's two steps for one task "
          f"{ref * 1e3:.1f} ms; scalefit replicate / SciPy fit = {per_rep / ref:.3f}")
    N13, D13 = 13202396160, 5000088518656
    for name, c in chains.items():
        p = c.predict(N=N13, D=D13, level=0.9)
        print(f"  {name:14s} 13B-5T accuracy {p.metric[0]:.4f} "
              f"[{p.metric_lower[0]:.4f}, {p.metric_upper[0]:.4f}]  "
              f"({c.num_replicates - c.num_failed}/{c.num_replicates} replicates, "
              f"{c.seconds:.1f} s)")
    if args.table:
        print_table(ladder, chains, args.level)


TARGETS = {"7B-4T": (6887575552, 3945065873408), "13B-5T": (13202396160, 5000088518656)}


def print_table(ladder, chains, level: float) -> None:
    """Markdown: per task and target, the task loss and the accuracy as
    forecast [interval], actual, relative error and whether the interval
    covers the actual value."""
    fin = scalefit.downstream.final_checkpoints(ladder, 5).set_index("run")
    print(f"\n| task | target | bpb forecast [{level:.0%}] | bpb actual | rel. error | covers "
          f"| accuracy forecast [{level:.0%}] | accuracy actual | rel. error | covers |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    covered = [0, 0]
    for name, c in chains.items():
        for target, (N, D) in TARGETS.items():
            p = c.predict(N=N, D=D, level=level)
            cells = []
            for j, (v, lo, hi, col) in enumerate((
                    (p.intermediate[0], p.intermediate_lower[0], p.intermediate_upper[0],
                     c.intermediate),
                    (p.metric[0], p.metric_lower[0], p.metric_upper[0], c.metric))):
                actual = float(fin.loc[target, col])
                inside = bool(lo <= actual <= hi)
                covered[j] += inside
                cells.append(f"{v:.4f} [{lo:.4f}, {hi:.4f}] | {actual:.4f} | "
                             f"{(v - actual) / actual * 100:+.1f} % | {'yes' if inside else 'no'}")
            print(f"| {name} | {target} | " + " | ".join(cells) + " |")
    n = len(chains) * len(TARGETS)
    print(f"\ncovered: bpb {covered[0]}/{n}, accuracy {covered[1]}/{n}")


if __name__ == "__main__":
    main()
