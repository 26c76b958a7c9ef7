"""Kaplan et al. 2020 (arXiv:2001.08361) from Python: the laws
kaplan_steps (Eq. 5.6) and critical_batch (Eq. 5.3), the accounting of
Eqs. 5.4-5.5 and the compute-efficient frontier of §6 / App. B; the numbers
are the paper's (table and equation next to each)."""
import math

import numpy as np
import pytest

import scalefit

PF_DAY = 8.64e19  # FLOPs (§1.3)


@pytest.fixture(scope="module")
def table5():
    # Table 5 (App. A): alpha_N 0.076, N_c 8.8e13; alpha_S 0.76, S_c 2.1e3;
    # alpha_B 0.21, B_* 2.1e8 tokens.
    steps = scalefit.from_params("kaplan_steps", {"N_c": 8.8e13, "alpha_N": 0.076,
                                                  "S_c": 2.1e3, "alpha_S": 0.76})
    batch = scalefit.from_params("critical_batch", {"B_star": 2.1e8, "alpha_B": 0.21})
    return steps, batch


def test_frontier_exponents_section6(table5):
    f = scalefit.kaplan_compute_efficient(*table5, [PF_DAY, 1e3 * PF_DAY])
    # App. B.2: alpha_C = 1/(1/alpha_S + 1/alpha_B + 1/alpha_N) ~ 0.052.
    assert f.alpha_C == pytest.approx(1 / (1 / 0.76 + 1 / 0.21 + 1 / 0.076), rel=1e-14)
    assert f.alpha_C == pytest.approx(0.052, abs=5e-4)
    # Eq. 1.7 exponents; Table 6 p_B = 0.24; the three add to 1.
    assert f.p_B == pytest.approx(0.24, abs=0.01)
    assert f.p_N == pytest.approx(0.684, abs=1e-3)
    assert f.p_N + f.p_B + f.p_S == pytest.approx(1.0, abs=1e-14)
    assert f.convergence_factor == pytest.approx(0.1)  # alpha_N/alpha_S (App. B.2)
    df = f.to_dataframe()
    assert list(df.columns) == ["C_min", "N_opt", "B_crit", "S_min", "tokens_min", "loss"]
    assert math.log(df["N_opt"][1] / df["N_opt"][0]) / math.log(1e3) == pytest.approx(f.p_N)
    assert np.allclose(6 * df["N_opt"] * df["B_crit"] * df["S_min"], df["C_min"], rtol=1e-12)
    assert "alpha_C" in f.report() and "KaplanFrontier" in repr(f)


def test_accounting_eq_5_4_and_5_5(table5):
    _, batch = table5
    L = 3.0
    bc = 2.1e8 / L ** (1 / 0.21)  # Eq. 5.3
    smin = scalefit.minimum_steps(batch, S=[1e4], B=[bc], L=[L])
    assert smin[0] == pytest.approx(5e3)  # at B = B_crit: S = 2 S_min (§5.1)
    cmin = scalefit.minimum_compute(batch, C=[6e8 * bc * 1e4], B=[bc], L=[L])
    assert cmin[0] == pytest.approx(0.5 * 6e8 * bc * 1e4)
    with pytest.raises(scalefit.ScalefitError, match="column 'L', row 0"):
        scalefit.minimum_steps(batch, S=[1e4], B=[bc], L=[-1.0])


def test_errors(table5):
    steps, batch = table5
    with pytest.raises(scalefit.ScalefitError, match="'kaplan_steps' law"):
        scalefit.kaplan_compute_efficient(batch, batch, [1e20])
    with pytest.raises(scalefit.ScalefitError, match=r"C_min\[0\]"):
        scalefit.kaplan_compute_efficient(steps, batch, [0.0])
