"""Hidden checks that compare a student's function with the solution's own implementation.

A hidden test cell calls `compare_with_solution(name, student_fn, cases)`, where `cases` maps a
short label naming the property a case tests ("boundary pixel r = 3g", "2x3 images") to the
keyword arguments of one call. Feedback shows the label and the first difference, never the
inputs. What happens depends on `COURSE_PROBE_MODE`:

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
import hashlib
import io
import os
import random
import sys
import warnings
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np

from autograder.probes import compare, encode, write_probe
from autograder.solution import solution_function

MODE_ENV = "COURSE_PROBE_MODE"
DIR_ENV = "COURSE_PROBE_DIR"
MODES = ("local", "expect", "record")
MAX_LABEL = 80
_ORDER = count()  # the order in which probes were written (the expected run lists them so)


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


def _quiet_call(fn: Callable[..., Any], case: dict[str, Any], index: int,
                run: Callable[..., Any] | None) -> Any:
    """`fn(**case)` (or `run(fn, **case)`) on a private copy of the case, seeded, output captured."""
    arguments = copy.deepcopy(case)
    _seed(index)
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        return fn(**arguments) if run is None else run(fn, **arguments)


def _check_cases(cases: Any) -> list[tuple[str, dict[str, Any]]]:
    """(label, keyword arguments) pairs from a {label: kwargs} dict; a clear error otherwise."""
    if not isinstance(cases, dict) or not cases:
        raise TypeError("cases must be a non-empty dict {label: keyword arguments}, the label "
                        "naming the property the case tests (e.g. 'boundary pixel r = 3g')")
    for label, case in cases.items():
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
            raise TypeError(f"case label {label!r} must be a non-empty str of at most {MAX_LABEL} "
                            "characters")
        if not isinstance(case, dict):
            raise TypeError(f"case {label!r} must be a dict of keyword arguments")
    return list(cases.items())


def probe_key(name: str, label: str) -> str:
    """The probe file name of one hidden case: the exercise and a digest of the case's label.

    Keys do not depend on the order of calls, so a kernel restarted after a fault writes the
    same keys as the solution's uninterrupted run.
    """
    return f"{name}-{hashlib.sha256(label.encode()).hexdigest()[:12]}"


def case_title(name: str, label: str, number: int, total: int) -> str:
    """How messages name a hidden case: `kmeans, hidden case "empty cluster" (2 of 3)`."""
    return f'{name}, hidden case "{label}" ({number} of {total})'


def compare_with_solution(
    name: str,
    student_fn: Callable[..., Any],
    cases: dict[str, dict[str, Any]],
    rtol: float = 1e-5,
    atol: float = 1e-6,
    exact: bool = False,
    run: Callable[..., Any] | None = None,
) -> None:
    """Check `student_fn(**kwargs)` against the solution's `name` (function, class or grade id).

    `cases` maps a label naming the tested property to keyword arguments. `run(impl, **kwargs)`,
    when given, is how each implementation is exercised (a class built, weights loaded and
    called; a loss and its gradients): the same `run` is applied to the student's and the
    solution's implementation.
    """
    if not callable(student_fn):
        raise TypeError(f"{name} should be a function, but it is {type(student_fn).__name__}")
    labelled = _check_cases(cases)
    mode = probe_mode()
    solution = solution_function(name) if mode == "local" else None
    for number, (label, case) in enumerate(labelled, start=1):
        key = probe_key(name, label)
        output = _quiet_call(student_fn, case, number, run)
        if mode == "expect" and (Path(os.environ[DIR_ENV]) / f"{key}.json").exists():
            raise ValueError(f"{name}: hidden case label {label!r} is used twice; labels must be "
                             "unique per exercise")
        if mode != "local":
            write_probe(os.environ[DIR_ENV], key, output, rtol, atol, exact, label, next(_ORDER))
            continue
        expected = encode(_quiet_call(solution, case, number, run))
        expected.rtol, expected.atol, expected.exact = rtol, atol, exact
        message = compare(encode(output), expected)
        if message:
            raise AssertionError(f"{case_title(name, label, number, len(labelled))}: {message}")
