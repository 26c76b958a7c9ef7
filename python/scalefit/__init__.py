"""scalefit: fit neural scaling laws to training runs and forecast from them.

The numerics live in the C++ core (``scalefit._core``); this package adapts
pandas/numpy inputs, formats results and provides plots and a CLI.

    >>> import scalefit
    >>> df = scalefit.datasets.chinchilla()
    >>> fit = scalefit.fit("chinchilla", df)
    >>> fit.params["alpha"]  # doctest: +SKIP
"""
from __future__ import annotations

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - only on a broken install
    raise ImportError(
        "scalefit's compiled extension (scalefit._core) could not be imported. "
        "Reinstall with `pip install .` from the source tree (needs Debian "
        "packages libceres-dev libeigen3-dev libspdlog-dev; see scripts/setup.sh). "
        f"Original error: {exc}"
    ) from exc

# Layers, each importing only those above it (tests/python/test_layers.py):
# _core -> adapters (_inputs, _user_laws, _progress) -> results -> topic modules
# (_api, io, allocation, uncertainty, approaches, backtest, flops, datasets,
# downstream, emergence)
# -> plot, cli.
from ._core import (Progress, ScalefitError, instruction_set, set_instruction_set,
                    supported_instruction_sets)
from ._log import ScalefitWarning, get_log_level, set_log_level
from .results import AllocationTable, BootstrapResult, FitResult
from ._api import evaluate, fit, from_params, law, laws
from .io import load, loads
from .approaches import envelope_fit, isoflop_fit
from .backtest import backtest, sensitivity
from .allocation import (compute_optimal, inference_aware, kaplan_compute_efficient,
                         law_floor, loss_to_compute, minimum_compute, minimum_steps,
                         plan_at_ratio)
from . import flops
from . import uncertainty
from . import datasets
from . import downstream
from . import emergence

__version__ = _core.__version__

__all__ = [
    "BootstrapResult",
    "Progress",
    "uncertainty",
    "AllocationTable",
    "compute_optimal",
    "flops",
    "inference_aware",
    "kaplan_compute_efficient",
    "minimum_steps",
    "minimum_compute",
    "law_floor",
    "loss_to_compute",
    "plan_at_ratio",
    "ScalefitError",
    "FitResult",
    "datasets",
    "downstream",
    "emergence",
    "envelope_fit",
    "backtest",
    "sensitivity",
    "isoflop_fit",
    "evaluate",
    "fit",
    "from_params",
    "load",
    "loads",
    "ScalefitWarning",
    "get_log_level",
    "instruction_set",
    "law",
    "laws",
    "set_instruction_set",
    "set_log_level",
    "supported_instruction_sets",
    "__version__",
]
