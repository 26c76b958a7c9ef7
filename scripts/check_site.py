#!/usr/bin/env python3
"""Builds the documentation site (mkdocs) and opens it in a real headless
browser (Debian's chromium-headless-shell or chromium): every page must load
each of its images, and screenshots of the index and a topic page are written
for a person to look at.

    python3 scripts/check_site.py [--out build/site-check] [--pages index plots]

Exit status 0 when every image on every page loaded, 1 otherwise, 2 when no
browser is installed (scripts/setup.sh installs chromium-headless-shell).
"""
from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")
# Appended to a copy of each page: after the load event, one line per <img>.
PROBE = """<script>window.addEventListener('load', function () {
  var lines = [];
  for (const img of document.images) {
    lines.push((img.complete && img.naturalWidth > 0 ? 'LOADED ' : 'BROKEN ') + img.getAttribute('src'));
  }
  var out = document.createElement('pre'); out.id = 'scalefit-image-probe';
  out.textContent = 'images: ' + document.images.length + '\\n' + lines.join('\\n');
  document.body.appendChild(out);
});</script>"""


def browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def run(exe: str, *args: str, timeout: float = 60) -> str:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--disable-extensions", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout


def probe(exe: str, page: pathlib.Path) -> list[str]:
    copy = page.with_name(page.stem + ".probe.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                    encoding="utf-8")
    dom = run(exe, "--virtual-time-budget=10000", "--dump-dom", copy.as_uri())
    copy.unlink()
    start = dom.find('id="scalefit-image-probe">')
    if start < 0:
        return ["BROKEN (the page did not finish loading)"]
    body = dom[start:].split(">", 1)[1].split("</pre>", 1)[0]
    return body.strip().splitlines()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "build" / "site-check"))
    ap.add_argument("--pages", nargs="*", default=["index", "plots"],
                    help="pages to screenshot (names of docs/*.md without .md)")
    args = ap.parse_args(argv)
    exe = browser()
    if exe is None:
        print("check_site: no headless browser (apt-get install chromium-headless-shell)",
              file=sys.stderr)
        return 2
    out = pathlib.Path(args.out)
    site = out / "site"
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
                    str(ROOT / "mkdocs.yml"), "-d", str(site)], check=True)
    failures = 0
    for page in sorted(site.rglob("index.html")):
        if "<img" not in page.read_text(encoding="utf-8"):
            continue  # only pages with figures need the browser
        lines = probe(exe, page)
        bad = [l for l in lines if l.startswith("BROKEN")]
        name = page.parent.relative_to(site).as_posix()
        name = "index" if name == "." else name
        print(f"{name}: {lines[0] if lines else '?'}" + (f"; {len(bad)} broken" if bad else ""))
        for l in bad:
            print("  " + l)
        failures += len(bad)
    for name in args.pages:
        page = site / "index.html" if name == "index" else site / name / "index.html"
        png = out / f"{name}.png"
        run(exe, "--window-size=1280,2000", f"--screenshot={png}", page.as_uri())
        print(f"screenshot: {png}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
