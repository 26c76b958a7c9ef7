"""Default Chinchilla fit on the 240 Epoch rows: CPU time per fit (target <= 1.0 ms on
one thread) for every instruction set this CPU runs, the row-by-row "scalar" path being
the reference measured in the same run.

    PYTHONPATH=build/dev/pkg python3 benchmarks/bench_default_fit.py [--fits 200] [--rounds 7]

Each round times --fits consecutive fits per set (thread CPU time, so other processes on a
shared machine count less than in wall time), the sets alternating round by round; the
minimum over rounds is printed, with the objective and the parameters' largest relative
difference from the scalar path. The time includes the Python call (input checks and
conversion); the C++ Google Benchmark BM_EpochDefault measures the engine alone.
"""
from __future__ import annotations

import argparse
import time

import scalefit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fits", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    data = scalefit.datasets.chinchilla()
    best = scalefit.instruction_set()
    sets = scalefit.supported_instruction_sets()
    times = {s: [] for s in sets}
    fits = {}
    for _ in range(args.rounds):
        for s in sets:
            scalefit.set_instruction_set(s)
            t0 = time.thread_time()
            for _ in range(args.fits):
                r = scalefit.fit("chinchilla", data, threads=1)
            times[s].append((time.thread_time() - t0) / args.fits)
            fits[s] = r
    scalefit.set_instruction_set(best)
    ref = fits["scalar"]
    print(f"default fit, 240 Epoch rows, 1 thread; min over {args.rounds} rounds of "
          f"{args.fits} fits (thread CPU time)")
    for s in sets:
        t = min(times[s])
        dp = max(abs(fits[s].params[k] / ref.params[k] - 1) for k in ref.params)
        print(f"  {s:>6}: {t * 1e3:7.3f} ms per fit  scalar/{s} {min(times['scalar']) / t:5.2f}x  "
              f"objective {fits[s].objective!r}  params vs scalar {dp:.1e}  "
              f"converged {fits[s].converged}")


if __name__ == "__main__":
    main()
