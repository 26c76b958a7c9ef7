"""Reliability (issue 9): hostile inputs at every Python entry point, the CLI
and fit cards; numeric range; property-based fuzzing (hypothesis) of the
parsers and the fit entry points; determinism across runs, thread counts and
Python threads; the status every result carries.

Truth is independent of the engine: planted parameters of synthetic data,
exact reparametrisation under a change of units, and the closed-form
Chinchilla allocation (Hoffmann et al. 2022, App. A, Eq. 4).

The slow-marked stress test (``pytest -m slow -k stress -s``) fits thousands
of random planted datasets and prints convergence and recovery rates
(figures quoted in docs/reliability.md).
"""
from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import warnings

import numpy as np
import pytest

import scalefit
from scalefit import cli

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Derandomized (the same examples every run, so CI is stable) and no example
# database in the source tree; failures found while developing are pinned
# below with @example.
FAST = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Hoffmann et al. 2022, Eq. 10 (rounded), used only as a planted law.
PLANTED = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def chinchilla_loss(p, N, D):
    return p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]


def planted_grid(p=PLANTED, n_range=(1e7, 1e10), d_range=(1e9, 1e12), k=5, sigma=0.0,
                 seed=0):
    rng = np.random.default_rng(seed)
    N, D = np.meshgrid(np.geomspace(*n_range, k), np.geomspace(*d_range, k))
    N, D = N.ravel(), D.ravel()
    loss = chinchilla_loss(p, N, D) * np.exp(sigma * rng.standard_normal(N.size))
    return {"N": N, "D": D, "loss": loss}


@pytest.fixture(scope="module")
def grid():
    return planted_grid(sigma=0.01, seed=1)


@pytest.fixture(scope="module")
def grid_fit(grid):
    return scalefit.fit("chinchilla", grid)


# ---------------------------------------------------------------------------
# 1. Input validation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("column", ["N", "D", "loss", "weights"])
@pytest.mark.parametrize("bad,shown", [(np.nan, "NaN"), (np.inf, "+inf"), (-np.inf, "-inf"),
                                       (0.0, "0"), (-2.0, "-2")])
def test_bad_values_name_column_row_and_value(grid, column, bad, shown):
    data = {k: v.copy() for k, v in grid.items()}
    data["weights"] = np.ones_like(data["loss"])
    data[column][4] = bad
    with pytest.raises(ValueError, match=re.escape(f"column '{column}', row 4 (0-based): "
                                                   f"value {shown}; {column} must be finite")):
        scalefit.fit("chinchilla", data, weights=data["weights"])


def test_shapes_counts_and_names(grid):
    with pytest.raises(ValueError, match="length mismatch: input column 'N' has 24 rows but "
                                         "'loss' has 25"):
        scalefit.fit("chinchilla", N=grid["N"][:-1], D=grid["D"], loss=grid["loss"])
    with pytest.raises(ValueError, match="'weights' has 3 rows but 'loss' has 25"):
        scalefit.fit("chinchilla", grid, weights=[1, 1, 1])
    with pytest.raises(ValueError, match="no data: 0 rows"):
        scalefit.fit("chinchilla", N=[], D=[], loss=[])
    with pytest.raises(ValueError, match=r"too few points: 5 rows, but fitting needs at least "
                                         r"free parameters \+ 1 = 6"):
        scalefit.fit("chinchilla", {k: v[:5] for k, v in grid.items()})
    with pytest.raises(ValueError, match="missing input 'D'"):
        scalefit.fit("chinchilla", N=grid["N"], loss=grid["loss"])
    with pytest.raises(ValueError, match="unknown input 'x'"):
        scalefit.fit("chinchilla", grid, x=grid["N"])
    with pytest.raises(ValueError, match="must be 1-dimensional"):
        scalefit.fit("chinchilla", N=np.ones((5, 5)), D=grid["D"], loss=grid["loss"])
    with pytest.raises(TypeError, match="column 'N' must be numeric"):
        scalefit.fit("chinchilla", N=["a"] * 25, D=grid["D"], loss=grid["loss"])
    with pytest.raises(ValueError):
        scalefit.fit("no_such_law", grid)


