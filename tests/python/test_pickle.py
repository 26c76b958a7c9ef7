"""Every result type pickles, exactly: the unpickled result gives the same
report, the same table and the same follow-up numbers (results cross
processes in concurrent.futures and Dask)."""
import pickle

import numpy as np
import pandas as pd
import pytest

import scalefit


@pytest.fixture(scope="module")
def results():
    runs = scalefit.datasets.chinchilla()
    fit = scalefit.fit("chinchilla", runs)
    boot = fit.bootstrap(n=20, seed=0)
    porian = scalefit.datasets.porian2024()
    sizes = np.logspace(7, 9, 9)
    tokens = np.logspace(8, 11, 30)
    N, T = np.repeat(sizes, tokens.size), np.tile(tokens, sizes.size)
    truth = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    ckpts = {"run": np.repeat(np.arange(sizes.size), tokens.size), "N": N, "tokens": T,
             "loss": scalefit.evaluate("chinchilla", truth, N=N, D=T)}
    return {
        "fit": fit,
        "given": scalefit.from_params("chinchilla", fit.params),
        "bootstrap": boot,
        "allocation": scalefit.compute_optimal(fit, [1e22, 1e24]),
        "allocation_delta": scalefit.compute_optimal(fit, [1e22, 1e24], level=0.9),
        "allocation_boot": boot.compute_optimal([1e24], level=0.9),
        "loss_to_compute": scalefit.loss_to_compute(fit, [2.0], level=0.9),
        "plan_at_ratio": scalefit.plan_at_ratio(fit, 1e24, 20),
        "inference_aware": scalefit.inference_aware(fit, 2.0, 1e13),
        "conf_int": fit.conf_int(0.9, budgets=[1e24]),
        "boot_conf_int": boot.conf_int(0.9, budgets=[1e24]),
        "covariance": fit.covariance(),
        "prediction": fit.predict(N=[7e10], D=[1.4e12], level=0.9),
        "boot_prediction": boot.predict(N=[7e10], D=[1.4e12], level=0.9),
        "diagnostics": fit.diagnostics,
        "backtest": scalefit.backtest("chinchilla", runs, threshold=1e21),
        "sensitivity": scalefit.sensitivity(fit, 1e24),
        "isoflop": scalefit.isoflop_fit(porian, bootstrap=20, seed=0),
        "envelope": scalefit.envelope_fit(ckpts, run="run", N="N", tokens="tokens",
                                          loss="loss", bins=40),
    }


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b or (a != a and b != b), (a, b)


NAMES = ["fit", "given", "bootstrap", "allocation", "allocation_delta", "allocation_boot",
         "loss_to_compute", "plan_at_ratio", "inference_aware", "conf_int", "boot_conf_int",
         "covariance", "prediction", "boot_prediction", "diagnostics", "backtest",
         "sensitivity", "isoflop", "envelope"]


@pytest.mark.parametrize("name", NAMES)
def test_result_pickles_exactly(results, name):
    r = results[name]
    back = pickle.loads(pickle.dumps(r))
    assert type(back) is type(r)
    assert repr(back) == repr(r)
    if hasattr(r, "report"):
        assert back.report() == r.report()
    if hasattr(r, "to_dict"):
        _same(r.to_dict(), back.to_dict())
    if hasattr(r, "to_dataframe"):
        _same(r.to_dataframe(), back.to_dataframe())


def test_unpickled_bootstrap_computes_the_same(results):
    boot = results["bootstrap"]
    back = pickle.loads(pickle.dumps(boot))
    np.testing.assert_array_equal(back.samples, boot.samples)
    a = back.conf_int(0.8, budgets=[1e23]).to_dataframe()
    b = boot.conf_int(0.8, budgets=[1e23]).to_dataframe()
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_array_equal(back.predict(N=[1e9], D=[2e10]).mean,
                                  boot.predict(N=[1e9], D=[2e10]).mean)
