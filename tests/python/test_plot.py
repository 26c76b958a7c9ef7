"""Plots render to PNG headlessly (Agg) and draw the library's numbers.
matplotlib is a test dependency (pyproject [test]): a missing matplotlib
fails here rather than skipping every plot test."""
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import scalefit  # noqa: E402
from scalefit import plot  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return scalefit.datasets.chinchilla()


@pytest.fixture(scope="module")
def result(data):
    return scalefit.fit("chinchilla", data)


def _png(ax, tmp_path, name):
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plt.close(ax.figure)


def _curves(ax):
    """The drawn curves (not the vertical data-end marker)."""
    return [l for l in ax.get_lines() if len(np.unique(l.get_xdata())) > 2]


def _tick_texts(ax):
    ax.figure.canvas.draw()
    return [t.get_text() for axis in (ax.xaxis, ax.yaxis)
            for t in axis.get_ticklabels(which="both") if t.get_text()]


def test_fit_plot_draws_the_law(result, data, tmp_path):
    ax = plot.fit(result, data, x="D", level=0.9)
    assert ax.get_xscale() == "log"
    # Every curve is the law's own prediction at one of six sizes spread
    # over the runs' N (log-spaced drawing positions).
    sizes = np.geomspace(data["N"].min(), data["N"].max(), 6)
    curves = _curves(ax)
    assert len(curves) == 6
    for line in curves:
        xs, ys = line.get_data()
        assert any(np.array_equal(ys, result.predict(N=np.full_like(xs, n), D=xs))
                   for n in sizes)
        assert xs.max() > data["D"].max() * 9  # extrapolated range
    # Units on the axes, the band in the legend, the end of the data marked.
    assert ax.get_xlabel() == "training tokens D" and ax.get_ylabel() == "loss"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "90% confidence band (delta)" in labels and "runs" in labels
    ends = [l for l in ax.get_lines() if len(np.unique(l.get_xdata())) == 1]
    assert ends and ends[0].get_xdata()[0] == data["D"].max()
    assert any(t.get_text() == "largest run" for t in ax.texts)
    # Every run is drawn (coloured by N), none greyed out.
    assert len(ax.collections[0].get_offsets()) == len(data)
    # Plain log ticks: 2, 3, 4 on the loss axis, never 3×10⁰.
    texts = _tick_texts(ax)
    assert "3" in texts and not any("×10⁰" in t for t in texts)
    _png(ax, tmp_path, "fit")


def test_fit_plot_on_an_isoflop_design_colours_by_budget(tmp_path):
    df = scalefit.datasets.porian2024()
    r = scalefit.fit("chinchilla", df)
    ax = plot.fit(r, df)
    iso = scalefit.isoflop_fit(df, bootstrap=0)
    budgets = list(iso.budgets["C"])
    curves = _curves(ax)
    assert len(curves) == len(budgets)
    fm = scalefit._core.FlopModel.six_nd(6.0)
    for line, C in zip(curves, budgets):
        xs, ys = line.get_data()
        D = fm.tokens(xs, C)
        np.testing.assert_allclose(6.0 * xs * D, C, rtol=1e-12)  # on the isoFLOP line
        # The plot's budget is the mean of its group's C; Approach 2 reports
        # the same budget to rounding, so the curves agree to ~1e-12.
        np.testing.assert_allclose(ys, r.predict(N=xs, D=D), rtol=1e-9)
    assert ax.get_xlabel() == "parameters N"
    assert "budget" in ax.get_title()
    _png(ax, tmp_path, "fit_isoflop")


def test_fit_plot_uses_the_given_axes(tmp_path):
    fig, ax = plt.subplots()
    r = scalefit.from_params("power_law", {"A": 10.0, "alpha": 0.3})
    out = plot.fit(r, {"x": [1.0, 10.0, 100.0], "loss": [10.0, 5.0, 2.5]}, ax=ax)
    assert out is ax
    _png(ax, tmp_path, "power")
    with pytest.raises(ValueError, match="pass data"):
        plot.fit(scalefit.from_params("chinchilla", {"E": 1.7, "A": 400.0, "B": 410.0,
                                                     "alpha": 0.34, "beta": 0.28}))


def test_loss_vs_compute_and_allocation(result, data, tmp_path):
    ax = plot.loss_vs_compute(result, data)
    frontier = [l for l in ax.get_lines() if l.get_label() == "compute-optimal frontier L*(C)"][0]
    C, L = frontier.get_data()
    table = scalefit.compute_optimal(result, C)
    np.testing.assert_array_equal(L, table["loss_opt"])
    # Both axes extrapolate past the data: a marker at the largest run's C.
    largest = float((6.0 * data["N"] * data["D"]).max())

    def data_end(ax):
        ends = [l for l in ax.get_lines() if len(np.unique(l.get_xdata())) == 1]
        assert any(t.get_text() == "largest run" for t in ax.texts)
        return ends[0].get_xdata()[0]

    assert data_end(ax) == pytest.approx(largest, rel=1e-8)  # C as the data round it
    _png(ax, tmp_path, "frontier")
    ax = plot.allocation(result, [1e20, 1e22, 1e24])
    labels = [l.get_label() for l in ax.get_lines()]
    assert labels[:2] == ["parameters N_opt", "training tokens D_opt"]
    assert ax.get_xlabel() == "compute C (FLOPs, 6ND)"
    assert data_end(ax) == pytest.approx(largest, rel=1e-8)  # C as the data round it
    _png(ax, tmp_path, "allocation")


