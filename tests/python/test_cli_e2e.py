"""The command line as a separate process: complete --help per command, CSV
dialects read with pandas, standard input, bounded reads, valid JSON, a
closed pipe, negative numbers, and every error as one line on stderr with
exit code 2 (never a traceback).

Truth: the same fit from the same numbers in another file layout
(bit-identical parameters), and the exit codes and streams themselves."""
import json
import os
import subprocess
import sys
import time

import pytest

import scalefit
from scalefit import cli

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(scalefit.__file__)))


def env(**extra):
    e = dict(os.environ)
    e["PYTHONPATH"] = PKG_PARENT + os.pathsep + e.get("PYTHONPATH", "")
    e.update(extra)
    return e


def scalefit_cmd(*argv, stdin=None, timeout=120, **extra_env):
    return subprocess.run([sys.executable, "-m", "scalefit", *map(str, argv)], input=stdin,
                          capture_output=True, timeout=timeout, env=env(**extra_env))


def one_line_error(proc):
    """Exit 2, nothing on stdout, one line on stderr, no traceback."""
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("scalefit: error: "), err
    return err


def strict_json(text):
    """json.loads that refuses NaN/Infinity (not JSON) and "nan" strings."""
    def refuse(name):
        raise AssertionError(f"not JSON: {name}")
    assert '"nan"' not in text and '"inf"' not in text
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("e2e")
    df = scalefit.datasets.chinchilla()
    return d, df


@pytest.fixture(scope="module")
def reference(runs):
    _, df = runs
    return scalefit.fit("chinchilla", df)


@pytest.fixture(scope="module")
def card(runs, reference):
    d, _ = runs
    path = d / "fit.json"
    reference.save(path, include_data=False)
    return path


def test_every_command_has_its_complete_help(capsys):
    proc = scalefit_cmd("predict", "--help")
    assert proc.returncode == 0
    out = proc.stdout.decode()
    for flag in ("--N", "--D", "--flops", "--data", "--col", "--json", "--input"):
        assert flag in out, flag
    for command, flags in (("fit", ("--law", "--objective", "--grid", "--out", "--col",
                                    "--exclude-col", "--include-data", "--threads")),
                           ("allocate", ("--flops", "--level", "--json")),
                           ("backtest", ("--law", "--split", "--threshold", "--col")),
                           ("demo", ("--threads", "--json"))):
        with pytest.raises(SystemExit) as info:
            cli.main([command, "--help"])
        assert info.value.code == 0
        text = capsys.readouterr().out
        for flag in flags:
            assert flag in text, (command, flag)


