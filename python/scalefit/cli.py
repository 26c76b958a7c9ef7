"""The scalefit command line, for planners and pipelines.

  scalefit fit DATA.csv --law chinchilla [--objective huber_log] [--out fit.json]
  scalefit predict fit.json --N 7e10 --D 1.4e12        (or --flops 1e24, --data FILE)
  scalefit allocate fit.json --flops 1e24 1e25 [--level 0.9]
  scalefit backtest DATA.csv --law chinchilla
  scalefit demo

Data files are CSV (header row; lines starting with # are comments) or JSON
(a dict of columns or a list of records); ``-`` reads standard input. Map
column names with ``--col N=params --col loss=train_loss``. Human-readable
tables by default, ``--json`` for machines. Exit codes: 0 success; 1 the
computation finished but did not converge (output still written); 2 bad
usage or bad input (the message on stderr names the file, line and column).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

EXIT_OK = 0
EXIT_NOT_CONVERGED = 1
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the user's input; the message is shown as is."""


# ---------------------------------------------------------------------------
# Reading data files
# ---------------------------------------------------------------------------

class Table:
    """Named float columns read from a file, with the file line of each row."""

    def __init__(self, source: str, columns: Dict[str, List[float]], lines: List[int],
                 kind: str):
        self.source = source
        self.columns = columns
        self.lines = lines  # 1-based file line (CSV) or 0-based record index (JSON)
        self.kind = kind

    def where(self, row: int) -> str:
        """The file position of a 0-based data row, for error messages."""
        if 0 <= row < len(self.lines):
            if self.kind == "csv":
                return f"{self.source}: line {self.lines[row]}"
            return f"{self.source}: record {self.lines[row]} (0-based)"
        return self.source


def _read_text(path: str) -> Tuple[str, str]:
    if path == "-":
        return "<stdin>", sys.stdin.read()
    try:
        with open(path, encoding="utf-8-sig") as f:
            return path, f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a data file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _parse_number(text: str, where: str) -> float:
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
        raise InputError(f"{where}: '{text.strip()}' is not a boolean (use 0/1 or true/false)") from None


def read_table(path: str, needed: Sequence[str], optional: Sequence[str] = (),
               exclude: Optional[str] = None, fmt: str = "auto") -> Table:
    """Read the columns `needed` (and those of `optional` that exist).

    `needed`/`optional` are FILE column names (after --col mapping). Rows
    where column `exclude` is true are skipped. Raises InputError naming the
    file, line and column of the first problem."""
    source, text = _read_text(path)
    if fmt == "auto":
        stripped = text.lstrip()
        fmt = "json" if path.lower().endswith(".json") or stripped[:1] in ("{", "[") else "csv"
    if not text.strip():
        raise InputError(f"{source}: the file is empty")
    if fmt == "json":
        return _read_json(source, text, needed, optional, exclude)
    return _read_csv(source, text, needed, optional, exclude)


def _read_csv(source, text, needed, optional, exclude) -> Table:
    physical = text.splitlines()
    content = [(i + 1, l) for i, l in enumerate(physical)
               if l.strip() and not l.lstrip().startswith("#")]
    if not content:
        raise InputError(f"{source}: the file is empty (only comments or blank lines)")
    header_line, header_text = content[0]
    header = [h.strip() for h in next(csv.reader([header_text]))]
    seen = {}
    for j, h in enumerate(header):
        if h == "":
            raise InputError(f"{source}: line {header_line}, column {j + 1}: empty column name in the header")
        if h in seen:
            raise InputError(f"{source}: line {header_line}, column {j + 1}: duplicate column '{h}' "
                             f"(also column {seen[h] + 1})")
        seen[h] = j
    wanted = list(needed) + [c for c in optional if c in seen]
    if exclude:
        wanted.append(exclude)
    for name in list(needed) + ([exclude] if exclude else []):
        if name not in seen:
            raise InputError(
                f"{source}: line {header_line} (header): missing column '{name}'; the columns are: "
                + ", ".join(header) + ". Map another column with --col NAME=COLUMN.")
    cols: Dict[str, List[float]] = {c: [] for c in wanted if c != exclude}
    lines: List[int] = []
    for lineno, line in content[1:]:
        cells = next(csv.reader([line]))
        if len(cells) != len(header):
            raise InputError(f"{source}: line {lineno}: {len(cells)} fields, but the header "
                             f"(line {header_line}) has {len(header)}")
        if exclude and _truthy(cells[seen[exclude]],
                               f"{source}: line {lineno}, column {seen[exclude] + 1} ('{exclude}')"):
            continue
        for c in cols:
            j = seen[c]
            cols[c].append(_parse_number(cells[j], f"{source}: line {lineno}, column {j + 1} ('{c}')"))
        lines.append(lineno)
    if not lines:
        raise InputError(f"{source}: no data rows after the header (line {header_line})")
    return Table(source, cols, lines, "csv")


