"""What students and TAs get from `make lab`, asserted through the server's HTTP API (no browser).

nbgrader's server extensions find `nbgrader_config.py` only on Jupyter's config path and in the
server's working folder; `make lab` puts `autograder/lab/` (which loads the course's
`autograder/nbgrader_config.py`) on that path. These tests start `make lab` itself on a copy of
the course and check what Validate and the formgrader see.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGrader
from traitlets.config import PyFileConfigLoader
from ui_lab import (
    CONFIG_MISSING,
    EXCHANGE_ERROR,
    EXCHANGE_MISSING,
    ROOT,
    LabServer,
    copy_course,
    start_lab,
)

from autograder.course import Course

RELEASE = "notebooks/01_streetlight/streetlight.ipynb"
LIMIT_LINE = re.compile(r"^c\.Execute\.timeout = (\d+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """`make lab` on a copy of the course, for this module's tests."""
    tmp = tmp_path_factory.mktemp("ui-lab")
    server = start_lab(copy_course(tmp / "course"), tmp / "home", tmp / "lab.log")
    yield server
    server.stop()


def course_limit(config_file: Path) -> int:
    """The per-cell limit the course configures (the one `c.Execute.timeout = N` line)."""
    values = LIMIT_LINE.findall(config_file.read_text())
    assert len(values) == 1, f"{config_file} must set c.Execute.timeout exactly once"
    return int(values[0])


def test_lab_config_is_the_course_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """nbgrader's own config lookup, with autograder/lab/ on the path, gives the course's settings.

    No second source of any number: `autograder/lab/` sets no option of its own, and the
    per-cell limit Validate uses is the one `python -m autograder` grades with.
    """
    course = copy_course(tmp_path / "course")
    config_files = sorted(p.name for p in (ROOT / "autograder" / "lab").iterdir()
                          if p.suffix in (".py", ".json"))  # what Jupyter would read there
    assert config_files == ["nbgrader_config.py"]
    lab_config = (ROOT / "autograder" / "lab" / "nbgrader_config.py").read_text()
    assert not re.findall(r"^\s*c\.\w+.*=", lab_config, re.MULTILINE)  # sets no option itself
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(course / "autograder" / "lab"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    app = NbGrader()  # what the validate and formgrader extensions instantiate
    app.load_config_file()
    grader = Course(course, course / "autograder" / "work").config()
    course_file = PyFileConfigLoader("nbgrader_config.py",
                                     path=str(course / "autograder")).load_config()
    assert app.config.Execute.timeout == grader.Execute.timeout \
        == course_limit(ROOT / "autograder" / "nbgrader_config.py")
    assert app.config.CourseDirectory.root == str(course)
    assert app.config.CourseDirectory.source_directory == "solutions"
    assert app.config.CourseDirectory.release_directory == "notebooks"
    assert app.config.CourseDirectory.db_url == grader.CourseDirectory.db_url \
        == course_file.CourseDirectory.db_url  # the gradebook `grade` writes is the formgrader's
    assert Path(app.config.Exchange.root).is_dir()


def test_formgrader_lists_the_course_assignments(lab: LabServer) -> None:
    """The formgrader lists every assignment of solutions/, with the course's layout."""
    listed = {a["name"]: a for a in lab.request("/formgrader/api/assignments")}
    assert sorted(listed) == Course(lab.course).assignments()
    for name, assignment in listed.items():
        assert assignment["source_path"] == f"solutions/{name}"
        assert assignment["release_path"] == f"notebooks/{name}"


@pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")  # nbgrader's own
def test_formgrader_shows_the_gradebook_submissions(lab: LabServer) -> None:
    """A submission in the gradebook `python -m autograder grade` writes appears in the formgrader.

    The assignment is registered the way `grade` registers it (nbgrader's generate_assignment
    in the grader's work folder); the submission is added straight to that gradebook.
    """
    course = Course(lab.course, lab.course / "autograder" / "work")
    assignment = course.assignments()[0]
    shutil.copytree(course.solutions / assignment, course.work / "source" / assignment)
    assert course.api().generate_assignment(assignment, force=True, create=True)["success"]
    with Gradebook(course.config().CourseDirectory.db_url) as gradebook:
        gradebook.update_or_create_student("ada", first_name="Ada", last_name="Lovelace")
        gradebook.add_submission(assignment, "ada")
    submissions = lab.request(f"/formgrader/api/submissions/{assignment}")
    assert [s["student"] for s in submissions] == ["ada"]
    assert [s["id"] for s in lab.request("/formgrader/api/students")] == ["ada"]


def test_formgrader_has_no_exchange_error(lab: LabServer) -> None:
    """The TA's first page shows no missing-config or unwritable-exchange error."""
    html = lab.page("/formgrader/manage_assignments")
    assert "Manage Assignments" in html
    assert EXCHANGE_MISSING not in html
    log = lab.log_text()
    assert CONFIG_MISSING not in log, log[-3000:]
    assert EXCHANGE_ERROR not in log, log[-3000:]


def test_validate_lists_the_failing_checks_of_the_blank_release(lab: LabServer) -> None:
    """Validate on the untouched release: every graded check fails with NotImplementedError."""
    result = lab.validate(RELEASE)
    assert result["success"], result
    graded = [c for c in nbformat.read(lab.course / RELEASE, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    failed = result["value"].get("failed", [])
    assert len(failed) == len(graded) > 0
    assert [f["source"] for f in failed] == [c.source.strip() for c in graded]
    assert all("NotImplementedError" in f["error"] for f in failed), failed
    assert CONFIG_MISSING not in lab.log_text()


def test_validate_uses_the_course_cell_limit(lab: LabServer) -> None:
    """A check that sleeps past the course's per-cell limit fails Validate with a timeout.

    The limit is set low in the copy's autograder/nbgrader_config.py for this test (nbgrader's
    default is 30 s): if `make lab` stopped loading the course's configuration, the 8 s sleep
    would pass. Validate reads the configuration on each request, so no restart is needed.
    """
    config = lab.course / "autograder" / "nbgrader_config.py"
    original = config.read_text()
    course_limit(config)
    folder = lab.course / "limit_check"
    folder.mkdir(exist_ok=True)
    cell = nbformat.v4.new_code_cell("import time\ntime.sleep(8)\nprint('slept')")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False,
                                 "grade_id": "sleepy", "points": 1, "schema_version": 3}
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, folder / "limit.ipynb")
    try:
        config.write_text(LIMIT_LINE.sub("c.Execute.timeout = 2", original))
        result = lab.validate("limit_check/limit.ipynb")
    finally:
        config.write_text(original)
    assert result["success"], result
    failed = result["value"].get("failed", [])
    assert len(failed) == 1 and "time.sleep(8)" in failed[0]["source"], result
    assert re.search(r"timed out|Timeout", failed[0]["error"]), failed[0]["error"]