def test_integer_float32_and_noncontiguous_arrays_are_exact(grid):
    ref = scalefit.fit("chinchilla", grid)
    # Integers: the same values as float64.
    ints = {k: np.rint(v).astype(np.int64) for k, v in grid.items() if k != "loss"}
    a = scalefit.fit("chinchilla", loss=grid["loss"], **ints)
    b = scalefit.fit("chinchilla", loss=grid["loss"],
                     **{k: v.astype(np.float64) for k, v in ints.items()})
    assert a.params == b.params
    # float32: exactly the float64 of the float32 values.
    f32 = {k: v.astype(np.float32) for k, v in grid.items()}
    c = scalefit.fit("chinchilla", f32)
    d = scalefit.fit("chinchilla", {k: v.astype(np.float64) for k, v in f32.items()})
    assert c.params == d.params
    for k in ("alpha", "beta"):
        assert c.params[k] == pytest.approx(ref.params[k], rel=1e-3)
    # Non-contiguous views (every other element of a doubled array; a
    # Fortran-order column) give bit-identical results.
    strided = {k: np.repeat(v, 2)[::2] for k, v in grid.items()}
    assert not strided["N"].flags.c_contiguous
    assert scalefit.fit("chinchilla", strided).params == ref.params
    fortran = np.asfortranarray(np.stack([grid["N"], grid["D"], grid["loss"]], axis=1))
    e = scalefit.fit("chinchilla", N=fortran[:, 0], D=fortran[:, 1], loss=fortran[:, 2])
    assert e.params == ref.params


def test_pandas_columns_with_missing_values(grid):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(grid)
    assert scalefit.fit("chinchilla", df).params == scalefit.fit("chinchilla", grid).params
    bad = df.copy()
    bad.loc[7, "loss"] = np.nan
    with pytest.raises(ValueError, match=r"column 'loss', row 7 \(0-based\): value NaN"):
        scalefit.fit("chinchilla", bad)
    # Nullable dtypes with pd.NA.
    nullable = df.astype({"N": "Float64"})
    nullable.loc[3, "N"] = pd.NA
    with pytest.raises(ValueError, match=r"column 'N', row 3 \(0-based\): value NaN"):
        scalefit.fit("chinchilla", nullable)
    ints = df.assign(N=df["N"].round().astype("Int64"))
    ints.loc[2, "N"] = pd.NA
    with pytest.raises(ValueError, match=r"column 'N', row 2 \(0-based\): value NaN"):
        scalefit.fit("chinchilla", ints)
    with pytest.raises(TypeError, match="non-numeric dtype"):
        scalefit.fit("chinchilla", df.assign(D=df["D"].astype(str)))
    # A non-default index is ignored (rows are positional).
    shuffled = df.set_index(np.arange(100, 125))
    assert scalefit.fit("chinchilla", shuffled).params == scalefit.fit("chinchilla", df).params


def test_duplicate_rows_warn(grid, capfd):
    data = {k: v.copy() for k, v in grid.items()}
    capfd.readouterr()
    scalefit.fit("chinchilla", data)
    assert "duplicate" not in capfd.readouterr().err
    for k in data:
        data[k][11] = data[k][3]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scalefit.fit("chinchilla", data)
    # A ScalefitWarning (C++ warnings are routed to Python's warnings) or stderr.
    said = capfd.readouterr().err + "".join(str(w.message) for w in caught)
    assert "1 duplicate row(s): row 11 repeats row 3" in said


def test_all_points_at_one_budget_are_flagged():
    C = 1e20
    N = np.geomspace(1e8, 3e9, 12)
    D = C / (6 * N)
    rng = np.random.default_rng(3)
    loss = chinchilla_loss(PLANTED, N, D) * (1 + 0.002 * rng.standard_normal(N.size))
    f = scalefit.fit("chinchilla", N=N, D=D, loss=loss)
    diag = f.diagnostics
    assert not diag.identified
    assert diag.has_warning("single_budget")
    with pytest.raises(ValueError, match="not identified"):
        scalefit.compute_optimal(f, 1e22)