def _json_position(exc: json.JSONDecodeError) -> str:
    return f"line {exc.lineno}, column {exc.colno}"


def _read_json(source, text, needed, optional, exclude) -> Table:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: {_json_position(exc)}: invalid JSON: {exc.msg}") from None
    wanted = list(needed) + list(optional)
    if isinstance(doc, dict):
        records = None
        n = None
        for name in list(needed) + ([exclude] if exclude else []):
            if name not in doc:
                raise InputError(f"{source}: missing column '{name}'; the columns are: "
                                 + ", ".join(map(str, doc)) + ". Map another with --col NAME=COLUMN.")
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
    cols: Dict[str, List[float]] = {c: [] for c in wanted if c in records[0] or c in needed}
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
            cols[c].append(_parse_number(str(v), where))
        lines.append(i)
    if not lines:
        raise InputError(f"{source}: no data rows (all excluded)")
    return Table(source, cols, lines, "json")


def _mapping(pairs: Optional[Sequence[str]]) -> Dict[str, str]:
    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise InputError(f"--col expects NAME=COLUMN (e.g. N=params), got '{p}'")
        k, v = p.split("=", 1)
        if not k or not v:
            raise InputError(f"--col expects NAME=COLUMN (e.g. N=params), got '{p}'")
        out[k.strip()] = v.strip()
    return out


_ROW = re.compile(r"\brow (\d+)\b")


def _locate(message: str, table: Optional[Table]) -> str:
    """Adds the file line to a core error that names a 0-based row."""
    if table is None:
        return message
    m = _ROW.search(message)
    if not m:
        return f"{table.source}: {message}"
    return f"{table.where(int(m.group(1)))}: {message}"


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def _full(v: float) -> str:
    from . import _core
    return _core.format_full(float(v))


