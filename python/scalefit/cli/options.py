"""Shared argparse pieces: the parser class (one-line errors, numbers in
exponent form with a sign), option groups used by several commands, and the
translation of options and data into library calls."""
from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .errors import InputError
from .readers import Table, read_table

# A value that starts with "-" but is a number (-1, -1e22, -.5, -inf, -nan)
# is a value, not an option: it is parsed as a number and then validated.
_NEGATIVE_NUMBER = re.compile(
    r"^-(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$", re.IGNORECASE)


class UsageError(InputError):
    """Bad command-line usage (unknown option, missing argument...)."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised as UsageError,
    reported by main with exit 2) and that reads ``-1e22`` as a value."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str):  # noqa: D102 - argparse API
        command = self.prog.split(" ", 1)[1] + ": " if " " in self.prog else ""
        raise UsageError(f"{command}{message} (see {self.prog} --help)")


def number(text: str) -> float:
    """An argparse type: a float, with a message naming the text."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None


def add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress on the terminal")


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--col", action="append", metavar="NAME=COLUMN",
                   help="map a law input, 'loss' or 'weights' to a file column (repeatable)")
    p.add_argument("--exclude-col", metavar="COLUMN",
                   help="skip rows where this column is true/1 (e.g. --exclude-col excluded)")
    p.add_argument("--format", choices=["auto", "csv", "tsv", "json"], default="auto",
                   help="data file format (default: from the extension or content; CSV "
                        "delimiters , ; tab | are detected)")


def add_runs_and_fit_options(p: argparse.ArgumentParser) -> None:
    """The DATA positional, the fit options and the data options (commands
    that fit a law to a file of runs)."""
    p.add_argument("data", help="CSV, TSV or JSON file of runs ('-' = stdin)")
    add_fit_options(p)
    add_data_options(p)


def add_fit_options(p: argparse.ArgumentParser, law_required: bool = True) -> None:
    p.add_argument("--law", required=law_required, help="law name (scalefit.laws())")
    p.add_argument("--objective", default="huber_log",
                   help="fitting objective: huber_log (default), mse_log or mse; see "
                        "docs/objectives.md")
    p.add_argument("--delta", type=number, default=1e-3,
                   help="Huber threshold on log residuals (default 1e-3)")
    p.add_argument("--grid", default="auto",
                   help="start strategy: auto (default: variable projection), hoffmann (the "
                        "4500-start grid of Hoffmann et al. 2022) or init")
    p.add_argument("--screening-tolerance", type=number, default=None, metavar="TOL",
                   help="relative tolerance each start of a large grid is screened to before "
                        "the best are refined (default 1e-6; 0 = every start to full tolerance)")
    p.add_argument("--max-scoring-rows", type=integer, default=None, metavar="N",
                   help="at most this many rows (each input's extremes and an even stride) "
                        "rank the default start grid's cells (default 2048; 0 = every row); "
                        "every solve uses all rows")
    p.add_argument("--profile-check", action="store_true",
                   help="run the profile check of the diagnostics with the fit (weak "
                        "identification: flat valleys; several times the fit's cost; off "
                        "by default, and the report then says 'profile: not checked')")
    add_flop_options(p, default="6ND")
    p.add_argument("--units", metavar="NAME=UNIT[,NAME=UNIT...]",
                   help="the units the inputs are in, converted to plain counts: a factor "
                        "or K, M, B, T (e.g. --units N=1e6,D=B for N in millions and D in "
                        "billions; PF-day for a C column)")
    p.add_argument("--threads", type=integer, default=1,
                   help="threads (results do not depend on it)")


def add_flop_options(p: argparse.ArgumentParser, default: Optional[str]) -> None:
    """--flop-convention (the core's list of names) and --architecture."""
    from .. import flops
    p.add_argument("--flop-convention", default=default, choices=flops.conventions(),
                   help="how FLOPs are counted: " + ", ".join(flops.conventions())
                        + (f" (default {default})" if default else " (default: the fit's)")
                        + "; kaplan and hoffmann_detailed need --architecture")
    p.add_argument("--architecture", metavar="FIELD=V[,FIELD=V...]",
                   help="model shape for kaplan / hoffmann_detailed: n_layers, d_model, "
                        "n_heads, vocab_size, seq_len (and optionally d_ff, ff_ratio, "
                        "kv_size), e.g. n_layers=80,d_model=8192,n_heads=64,"
                        "vocab_size=32000,seq_len=2048")


