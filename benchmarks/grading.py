"""Grading at class scale: plain nbgrader vs `python -m autograder grade`, time per submission.

    python benchmarks/grading.py                             # the sample course, a class of 20
    python benchmarks/grading.py --root . --assignment 07_clip --size 40 --slow-size 5

The class is the benchmark's mix of the assignment's release: 40% perfect, 20% blank, 40% half
done. Each configuration grades it from scratch in a fresh work folder, timed as a whole command
(wall seconds, and CPU seconds: user + system of the command's whole process tree, kernels and
sandboxes included, sampled every 0.1 s), with the machine's load average before and after:

- plain: sequential `nbgrader autograde` (hidden checks in the kernel, no sandbox, no feedback);
- ours, full / --checks-only: `python -m autograder grade --workers W` (sandboxed where
  bubblewrap works, else --no-sandbox, said so), the solution's expected run already cached
  (`--cache-dir`), as on every run after the first;
- ours, --checks-only, first run: the same with an empty cache, so it pays the run's fixed cost
  (the solution's expected run, the data set's generation); fixed cost = first run - cached run.

`--slow-size K` grades only the first K submissions in plain and full mode (a multiple of 5
keeps the mix) and scales their times to the class size (plain is sequential, so linearly).
For ours, the per-submission split (medians) comes from the grader's result files: start-up
(kernel start or warm-kernel hand-over, then the setup cell's imports), student cells (solution,
parameters and helper cells), checks (graded test cells), demo cells, feedback, and the rest
(nbgrader's autograde app, gradebook, staging, flags); CPU per submission is the grading
worker's plus the kernel's. The projections assume this machine's cores per node.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from autograder import sandbox
from autograder.course import Course, paired_text_globs, usable_cpus
from autograder.demo import fill, solution_sources
from autograder.execute import is_test_cell
from autograder.release import generate

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "fixtures" / "sample_course"
PHASES = ("start-up", "kernel", "imports", "student", "checks", "demo", "feedback", "other")

PLAIN_CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", *{ignore!r}]
c.Execute.timeout = 300
"""


@dataclass
class Run:
    """One timed configuration."""

    label: str
    size: int  # submissions graded
    wall: float
    cpu: float
    load: tuple[float, float]  # 1-minute load average before and after
    split: dict[str, float] = field(default_factory=dict)  # median seconds per phase
    cpu_each: float = 0.0  # median CPU seconds per submission (worker + kernel)
    warm: int = 0  # submissions whose kernel came warm


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


def subset(folder: Path, size: int, target: Path) -> Path:
    """The first `size` submissions of a class folder, copied to `target`."""
    for student in sorted(p.name for p in folder.iterdir())[:size]:
        shutil.copytree(folder / student, target / student)
    return target


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, tuple[float, float]]:
    """Run a command to completion (it must succeed): wall s, CPU s of its process tree, load."""
    load = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    root, seen = psutil.Process(proc.pid), {}
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)
    reader.start()
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                times = p.cpu_times()
                seen[(p.pid, p.create_time())] = times.user + times.system
            except psutil.Error:
                pass
        time.sleep(0.1)
    wall = time.monotonic() - started
    reader.join(timeout=10)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{''.join(output)[-4000:]}")
    return wall, sum(seen.values()), (load, os.getloadavg()[0])


def cell_kind(cell: nbformat.NotebookNode) -> str:
    """'imports' (the setup cell), 'checks', 'demo' or 'student' (solution, parameters, helpers)."""
    meta = cell.get("metadata", {})
    if meta.get("nbgrader", {}).get("grade_id") == "setup":
        return "imports"
    if is_test_cell(cell):
        return "checks"
    if not meta.get("nbgrader") and "parameters" not in meta.get("tags", []):
        return "demo"
    return "student"


