"""scalefit against every peer it is compared with, in one process, on the same data.

Part 1 (Epoch): the 240 retained Epoch rows (Besiroglu et al. 2024). Every method's
parameters are scored by ONE function, `huber_log_objective` (Σ Huber_δ(log L̂ − log L),
δ = 1e-3, summed: the objective of Hoffmann et al. 2022 App. D.2), or `mse_log_objective`
for the MSE runs, so "objective" means the same number in every row.

Part 2 (sizes): planted Chinchilla data (Hoffmann et al. 2022 Eq. 10 values, 1%
multiplicative noise, an isoFLOP-like design) at 1e2..1e6 rows: scalefit's default fit
against a single-start `scipy.optimize.curve_fit` (trf, Huber on log residuals, analytic
Jacobian, started at the published values), and scalefit's `mse_log` fit against a
single-start `curve_fit` with MSE on log residuals; time and peak memory of each.

Peers that are not installed are skipped with a message (see benchmarks/requirements.txt).
Times are medians of wall-clock repeats; the machine is shared, so read the ratios measured
in the same run, not absolute times across runs.

    python3 benchmarks/bench_peers.py [--repeats 7] [--sizes 1e2,1e3,1e4,1e5,1e6] [--skip-slow]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scipy_reference  # noqa: E402

import scalefit  # noqa: E402

DELTA = 1e-3
# Hoffmann et al. 2022, Eq. 10 (the published fit), used as the single start of curve_fit
# and as the planted truth of part 2.
PUBLISHED = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
NAMES = ("E", "A", "B", "alpha", "beta")


# ---------------------------------------------------------------- one objective for all
def law(p, N, D):
    return p["E"] + p["A"] * N ** -p["alpha"] + p["B"] * D ** -p["beta"]


def huber_log_objective(p, N, D, L, delta=DELTA):
    """Σ h_δ(log L̂ − log L): the number every Huber row reports."""
    with np.errstate(all="ignore"):
        r = np.log(law(p, N, D)) - np.log(L)
    a = np.abs(r)
    v = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)).sum()
    return float(v) if np.isfinite(v) else float("inf")


def mse_log_objective(p, N, D, L):
    with np.errstate(all="ignore"):
        r = np.log(law(p, N, D)) - np.log(L)
    v = 0.5 * float(r @ r)
    return v if np.isfinite(v) else float("inf")


def timed(f, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


# ---------------------------------------------------------------------------- peers
def fit_scalefit(N, D, L, **kw):
    r = scalefit.fit("chinchilla", N=N, D=D, loss=L, **kw)
    return {k: r.params[k] for k in NAMES} if hasattr(r, "params") and isinstance(
        r.params, dict) else {k: r.param(k) for k in NAMES}


def _log_model_and_jac(logN, logD):
    # log L̂(θ) with θ = (E, A, B, α, β) and its analytic Jacobian.
    def f(_x, E, A, B, al, be):
        return np.log(E + A * np.exp(-al * logN) + B * np.exp(-be * logD))

    def jac(_x, E, A, B, al, be):
        ta = np.exp(-al * logN)
        tb = np.exp(-be * logD)
        v = E + A * ta + B * tb
        return np.column_stack([1.0 / v, ta / v, tb / v, -A * ta * logN / v,
                                -B * tb * logD / v])
    return f, jac


def fit_curve_fit(N, D, L, loss="huber"):
    from scipy.optimize import curve_fit
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    f, jac = _log_model_and_jac(logN, logD)
    p0 = [PUBLISHED[k] for k in NAMES]
    bounds = ([0, 0, 0, 0, 0], [np.inf] * 5)
    if loss == "huber":
        popt, _ = curve_fit(f, None, logL, p0=p0, jac=jac, method="trf", loss="huber",
                            f_scale=DELTA, bounds=bounds)
    else:
        popt, _ = curve_fit(f, None, logL, p0=p0, jac=jac, method="trf", bounds=bounds)
    return dict(zip(NAMES, popt))


def fit_lmfit(N, D, L):
    import lmfit
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    params = lmfit.Parameters()
    for k in NAMES:
        params.add(k, value=PUBLISHED[k], min=0.0)

    def resid(p):
        v = p.valuesdict()
        return np.log(v["E"] + v["A"] * np.exp(-v["alpha"] * logN)
                      + v["B"] * np.exp(-v["beta"] * logD)) - logL
    out = lmfit.minimize(resid, params, method="least_squares", loss="huber", f_scale=DELTA)
    return {k: out.params[k].value for k in NAMES}


def fit_vpnls(N, D, L):
    from vpnls.api import fit_vpnls as fv, huber
    r = fv(N, D, L, resolution=0.01, loss=huber(DELTA))
    return {k: float(getattr(r, k)) for k in NAMES}


def fit_kyo_chinchilla(N, D, L):
    # kyo-takano/chinchilla as its README runs it (df.csv in a project directory, its
    # 5^5 BFGS grid over E, log A, log B, α, β), with the Huber-log loss of App. D.2
    # (its loss is a mean over rows) instead of its default asymmetric MAE.
    import pandas as pd
    from chinchilla import Chinchilla

    def loss_fn(y_true, y_pred):
        r = np.log(np.clip(y_pred, 1e-300, None)) - np.log(y_true)
        a = np.abs(r)
        return np.where(a <= DELTA, 0.5 * r * r, DELTA * (a - 0.5 * DELTA))

    with tempfile.TemporaryDirectory() as d:
        pd.DataFrame({"C": 6 * N * D, "N": N, "D": D, "loss": L}).to_csv(
            os.path.join(d, "df.csv"), index=False)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            cc = Chinchilla(d, param_grid=dict(E=np.linspace(1, 2, 5), a=np.linspace(1, 10, 5),
                                               b=np.linspace(1, 10, 5),
                                               alpha=np.linspace(0.1, 0.7, 5),
                                               beta=np.linspace(0.1, 0.7, 5)),
                            loss_fn=loss_fn, log_level=50)
            cc.fit()
        return {k: float(v) for k, v in cc.params.items() if k in NAMES}


# ------------------------------------------------------------------------ memory probe
def reset_peak_rss():
    try:  # Linux ≥ 4.0: writing 5 resets VmHWM of this process
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def rss_kb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_bytes_during(f):
    """Runs f(); returns (result, seconds, peak RSS above the RSS before, bytes)."""
    reset_peak_rss()
    base = rss_kb("VmRSS")
    t0 = time.perf_counter()
    out = f()
    t = time.perf_counter() - t0
    return out, t, max(0, rss_kb("VmHWM") - base) * 1024


def planted(n, seed=12345):
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    t = (i + 0.5) / n
    C = 10.0 ** (18.0 + 4.0 * np.fmod(i * 0.618034, 1.0))
    ratio = 10.0 ** (0.3 + 2.0 * t)
    N = np.sqrt(C / (6.0 * ratio))
    D = ratio * N
    L = law(PUBLISHED, N, D) * np.exp(rng.normal(0.0, 0.01, n))
    return N, D, L


# ------------------------------------------------------------------------------ main
def part_epoch(args):
    N, D, L = scipy_reference.load_epoch_240()
    print("== Epoch, 240 rows; objective = Σ Huber_1e-3(log L̂ − log L) unless marked MSE")
    rows = []

    def add(name, f, repeats, mse=False):
        try:
            t, p = timed(f, repeats)
        except ImportError as e:
            print(f"  skipped {name}: {e}")
            return
        obj = mse_log_objective(p, N, D, L) if mse else huber_log_objective(p, N, D, L)
        rows.append((name, t, obj, mse))

    fit_scalefit(N, D, L, threads=1)  # warm-up
    add("scalefit default, 1 thread", lambda: fit_scalefit(N, D, L, threads=1), args.repeats)
    # The row-by-row path (no batch kernels) as the engine's own reference, in this run.
    best_isa = scalefit.instruction_set()
    scalefit.set_instruction_set("scalar")
    add("scalefit default, 1 thread, scalar path", lambda: fit_scalefit(N, D, L, threads=1),
        args.repeats)
    scalefit.set_instruction_set(best_isa)
    add("scalefit grid='hoffmann', 2 threads",
        lambda: fit_scalefit(N, D, L, grid="hoffmann", threads=2), 1)
    add("scalefit grid='hoffmann', 1 thread",
        lambda: fit_scalefit(N, D, L, grid="hoffmann", threads=1), 1)
    add("scalefit mse_log, 1 thread",
        lambda: fit_scalefit(N, D, L, objective="mse_log", threads=1), args.repeats, mse=True)
    add("curve_fit trf Huber, 1 start (published)", lambda: fit_curve_fit(N, D, L),
        args.repeats)
    add("curve_fit trf MSE, 1 start (published)", lambda: fit_curve_fit(N, D, L, "mse"),
        args.repeats, mse=True)
    add("lmfit least_squares Huber, 1 start", lambda: fit_lmfit(N, D, L), args.repeats)
    add("vpnls grid 0.01, Huber", lambda: fit_vpnls(N, D, L), max(1, args.repeats // 3))
    if not args.skip_slow:
        def scipy_ref():
            r = scipy_reference.fit_hoffmann_scipy(N, D, L)
            return r["params"]
        add("scipy L-BFGS-B, Hoffmann grid (reference)", scipy_ref, 1)
        add("kyo-takano/chinchilla, README grid, Huber-log", lambda: fit_kyo_chinchilla(N, D, L),
            1)
    print("  simple-scaling-laws: skipped (needs Python >= 3.12; this is "
          f"{platform.python_version()})")
    base = {False: rows[0][1], True: None}
    for r in rows:
        if r[3] and base[True] is None:
            base[True] = r[1]
    best = {m: min(r[2] for r in rows if r[3] == m) for m in (False, True)
            if any(r[3] == m for r in rows)}
    w = max(len(r[0]) for r in rows)
    print(f"  {'method':<{w}}  {'seconds':>10}  {'objective':>24}  {'rel. to best':>12}  "
          f"{'time / scalefit':>15}")
    for name, t, obj, mse in rows:
        ref = base[mse]
        rel = (obj - best[mse]) / best[mse]
        print(f"  {name:<{w}}  {t:10.5f}  {obj!r:>24}  {rel:12.2e}  {t / ref:15.2f}"
              + ("  (MSE)" if mse else ""))


def part_sizes(args):
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print("\n== planted Chinchilla, single-start curve_fit (published start) vs scalefit "
          "(multi-start, certified)")
    print(f"  {'rows':>8}  {'method':<34} {'seconds':>9} {'peak MB':>8} {'B/row':>7} "
          f"{'objective':>22} {'curve_fit/scalefit':>18}")
    for n in sizes:
        N, D, L = planted(n)
        reps = args.repeats if n <= 10_000 else (3 if n <= 100_000 else 1)
        for mse in (False, True):
            kw = dict(objective="mse_log") if mse else {}
            obj_fn = mse_log_objective if mse else huber_log_objective
            res = {}
            for name, f in ((f"scalefit{' mse_log' if mse else ''}, {args.threads} thread"
                             + ("s" if args.threads > 1 else ""),
                             lambda: fit_scalefit(N, D, L, threads=args.threads, **kw)),
                            (f"curve_fit trf {'MSE' if mse else 'Huber'}, 1 start",
                             lambda: fit_curve_fit(N, D, L, "mse" if mse else "huber"))):
                ts, peak = [], 0
                for _ in range(reps):
                    p, t, pk = peak_bytes_during(f)
                    ts.append(t)
                    peak = max(peak, pk)
                res[name] = (statistics.median(ts), peak, obj_fn(p, N, D, L))
            (n1, (t1, m1, o1)), (n2, (t2, m2, o2)) = res.items()
            for name, (t, m, o), ratio in ((n1, (t1, m1, o1), ""), (n2, (t2, m2, o2),
                                                                      f"{t2 / t1:.2f}x")):
                print(f"  {n:>8}  {name:<34} {t:9.4f} {m / 1e6:8.1f} {m / n:7.0f} {o!r:>22} "
                      f"{ratio:>18}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--sizes", default="1e2,1e3,1e4,1e5,1e6")
    ap.add_argument("--skip-slow", action="store_true",
                    help="skip the scipy 4500-start reference and kyo-takano/chinchilla")
    ap.add_argument("--only", choices=("epoch", "sizes"), default=None)
    ap.add_argument("--threads", type=int, default=2,
                    help="scalefit's threads in the size sweep (default 2)")
    args = ap.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, scalefit {scalefit.__version__}, instruction set "
          f"{scalefit.instruction_set()}")
    if args.only in (None, "epoch"):
        part_epoch(args)
    if args.only in (None, "sizes"):
        part_sizes(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
