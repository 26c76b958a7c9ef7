"""FLOP and parameter accounting as named conventions.

Formulas live in C++ (``include/scalefit/flops.hpp``; discussion with worked
numbers in ``docs/flops.md``). Conventions:

- ``"6ND"``: C = 6·N·D (Kaplan et al. 2020 §2.1; Hoffmann et al. 2022 with
  N = all parameters).
- ``"kaplan"``: C = 6·N_non-embedding·D + 6·n_layer·n_ctx·d_attn·D
  (Kaplan et al. 2020, Eq. 2.2).
- ``"hoffmann_detailed"``: the per-sequence count of Hoffmann et al. 2022,
  App. F (embeddings, attention, dense blocks, logits; backward = 2×forward).

Units: FLOPs are operation counts (a multiply-add is 2 FLOPs); 1 PF-day =
8.64e19 FLOPs (petaflop/s-days, not petaFLOPs).

    >>> from scalefit import flops
    >>> arch = flops.Architecture(n_layers=80, d_model=8192, n_heads=64,
    ...                           kv_size=128, vocab_size=32000, seq_len=2048)
    >>> flops.total_params(arch)  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _core
from ._inputs import as_column

_f = _core.flops

Architecture = _f.Architecture
FLOPS_PER_PETAFLOP_DAY: float = float(_f.FLOPS_PER_PETAFLOP_DAY)


def _out(values: Any, arr: np.ndarray):
    """A float for scalar input, else the array."""
    return float(arr[0]) if np.ndim(values) == 0 else arr


def _arch(arch: Any):
    if not isinstance(arch, Architecture):
        raise TypeError(
            f"arch must be a scalefit.flops.Architecture, got {type(arch).__name__}")
    return arch


def conventions() -> list:
    """Names of the FLOP conventions: ["6ND", "kaplan", "hoffmann_detailed"]."""
    return list(_f.conventions())


def non_embedding_params(arch: Architecture) -> float:
    """2·d_model·n_layers·(2·d_attn + d_ff) (Kaplan et al. 2020, §2.1)."""
    return float(_f.non_embedding_params(_arch(arch)))


def embedding_params(arch: Architecture) -> float:
    """vocab_size·d_model (one tied vocabulary matrix, no positional table)."""
    return float(_f.embedding_params(_arch(arch)))


def total_params(arch: Architecture) -> float:
    """Non-embedding + embedding parameters (Hoffmann et al.'s N)."""
    return float(_f.total_params(_arch(arch)))


def flops_6nd(N: Any, D: Any, k: float = 6.0):
    """k·N·D FLOPs (scalars or arrays)."""
    return _out(N if np.ndim(N) else D,
                np.asarray(_f.flops_6nd(as_column(N, "N"), as_column(D, "D"), float(k))))


def kaplan_training_flops(arch: Architecture, tokens: Any):
    """6·N_ne·D + 6·n_layer·n_ctx·d_attn·D (Kaplan et al. 2020, Eq. 2.2)."""
    return _out(tokens, np.asarray(_f.kaplan_training_flops(_arch(arch),
                                                            as_column(tokens, "tokens"))))


def hoffmann_training_flops(arch: Architecture, tokens: Any):
    """Hoffmann et al. 2022 App. F count × tokens / seq_len."""
    return _out(tokens, np.asarray(_f.hoffmann_training_flops(_arch(arch),
                                                              as_column(tokens, "tokens"))))


def hoffmann_breakdown(arch: Architecture) -> dict:
    """Per-sequence FLOPs by component (Hoffmann et al. 2022, App. F)."""
    return dict(_f.hoffmann_breakdown(_arch(arch)))


def training_flops(convention: str, N: Any = None, D: Any = None, *,
                   arch: Optional[Architecture] = None):
    """Training FLOPs under a named convention. "6ND" uses N and D; "kaplan"
    and "hoffmann_detailed" use ``arch`` and D (tokens)."""
    if not isinstance(convention, str):
        raise TypeError("convention must be a string")
    if D is None:
        raise ValueError("D (training tokens) is required")
    if N is None:
        N = 1.0 if convention != "6ND" else None
        if N is None:
            raise ValueError('convention "6ND" needs N (parameters)')
    if arch is not None:
        _arch(arch)
    return _out(N if np.ndim(N) else D,
                np.asarray(_f.training_flops(convention, as_column(N, "N"),
                                             as_column(D, "D"), arch)))


def flops_to_pf_days(flops: Any):
    """FLOPs -> petaflop/s-days (1 PF-day = 8.64e19 FLOPs)."""
    return _out(flops, np.asarray(_f.flops_to_pf_days(as_column(flops, "flops"))))


def pf_days_to_flops(pf_days: Any):
    """Petaflop/s-days -> FLOPs (1 PF-day = 8.64e19 FLOPs)."""
    return _out(pf_days, np.asarray(_f.pf_days_to_flops(as_column(pf_days, "pf_days"))))


__all__ = ["Architecture", "FLOPS_PER_PETAFLOP_DAY", "conventions", "non_embedding_params",
           "embedding_params", "total_params", "flops_6nd", "kaplan_training_flops",
           "hoffmann_training_flops", "hoffmann_breakdown", "training_flops",
           "flops_to_pf_days", "pf_days_to_flops"]
