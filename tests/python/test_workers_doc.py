"""The workers page runs as printed: its concurrent.futures and Dask
examples (a dask.distributed LocalCluster with two worker processes) are
executed, and their own asserts check that the workers return the same
parameters as the fits made in-process. The slow run executes the page
verbatim in a fresh interpreter (about 20 s, most of it starting the Dask
worker processes). The default run executes the same code on 4 fits instead
of 40, with the LocalCluster's workers as threads of this process (it starts
in about a second; pickling between processes is covered by test_pickle.py
and by the process pool of the first example)."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

import scalefit

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "workers.md"
PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(scalefit.__file__)))


def _python_blocks(text: str) -> list:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def _run(code: str, cwd) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _examples() -> str:
    return "\n".join(_python_blocks(PAGE.read_text()))


def test_the_page_has_the_two_examples_and_measured_figures():
    text = PAGE.read_text()
    blocks = _python_blocks(text)
    assert len(blocks) == 2
    assert "ProcessPoolExecutor" in blocks[0] and "LocalCluster" in blocks[1]
    table = text.split("<!-- workers-figures -->")[1].split("<!-- /workers-figures -->")[0]
    assert "MEASURE" not in table and re.search(r"\d+(\.\d+)? s", table), table


def _check(out: str, n: int) -> None:
    lines = out.splitlines()
    assert lines[0].split()[:2] == [str(n), "True"], out  # n fits, all converged
    assert lines[-1].startswith("BootstrapResult(case, 50 replicates"), out


def test_the_examples_run_on_fewer_fits_and_a_threaded_cluster(capsys):
    pytest.importorskip("dask.distributed")
    code = _examples()
    processes = 'processes=True,\n                  host="127.0.0.1"'
    assert code.count("range(40)") == 1 and code.count(processes) == 1
    code = code.replace("range(40)", "range(4)").replace(processes, "processes=False")
    exec(compile(code, str(PAGE), "exec"), {"__name__": "workers_page"})
    _check(capsys.readouterr().out, 4)


@pytest.mark.slow
def test_the_examples_run_verbatim(tmp_path):
    pytest.importorskip("dask.distributed")
    _check(_run(_examples(), tmp_path), 40)
