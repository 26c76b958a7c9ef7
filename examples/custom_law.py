"""User-defined laws from Python: a formula string (parsed and
differentiated exactly in C++) and a Python callable (numeric derivatives),
fitted to the embedded Chinchilla data and compared with the built-in law.

    PYTHONPATH=BUILD/pkg python3 examples/custom_law.py
"""
import scalefit

df = scalefit.datasets.chinchilla()

builtin = scalefit.fit("chinchilla", df)

formula = scalefit.law(
    "E + A / N**alpha + B / D**beta",
    params=["E", "A", "B", "alpha", "beta"], inputs=["N", "D"],
    positive=["E", "A", "B"],        # fitted in log, stay > 0
    linear=["E", "A", "B"],          # variable-projection starts (checked)
    bounds={"alpha": (0, 5), "beta": (0, 5)},
    start={"alpha": (0.05, 1.2), "beta": (0.05, 1.2)})
by_formula = scalefit.fit(formula, df)


def chinchilla(p, x):
    """p: dict of floats, x: dict of 1-D arrays -> one loss per row."""
    return p["E"] + p["A"] / x["N"] ** p["alpha"] + p["B"] / x["D"] ** p["beta"]


callable_law = scalefit.law(chinchilla, params=["E", "A", "B", "alpha", "beta"],
                            inputs=["N", "D"], positive=["E", "A", "B"],
                            linear=["E", "A", "B"], bounds={"alpha": (0, 5), "beta": (0, 5)},
                            start={"alpha": (0.05, 1.2), "beta": (0.05, 1.2)})
by_callable = scalefit.fit(callable_law, df)

# alpha = beta, as Muennighoff et al. 2023 fit it.
tied = scalefit.fit("chinchilla", df, tie={"beta": "alpha"})

for label, fit in [("built-in", builtin), ("formula", by_formula),
                   ("callable", by_callable), ("tied alpha=beta", tied)]:
    print(f"{label:16s}", fit)
