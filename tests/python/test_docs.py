"""Every ```python block in docs/*.md runs (blocks of one page share a
namespace, in order, in a scratch directory), and the site builds with
`mkdocs build --strict` when mkdocs is installed."""
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def _blocks(path):
    text = path.read_text()
    out = []
    for m in BLOCK.finditer(text):
        line = text.count("\n", 0, m.start()) + 2  # first code line, 1-based
        out.append((line, m.group(1)))
    return out


@pytest.mark.parametrize("page", [p for p in DOCS if _blocks(p)], ids=lambda p: p.name)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{page.stem}"}
    for line, code in _blocks(page):
        # Pad so that tracebacks point at the line in the .md file.
        compiled = compile("\n" * (line - 1) + code, str(page), "exec")
        exec(compiled, namespace)


def test_there_are_code_blocks():
    assert sum(len(_blocks(p)) for p in DOCS) >= 5


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    # No -q: mkdocs counts warnings for --strict only at the shown log level,
    # so `-q` would let an omitted page or a broken link pass.
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "fit_cards" / "index.html").exists()
