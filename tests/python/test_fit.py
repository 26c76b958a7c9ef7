"""Foundation: scalefit.fit on the Epoch data, the Python API contract, inputs
of every shape and dtype, bad input, logging and the GIL."""
import json
import math
import threading

import numpy as np
import pytest

import scalefit

# Besiroglu et al. 2024 (arXiv:2404.10102), Hoffmann's recipe replayed on the
# 240 retained rows: A 477.8417, B 2143.8638, E 1.817236, alpha 0.3473127,
# beta 0.3671826 (epoch-chinchilla SOURCE.md).
HOFFMANN_UNROUNDED = dict(A=math.exp(6.0073404), B=math.exp(6.0179186),
                          E=math.exp(0.5267228), alpha=0.33917084, beta=0.2849083)


@pytest.fixture(scope="module")
def epoch():
    return scalefit.datasets.chinchilla()


def check_epoch(fit):
    p = fit.params
    assert fit.converged, fit.message
    assert p["E"] == pytest.approx(1.8172, abs=5e-4)
    assert p["alpha"] == pytest.approx(0.3473, abs=2e-3)
    assert p["beta"] == pytest.approx(0.3672, abs=2e-3)
    assert p["A"] == pytest.approx(478, rel=0.05)
    assert p["B"] == pytest.approx(2143, rel=0.05)


def test_dataset_shape_and_citation(epoch):
    assert len(epoch) == 240
    full = scalefit.datasets.chinchilla(include_excluded=True)
    assert len(full) == 245 and int(full["excluded"].sum()) == 5
    np.testing.assert_allclose(full["C"], 6 * full["N"] * full["D"], rtol=1e-6)
    assert "Besiroglu" in scalefit.datasets.chinchilla.__doc__


def test_default_fit_reaches_published_optimum(epoch):
    fit = scalefit.fit("chinchilla", epoch)
    check_epoch(fit)
    assert fit.objective == pytest.approx(0.00101827, abs=1e-8)
    assert fit.objective_name == "huber_log" and fit.delta == 1e-3
    assert fit.num_points == 240 and fit.num_best_basin >= 1
    assert set(fit.params) == {"E", "A", "B", "alpha", "beta"}
    assert "converged" in repr(fit) and "\n" not in repr(fit)
    assert "alpha" in fit.report() and "6ND" in fit.report()


def test_hoffmann_start_weights_and_grid(epoch):
    check_epoch(scalefit.fit("chinchilla", epoch, init=HOFFMANN_UNROUNDED, grid="init"))
    ref = scalefit.fit("chinchilla", epoch)
    for scale in (1e-6, 1e6):
        f = scalefit.fit("chinchilla", epoch, weights=np.full(240, scale))
        check_epoch(f)
        for k, v in ref.params.items():
            assert f.params[k] == pytest.approx(v, rel=1e-6)


def test_inputs_by_keyword_any_dtype_and_layout(epoch):
    N = epoch["N"].to_numpy()
    D = epoch["D"].to_numpy()
    L = epoch["loss"].to_numpy()
    ref = scalefit.fit("chinchilla", N=N, D=D, loss=L)
    # lists, float32 (loses precision: compare loosely), non-contiguous views
    as_lists = scalefit.fit("chinchilla", N=list(N), D=list(D), loss=list(L))
    assert as_lists.params == ref.params
    wide = np.stack([N, N]).T  # column 0 is a strided view
    strided = scalefit.fit("chinchilla", N=wide[:, 0], D=D, loss=L)
    assert strided.params == ref.params
    f32 = scalefit.fit("chinchilla", N=N.astype(np.float32), D=D.astype(np.float32),
                       loss=L.astype(np.float32))
    assert f32.params["alpha"] == pytest.approx(ref.params["alpha"], abs=1e-3)
    # dict data with a mapped column name
    mapped = scalefit.fit("chinchilla", {"params": N, "D": D, "L": L},
                          columns={"N": "params"}, loss="L")
    assert mapped.params == ref.params
    # integer columns work
    xs = np.array([1, 2, 4, 8, 16, 32, 64, 128])
    ys = 3.0 * xs.astype(float) ** -0.5
    pw = scalefit.fit("power_law", x=xs, loss=ys)
    assert pw.params["alpha"] == pytest.approx(0.5, rel=1e-6)


