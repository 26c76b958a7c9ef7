"""Laws from Python: the new built-in laws, formula strings, callables,
constraints. Truth: planted parameters (noise-free data computed here from
the formula written out in numpy, independently of the C++ law), and the
published datablations values."""
import math

import numpy as np
import pytest

import scalefit

CHIN = dict(E=1.6933737, A=406.40102, B=410.72283, alpha=0.33917084, beta=0.2849083)


def chinchilla_np(p, N, D):
    return p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]


def nd_grid():
    n, d = np.meshgrid(np.logspace(7, 10, 7), np.logspace(9, 12, 7))
    return n.ravel(), d.ravel()


def rel(a, b):
    return abs(a / b - 1.0)


def test_builtin_names_and_breaks():
    names = scalefit.laws()
    for n in ("kaplan", "data_constrained", "broken_power_law", "broken_power_law:2"):
        assert n in names
    assert scalefit.law("kaplan").param_names == ["N_c", "D_c", "alpha_N", "alpha_D"]
    dc = scalefit.law("data_constrained")
    assert dc.input_names == ["N", "D", "U"]
    assert dc.param_names == ["E", "A", "B", "alpha", "beta", "R_D_star", "R_N_star"]
    assert scalefit.law("broken_power_law").param_names == ["a", "b", "c0", "c1", "d1", "f1"]
    assert len(scalefit.law("broken_power_law", breaks=2).param_names) == 9
    assert scalefit.law("broken_power_law", breaks=3).name == "broken_power_law:3"
    with pytest.raises(ValueError, match="1 to 3 breaks"):
        scalefit.law("broken_power_law", breaks=5)
    with pytest.raises(ValueError, match="only"):
        scalefit.law("chinchilla", breaks=2)


def test_data_constrained_published_values():
    # huggingface/datablations@13701315 README "Parametric Fit" (C4, alpha = beta).
    p = dict(E=math.exp(0.6254804), A=math.exp(6.255414), B=math.exp(7.3049974),
             alpha=0.3526596, beta=0.3526596, R_D_star=15.387756, R_N_star=5.309743)
    v = scalefit.evaluate("data_constrained", p, N=[6.34e9, 8.67e9], D=[242e9, 178e9],
                          U=[25e9, 25e9])
    assert v[0] == pytest.approx(2.2256440889984477, rel=1e-9)
    assert v[1] == pytest.approx(2.2269634075087867, rel=1e-9)


def test_kaplan_planted_recovery():
    truth = dict(N_c=8.8e13, D_c=5.4e13, alpha_N=0.076, alpha_D=0.095)
    n, d = np.meshgrid(np.logspace(6, 10, 7), np.logspace(8, 12, 7))
    n, d = n.ravel(), d.ravel()
    loss = ((truth["N_c"] / n) ** (truth["alpha_N"] / truth["alpha_D"])
            + truth["D_c"] / d) ** truth["alpha_D"]
    fit = scalefit.fit("kaplan", N=n, D=d, loss=loss)
    for k in ("alpha_N", "alpha_D"):
        assert rel(fit.params[k], truth[k]) < 1e-6, k
    for k in ("N_c", "D_c"):
        assert rel(fit.params[k], truth[k]) < 1e-5, k


def test_broken_power_law_two_breaks_by_name():
    t = dict(a=0.5, b=20.0, c0=0.1, c1=0.4, d1=1e5, f1=0.3, c2=-0.3, d2=1e8, f2=0.5)
    x = np.logspace(2, 11, 60)
    y = t["a"] + t["b"] * x ** -t["c0"] \
        * (1 + (x / t["d1"]) ** (1 / t["f1"])) ** (-t["c1"] * t["f1"]) \
        * (1 + (x / t["d2"]) ** (1 / t["f2"])) ** (-t["c2"] * t["f2"])
    fit = scalefit.fit(scalefit.law("broken_power_law", breaks=2), x=x, loss=y,
                       grid={"d1": [1e3, 1e5, 1e7, 1e9], "d2": [1e5, 1e7, 1e9, 1e11]})
    got = dict(fit.params)
    if got["d1"] > got["d2"]:  # breaks are exchangeable: compare sorted by d
        for c in "cdf":
            got[c + "1"], got[c + "2"] = got[c + "2"], got[c + "1"]
    for k in ("c0", "c1", "c2"):
        assert rel(got[k], t[k]) < 1e-6, k
    for k in ("d1", "d2", "f1", "f2", "a", "b"):
        assert rel(got[k], t[k]) < 1e-5, k


def test_tied_alpha_beta_chinchilla():
    truth = dict(E=1.8, A=500.0, B=1500.0, alpha=0.3526596, beta=0.3526596)
    n, d = nd_grid()
    fit = scalefit.fit("chinchilla", N=n, D=d, loss=chinchilla_np(truth, n, d),
                       tie={"beta": "alpha"})
    assert fit.converged, fit.message
    assert fit.params["alpha"] == fit.params["beta"]
    for k, v in truth.items():
        assert rel(fit.params[k], v) < 1e-6, k


def test_fixed_parameter():
    n, d = nd_grid()
    fit = scalefit.fit("chinchilla", N=n, D=d, loss=chinchilla_np(CHIN, n, d),
                       fixed=["E"], init={"E": CHIN["E"]})
    assert fit.params["E"] == CHIN["E"]
    assert rel(fit.params["alpha"], CHIN["alpha"]) < 1e-6


