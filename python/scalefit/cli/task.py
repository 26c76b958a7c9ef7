"""``scalefit task ...``: downstream tasks from model ladders.

    scalefit task ladder RUNS.csv --exports DIR --metric NAME=COL[,COL...] -o LADDER.csv
    scalefit task fit LADDER.csv|olmo --intermediate COL --metric COL --chance P [...]
    scalefit task fit olmo --task mmlu --N 1.3e10 --D 5e12 --out mmlu.chain.json
    scalefit task predict CHAIN.json --N ... --D ... [--level 0.9]
    scalefit task classify DATA.csv --compute COL --score COL --chance P --n-items N
"""
from __future__ import annotations

import io
import os
import sys
from typing import Any, Dict, List

from . import options
from .errors import EXIT_OK, InputError
from .output import Progress, full, print_json, table as text_table
from .readers import read_table, read_text

NAME = "task"
HELP = "downstream tasks: read ladders, fit chained forecasts, predict, classify emergence"


def add_parser(sub) -> "options.Parser":
    p = sub.add_parser(NAME, help=HELP, description=HELP + ".")
    tsub = p.add_subparsers(dest="task_command", metavar="{ladder,fit,predict,classify}",
                            parser_class=options.Parser)
    tsub.required = True

    q = tsub.add_parser("ladder", help="evaluation exports (one CSV per run) -> a tidy "
                        "ladder CSV")
    q.add_argument("runs", help="CSV with one row per run: run, N, and optionally "
                   "flops_per_token, target, file")
    q.add_argument("--exports", required=True, help="folder holding the runs' export files")
    q.add_argument("--metric", action="append", required=True, metavar="NAME=COL[,COL...]",
                   help="a metric: one column, or the mean of several; COL:W weights a "
                        "column (repeatable)")
    q.add_argument("--batch-size", type=options.number, help="tokens per step when the "
                   "exports have no tokens or batch column")
    q.add_argument("--on-missing", choices=["error", "drop"], default="error",
                   help="an empty metric cell: an error (default) or drop the checkpoint")
    q.add_argument("-o", "--out", required=True, help="the tidy ladder CSV to write")
    q.set_defaults(run=run)

    f = tsub.add_parser("fit", help="fit a chained forecast (N, D) -> task loss -> metric")
    f.add_argument("ladder", help="tidy ladder CSV (from 'task ladder'), or 'olmo' for the "
                   "shipped OLMo ladder (Bhagia et al. 2024)")
    f.add_argument("--task", help="with 'olmo': one of its tasks (mmlu, hellaswag, ...), "
                   "or 'all'")
    f.add_argument("--intermediate", help="ladder column of the task loss (step 1)")
    f.add_argument("--metric", help="ladder column of the metric (step 2)")
    f.add_argument("--chance", type=options.number, help="chance level of the metric")
    f.add_argument("--ceiling", type=options.number, help="metric ceiling (default 1)")
    f.add_argument("--n-items", type=options.number, help="questions of the evaluation "
                   "(for the emergence classification)")
    f.add_argument("--link", default="sigmoid",
                   help="sigmoid (default), log_sigmoid or gadre_exponential")
    f.add_argument("--floor", default="free", choices=["free", "chance"])
    f.add_argument("--interval", default="bootstrap", help="bootstrap, delta or none")
    f.add_argument("--replicates", type=options.integer, default=1000)
    f.add_argument("--seed", type=options.integer, default=0)
    f.add_argument("--threads", type=options.integer, help="threads (default: all cores)")
    f.add_argument("--N", type=options.number, nargs="+", metavar="N",
                   help="forecast at these parameter counts (with --D)")
    f.add_argument("--D", type=options.number, nargs="+", metavar="D", help="... and tokens")
    f.add_argument("--level", type=options.number, default=0.9)
    f.add_argument("--out", help="write the task-chain card here (one task only)")
    options.add_output_options(f)
    f.set_defaults(run=run)

    r = tsub.add_parser("predict", help="forecast from a task-chain card")
    r.add_argument("card", help="task-chain card (from 'task fit --out'; '-' = stdin)")
    r.add_argument("--N", type=options.number, nargs="+", required=True, metavar="N")
    r.add_argument("--D", type=options.number, nargs="+", required=True, metavar="D")
    r.add_argument("--level", type=options.number, default=0.9)
    r.add_argument("--method", help="bootstrap, delta or none (default: the chain's)")
    options.add_output_options(r)
    r.set_defaults(run=run)

    c = tsub.add_parser("classify", help="which kind a score curve is: smooth, flat, "
                        "inverse, not_correlated, emergent")
    c.add_argument("data", help="CSV/TSV/JSON file, one row per model ('-' = stdin)")
    c.add_argument("--compute", default="C", help="column of the compute (default C)")
    c.add_argument("--score", default="score", help="column of the score (default score)")
    c.add_argument("--chance", type=options.number, required=True)
    c.add_argument("--n-items", type=options.number, required=True,
                   help="questions per evaluation")
    c.add_argument("--ceiling", type=options.number, default=1.0)
    c.add_argument("--format", choices=["auto", "csv", "tsv", "json"], default="auto")
    options.add_output_options(c)
    c.set_defaults(run=run)
    return p