def test_predict_and_evaluate_agree(epoch):
    fit = scalefit.fit("chinchilla", epoch)
    p = fit.params
    N, D = np.array([1e9, 7e10]), np.array([2e10, 1.4e12])
    expected = p["E"] + p["A"] * N ** -p["alpha"] + p["B"] * D ** -p["beta"]
    np.testing.assert_allclose(fit.predict(N=N, D=D), expected, rtol=1e-12)
    np.testing.assert_allclose(scalefit.evaluate("chinchilla", p, N=N, D=D), expected,
                               rtol=1e-12)
    given = scalefit.from_params("chinchilla", p)
    assert not given.has_data
    np.testing.assert_array_equal(given.predict(N=N, D=D), fit.predict(N=N, D=D))


def test_planted_recovery_every_foundation_law():
    x = np.logspace(6, 12, 30)
    planted = {
        "power_law": dict(A=50.0, alpha=0.2),
        "saturating_power_law": dict(E=1.5, A=80.0, alpha=0.15),
    }
    for law, truth in planted.items():
        loss = scalefit.evaluate(law, truth, **{scalefit.law(law).input_names[0]: x})
        f = scalefit.fit(law, loss=loss, **{scalefit.law(law).input_names[0]: x})
        assert f.converged, (law, f.message)
        for k, v in truth.items():
            assert f.params[k] == pytest.approx(v, rel=1e-6), (law, k)


def test_fixed_and_tie(epoch):
    fixed = scalefit.fit("chinchilla", epoch, fixed=["alpha"], init={"alpha": 0.3})
    assert fixed.params["alpha"] == 0.3
    tied = scalefit.fit("chinchilla", epoch, tie={"beta": "alpha"})
    assert tied.params["alpha"] == tied.params["beta"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(law="chinchila"), "unknown law 'chinchila'"),
    (dict(init={"gamma": 1.0}), "unknown parameter 'gamma'"),
    (dict(bounds={"alpha": (0.5, 0.1)}), "lower"),
    (dict(delta=0.0), "delta"),
    (dict(delta=-1.0), "delta"),
    (dict(objective="huber"), "unknown objective"),
    (dict(grid="everything"), "grid"),
    (dict(threads=-1), "threads"),
])
def test_bad_options_raise_value_error(epoch, kwargs, match):
    law = kwargs.pop("law", "chinchilla")
    with pytest.raises(ValueError, match=match):
        scalefit.fit(law, epoch, **kwargs)


@pytest.mark.parametrize("column, row, value", [
    ("N", 3, np.nan), ("D", 7, np.inf), ("N", 11, 0.0), ("D", 12, -5.0),
    ("loss", 13, -1.0), ("loss", 14, np.nan),
])
def test_bad_values_name_row_and_column(epoch, column, row, value):
    df = epoch.copy()
    df.loc[df.index[row], column] = value
    with pytest.raises(ValueError, match=rf"'{column}', row {row}"):
        scalefit.fit("chinchilla", df)


def test_shape_and_type_errors(epoch):
    N, D, L = (epoch[c].to_numpy() for c in ("N", "D", "loss"))
    with pytest.raises(ValueError, match="length mismatch"):
        scalefit.fit("chinchilla", N=N[:-1], D=D, loss=L)
    with pytest.raises(ValueError, match="too few points"):
        scalefit.fit("chinchilla", N=N[:5], D=D[:5], loss=L[:5])
    with pytest.raises(ValueError, match="missing input 'D'"):
        scalefit.fit("chinchilla", N=N, loss=L)
    with pytest.raises(ValueError, match="unknown input 'S'"):
        scalefit.fit("chinchilla", N=N, D=D, S=N, loss=L)
    # C for a law without a C input is the runs' reported compute: checked against 6ND.
    with pytest.raises(ValueError, match="column 'C' disagrees with C = 6ND"):
        scalefit.fit("chinchilla", N=N, D=D, C=N, loss=L)
    with pytest.raises(TypeError, match="numeric"):
        scalefit.fit("chinchilla", N=["a"] * 240, D=D, loss=L)
    with pytest.raises(TypeError):
        scalefit.fit(42, N=N, D=D, loss=L)
    with pytest.raises(ValueError, match="no data|too few"):
        scalefit.fit("power_law", x=[], loss=[])
    df = epoch.copy()
    df["N"] = df["N"].astype("object")
    df.loc[df.index[2], "N"] = None  # pandas missing value
    with pytest.raises((ValueError, TypeError), match="row 2|numeric"):
        scalefit.fit("chinchilla", df)


