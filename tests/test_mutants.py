"""Mutation tests of every notebook's checks (solutions/AUTHORING.md; autograder/mutation.py).

Every graded function ships with mutants (plausible wrong answers) and alternatives (different
right answers) in tests/mutants/<assignment>.py, and blind ones, written from the released
notebook alone, in tests/mutants/blind/<assignment>.py; graded through the real grader, every
mutant must lose points on its exercise and every alternative must keep full marks.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from autograder import mutation, tamper
from autograder.course import Course

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = Course(ROOT).assignments()


def compared_names(assignment: str) -> set[str]:
    """The functions (or classes) the hidden checks compare with the solution."""
    notebook = Course(ROOT).solution_notebooks(assignment)[0]
    shape = mutation.layout(notebook)
    names = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        for name in re.findall(r"compare_with_solution\(\s*[\"'](\w+)[\"']", cell.source):
            in_cell = {f for f, grade_id in shape.defined_in.items() if grade_id == name}
            names |= in_cell or {name}
    return names


@pytest.mark.parametrize("blind", [False, True], ids=["own", "blind"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_mutants_and_alternatives(assignment: str, blind: bool) -> None:
    path = ROOT / "tests" / "mutants" / ("blind" if blind else "") / f"{assignment}.py"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    variants = mutation.load_variants(path)
    missing = [f"{kind} for {name}" for name in sorted(compared_names(assignment))
               for kind in ("mutant", "alternative")
               if not any(v.kind == kind and v.name == name for v in variants)]
    assert not missing, f"{path.relative_to(ROOT)} lacks: {', '.join(missing)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_code_raises_no_tamper_flag(assignment: str) -> None:
    """The solutions and every alternative are honest code: no static flag may fire on them."""
    notebook = Course(ROOT).solution_notebooks(assignment)[0]
    honest = list(mutation.layout(notebook).solutions.values())
    honest += [v.source for path in mutation.variant_files(ROOT, assignment)
               for v in mutation.load_variants(path) if v.kind == "alternative"]
    flagged = {}
    for source in honest:
        flags = tamper.static_flags({"cells": [{"cell_type": "code", "source": source}]}, {"cells": []})
        if flags:
            flagged[source.splitlines()[0]] = flags
    assert not flagged, f"honest code of {assignment} raises tamper flags: {flagged}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_mutant_loses_points_and_every_alternative_keeps_them(
        assignment: str, course_cache: Path) -> None:
    report = mutation.run(Course(ROOT, course_cache), assignment,
                          mutation.variant_files(ROOT, assignment))
    print(report.table())
    assert report.counts("mutant", blind=True)[1] and report.counts("alternative", blind=True)[1], \
        f"{assignment} has no blind mutants or alternatives"
    assert report.ok, report.table()
