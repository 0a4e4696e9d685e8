"""Seeds, device choice and the environment switches every notebook's setup cell uses."""

from __future__ import annotations

import os
import random
from types import TracebackType

import numpy as np
import torch

DEVICE_ENV = "COURSE_DEVICE"
GRADING_ENV = "NBGRADER_EXECUTION"
_DEVICES = ("cpu", "cuda", "mps")


def set_seed(seed: int) -> None:
    """Seed python's `random`, numpy's global generator and torch (CPU and CUDA)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _mps_available() -> bool:
    """True when Apple's Metal backend is usable."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def get_device() -> torch.device:
    """Pick cuda -> mps -> cpu, or what `COURSE_DEVICE` says (an unusable value is an error)."""
    wanted = os.environ.get(DEVICE_ENV, "").strip().lower()
    if wanted in ("", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind = wanted.split(":")[0]
    if kind not in _DEVICES:
        raise ValueError(
            f"{DEVICE_ENV}={wanted!r} is not a device: use one of auto, cpu, cuda, cuda:N, mps"
        )
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"{DEVICE_ENV}={wanted!r} but torch sees no CUDA GPU on this machine")
    if kind == "mps" and not _mps_available():
        raise RuntimeError(f"{DEVICE_ENV}={wanted!r} but the MPS backend is not available here")
    return torch.device(wanted)


def is_grading() -> bool:
    """True while nbgrader (or the course autograder) executes the notebook."""
    return os.environ.get(GRADING_ENV, "") not in ("", "0")


class skip_until_done:  # noqa: N801 (used like a statement: `with utils.skip_until_done():`)
    """Skip a demo cell quietly while an exercise it needs is unfinished.

    Catches `NotImplementedError` (an exercise stub) and a `NameError` raised by the cell's own
    code (a variable that a cell above would have made, had it run); prints one line saying why. Any
    other error, including a NameError inside a student's function, propagates as usual.
    """

    def __enter__(self) -> skip_until_done:
        """Enter the guarded block."""
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> bool:
        """Swallow (and explain) only the errors of unfinished exercises."""
        if kind is None or tb is None:
            return False
        innermost = tb
        while innermost.tb_next is not None:
            innermost = innermost.tb_next
        if issubclass(kind, NotImplementedError):
            where = innermost.tb_frame.f_code.co_name
            print(f"⏭ skipped: `{where}` is not implemented yet; this cell runs once it is.")
            return True
        same_cell = innermost.tb_frame.f_code.co_filename == tb.tb_frame.f_code.co_filename
        if issubclass(kind, NameError) and same_cell:
            print(f"⏭ skipped: this cell needs `{getattr(error, 'name', '?')}`, "
                  "which a cell above makes: that cell was skipped or failed, so look there first.")
            return True
        return False