def test_isoflop_plot(tmp_path):
    df = scalefit.datasets.porian2024()
    iso = scalefit.isoflop_fit(df, bootstrap=0)
    ax = plot.isoflop(iso, df)
    stars = [l for l in ax.get_lines() if l.get_marker() in ("*", "x")]
    assert len(stars) == int(np.isfinite(iso.budgets["N_opt"]).sum())
    _png(ax, tmp_path, "isoflop")


def test_backtest_plot(data, tmp_path):
    bt = scalefit.backtest("chinchilla", data)
    ax = plot.backtest(bt)
    segs = ax.collections[0].get_segments()
    assert len(segs) == len(bt.by_distance)
    np.testing.assert_array_equal([s[0][1] for s in segs], bt.by_distance["mean_are"])
    # Each bin says how many held-out runs it holds; small bins are faint.
    counts = [t.get_text() for t in ax.texts]
    assert counts == [f"n={n}" for n in bt.by_distance["n"]]
    alphas = ax.collections[0].get_colors()[:, 3]
    np.testing.assert_array_equal(alphas < 1, np.asarray(bt.by_distance["n"]) < 5)
    _png(ax, tmp_path, "backtest")


def test_isoflop_plot_draws_the_fitted_parabolas(tmp_path):
    df = scalefit.datasets.porian2024()
    iso = scalefit.isoflop_fit(df, bootstrap=0)
    ax = plot.isoflop(iso, df)
    curves = [l for l in ax.get_lines() if l.get_marker() in ("None", "", None)]
    budgets = iso.budgets
    assert len(curves) == len(budgets)
    for i, line in enumerate(curves):
        xs, ys = line.get_data()
        # Spans exactly the N range the parabola was fitted to ...
        assert xs[0] == pytest.approx(budgets["N_lo"][i], rel=1e-12)
        assert xs[-1] == pytest.approx(budgets["N_hi"][i], rel=1e-12)
        # ... and is the parabola c0 + c1 ln N + c2 (ln N)^2 of that budget
        # (checked here from the reported coefficients, test-side only).
        x = np.log(xs)
        c0, c1, c2 = budgets["c0"][i], budgets["c1"][i], budgets["c2"][i]
        np.testing.assert_allclose(ys, c0 + c1 * x + c2 * x * x, rtol=1e-12)
        # Its minimum is the reported optimum of the budget.
        if np.isfinite(budgets["N_opt"][i]):
            assert iso.profile_loss(i, [budgets["N_opt"][i]])[0] == pytest.approx(
                budgets["loss_opt"][i], rel=1e-12)
            assert ys.min() >= budgets["loss_opt"][i] - 1e-12
    with pytest.raises(ValueError, match="out of range"):
        iso.profile_loss(len(budgets), [1e8])
    with pytest.raises(ValueError, match=r"N\[1\]"):
        iso.profile_loss(0, [1e8, 0.0])
    _png(ax, tmp_path, "isoflop_parabolas")


def test_residuals_are_log_predicted_minus_log_loss(result, data, tmp_path):
    r = result.residuals()
    expected = np.log(result.predict(N=data["N"], D=data["D"])) - np.log(data["loss"])
    np.testing.assert_allclose(r, expected, rtol=0, atol=1e-15)
    # Hoffmann's Huber objective (delta 1e-3, summed) of these residuals is
    # the fit's objective; Besiroglu et al. 2024 (arXiv:2404.10102) report
    # 0.00101827 for this optimum on the 240 rows.
    a = np.abs(r)
    huber = np.where(a <= 1e-3, 0.5 * r * r, 1e-3 * (a - 0.5e-3)).sum()
    assert huber == pytest.approx(0.00101827, abs=1e-8)
    assert huber == pytest.approx(result.objective, rel=1e-10)


def test_residuals_plot(result, data, tmp_path):
    ax = plot.residuals(result)
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "parameters N"
    pts = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(pts[:, 0], data["N"])
    np.testing.assert_array_equal(pts[:, 1], result.residuals())
    _png(ax, tmp_path, "residuals")
    fig, ax = plt.subplots()
    assert plot.residuals(result, ax=ax, against="D") is ax
    np.testing.assert_array_equal(ax.collections[0].get_offsets()[:, 0], data["D"])
    _png(ax, tmp_path, "residuals_D")
    with pytest.raises(ValueError, match="against"):
        plot.residuals(result, against="C")


def test_residuals_need_data(result, tmp_path):
    r = scalefit.from_params("chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7,
                                            "alpha": 0.34, "beta": 0.28})
    with pytest.raises(ValueError, match="no data"):
        r.residuals()
    with pytest.raises(ValueError, match="no data"):
        plot.residuals(r)
    # A fit card keeps the residuals only when it stores the data.
    result.save(tmp_path / "with.json", include_data=True)
    np.testing.assert_array_equal(scalefit.load(tmp_path / "with.json").residuals(),
                                  result.residuals())
    result.save(tmp_path / "without.json", include_data=False)
    with pytest.raises(ValueError, match="no data"):
        scalefit.load(tmp_path / "without.json").residuals()


def test_residuals_mse_are_in_loss_units():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    loss = np.array([10.0, 5.2, 2.4, 1.3])
    r = scalefit.fit("power_law", {"x": x, "loss": loss}, objective="mse")
    np.testing.assert_allclose(r.residuals(), r.predict(x=x) - loss, rtol=0, atol=1e-15)
    ax = plot.residuals(r)
    assert "L\u0302 \u2212 L" in ax.get_ylabel() and "log" not in ax.get_ylabel()
    plt.close(ax.figure)
