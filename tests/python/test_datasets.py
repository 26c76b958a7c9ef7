"""The shipped datasets: read by the C++ CSV reader through the core, and
installed as files next to scalefit/datasets (so they work from a wheel, not
only the source tree). Truth is independent: the same installed file parsed
by pandas, and the first row printed in data/chinchilla_epoch.csv."""
import pandas as pd
import pytest

import scalefit
from scalefit import datasets


def test_the_data_files_are_installed_with_the_package():
    names = datasets.file_names()
    assert names[:4] == ["chinchilla_epoch.csv", "porian2024_isoflop.csv", "porian2024_fits.csv",
                         "olmo_ladder/runs.csv"]
    assert len(names) == 4 + 18  # the OLMo ladder: runs.csv and 18 exports
    for name in datasets.file_names():
        f = datasets.path(name)
        assert f.is_file(), f
        assert f.read_text().startswith("#")  # the citation header
    # The citations and licences travel with the files.
    readme = datasets.path("chinchilla_epoch.csv").parent / "README.md"
    assert "Licence" in readme.read_text()
    with pytest.raises(ValueError, match="no shipped data file 'x.csv'"):
        datasets.path("x.csv")


def test_chinchilla_matches_pandas_on_the_installed_file():
    raw = pd.read_csv(datasets.path("chinchilla_epoch.csv"), comment="#")
    assert len(raw) == 245
    full = datasets.chinchilla(include_excluded=True)
    assert list(full.columns) == ["N", "D", "C", "loss", "excluded"]
    for col in ["N", "D", "C", "loss"]:
        assert (full[col].to_numpy() == raw[col].to_numpy()).all(), col  # bit for bit
    assert (full["excluded"].to_numpy() == (raw["excluded"] == 1).to_numpy()).all()
    # First data row of data/chinchilla_epoch.csv.
    assert full["N"][0] == 6795600349 and full["loss"][0] == 5.005581996
    runs = datasets.chinchilla()
    assert len(runs) == 240 and not runs["excluded"].any()


def test_porian2024_matches_pandas_on_the_installed_file():
    raw = pd.read_csv(datasets.path("porian2024_isoflop.csv"), comment="#")
    configs = datasets.porian2024_configs()
    assert configs == list(dict.fromkeys(raw["config"]))  # file order
    assert len(configs) == 15
    runs = datasets.porian2024()
    assert list(runs.columns) == ["C", "N", "D", "loss"]
    assert len(runs) == 121
    default = raw[raw["config"] == "rw|tuned|short|const|standard|val"]
    for col in ["C", "N", "D", "loss"]:
        assert (runs[col].to_numpy() == default[col].to_numpy()).all(), col
    owt2 = datasets.porian2024("owt2|tuned|short|const|standard|val")
    assert len(owt2) == (raw["config"] == "owt2|tuned|short|const|standard|val").sum()
    fits = datasets.porian2024_fits()
    assert list(fits["config"]) == configs
    assert ((fits["a_lower"] < fits["a"]) & (fits["a"] < fits["a_upper"])).all()
    with pytest.raises(scalefit.ScalefitError,
                       match="unknown porian2024 configuration 'owt2'; shipped: "
                             r"rw\|base\|long\|kaplan\|kaplan\|train, "):
        datasets.porian2024("owt2")


def test_the_cpp_csv_reader_from_python(tmp_path):
    t = scalefit._core.read_csv(str(datasets.path("chinchilla_epoch.csv")))
    assert t.columns == ["N", "D", "C", "loss", "excluded"] and t.num_rows == 245
    assert t.lines[0] == 6  # after the four comment lines and the header
    assert (t.numeric_column("loss") == datasets.chinchilla(True)["loss"].to_numpy()).all()
    bad = tmp_path / "runs.csv"
    bad.write_text("N,D,loss\r\n1e9,2e10,2.5\r\n1e9,abc,2.4\r\n")
    t = scalefit._core.read_csv(str(bad))
    with pytest.raises(scalefit.ScalefitError,
                       match=r"runs.csv, line 3, column 2 \('D'\): 'abc' is not a number"):
        t.numeric_column("D")
    with pytest.raises(scalefit.ScalefitError, match="line 2: 2 fields, but the header"):
        scalefit._core.parse_csv("a,b,c\n1,2\n", "x.csv")
    o = scalefit._core.CsvOptions()
    o.max_bytes = 10
    with pytest.raises(scalefit.ScalefitError, match="more than the limit of 10 bytes"):
        scalefit._core.read_csv(str(bad), o)
    with pytest.raises(scalefit.ScalefitError, match="one character"):
        o.delimiter = ";;"
