"""The command line end to end on the shipped data, and on bad files whose
messages must name the file, line and column."""
import json
import math
import os
import subprocess
import sys
import types
from importlib import resources

import pytest

import scalefit
from scalefit import cli

SHIPPED = str(resources.files("scalefit.datasets").joinpath("chinchilla_epoch.csv"))


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "fit.json"
    code = cli.main(["fit", SHIPPED, "--law", "chinchilla", "--exclude-col", "excluded",
                     "--out", str(path), "--quiet"])
    assert code == 0
    return path


def test_fit_on_the_shipped_csv_matches_the_python_api(card):
    # Same 240 runs as scalefit.datasets.chinchilla(): same doubles, same fit.
    direct = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())
    loaded = scalefit.load(card)
    assert loaded.params == direct.params
    assert loaded.num_points == 240
    card_json = json.loads(card.read_text())
    assert card_json["data_summary"]["hash"] == json.loads(direct.to_card())["data_summary"]["hash"]


def test_fit_json_output_is_the_card(capsys, tmp_path):
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla", "--exclude-col",
                         "excluded", "--json", "--quiet")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["format"] == "scalefit.fit_card" and doc["fit"]["num_points"] == 240


def test_fit_hoffmann_grid_with_screening_tolerance(capsys):
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla", "--exclude-col",
                         "excluded", "--grid", "hoffmann", "--screening-tolerance", "1e-5",
                         "--threads", "2", "--json", "--quiet")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["options"]["screening_tolerance"] == 1e-5
    assert doc["fit"]["screened"] is True and doc["fit"]["converged"] is True
    assert doc["fit"]["num_starts"] == 4500
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla",
                         "--screening-tolerance", "-1", "--quiet")
    assert code != 0 and "screening_tolerance" in err


def test_fit_max_scoring_rows(capsys, tmp_path):
    # 245 rows ranked on a stride of 100: the same optimum as every row.
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla",
                         "--max-scoring-rows", "100", "--json", "--quiet")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["options"]["max_scoring_rows"] == 100
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla",
                         "--max-scoring-rows", "0", "--json", "--quiet")
    assert code == 0, err
    every = json.loads(out)
    assert every["options"]["max_scoring_rows"] == 0
    assert doc["objective"]["value"] == pytest.approx(every["objective"]["value"], rel=1e-9)
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla",
                         "--max-scoring-rows", "-5", "--quiet")
    assert code != 0 and "max_scoring_rows" in err


def test_fit_human_report(capsys):
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla", "--quiet")
    assert code == 0, err
    assert "scalefit fit report" in out and "huber_log" in out
    assert "245 points" in out  # without --exclude-col every row is used
    # ... and the unread column that marks rows says so, once.
    warned = [line for line in err.splitlines() if "column 'excluded' marks 5 rows" in line]
    assert len(warned) == 1 and "--exclude-col excluded" in warned[0], err


def test_unread_row_filter_columns_warn_in_csv_and_json(capsys, tmp_path):
    # Independent of the shipped file: planted runs with an "Outlier" column
    # (any case) in CSV and a "skip" field in JSON records; other unread
    # columns, and filter-like ones that mark no row, stay quiet.
    N, D = [1e8, 3e8, 1e9, 3e9, 1e10] * 4, [2e9] * 5 + [6e9] * 5 + [2e10] * 5 + [6e10] * 5
    loss = [1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28 for n, d in zip(N, D)]
    def write_csv(path, marks):
        path.write_text("N,D,loss,run,Outlier\n" + "".join(
            f"{n!r},{d!r},{l!r},r{i},{m}\n"
            for i, (n, d, l, m) in enumerate(zip(N, D, loss, marks))))

    csv_path = tmp_path / "runs.csv"
    write_csv(csv_path, [1, 0, "true"] + [0] * 17)
    code, _, err = run(capsys, "fit", str(csv_path), "--law", "chinchilla", "--quiet")
    assert code == 0 and "column 'Outlier' marks 2 rows but is not used" in err, err
    assert "'run'" not in err, err
    code, _, err = run(capsys, "fit", str(csv_path), "--law", "chinchilla", "--quiet",
                       "--exclude-col", "Outlier")
    assert code == 0 and "not used" not in err, err
    write_csv(csv_path, [0] * 20)  # marks no row: nothing to say
    code, _, err = run(capsys, "fit", str(csv_path), "--law", "chinchilla", "--quiet")
    assert code == 0 and "not used" not in err, err
    json_path = tmp_path / "runs.json"
    json_path.write_text(json.dumps([{"N": n, "D": d, "loss": l, "skip": i == 3}
                                     for i, (n, d, l) in enumerate(zip(N, D, loss))]))
    code, _, err = run(capsys, "fit", str(json_path), "--law", "chinchilla", "--quiet")
    assert code == 0 and "column 'skip' marks 1 row but is not used" in err, err
    # The frame of scalefit.datasets.chinchilla() keeps its all-false column.
    frame_csv = tmp_path / "frame.csv"
    scalefit.datasets.chinchilla().to_csv(frame_csv, index=False)
    code, _, err = run(capsys, "fit", str(frame_csv), "--law", "chinchilla", "--quiet")
    assert code == 0 and "not used" not in err, err


