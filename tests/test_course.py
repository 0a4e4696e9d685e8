"""The real course passes `python -m autograder check`: solutions run, releases fail only at their
checks, check cells are self-contained, nothing leaks, and notebooks/ equals a fresh release."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_course_passes_check(course_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--root", str(ROOT), "--course-dir", str(course_cache)])
    report = capsys.readouterr().out
    assert code == 0, report
    assert "FAIL" not in report
    for name in sorted(p.parent.name for p in ROOT.glob("solutions/*/*.ipynb")):
        assert name in report, f"{name} was not checked"
