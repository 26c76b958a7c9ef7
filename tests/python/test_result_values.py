"""Result objects are values: to_dict() / to_dataframe() on fits, bootstrap
results, allocation tables and backtests carry the same numbers as the
objects themselves."""
import numpy as np
import pytest

import scalefit


@pytest.fixture(scope="module")
def fit():
    return scalefit.fit("chinchilla", scalefit.datasets.chinchilla())


def test_fit_result_to_dict_and_dataframe(fit):
    d = fit.to_dict()
    assert d["law"] == "chinchilla" and d["converged"] is True
    assert d["params"] == fit.params and d["objective"] == fit.objective
    df = fit.to_dataframe()
    assert list(df.index) == ["E", "A", "B", "alpha", "beta"]
    for name, value in fit.params.items():
        assert df.loc[name, "value"] == value  # full precision, not rounded


def test_bootstrap_to_dict_and_dataframe(fit):
    boot = fit.bootstrap(n=20, seed=1)
    df = boot.to_dataframe()
    assert df.shape == (20, 6)
    np.testing.assert_array_equal(df[boot.param_names].to_numpy(), boot.samples)
    assert boot.to_dict()["stderr"] == boot.stderr


def test_backtest_to_dict(fit):
    bt = scalefit.backtest("chinchilla", scalefit.datasets.chinchilla(), threshold=1e21)
    d = bt.to_dict()
    assert d["mean_are"] == bt.mean_are and d["num_test"] == bt.num_test == 23


def test_allocation_to_dict(fit):
    t = scalefit.compute_optimal(fit, [1e23, 1e24])
    d = t.to_dict()
    np.testing.assert_array_equal(d["N_opt"], t["N_opt"])