def test_tie_across_laws_is_a_clear_error():
    n, d = nd_grid()
    loss = chinchilla_np(CHIN, n, d)
    # Kaplan's alpha_N is not a parameter of chinchilla.
    with pytest.raises(ValueError, match="unknown parameter 'alpha_N'.*chinchilla"):
        scalefit.fit("chinchilla", N=n, D=d, loss=loss, tie={"alpha": "alpha_N"})
    with pytest.raises(TypeError, match="different laws"):
        scalefit.fit("chinchilla", N=n, D=d, loss=loss, tie={"alpha": ("kaplan", "alpha_N")})


def test_formula_law_recovers_planted_and_agrees_with_chinchilla():
    n, d = nd_grid()
    loss = chinchilla_np(CHIN, n, d)
    f = scalefit.law("E + A / N**alpha + B / D**beta", params=["E", "A", "B", "alpha", "beta"],
                     inputs=["N", "D"], positive=["E", "A", "B"], linear=["E", "A", "B"],
                     bounds={"alpha": (0, 5), "beta": (0, 5)},
                     start={"alpha": (0.05, 1.2), "beta": (0.05, 1.2)})
    fit = scalefit.fit(f, N=n, D=d, loss=loss)
    assert fit.converged, fit.message
    for k, v in CHIN.items():
        assert rel(fit.params[k], v) < 1e-6, k
    # Same optimum as the built-in law on the (noisy) Epoch data.
    df = scalefit.datasets.chinchilla()
    a = scalefit.fit(f, df)
    b = scalefit.fit("chinchilla", df)
    assert a.converged and b.converged
    for k in ("alpha", "beta"):
        assert rel(a.params[k], b.params[k]) < 1e-6, k
    for k in ("E", "A", "B"):
        assert rel(a.params[k], b.params[k]) < 1e-5, k


def test_formula_string_directly_in_fit_and_evaluate():
    n, d = nd_grid()
    loss = chinchilla_np(CHIN, n, d)
    # Inputs inferred from the keyword arrays; parameters are plain (not
    # fitted in log), so give a start near a sensible scale.
    fit = scalefit.fit("E + A / N**alpha + B / D**beta", N=n, D=d, loss=loss,
                       init={"E": 1.5, "A": 300.0, "B": 300.0, "alpha": 0.3, "beta": 0.3})
    for k in ("alpha", "beta"):
        assert rel(fit.params[k], CHIN[k]) < 1e-6, k
    v = scalefit.evaluate("E + A / N**alpha + B / D**beta", CHIN, N=n[:3], D=d[:3])
    np.testing.assert_allclose(v, chinchilla_np(CHIN, n[:3], d[:3]), rtol=1e-14)


def test_formula_errors():
    with pytest.raises(ValueError, match="does not parse.*position"):
        scalefit.law("E + A / (N**alpha", inputs=["N"])
    with pytest.raises(ValueError, match="unknown function 'foo'"):
        scalefit.law("E + foo(N)", inputs=["N"])
    with pytest.raises(ValueError, match="unknown name 'D'"):
        scalefit.law("E + A / N**alpha + B / D**beta", params=["E", "A", "B", "alpha", "beta"],
                     inputs=["N"])
    with pytest.raises(ValueError, match="declared linear"):
        scalefit.law("E + A / N**alpha", inputs=["N"], linear=["alpha"])
    n, d = nd_grid()
    with pytest.raises(ValueError, match="cannot tell the inputs"):
        scalefit.fit("E + A / Q**alpha", N=n, D=d, loss=chinchilla_np(CHIN, n, d))
    with pytest.raises(ValueError, match="unknown law 'chinchila'"):
        scalefit.law("chinchila")


def test_callable_law_recovers_planted_and_agrees_with_chinchilla():
    calls = []

    def f(p, x):
        calls.append(1)
        return p["E"] + p["A"] / x["N"] ** p["alpha"] + p["B"] / x["D"] ** p["beta"]

    spec = dict(params=["E", "A", "B", "alpha", "beta"], inputs=["N", "D"],
                positive=["E", "A", "B"], linear=["E", "A", "B"],
                bounds={"alpha": (0, 5), "beta": (0, 5)},
                start={"alpha": (0.05, 1.2), "beta": (0.05, 1.2)})
    law = scalefit.law(f, **spec)
    n, d = nd_grid()
    fit = scalefit.fit(law, N=n, D=d, loss=chinchilla_np(CHIN, n, d), threads=2)
    assert calls
    assert fit.converged, fit.message
    for k, v in CHIN.items():
        assert rel(fit.params[k], v) < 1e-6, k
    df = scalefit.datasets.chinchilla()
    a = scalefit.fit(law, df)
    b = scalefit.fit("chinchilla", df)
    for k in ("alpha", "beta"):
        assert rel(a.params[k], b.params[k]) < 1e-5, k
    assert a.objective == pytest.approx(b.objective, rel=1e-7)


def test_callable_law_errors():
    n, d = nd_grid()
    loss = chinchilla_np(CHIN, n, d)

    def boom(p, x):
        raise RuntimeError("user code failed")

    bad = scalefit.law(boom, params=["a"], inputs=["N"])
    with pytest.raises(ValueError, match="raised.*user code failed"):
        scalefit.fit(bad, N=n, loss=loss)
    short = scalefit.law(lambda p, x: np.ones(2), params=["a"], inputs=["N"])
    with pytest.raises(ValueError, match="returned shape"):
        scalefit.fit(short, N=n, loss=loss)
    with pytest.raises(ValueError, match="params=.*inputs="):
        scalefit.law(lambda p, x: 1.0, params=["a"])
    with pytest.raises(TypeError, match="scalefit.law"):
        scalefit.fit(lambda p, x: 1.0, N=n, loss=loss)
