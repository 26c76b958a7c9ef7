"""Tests for scalefit.uncertainty and the FitResult methods bootstrap,
conf_int, covariance and predict(level=).

Truth: ordinary least squares written out here with numpy (test fixture,
not library numerics) for a power law fitted by mse_log, whose log is
linear in (log A, alpha); the published bootstrap standard errors of
Besiroglu et al. 2024 (arXiv:2404.10102) for the Epoch data."""
import math

import numpy as np
import pytest

import scalefit

Z95 = 1.959963984540054  # Phi^-1(0.975), statistical tables


@pytest.fixture(scope="module")
def epoch_fit():
    before = scalefit.get_log_level()
    scalefit.set_log_level("error")
    try:
        fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())
    finally:
        scalefit.set_log_level(before)
    assert fit.converged
    return fit


@pytest.fixture(scope="module")
def power_case():
    rng = np.random.default_rng(7)
    x = np.geomspace(10, 1e5, 25)
    loss = 5.0 * x ** -0.4 * np.exp(rng.normal(0, 0.05, x.size))
    fit = scalefit.fit("power_law", x=x, loss=loss, objective="mse_log")
    assert fit.converged
    X = np.column_stack([np.ones_like(x), -np.log(x)])
    y = np.log(loss)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = resid @ resid / (len(x) - 2)
    cov = s2 * np.linalg.inv(X.T @ X)
    return fit, beta, cov, s2


def test_conf_int_equals_ols(power_case):
    fit, beta, cov, _ = power_case
    ci = fit.conf_int(0.95)
    assert ci.method == "delta" and ci.level == 0.95
    a = ci["alpha"]
    assert a.mean == pytest.approx(beta[1], abs=1e-8)
    assert a.lower == pytest.approx(beta[1] - Z95 * math.sqrt(cov[1, 1]), abs=1e-7)
    assert a.upper == pytest.approx(beta[1] + Z95 * math.sqrt(cov[1, 1]), abs=1e-7)
    A = ci["A"]  # positive scale: interval on the log scale
    assert math.log(A.lower) == pytest.approx(beta[0] - Z95 * math.sqrt(cov[0, 0]), abs=1e-6)
    assert ci.stderr["alpha"] == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-6)
    c = fit.covariance()
    assert c.estimator == "least_squares" and not c.rank_deficient
    assert c.matrix.shape == (2, 2)
    assert c.stderr["A"] == pytest.approx(fit.params["A"] * math.sqrt(cov[0, 0]), rel=1e-6)


def test_predict_level_confidence_and_prediction(power_case):
    fit, beta, cov, s2 = power_case
    plain = fit.predict(x=[1e6, 1e7])
    assert isinstance(plain, np.ndarray)
    p = fit.predict(x=[1e6, 1e7], level=0.95)
    assert p.interval == "confidence" and p.method == "delta"
    np.testing.assert_allclose(p.mean, plain, rtol=1e-15)
    x0 = np.array([1.0, -math.log(1e6)])
    v = x0 @ cov @ x0
    centre = x0 @ beta
    assert math.log(p.lower[0]) == pytest.approx(centre - Z95 * math.sqrt(v), abs=1e-6)
    q = fit.predict(x=[1e6, 1e7], level=0.95, interval="prediction")
    assert math.log(q.upper[0]) == pytest.approx(centre + Z95 * math.sqrt(v + s2), abs=1e-6)
    assert np.all(q.lower < p.lower) and np.all(q.upper > p.upper)


