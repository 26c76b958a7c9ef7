"""Bootstrap timing vs issue 4's target: 4000 case replicates on the 240
Epoch rows in <= 2 s on 2 cores.

    PYTHONPATH=/tmp/build-unc/pkg python3 benchmarks/bench_bootstrap.py [--n 4000] [--threads 2]

Prints wall time, process CPU time, replicates per CPU-second and the
wall time the CPU time implies on idle cores (cpu / threads), so a run on a
shared machine can still be compared with the target.
"""
from __future__ import annotations

import argparse
import os
import time

import scalefit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    scalefit.set_log_level("error")
    fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())
    cpu0, wall0 = time.process_time(), time.perf_counter()
    boot = fit.bootstrap(n=args.n, seed=args.seed, threads=args.threads)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.n} case replicates, {args.threads} threads: wall {wall:.2f} s, "
          f"CPU {cpu:.2f} s ({args.n / cpu:.0f} replicates per CPU-second), "
          f"idle-core estimate {cpu / args.threads:.2f} s; target 2 s; "
          f"load average {load:.1f}; failed {boot.num_failed}, retried {boot.num_restarted}")
    print("stderr:", {k: round(v, 5) for k, v in boot.stderr.items()})


if __name__ == "__main__":
    main()
