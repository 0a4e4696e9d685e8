"""Measure how much of a hidden check's tolerance correct formulations use (issue 19, rule 2).

A hidden check compares a student's output with the solution's within rtol/atol. Those tolerances
must come from the float32 error of *correct* formulations: this helper runs a notebook's
definitions, captures the hidden cases of one check (the arguments its `compare_with_solution`
receives), runs other correct implementations on exactly those inputs and reports, per case, the
largest share of the tolerance they use: max |actual - expected| / (atol + rtol |expected|), the
quantity `np.isclose` compares with 1. A test then asserts a comfortable margin below 1.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograder import reference
from autograder.solution import _python_source

ROOT = Path(__file__).resolve().parents[1]


def _cells(notebook: Path) -> list[dict[str, Any]]:
    """The notebook's code cells (plain JSON)."""
    return [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]


def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell's nbgrader metadata."""
    return cell.get("metadata", {}).get("nbgrader", {})


class _NoMagics:
    """Stands in for IPython where a cell's magics (`%matplotlib inline`) were made into calls."""

    def run_line_magic(self, *_: Any) -> None:
        """Ignore the magic."""


def namespace(notebook: Path) -> dict[str, Any]:
    """A fresh kernel-like namespace: setup, parameters and solution cells executed (no demo cells)."""
    ns: dict[str, Any] = {"__name__": "__main__", "get_ipython": lambda: _NoMagics()}
    for cell in _cells(notebook):
        meta = _meta(cell)
        keep = meta.get("grade_id") == "setup" or meta.get("solution") or \
            "parameters" in cell.get("metadata", {}).get("tags", [])
        if keep:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(_python_source(cell), str(notebook), "exec"), ns)  # noqa: S102
    return ns


def hidden_calls(notebook: Path, grade_id: str, ns: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one graded test cell with `compare_with_solution` recording its arguments instead."""
    calls: list[dict[str, Any]] = []

    def record(name: str, student_fn: Callable[..., Any], cases: dict[str, dict[str, Any]],
               rtol: float = 1e-5, atol: float = 1e-6, exact: bool = False,
               run: Callable[..., Any] | None = None) -> None:
        calls.append({"name": name, "cases": cases, "rtol": rtol, "atol": atol, "exact": exact,
                      "run": run})

    cell = next(c for c in _cells(notebook) if _meta(c).get("grade_id") == grade_id)
    original = reference.compare_with_solution
    reference.compare_with_solution = record
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(_python_source(cell), str(notebook), "exec"), ns)  # noqa: S102
    finally:
        reference.compare_with_solution = original
    return calls


def define(source: str, ns: dict[str, Any]) -> Any:
    """Execute one implementation's source in a copy of the namespace; return what it defines."""
    scope = dict(ns)
    exec(compile(source, "<formulation>", "exec"), scope)  # noqa: S102
    names = [n.name for n in ast.parse(source).body
             if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    return scope[names[-1]]


def _arrays(x: Any) -> list[np.ndarray | None]:
    """Flatten an output into float64 arrays (None for non-numeric leaves)."""
    torch = __import__("torch")
    if isinstance(x, list | tuple):
        return [a for item in x for a in _arrays(item)]
    if isinstance(x, dict):
        return [a for key in sorted(x) for a in _arrays(x[key])]
    if isinstance(x, torch.Tensor):
        return [x.detach().cpu().to(torch.float64).numpy()]
    if isinstance(x, np.ndarray | float | int | np.floating | np.integer) and not isinstance(x, bool):
        return [np.asarray(x, dtype=np.float64)]
    return [None]


def share_of_tolerance(actual: Any, expected: Any, rtol: float, atol: float) -> float:
    """max |a - e| / (atol + rtol |e|) over every number of the output (inf on any mismatch)."""
    got, want = _arrays(actual), _arrays(expected)
    if len(got) != len(want):
        return math.inf
    worst = 0.0
    for a, e in zip(got, want, strict=True):
        if a is None or e is None:
            continue
        if a.shape != e.shape or (np.isnan(a) != np.isnan(e)).any():
            return math.inf
        a, e = np.nan_to_num(a), np.nan_to_num(e)
        if a.size:
            worst = max(worst, float((np.abs(a - e) / (atol + rtol * np.abs(e))).max()))
    return worst


def measure(call: dict[str, Any], solution: Any, formulation: Any) -> dict[str, float]:
    """Share of the tolerance a formulation uses on each hidden case of one captured call."""
    out = {}
    for index, (label, case) in enumerate(call["cases"].items(), start=1):
        results = []
        for fn in (solution, formulation):
            reference._seed(index)
            arguments = copy.deepcopy(case)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results.append(fn(**arguments) if call["run"] is None else call["run"](fn, **arguments))
        out[label] = share_of_tolerance(results[1], results[0], call["rtol"], call["atol"])
    return out
