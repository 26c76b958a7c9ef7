"""Datasets shipped with scalefit.

The data files live in the repository's ``data/`` folder (``data/README.md``
gives each one's citation and licence); the C++ core embeds them and parses
them with its CSV reader, and these functions return its columns as a pandas
DataFrame (or a dict of numpy arrays without pandas). The files themselves
are installed next to this module: ``path(name)``.
"""
from __future__ import annotations

from importlib import resources

from .. import _core, _ladder

__all__ = ["porian2024", "porian2024_configs", "porian2024_fits", "chinchilla", "olmo_ladder",
           "path", "file_names"]


def _frame(cols):
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return cols
    return pd.DataFrame(cols)


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
    return _frame(_core.dataset_chinchilla(bool(include_excluded)))


def porian2024(config: str = "rw|tuned|short|const|standard|val"):
    """IsoFLOP runs of Porian et al. 2024 for Approach 2.

    Porian, Wortsman, Jitsev, Schmidt & Carmon 2024, "Resolving Discrepancies
    in Compute-Optimal Scaling of Language Models" (arXiv:2406.19146), data
    from github.com/formll/resolving-scaling-law-discrepancies at commit
    0dc60d91 (data/summary_df*.pickle.xz). Licence: MIT.

    All 15 configurations are shipped (:func:`porian2024_configs`); each is
    ``dataset|hparams|warmup|decay|param_count|loss_type``. The default,
    ``"rw|tuned|short|const|standard|val"`` (RefinedWeb, tuned
    hyperparameters, short warmup, constant learning rate, N counting the
    last layer, validation loss), is the paper's final, Chinchilla-consistent
    setting: 121 runs at 12 budgets 1.25e16-2.56e19 FLOPs; the authors' code
    stores N_opt ∝ C^0.497 for it (:func:`porian2024_fits` has every
    configuration's).

    Columns: ``C`` (FLOP budget), ``N`` (parameters), ``D`` (tokens,
    = C/(6N)), ``loss`` (nats). Returns a pandas DataFrame when pandas is
    installed, else a dict of numpy arrays. An unknown ``config`` raises
    ``ScalefitError`` (a ``ValueError``) listing the shipped ones.
    """
    return _frame(_core.dataset_porian2024(config))


def olmo_ladder():
    """The OLMo model ladder of Bhagia et al. 2024 as a tidy ladder frame.

    A. Bhagia, J. Liu, A. Wettig et al. 2024, "Establishing Task Scaling Laws
    via Compute-Efficient Model Ladders" (arXiv:2412.04403); evaluation logs
    from github.com/allenai/OLMo-ladder at commit 67a3f440
    (src/scripts/paper/data/ladder-runs/, configs/final.json). Licence:
    Apache-2.0 (``path("olmo_ladder/LICENSE")``); cite the paper.

    16 ladder runs (190M, 370M, 760M, 1.3B parameters × 1, 2, 5, 10 ×
    Chinchilla's 20 tokens per parameter) and the two targets ``7B-4T`` and
    ``13B-5T`` (``target`` True), one row per evaluated checkpoint:
    ``run``, ``N`` (non-embedding parameters, the paper's count), ``D``
    (tokens seen), ``C`` (the paper's FLOPs per token × D), ``step``,
    ``target``, and per task of ``scalefit.downstream.olmo_tasks()``
    ``<task>_bpb`` (bits-per-byte of the correct answer, 5-shot) and
    ``<task>_acc`` (length-normalised accuracy), with MMLU the average of
    its four subsets weighted by size; ``c4_loss`` (C4 validation loss).
    """
    return _ladder.to_frame(_core.olmo_ladder())


def porian2024_configs():
    """The shipped Porian et al. 2024 configurations, in file order."""
    return list(_core.dataset_porian2024_configs())


def porian2024_fits():
    """The exponent a of N_opt ∝ C^a that Porian et al. 2024 store for each
    configuration ("bs_median_weighted": a weighted log-log fit of the
    per-budget bootstrap medians of an Akima-spline optimum) with the 2.5th
    and 97.5th percentiles of their weighted bootstrap fits. Columns
    ``config``, ``label``, ``a``, ``a_lower``, ``a_upper``; one row per
    configuration of :func:`porian2024`. Source as :func:`porian2024`
    (data/porian2024_fits.csv)."""
    return _frame(_core.dataset_porian2024_fits())


def file_names():
    """File names of the shipped data files (``chinchilla_epoch.csv``, ...)."""
    return list(_core.dataset_file_names())


def path(name: str):
    """The installed data file ``name`` (one of ``file_names()``, or the
    ``LICENSE`` / ``SOURCE.md`` of a dataset folder such as
    ``olmo_ladder/``), e.g. to read it with pandas; a ``pathlib``-like
    object."""
    installed = resources.files(__package__).joinpath(name)
    beside = name.endswith(("/LICENSE", "/SOURCE.md")) and installed.is_file()
    if name not in file_names() and not beside:
        raise ValueError(f"no shipped data file '{name}'; files: "
                         + ", ".join(file_names()))
    return resources.files(__package__).joinpath(name)
