"""Backtests and the sensitivity panel from Python. Truth: planted Chinchilla
data (known parameters and noise) and the Epoch AI digitisation of the
Chinchilla runs with an independently computed reference figure (scipy; see
../shared/data/epoch-chinchilla/SOURCE.md)."""
import math

import numpy as np
import pytest

import scalefit

E, A, B, ALPHA, BETA = 1.69337, 406.4, 410.7, 0.33917084, 0.2849083


def truth(N, D):
    return E + A / N**ALPHA + B / D**BETA


def isoflop(noise=0.005, seed=11):
    N, D = [], []
    for C in 10.0 ** np.arange(18, 22.01, 0.5):
        n20 = np.sqrt(C / (6 * 20))
        for f in 10.0 ** np.linspace(-1, 1, 9):
            N.append(n20 * f)
            D.append(C / (6 * n20 * f))
    N, D = np.array(N), np.array(D)
    rng = np.random.default_rng(seed)
    return N, D, truth(N, D) * np.exp(noise * rng.standard_normal(len(N)))


def test_planted_isoflop_backtest():
    N, D, loss = isoflop()
    r = scalefit.backtest("chinchilla", N=N, D=D, loss=loss)
    assert r.split == "C = 6ND"
    assert r.threshold == pytest.approx(1e21, rel=1e-8)
    assert (r.num_train, r.num_test) == (54, 27)
    assert r.mean_are < 0.008 and r.max_are < 0.025, r.report()
    assert r.mean_are < r.baseline["mean_are"] / 5
    assert math.isnan(r.coverage)  # no intervals requested
    df = r.to_dataframe()
    assert len(df) == 27
    for col in ("N", "D", "split_value", "distance_decades", "observed", "predicted",
                "lower", "upper", "are", "baseline", "baseline_are"):
        assert col in df.columns
    # The table holds the same numbers as the summary (definitions).
    assert r.mean_are == pytest.approx(np.mean(np.abs(df.predicted - df.observed) / df.observed),
                                       rel=1e-12)
    assert r.max_are == pytest.approx(np.max(df.are), rel=0)
    # Extrapolation error against the noise-free truth is below the noise.
    assert np.mean(np.abs(df.predicted / truth(df.N, df.D) - 1)) < 0.004
    assert "\n" not in repr(r)
    rep = r.report()
    for needle in ("baseline", "rolling origin", "error vs extrapolation distance",
                   "leave one group out (N)"):
        assert needle in rep
    # The held-out table: aligned columns, 6 significant digits, one row a run.
    lines = rep.splitlines()
    head = lines.index("  held-out runs (C = 6ND split):") + 1
    table = lines[head:head + 1 + r.num_test]
    assert table[0].split() == ["row", "N", "D", "decades", "observed", "predicted", "ARE",
                                "baseline", "ARE"]
    starts = [table[0].index(h) for h in ("N", "decades", "observed", "predicted")]
    for line, (_, run) in zip(table[1:], df.iterrows()):
        assert all(line[k - 1] == " " and line[k] != " " for k in starts), line
        assert f"{run.observed:.6g}" in line and repr(float(run.observed)) not in line
    assert len(r.rolling) == 6
    assert set(r.folds.kind) == {"split", "rolling", "leave_group_out"}
    assert r.by_distance.n.sum() == sum(r.rolling.num_test)
    logo = r.leave_group_out
    assert len(logo) == 1 and logo.group_value[0] == pytest.approx(N.max(), rel=0)


