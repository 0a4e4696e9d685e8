"""`demo`: release an assignment, build a small class of planted submissions, grade it, show it.

The class: `perfect` (the solution's code in the release), `blank` (the untouched release),
`first_half` and `second_half` (some exercises solved), `looper` (all solved, but the last
exercise loops forever) and `tamperer` (hides errors with `set_custom_exc` and disables the
visible checks, without solving anything). It runs on the course's first assignment, or on the
sample course under tests/fixtures/ while `solutions/` is still empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder.course import REPO_ROOT, Course
from autograder.release import generate

SAMPLE_ROOT = REPO_ROOT / "tests" / "fixtures" / "sample_course"
DELIMITERS = ("### BEGIN SOLUTION", "### END SOLUTION")
TAMPER = """# Neither the visible checks nor any error will get in my way.
from utils import checks
checks.check_close = checks.check_array = checks.check_value = lambda *args, **kwargs: None
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)
"""


def solution_sources(notebook: Path) -> dict[str, str]:
    """Solution cell sources by grade id, without nbgrader's delimiter lines."""
    sources = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = [line for line in cell.source.splitlines()
                     if line.strip() not in DELIMITERS]
            sources[meta["grade_id"]] = "\n".join(lines)
    return sources


def fill(release: Path, solutions: dict[str, str], which: list[str],
          extra: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The release with the named exercises solved, and extra code appended to some cells."""
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in which:
            cell.source = solutions[grade_id]
        if extra and grade_id in extra:
            cell.source = extra[grade_id] + "\n" + cell.source
    return nb


def build_class(release: Path, solution: Path, folder: Path) -> list[str]:
    """Write the planted submissions in nbgrader's layout; returns the student ids."""
    solutions = solution_sources(solution)
    exercises = list(solutions)
    loop = {exercises[-1]: "while True:  # an infinite loop\n    pass"}
    planted = {
        "perfect": fill(release, solutions, exercises),
        "blank": nbformat.read(release, as_version=4),
        "first_half": fill(release, solutions, exercises[: (len(exercises) + 1) // 2]),
        "second_half": fill(release, solutions, exercises[(len(exercises) + 1) // 2:]),
        "looper": fill(release, solutions, exercises, extra=loop),
        "tamperer": fill(release, solutions, [], extra={exercises[0]: TAMPER}),
    }
    for student, nb in planted.items():
        target = folder / student / release.parent.name / release.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    return list(planted)


def demo_course(course: Course, work: Path) -> tuple[Course, str]:
    """The course and assignment the demo uses (the sample course if `solutions/` is empty)."""
    work.mkdir(parents=True, exist_ok=True)
    if course.assignments():
        return Course(course.root, work, course.cache), course.assignments()[0]
    sample = work / "sample_course"
    shutil.rmtree(sample, ignore_errors=True)
    shutil.copytree(SAMPLE_ROOT / "solutions", sample / "solutions")
    demo = Course(sample, work, course.cache)
    return demo, demo.assignments()[0]


def make_class(course: Course, assignment: str, folder: Path) -> list[str]:
    """Release `assignment` privately (notebooks/ untouched) and build the class in `folder`."""
    temp = generate(course, [assignment], course.work)
    try:
        shutil.rmtree(folder, ignore_errors=True)
        release = sorted((temp / "release" / assignment).glob("*.ipynb"))[0]
        return build_class(release, course.solutions / assignment / release.name, folder)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
