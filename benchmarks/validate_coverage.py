"""Coverage of scalefit's intervals in simulation (issue 4 acceptance).

Planted Chinchilla parameters (Besiroglu et al. 2024, arXiv:2404.10102,
their replication fit: E 1.8172, A 482.01, B 2085.43, alpha 0.3478,
beta 0.3658), an isoFLOP-style design (budgets x model sizes, D = C/(6N)),
multiplicative log-normal noise, fixed seeds. For each simulated data set
the law is refitted and the nominal 80 % and 95 % intervals for
a = beta/(alpha+beta) and L*(1e24) are checked against the planted truth.

    PYTHONPATH=/tmp/build-unc/pkg python3 benchmarks/validate_coverage.py \
        --datasets 200 --replicates 200 --method bootstrap

Acceptance: coverage in [0.75, 0.85] (80 %) and [0.92, 0.97] (95 %).
Truth values (a, L*) are computed by scalefit from the planted parameters
(closed form in C++), the simulation's noise by numpy. Prints one line per
(method, quantity, level) and exits non-zero when a coverage is outside
its band.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import scalefit

TRUTH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
BUDGET = 1e24
BANDS = {0.8: (0.75, 0.85), 0.95: (0.92, 0.97)}


def design(num_budgets: int, per_budget: int):
    """isoFLOP design: budgets 6e18 .. 3e21 FLOPs, N spanning 1.5 decades
    around the planted N_opt at each budget, D = C / (6 N)."""
    truth = scalefit.from_params("chinchilla", TRUTH)
    budgets = np.geomspace(6e18, 3e21, num_budgets)
    n_opt = scalefit.compute_optimal(truth, budgets)["N_opt"]
    N = np.concatenate([n * np.geomspace(10 ** -0.75, 10 ** 0.75, per_budget) for n in n_opt])
    C = np.repeat(budgets, per_budget)
    D = C / (6.0 * N)
    return N, D, scalefit.evaluate("chinchilla", TRUTH, N=N, D=D)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=int, default=200)
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--method", choices=["bootstrap", "delta", "both"], default="both")
    ap.add_argument("--objective", default="huber_log")
    ap.add_argument("--noise", type=float, default=0.02, help="sd of log-loss noise")
    ap.add_argument("--budgets", type=int, default=6)
    ap.add_argument("--per-budget", type=int, default=8)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    scalefit.set_log_level("error")

    truth_fit = scalefit.from_params("chinchilla", TRUTH)
    true_a = TRUTH["beta"] / (TRUTH["alpha"] + TRUTH["beta"])
    true_L = float(scalefit.compute_optimal(truth_fit, [BUDGET])["loss_opt"][0])
    N, D, L = design(args.budgets, args.per_budget)
    rng = np.random.default_rng(args.seed)
    methods = ["bootstrap", "delta"] if args.method == "both" else [args.method]
    key = scalefit._core.derived_names([BUDGET])[-1]  # "loss_opt@1e24"
    hits = {(m, q, lv): 0 for m in methods for q in ("a", "L*") for lv in BANDS}
    used = {m: 0 for m in methods}
    failed_fits = 0
    failed_reps = 0
    t0 = time.time()
    for s in range(args.datasets):
        loss = L * np.exp(rng.normal(0.0, args.noise, size=L.shape))
        fit = scalefit.fit("chinchilla", {"N": N, "D": D, "loss": loss},
                           objective=args.objective, threads=args.threads)
        if not fit.converged:
            failed_fits += 1
            continue
        tables = {}
        for m in methods:
            if m == "bootstrap":
                boot = fit.bootstrap(n=args.replicates, seed=s, threads=args.threads)
                failed_reps += boot.num_failed
                tables[m] = {lv: boot.conf_int(lv, budgets=[BUDGET]) for lv in BANDS}
            else:
                tables[m] = {lv: fit.conf_int(lv, budgets=[BUDGET]) for lv in BANDS}
            used[m] += 1
            for lv, t in tables[m].items():
                for q, name, truth in (("a", "a", true_a), ("L*", key, true_L)):
                    iv = t[name]
                    hits[(m, q, lv)] += iv.lower <= truth <= iv.upper
    elapsed = time.time() - t0
    ok = True
    print(f"# {args.datasets} data sets x {len(N)} points, noise sd {args.noise} (log), "
          f"objective {args.objective}, {args.replicates} bootstrap replicates, "
          f"seed {args.seed}; {failed_fits} fits failed, {failed_reps} replicates "
          f"failed; {elapsed:.0f} s")
    print("method     quantity  level  coverage  band          ok")
    for (m, q, lv), h in hits.items():
        cov = h / max(used[m], 1)
        lo, hi = BANDS[lv]
        good = lo <= cov <= hi
        ok = ok and good
        print(f"{m:10s} {q:9s} {lv:5.2f}  {cov:8.3f}  [{lo}, {hi}]  {'yes' if good else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
