"""The docs speak of the project only, and show the figures they promise."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
TEXTS = DOCS + [ROOT / "README.md", ROOT / "DEVELOPING.md"]

# Notes about how or when the docs were written, and paths a reader does not have.
MAKING = [
    (r"\bissues?\s+#?\d+", "an issue number"),
    (r"#\d{2,}\b", "an issue/PR number"),
    (r"\b(first|second|third|previous|earlier|this|last) session\b", "a work session"),
    (r"\bsessions?'s?\b", "a work session"),
    (r"\b(before|after) this (change|work|session)\b", "a change history"),
    (r"\bfollow-?up\b", "a change history"),
    (r"\bhours? earlier\b", "a change history"),
    (r"\b(by|in|of) this work\b|\bthe issue's\b", "a change history"),
    (r"(?<![\w.])/tmp/", "a temporary path"),
    (r"\.\./shared\b|(?<![\w.])/work/", "a path outside the repository"),
    (r"\bnot implemented yet\b|\bTODO\b|\bFIXME\b", "an unfinished note"),
]

# Pages and the figures a reader expects on them (at least this many).
FIGURES = {"quickstart.md": 1, "plots.md": 6, "allocation.md": 1, "approaches.md": 1,
           "backtest.md": 1, "uncertainty.md": 1, "downstream.md": 2}


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_no_notes_about_the_docs_own_making(path):
    text = path.read_text(encoding="utf-8")
    flat = text.replace("\n", " ")  # phrases broken across lines; same offsets
    found = []
    for pattern, what in MAKING:
        for m in re.finditer(pattern, flat, flags=re.IGNORECASE):
            lineno = text.count("\n", 0, m.start()) + 1
            found.append(f"{path.name}:{lineno}: {what}: {m.group(0)!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("page,count", sorted(FIGURES.items()))
def test_page_shows_its_figures(page, count):
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]+\]\(([^)\s]+)\)", text)
    assert len(images) >= count, f"{page}: {len(images)} figure(s), expected >= {count}"
    for src in images:
        assert (ROOT / "docs" / src).is_file(), f"{page}: figure {src} does not exist"