def test_out_of_range_options(grid, grid_fit):
    for delta in (0.0, -1e-3, np.nan, np.inf):
        with pytest.raises(ValueError, match="delta must be finite and > 0"):
            scalefit.fit("chinchilla", grid, delta=delta)
    with pytest.raises(TypeError, match="delta must be a number"):
        scalefit.fit("chinchilla", grid, delta="0.1")
    with pytest.raises(ValueError, match=r"threads must be in \[0, 1024\]"):
        scalefit.fit("chinchilla", grid, threads=-1)
    with pytest.raises(TypeError, match="threads must be an integer"):
        scalefit.fit("chinchilla", grid, threads=1.5)
    with pytest.raises(ValueError, match="unknown parameter 'gamma' in init"):
        scalefit.fit("chinchilla", grid, init={"gamma": 1.0})
    with pytest.raises(ValueError, match="init for 'alpha' is not finite"):
        scalefit.fit("chinchilla", grid, init={"alpha": np.nan})
    with pytest.raises(ValueError, match="unknown solver option"):
        scalefit.fit("chinchilla", grid, solver={"nonsense": 1})
    with pytest.raises(ValueError):
        scalefit.fit("chinchilla", grid, objective="l1")
    for level in (0.0, 1.0, -0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
            grid_fit.conf_int(level)
        with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
            grid_fit.predict(N=[1e9], D=[1e10], level=level)
    with pytest.raises(ValueError, match="n .* must be >= 2"):
        grid_fit.bootstrap(n=1)
    with pytest.raises(ValueError, match=r"threads must be in \[0, 1024\]"):
        grid_fit.bootstrap(n=4, threads=-2)
    with pytest.raises(ValueError):
        grid_fit.bootstrap(n=4, method="subsample", fraction=1.0)
    for C in (0.0, -1e21, np.nan, np.inf):
        with pytest.raises(ValueError):
            scalefit.compute_optimal(grid_fit, C)
    with pytest.raises(ValueError):
        scalefit.compute_optimal(grid_fit, 1e21, k=0.0)
    with pytest.raises(ValueError):
        scalefit.plan_at_ratio(grid_fit, 1e21, -20.0)


def test_predict_evaluate_from_params_and_other_entry_points(grid, grid_fit):
    with pytest.raises(ValueError, match=r"input 'N', row 1 \(0-based\) must be finite"):
        grid_fit.predict(N=[1e9, np.nan], D=[1e10, 1e10])
    with pytest.raises(ValueError, match="row 0"):
        grid_fit.predict(N=[-1e9], D=[1e10])
    with pytest.raises(ValueError):
        grid_fit.predict(N=[1e9], D=[1e10, 2e10])
    with pytest.raises(ValueError, match="'alpha' is not finite"):
        scalefit.from_params("chinchilla", dict(PLANTED, alpha=np.nan))
    with pytest.raises(ValueError, match=r"'A' = -1 is outside the domain of law 'chinchilla': \(0, inf\)"):
        scalefit.from_params("chinchilla", dict(PLANTED, A=-1.0))
    with pytest.raises(ValueError, match="missing parameter 'B'"):
        scalefit.from_params("chinchilla", {k: v for k, v in PLANTED.items() if k != "B"})
    with pytest.raises(ValueError, match="missing parameters"):
        scalefit.evaluate("chinchilla", {"E": 1.0}, N=[1e9], D=[1e10])
    with pytest.raises(ValueError, match=r"input 'N', row 1 \(0-based\) must be finite"):
        scalefit.evaluate("chinchilla", PLANTED, N=[1e9, np.nan], D=[1e10, 1e10])
    with pytest.raises(ValueError, match="'alpha' is not finite"):
        scalefit.evaluate("chinchilla", dict(PLANTED, alpha=np.inf), N=[1e9], D=[1e10])
    out = scalefit.evaluate("chinchilla", PLANTED, N=[1e9], D=[1e10])
    assert out[0] == pytest.approx(chinchilla_loss(PLANTED, 1e9, 1e10), rel=1e-15)
    # isoflop_fit and backtest validate through the same C++ checks.
    iso = planted_grid(k=6, sigma=0.0)
    iso["loss"][5] = np.nan
    with pytest.raises(ValueError, match="row 5"):
        scalefit.isoflop_fit(iso, bootstrap=0)
    with pytest.raises(ValueError):
        scalefit.isoflop_fit(N=[1e9, 2e9], D=[1e10], loss=[3.0, 2.9], bootstrap=0)
    with pytest.raises(ValueError, match="threshold is NaN"):
        scalefit.backtest("chinchilla", grid, threshold=float("nan"))
    for kw in (dict(threads=-1), dict(level=1.5), dict(level=0.0), dict(threshold=np.inf)):
        with pytest.raises(ValueError):
            scalefit.backtest("chinchilla", grid, **kw)
    for kw in (dict(threads=-1), dict(confidence=1.5), dict(confidence=0.0),
               dict(snap_tolerance=-1.0), dict(bootstrap=-5), dict(k=0.0),
               dict(points_each_side=0)):
        with pytest.raises(ValueError):
            scalefit.isoflop_fit(planted_grid(k=6), **dict(dict(bootstrap=0), **kw))
    bt = {k: v.copy() for k, v in grid.items()}
    bt["D"][2] = -1.0
    with pytest.raises(ValueError, match=r"column 'D', row 2"):
        scalefit.backtest("chinchilla", bt)


# --- CLI and fit cards --------------------------------------------------------

def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _csv(grid):
    lines = ["N,D,loss"]
    for i in range(len(grid["loss"])):
        lines.append(",".join(repr(float(grid[k][i])) for k in ("N", "D", "loss")))
    return "\n".join(lines) + "\n"


def test_cli_bad_inputs_name_file_line_and_column(tmp_path, capsys, grid):
    good = _csv(grid).splitlines()
    cases = {
        "nan": ("nan", r"line 5: column 'loss', row 3"),
        "inf": ("inf", r"line 5: column 'loss', row 3"),
        "neg": ("-1", r"line 5: column 'loss', row 3"),
        "empty": ("", r"line 5, column 3 \('loss'\): empty cell"),
        "text": ("abc", r"line 5, column 3 \('loss'\): 'abc' is not a number"),
    }
    for name, (cell, pattern) in cases.items():
        lines = list(good)
        parts = lines[4].split(",")
        parts[2] = cell
        lines[4] = ",".join(parts)
        path = _write(tmp_path, f"{name}.csv", "\n".join(lines) + "\n")
        assert cli.main(["fit", path, "--law", "chinchilla", "--quiet"]) == cli.EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert re.search(pattern, err), (name, err)
    short = list(good)
    short[6] = "1e9,2e10"
    path = _write(tmp_path, "short.csv", "\n".join(short) + "\n")
    assert cli.main(["fit", path, "--law", "chinchilla", "--quiet"]) == cli.EXIT_BAD_INPUT
    assert "line 7: 2 fields, but the header (line 1) has 3" in capsys.readouterr().err
    path = _write(tmp_path, "few.csv", "\n".join(good[:4]) + "\n")
    assert cli.main(["fit", path, "--law", "chinchilla", "--quiet"]) == cli.EXIT_BAD_INPUT
    assert "too few points" in capsys.readouterr().err
    path = _write(tmp_path, "ok.csv", "\n".join(good) + "\n")
    assert cli.main(["fit", path, "--law", "chinchilla", "--quiet", "--delta", "0"]) == 2
    assert "delta must be finite and > 0" in capsys.readouterr().err
    assert cli.main(["fit", path, "--law", "chinchilla", "--quiet", "--threads", "-1"]) == 2
    assert "threads must be in [0, 1024]" in capsys.readouterr().err


def test_cli_duplicate_rows_warn(tmp_path, capfd, grid):
    lines = _csv(grid).splitlines()
    lines.append(lines[3])
    path = _write(tmp_path, "dup.csv", "\n".join(lines) + "\n")
    capfd.readouterr()
    assert cli.main(["fit", path, "--law", "chinchilla", "--quiet"]) in (0, 1)
    assert "duplicate row(s): row 25 repeats row 2" in capfd.readouterr().err


def test_cli_predict_allocate_bad_values(tmp_path, capsys, grid_fit):
    card = tmp_path / "fit.json"
    grid_fit.save(card)
    for level in ("0", "1", "1.5"):
        assert cli.main(["allocate", str(card), "--flops", "1e22", "--level", level]) == 2
        assert "--level must be in (0, 1)" in capsys.readouterr().err
    assert cli.main(["predict", str(card), "--N", "nan", "--D", "1e10"]) == 2
    assert "input 'N', row 0 (0-based) must be finite and > 0" in capsys.readouterr().err
    for bad in ("-1", "0", "inf", "nan"):
        assert cli.main(["allocate", str(card), "--flops", "1e22", bad]) == 2
        assert "--flops value 2 must be finite and > 0" in capsys.readouterr().err


def test_fit_card_bad_content_names_field(grid_fit):
    card = json.loads(grid_fit.to_card())
    with pytest.raises(ValueError):
        scalefit.loads("{")
    with pytest.raises(ValueError):
        scalefit.loads("")
    with pytest.raises(TypeError):
        scalefit.loads(b"{}")
    for idx, value in ((0, "nan"), (3, None), (3, "abc"), (1, -5.0)):
        c = json.loads(json.dumps(card))
        c["parameters"][idx]["value"] = value
        with pytest.raises(ValueError, match=r"parameters\[%d\]" % idx):
            scalefit.loads(json.dumps(c))


# ---------------------------------------------------------------------------
# 2. Numeric range
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("p", [PLANTED, dict(E=1e-3, A=0.05, B=0.5, alpha=0.34, beta=0.28),
                               dict(E=50.0, A=500.0, B=2000.0, alpha=0.34, beta=0.28)])
def test_extreme_ranges_recover_planted_law(p):
    data = planted_grid(p, n_range=(1e3, 1e14), d_range=(1e6, 1e16), k=7)
    f = scalefit.fit("chinchilla", data)
    assert f.converged, f.message
    for k, v in p.items():
        assert f.params[k] == pytest.approx(v, rel=1e-5), k
    pred = f.predict(N=[1e3, 1e14, 1e20], D=[1e6, 1e16, 1e25])
    assert np.all(np.isfinite(pred))
    assert pred[2] == pytest.approx(chinchilla_loss(p, 1e20, 1e25), rel=1e-5)


def test_change_of_units_rescales_parameters():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(planted_grid(sigma=0.01, seed=5))
    ref = scalefit.fit("chinchilla", df)
    # N in millions, D in billions: A' = A * 1e-6**alpha, B' = B * 1e-9**beta.
    f = scalefit.fit("chinchilla", df.assign(N=df["N"] / 1e6, D=df["D"] / 1e9))
    assert f.converged and ref.converged
    a, b = ref.params["alpha"], ref.params["beta"]
    assert f.params["alpha"] == pytest.approx(a, rel=1e-6)
    assert f.params["beta"] == pytest.approx(b, rel=1e-6)
    assert f.params["E"] == pytest.approx(ref.params["E"], rel=1e-6)
    assert f.params["A"] == pytest.approx(ref.params["A"] * 1e-6 ** a, rel=1e-5)
    assert f.params["B"] == pytest.approx(ref.params["B"] * 1e-9 ** b, rel=1e-5)


def test_allocation_finite_and_exact_from_1e12_to_1e30():
    p = PLANTED
    r = scalefit.from_params("chinchilla", p)
    C = np.geomspace(1e12, 1e30, 7)
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1 / (p["alpha"] + p["beta"]))
    a = p["beta"] / (p["alpha"] + p["beta"])
    for method in ("closed_form", "numeric"):
        t = scalefit.compute_optimal(r, C, method=method)
        for col in ("N_opt", "D_opt", "loss_opt", "tokens_per_param"):
            assert np.all(np.isfinite(t[col])), (method, col)
        np.testing.assert_allclose(6 * t["N_opt"] * t["D_opt"], C, rtol=1e-12)
        np.testing.assert_allclose(t["N_opt"], G * (C / 6) ** a, rtol=1e-6)