def _jsonable(v: Any) -> Any:
    """Plain JSON values; non-finite floats become "inf"/"-inf"/"nan" as in fit cards."""
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    try:
        import numpy as np
        if isinstance(v, np.ndarray):
            return [_jsonable(x) for x in v.tolist()]
        if isinstance(v, np.generic):
            v = v.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(_jsonable(obj), indent=2, allow_nan=False) + "\n")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h)
              for j, h in enumerate(header)]
    out = ["  ".join(h.rjust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    return "\n".join(out) + "\n"


class Progress:
    """Elapsed-time progress on stderr while a long computation runs, only
    when stderr is a terminal (never in pipelines or logs)."""

    def __init__(self, label: str, enabled: bool = True, stream=None):
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __enter__(self):
        if self.enabled:
            self._t0 = time.monotonic()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self):
        spin = "|/-\\"
        i = 0
        while not self._stop.wait(0.2):
            dt = time.monotonic() - self._t0
            self.stream.write(f"\r{spin[i % 4]} {self.label} ... {dt:.1f} s")
            self.stream.flush()
            i += 1

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.stream.write("\r" + " " * (len(self.label) + 20) + "\r")
            self.stream.flush()
        return False


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------

def _law_data(args, lw) -> Tuple[Table, Dict[str, Any]]:
    """Read the law's inputs, loss and optional weights from args.data."""
    cmap = _mapping(args.col)
    unknown = [k for k in cmap if k not in list(lw.input_names) + ["loss", "weights", "C"]]
    if unknown:
        raise InputError(f"--col {unknown[0]}=...: '{unknown[0]}' is not an input of law "
                         f"'{lw.name}' ({', '.join(lw.input_names)}), 'loss', 'weights' or 'C'")
    need = [cmap.get(n, n) for n in lw.input_names] + [cmap.get("loss", "loss")]
    opt = [cmap.get("weights", "weights")] if "weights" in cmap else []
    table = read_table(args.data, need, opt, exclude=args.exclude_col, fmt=args.format)
    cols = {n: table.columns[cmap.get(n, n)] for n in lw.input_names}
    cols["loss"] = table.columns[cmap.get("loss", "loss")]
    if "weights" in cmap:
        cols["weights"] = table.columns[cmap["weights"]]
    return table, cols


def _fit_kwargs(args) -> Dict[str, Any]:
    kw: Dict[str, Any] = dict(objective=args.objective, delta=args.delta,
                              flop_convention=args.flop_convention, threads=args.threads)
    if args.grid != "auto":
        kw["grid"] = args.grid
    solver: Dict[str, Any] = {}
    if args.screening_tolerance is not None:
        solver["screening_tolerance"] = args.screening_tolerance
    if args.max_scoring_rows is not None:
        solver["max_scoring_rows"] = args.max_scoring_rows
    if solver:
        kw["solver"] = solver
    return kw


def _cmd_fit(args) -> int:
    import scalefit

    lw = scalefit.law(args.law)
    table, cols = _law_data(args, lw)
    weights = cols.pop("weights", None)
    loss = cols.pop("loss")
    try:
        with Progress(f"fitting {lw.name} to {len(loss)} runs", not args.quiet):
            result = scalefit.fit(lw, loss=loss, weights=weights, **cols, **_fit_kwargs(args))
    except ValueError as exc:
        raise InputError(_locate(str(exc), table)) from None
    if args.out:
        result.save(args.out, include_data=args.include_data)
    if args.json:
        sys.stdout.write(result.to_card(include_data=args.include_data))
    else:
        sys.stdout.write(result.report())
        if args.out:
            print(f"fit card written to {args.out}")
    if not result.converged:
        print(f"scalefit: warning: {table.source}: the fit did not converge: {result.message}",
              file=sys.stderr)
        return EXIT_NOT_CONVERGED
    return EXIT_OK


def _load_card(path: str):
    import scalefit
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    return scalefit.load(path)


def _cmd_predict(args, extra: List[str]) -> int:
    result = _load_card(args.card)
    names = list(result.law.input_names)
    p = argparse.ArgumentParser(prog="scalefit predict", add_help=False, allow_abbrev=False)
    for n in names:
        p.add_argument(f"--{n}", type=float, nargs="+", metavar="V")
    inputs_ns, rest = p.parse_known_args(extra)
    if rest:
        raise InputError(f"predict: unknown arguments {' '.join(rest)}; law '{result.law.name}' "
                         f"takes " + ", ".join(f"--{n}" for n in names))
    given = {n: getattr(inputs_ns, n) for n in names if getattr(inputs_ns, n) is not None}
    table = None
    if args.data:
        if given or args.flops:
            raise InputError("predict: give --data FILE or input values, not both")
        cmap = _mapping(args.col)
        table = read_table(args.data, [cmap.get(n, n) for n in names], fmt=args.format,
                           exclude=args.exclude_col)
        given = {n: table.columns[cmap.get(n, n)] for n in names}
    rows: List[Dict[str, float]] = []
    if args.flops:
        if given:
            raise InputError("predict: give --flops or input values, not both")
        if "C" in names and len(names) == 1:
            given = {"C": args.flops}
        else:
            return _predict_at_flops(result, args)
    missing = [n for n in names if n not in given]
    if missing:
        raise InputError("predict: missing input values: " + ", ".join(f"--{n}" for n in missing)
                         + " (or --data FILE" + (", --flops C" if {"N", "D"} <= set(names) else "")
                         + ")")
    lengths = {n: len(v) for n, v in given.items()}
    n_rows = max(lengths.values())
    for n, k in lengths.items():
        if k not in (1, n_rows):
            raise InputError(f"predict: --{n} has {k} values; every input needs 1 or {n_rows}")
    full = {n: (v * n_rows if len(v) == 1 else list(v)) for n, v in given.items()}
    try:
        loss = result.predict(**full)
    except ValueError as exc:
        raise InputError(_locate(str(exc), table)) from None
    for i in range(n_rows):
        row = {n: float(full[n][i]) for n in names}
        row["loss"] = float(loss[i])
        rows.append(row)
    if args.json:
        _print_json({"law": result.law.name, "flop_convention": result.flop_convention,
                     "predictions": rows})
    else:
        cols = names + ["loss"]
        print(f"law {result.law.name}: {result.law.formula}")
        sys.stdout.write(_table(cols, [[_full(r[c]) for c in cols] for r in rows]))
    return EXIT_OK


def _allocation_module():
    try:
        from . import allocation  # noqa: F401
    except ImportError:
        raise InputError("compute-optimal allocation is not available in this build "
                         "(scalefit.allocation is missing)") from None
    return allocation


def _allocation_rows(result, flops: Sequence[float], level: Optional[float]):
    alloc = _allocation_module()
    kw = {}
    if level is not None:
        kw["level"] = level
    try:
        plan = alloc.compute_optimal(result, list(flops), **kw)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return plan


def _plan_records(plan) -> List[Dict[str, Any]]:
    if hasattr(plan, "row") and hasattr(plan, "__len__"):
        return [dict(plan.row(i)) for i in range(len(plan))]
    d = plan.to_dict()
    keys = list(d)
    return [{k: d[k][i] for k in keys} for i in range(len(d[keys[0]]) if keys else 0)]


def _predict_at_flops(result, args) -> int:
    plan = _allocation_rows(result, args.flops, None)
    return _emit_plan(result, plan, args, title="loss at the compute-optimal allocation")


def _emit_plan(result, plan, args, title: str) -> int:
    if args.json:
        _print_json({"law": result.law.name, "flop_convention": result.flop_convention,
                     "level": getattr(plan, "level", None), "allocations": _plan_records(plan)})
        return EXIT_OK
    if hasattr(plan, "report"):
        sys.stdout.write(plan.report())
        return EXIT_OK
    records = _plan_records(plan)  # pragma: no cover - tables without report()
    print(f"{title} (law {result.law.name}, FLOP convention {result.flop_convention})")
    if records:
        cols = list(records[0])
        sys.stdout.write(_table(cols, [[_cell(r[c]) for c in cols] for r in records]))
    return EXIT_OK


def _cell(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        try:
            import numpy as np
            if isinstance(v, np.generic):
                return _cell(v.item())
        except ImportError:  # pragma: no cover
            pass
        return str(v)
    return _full(v) if isinstance(v, float) else str(v)


def _cmd_allocate(args) -> int:
    result = _load_card(args.card)
    if args.level is not None and not (0.0 < args.level < 1.0):
        raise InputError(f"--level must be in (0, 1), got {args.level}")
    with Progress("allocating", not args.quiet):
        plan = _allocation_rows(result, args.flops, args.level)
    return _emit_plan(result, plan, args, title="compute-optimal allocation")


def _cmd_backtest(args) -> int:
    import scalefit

    lw = scalefit.law(args.law)
    table, cols = _law_data(args, lw)
    weights = cols.pop("weights", None)
    loss = cols.pop("loss")
    kw = _fit_kwargs(args)
    if args.threshold is not None:
        kw["threshold"] = args.threshold
    try:
        with Progress(f"backtesting {lw.name} on {len(loss)} runs", not args.quiet):
            bt = scalefit.backtest(lw, loss=loss, weights=weights, split=args.split, **cols, **kw)
    except ValueError as exc:
        raise InputError(_locate(str(exc), table)) from None
    if args.json:
        rows = bt.by_distance
        if hasattr(rows, "to_dict"):
            rows = rows.to_dict(orient="records")
        _print_json({"law": bt.law, "objective": bt.objective, "split": bt.split,
                     "threshold": bt.threshold, "num_train": bt.num_train, "num_test": bt.num_test,
                     "mean_are": bt.mean_are, "max_are": bt.max_are, "rmsle": bt.rmsle,
                     "coverage": bt.coverage, "baseline": bt.baseline, "by_distance": rows})
    else:
        sys.stdout.write(bt.report())
    return EXIT_OK


def _cmd_demo(args) -> int:
    import scalefit

    df = scalefit.datasets.chinchilla()
    with Progress("fitting chinchilla to the embedded data", not args.quiet):
        fit = scalefit.fit("chinchilla", df, threads=args.threads)
    print("Chinchilla law fitted to the embedded Epoch AI data "
          "(Besiroglu et al. 2024; 240 runs, 5 excluded)")
    sys.stdout.write(fit.report())
    try:
        alloc = _allocation_module()
    except InputError:
        return EXIT_OK if fit.converged else EXIT_NOT_CONVERGED
    plan = alloc.compute_optimal(fit, [1e22, 1e23, 1e24, 1e25])
    print()
    _emit_plan(fit, plan, argparse.Namespace(json=False), title="compute-optimal allocation")
    return EXIT_OK if fit.converged else EXIT_NOT_CONVERGED


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------

def _data_options(p: argparse.ArgumentParser, law: bool = True) -> None:
    p.add_argument("--col", action="append", metavar="NAME=COLUMN",
                   help="map a law input, 'loss' or 'weights' to a file column (repeatable)")
    p.add_argument("--exclude-col", metavar="COLUMN",
                   help="skip rows where this column is true/1 (e.g. --exclude-col excluded)")
    p.add_argument("--format", choices=["auto", "csv", "json"], default="auto",
                   help="data file format (default: from the extension or content)")


def _fit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--law", required=True, help="law name (scalefit.laws())")
    p.add_argument("--objective", default="huber_log", choices=["huber_log", "mse_log", "mse"])
    p.add_argument("--delta", type=float, default=1e-3, help="Huber threshold on log residuals")
    p.add_argument("--grid", default="auto", choices=["auto", "hoffmann", "init"],
                   help="start strategy (default auto: variable projection)")
    p.add_argument("--screening-tolerance", type=float, default=None, metavar="TOL",
                   help="relative tolerance each start of a large grid is screened to before "
                        "the best are refined (default 1e-6; 0 = every start to full tolerance)")
    p.add_argument("--max-scoring-rows", type=int, default=None, metavar="N",
                   help="at most this many rows (each input's extremes and an even stride) "
                        "rank the default start grid's cells (default 2048; 0 = every row); "
                        "every solve uses all rows")
    p.add_argument("--flop-convention", default="6ND")
    p.add_argument("--threads", type=int, default=1, help="threads (results do not depend on it)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scalefit", description=__doc__, allow_abbrev=False,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=_version())
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    common.add_argument("--quiet", action="store_true", help="no progress on the terminal")
    sub = p.add_subparsers(dest="command", required=True)

    f = sub.add_parser("fit", parents=[common], help="fit a law to a CSV/JSON file of runs")
    f.add_argument("data", help="CSV or JSON file of runs ('-' = stdin)")
    _fit_options(f)
    _data_options(f)
    f.add_argument("--out", help="write the fit card (JSON) here")
    f.add_argument("--include-data", action="store_true", help="store the runs in the fit card")
    f.set_defaults(func=_cmd_fit)

    pr = sub.add_parser("predict", parents=[common], allow_abbrev=False,
                        help="predict loss from a fit card: --N ... --D ... | --flops ... | --data FILE")
    pr.add_argument("card", help="fit card (from scalefit fit --out)")
    pr.add_argument("--flops", type=float, nargs="+", metavar="C",
                    help="budgets in FLOPs: the loss at the compute-optimal allocation")
    pr.add_argument("--data", help="predict at the rows of a CSV/JSON file")
    _data_options(pr)
    pr.set_defaults(func=_cmd_predict, takes_extra=True)

    a = sub.add_parser("allocate", parents=[common], help="compute-optimal N, D and loss per budget")
    a.add_argument("card", help="fit card (from scalefit fit --out)")
    a.add_argument("--flops", type=float, nargs="+", required=True, metavar="C")
    a.add_argument("--level", type=float, help="interval level, e.g. 0.9 (needs a fit with data)")
    a.set_defaults(func=_cmd_allocate)

    b = sub.add_parser("backtest", parents=[common],
                       help="fit on the smaller runs, predict the larger ones")
    b.add_argument("data", help="CSV or JSON file of runs ('-' = stdin)")
    _fit_options(b)
    _data_options(b)
    b.add_argument("--split", default="compute", help="'compute' (default) or an input name")
    b.add_argument("--threshold", type=float, help="train below, hold out at or above")
    b.set_defaults(func=_cmd_backtest)

    d = sub.add_parser("demo", parents=[common], help="fit the Chinchilla law to the embedded dataset")
    d.add_argument("--threads", type=int, default=1)
    d.set_defaults(func=_cmd_demo)
    return p


def _version() -> str:
    try:
        from . import __version__
        return f"scalefit {__version__}"
    except ImportError:  # pragma: no cover
        return "scalefit"


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "takes_extra", False):
        parser.error("unrecognized arguments: " + " ".join(extra))
    try:
        if getattr(args, "takes_extra", False):
            return int(args.func(args, extra))
        return int(args.func(args))
    except InputError as exc:
        print(f"scalefit: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, TypeError, OSError) as exc:
        print(f"scalefit: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # pragma: no cover
        print("scalefit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. `scalefit ... | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
