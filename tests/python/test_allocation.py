"""scalefit.compute_optimal / loss_to_compute / plan_at_ratio /
inference_aware. Truth: Hoffmann et al. 2022 (Fig. 4 caption, Eq. 4) and the
closed form evaluated here independently with numpy pow (test-side only)."""
import math

import numpy as np
import pytest

import scalefit

# Hoffmann et al. 2022, Approach-3 parameters at full precision (issue 3).
UNROUNDED = {"E": math.exp(0.5267228), "A": math.exp(6.0073404), "B": math.exp(6.0179186),
             "alpha": 0.33917084, "beta": 0.2849083}
# Hoffmann et al. 2022, Eq. 10 (rounded).
ROUNDED = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def eq4(p, C, k=6.0):
    """Hoffmann et al. 2022 Eq. 4, written with pow (independent of the C++
    log-space code)."""
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1 / (p["alpha"] + p["beta"]))
    N = G * (np.asarray(C) / k) ** (p["beta"] / (p["alpha"] + p["beta"]))
    D = (np.asarray(C) / k) / N
    return N, D, p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]


@pytest.fixture
def unrounded():
    return scalefit.from_params("chinchilla", UNROUNDED)


def test_gopher_budget_unrounded_is_40b(unrounded):
    # Hoffmann et al. 2022, Fig. 4 caption: ~40B parameters at 5.76e23 FLOPs.
    t = scalefit.compute_optimal(unrounded, 5.76e23)
    assert abs(t["N_opt"][0] / 40.4e9 - 1) < 0.005
    N, D, L = eq4(UNROUNDED, 5.76e23)
    assert t["N_opt"][0] == pytest.approx(N, rel=1e-12)
    assert t["D_opt"][0] == pytest.approx(D, rel=1e-12)
    assert t["loss_opt"][0] == pytest.approx(L, rel=1e-13)


def test_gopher_budget_rounded_eq10_is_32b():
    # Eq. 10's rounded values give 32.19e9 (pow evaluation above); the 20%
    # gap to 40.4e9 is the paper's own rounding of alpha and beta.
    r = scalefit.from_params("chinchilla", ROUNDED)
    n = scalefit.compute_optimal(r, 5.76e23)["N_opt"][0]
    assert abs(n / 32.19e9 - 1) < 5e-4
    assert n == pytest.approx(eq4(ROUNDED, 5.76e23)[0], rel=1e-12)


def test_closed_form_equals_numeric_and_flop_identity(unrounded):
    C = np.logspace(15, 30, 16)
    closed = scalefit.compute_optimal(unrounded, C)
    numeric = scalefit.compute_optimal(unrounded, C, method="numeric")
    assert closed.method == "closed_form" and numeric.method == "numeric"
    for col in ("N_opt", "D_opt", "tokens_per_param"):
        np.testing.assert_allclose(numeric[col], closed[col], rtol=1e-10, atol=0)
    for t in (closed, numeric):
        np.testing.assert_allclose(6.0 * t["N_opt"] * t["D_opt"], C, rtol=1e-12, atol=0)
    t8 = scalefit.compute_optimal(unrounded, C, k=8.0)
    np.testing.assert_allclose(8.0 * t8["N_opt"] * t8["D_opt"], C, rtol=1e-12, atol=0)
    assert t8.flop_convention == "kND (k = 8)"


def test_frontier_strictly_decreasing_1e15_to_1e30(unrounded):
    C = np.logspace(15, 30, 301)
    t = scalefit.compute_optimal(unrounded, C)
    L = t["loss_opt"]
    assert np.all(np.isfinite(L)) and np.all(np.diff(L) < 0)
    assert np.all(L > UNROUNDED["E"])


def test_inverse_returns_budget(unrounded):
    C = np.array([1e15, 1e19, 5.76e23, 1e27, 1e30])
    L = scalefit.compute_optimal(unrounded, C)["loss_opt"]
    for method in ("closed_form", "numeric"):
        back = scalefit.loss_to_compute(unrounded, L, method=method)
        np.testing.assert_allclose(back["C"], C, rtol=1e-9, atol=0)
        np.testing.assert_array_equal(back.target_loss, L)