def test_degenerate_vanishing_exponent_is_flagged():
    C = np.geomspace(1e12, 1e20, 10)
    rng = np.random.default_rng(5)
    loss = (1.0 + 2.0 * C ** -1e-3) * (1 + 5e-4 * rng.standard_normal(C.size))
    f = scalefit.fit("saturating_power_law", C=C, loss=loss)
    assert all(math.isfinite(v) for v in f.params.values())
    assert (not f.converged) or (not f.diagnostics.identified), f.report()


def test_degenerate_floor_at_minimum_loss_is_flagged():
    # L = 2 + 1e18/C: the last runs sit at the floor to 1e-5.
    C = np.geomspace(1e17, 1e23, 9)
    loss = 2.0 + 1e18 / C
    f = scalefit.fit("saturating_power_law", C=C, loss=loss)
    assert all(math.isfinite(v) for v in f.params.values())
    assert (not f.converged) or f.diagnostics.has_warning("floor_at_min_loss"), f.report()


# ---------------------------------------------------------------------------
# 4. Fuzzing (hypothesis)
# ---------------------------------------------------------------------------

_cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "inf", "-inf", "0", "-1", "1e400", "abc", " ", "1,2", '"3"',
                     "1e-320", "0x10", "NaN", "+5"]),
    st.floats(min_value=1e-3, max_value=1e15).map(repr),
)


