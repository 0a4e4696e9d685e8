"""The course helper package: data, metrics, plots, training, checks (plumbing, never answers).

Light modules load with `import utils`; heavy ones (torch datasets, plots, pretrained models)
load on first attribute access, so `import utils` stays fast.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from utils.runtime import get_device, is_grading, set_seed, skip_until_done

__all__ = ["get_device", "is_grading", "set_seed", "skip_until_done"]

_SUBMODULES = {
    "checks", "data", "metrics", "plots", "pretrained", "realdata", "results", "runtime",
    "scenes", "text", "train",
}


def __getattr__(name: str) -> ModuleType:
    """Import a submodule on first use (`utils.metrics`, `utils.scenes`, ...)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"utils.{name}")
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
