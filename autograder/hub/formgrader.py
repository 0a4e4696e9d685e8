"""The formgrader's buttons through the course's release and grader (a Jupyter server extension).

nbgrader's formgrader builds an `NbGraderAPI` for every request (`BaseHandler.api`; the class is
not configurable), and that API runs nbgrader's own GenerateAssignment and Autograde: no leak
scan, no sandbox, hidden checks inside the student's kernel. This extension, enabled on the
instructor's server only (`instructor/jupyter_server_config.py`), makes the formgrader build a
`CourseAPI` instead:

| button | what runs |
|---|---|
| Generate | the course's release of that assignment (`autograder.release`: outputs stripped, every released file scanned for solution lines, swapped into `notebooks/` only when clean), then its registration in the gradebook |
| Release | the same, then nbgrader's exchange copies `notebooks/<assignment>/` to the students |
| Collect | nbgrader's (into `autograder/work/collected/`) |
| Autograde | the course's grader on that submission (`autograder.batch.grade_class`): sandbox, limits, hidden checks outside the kernel, fault isolation, tamper flags, feedback |
| Generate feedback, Release feedback | nbgrader's, with the course's feedback preprocessors |

Each answer's log (the formgrader shows it in its dialog) says which of the course's tools ran.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbgrader.apps.api import NbGraderAPI
from traitlets import Bool, Float, Int, Unicode
from traitlets.config import Configurable

from autograder import report
from autograder.batch import SandboxMissing, grade_class, resolve_device, sandbox_available
from autograder.course import DEFAULT_WORK, REPO_ROOT, Course, ensure_tools_on_path
from autograder.grade import GradeOptions, register
from autograder.release import ReleaseError, release

Log = Callable[[str], None]


class CourseGrader(Configurable):
    """How the formgrader's Autograde runs the course's grader (the `grade` command's options)."""

    sandbox = Bool(True, help="Run kernels in bubblewrap; without it Autograde refuses, "
                   "as `grade` does without --no-sandbox.").tag(config=True)
    checks_only = Bool(False, help="Skip the notebooks' demo cells (same scores).").tag(config=True)
    device = Unicode("cpu", help="auto, cpu or cuda.").tag(config=True)
    memory_mb = Int(GradeOptions.memory_mb, help="Memory limit per kernel tree, MB.").tag(config=True)
    timeout = Float(0.0, help="Seconds per submission (0: 4x the solution's time + 30 s).").tag(
        config=True)
    cache = Unicode("", help="Folder of the solutions' expected runs (default: the work "
                    "folder).").tag(config=True)


class CourseAPI(NbGraderAPI):
    """nbgrader's API with Generate, Release and Autograde done by the course's own tools."""

    def course(self) -> Course:
        """The course this formgrader serves, with the grader's work folder and caches."""
        root = Path(self.coursedir.root)
        cache = CourseGrader(parent=self).cache
        return Course(root, root / DEFAULT_WORK.relative_to(REPO_ROOT),
                      Path(cache) if cache else None)

    def _run(self, what: str, work: Callable[[Log], None]) -> dict[str, Any]:
        """nbgrader's answer shape ({success, log, error}) around one of our steps."""
        lines: list[str] = []
        ensure_tools_on_path()  # nbgrader shells out to alembic
        try:
            work(lines.append)
        except ReleaseError as err:
            return {"success": False, "log": "\n".join(lines), "error": f"{what}: {err}"}
        except SandboxMissing as err:  # its hint names `grade`'s flag; the hub's is HUB_ARGS
            return {"success": False, "log": "\n".join(lines),
                    "error": f"{what}: {err} (on the hub: make hub HUB_ARGS=--no-sandbox)"}
        except Exception:
            return {"success": False, "log": "\n".join(lines),
                    "error": f"{what} failed:\n{traceback.format_exc()}"}
        return {"success": True, "log": "\n".join(lines)}

    def _release(self, assignment_id: str, log: Log) -> None:
        """The course's release of one assignment, then its registration in the gradebook."""
        course = self.course()
        for line in release(course, [assignment_id]):
            log(f"course release (python -m autograder release {assignment_id}): {line}; outputs "
                "stripped, every released file scanned for solution and hidden-test lines")
        register(course, assignment_id)
        log(f"{assignment_id} registered in the gradebook")

    def generate_assignment(self, assignment_id: str, force: bool = True,
                            create: bool = True) -> dict[str, Any]:
        """Generate: the course's release into notebooks/ (never nbgrader's unchecked one)."""
        return self._run(f"generate {assignment_id}", lambda log: self._release(assignment_id, log))

    def release_assignment(self, assignment_id: str) -> dict[str, Any]:
        """Release: the course's release, then nbgrader's exchange copies notebooks/<assignment>."""
        first = self.generate_assignment(assignment_id)
        if not first["success"]:
            return first
        result = super().release_assignment(assignment_id)
        result["log"] = "\n".join(filter(None, [first["log"], result.get("log", "")]))
        return result

    def autograde(self, assignment_id: str, student_id: str, force: bool = True,
                  create: bool = True) -> dict[str, Any]:
        """Autograde: the course's grader on this student's collected submission."""
        return self._run(f"autograde {assignment_id} for {student_id}",
                         lambda log: self._grade(assignment_id, student_id, log))

    def _grade(self, assignment_id: str, student_id: str, log: Log) -> None:
        """Grade one collected submission, log its result, rebuild the assignment's CSV."""
        collected = Path(self.coursedir.format_path(self.coursedir.submitted_directory,
                                                    student_id, assignment_id))
        if not collected.is_dir():
            raise FileNotFoundError(f"no collected submission at {collected}: press Collect first")
        grader = CourseGrader(parent=self)
        course = self.course()
        sandboxed = sandbox_available(grader.sandbox)
        options = GradeOptions(device=resolve_device(grader.device), deadline=grader.timeout,
                               memory_mb=grader.memory_mb, sandboxed=sandboxed,
                               checks_only=grader.checks_only)
        with tempfile.TemporaryDirectory(prefix="hub-autograde-") as inbox:
            shutil.copytree(collected, Path(inbox) / student_id / assignment_id)
            batch = grade_class(course, Path(inbox), assignment_id, options, workers=1,
                                force=True, csv_path=Path(inbox) / "grades.csv")
        result = next(r for r in batch.results if r["student"] == student_id)
        csv = course.work / f"grades-{assignment_id}.csv"
        report.write_csv(report.load(sorted((course.work / "results" / assignment_id)
                                            .glob("*.json"))), csv)
        log(f"graded by the course's grader (python -m autograder grade), "
            f"{'sandboxed' if sandboxed else 'NOT sandboxed'}, on {options.device}"
            + (", checks only" if options.checks_only else ""))
        log(f"{student_id}: {result['total']:g} / {result['max']:g} points, status "
            f"{result['status']}" + (f", flags {';'.join(result['flags'])}" if result["flags"] else ""))
        log(f"feedback: {course.work / 'feedback' / student_id / assignment_id}; "
            f"the class's CSV: {csv}")
        if result["status"] == "error":
            raise RuntimeError(f"the grader failed on this submission; see "
                               f"{course.work / 'logs' / assignment_id / (student_id + '.log')}")


def _course_api(handler: Any) -> CourseAPI:
    """What nbgrader's `BaseHandler.api` builds, with our class (same config, same coursedir)."""
    level = handler.log.level
    handler.coursedir.parent.load_config_file()
    api = CourseAPI(handler.coursedir, handler.authenticator, parent=handler.coursedir.parent)
    api.log_level = level
    return api


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Route the formgrader's API through `CourseAPI`."""
    from nbgrader.server_extensions.formgrader import base

    base.BaseHandler.api = property(_course_api)
    logging.getLogger("autograder").setLevel(logging.INFO)
    serverapp.log.info("autograder.hub.formgrader: Generate, Release and Autograde go through "
                       "the course's release and grader")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter Server's entry point for this module."""
    return [{"module": "autograder.hub.formgrader"}]


load_jupyter_server_extension = _load_jupyter_server_extension  # the older name
