"""Grade one submission with nbgrader's API, sandboxed, and write its result file atomically.

Per submission: stage a copy under `<work>/submitted/`, reject notebooks that are not valid,
collect structural and static tamper flags, run nbgrader's `autograde` (our `GradingExecute`
checks the hidden probes), read the scores from the gradebook, write the feedback HTML, then
`<work>/results/<assignment>/<student>.json`. The CSV is rebuilt from those files, so a kill at
any moment loses nothing already written.
"""

from __future__ import annotations

import json
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder import sandbox
from autograder.course import Course, file_digest
from autograder.execute import demo_digests, is_test_cell
from autograder.expected import SolutionRun, kernel_env, solution_run
from autograder.feedback import invalid_notebook_html
from autograder.probes import atomic_write
from autograder.submissions import Submission, stage
from autograder.tamper import static_flags, structural_flags, withheld
from autograder.warm import KernelPool, Launch

FAULT_ORDER = ("error", "out-of-memory", "kernel-died", "timeout")


@dataclass
class GradeOptions:
    """How to grade: device, limits, sandbox (the same for every submission of a run)."""

    device: str = "cpu"
    deadline: float = 0.0  # per submission, seconds (0: from the solution's run time)
    cell_timeout: int = 0  # 0: nbgrader's Execute.timeout from the config
    memory_mb: int = 4096
    sandboxed: bool = True
    checks_only: bool = False  # skip the given demo cells (scores are the same: checks are self-contained)
    threads: int = 1
    readonly: list[list[str]] = field(default_factory=list)


@dataclass
class Job:
    """One submission to grade, with what the parent prepared for its assignment."""

    student: str
    assignment: str
    source: str
    digest: str
    expected: str
    deadline: float
    recovery: float  # seconds for the restarted kernel after a fault


def result_path(course: Course, assignment: str, student: str) -> Path:
    """Where a submission's result file lives."""
    return course.work / "results" / assignment / f"{student}.json"


def feedback_path(course: Course, assignment: str, student: str, notebook: str) -> Path:
    """Where nbgrader writes a submission's feedback HTML."""
    return course.work / "feedback" / student / assignment / f"{notebook}.html"


def release_notebooks(course: Course, assignment: str) -> list[Path]:
    """The grader's own release of an assignment (made by `prepare`)."""
    return sorted((course.work / "release" / assignment).glob("*.ipynb"))


def test_cells(course: Course, assignment: str) -> list[tuple[str, str, float]]:
    """(notebook, grade id, points) of every graded test cell, in notebook order."""
    cells = []
    for path in release_notebooks(course, assignment):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_test_cell(cell):
                meta = cell.metadata.nbgrader
                cells.append((path.stem, meta.grade_id, float(meta.points)))
    return cells


def _check_name(notebook: str, grade_id: str, single: bool) -> str:
    """A check's CSV column: the grade id, prefixed by the notebook when there are several."""
    return grade_id if single else f"{notebook}/{grade_id}"


def register(course: Course, assignment: str) -> Path:
    """Snapshot the source and register it in the gradebook (again only when it changed)."""
    source = course.work / "source" / assignment
    stamp = course.work / "source" / f".{assignment}.sha256"
    digest = file_digest([p for p in (course.solutions / assignment).rglob("*") if p.is_file()])
    if not stamp.exists() or stamp.read_text() != digest or not release_notebooks(course, assignment):
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(course.solutions / assignment, source)
        result = course.api().generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not register {assignment}:\n{result.get('error')}")
        stamp.write_text(digest)
    return source


def prepare(course: Course, assignment: str, options: GradeOptions) -> SolutionRun:
    """Snapshot the source, register it in the gradebook, and make (or reuse) the expected run."""
    source = register(course, assignment)
    env = kernel_env(course, options.device, options.threads)
    return solution_run(course, assignment, source, options.device, env,
                        deadline=options.deadline or 3600)


def zero_result(course: Course, job: Job, status: str, flags: list[str], note: str) -> dict[str, Any]:
    """A result with no points (invalid notebook, hard kill), with a feedback page saying why."""
    cells = test_cells(course, job.assignment)
    single = len({nb for nb, _, _ in cells}) == 1
    checks = {_check_name(nb, gid, single): {"points": 0.0, "max": pts, "note": note}
              for nb, gid, pts in cells}
    maximum = sum(pts for _, _, pts in cells)
    for path in release_notebooks(course, job.assignment):
        html = feedback_path(course, job.assignment, job.student, path.stem)
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(invalid_notebook_html(f"{job.assignment}: {path.stem}", note, maximum))
    return _result(job, checks, status, flags, sandboxed=False)