def test_log_level_roundtrip():
    old = scalefit.get_log_level()
    scalefit.set_log_level("debug")
    assert scalefit.get_log_level() == "debug"
    scalefit.set_log_level("warn")
    with pytest.raises(ValueError, match="log level"):
        scalefit.set_log_level("loud")
    assert old in ("warning", "warn", "debug")


def test_concurrent_fits_release_the_gil(epoch):
    # Fits from several Python threads give the same numbers as a serial fit.
    ref = scalefit.fit("chinchilla", epoch).params
    results = [None] * 4

    def work(i):
        results[i] = scalefit.fit("chinchilla", epoch).params

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == ref for r in results)


def test_grid_ranked_on_a_stride_of_rows_reaches_the_all_rows_optimum():
    # Planted Chinchilla (Hoffmann et al. 2022 Eq. 10 values), 1% noise, 5000
    # rows > max_scoring_rows = 2048: the cells are ranked on a stride.
    rng = np.random.default_rng(3)
    n = 5000
    N = 10 ** rng.uniform(7, 10, n)
    D = 10 ** rng.uniform(9, 12, n)
    L = (1.69 + 406.4 / N**0.34 + 410.7 / D**0.28) * np.exp(rng.normal(0, 0.01, n))
    ranked = scalefit.fit("chinchilla", N=N, D=D, loss=L)
    every = scalefit.fit("chinchilla", N=N, D=D, loss=L, solver={"max_scoring_rows": 0})
    assert ranked.converged and every.converged
    assert ranked.objective == pytest.approx(every.objective, rel=1e-9)
    assert ranked.params["alpha"] == pytest.approx(0.34, abs=0.01)
    assert ranked.params["beta"] == pytest.approx(0.28, abs=0.01)
    assert "ranked on at most 2048 of the 5000 rows" in ranked.report()
    assert "ranked on" not in every.report()
    assert json.loads(ranked.to_card())["options"]["max_scoring_rows"] == 2048
    with pytest.raises(ValueError, match="max_scoring_rows"):
        scalefit.fit("chinchilla", N=N, D=D, loss=L, solver={"max_scoring_rows": -1})


def test_screened_grid_matches_full_polish_and_round_trips(epoch, tmp_path):
    # 18 starts (> num_refined = 4): screened, the best 4 refined. Polishing
    # every start to full tolerance gives the same optimum.
    grid = {"alpha": [0.1, 0.5, 1.0], "beta": [0.1, 0.5, 1.0], "A": [10.0, 1000.0]}
    screened = scalefit.fit("chinchilla", epoch, grid=grid)
    full = scalefit.fit("chinchilla", epoch, grid=grid, solver={"screening_tolerance": 0.0})
    assert screened.screened and not full.screened
    assert screened.converged and full.converged
    assert screened.objective == pytest.approx(full.objective, rel=1e-10)
    assert screened.to_dict()["screened"] is True
    assert "screened" in screened.report()
    path = tmp_path / "screened.json"
    screened.save(path)
    card = json.loads(path.read_text())
    assert card["options"]["screening_tolerance"] == 1e-6
    assert card["options"]["num_refined"] == 4
    assert scalefit.load(path).screened
    with pytest.raises(ValueError, match="screening_tolerance"):
        scalefit.fit("chinchilla", epoch, solver={"screening_tolerance": -1.0})
    with pytest.raises(ValueError, match="num_refined"):
        scalefit.fit("chinchilla", epoch, solver={"num_refined": 0})
