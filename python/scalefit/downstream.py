"""Downstream tasks from model ladders: ladder ingestion, chained forecasts
(N, D) → task loss → metric with intervals through both steps, and the
emergence-aware answer when a task cannot be forecast yet.

The method is the two-step ladder of Bhagia et al. 2024, "Establishing Task
Scaling Laws via Compute-Efficient Model Ladders" (arXiv:2412.04403): step 1
fits a scaling law to each run's task loss (bits-per-byte of the correct
answer), step 2 a sigmoid from task loss to accuracy across checkpoints.
Everything numeric happens in the C++ core (``downstream/chain.hpp``).

    >>> import scalefit
    >>> ladder = scalefit.datasets.olmo_ladder()
    >>> chain = scalefit.downstream.fit_chain(ladder, intermediate="mmlu_bpb",
    ...     metric="mmlu_acc", chance=0.25, n_items=14042, replicates=200)
    >>> chain.predict(N=13202396160, D=5000088518656, level=0.9)  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _core, _ladder
from ._inputs import (_listing, _pd, as_bool, as_float, as_int, as_path, as_seed, as_str,
                      check_keys, fit_options, set_fields)
from ._progress import reporter
from .results import ChainPrediction, EmergenceResult, TaskChain

__all__ = ["read_ladder", "skip_first", "smooth", "final_checkpoints", "fit_chain",
           "fit_chains", "olmo_tasks", "load_chain", "loads_chain", "TaskChain",
           "ChainPrediction", "EmergenceResult"]


def read_ladder(runs: Any, metrics: Mapping[str, Any], *, exports: Any = None,
                tokens_column: str = "throughput/total_tokens", step_column: str = "_step",
                batch_column: str = "batch_size_in_tokens", batch_size: Any = None,
                flop_convention: str = "6ND", on_missing: str = "error"):
    """The tidy ladder frame from per-run evaluation exports (W&B-style:
    one row per evaluated checkpoint).

    ``runs``: a DataFrame (or list of dicts) with one row per run: ``run``
    (name), ``N`` (parameters), optionally ``flops_per_token`` (C = it × D;
    else ``flop_convention``), ``target`` (True for a model to forecast) and
    ``file`` (its export, in the folder ``exports``; default ``<run>.csv``).
    ``exports`` may instead be a dict {run: CSV path or DataFrame}.
    ``metrics``: {name: column | [columns] | {column: weight}} — a list is
    the plain mean, a dict the weighted mean (e.g. MMLU's four subsets).
    D per checkpoint: ``tokens_column``, else ``step_column`` × the
    ``batch_column`` cell (or ``batch_size``). An empty metric cell is an
    error naming the file, line and column unless ``on_missing="drop"``.

    Returns a DataFrame with one row per run × checkpoint: ``run``, ``N``,
    ``D``, ``C``, ``step``, ``target`` and the metrics."""
    core = _ladder.read(runs, metrics, exports, tokens_column=tokens_column,
                        step_column=step_column, batch_column=batch_column,
                        batch_size=batch_size, flop_convention=flop_convention,
                        on_missing=on_missing)
    df = _ladder.to_frame(core)
    df.attrs["dropped"] = dict(core.dropped)
    return df


def skip_first(ladder, fraction: Any, *, include_targets: bool = False):
    """The ladder without the first ceil(fraction × n) checkpoints of each
    run (targets kept whole unless ``include_targets``)."""
    return _ladder.to_frame(_core.skip_first(_ladder.to_core(ladder),
                                             as_float(fraction, "fraction"),
                                             as_bool(include_targets, "include_targets")))


def smooth(ladder, window: Any, *, metrics: Any = None):
    """Each metric (or only ``metrics``) as its trailing moving average over
    the last ``window`` checkpoints of its run."""
    names = [] if metrics is None else [as_str(m, "metrics") for m in
                                        ([metrics] if isinstance(metrics, str) else metrics)]
    return _ladder.to_frame(_core.smooth(_ladder.to_core(ladder), as_int(window, "window"),
                                         names))


def final_checkpoints(ladder, average: Any = 1):
    """One row per run: its last checkpoint, each metric averaged over the
    last ``average`` checkpoints."""
    return _ladder.to_frame(_core.final_checkpoints(_ladder.to_core(ladder),
                                                    as_int(average, "average")))


def olmo_tasks():
    """The eight main tasks of Bhagia et al. 2024 for
    ``scalefit.datasets.olmo_ladder()``: a DataFrame with ``name``,
    ``intermediate``, ``metric``, ``chance``, ``ceiling``, ``n_items``."""
    import pandas as pd
    return pd.DataFrame([dict(name=t.name, intermediate=t.intermediate, metric=t.metric,
                              chance=t.chance, ceiling=t.ceiling, n_items=t.n_items)
                         for t in _core.olmo_tasks()])


_EMERGENCE_KEYS = ("alpha", "forecast_alpha", "onset_threshold", "margin", "extra_sd")


def _task(intermediate, metric, chance, ceiling, n_items, name) -> "_core.TaskSpec":
    t = _core.TaskSpec()
    t.intermediate = as_str(intermediate, "intermediate")
    t.metric = as_str(metric, "metric")
    t.chance = as_float(chance, "chance")
    t.ceiling = as_float(ceiling, "ceiling")
    t.n_items = 0.0 if n_items is None else as_float(n_items, "n_items")
    t.name = t.metric if name is None else as_str(name, "name")
    return t


def _named_law(name: str, option: str) -> "_core.Law":
    try:
        return _core.get_law(name)
    except ValueError as exc:
        raise type(exc)(f"{option}: {exc}") from None


def _options(*, step1_law, step1, link, step2, final_average, skip, smoothing, ideal_point,
             floor, single_step, interval, replicates, seed, threads, emergence):
    o = _core.ChainOptions()
    o.step1_law = as_str(step1_law, "step1_law")
    o.link = as_str(link, "link")
    law1 = _named_law(o.step1_law, "step1_law")
    link_law = _named_law(o.link, "link")
    o.step1 = fit_options(law1, **dict(step1 or {}))
    step2 = dict(step2 or {})
    step2.setdefault("objective", "mse")
    o.step2 = fit_options(link_law, **step2)
    o.final_average = as_int(final_average, "final_average")
    o.skip_fraction = as_float(skip, "skip")
    o.smoothing = as_int(smoothing, "smoothing")
    o.ideal_point = as_bool(ideal_point, "ideal_point")
    o.floor = as_str(floor, "floor")
    o.single_step = as_bool(single_step, "single_step")
    o.interval = as_str(interval, "interval")
    o.num_replicates = as_int(replicates, "replicates")
    o.seed = as_seed(seed)
    o.num_threads = 0 if threads is None else as_int(threads, "threads")
    if emergence is not None:
        check_keys(emergence, _EMERGENCE_KEYS, "emergence")
        set_fields(o.emergence, emergence, "emergence")
    return o


def fit_chain(ladder, *, intermediate: str, metric: str, chance: Any, ceiling: Any = 1.0,
              n_items: Any = None, name: Optional[str] = None, link: str = "sigmoid",
              floor: str = "free", interval: str = "bootstrap", replicates: Any = 1000,
              seed: Any = 0, threads: Any = None, skip: Any = 0.1, smoothing: Any = 5,
              final_average: Any = 5, ideal_point: bool = True, single_step: bool = True,
              step1_law: str = "chinchilla", step1: Optional[Mapping[str, Any]] = None,
              step2: Optional[Mapping[str, Any]] = None,
              emergence: Optional[Mapping[str, Any]] = None,
              progress: Any = False) -> TaskChain:
    """Fits the chained forecast of one task on the ladder's non-target runs.

    Step 1: ``step1_law`` (chinchilla) on ``intermediate`` averaged over each
    run's last ``final_average`` checkpoints (log-Huber, δ = 1e-3, summed).
    Step 2: ``link`` ("sigmoid", "log_sigmoid", "gadre_exponential") from
    ``intermediate`` to ``metric`` on every checkpoint after skipping the
    first ``skip`` fraction of each run, both smoothed over ``smoothing``
    checkpoints, plus the ideal point (0, ``ceiling``); least squares; the
    sigmoid's floor is free (``floor="free"``, the paper) or fixed at
    ``chance``. ``step1`` / ``step2``: further keyword arguments of
    ``scalefit.fit`` for each step (``bounds``, ``init``, ``solver``...).

    Intervals: ``interval="bootstrap"`` resamples the runs (within model
    sizes) and refits both steps together, ``replicates`` times on
    ``threads`` threads (the same ``seed`` gives the same numbers for any
    thread count); ``"delta"`` is the faster first-order method clustered by
    run; ``"none"`` gives point forecasts only.

    With ``n_items`` (questions of the evaluation) the task's curve across
    the ladder is classified (``scalefit.emergence.classify``; options in
    ``emergence``): a task that cannot be forecast gets no point forecast
    beyond the ladder.

    ``progress``: False (default), True (a tqdm bar of the replicates) or a
    callable taking a ``scalefit.Progress``. Ctrl-C stops the fit within
    about a second (KeyboardInterrupt)."""
    t = _task(intermediate, metric, chance, ceiling, n_items, name)
    o = _options(step1_law=step1_law, step1=step1, link=link, step2=step2,
                 final_average=final_average, skip=skip, smoothing=smoothing,
                 ideal_point=ideal_point, floor=floor, single_step=single_step,
                 interval=interval, replicates=replicates, seed=seed, threads=threads,
                 emergence=emergence)
    with reporter(progress) as callback:
        return TaskChain(_core.fit_chain(_ladder.to_core(ladder), t, o, progress=callback))


def fit_chains(ladder, tasks: Any, *, progress: Any = False,
               **options: Any) -> Dict[str, TaskChain]:
    """``fit_chain`` for every task, the tasks in parallel on ``threads``
    threads; ``tasks`` is a DataFrame or a list of dicts with ``name``,
    ``intermediate``, ``metric``, ``chance`` and optionally ``ceiling``,
    ``n_items`` (e.g. ``olmo_tasks()``). Other keywords as ``fit_chain``.
    Returns {task name: TaskChain} in task order; each chain equals the one
    ``fit_chain`` gives for that task alone."""
    pd = _pd()
    if pd is not None and isinstance(tasks, pd.DataFrame):
        records = tasks.to_dict("records")
    else:
        try:
            records = [dict(t) for t in tasks]
        except (TypeError, ValueError):
            raise TypeError("tasks must be a DataFrame or a list of dicts (name, intermediate, "
                            f"metric, chance, ...), got {type(tasks).__name__}") from None
    specs = []
    for i, r in enumerate(records):
        for key in ("intermediate", "metric", "chance"):
            if key not in r:
                raise ValueError(f"tasks row {i}: no '{key}'; keys: {_listing(r)}")
        specs.append(_task(r["intermediate"], r["metric"], r["chance"], r.get("ceiling", 1.0),
                           r.get("n_items"), r.get("name")))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"task names must be unique, got {_listing(names)}")
    valid = ("link", "floor", "interval", "replicates", "seed", "threads", "skip",
             "smoothing", "final_average", "ideal_point", "single_step", "step1_law",
             "step1", "step2", "emergence")
    check_keys(options, valid, "fit_chains option")
    kw = dict(step1_law="chinchilla", step1=None, link="sigmoid", step2=None,
              final_average=5, skip=0.1, smoothing=5, ideal_point=True, floor="free",
              single_step=True, interval="bootstrap", replicates=1000, seed=0, threads=None,
              emergence=None)
    kw.update(options)
    o = _options(**kw)
    with reporter(progress) as callback:
        chains = _core.fit_chains(_ladder.to_core(ladder), specs, o, progress=callback)
    return {s.name: TaskChain(c) for s, c in zip(specs, chains)}


def loads_chain(text: str, source: str = "<string>") -> TaskChain:
    """A TaskChain from the text of its card."""
    return TaskChain(_core.task_chain_from_string(as_str(text, "text"), source))


def load_chain(path) -> TaskChain:
    """A TaskChain from a card file (``TaskChain.save``)."""
    return TaskChain(_core.load_task_chain(as_path(path, "path")))
