"""The documentation site in a real headless browser (Debian's
chromium-headless-shell, installed by scripts/setup.sh): every page with
figures loads each of them, and screenshots of the index and the plots page
are written to build/site-check/ for a person to look at."""
import os
import pathlib
import shutil
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import check_site  # noqa: E402


def test_site_renders_its_figures_in_a_browser(capsys):
    if check_site.browser() is None:
        if os.environ.get("CI"):
            pytest.fail("no headless browser in CI: scripts/setup.sh installs "
                        "chromium-headless-shell")
        pytest.skip("no headless browser (apt-get install chromium-headless-shell)")
    pytest.importorskip("mkdocs")
    out = ROOT / "build" / "site-check"
    shutil.rmtree(out, ignore_errors=True)
    code = check_site.main(["--out", str(out), "--pages", "index", "plots"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "plots: images: 7" in printed  # the gallery: every figure loaded
    for name in ("index", "plots"):
        png = out / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 50_000  # a rendered page, not a blank one