def test_planted_isoflop_intervals_cover():
    # Delta-method prediction intervals (uncertainty module) at 90 %: on data
    # whose noise model is right they should cover about 90 % of the
    # held-out runs (27 runs: allow down to 80 %).
    N, D, loss = isoflop()
    r = scalefit.backtest("chinchilla", N=N, D=D, loss=loss, level=0.9,
                          leave_group_out=False)
    df = r.to_dataframe()
    assert r.has_intervals
    assert np.all(np.isfinite(df.lower)) and np.all(np.isfinite(df.upper))
    assert np.all((df.lower < df.predicted) & (df.predicted < df.upper))
    inside = np.mean((df.lower <= df.observed) & (df.observed <= df.upper))
    assert r.coverage == pytest.approx(inside, rel=0)
    assert r.coverage >= 0.8, r.report()
    with pytest.raises(ValueError, match="level"):
        scalefit.backtest("chinchilla", N=N, D=D, loss=loss, level=1.5)


def test_epoch_chinchilla_below_1e21():
    df = scalefit.datasets.chinchilla()
    r = scalefit.backtest("chinchilla", df, threshold=1e21, rolling=False,
                          leave_group_out=False)
    assert (r.num_train, r.num_test) == (217, 23)
    assert r.split == "C"  # the dataset's own C column
    # Reference helper (scipy L-BFGS-B, Hoffmann grid): 1.05 % mean, 2.78 % max.
    assert r.mean_are == pytest.approx(0.0105, abs=5e-4)
    assert r.max_are == pytest.approx(0.0278, abs=5e-4)
    assert r.mean_are < r.baseline["mean_are"]


def test_threshold_leaving_too_few_runs():
    N, D, loss = isoflop()
    with pytest.raises(ValueError, match=r"free parameters \+ 1 = 6"):
        scalefit.backtest("chinchilla", N=N, D=D, loss=loss, threshold=1.0)
    with pytest.raises(ValueError, match="0 at or above it"):
        scalefit.backtest("chinchilla", N=N, D=D, loss=loss, threshold=1e30)
    with pytest.raises(ValueError, match="unknown split"):
        scalefit.backtest("chinchilla", N=N, D=D, loss=loss, split="tokens")
    with pytest.raises(TypeError):
        scalefit.backtest("chinchilla", N=N, D=D, loss=loss, threshold="big")


def test_backtest_of_a_fit_and_other_laws():
    N, D, loss = isoflop()
    fit = scalefit.fit("chinchilla", N=N, D=D, loss=loss, objective="mse_log")
    r = scalefit.backtest(fit, leave_group_out=False)
    assert r.objective == "mse_log"
    assert r.fit.objective_name == "mse_log"
    with pytest.raises(ValueError, match="reuses its data"):
        scalefit.backtest(fit, N=N)
    x = 10.0 ** np.linspace(15, 21, 30)
    r2 = scalefit.backtest("power_law", x=x, loss=40 * x**-0.08, objective="mse")
    assert r2.split == "x" and r2.max_are < 1e-6


def test_sensitivity_panel():
    N, D, loss = isoflop()
    fit = scalefit.fit("chinchilla", N=N, D=D, loss=loss)
    p = scalefit.sensitivity(fit, 1e24)
    df = p.to_dataframe()
    assert list(df.objective) == ["huber_log", "mse_log", "mse"]
    # a = beta / (alpha + beta) (Hoffmann et al. 2022, Eq. 4) per refit.
    np.testing.assert_allclose(df.a, df.beta / (df.alpha + df.beta), rtol=1e-6)
    assert p.N_opt_ratio >= 1.0
    assert p.a_spread == pytest.approx(df.a.max() - df.a.min(), rel=1e-12)
    assert "huber_log" in p.report()


def test_sensitivity_refuses_unidentified():
    N = 10.0 ** np.linspace(7.5, 10, 40)
    D = 20 * N
    rng = np.random.default_rng(3)
    fit = scalefit.fit("chinchilla", N=N, D=D,
                       loss=truth(N, D) * np.exp(0.005 * rng.standard_normal(40)))
    with pytest.raises(scalefit.ScalefitError, match="not identified"):
        scalefit.sensitivity(fit, 1e24)
    p = scalefit.sensitivity(fit, 1e24, objectives=["huber_log"], allow_unidentified=True)
    assert "not identified" in p.to_dataframe().note[0]