def _read_ladder_csv(path: str):
    import pandas as pd
    source, text = read_text(path, "ladder file")
    lines = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    try:
        df = pd.read_csv(io.StringIO(lines))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    for col in ("run", "N", "D", "C", "step", "target"):
        if col not in df.columns:
            raise InputError(f"{source}: missing column '{col}'; a ladder file has run, N, D, "
                             f"C, step, target and metric columns (see 'task ladder'); "
                             f"columns: {', '.join(map(str, df.columns))}")
    t = df["target"]
    if t.dtype == object:
        df["target"] = t.astype(str).str.strip().str.lower().isin(["true", "1", "yes"])
    else:
        df["target"] = t.astype(bool)
    return df


def run_ladder(args) -> int:
    import scalefit
    import pandas as pd
    source, text = read_text(args.runs, "runs file")
    runs = pd.read_csv(io.StringIO("\n".join(l for l in text.splitlines()
                                             if not l.lstrip().startswith("#"))))
    metrics: Dict[str, Any] = {}
    for item in args.metric:
        name, sep, cols = item.partition("=")
        if not sep or not name.strip() or not cols.strip():
            raise InputError(f"--metric expects NAME=COL[,COL...], got '{item}'")
        spec: Dict[str, float] = {}
        for c in cols.split(","):
            col, colon, w = c.rpartition(":") if ":" in c else (c, "", "1")
            try:
                spec[col.strip()] = float(w)
            except ValueError:
                raise InputError(f"--metric {name}: weight '{w}' is not a number") from None
        metrics[name.strip()] = spec
    exports = [os.path.join(args.exports, f) for f in os.listdir(args.exports)] \
        if os.path.isdir(args.exports) else []
    options.refuse_overwrite(args.out, [args.runs] + exports)
    ladder = scalefit.downstream.read_ladder(runs, metrics, exports=args.exports,
                                             batch_size=args.batch_size,
                                             on_missing=args.on_missing)
    with open(args.out, "w", encoding="utf-8") as f:
        ladder.to_csv(f, index=False, float_format="%.17g")
    print(f"ladder: {ladder['run'].nunique()} runs, {len(ladder)} checkpoints -> {args.out}")
    return EXIT_OK


def _prediction_rows(pred) -> List[Dict[str, Any]]:
    rows = []
    for i in range(len(pred)):
        ok = bool(pred.forecast[i])
        rows.append({"N": float(pred.N[i]), "D": float(pred.D[i]),
                     "decades_beyond": float(pred.decades_beyond[i]),
                     "intermediate": float(pred.intermediate[i]),
                     "intermediate_lower": float(pred.intermediate_lower[i]),
                     "intermediate_upper": float(pred.intermediate_upper[i]),
                     "forecast": ok,
                     "metric": float(pred.metric[i]) if ok else None,
                     "metric_lower": float(pred.metric_lower[i]),
                     "metric_upper": float(pred.metric_upper[i])})
    return rows


def _emit(chains: Dict[str, Any], preds: Dict[str, Any], args) -> None:
    if args.json:
        print_json({name: {"chain": c.to_dict(),
                           "emergence": c.emergence.to_dict() if c.emergence else None,
                           "predictions": _prediction_rows(preds[name]) if name in preds else []}
                    for name, c in chains.items()})
        return
    for name, c in chains.items():
        print(repr(c))
        if c.emergence is not None:
            print("  " + c.emergence.statement)
        if name in preds:
            p = preds[name]
            head = ["N", "D", "decades", "intermediate", "lower", "upper", "metric", "lower",
                    "upper"]
            rows = []
            for r in _prediction_rows(p):
                rows.append([full(r["N"]), full(r["D"]), f"{r['decades_beyond']:.3g}",
                             f"{r['intermediate']:.6g}", f"{r['intermediate_lower']:.6g}",
                             f"{r['intermediate_upper']:.6g}",
                             f"{r['metric']:.6g}" if r["forecast"] else "not forecast",
                             f"{r['metric_lower']:.6g}", f"{r['metric_upper']:.6g}"])
            sys.stdout.write(text_table(head, rows))