def split(work: Path, assignment: str) -> tuple[dict[str, float], float, int]:
    """Median seconds per phase, median CPU seconds per submission, and how many ran warm."""
    phases: dict[str, list[float]] = {p: [] for p in PHASES}
    cpus, warm = [], 0
    for path in sorted((work / "results" / assignment).glob("*.json")):
        result = json.loads(path.read_text())
        timings = result.get("timings")
        if not timings:
            continue
        seconds = dict.fromkeys(PHASES, 0.0)
        cpu = timings["cpu"]
        for report_path in (work / "reports" / assignment / result["student"]).glob("*.json"):
            report = json.loads(report_path.read_text())
            graded = work / "autograded" / result["student"] / assignment / f"{report_path.stem}.ipynb"
            cells = nbformat.read(graded, as_version=4).cells
            for index, value in report["cell_seconds"].items():
                seconds[cell_kind(cells[int(index)])] += value
            seconds["kernel"] += report.get("kernel_start", 0.0)
            cpu += report.get("kernel_cpu", 0.0)
            warm += bool(report.get("warm"))
        seconds["start-up"] = seconds["kernel"] + seconds["imports"]
        seconds["feedback"] = timings["feedback"]
        seconds["other"] = timings["total"] - sum(seconds[p] for p in
                                                  ("start-up", "student", "checks", "demo", "feedback"))
        for phase in PHASES:
            phases[phase].append(seconds[phase])
        cpus.append(cpu)
    medians = {p: statistics.median(v) for p, v in phases.items() if v}
    return medians, statistics.median(cpus) if cpus else 0.0, warm


def plain_nbgrader(course: Course, assignment: str, folder: Path, root: Path,
                   env: dict[str, str]) -> tuple[float, float, tuple[float, float]]:
    """Sequential `nbgrader autograde` of the class (after an untimed generate_assignment)."""
    shutil.copytree(course.solutions / assignment, root / "source" / assignment)
    shutil.copytree(folder, root / "submitted")
    (root / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(
        root=str(root), ignore=paired_text_globs(course.solutions)))
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    env = {**env, "COURSE_SOLUTIONS_DIR": str(course.solutions)}
    timed([nbgrader, "generate_assignment", assignment, "--force"], root, env)
    return timed([nbgrader, "autograde", assignment, "--force"], root, env)


def ours(course: Course, assignment: str, folder: Path, work: Path, cache: Path,
         env: dict[str, str], options: list[str]) -> tuple[float, float, tuple[float, float]]:
    """`python -m autograder grade` of the class in a fresh work folder."""
    return timed([sys.executable, "-m", "autograder", "grade", str(folder), "--root",
                  str(course.root), "--course-dir", str(work), "--cache-dir", str(cache),
                  "--assignment", assignment, "--device", "cpu", *options], REPO, env)


def measure(course: Course, assignment: str, folder: Path, scratch: Path, args: argparse.Namespace,
            env: dict[str, str]) -> list[Run]:
    """Time every configuration asked for on one assignment's class."""
    slow = min(args.slow_size or args.size, args.size)
    small = subset(folder, slow, scratch / "small") if slow < args.size else folder
    base = ["--workers", str(args.workers)]
    if sandbox.bwrap() is None:
        print(f"(ours runs with --no-sandbox: {sandbox.problem()})")
        base.append("--no-sandbox")
    runs, cache = [], scratch / "cache"
    if "checks-only" in args.configs:
        cold = ours(course, assignment, folder, scratch / "first", cache, env, [*base, "--checks-only"])
        runs.append(Run("ours --checks-only, first run", args.size, *cold))
    else:  # the full run below needs the expected run cached
        ours(course, assignment, subset(folder, 1, scratch / "one"), scratch / "first", cache, env,
             [*base, "--checks-only"])
    if "plain" in args.configs:
        runs.append(Run("plain nbgrader autograde", slow,
                        *plain_nbgrader(course, assignment, small, scratch / "plain", env)))
    for label, options, students in (("full", [], small), ("checks-only", ["--checks-only"], folder)):
        if label in args.configs:
            work = scratch / label
            run = Run(f"ours {'--' if options else ''}{label}", len(list(students.iterdir())),
                      *ours(course, assignment, students, work, cache, env, [*base, *options]))
            run.split, run.cpu_each, run.warm = split(work, assignment)
            runs.append(run)
    return runs