@FAST
@given(header=st.lists(st.sampled_from(["x", "loss", "y", "", "x ", "#x", "weights"]),
                       min_size=0, max_size=4),
       rows=st.lists(st.lists(_cell, min_size=0, max_size=4), min_size=0, max_size=12),
       noise=st.text(max_size=20))
def test_fuzz_cli_csv(tmp_path_factory, header, rows, noise):
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows) + "\n" + noise
    path = tmp_path_factory.mktemp("csv") / "runs.csv"
    path.write_text(text, encoding="utf-8")
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["fit", str(path), "--law", "power_law", "--quiet"])
    assert code in (cli.EXIT_OK, cli.EXIT_NOT_CONVERGED, cli.EXIT_BAD_INPUT)
    if code == cli.EXIT_BAD_INPUT:
        assert err.getvalue().startswith("scalefit: error: "), err.getvalue()
    assert "Traceback" not in err.getvalue()


@pytest.fixture(scope="module")
def card_text(grid_fit):
    return grid_fit.to_card(include_data=True)


def _check_loaded(text):
    try:
        r = scalefit.loads(text)
    except (ValueError, TypeError):
        return None
    assert all(math.isfinite(v) for v in r.params.values())
    repr(r)
    return r


@FAST
@given(st.text(max_size=200))
def test_fuzz_fit_card_random_text(text):
    _check_loaded(text)


