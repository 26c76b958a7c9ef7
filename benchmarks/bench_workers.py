#!/usr/bin/env python3
"""Many fits across workers: the same N fits (Chinchilla law on resampled
Epoch runs) serially, over concurrent.futures.ProcessPoolExecutor and over a
dask.distributed LocalCluster, in one process; prints the wall times, their
ratios to the serial run (Dask with one fit per task and with batches of
fits per task), and checks that every way gives bit-identical
parameters.

    PYTHONPATH=build/dev/pkg python3 benchmarks/bench_workers.py [--fits 400] [--workers 2]
"""
from __future__ import annotations

import argparse
import functools
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import scalefit


def subsets(n_fits: int, seed: int = 0):
    """n_fits resamples (rows with replacement) of the Epoch runs."""
    runs = scalefit.datasets.chinchilla()
    rng = np.random.default_rng(seed)
    return [runs.iloc[rng.integers(0, len(runs), len(runs))].reset_index(drop=True)
            for _ in range(n_fits)]


def fit_batch(frames):
    """Fits of several subsets in one task (fewer, larger tasks)."""
    return [scalefit.fit("chinchilla", d, threads=1) for d in frames]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fits", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    data = subsets(args.fits)
    one = functools.partial(scalefit.fit, "chinchilla", threads=1)

    t = time.perf_counter()
    serial = [one(d) for d in data]
    t_serial = time.perf_counter() - t

    chunk = max(1, args.fits // (8 * args.workers))
    t = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as ex:
        pooled = list(ex.map(one, data, chunksize=chunk))
    t_pool = time.perf_counter() - t

    from dask.distributed import Client, LocalCluster
    t = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t_start = time.perf_counter() - t
        t = time.perf_counter()
        futures = client.map(one, data)
        dasked = client.gather(futures)
        t_dask = time.perf_counter() - t
        t = time.perf_counter()
        batches = [data[i:i + chunk] for i in range(0, len(data), chunk)]
        batched = [f for b in client.gather(client.map(fit_batch, batches)) for f in b]
        t_batch = time.perf_counter() - t

    same = all(a.params == b.params == c.params == d.params
               for a, b, c, d in zip(serial, pooled, dasked, batched))
    print(f"{args.fits} fits, {args.workers} workers")
    print(f"  serial                 {t_serial:7.2f} s")
    print(f"  ProcessPoolExecutor    {t_pool:7.2f} s  ({t_serial / t_pool:.2f}x)")
    print(f"  dask LocalCluster      {t_dask:7.2f} s  ({t_serial / t_dask:.2f}x), "
          f"cluster start {t_start:.2f} s")
    label = f"dask, {chunk} fits a task"
    print(f"  {label:<22} {t_batch:7.2f} s  ({t_serial / t_batch:.2f}x)")
    print(f"  parameters identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
