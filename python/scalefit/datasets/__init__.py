"""Datasets shipped with scalefit."""
from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["porian2024", "chinchilla"]


def chinchilla(include_excluded: bool = False):
    """The Chinchilla training runs digitised by Epoch AI.

    Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models"
    (arXiv:2203.15556), Figure 4; digitised by Besiroglu, Erdil, Barnett & You
    2024, "Chinchilla Scaling: A replication attempt" (arXiv:2404.10102), data
    from github.com/epoch-research/analyzing-chinchilla at commit 92258837
    (data/svg_extracted_data.csv). Licence: no licence file in the source
    repository; cite both papers.

    Columns: ``N`` (parameters, all), ``D`` (tokens, = C/(6N) as in Epoch's
    notebook), ``C`` (FLOPs, 6ND), ``loss`` (final training loss, nats),
    ``excluded`` (True for the 5 highest-loss runs that Besiroglu et al. drop).

    By default the 5 excluded rows are left out (240 rows). Returns a pandas
    DataFrame when pandas is installed, else a dict of numpy arrays.
    """
    text = resources.files(__package__).joinpath("chinchilla_epoch.csv").read_text()
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    header = lines[0].split(",")
    rows = np.array([[float(x) for x in l.split(",")] for l in lines[1:]])
    cols = {h: rows[:, j] for j, h in enumerate(header)}
    cols["excluded"] = cols["excluded"].astype(bool)
    if not include_excluded:
        keep = ~cols["excluded"]
        cols = {k: v[keep] for k, v in cols.items()}
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return cols
    return pd.DataFrame(cols)


_PORIAN_CONFIGS = ("rw|tuned|short|const|standard|val",)


def porian2024(config: str = "rw|tuned|short|const|standard|val"):
    """IsoFLOP runs of Porian et al. 2024 for Approach 2.

    Porian, Wortsman, Jitsev, Schmidt & Carmon 2024, "Resolving Discrepancies
    in Compute-Optimal Scaling of Language Models" (arXiv:2406.19146), data
    from github.com/formll/resolving-scaling-law-discrepancies at commit
    0dc60d91 (data/summary_df.pickle.xz). Licence: MIT.

    Shipped configuration: ``"rw|tuned|short|const|standard|val"`` (RefinedWeb,
    tuned hyperparameters, short warmup, constant learning rate, N counting
    the last layer, validation loss): the paper's final, Chinchilla-consistent
    setting; 121 runs at 12 budgets 1.25e16-2.56e19 FLOPs. The authors' code
    stores N_opt ∝ C^0.497 for it.

    Columns: ``C`` (FLOP budget), ``N`` (parameters), ``D`` (tokens,
    = C/(6N)), ``loss`` (validation loss, nats). Returns a pandas DataFrame
    when pandas is installed, else a dict of numpy arrays.
    """
    if config not in _PORIAN_CONFIGS:
        raise ValueError(f"unknown porian2024 configuration '{config}'; shipped: "
                         + ", ".join(_PORIAN_CONFIGS))
    text = resources.files(__package__).joinpath("porian2024_isoflop.csv").read_text()
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    header = lines[0].split(",")
    rows = [l.split(",") for l in lines[1:]]
    rows = [r for r in rows if r[0] == config]
    cols = {h: np.array([float(r[j]) for r in rows]) for j, h in enumerate(header) if h != "config"}
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return cols
    return pd.DataFrame(cols)