def report(assignment: str, runs: list[Run], size: int, workers: int, students: int,
           nodes: int) -> None:
    """Print the table, the split per submission, the fixed cost and the projections."""
    cores = usable_cpus()
    scaled = {r.label: size / r.size for r in runs}
    plain = next((r for r in runs if r.label.startswith("plain")), None)
    print(f"\n{assignment}: a class of {size} (40% perfect, 20% blank, 40% half done), "
          f"{cores} CPU cores, --workers {workers}")
    print(f"{'configuration':34s} {'wall s':>8s} {'CPU s':>8s} {'subs/min':>8s} {'vs plain':>8s}  load")
    for r in runs:
        wall, cpu = r.wall * scaled[r.label], r.cpu * scaled[r.label]
        note = f"  (measured on {r.size}, scaled)" if r.size != size else ""
        ratio = f"{plain.wall * scaled[plain.label] / wall:7.1f}x" if plain else "       -"
        print(f"{r.label:34s} {wall:8.1f} {cpu:8.1f} {size / wall * 60:8.1f} {ratio}  "
              f"{r.load[0]:.1f} -> {r.load[1]:.1f}{note}")
    print("\nper submission, median seconds (start-up = kernel start or warm hand-over + the "
          "setup cell's imports):")
    print(f"{'':22s} {'start-up':>9s} {'(kernel':>8s} {'imports)':>8s} {'student':>8s} "
          f"{'checks':>7s} {'demo':>6s} {'feedback':>8s} {'other':>6s} {'CPU':>6s}  warm")
    for r in runs:
        if r.split:
            s = r.split
            print(f"{r.label:22s} {s['start-up']:9.2f} {s['kernel']:8.2f} {s['imports']:8.2f} "
                  f"{s['student']:8.2f} {s['checks']:7.2f} {s['demo']:6.2f} {s['feedback']:8.2f} "
                  f"{s['other']:6.2f} {r.cpu_each:6.2f}  {r.warm}/{r.size}")
    first = next((r for r in runs if r.label.endswith("first run")), None)
    cached = next((r for r in runs if r.label == "ours --checks-only"), None)
    if plain:
        print(f"plain nbgrader: {plain.wall / plain.size:.1f} s wall, {plain.cpu / plain.size:.1f} "
              "s CPU per submission (kernel start, imports, every cell; no feedback)")
    if not (first and cached):
        return
    fixed_wall, fixed_cpu = first.wall - cached.wall, first.cpu - cached.cpu
    each_wall, each_cpu = cached.wall / cached.size, cached.cpu / cached.size
    print(f"fixed cost of a first run (the solution's expected run, the data set): "
          f"{fixed_wall:.1f} s wall, {fixed_cpu:.1f} s CPU; cached after that")
    print(f"\nprojection, {students} students, --checks-only (fixed cost once per node; wall from "
          f"this run's {each_wall:.2f} s per submission, quiet from CPU: {each_cpu:.2f} s per "
          f"submission spread over {cores} cores, the fixed cost on one core):")
    for label, count in ((f"1 node, {cores} cores", students), (f"{nodes}-node array", -(-students // nodes))):
        measured = fixed_wall + count * each_wall
        quiet = fixed_cpu + count * each_cpu / cores
        print(f"  {label:22s} {measured / 60:7.1f} min as measured, {quiet / 60:7.1f} min on a quiet "
              f"machine (first run); cached: {count * each_wall / 60:.1f} / {count * each_cpu / cores / 60:.1f} min")


def main() -> None:
    """Build the classes, time every configuration, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=SAMPLE, help="course root (default: sample)")
    parser.add_argument("--assignment", action="append", help="assignment(s) (default: the first)")
    parser.add_argument("--size", type=int, default=20, help="class size (default 20)")
    parser.add_argument("--slow-size", type=int, default=0, help="grade only this many in plain "
                        "and full mode and scale to --size (default: all)")
    parser.add_argument("--workers", type=int, default=usable_cpus(), help="ours: --workers")
    parser.add_argument("--configs", default="plain,full,checks-only",
                        help="which of plain,full,checks-only to run (default: all)")
    parser.add_argument("--students", type=int, default=300, help="projection: class size")
    parser.add_argument("--nodes", type=int, default=10, help="projection: nodes of a Slurm array")
    args = parser.parse_args()
    args.configs = set(args.configs.split(","))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("COURSE_DATA_DIR", None)  # the grader's data cache lives in --cache-dir
    course = Course(args.root.resolve())
    for assignment in args.assignment or course.assignments()[:1]:
        scratch = Path(tempfile.mkdtemp(prefix="grading-bench-"))
        try:
            build = Course(course.root, scratch / "build")
            build.work.mkdir(parents=True)
            build_class(build, assignment, scratch / "class", args.size)
            runs = measure(build, assignment, scratch / "class", scratch, args, env)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        report(assignment, runs, args.size, args.workers, args.students, args.nodes)


if __name__ == "__main__":
    main()