def test_bootstrap_result_shape_and_reports(epoch_fit):
    b = epoch_fit.bootstrap(n=16, seed=3, threads=2)
    assert b.samples.shape == (16, 5)
    assert b.param_names == ["E", "A", "B", "alpha", "beta"]
    assert b.converged.dtype == bool and b.converged.shape == (16,)
    assert b.num_failed == len(b.failed) == int((~b.converged).sum())
    assert "\n" not in repr(b) and "BootstrapResult(case, 16 replicates" in repr(b)
    assert "converged" in b.report()
    assert set(b.stderr) == {"E", "A", "B", "alpha", "beta"}
    ci = b.conf_int(0.8, budgets=[1e24])
    assert ci.method == "bootstrap_case"
    for name in ("alpha", "a", "b", "G", "N_opt@1e24", "D_opt@1e24",
                 "tokens_per_param@1e24", "loss_opt@1e24"):
        iv = ci[name]
        assert iv.lower <= iv.upper
    with pytest.raises(KeyError, match="no interval named"):
        ci["gamma"]
    pred = b.predict(N=[7e10], D=[1.4e12], level=0.9)
    assert pred.lower[0] < pred.mean[0] < pred.upper[0]
    pred2 = b.predict(N=[7e10], D=[1.4e12], level=0.9, interval="prediction")
    assert pred2.upper[0] - pred2.lower[0] > pred.upper[0] - pred.lower[0]
    plan = b.compute_optimal([1e24], level=0.9)
    col = plan.column("N_opt")
    assert col.lower[0] < col.mean[0] < col.upper[0]


def test_same_seed_same_samples_any_threads(epoch_fit):
    one = epoch_fit.bootstrap(n=12, seed=11, threads=1)
    two = epoch_fit.bootstrap(n=12, seed=11, threads=2)
    np.testing.assert_array_equal(one.samples, two.samples)
    other = epoch_fit.bootstrap(n=12, seed=12, threads=2)
    assert not np.array_equal(one.samples, other.samples)


def test_other_methods_run(epoch_fit):
    groups = np.arange(epoch_fit.num_points) // 8
    for kwargs in ({"method": "cluster", "groups": groups},
                   {"method": "subsample", "fraction": 0.8},
                   {"method": "residual"}):
        b = epoch_fit.bootstrap(n=8, seed=1, threads=2, **kwargs)
        assert b.method == kwargs["method"]
        assert b.samples.shape == (8, 5)
    sub = epoch_fit.bootstrap(n=4, seed=1, method="subsample", fraction=0.8)
    assert sub.scale == pytest.approx(2.0)  # sqrt(192 / 48)


def test_compute_optimal_level(epoch_fit):
    t = scalefit.compute_optimal(epoch_fit, [1e22, 1e24], level=0.95)
    assert t.level == 0.95 and t.interval_method == "delta"
    for name in ("N_opt", "D_opt", "tokens_per_param", "loss_opt"):
        col = t.column(name)
        assert np.all(col.lower < col.mean) and np.all(col.mean < col.upper)
    ci = epoch_fit.conf_int(0.95, budgets=[1e24])
    assert t.column("N_opt").upper[1] == pytest.approx(ci["N_opt@1e+24"].upper, rel=1e-9)


def test_huber_covariance_is_kernel_sandwich(epoch_fit):
    """Besiroglu et al. 2024 (arXiv:2404.10102) bootstrap standard errors on
    the Epoch data: alpha 0.0154, beta 0.0206, E 0.0257. The huber_log delta
    method (kernel sandwich) must be of the same size (within 2/3 .. 3/2)."""
    c = epoch_fit.covariance()
    assert c.estimator == "kernel_sandwich" and not c.rank_deficient
    assert c.bandwidth > 0 and 0 < c.expected_quadratic < epoch_fit.num_points
    assert c.num_quadratic > 0
    se = epoch_fit.conf_int(0.95).stderr
    for name, published in (("alpha", 0.0154), ("beta", 0.0206), ("E", 0.0257)):
        assert 2 / 3 < se[name] / published < 1.5, (name, se[name])


