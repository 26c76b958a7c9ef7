#!/usr/bin/env python3
"""Renders the figures of the documentation (docs/img/*.png) from the data
that ship with scalefit, with the package's own plot functions.

    PYTHONPATH=build/dev/pkg python3 scripts/make_doc_figures.py [--out docs/img]

Run it after changing a plot or a fit the docs show, look at the PNGs, and
commit them. tests/python/test_docs_hygiene.py checks that every page shows
the figures it promises; tests/python/test_doc_figures.py runs this script.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import scalefit  # noqa: E402
from scalefit import plot  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DPI = 90


def figures():
    """(file name, function drawing it) for every figure of the docs."""
    runs = scalefit.datasets.chinchilla()
    fit = scalefit.fit("chinchilla", runs)
    porian = scalefit.datasets.porian2024()

    def quickstart():
        fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
        plot.fit(fit, runs, x="D", ax=a)
        plot.loss_vs_compute(fit, runs, ax=b)
        return fig

    def fit_band():
        return plot.fit(fit, runs, x="D", level=0.9).figure

    def fit_isoflop():
        return plot.fit(scalefit.fit("chinchilla", porian), porian, level=0.9).figure

    def frontier():
        return plot.loss_vs_compute(fit, runs, level=0.9).figure

    def allocation():
        return plot.allocation(fit, np.geomspace(1e18, 1e26, 33), level=0.9).figure

    def isoflop():
        return plot.isoflop(scalefit.isoflop_fit(porian, bootstrap=0), porian).figure

    def backtest():
        return plot.backtest(scalefit.backtest("chinchilla", runs)).figure

    def residuals():
        return plot.residuals(fit, against="N").figure

    ladder = scalefit.datasets.olmo_ladder()

    def downstream():
        chain = scalefit.downstream.fit_chain(
            ladder, intermediate="mmlu_bpb", metric="mmlu_acc", chance=0.25, n_items=14042,
            name="mmlu", interval="delta", single_step=False)
        fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), layout="constrained")
        plot.task_step1(chain, ladder, ax=axes[0])
        plot.task_step2(chain, ladder, ax=axes[1])
        plot.task_forecast(chain, ladder, ax=axes[2])
        return fig

    def metric_comparison():
        axes = plot.metric_comparison(ladder, "arc_challenge_bpb", "arc_challenge_acc",
                                      chance=0.25)
        return axes[0].figure

    return [("quickstart.png", quickstart), ("fit.png", fit_band),
            ("fit_isoflop.png", fit_isoflop), ("frontier.png", frontier),
            ("allocation.png", allocation), ("isoflop.png", isoflop),
            ("backtest.png", backtest), ("residuals.png", residuals),
            ("downstream.png", downstream), ("metric_comparison.png", metric_comparison)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in figures():
        fig = draw()
        fig.savefig(out / name, dpi=DPI, metadata={"Software": None})
        plt.close(fig)
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
