"""Plots render to PNG headlessly (Agg) and draw the library's numbers."""
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
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


def test_fit_plot_draws_the_law(result, data, tmp_path):
    ax = plot.fit(result, data, x="D")
    assert ax.get_xscale() == "log"
    # Every curve is the law's own prediction at the drawn points.
    for line in ax.get_lines():
        xs, ys = line.get_data()
        # The label rounds N; one of the data's N values gives exactly this curve.
        labelled = float(line.get_label().split("=")[1])
        candidates = [n for n in np.unique(data["N"]) if abs(n / labelled - 1) < 1e-2]
        assert any(np.array_equal(ys, result.predict(N=np.full_like(xs, n), D=xs))
                   for n in candidates)
        assert xs.max() > data["D"].max() * 9  # extrapolated range
    _png(ax, tmp_path, "fit")


def test_fit_plot_uses_the_given_axes(tmp_path):
    fig, ax = plt.subplots()
    r = scalefit.from_params("power_law", {"A": 10.0, "alpha": 0.3})
    out = plot.fit(r, {"x": [1.0, 10.0, 100.0], "loss": [10.0, 5.0, 2.5]}, ax=ax)
    assert out is ax
    _png(ax, tmp_path, "power")
    with pytest.raises(ValueError, match="pass data"):
        plot.fit(scalefit.from_params("chinchilla", {"E": 1.7, "A": 400.0, "B": 410.0,
                                                     "alpha": 0.34, "beta": 0.28}))


def _has_allocation():
    try:
        from scalefit import allocation
        allocation.compute_optimal(scalefit.from_params(
            "chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}), [1e24])
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _has_allocation(), reason="allocation not available in this build")
def test_loss_vs_compute_and_allocation(result, data, tmp_path):
    from scalefit import allocation

    ax = plot.loss_vs_compute(result, data)
    frontier = [l for l in ax.get_lines() if l.get_label() == "compute-optimal frontier"][0]
    C, L = frontier.get_data()
    table = allocation.compute_optimal(result, C)
    np.testing.assert_array_equal(L, table["loss_opt"])
    _png(ax, tmp_path, "frontier")
    ax = plot.allocation(result, [1e20, 1e22, 1e24])
    labels = [l.get_label() for l in ax.get_lines()]
    assert labels[:2] == ["N_opt", "D_opt"]
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
    _png(ax, tmp_path, "backtest")
