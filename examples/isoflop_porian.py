"""Chinchilla Approach 2 (isoFLOP profiles) on the runs of Porian et al. 2024.

Porian, Wortsman, Jitsev, Schmidt & Carmon 2024, "Resolving Discrepancies in
Compute-Optimal Scaling of Language Models" (arXiv:2406.19146), configuration
rw|tuned|short|const|standard|val. The authors' code stores N_opt ∝ C^0.497.

Run:  PYTHONPATH=<build>/pkg python3 examples/isoflop_porian.py [--plot out.png]
"""
import argparse

import scalefit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plot", help="write a figure of the isoFLOP profiles here")
    args = ap.parse_args()

    df = scalefit.datasets.porian2024()
    for window in ("all", "centred"):
        r = scalefit.isoflop_fit(df, C="C", window=window, seed=0)
        print(f"parabola over the {window} window: {r!r}")
    print()
    print(r.report())
    print(r.budgets[["C", "num_points", "num_fit_points", "N_opt", "D_opt", "loss_opt",
                     "vertex_shift", "interior", "used"]])

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
        t = r.budgets
        for k, row in t.iterrows():
            runs = df.iloc[r.budget_rows[k]]
            used = df.iloc[r.fit_rows[k]]
            color = f"C{k % 10}"
            ax1.scatter(runs["N"], runs["loss"], s=10, color=color, alpha=0.35)
            ax1.scatter(used["N"], used["loss"], s=14, color=color)  # the window
            # The fitted parabola, drawn from its stored coefficients.
            x = np.linspace(np.log(row["N_lo"]), np.log(row["N_hi"]), 50)
            ax1.plot(np.exp(x), row["c0"] + row["c1"] * x + row["c2"] * x * x, lw=1, color=color)
        ax1.scatter(t["N_opt"], t["loss_opt"], marker="*", c="k", zorder=3)
        ax1.set(xscale="log", xlabel="N (parameters)", ylabel="validation loss", ylim=(3.0, 5.0),
                title="isoFLOP profiles (Porian et al. 2024, rw tuned)")
        ax2.scatter(t["C"], t["N_opt"], label="per-budget optimum")
        C = np.geomspace(t["C"].min(), t["C"].max(), 20)
        ax2.plot(C, r.n_coefficient * C ** r.a, label=f"N_opt ∝ C^{r.a:.3f}")
        ax2.set(xscale="log", yscale="log", xlabel="C (FLOPs)", ylabel="N_opt")
        ax2.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"figure written to {args.plot}")


if __name__ == "__main__":
    main()