def test_loss_to_compute_level_delta_and_bootstrap(epoch_fit):
    t = scalefit.loss_to_compute(epoch_fit, [2.0, 1.95], level=0.9)
    assert t.level == 0.9 and t.interval_method == "delta"
    for name in ("C", "N_opt", "D_opt", "tokens_per_param"):
        col = t.column(name)
        assert np.all(col.lower < col.mean) and np.all(col.mean < col.upper)
    lo = t.column("loss_opt")  # the target: no interval
    assert lo.lower is None and lo.upper is None
    np.testing.assert_allclose(lo.mean, [2.0, 1.95], rtol=1e-14)
    plain = scalefit.loss_to_compute(epoch_fit, [2.0, 1.95])
    np.testing.assert_allclose(t["C"], plain["C"], rtol=1e-12)
    # Lower target loss needs more compute, at the point and at both ends.
    assert t.column("C").lower[1] > t.column("C").lower[0]
    boot = epoch_fit.bootstrap(n=40, seed=5, threads=2)
    tb = scalefit.loss_to_compute(boot, [2.0], level=0.9)
    assert tb.interval_method.startswith("bootstrap_case")
    same = boot.loss_to_compute([2.0], level=0.9)
    np.testing.assert_array_equal(tb.column("C").upper, same.column("C").upper)
    col = tb.column("C")
    assert col.lower[0] < col.mean[0] < col.upper[0]
    # A target at E (the floor) has no finite compute: a clear error.
    with pytest.raises(ValueError, match="floor"):
        scalefit.loss_to_compute(epoch_fit, [epoch_fit.params["E"]], level=0.9)
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        scalefit.loss_to_compute(epoch_fit, [2.0], level=1.5)
    # compute_optimal accepts a BootstrapResult too (percentile intervals).
    co = scalefit.compute_optimal(boot, [1e24], level=0.9)
    assert co.interval_method.startswith("bootstrap_case")


def test_bad_input_is_a_clear_error(epoch_fit, power_case):
    with pytest.raises(ValueError, match=r"n \(number of bootstrap replicates\) must be >= 2"):
        epoch_fit.bootstrap(n=1)
    for level in (0, 1, 1.5, -0.1, 95):
        with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
            epoch_fit.conf_int(level)
        with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
            epoch_fit.predict(N=[1e9], D=[1e10], level=level)
    with pytest.raises(TypeError, match="level must be a number"):
        epoch_fit.conf_int("0.9")
    with pytest.raises(ValueError, match="groups has 3 labels but the fit has 240 rows"):
        epoch_fit.bootstrap(n=4, method="cluster", groups=[1, 2, 3])
    with pytest.raises(ValueError, match="needs groups"):
        epoch_fit.bootstrap(n=4, method="cluster")
    with pytest.raises(ValueError, match="unknown bootstrap method 'jackknife'"):
        epoch_fit.bootstrap(n=4, method="jackknife")
    with pytest.raises(ValueError, match="interval must be 'confidence'"):
        epoch_fit.predict(N=[1e9], D=[1e10], level=0.9, interval="credible")
    fit = power_case[0]
    with pytest.raises(ValueError, match="need the chinchilla law"):
        fit.conf_int(0.9, budgets=[1e24])
    given = scalefit.from_params("power_law", {"A": 1.0, "alpha": 0.3})
    with pytest.raises(ValueError, match="no data"):
        given.bootstrap(n=4)
    with pytest.raises(ValueError, match="no data"):
        given.conf_int()


@pytest.mark.slow
def test_epoch_bootstrap_matches_besiroglu_2024(epoch_fit):
    """Besiroglu et al. 2024 (arXiv:2404.10102): bootstrap standard errors
    of the Huber fit to the 240 non-excluded rows: alpha 0.0154, beta
    0.0206, E 0.0257, a 0.020 (4000 replicates). Every replicate must
    converge. (The C++ test UncertaintyBootstrap.EpochStandardErrors...
    runs the same check in CI.)"""
    b = epoch_fit.bootstrap(n=4000, seed=0, threads=2)
    assert b.num_failed == 0, b.report()
    se = b.conf_int(0.95).stderr
    for name, published in (("alpha", 0.0154), ("beta", 0.0206), ("E", 0.0257), ("a", 0.020)):
        assert se[name] == pytest.approx(published, rel=0.2), name