@pytest.mark.parametrize("layout", ["semicolon", "tab", "tsv", "index", "stdin"])
def test_csv_dialects_give_the_same_fit(runs, reference, layout):
    d, df = runs
    stdin = None
    if layout == "semicolon":
        path = d / "runs_semi.csv"
        df.to_csv(path, sep=";", index=False)
    elif layout == "tab":
        path = d / "runs_tab.csv"
        df.to_csv(path, sep="\t", index=False)
    elif layout == "tsv":
        path = d / "runs.tsv"
        df.to_csv(path, sep="\t", index=False)
    elif layout == "index":  # df.to_csv() writes an unnamed index column
        path = d / "runs_index.csv"
        df.to_csv(path)
        assert path.read_text().startswith(",N,")
    else:
        stdin = df.to_csv(index=False).encode()
        path = "-"
    proc = scalefit_cmd("fit", path, "--law", "chinchilla", "--json", "--quiet", stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    got = scalefit.loads(proc.stdout.decode())
    assert got.params == reference.params
    assert got.num_points == 240


def test_card_from_stdin(card, reference):
    proc = scalefit_cmd("predict", "-", "--N", "7e10", "1e9", "--D", "1.4e12", "--json",
                        stdin=card.read_bytes())
    assert proc.returncode == 0, proc.stderr.decode()
    doc = strict_json(proc.stdout.decode())
    expected = reference.predict(N=[7e10, 1e9], D=[1.4e12, 1.4e12])
    assert [r["loss"] for r in doc["predictions"]] == list(expected)
    proc = scalefit_cmd("allocate", "-", "--flops", "1e24", stdin=card.read_bytes())
    assert proc.returncode == 0 and b"N_opt" in proc.stdout


def test_dev_zero_fails_fast_with_the_limit():
    t0 = time.monotonic()
    proc = scalefit_cmd("fit", "/dev/zero", "--law", "chinchilla", timeout=60)
    elapsed = time.monotonic() - t0
    err = one_line_error(proc)
    assert "/dev/zero: larger than the input limit of 67108864 bytes" in err
    assert elapsed < 30, elapsed  # a bounded read, not an unbounded one
    proc = scalefit_cmd("predict", "-", "--N", "1", "--D", "1", stdin=b"{" * 5000,
                        SCALEFIT_MAX_INPUT_BYTES="1000")
    assert "larger than the input limit of 1000 bytes" in one_line_error(proc)


def test_json_output_is_valid_json(runs, card):
    d, df = runs
    path = d / "bt.csv"
    df.to_csv(path, index=False)
    proc = scalefit_cmd("backtest", path, "--law", "chinchilla", "--json", "--quiet",
                        "--threshold", "1e21")
    assert proc.returncode == 0, proc.stderr.decode()
    doc = strict_json(proc.stdout.decode())
    assert doc["coverage"] is None  # no intervals: null, never "nan"
    assert all(r["coverage"] is None for r in doc["by_distance"])
    proc = scalefit_cmd("demo", "--json", "--quiet")
    assert proc.returncode == 0
    doc = strict_json(proc.stdout.decode())
    assert doc["fit"]["law"] == "chinchilla" and doc["fit"]["converged"] is True
    assert doc["fit"]["bounds"]["E"][1] is None  # +inf bound: null
    assert [r["C"] for r in doc["allocations"]] == [1e22, 1e23, 1e24, 1e25]


def test_a_closed_pipe_is_quiet(card):
    # The reader goes away before the command writes: no "Broken pipe", no
    # traceback, exit 0 (as `scalefit demo | head` needs).
    for argv in (["demo", "--quiet"],
                 ["predict", str(card), "--N", *["7e10"] * 20000, "--D", "1.4e12"]):
        p = subprocess.Popen([sys.executable, "-m", "scalefit", *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env())
        p.stdout.close()
        err = p.stderr.read().decode()
        assert p.wait(timeout=120) == 0, err
        assert "Broken pipe" not in err and "Traceback" not in err and err == "", err
    proc = subprocess.run(f"{sys.executable} -m scalefit demo --quiet | head -2", shell=True,
                          capture_output=True, env=env(), timeout=120)
    assert proc.stderr == b"" and len(proc.stdout.splitlines()) == 2


def test_negative_numbers_are_values_then_validated(card):
    err = one_line_error(scalefit_cmd("allocate", card, "--flops", "-1e22"))
    assert "--flops value 1 must be finite and > 0 (got -1e+22)" in err
    assert "expected at least one argument" not in err
    err = one_line_error(scalefit_cmd("allocate", card, "--flops", "1e22", "-.5e3"))
    assert "--flops value 2 must be finite and > 0" in err
    err = one_line_error(scalefit_cmd("predict", card, "--N", "-7e+10", "--D", "1e12"))
    assert "input 'N', row 0 (0-based) must be finite and > 0" in err
    # Finite inputs whose compute C = 6ND overflows a double: the message
    # names the inputs row and its values.
    err = one_line_error(scalefit_cmd("predict", card, "--N", "1e9", "1e200", "--D", "1e11",
                                      "1e200"))
    assert "inputs row 1 (0-based): the compute C = 6ND of N = 1e+200, D = 1e+200" in err, err
    assert "not a finite number of FLOPs" in err and "decades_beyond_data" not in err, err


def test_hostile_files_are_one_line_errors(runs, card, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000)
    assert "deep.json: JSON nested too deeply" in one_line_error(
        scalefit_cmd("fit", deep, "--law", "chinchilla"))
    assert "deep.json: JSON nested too deeply" in one_line_error(
        scalefit_cmd("predict", deep, "--N", "1", "--D", "1"))
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("N,D,loss\n1e8,2e9,3.1\n# caf\u00e9\n".encode("latin-1"))
    err = one_line_error(scalefit_cmd("fit", latin, "--law", "chinchilla"))
    assert f"{latin}: line 3, column 6: not UTF-8 text (byte 0xe9" in err
    err = one_line_error(scalefit_cmd("predict", tmp_path, "--N", "1", "--D", "1"))
    assert f"{tmp_path}: is a directory, not a fit card" in err
    err = one_line_error(scalefit_cmd("fit", tmp_path, "--law", "chinchilla"))
    assert "is a directory, not a data file" in err
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"N,D,loss\n1,2,\x003\n")
    assert "line 2: contains a NUL byte" in one_line_error(
        scalefit_cmd("fit", nul, "--law", "chinchilla"))
    big = tmp_path / "field.csv"
    big.write_text("N,D,loss\n1e8,2e9," + "3" * 5_000_000 + "\n")
    assert "line 2: a field is longer than 131072 characters" in one_line_error(
        scalefit_cmd("fit", big, "--law", "chinchilla"))
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert "the file is empty" in one_line_error(scalefit_cmd("predict", empty, "--N", "1"))


def test_out_equal_to_the_input_is_refused(runs, tmp_path):
    _, df = runs
    path = tmp_path / "keep.csv"
    df.to_csv(path, index=False)
    before = path.read_bytes()
    for out in (str(path), str(tmp_path / "." / "keep.csv")):
        err = one_line_error(scalefit_cmd("fit", path, "--law", "chinchilla", "--out", out))
        assert "refusing to overwrite" in err
    assert path.read_bytes() == before


def test_usage_errors_are_one_line(card):
    err = one_line_error(scalefit_cmd("fit", "x.csv"))
    assert "fit: the following arguments are required: --law" in err
    err = one_line_error(scalefit_cmd("fit", "x.csv", "--law", "chinchilla", "--bogus"))
    assert "unrecognized arguments: --bogus" in err
    err = one_line_error(scalefit_cmd("allocate", card, "--flops", "many"))
    assert "'many' is not a number" in err
    err = one_line_error(scalefit_cmd("allocate", card, "--flops", "1e24", "--level", "1.5"))
    assert "--level must be in (0, 1)" in err
    err = one_line_error(scalefit_cmd("predict", card, "--x", "1"))
    assert "'x' is not an input of law 'chinchilla'" in err
    err = one_line_error(scalefit_cmd("fit", "x.csv", "--law", "chinchilla",
                                      "--objective", "l1"))
    assert "x.csv: no such file" in err
    proc = scalefit_cmd("nosuchcommand")
    one_line_error(proc)


def test_nul_in_a_path_is_refused(capsys, card):
    # A NUL cannot cross exec(), so this one runs in-process.
    assert cli.main(["predict", "fit\0.json", "--N", "1", "--D", "1"]) == 2
    err = capsys.readouterr().err
    assert "contains a NUL byte (at position 3)" in err and len(err.splitlines()) == 1
    assert cli.main(["fit", "runs\0.csv", "--law", "chinchilla"]) == 2
    assert "NUL byte" in capsys.readouterr().err
    assert cli.main(["fit", "-", "--law", "chinchilla", "--out", "a\0b"]) == 2
    assert "--out path 'a'... contains a NUL byte" in capsys.readouterr().err


def test_compute_that_overflows_is_one_line_naming_the_row(tmp_path):
    path = tmp_path / "huge.csv"
    rows = ["N,D,loss"] + [f"{1e300 * 10 ** (i % 8)},{1e300 * 10 ** (i // 8)},3" for i in range(16)]
    path.write_text("\n".join(rows) + "\n")
    err = one_line_error(scalefit_cmd("fit", path, "--law", "chinchilla"))
    assert "row 0 (0-based)" in err and "not a finite number of FLOPs" in err, err