def pairs(text: Optional[str], flag: str, example: str) -> Dict[str, str]:
    """NAME=V,NAME=V as a dict (InputError naming the flag otherwise)."""
    out: Dict[str, str] = {}
    if text is None:
        return out
    for item in text.split(","):
        k, sep, v = item.partition("=")
        if not sep or not k.strip() or not v.strip():
            raise InputError(f"{flag} expects NAME=V[,NAME=V...] (e.g. {example}), got '{text}'")
        out[k.strip()] = v.strip()
    return out


def architecture(text: Optional[str]):
    """A scalefit.flops.Architecture from --architecture, or None."""
    if text is None:
        return None
    from .. import flops
    kw: Dict[str, Any] = {}
    fields = {"n_layers": int, "d_model": int, "n_heads": int, "d_ff": int, "ff_ratio": float,
              "vocab_size": int, "seq_len": int, "kv_size": int}
    for k, v in pairs(text, "--architecture", "n_layers=80,d_model=8192").items():
        if k not in fields:
            raise InputError(f"--architecture: unknown field '{k}'; fields: "
                             + ", ".join(fields))
        try:
            kw[k] = fields[k](v)
        except ValueError:
            raise InputError(f"--architecture {k}={v}: not a number") from None
    return flops.Architecture(**kw)


def fit_kwargs(args) -> Dict[str, Any]:
    """scalefit.fit keyword arguments from the fit options."""
    kw: Dict[str, Any] = dict(objective=args.objective, delta=args.delta,
                              flop_convention=args.flop_convention, threads=args.threads,
                              architecture=architecture(args.architecture))
    units = pairs(args.units, "--units", "N=1e6,D=1e9")
    if units:
        kw["units"] = units
    if args.grid != "auto":
        kw["grid"] = args.grid
    solver: Dict[str, Any] = {}
    if args.screening_tolerance is not None:
        solver["screening_tolerance"] = args.screening_tolerance
    if args.max_scoring_rows is not None:
        solver["max_scoring_rows"] = args.max_scoring_rows
    if getattr(args, "profile_check", False):
        solver["profile_check"] = True
    if solver:
        kw["solver"] = solver
    return kw


def mapping(pairs: Optional[Sequence[str]]) -> Dict[str, str]:
    """--col NAME=COLUMN pairs as a dict."""
    out = {}
    for p in pairs or []:
        k, sep, v = p.partition("=")
        if not sep or not k.strip() or not v.strip():
            raise InputError(f"--col expects NAME=COLUMN (e.g. N=params), got '{p}'")
        out[k.strip()] = v.strip()
    return out


def law_data(args, lw) -> Tuple[Table, Dict[str, Any]]:
    """Read the law's inputs, loss and optional weights from args.data."""
    cmap = mapping(args.col)
    valid = list(lw.input_names) + ["loss", "weights", "C"]
    unknown = [k for k in cmap if k not in valid]
    if unknown:
        raise InputError(f"--col {unknown[0]}=...: '{unknown[0]}' is not an input of law "
                         f"'{lw.name}' ({', '.join(lw.input_names)}), 'loss', 'weights' or 'C'")
    need = [cmap.get(n, n) for n in lw.input_names] + [cmap.get("loss", "loss")]
    opt = [cmap["weights"]] if "weights" in cmap else []
    # The runs' reported compute, checked against the FLOP convention.
    reported = "C" not in lw.input_names
    if reported:
        opt.append(cmap.get("C", "C"))
    table = read_table(args.data, need, opt, exclude=args.exclude_col, fmt=args.format)
    warning = table.row_filter_warning()
    if warning:
        print(f"scalefit: warning: {warning}", file=sys.stderr)
    cols = {n: table.columns[cmap.get(n, n)] for n in lw.input_names}
    cols["loss"] = table.columns[cmap.get("loss", "loss")]
    if "weights" in cmap:
        cols["weights"] = table.columns[cmap["weights"]]
    if reported and cmap.get("C", "C") in table.columns:
        cols["C"] = table.columns[cmap.get("C", "C")]
    return table, cols


def add_card_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-verify", action="store_true",
                   help="read the card as given parameters, without checking its digest "
                        "(its convergence, diagnostics and data are then not used)")


_ROW = re.compile(r"\brow (\d+)\b")


def locate(message: str, table: Optional[Table]) -> str:
    """A core error that names a 0-based row, prefixed with the file line."""
    if table is None:
        return message
    m = _ROW.search(message)
    if not m:
        return f"{table.source}: {message}"
    return f"{table.where(int(m.group(1)))}: {message}"


def refuse_overwrite(out: Optional[str], inputs: List[str]) -> None:
    """--out must not be one of the input files."""
    from .readers import check_path, same_file
    if not out:
        return
    check_path(out, "--out")
    for path in inputs:
        if path and same_file(out, path):
            raise InputError(f"--out {out} is the input file {path}; refusing to overwrite "
                             "the data (choose another path)")