@FAST
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3),
                                st.sampled_from(list('{}[]",:0123456789.eE+-naiftrul \n'))),
                      min_size=1, max_size=4))
def test_fuzz_fit_card_mutations(card_text, edits):
    s = card_text
    for pos, op, ch in edits:
        if not s:
            break
        pos %= len(s)
        if op == 0:
            s = s[:pos] + ch + s[pos + 1:]
        elif op == 1:
            s = s[:pos] + s[pos + 1 + pos % 7:]
        elif op == 2:
            s = s[:pos] + ch + s[pos:]
        else:
            s = s[:pos]
    _check_loaded(s)


@FAST
@given(st.dictionaries(st.sampled_from(["law", "parameters", "objective", "data", "format",
                                        "converged", "delta", "flop_convention", "x"]),
                       st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5)
                                    | st.integers(),
                                    lambda c: st.lists(c, max_size=3)
                                    | st.dictionaries(st.text(max_size=6), c, max_size=3),
                                    max_leaves=8)))
def test_fuzz_fit_card_structured(doc):
    _check_loaded(json.dumps(doc))


_leaf = st.sampled_from(["E", "A", "alpha", "N", "2.5", "0", "1e309", "1e-320"])
_expr = st.recursive(
    _leaf,
    lambda sub: st.one_of(
        st.tuples(sub, st.sampled_from([" + ", " - ", " * ", " / ", " ^ ", "**"]), sub)
        .map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(st.sampled_from(["log", "exp", "sqrt", "min", "max", "nope"]), sub)
        .map(lambda t: f"{t[0]}({t[1]})"),
        sub.map(lambda e: "-" + e)),
    max_leaves=8)
_junk = st.text(alphabet="()+-*/^,.eE0123456789 NA_@é", max_size=4)


@FAST
@given(expr=_expr, junk=_junk, pos=st.integers(0, 100))
def test_fuzz_formula_laws(expr, junk, pos):
    cut = pos % (len(expr) + 1)
    formula = expr if pos % 3 else expr[:cut] + junk + expr[cut:]
    try:
        lw = scalefit.law(formula, inputs=["N"])
    except (ValueError, TypeError):
        return
    params = {n: 0.5 for n in lw.param_names}
    try:
        out = scalefit.evaluate(lw, params, N=[1e-300, 1.0, 1e9, 1e300])
    except ValueError:
        return
    assert len(out) == 4


_value = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(min_value=1e-300, max_value=1e300),
                   st.integers(-5, 10**12))


@FAST
@given(law=st.sampled_from(["power_law", "saturating_power_law", "chinchilla"]),
       n=st.integers(0, 12), data=st.data())
def test_fuzz_fit_random_arrays(law, n, data):
    lw = scalefit.law(law)
    cols = {name: data.draw(st.lists(_value, min_size=n, max_size=n)) for name in lw.input_names}
    loss = data.draw(st.lists(_value, min_size=n, max_size=n))
    try:
        f = scalefit.fit(lw, loss=loss, **cols)
    except ValueError:
        return
    assert all(math.isfinite(v) for v in f.params.values())
    if not math.isfinite(f.objective):
        assert not f.converged
    assert f.converged == (f.message == "converged")


@FAST
@given(alpha=st.floats(0.05, 1.5), A=st.floats(1e-2, 1e4), lo=st.floats(0.0, 10.0),
       decades=st.floats(2.0, 8.0), sigma=st.sampled_from([0.0, 1e-3]),
       seed=st.integers(0, 2**32 - 1))
# Found by hypothesis: huber_log with noise ~ delta once stopped at a
# relative gradient of 1.3e-6 (> 1e-6) and was reported NOT converged although
# the parameters were right. It certifies with the current solver (the
# second session's changes to the local solve); pinned so that either
# outcome stays checked.
@example(alpha=0.05, A=0.05, lo=0.05, decades=2.0, sigma=1e-3, seed=30374446)
def test_property_power_law_recovery(alpha, A, lo, decades, sigma, seed):
    x = np.geomspace(10 ** lo, 10 ** (lo + decades), 12)
    rng = np.random.default_rng(seed)
    loss = A * x ** -alpha * np.exp(sigma * rng.standard_normal(x.size))
    f = scalefit.fit("power_law", x=x, loss=loss)
    assert all(math.isfinite(v) for v in f.params.values())
    if sigma == 0:
        assert f.converged, f.message  # an exact fit always certifies
    # Noise-free: exact. Noisy (0.1 %): the least-squares slope of 12 points
    # evenly spread over >= 2 decades (ln-range 4.6, sd of ln x 1.33) has
    # sd 1e-3 / (1.33 * sqrt(12)) = 2.2e-4; 0.01 is > 40 sd.
    tol = 1e-7 if sigma == 0 else 0.01
    if f.converged:
        assert f.params["alpha"] == pytest.approx(alpha, abs=tol)
    else:
        assert "not certified" in f.message or "did not converge" in f.message


