"""Grading throughput: submissions per minute for a class of 20, ours vs plain `nbgrader autograde`.

    python benchmarks/grading.py                       # the sample assignment (tests/fixtures)
    python benchmarks/grading.py --root . --assignment 01_streetlight

Each configuration grades the same class from scratch in a fresh work folder (wall time of the
whole command: set-up, the solution's expected run, grading, and for ours feedback and CSV):
plain sequential `nbgrader autograde` (hidden checks in-kernel, no sandbox, no feedback), then
`python -m autograder grade` with 1 and 2 workers (sandboxed; skipped, saying why, where
bubblewrap is not usable) and with 2 workers unsandboxed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import sandbox
from autograder.course import Course, paired_text_globs
from autograder.demo import fill, solution_sources
from autograder.release import generate

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "fixtures" / "sample_course"

PLAIN_CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", *{ignore!r}]
c.Execute.timeout = 300
"""


def build_class(course: Course, assignment: str, folder: Path, size: int) -> None:
    """`size` submissions in nbgrader's layout: 40% perfect, 20% blank, 40% half done."""
    temp = generate(course, [assignment], course.work)
    try:
        release = sorted((temp / "release" / assignment).glob("*.ipynb"))[0]
        solution = solution_sources(course.solutions / assignment / release.name)
        exercises = list(solution)
        half = (len(exercises) + 1) // 2
        kinds = [exercises, [], exercises[:half], exercises[half:], exercises]
        for i in range(size):
            target = folder / f"student{i:02d}" / assignment / release.name
            target.parent.mkdir(parents=True)
            nbformat.write(fill(release, solution, kinds[i % len(kinds)]), target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command to completion; its wall time in seconds (it must succeed)."""
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.monotonic() - started


def plain_nbgrader(course: Course, assignment: str, folder: Path, scratch: Path, env: dict[str, str]) -> float:
    """Sequential `nbgrader autograde` of the class (after an untimed generate_assignment)."""
    root = scratch / "plain"
    shutil.copytree(course.solutions / assignment, root / "source" / assignment)
    shutil.copytree(folder, root / "submitted")
    (root / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(
        root=str(root), ignore=paired_text_globs(course.solutions)))
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    env = {**env, "COURSE_SOLUTIONS_DIR": str(course.solutions)}
    timed([nbgrader, "generate_assignment", assignment, "--force"], root, env)
    return timed([nbgrader, "autograde", assignment, "--force"], root, env)


def ours(course: Course, assignment: str, folder: Path, work: Path, env: dict[str, str],
         *options: str) -> float:
    """`python -m autograder grade` of the class in a fresh work folder."""
    return timed([sys.executable, "-m", "autograder", "grade", str(folder), "--root",
                  str(course.root), "--course-dir", str(work), "--assignment", assignment,
                  "--device", "cpu", *options], REPO, env)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=SAMPLE, help="course root (default: sample)")
    parser.add_argument("--assignment", help="default: the course's first assignment")
    parser.add_argument("--size", type=int, default=20, help="class size (default 20)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="grading-bench-"))
    course = Course(args.root.resolve(), scratch / "build")
    course.work.mkdir(parents=True)
    assignment = args.assignment or course.assignments()[0]
    folder = scratch / "class"
    build_class(course, assignment, folder, args.size)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    try:
        rows = [("plain nbgrader autograde (sequential)",
                 plain_nbgrader(course, assignment, folder, scratch, env))]
        configurations = [("autograder grade, 1 worker", ("--workers", "1")),
                          ("autograder grade, 2 workers", ("--workers", "2")),
                          ("autograder grade, 2 workers, no sandbox",
                           ("--workers", "2", "--no-sandbox"))]
        if sandbox.bwrap() is None:
            print(f"sandboxed configurations skipped: {sandbox.problem()}")
            configurations = configurations[2:]
        for label, options in configurations:
            rows.append((label, ours(course, assignment, folder, scratch / label.replace(" ", "_"),
                                     env, *options)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base = args.size / rows[0][1] * 60
    print(f"class of {args.size} submissions of {assignment}, {os.cpu_count()} CPU cores")
    print(f"{'configuration':42s} {'wall s':>7s} {'subs/min':>9s} {'vs plain':>9s}")
    for label, seconds in rows:
        rate = args.size / seconds * 60
        print(f"{label:42s} {seconds:7.1f} {rate:9.1f} {rate / base:8.2f}x")


if __name__ == "__main__":
    main()
