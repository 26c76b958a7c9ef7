"""Case-bootstrap timing: 4000 replicates on the 240 Epoch rows (target: <= 0.4 s
on 2 cores), with the row-by-row (scalar) path as the reference measured in the
same run.

    PYTHONPATH=build/dev/pkg python3 benchmarks/bench_bootstrap.py [--n 4000] [--threads 2]

Prints, for the default instruction set and for the scalar path, wall time,
process CPU time, replicates per CPU-second and the wall time the CPU time
implies on idle cores (cpu / threads), so that a run on a shared machine can
still be compared with the target; then the ratio of the two.
"""
from __future__ import annotations

import argparse
import os
import time

import scalefit


def run(isa: str, args) -> float:
    scalefit.set_instruction_set(isa)
    fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())
    cpu0, wall0 = time.process_time(), time.perf_counter()
    boot = fit.bootstrap(n=args.n, seed=args.seed, threads=args.threads)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{isa:>6}: {args.n} case replicates, {args.threads} threads: wall {wall:.2f} s, "
          f"CPU {cpu:.2f} s ({args.n / cpu:.0f} replicates per CPU-second), "
          f"idle-core estimate {cpu / args.threads:.2f} s (target 0.4 s); "
          f"load average {load:.1f}; failed {boot.num_failed}, retried {boot.num_restarted}")
    print("        stderr:", {k: round(v, 5) for k, v in boot.stderr.items()})
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    scalefit.set_log_level("error")
    best = scalefit.instruction_set()
    cpu = run(best, args)
    if best != "scalar":
        cpu_scalar = run("scalar", args)
        print(f"scalar / {best} CPU time: {cpu_scalar / cpu:.2f}x")
    scalefit.set_instruction_set(best)


if __name__ == "__main__":
    main()
