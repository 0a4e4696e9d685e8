"""Hidden checks that compare a student's function with the solution's own implementation.

A hidden test cell calls `compare_with_solution(name, student_fn, cases)`. What happens depends
on `COURSE_PROBE_MODE`:

- unset ("local": an author, CI or a self-learner running a solution notebook): the solution
  function is taken from `solutions/<assignment>/*.ipynb` and compared here, in the kernel;
  a difference raises `AssertionError` saying which case differed and how;
- "expect" (the grader running the trusted solution notebook): each output is recorded, with
  the tolerances, as the expected probe `<name>-<case index>` in `$COURSE_PROBE_DIR`;
- "record" (a submission under grading): each output is recorded in `$COURSE_PROBE_DIR` and
  nothing is compared here; the grader compares outside the kernel, so tampering with this
  kernel can only lose points.

Calls are quiet: warnings, stdout and stderr (progress bars) are captured, because nbgrader
scores a test cell with any stderr output as failed.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import random
import sys
import warnings
from collections.abc import Callable
from itertools import count
from typing import Any

import numpy as np

from autograder.probes import compare, encode, write_probe
from autograder.solution import solution_function

MODE_ENV = "COURSE_PROBE_MODE"
DIR_ENV = "COURSE_PROBE_DIR"
MODES = ("local", "expect", "record")
_COUNTERS: dict[str, count] = {}


def probe_mode() -> str:
    """The current mode: 'local' (default), 'expect' or 'record'."""
    mode = os.environ.get(MODE_ENV, "").strip() or "local"
    if mode not in MODES:
        raise ValueError(f"{MODE_ENV}={mode!r}: use one of {', '.join(MODES)}")
    return mode


def _seed(index: int) -> None:
    """Seed every global generator the same way before each call (solution and student alike)."""
    random.seed(index)
    np.random.seed(index)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(index)


def _quiet_call(fn: Callable[..., Any], case: dict[str, Any], index: int) -> Any:
    """Call `fn(**case)` on a private copy of the case, seeded, with all output captured."""
    arguments = copy.deepcopy(case)
    _seed(index)
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        return fn(**arguments)


def compare_with_solution(
    name: str,
    student_fn: Callable[..., Any],
    cases: list[dict[str, Any]],
    rtol: float = 1e-5,
    atol: float = 1e-6,
    exact: bool = False,
) -> None:
    """Check `student_fn(**case)` against the solution's `name` (function or grade id) per case."""
    if not callable(student_fn):
        raise TypeError(f"{name} should be a function, but it is {type(student_fn).__name__}")
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        raise TypeError("cases must be a list of keyword-argument dicts")
    mode = probe_mode()
    counter = _COUNTERS.setdefault(name, count())
    solution = solution_function(name) if mode == "local" else None
    for number, case in enumerate(cases, start=1):
        key = f"{name}-{next(counter)}"
        output = _quiet_call(student_fn, case, number)
        if mode != "local":
            write_probe(os.environ[DIR_ENV], key, output, rtol, atol, exact)
            continue
        expected = encode(_quiet_call(solution, case, number))
        expected.rtol, expected.atol, expected.exact = rtol, atol, exact
        message = compare(encode(output), expected)
        if message:
            raise AssertionError(f"{name} on hidden case {number} of {len(cases)}: {message}")
