"""Grade a class: find submissions, prepare each assignment once, grade in parallel, write the CSV."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import report, sandbox
from autograder.course import Course, usable_cpus
from autograder.grade import GradeOptions, Job, prepare, result_path, staged_readonly
from autograder.submissions import Submission, discover, shard
from autograder.warm import imported_modules
from autograder.workers import Pool

log = logging.getLogger("autograder")


@dataclass
class Batch:
    """What one `grade` run did."""

    results: list[dict[str, Any]]
    graded: int
    skipped: int
    csv: Path


def resolve_device(wanted: str) -> str:
    """'cpu' or 'cuda' from auto|cpu|cuda (auto: cuda when torch sees a GPU)."""
    import torch

    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda, but torch sees no CUDA GPU on this machine")
    return wanted


class SandboxMissing(RuntimeError):
    """Grading was asked for with the sandbox, and bubblewrap is not usable here."""


def sandbox_available(requested: bool) -> bool:
    """Whether kernels will be sandboxed: `SandboxMissing` when asked for and impossible."""
    if not requested:
        log.warning("grading WITHOUT a sandbox (--no-sandbox): the points of a submission whose "
                    "code reaches outside its notebook are withheld (autograder/README.md)")
        return False
    if sandbox.bwrap() is None:
        raise SandboxMissing(f"{sandbox.problem()}, so student code could read solutions/ and "
                             f"other submissions: {sandbox.INSTALL_HINT}, or pass --no-sandbox")
    return True


def recovery_time(essential: float) -> float:
    """Seconds a restarted kernel gets to finish the checks: 4x what the solution needs, + 30 s."""
    return 4 * essential + 30


def _is_current(course: Course, submission: Submission, digest: str, expected: str) -> bool:
    """True when this exact submission was already graded against this expected run."""
    path = result_path(course, submission.assignment, submission.student)
    if not path.is_file():
        return False
    done = json.loads(path.read_text())
    return done.get("digest") == digest and done.get("expected") == Path(expected).name


def grade_class(course: Course, folder: Path, assignment: str | None, options: GradeOptions,
                workers: int, force: bool = False, shard_spec: str | None = None,
                csv_path: Path | None = None) -> Batch:
    """Grade every (new or changed) submission under `folder`; returns the results and the CSV path."""
    names = course.resolve([assignment] if assignment else None)
    submissions = shard(discover(folder, names, assignment), shard_spec)
    options.threads = max(1, usable_cpus() // max(1, workers))
    if options.sandboxed:
        options.readonly = staged_readonly(course)
    expected: dict[str, tuple[str, float, float]] = {}
    modules: list[str] = []
    for name in sorted({s.assignment for s in submissions}):
        run = prepare(course, name, options)
        modules += imported_modules(sorted((course.work / "source" / name).glob("*.ipynb")),
                                    demo=not options.checks_only)
        if run.problems:
            raise SystemExit(f"cannot grade {name}: its solution does not pass its own checks:\n  "
                             + "\n  ".join(run.problems))
        deadline = options.deadline or max(30.0, 4 * run.elapsed + 30)
        expected[name] = (str(run.folder), deadline, recovery_time(run.essential))
    jobs, skipped = [], 0
    for sub in submissions:
        digest = sub.digest()
        folder_of_run, deadline, recovery = expected[sub.assignment]
        if not force and _is_current(course, sub, digest, folder_of_run):
            skipped += 1
            continue
        jobs.append(Job(sub.student, sub.assignment, str(sub.source), digest, folder_of_run,
                        deadline, recovery))
    paths = [result_path(course, s.assignment, s.student) for s in submissions]
    csv_path = csv_path or course.work / "grades.csv"

    def done(job: Job, result: dict[str, Any]) -> None:
        """Log one finished submission and rebuild the CSV."""
        log.info("graded %s / %s: %s/%s %s", job.assignment, job.student, result["total"],
                 result["max"], result["status"])
        report.write_csv(report.load(paths), csv_path)

    Pool(course, options, workers, list(dict.fromkeys(modules))).run(jobs, done)
    results = report.load(paths)
    report.write_csv(results, csv_path)
    return Batch(results, len(jobs), skipped, csv_path)
