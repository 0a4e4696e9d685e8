"""The real course passes `python -m autograder check`: solutions run, releases fail only at their
checks, check cells are self-contained, nothing leaks, and notebooks/ equals a fresh release; and
the solutions' own run (made once by `check`) shows every figure once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.parent.name for p in ROOT.glob("solutions/*/*.ipynb"))


@pytest.fixture(scope="module")
def checked(course_cache: Path) -> tuple[int, str]:
    """`check` on the whole course, once: (exit code, report)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", "--root", str(ROOT), "--course-dir", str(course_cache)])
    return code, out.getvalue()


@pytest.mark.slow
def test_course_passes_check(checked: tuple[int, str]) -> None:
    code, report = checked
    assert code == 0, report
    assert "FAIL" not in report
    for name in ASSIGNMENTS:
        assert name in report, f"{name} was not checked"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_cell_shows_the_same_figure_twice(assignment: str, checked: tuple[int, str],
                                             course_cache: Path) -> None:
    runs = sorted(course_cache.glob(f"expected/{assignment}-cpu-*/*/executed.ipynb"))
    assert runs, f"no executed run of {assignment} in {course_cache} (did check run?)"
    for run in runs:
        for index, cell in enumerate(nbformat.read(run, as_version=4).cells):
            images = [hashlib.sha256(o["data"]["image/png"].encode()).hexdigest()
                      for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
            assert len(images) == len(set(images)), (
                f"{assignment} cell {index} shows the same figure twice: end the cell with "
                f"plt.show() instead of returning the figure\n{cell.source[:300]}")