def run_fit(args) -> int:
    import scalefit
    if (args.N is None) != (args.D is None):
        raise InputError("task fit: give both --N and --D (the targets' parameters and tokens)")
    if args.N is not None and len(args.N) != len(args.D):
        raise InputError(f"task fit: --N has {len(args.N)} values but --D has {len(args.D)}")
    kw = dict(link=args.link, floor=args.floor, interval=args.interval,
              replicates=args.replicates, seed=args.seed, threads=args.threads)
    if args.ladder == "olmo":
        given = [o for o in ("intermediate", "metric", "chance", "ceiling", "n_items")
                 if getattr(args, o) is not None]
        if given:
            raise InputError("task fit olmo: " + ", ".join("--" + o.replace("_", "-")
                                                           for o in given)
                             + " apply to a ladder file; the shipped ladder's tasks come "
                             "with their own (name one with --task)")
        ladder = scalefit.datasets.olmo_ladder()
        tasks = scalefit.downstream.olmo_tasks()
        if args.task is None:
            raise InputError("task fit olmo: name a task with --task (or --task all); tasks: "
                             + ", ".join(tasks["name"]))
        if args.task != "all":
            if args.task not in set(tasks["name"]):
                raise InputError(f"task fit olmo: unknown task '{args.task}'; tasks: "
                                 + ", ".join(tasks["name"]) + ", all")
            tasks = tasks[tasks["name"] == args.task]
    else:
        if args.task is not None:
            raise InputError("task fit: --task names a task of the shipped 'olmo' ladder; "
                             "for a ladder file give --intermediate, --metric, --chance")
        missing = [o for o in ("intermediate", "metric", "chance") if getattr(args, o) is None]
        if missing:
            raise InputError("task fit: missing " + ", ".join("--" + m.replace("_", "-")
                                                              for m in missing))
        ladder = _read_ladder_csv(args.ladder)
        import pandas as pd
        tasks = pd.DataFrame([dict(name=args.metric, intermediate=args.intermediate,
                                   metric=args.metric, chance=args.chance,
                                   ceiling=1.0 if args.ceiling is None else args.ceiling,
                                   n_items=args.n_items)])
    if args.out and len(tasks) != 1:
        raise InputError("task fit: --out writes one chain; name one --task")
    with Progress(f"fitting {len(tasks)} task chain(s)", not args.quiet) as shown:
        chains = scalefit.downstream.fit_chains(ladder, tasks, **kw, progress=shown.callback)
    preds = {}
    if args.N is not None:
        preds = {n: c.predict(N=args.N, D=args.D, level=args.level) for n, c in chains.items()}
    if args.out:
        next(iter(chains.values())).save(args.out)
    _emit(chains, preds, args)
    return EXIT_OK


def run_predict(args) -> int:
    import scalefit
    source, text = read_text(args.card, "task-chain card")
    chain = scalefit.downstream.loads_chain(text, source)
    if len(args.N) != len(args.D):
        raise InputError(f"task predict: --N has {len(args.N)} values but --D has {len(args.D)}")
    pred = chain.predict(N=args.N, D=args.D, level=args.level, method=args.method)
    _emit({chain.task: chain}, {chain.task: pred}, args)
    return EXIT_OK


def run_classify(args) -> int:
    import scalefit
    tbl = read_table(args.data, [args.compute, args.score], fmt=args.format)
    r = scalefit.emergence.classify(tbl.columns[args.compute], tbl.columns[args.score],
                                    chance=args.chance, n_items=args.n_items,
                                    ceiling=args.ceiling)
    if args.json:
        print_json(r.to_dict())
    else:
        print(r.report())
    return EXIT_OK


def run(args) -> int:
    """Dispatch to the subcommand (``task ladder|fit|predict|classify``)."""
    return {"ladder": run_ladder, "fit": run_fit, "predict": run_predict,
            "classify": run_classify}[args.task_command](args)