# ---------------------------------------------------------------------------
# 5. Determinism and threads
# ---------------------------------------------------------------------------

def test_fit_bit_identical_across_runs_and_thread_counts(grid):
    ref = scalefit.fit("chinchilla", grid, threads=1, solver={"num_polish": 6})
    for threads in (1, 2, 3, 0):
        f = scalefit.fit("chinchilla", grid, threads=threads, solver={"num_polish": 6})
        assert f.params == ref.params, threads
        assert f.objective == ref.objective


def test_bootstrap_bit_identical_across_thread_counts(grid_fit):
    a = grid_fit.bootstrap(n=10, seed=3, threads=1)
    b = grid_fit.bootstrap(n=10, seed=3, threads=3)
    assert np.array_equal(a.samples, b.samples)
    assert np.array_equal(a.converged, b.converged)
    c = grid_fit.bootstrap(n=10, seed=4, threads=1)
    assert not np.array_equal(a.samples, c.samples)


def test_concurrent_fits_from_python_threads(grid):
    ref = scalefit.fit("chinchilla", grid)
    datasets = [planted_grid(sigma=0.01, seed=s) for s in range(4)]
    serial = [scalefit.fit("chinchilla", d).params for d in datasets]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda d: scalefit.fit("chinchilla", d).params, datasets * 2))
    assert parallel == serial * 2
    assert scalefit.fit("chinchilla", grid).params == ref.params


def test_gil_is_released_during_a_fit():
    df = scalefit.datasets.chinchilla()
    done = threading.Event()
    result = {}

    def work():
        result["fit"] = scalefit.fit("chinchilla", df, grid="hoffmann")
        done.set()

    t = threading.Thread(target=work)
    t0 = time.monotonic()
    t.start()
    ticks = 0
    while not done.is_set():
        time.sleep(0.002)
        ticks += 1
    t.join()
    elapsed = time.monotonic() - t0
    assert result["fit"].converged
    # With the GIL held for the whole fit this loop could not run during it.
    if elapsed > 0.2:
        assert ticks >= 10, (ticks, elapsed)


# ---------------------------------------------------------------------------
# 6. Failure reporting
# ---------------------------------------------------------------------------

def test_unconverged_fit_reports_why(grid, capfd):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = scalefit.fit("chinchilla", grid, grid="init",
                         init=dict(E=0.5, A=10.0, B=1e5, alpha=1.0, beta=0.1),
                         solver={"max_iterations": 1})
    assert not f.converged
    assert f.message.startswith("solver did not converge")
    assert f.message in f.report()
    assert f.diagnostics.has_warning("not_converged")
    said = capfd.readouterr().err + "".join(str(w.message) for w in caught)
    assert "fit of 'chinchilla'" in said


def test_every_bootstrap_replicate_has_a_status(grid_fit):
    b = grid_fit.bootstrap(n=8, seed=1, threads=2, max_retries=0)
    assert len(b.converged) == len(b.messages) == len(b.attempts) == 8
    assert all(m for m in b.messages)
    assert sorted(b.failed) == [i for i in range(8) if not b.converged[i]]
    assert b.num_failed == len(b.failed)


def test_allocation_from_unidentified_fit_is_refused_with_reason():
    N = np.geomspace(1e7, 1e10, 10)
    D = 20 * N
    f = scalefit.fit("chinchilla", N=N, D=D, loss=chinchilla_loss(PLANTED, N, D))
    assert not f.diagnostics.identified
    with pytest.raises(ValueError, match="tokens per parameter"):
        scalefit.compute_optimal(f, 1e23)
    t = scalefit.compute_optimal(f, 1e23, allow_unidentified=True)
    assert t.warning
    assert np.isfinite(t["N_opt"][0])


# ---------------------------------------------------------------------------
# Stress: thousands of random planted datasets (slow)
# ---------------------------------------------------------------------------