def _result(job: Job, checks: dict[str, dict[str, Any]], status: str, flags: list[str],
            sandboxed: bool, elapsed: float = 0.0, raw_total: float | None = None) -> dict[str, Any]:
    """The result record written to the results folder (`raw_total`: the score before withholding)."""
    return {
        "student": job.student, "assignment": job.assignment, "digest": job.digest,
        "expected": Path(job.expected).name, "checks": checks,
        "total": round(sum(c["points"] for c in checks.values()), 6),
        "max": round(sum(c["max"] for c in checks.values()), 6), "raw_total": raw_total,
        "status": status, "sandboxed": sandboxed, "flags": sorted(set(flags)),
        "elapsed": round(elapsed, 2),
    }


def write_result(course: Course, result: dict[str, Any]) -> None:
    """Write a result file atomically."""
    path = result_path(course, result["assignment"], result["student"])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(result, indent=1).encode())


def _read_notebooks(folder: Path, names: list[str]) -> tuple[dict[str, Any], str]:
    """Parse the submitted notebooks; ({}, why) when one is missing or invalid."""
    parsed = {}
    for name in names:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            return {}, f"no notebook named {name}.ipynb was submitted"
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except Exception as err:  # JSON or schema errors, truncated files, binary junk
            return {}, f"{name}.ipynb is not a valid notebook ({type(err).__name__})"
        parsed[name] = nb
    return parsed, ""


def _scores(course: Course, job: Job) -> dict[str, dict[str, Any]]:
    """Points per graded test cell from the gradebook."""
    cells = test_cells(course, job.assignment)
    single = len({nb for nb, _, _ in cells}) == 1
    config = course.config()
    checks = {}
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        for notebook, grade_id, points in cells:
            try:
                grade = gradebook.find_grade(grade_id, notebook, job.assignment, job.student)
                score = float(grade.score)
            except MissingEntry:
                score = 0.0
            checks[_check_name(notebook, grade_id, single)] = {"points": score, "max": points}
    return checks


def kernel_launch(course: Course, options: GradeOptions) -> Launch:
    """How every kernel of a grading run starts: environment, sandbox binds, device."""
    env = kernel_env(course, options.device, options.threads)
    return Launch(env, options.sandboxed, [*options.readonly, [env["COURSE_DATA_DIR"]] * 2],
                  options.device.startswith("cuda"))


