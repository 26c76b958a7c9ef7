"""Design diagnostics from Python. Truth is planted: data generated from the
unrounded Hoffmann et al. 2022 parameters with designs whose identifiability
is known in advance."""
import numpy as np
import pytest

import scalefit

# Hoffmann et al. 2022, unrounded (Chinchilla TeX source; see
# ../shared/data/epoch-chinchilla/SOURCE.md).
E, A, B, ALPHA, BETA = 1.69337, 406.4, 410.7, 0.33917084, 0.2849083


def truth(N, D):
    return E + A / N**ALPHA + B / D**BETA


def noisy(N, D, noise=0.005, seed=5):
    rng = np.random.default_rng(seed)
    return truth(N, D) * np.exp(noise * rng.standard_normal(len(N)))


def isoflop():
    N, D = [], []
    for C in 10.0 ** np.arange(18, 22.01, 0.5):
        n20 = np.sqrt(C / (6 * 20))
        for f in 10.0 ** np.linspace(-1, 1, 9):
            N.append(n20 * f)
            D.append(C / (6 * n20 * f))
    return np.array(N), np.array(D)


def test_isoflop_design_is_identified():
    N, D = isoflop()
    fit = scalefit.fit("chinchilla", N=N, D=D, loss=noisy(N, D))
    d = fit.diagnostics
    assert d.computed and d.identified, d.full_report()
    assert d.num_points == 81
    assert d.num_distinct_compute == 9
    assert d.tokens_per_param_spread_decades == pytest.approx(4.0, abs=1e-9)
    assert d.warnings == [] or all(w.code not in ("single_ratio", "unidentified")
                                   for w in d.warnings)
    assert "identified" in repr(d)
    assert "diagnostics" in fit.report()
    from scalefit.backtest import require_identified
    require_identified(fit)  # does not raise


def test_single_ratio_warns_and_refuses():
    N = 10.0 ** np.linspace(7.5, 10, 40)
    D = 20 * N
    fit = scalefit.fit("chinchilla", N=N, D=D, loss=noisy(N, D))
    d = fit.diagnostics
    assert not d.identified
    assert d.has_warning("single_ratio")
    msg = [w.message for w in d.warnings if w.code == "single_ratio"][0]
    assert "~20 tokens per parameter" in msg and "other ratios" in msg
    from scalefit.backtest import require_identified
    with pytest.raises(scalefit.ScalefitError, match="not identified"):
        require_identified(fit)
    require_identified(fit, allow_unidentified=True)


def test_too_few_model_sizes():
    N = np.repeat([1e8, 1e9], 12)
    D = np.tile(10.0 ** np.linspace(9, 11, 12), 2)
    fit = scalefit.fit("chinchilla", N=N, D=D, loss=noisy(N, D))
    d = fit.diagnostics
    assert list(d.num_distinct) == [2, 12]
    assert any(w.code == "few_distinct" and "2 distinct model sizes (N)" in w.message
               for w in d.warnings), d.full_report()
    assert not d.identified


def test_parameter_pinned_at_bound():
    N, D = isoflop()
    fit = scalefit.fit("chinchilla", N=N, D=D, loss=noisy(N, D),
                       bounds={"alpha": (0.45, 1.0)})
    d = fit.diagnostics
    assert list(d.at_bound) == ["alpha"]
    assert d.has_warning("at_bound")
    assert not d.identified


def test_floor_at_smallest_loss():
    C = 10.0 ** np.linspace(4, 14, 30)
    loss = 2.0 + 1000.0 * C**-0.5
    fit = scalefit.fit("saturating_power_law", C=C, loss=loss)
    d = fit.diagnostics
    assert d.floor_name == "E"
    assert d.floor_at_min_loss
    assert d.has_warning("floor_at_min_loss")


def test_from_params_has_no_diagnostics():
    r = scalefit.from_params("chinchilla", dict(E=E, A=A, B=B, alpha=ALPHA, beta=BETA))
    assert not r.diagnostics.computed


def test_allocation_refuses_unidentified_without_opt_in():
    from scalefit.allocation import compute_optimal, loss_to_compute
    N = 10.0 ** np.linspace(7.5, 10, 40)
    D = 20 * N
    bad = scalefit.fit("chinchilla", N=N, D=D, loss=noisy(N, D))
    with pytest.raises(scalefit.ScalefitError, match="allow_unidentified"):
        compute_optimal(bad, 1e24)
    with pytest.raises(scalefit.ScalefitError, match="not identified"):
        loss_to_compute(bad, 2.0)
    plan = compute_optimal(bad, 1e24, allow_unidentified=True)
    assert "not identified" in plan.warning
    # Opted in, the plan for loss 2.0 has less than one parameter: no model, an error.
    with pytest.raises(scalefit.ScalefitError, match="less than one parameter"):
        loss_to_compute(bad, 2.0, allow_unidentified=True)
    # An identified fit plans without opt-in and carries no warning.
    Ni, Di = isoflop()
    good = scalefit.fit("chinchilla", N=Ni, D=Di, loss=noisy(Ni, Di))
    assert compute_optimal(good, 1e24).warning == ""