def test_column_mapping_and_json_records(capsys, tmp_path):
    df = scalefit.datasets.chinchilla()
    records = [{"params": float(n), "tokens": float(d), "final": float(l)}
               for n, d, l in zip(df["N"], df["D"], df["loss"])]
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(records))
    out_card = tmp_path / "c.json"
    code, out, err = run(capsys, "fit", str(path), "--law", "chinchilla", "--col", "N=params",
                         "--col", "D=tokens", "--col", "loss=final", "--out", str(out_card),
                         "--quiet")
    assert code == 0, err
    direct = scalefit.fit("chinchilla", df)
    assert scalefit.load(out_card).params == direct.params


def test_predict_table_and_json(capsys, card):
    code, out, err = run(capsys, "predict", str(card), "--N", "7e10", "1e9", "--D", "1.4e12")
    assert code == 0, err
    expected = scalefit.load(card).predict(N=[7e10, 1e9], D=[1.4e12, 1.4e12])
    # People read 6 significant digits; --json keeps full precision.
    assert f"{float(expected[0]):.6g}" in out and f"{float(expected[1]):.6g}" in out
    assert repr(float(expected[0])) not in out
    code, out, err = run(capsys, "predict", str(card), "--N", "7e10", "--D", "1.4e12", "--json")
    doc = json.loads(out)
    assert doc["predictions"][0]["loss"] == float(expected[0])  # full precision
    code, out, err = run(capsys, "predict", str(card), "--N", "7e10")
    assert code == 2 and "--D" in err


def test_predict_at_rows_of_a_file(capsys, card, tmp_path):
    path = tmp_path / "at.csv"
    path.write_text("N,D\n7e10,1.4e12\n1e9,2e10\n")
    code, out, err = run(capsys, "predict", str(card), "--data", str(path), "--json")
    assert code == 0, err
    got = [r["loss"] for r in json.loads(out)["predictions"]]
    assert got == list(scalefit.load(card).predict(N=[7e10, 1e9], D=[1.4e12, 2e10]))


def test_allocate(capsys, card):
    code, out, err = run(capsys, "allocate", str(card), "--flops", "1e24", "1e25", "--json")
    assert code == 0, err
    doc = json.loads(out)
    table = scalefit.compute_optimal(scalefit.load(card), [1e24, 1e25])
    assert [r["N_opt"] for r in doc["allocations"]] == list(table["N_opt"])
    code, out, err = run(capsys, "allocate", str(card), "--flops", "1e24")
    assert code == 0 and out.strip()
    code, out, err = run(capsys, "allocate", str(card), "--flops", "1e24", "--level", "1.5")
    assert code == 2 and "--level" in err


def test_backtest(capsys):
    code, out, err = run(capsys, "backtest", SHIPPED, "--law", "chinchilla", "--exclude-col",
                         "excluded", "--json", "--quiet")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["law"] == "chinchilla" and doc["num_train"] + doc["num_test"] <= 240
    assert doc["mean_are"] >= 0


# --- bad files: exit 2, message names the file, line and column ---------------

