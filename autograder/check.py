"""`check`: is the course releasable and gradable? Five checks per assignment, one report.

(a) the solution notebook executes, passes every check, writes nothing to stderr in graded
    cells, and every graded test cell records at least one hidden check;
(b) the released notebook, executed as is, fails the graded checks of its (unimplemented)
    exercises and errors nowhere else;
(c) no line of a solution region or hidden test appears in any released file;
(d) `notebooks/` equals a fresh release;
(e) the check cells are self-contained: the solution run without its demo cells (what grading
    runs after a fault, and what the mutation tests grade) still passes every check.

The notebook runs of (a), (b) and (e), of every assignment, go to `workers` parallel kernels.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import Course, usable_cpus
from autograder.execute import is_test_cell
from autograder.expected import cell_problems, kernel_env, run_notebook, solution_run
from autograder.release import generate, leaks, same_tree


@dataclass
class Outcome:
    """One check of one assignment: passed or not, with a headline and details."""

    name: str
    passed: bool
    headline: str
    details: list[str] = field(default_factory=list)


def check_solution(course: Course, assignment: str, device: str, deadline: float,
                   threads: int | None = None) -> Outcome:
    """(a) The solution runs clean and records hidden checks for every graded test cell."""
    env = kernel_env(course, device, threads or usable_cpus())
    run = solution_run(course, assignment, course.solutions / assignment, device, env, deadline)
    if run.problems:
        return Outcome("a", False, "the solution does not run clean", run.problems)
    return Outcome("a", True, f"the solution runs and passes its checks ({run.elapsed:.1f} s)")


def check_self_contained(course: Course, assignment: str, device: str, deadline: float,
                         threads: int | None = None) -> Outcome:
    """(e) Without its demo cells, the solution still passes every graded check."""
    env = kernel_env(course, device, threads or usable_cpus())
    problems, seconds = [], 0.0
    for notebook in course.solution_notebooks(assignment):
        done = run_notebook(notebook, "local", env, deadline, course, checks_only=True)
        seconds += done.elapsed
        problems += [f"{notebook.name}: {p}" for p in cell_problems(done.nb, "")
                     if "stderr" not in p]
    if problems:
        return Outcome("e", False, "a check cell needs something a demo cell makes (check cells "
                       "must be self-contained)", problems)
    return Outcome("e", True, f"the check cells are self-contained ({seconds:.1f} s without the "
                              "demo cells)")


def check_release_run(course: Course, assignment: str, device: str, deadline: float,
                      threads: int | None = None) -> Outcome:
    """(b) The released notebook fails exactly its graded checks."""
    notebooks = sorted((course.notebooks / assignment).glob("*.ipynb"))
    if not notebooks:
        return Outcome("b", False, f"nothing released in notebooks/{assignment}: run release")
    env = kernel_env(course, device, threads or usable_cpus())
    problems, failing = [], 0
    for notebook in notebooks:
        done = run_notebook(notebook, "local", env, deadline, course)
        if done.report["status"] != "ok":
            problems.append(f"{notebook.name}: {done.report['status']}")
        for index, cell in enumerate(done.nb.cells):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            label = f"{notebook.name} cell {index}"
            if is_test_cell(cell):
                failing += bool(errors)
                if not errors:
                    problems.append(f"{label} ({cell.metadata.nbgrader.grade_id}) passes "
                                    "although its exercise is not implemented")
            elif errors:
                problems.append(f"{label} raised {errors[0].ename}: {errors[0].evalue}"[:300])
    if problems:
        return Outcome("b", False, "the release does not fail only its graded checks", problems)
    return Outcome("b", True, f"the release fails exactly its {failing} graded checks")


def check_leaks(course: Course, assignment: str) -> Outcome:
    """(c) No solution or hidden-test line in any released file."""
    folder = course.notebooks / assignment
    found = leaks(course, assignment, folder) if folder.is_dir() else []
    if found:
        return Outcome("c", False, "released files contain solutions or hidden tests", found)
    count = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    return Outcome("c", True, f"no solution or hidden-test line in notebooks/{assignment} "
                              f"({count} files)")


def _differences(fresh: Path, current: Path) -> list[str]:
    """File-level differences between two folders."""
    if not current.is_dir():
        return [f"notebooks/{current.name} is missing"]
    comparison = filecmp.dircmp(fresh, current, ignore=[])
    found = [f"only in a fresh release: {n}" for n in comparison.left_only]
    found += [f"not in a fresh release: {n}" for n in comparison.right_only]
    _, mismatch, errors = filecmp.cmpfiles(fresh, current, comparison.common_files, shallow=False)
    found += [f"differs: {n}" for n in mismatch + errors]
    for sub in comparison.common_dirs:
        found += _differences(fresh / sub, current / sub)
    return found


def check_fresh(course: Course, assignment: str, fresh: Path) -> Outcome:
    """(d) notebooks/<assignment> equals a fresh release."""
    current = course.notebooks / assignment
    if current.is_dir() and same_tree(fresh, current):
        return Outcome("d", True, f"notebooks/{assignment} equals a fresh release")
    return Outcome("d", False, f"notebooks/{assignment} is not a fresh release: run release",
                   _differences(fresh, current))


def check(course: Course, names: list[str] | None, device: str, deadline: float,
          workers: int = 1) -> tuple[bool, str]:
    """Run (a) solution, (b) release, (c) leaks, (d) freshness, (e) self-containment per assignment.

    Returns (all passed, readable report). The notebook runs of (a), (b) and (e) use `workers`
    kernels at a time (each with its share of the CPUs as threads).
    """
    assignments = course.resolve(names)
    if not assignments:
        return False, f"no assignments in {course.solutions}"
    temp = generate(course, assignments, Path(tempfile.gettempdir()))
    threads = max(1, usable_cpus() // max(1, workers))
    runs: list[Callable[..., Outcome]] = [check_solution, check_release_run, check_self_contained]
    lines, passed = [], True
    try:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            started = {(a, run): pool.submit(run, course, a, device, deadline, threads)
                       for a in assignments for run in runs}
            for assignment in assignments:
                outcomes = [started[assignment, check_solution].result(),
                            started[assignment, check_release_run].result(),
                            check_leaks(course, assignment),
                            check_fresh(course, assignment, temp / "release" / assignment),
                            started[assignment, check_self_contained].result()]
                lines.append(assignment)
                for outcome in outcomes:
                    passed &= outcome.passed
                    lines.append(f"  {'PASS' if outcome.passed else 'FAIL'} ({outcome.name}) "
                                 f"{outcome.headline}")
                    lines += [f"         {detail}" for detail in outcome.details]
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    stale = sorted(p.name for p in course.notebooks.glob("*")
                   if p.is_dir() and p.name[0] != "." and p.name not in course.assignments())
    if stale and not names:
        passed = False
        lines.append(f"FAIL notebooks/ has folders with no source in solutions/: {', '.join(stale)}")
    lines.append("all checks passed" if passed else "some checks FAILED")
    return passed, "\n".join(lines)
