"""The documentation's figures come from scripts/make_doc_figures.py: it runs
on the shipped data and writes exactly the PNGs the docs reference."""
import pathlib
import re
import sys

import pytest

pytest.importorskip("matplotlib")

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import make_doc_figures  # noqa: E402


def test_script_draws_every_figure_the_docs_show(tmp_path):
    assert make_doc_figures.main(["--out", str(tmp_path)]) == 0
    made = {p.name for p in tmp_path.glob("*.png")}
    referenced = set()
    for page in (ROOT / "docs").glob("*.md"):
        referenced |= {pathlib.Path(src).name for src in
                       re.findall(r"!\[[^\]]*\]\((img/[^)\s]+\.png)\)", page.read_text())}
    committed = {p.name for p in (ROOT / "docs" / "img").glob("*.png")}
    assert referenced <= made, f"referenced but not drawn by the script: {referenced - made}"
    assert committed == made, f"docs/img differs from what the script draws: {committed ^ made}"
    for p in tmp_path.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000