def _configure(course: Course, job: Job, options: GradeOptions, folders: dict[str, Path],
               pool: KernelPool | None) -> Any:
    """nbgrader config for this submission: our Execute's limits, sandbox and probe folders."""
    config = course.config()
    execute = config.GradingExecute
    execute.deadline = job.deadline
    execute.probe_mode = "record"
    execute.probe_dir = str(folders["probes"])
    execute.expected_dir = job.expected
    execute.report_dir = str(folders["reports"])
    execute.runtime_dir = str(folders["runtime"])
    execute.kernel_log = str(folders["log"].with_suffix(".kernel.log"))
    launch = kernel_launch(course, options)
    execute.kernel_env = launch.kernel_env
    execute.memory_limit_mb = options.memory_mb
    execute.sandboxed = launch.sandboxed
    execute.sandbox_readonly = launch.readonly
    execute.gpu = launch.gpu
    execute.kernel_pool = pool
    execute.recovery_time = job.recovery
    execute.checks_only = options.checks_only
    execute.demo_digests = sorted({d for path in release_notebooks(course, job.assignment)
                                   for d in demo_digests(nbformat.read(path, as_version=4))})
    if options.cell_timeout:
        config.Execute.timeout = options.cell_timeout
    return config


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def grade_submission(course: Course, job: Job, options: GradeOptions,
                     pool: KernelPool | None = None) -> dict[str, Any]:
    """Grade one submission end to end and write its result file; returns the result.

    `pool` hands out warm kernels (`autograder.warm`); without one every kernel starts cold.
    """
    started, cpu = time.monotonic(), _cpu_seconds()
    names = [p.stem for p in release_notebooks(course, job.assignment)]
    submitted = course.work / "submitted" / job.student / job.assignment
    stage(Submission(job.student, job.assignment, Path(job.source)), submitted, names)
    notebooks, why = _read_notebooks(submitted, names)
    if not notebooks:
        result = zero_result(course, job, "invalid-notebook", [], why)
        write_result(course, result)
        return result
    flags = []
    for name, nb in notebooks.items():
        release = nbformat.read(course.work / "release" / job.assignment / f"{name}.ipynb", 4)
        flags += structural_flags(nb, release) + static_flags(nb, release)
    folders = {"probes": course.work / "probes" / job.assignment / job.student,
               "reports": course.work / "reports" / job.assignment / job.student,
               "log": course.work / "logs" / job.assignment / f"{job.student}.log",
               "runtime": Path(tempfile.mkdtemp(prefix="agk-"))}
    for key in ("probes", "reports"):
        shutil.rmtree(folders[key], ignore_errors=True)
        folders[key].mkdir(parents=True)
    folders["log"].parent.mkdir(parents=True, exist_ok=True)
    _lift_withholding(course, job)
    timings = {"stage": time.monotonic() - started}
    try:
        config = _configure(course, job, options, folders, pool)
        api = course.api(config=config)
        graded = api.autograde(job.assignment, job.student, force=True, create=True)
        timings["autograde"] = time.monotonic() - started - timings["stage"]
        feedback = api.generate_feedback(job.assignment, job.student, force=True)
        timings["feedback"] = time.monotonic() - started - timings["stage"] - timings["autograde"]
    finally:
        shutil.rmtree(folders["runtime"], ignore_errors=True)
    folders["log"].write_text("\n".join(str(r.get(k, "")) for r in (graded, feedback)
                                        for k in ("log", "error")))
    reports = [json.loads(p.read_text()) for p in sorted(folders["reports"].glob("*.json"))]
    statuses = [r["status"] for r in reports] + ([] if graded["success"] else ["error"])
    status = next((s for s in FAULT_ORDER if s in statuses), "ok")
    flags += [f for r in reports for f in r["flags"]]
    if status == "ok" and flags:
        status = "tampered"
    checks = _scores(course, job) if graded["success"] else zero_result(
        course, job, "error", flags, "the grader failed on this submission")["checks"]
    for report in reports:
        for grade_id, note in report["checks"].items():
            for name, check in checks.items():
                if name.rsplit("/", 1)[-1] == grade_id:
                    check["note"] = note
    raw_total = None
    if graded["success"] and withheld(flags, options.sandboxed):
        raw_total = round(sum(c["points"] for c in checks.values()), 6)
        _withhold(course, job, checks)
        status = "tampered"
    result = _result(job, checks, status, flags, options.sandboxed, time.monotonic() - started,
                     raw_total)
    timings.update(total=time.monotonic() - started, cpu=_cpu_seconds() - cpu)
    result["timings"] = {k: round(v, 3) for k, v in timings.items()}
    write_result(course, result)
    return result


def _set_manual_scores(course: Course, job: Job, score: float | None, only: float | None = None) -> None:
    """Set (None: clear) the manual score of every graded cell of a submission; `only` those now at it."""
    with Gradebook(course.config().CourseDirectory.db_url) as gradebook:
        for notebook, grade_id, _ in test_cells(course, job.assignment):
            try:
                grade = gradebook.find_grade(grade_id, notebook, job.assignment, job.student)
            except MissingEntry:
                continue
            if only is None or grade.manual_score == only:
                grade.manual_score = score
        gradebook.db.commit()


def _lift_withholding(course: Course, job: Job) -> None:
    """Before a regrade, undo the zeros an earlier withholding wrote (a TA's other scores stay)."""
    path = result_path(course, job.assignment, job.student)
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if previous.get("raw_total") is not None:
        _set_manual_scores(course, job, None, only=0.0)


def _withhold(course: Course, job: Job, checks: dict[str, dict[str, Any]]) -> None:
    """Zero every check, here and in the gradebook (a manual score of 0, so formgrader agrees)."""
    for check in checks.values():
        check["note"] = (f"withheld (was {check['points']:g}): graded without a sandbox, and "
                         "the code reaches outside its notebook")
        check["points"] = 0.0
    _set_manual_scores(course, job, 0.0)


def staged_readonly(course: Course) -> list[list[str]]:
    """Read-only binds for sandboxed kernels (Python, venv, course packages, staged copy)."""
    return [list(b) for b in sandbox.stage_packages(course.work / "sandbox")]
