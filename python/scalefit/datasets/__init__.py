"""Datasets shipped with scalefit."""
from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["chinchilla"]


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