def test_missing_column(capsys, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("N,D,final\n1e8,2e9,3.1\n")
    code, out, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2 and out == ""
    assert f"{path}: line 1 (header): missing column 'loss'" in err
    assert "--col" in err


def test_non_numeric_cell(capsys, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("# a comment\nN,D,loss\n1e8,2e9,3.1\n2e8,abc,3.0\n")
    code, out, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2
    assert f"{path}: line 4, column 2 ('D'): 'abc' is not a number" in err


def test_empty_cell_and_short_row(capsys, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("N,D,loss\n1e8,2e9,\n")
    code, _, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2 and "line 2, column 3 ('loss'): empty cell" in err
    path.write_text("N,D,loss\n1e8,2e9\n")
    code, _, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2 and "line 2: 2 fields" in err


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(capsys, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    code, _, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2 and f"{path}: the file is empty" in err


def test_header_only(capsys, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("N,D,loss\n")
    code, _, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2 and "no data rows after the header (line 1)" in err


def test_bad_value_is_located_in_the_file(capsys, tmp_path):
    # Values are checked in C++ (row, 0-based); the CLI adds the file line.
    path = tmp_path / "neg.csv"
    rows = ["N,D,loss"] + [f"{n},{d},3.0" for n, d in
                           [(1e8, 2e9), (2e8, 2e9), (-3e8, 2e9), (4e8, 2e9), (5e8, 2e9), (6e8, 1e9)]]
    path.write_text("\n".join(rows) + "\n")
    code, _, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2
    assert f"{path}: line 4:" in err and "row 2" in err


def test_bad_json_file(capsys, tmp_path):
    path = tmp_path / "runs.json"
    path.write_text('{"N": [1, 2],\n "D": [1, 2,]}')
    code, _, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2 and f"{path}: line 2, column" in err and "invalid JSON" in err
    path.write_text(json.dumps([{"N": 1e8, "D": 2e9, "loss": "x"}]))
    code, _, err = run(capsys, "fit", str(path), "--law", "chinchilla")
    assert code == 2 and "record 0 (0-based), field 'loss': 'x' is not a number" in err


def test_missing_file_and_bad_card(capsys, tmp_path):
    code, _, err = run(capsys, "fit", str(tmp_path / "nope.csv"), "--law", "chinchilla")
    assert code == 2 and "nope.csv: no such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "scalefit.fit_card"}')
    code, _, err = run(capsys, "predict", str(bad), "--N", "1")
    assert code == 2 and "bad.json" in err and "format_version" in err
    code, _, err = run(capsys, "fit", SHIPPED, "--law", "chinchila")
    assert code == 2 and "chinchila" in err


def test_console_script_entry_point(tmp_path):
    # The installed command is scalefit.cli:main (pyproject [project.scripts]);
    # run it as a separate process to check real exit codes and streams.
    path = tmp_path / "runs.csv"
    path.write_text("N,D\n1,2\n")
    proc = subprocess.run([sys.executable, "-m", "scalefit.cli", "fit", str(path), "--law",
                           "chinchilla"], capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "missing column 'loss'" in proc.stderr


def test_progress_only_on_a_terminal():
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    quiet = io.StringIO()
    with cli.Progress("work", stream=quiet):
        pass
    assert quiet.getvalue() == ""
    tty = Tty()
    import time
    with cli.Progress("work", stream=tty):
        time.sleep(0.5)
    assert "work ..." in tty.getvalue()
    # Work that reports stages hands its updates to the line (a terminal
    # only; piped, the work gets progress=False and shows nothing).
    assert cli.Progress("work", stream=quiet).callback is False
    tty = Tty()
    with cli.Progress("work", stream=tty) as shown:
        shown.callback(types.SimpleNamespace(stage="rolling folds", done=3, total=6))
        time.sleep(0.5)
    assert "work (rolling folds 3/6) ..." in tty.getvalue(), tty.getvalue()[-300:]


def test_fit_interval_profile(capsys):
    # The same intervals as the Python API's conf_int(method="profile").
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla", "--exclude-col",
                         "excluded", "--interval", "profile", "--level", "0.9", "--json",
                         "--quiet")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["fit_card"]["format"] == "scalefit.fit_card"
    iv = doc["intervals"]
    assert iv["method"] == "profile" and iv["level"] == 0.9
    direct = scalefit.fit("chinchilla", scalefit.datasets.chinchilla()).conf_int(
        0.9, method="profile")
    rows = {r["quantity"]: r for r in iv["rows"]}
    assert set(rows) == {"E", "A", "B", "alpha", "beta", "a", "b"}
    for name in ("alpha", "a"):
        assert rows[name]["lower"] == direct[name].lower
        assert rows[name]["upper"] == direct[name].upper
    # Every row has its (Wald) standard error, the derived ones too.
    assert all(math.isfinite(r["std_error"]) and r["std_error"] > 0 for r in iv["rows"]), rows
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla", "--exclude-col",
                         "excluded", "--interval", "profile", "--budgets", "1e24", "--quiet")
    assert code == 0, err
    assert "N_opt@1e24" in out and "nan" not in out.lower(), out
    code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla", "--quiet",
                         "--exclude-col", "excluded", "--interval", "wald")
    assert code == 2 and "--interval wald" in err and "profile" in err
    assert len(err.strip().splitlines()) == 1


def test_fit_profile_check_flag(capsys):
    # --profile-check runs the profile check with the fit; without it the
    # card says it did not run (not checked is not identified).
    for flag, checked in ((["--profile-check"], True), ([], False)):
        code, out, err = run(capsys, "fit", SHIPPED, "--law", "chinchilla", "--exclude-col",
                             "excluded", "--json", "--quiet", *flag)
        assert code == 0, err
        card = json.loads(out)  # without --interval the output is the card
        assert card["options"]["profile_check"] is checked
        back = scalefit.loads(json.dumps(card))
        assert back.diagnostics.profile_checked is checked
        assert back.diagnostics.identified