def _stress_case(rng, law):
    """A random valid design of a planted law with noise; returns (kwargs,
    truth, exponent names, noise sd)."""
    sigma = float(rng.choice([0.0, 1e-3, 5e-3]))
    if law == "power_law":
        alpha = rng.uniform(0.05, 1.5)
        A = 10 ** rng.uniform(-1, 3)
        x = np.geomspace(10 ** rng.uniform(0, 6), 1, 10) * 10 ** rng.uniform(2, 6)
        loss = A * x ** -alpha
        kw = dict(x=x)
        truth = dict(A=A, alpha=alpha)
    elif law == "saturating_power_law":
        alpha = rng.uniform(0.1, 0.6)
        C = np.geomspace(1, 10 ** rng.uniform(4, 8), 12) * 10 ** rng.uniform(12, 20)
        E = rng.uniform(0.5, 3.0)
        # Reducible part from ~E at the smallest C down to a few % of E.
        A = E * rng.uniform(0.5, 3.0) * C[0] ** alpha
        loss = E + A * C ** -alpha
        kw = dict(C=C)
        truth = dict(E=E, A=A, alpha=alpha)
    else:
        alpha, beta = rng.uniform(0.2, 0.6, 2)
        E = rng.uniform(1.0, 2.5)
        N = np.geomspace(1, 10 ** rng.uniform(2.5, 3.5), 6) * 10 ** rng.uniform(6, 8)
        ratios = np.geomspace(1, 10 ** rng.uniform(2, 3), 6) * rng.uniform(1, 10)
        NN, RR = np.meshgrid(N, ratios)
        Nf, Df = NN.ravel(), (NN * RR).ravel()
        A = E * rng.uniform(0.3, 2.0) * N[0] ** alpha
        B = E * rng.uniform(0.3, 2.0) * Df.min() ** beta
        loss = E + A * Nf ** -alpha + B * Df ** -beta
        kw = dict(N=Nf, D=Df)
        truth = dict(E=E, A=A, B=B, alpha=alpha, beta=beta)
    loss = loss * np.exp(sigma * rng.standard_normal(len(loss)))
    return kw, loss, truth, sigma


@pytest.mark.slow
def test_stress_random_planted_datasets():
    """Thousands of random valid datasets: convergence and recovery rates.

    recovered: every exponent within 5 % (noise sd 0.5 %), 1 % (0.1 %) or
    1e-5 (noise-free) relative of the planted value. consistent: every
    exponent within 4 of the fit's own Gauss-Newton standard errors
    (diagnostics.exponent_rel_se) or the tolerance above; a fit that is
    converged and identified but not consistent is "silently wrong".
    Size: env SCALEFIT_STRESS_N (default 5000)."""
    total = int(os.environ.get("SCALEFIT_STRESS_N", "5000"))
    mix = {"power_law": 0.4, "saturating_power_law": 0.4, "chinchilla": 0.2}
    rng = np.random.default_rng(20261128)
    tol = {0.0: 1e-5, 1e-3: 0.01, 5e-3: 0.05}
    stats = {}
    t0 = time.monotonic()
    for law, share in mix.items():
        n = int(round(total * share))
        s = dict(n=n, converged=0, identified=0, recovered=0, consistent=0, nan=0,
                 silent_wrong=0)
        for _ in range(n):
            kw, loss, truth, sigma = _stress_case(rng, law)
            f = scalefit.fit(law, loss=loss, **kw)
            vals = f.params
            if not all(math.isfinite(v) for v in vals.values()):
                s["nan"] += 1
            d = f.diagnostics
            se = dict(zip(d.exponent_names, d.exponent_rel_se))
            exps = [k for k in truth if k in ("alpha", "beta")]
            err = {k: abs(vals[k] / truth[k] - 1) for k in exps}
            recovered = all(err[k] <= tol[sigma] for k in exps)
            consistent = all(err[k] <= max(tol[sigma], 4 * se[k]) for k in exps)
            s["converged"] += f.converged
            s["identified"] += d.identified
            s["recovered"] += recovered
            s["consistent"] += consistent
            s["silent_wrong"] += f.converged and d.identified and not consistent
        stats[law] = s
    elapsed = time.monotonic() - t0
    print(f"\nstress: {total} datasets in {elapsed:.0f} s")
    for law, s in stats.items():
        n = s["n"]
        print(f"  {law:22s} n={n:5d}  converged {s['converged'] / n:.4f}  "
              f"identified {s['identified'] / n:.4f}  recovered {s['recovered'] / n:.4f}  "
              f"consistent {s['consistent'] / n:.4f}  silently wrong {s['silent_wrong']}  "
              f"NaN {s['nan']}")
    for law, s in stats.items():
        assert s["nan"] == 0, law
        assert s["converged"] / s["n"] >= 0.97, (law, s)
        assert s["recovered"] / s["n"] >= 0.9, (law, s)
        assert s["silent_wrong"] / s["n"] <= 0.005, (law, s)
