"""Reading the CLI's inputs: data tables (CSV/TSV via pandas, or JSON) and
fit cards, from files or standard input (``-``).

Every read is bounded (``MAX_INPUT_BYTES``, default 64 MiB; the environment
variable ``SCALEFIT_MAX_INPUT_BYTES`` raises or lowers it) and every problem
is an :class:`~scalefit.cli.errors.InputError` naming the file and, where
there is one, the line and column.

CSV: a header row; lines whose first non-blank character is ``#`` are
comments; the delimiter (``,``, ``;``, tab or ``|``) is detected from the
first lines (``.tsv`` files are tab-separated); columns with an empty name
(the index column that ``DataFrame.to_csv()`` writes) and every column that
is not asked for are ignored; one field may hold at most 131072 characters.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import InputError

DEFAULT_MAX_INPUT_BYTES = 64 * 2 ** 20
CSV_FIELD_LIMIT = 131072   # characters per field (the csv module's limit)
DELIMITERS = ",;\t|"
# Column names that mark rows to leave out (Table.row_filter_warning).
ROW_FILTER_NAMES = frozenset({"excluded", "exclude", "excl", "skip", "skipped", "drop",
                              "dropped", "outlier", "outliers", "is_outlier", "ignore",
                              "ignored", "removed"})


def max_input_bytes() -> int:
    """The input size limit in bytes (``SCALEFIT_MAX_INPUT_BYTES``)."""
    raw = os.environ.get("SCALEFIT_MAX_INPUT_BYTES")
    if raw is None:
        return DEFAULT_MAX_INPUT_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"SCALEFIT_MAX_INPUT_BYTES must be an integer number of bytes, "
                         f"got '{raw}'") from None
    if value < 1:
        raise InputError(f"SCALEFIT_MAX_INPUT_BYTES must be >= 1, got {value}")
    return value


def check_path(path: str, what: str) -> str:
    """``path`` as given, refusing what the OS would cut or reject."""
    if not isinstance(path, str) or path == "":
        raise InputError(f"{what}: empty path")
    if "\0" in path:
        raise InputError(f"{what} path {path.split(chr(0))[0]!r}... contains a NUL byte "
                         f"(at position {path.index(chr(0))})")
    return path


def read_bytes(path: str, what: str = "data file") -> Tuple[str, bytes]:
    """(source name, content) of a file or of standard input (``-``), at
    most ``max_input_bytes()`` bytes."""
    limit = max_input_bytes()
    check_path(path, what)
    if path == "-":
        source, stream, close = "<stdin>", sys.stdin.buffer, False
    else:
        source = path
        if os.path.isdir(path):
            raise InputError(f"{path}: is a directory, not a {what}")
        try:
            stream, close = open(path, "rb"), True
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, not a {what}") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        chunks: List[bytes] = []
        size = 0
        while size <= limit:
            chunk = stream.read(min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
    finally:
        if close:
            stream.close()
    if size > limit:
        raise InputError(f"{source}: larger than the input limit of {limit} bytes "
                         "(set SCALEFIT_MAX_INPUT_BYTES to raise it)")
    return source, b"".join(chunks)


def read_text(path: str, what: str = "data file") -> Tuple[str, str]:
    """(source name, UTF-8 text) of a file or standard input; a leading BOM
    is dropped; invalid UTF-8 and NUL bytes are errors naming the position."""
    source, raw = read_bytes(path, what)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"{source}: line {line}, column {col}: not UTF-8 text "
                         f"(byte 0x{raw[exc.start]:02x} at offset {exc.start}: "
                         f"{exc.reason})") from None
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputError(f"{source}: line {line}: contains a NUL byte (a binary file, not "
                         f"a {what})")
    return source, text


# ---------------------------------------------------------------------------
# Data tables
# ---------------------------------------------------------------------------

class Table:
    """Named float columns read from a file, with the file line of each row."""

    def __init__(self, source: str, columns: Dict[str, List[float]], lines: List[int],
                 kind: str, marked: Optional[Dict[str, int]] = None):
        self.source = source
        self.columns = columns
        self.lines = lines  # 1-based file line (CSV) or 0-based record index (JSON)
        self.kind = kind
        # Unread columns named like a row filter -> how many kept rows they mark.
        self.marked = dict(marked or {})

    def row_filter_warning(self) -> Optional[str]:
        """A warning when an unread column named like a row filter
        (``excluded``, ``skip``, ``outlier``, ...) marks rows as true/1: they
        are fitted too, which is rarely what the file means. None otherwise."""
        for c, n in self.marked.items():
            if n > 0:
                return (f"{self.source}: column '{c}' marks {n} row{'s' if n > 1 else ''} "
                        f"but is not used, so they are fitted too; --exclude-col {c} skips "
                        "them")
        return None

    def where(self, row: int) -> str:
        """The file position of a 0-based data row, for error messages."""
        if 0 <= row < len(self.lines):
            if self.kind == "csv":
                return f"{self.source}: line {self.lines[row]}"
            if self.kind == "csv-rows":
                return f"{self.source}: data row {self.lines[row]} (0-based)"
            return f"{self.source}: record {self.lines[row]} (0-based)"
        return self.source


def _filter_like(names, exclude) -> List[str]:
    """The names of ``names`` that look like a row filter (ROW_FILTER_NAMES)."""
    return [str(c) for c in names if c != exclude and str(c).strip().lower() in ROW_FILTER_NAMES]


def _marks(value) -> bool:
    """Whether a cell of a row-filter-like column marks its row: true as
    ``--exclude-col`` reads it (``_truthy``); a cell that is no boolean
    marks nothing."""
    if isinstance(value, bool):
        return value
    try:
        return _truthy(str(value), "")
    except InputError:
        return False


def parse_number(text: str, where: str) -> float:
    t = text.strip()
    if t == "":
        raise InputError(f"{where}: empty cell (expected a number)")
    try:
        return float(t)
    except ValueError:
        raise InputError(f"{where}: '{t}' is not a number") from None


def _truthy(text: str, where: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes", "y", "t"):
        return True
    if t in ("0", "false", "no", "n", "f", ""):
        return False
    try:
        return float(t) != 0.0
    except ValueError:
        raise InputError(f"{where}: '{text.strip()}' is not a boolean (use 0/1 or true/false)") \
            from None


def read_table(path: str, needed: Sequence[str], optional: Sequence[str] = (),
               exclude: Optional[str] = None, fmt: str = "auto") -> Table:
    """Read the columns ``needed`` (and those of ``optional`` that exist).

    ``needed``/``optional`` are FILE column names (after --col mapping). Rows
    where column ``exclude`` is true are skipped. ``fmt``: auto (from the
    extension or the content), csv, tsv or json."""
    source, text = read_text(path, "data file")
    if fmt == "auto":
        stripped = text.lstrip()
        fmt = ("json" if path.lower().endswith(".json") or stripped[:1] in ("{", "[")
               else "tsv" if path.lower().endswith((".tsv", ".tab")) else "csv")
    if not text.strip():
        raise InputError(f"{source}: the file is empty")
    if fmt == "json":
        return _read_json(source, text, needed, optional, exclude)
    return _read_csv(source, text, needed, optional, exclude, "\t" if fmt == "tsv" else None)


def _sniff(lines: Sequence[str]) -> str:
    """The delimiter of the first lines: csv.Sniffer restricted to
    DELIMITERS, else the most frequent one in the header, else a comma."""
    try:
        found = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=DELIMITERS).delimiter
        if found in DELIMITERS:
            return found
    except csv.Error:
        pass
    counts = {d: lines[0].count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(source, text, needed, optional, exclude, sep) -> Table:
    import pandas as pd

    content = [(i + 1, line) for i, line in enumerate(text.splitlines())
               if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        raise InputError(f"{source}: the file is empty (only comments or blank lines)")
    header_line = content[0][0]
    sep = sep or _sniff([line for _, line in content])

    def physical(fed_line: int) -> int:
        return content[fed_line - 1][0] if 0 < fed_line <= len(content) else fed_line

    try:
        # The python engine keeps missing trailing fields apart from empty
        # ones (None vs ""), so short rows are reported as such.
        df = pd.read_csv(io.StringIO("\n".join(line for _, line in content)), sep=sep,
                         header=None, dtype=object, keep_default_na=False, engine="python",
                         quotechar='"', skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            long = next((n for n, line in content if len(line) > CSV_FIELD_LIMIT), None)
            at = f"line {long}: " if long else ""
            raise InputError(f"{source}: {at}a field is longer than {CSV_FIELD_LIMIT} "
                             "characters (the CSV field limit)") from None
        import re
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if m:
            raise InputError(f"{source}: line {physical(int(m.group(2)))}: {m.group(3)} "
                             f"fields, but the header (line {header_line}) has "
                             f"{m.group(1)}") from None
        raise InputError(f"{source}: not a readable CSV file ({msg})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{source}: the file is empty") from None
    cells = df.to_numpy(dtype=object)
    header = ["" if h is None else str(h).strip() for h in cells[0]]
    rows = cells[1:]
    lines = [n for n, _ in content[1:]]
    kind = "csv"
    if len(lines) != len(rows):  # a quoted field spans lines: rows are not lines
        lines, kind = list(range(len(rows))), "csv-rows"

    def where(i: int) -> str:
        return (f"line {lines[i]}" if kind == "csv" else f"data row {i} (0-based)")

    seen: Dict[str, int] = {}
    for j, h in enumerate(header):
        if h and h not in seen:
            seen[h] = j
    wanted = list(needed) + [c for c in optional if c in seen]
    for name in list(needed) + ([exclude] if exclude else []):
        if name not in seen:
            shown = ", ".join(h for h in header if h) or "none"
            raise InputError(
                f"{source}: line {header_line} (header): missing column '{name}'; the "
                f"columns are: {shown}. Map another column with --col NAME=COLUMN.")
    for name in wanted + ([exclude] if exclude else []):
        dup = [j for j, h in enumerate(header) if h == name]
        if len(dup) > 1:
            raise InputError(f"{source}: line {header_line}, column {dup[1] + 1}: duplicate "
                             f"column '{name}' (also column {dup[0] + 1})")
    for i, row in enumerate(rows):
        n = sum(1 for c in row if c is not None)
        if n != len(header):
            raise InputError(f"{source}: {where(i)}: {n} fields, but the header "
                             f"(line {header_line}) has {len(header)}")
    cols: Dict[str, List[float]] = {c: [] for c in wanted if c != exclude}
    kept: List[int] = []
    for i, row in enumerate(rows):
        if exclude:
            j = seen[exclude]
            if _truthy(row[j], f"{source}: {where(i)}, column {j + 1} ('{exclude}')"):
                continue
        for c, values in cols.items():
            j = seen[c]
            values.append(parse_number(row[j], f"{source}: {where(i)}, column {j + 1} ('{c}')"))
        kept.append(lines[i])
    if not kept:
        raise InputError(f"{source}: no data rows after the header (line {header_line})")
    kept_set = set(kept)
    marked = {c: sum(1 for i, row in enumerate(rows) if lines[i] in kept_set and
                     _marks(row[seen[c]]))
              for c in _filter_like([h for h in seen if h not in cols], exclude)}
    return Table(source, cols, kept, kind, marked)


def _json(source: str, text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: line {exc.lineno}, column {exc.colno}: invalid JSON: "
                         f"{exc.msg}") from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply (more than about "
                         f"{sys.getrecursionlimit()} levels)") from None


def _read_json(source, text, needed, optional, exclude) -> Table:
    doc = _json(source, text)
    wanted = list(needed) + list(optional)
    if isinstance(doc, dict):
        n = None
        for name in list(needed) + ([exclude] if exclude else []):
            if name not in doc:
                raise InputError(f"{source}: missing column '{name}'; the columns are: "
                                 + ", ".join(map(str, doc)) + ". Map another with --col "
                                 "NAME=COLUMN.")
        for name in wanted + ([exclude] if exclude else []):
            if name in doc:
                if not isinstance(doc[name], list):
                    raise InputError(f"{source}: column '{name}' must be a list")
                if n is not None and len(doc[name]) != n:
                    raise InputError(f"{source}: column '{name}' has {len(doc[name])} values, "
                                     f"expected {n}")
                n = len(doc[name])
        records = [{k: doc[k][i] for k in doc if isinstance(doc[k], list) and len(doc[k]) == n}
                   for i in range(n or 0)]
    elif isinstance(doc, list):
        records = doc
    else:
        raise InputError(f"{source}: expected a JSON object of columns or a list of records, "
                         f"got {type(doc).__name__}")
    if not records:
        raise InputError(f"{source}: no data rows")
    first = records[0] if isinstance(records[0], dict) else {}
    cols: Dict[str, List[float]] = {c: [] for c in wanted if c in first or c in needed}
    lines: List[int] = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputError(f"{source}: record {i} (0-based) is not an object")
        if exclude:
            if exclude not in rec:
                raise InputError(f"{source}: record {i} (0-based): missing field '{exclude}'")
            if bool(rec[exclude]) and rec[exclude] not in ("0", "false"):
                continue
        for c in cols:
            where = f"{source}: record {i} (0-based), field '{c}'"
            if c not in rec:
                raise InputError(f"{source}: record {i} (0-based): missing field '{c}'")
            v = rec[c]
            if isinstance(v, bool) or v is None or not isinstance(v, (int, float, str)):
                raise InputError(f"{where}: {json.dumps(v)} is not a number")
            cols[c].append(parse_number(str(v), where))
        lines.append(i)
    if not lines:
        raise InputError(f"{source}: no data rows (all excluded)")
    names = doc if isinstance(doc, dict) else first
    marked = {c: sum(1 for i in lines if isinstance(records[i], dict) and
                     _marks(records[i].get(c, False)))
              for c in _filter_like([k for k in names if k not in cols], exclude)}
    return Table(source, cols, lines, "json", marked)


# ---------------------------------------------------------------------------
# Fit cards
# ---------------------------------------------------------------------------

def load_card(path: str, verify: bool = True):
    """A FitResult from a fit card file or standard input (``-``); with
    ``verify=False`` as given parameters (``--no-verify``)."""
    import scalefit

    source, text = read_text(path, "fit card")
    if not text.strip():
        raise InputError(f"{source}: the file is empty (expected a fit card)")
    try:
        json.loads(text)  # depth guard only; the core reports syntax errors itself
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply (more than about "
                         f"{sys.getrecursionlimit()} levels); not a fit card") from None
    except ValueError:
        pass
    return scalefit.loads(text, source=source, verify=verify)


def same_file(a: str, b: str) -> bool:
    """True when paths ``a`` and ``b`` name the same file (``-`` is never a file)."""
    if a == "-" or b == "-":
        return False
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)