def test_table_interface(unrounded):
    t = scalefit.compute_optimal(unrounded, [1e21, 5.76e23])
    assert len(t) == 2
    assert list(t.columns) == ["C", "N_opt", "D_opt", "tokens_per_param", "loss_opt"]
    assert "6ND" in repr(t) and "\n" not in repr(t)
    rep = t.report()
    assert "FLOP convention: 6ND" in rep
    assert "no data, no uncertainty" in rep
    # People read 6 significant digits; full precision stays in to_dict.
    assert f"{float(t['N_opt'][1]):.6g}" in rep and repr(float(t["N_opt"][1])) not in rep
    assert t.to_dict()["N_opt"][1] == t["N_opt"][1]
    d = t.to_dict()
    assert set(d) == set(t.columns) | {"decades_beyond_data"}
    assert np.isnan(d["decades_beyond_data"]).all()   # given parameters: no fitted runs
    assert t.row(1)["N_opt"] == t["N_opt"][1]
    assert t.column("N_opt").lower is None
    with pytest.raises(KeyError, match="unknown column 'N'"):
        t["N"]
    pd = pytest.importorskip("pandas")
    df = t.to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(t.columns) + ["decades_beyond_data"]
    assert df.attrs["flop_convention"] == "6ND"
    np.testing.assert_array_equal(df["D_opt"].to_numpy(), t["D_opt"])


def test_plan_at_ratio_and_inference_aware(unrounded):
    t = scalefit.plan_at_ratio(unrounded, [1e22, 1e24], 20)
    np.testing.assert_allclose(t["N_opt"], np.sqrt(np.array([1e22, 1e24]) / 120), rtol=1e-14)
    opt = scalefit.compute_optimal(unrounded, [1e22, 1e24])
    assert np.all(t["loss_opt"] >= opt["loss_opt"])
    p = scalefit.inference_aware(unrounded, 2.0, 1e13)
    assert p.N_opt < p.chinchilla_N and p.D_opt > p.chinchilla_D
    assert p.total_flops <= p.chinchilla_total_flops
    assert unrounded.predict(N=[p.N_opt], D=[p.D_opt])[0] == pytest.approx(2.0, rel=1e-12)
    assert "Sardana" in p.report()


def test_fitted_result_from_data():
    df = scalefit.datasets.chinchilla()
    fit = scalefit.fit("chinchilla", df)
    t = scalefit.compute_optimal(fit, [1e21, 1e24])
    n = scalefit.compute_optimal(fit, [1e21, 1e24], method="numeric")
    np.testing.assert_allclose(n["N_opt"], t["N_opt"], rtol=1e-10)
    assert "fitted to data" in t.report()


@pytest.mark.parametrize("bad", [0.0, -1e20, float("nan"), float("inf")])
def test_bad_budget(unrounded, bad):
    with pytest.raises(ValueError, match="budget C"):
        scalefit.compute_optimal(unrounded, [1e20, bad])


def test_bad_budget_names_row(unrounded):
    with pytest.raises(ValueError, match="row 1"):
        scalefit.compute_optimal(unrounded, [1e20, -1.0])


@pytest.mark.parametrize("target", [UNROUNDED["E"], 1.0])
def test_target_at_or_below_floor(unrounded, target):
    with pytest.raises(ValueError, match="floor"):
        scalefit.loss_to_compute(unrounded, target)
    assert scalefit.law_floor(unrounded) == UNROUNDED["E"]


def test_law_without_N_and_D():
    r = scalefit.from_params("saturating_power_law", {"E": 1.7, "A": 100.0, "alpha": 0.1})
    with pytest.raises(ValueError, match="inputs N and D"):
        scalefit.compute_optimal(r, 1e20)
    with pytest.raises(ValueError, match="inputs N and D"):
        scalefit.loss_to_compute(r, 2.0)


def test_type_errors(unrounded):
    with pytest.raises(TypeError):
        scalefit.compute_optimal({"E": 1}, 1e20)
    with pytest.raises(TypeError):
        scalefit.compute_optimal(unrounded, ["a lot"])
    with pytest.raises(TypeError):
        scalefit.compute_optimal(unrounded, 1e20, k="six")
    with pytest.raises(ValueError, match="method"):
        scalefit.compute_optimal(unrounded, 1e20, method="magic")


def test_level_adds_intervals_to_the_point_table():
    fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())
    point = scalefit.compute_optimal(fit, [1e22, 1e24])
    t = scalefit.compute_optimal(fit, [1e22, 1e24], level=0.9)
    col = t.column("N_opt")
    np.testing.assert_allclose(col.mean, point["N_opt"], rtol=1e-12)
    assert col.has_interval and np.all(col.lower < col.mean) and np.all(col.mean < col.upper)
    assert t.level == 0.9
    d = t.to_dict()
    # Estimate, standard error and interval per computed column; the given
    # budgets C carry none.
    for name in ("N_opt", "D_opt", "tokens_per_param", "loss_opt"):
        assert {name + "_se", name + "_ci_lower", name + "_ci_upper"} <= set(d)
    assert not any(k.startswith("C_") for k in d)
    ci = fit.conf_int(0.9, budgets=[1e24])
    assert d["N_opt_se"][1] == pytest.approx(ci.stderr["N_opt@1e24"], rel=1e-9)
    df = t.to_dataframe()
    assert df.attrs["level"] == 0.9 and df.attrs["interval_method"] == "delta"
    assert "[" in t.report()
