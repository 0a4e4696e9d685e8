"""release (atomic, idempotent, leak-checked), check (a)-(e), shards, merge, tamper scans, CLI."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import report
from autograder.check import check, check_solution
from autograder.cli import main
from autograder.course import Course
from autograder.release import ReleaseError, release
from autograder.submissions import Submission, discover, shard
from autograder.tamper import static_flags, structural_flags

SAMPLE = Path(__file__).parent / "fixtures" / "sample_course"


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """A private copy of the sample course with its own work folder."""
    shutil.copytree(SAMPLE / "solutions", tmp_path / "root" / "solutions")
    return Course(tmp_path / "root", tmp_path / "work")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_release_is_idempotent_clean_and_skips_the_paired_text(course: Course) -> None:
    assert release(course) == ["01_sample: created"]
    first = tree(course.notebooks)
    assert list(first) == ["01_sample/sample.ipynb"], "the jupytext twin must not be released"
    assert release(course) == ["01_sample: unchanged"]
    assert tree(course.notebooks) == first
    nb = nbformat.read(course.notebooks / "01_sample" / "sample.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells)
    assert [c.id for c in nb.cells][:2] == ["intro", "setup"]
    assert "jupytext" not in nb.metadata
    text = (course.notebooks / "01_sample" / "sample.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "np.linalg.norm" not in text


def test_a_leak_or_a_broken_source_leaves_notebooks_untouched(course: Course) -> None:
    release(course)
    before = tree(course.notebooks)
    helper = course.solutions / "01_sample" / "answers.txt"
    helper.write_text("    norms = np.linalg.norm(x, axis=1, keepdims=True)\n")
    with pytest.raises(ReleaseError, match="answers.txt:1"):
        release(course)
    assert tree(course.notebooks) == before
    helper.unlink()
    (course.solutions / "01_sample" / "sample.ipynb").write_text("{broken")
    with pytest.raises(ReleaseError, match="could not generate"):
        release(course)
    assert tree(course.notebooks) == before
    assert not list(course.root.glob(".release-*")), "temporary folders are cleaned up"


def test_an_interrupted_swap_is_undone_by_the_next_release(course: Course) -> None:
    release(course)
    before = tree(course.notebooks)
    (course.notebooks / "01_sample").rename(course.notebooks / ".old-01_sample")
    assert release(course) == ["01_sample: unchanged"]
    assert tree(course.notebooks) == before


def test_check_passes_on_a_fresh_release_and_reports_each_failure(
        course: Course, capsys: pytest.CaptureFixture[str]) -> None:
    release(course)
    passed, text = check(course, None, "cpu", 300)
    assert passed, text
    assert text.count("PASS") == 5
    released = course.notebooks / "01_sample" / "sample.ipynb"
    nb = nbformat.read(released, as_version=4)
    nb.cells[3].source = "def normalize_rows(x):\n    return x / np.linalg.norm(x, axis=1, keepdims=True)"
    nbformat.write(nb, released)
    (course.notebooks / "01_sample" / "leak.py").write_text(
        "    unit = x / norms\n")
    code = main(["check", "--root", str(course.root), "--course-dir", str(course.work)])
    text = capsys.readouterr().out
    assert code == 1
    assert "FAIL (b)" in text and "test_normalize_rows) passes although" in text
    assert "FAIL (c)" in text and "leak.py:1" in text
    assert "FAIL (d)" in text and "not in a fresh release: leak.py" in text


def test_check_reports_a_graded_cell_without_hidden_check(course: Course) -> None:
    path = course.solutions / "01_sample" / "sample.ipynb"
    nb = nbformat.read(path, as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_recall_at_k")
    test.source = test.source.split("### BEGIN HIDDEN TESTS")[0]
    nbformat.write(nb, path)
    outcome = check_solution(course, "01_sample", "cpu", 300)
    assert not outcome.passed
    assert any("test_recall_at_k records no hidden check" in d for d in outcome.details)


def test_discover_both_layouts_and_shard_in_contiguous_chunks(tmp_path: Path) -> None:
    for student in ("carol", "alice", "bob"):
        (tmp_path / "nbg" / student / "01_sample").mkdir(parents=True)
        (tmp_path / "nbg" / student / "01_sample" / "x.ipynb").write_text("{}")
    (tmp_path / "flat").mkdir()
    for name in ("dave_attempt 1.ipynb", "erin_sample.ipynb", "notes.txt"):
        (tmp_path / "flat" / name).write_text("{}")
    nested = discover(tmp_path / "nbg", ["01_sample"])
    assert [s.student for s in nested] == ["alice", "bob", "carol"]
    flat = discover(tmp_path / "flat", ["01_sample"])
    assert [(s.student, s.source.name) for s in flat] == [("dave", "dave_attempt 1.ipynb"),
                                                          ("erin", "erin_sample.ipynb")]
    with pytest.raises(SystemExit, match="--assignment"):
        discover(tmp_path / "flat", ["01_sample", "02_other"])
    subs = [Submission(f"s{i:02d}", "a", tmp_path) for i in range(10)]
    chunks = [shard(subs, f"{k}/3") for k in (1, 2, 3)]
    assert [len(c) for c in chunks] == [4, 3, 3]
    assert [s for c in chunks for s in c] == subs
    with pytest.raises(SystemExit):
        shard(subs, "4/3")


def result(student: str, points: float, flags: list[str] | None = None) -> dict:
    """A minimal result record."""
    return {"student": student, "assignment": "01_sample", "total": points, "max": 2.0,
            "checks": {"test_a": {"points": points, "max": 2.0}}, "status": "ok",
            "sandboxed": True, "flags": flags or []}


def test_merge_combines_shards_and_refuses_conflicts(tmp_path: Path) -> None:
    report.write_csv([result("bob", 2.0)], tmp_path / "s1.csv")
    report.write_csv([result("alice", 0.5, ["static:sys.exit"]), result("bob", 2.0)], tmp_path / "s2.csv")
    assert report.merge([tmp_path / "s1.csv", tmp_path / "s2.csv"], tmp_path / "all.csv") == 2
    with open(tmp_path / "all.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["student"] for r in rows] == ["alice", "bob"]
    assert rows[0]["test_a"] == "0.5" and rows[0]["flags"] == "static:sys.exit"
    report.write_csv([result("bob", 1.0)], tmp_path / "s3.csv")
    with pytest.raises(SystemExit, match="differs"):
        report.merge([tmp_path / "s1.csv", tmp_path / "s3.csv"], tmp_path / "bad.csv")


def test_tamper_scans_flag_structure_and_suspicious_code(course: Course) -> None:
    release(course)
    released = nbformat.read(course.notebooks / "01_sample" / "sample.ipynb", as_version=4)
    sub = nbformat.read(course.notebooks / "01_sample" / "sample.ipynb", as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in sub.cells}
    by_id["test_normalize_rows"].source = "pass"
    by_id["test_cosine_scores"].source = ""
    by_id["test_recall_at_k"].metadata.nbgrader.grade_id = "my_test"
    sub.cells.remove(by_id["setup"])
    by_id["normalize_rows"].source = (
        "import numpy as np  # solutions are great\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "get_ipython().set_custom_exc((Exception,), lambda *a: None)\n"
        "data = open('/etc/passwd').read()\n")
    assert structural_flags(sub, released) == [
        "deleted-cell:setup", "edited-cell:test_normalize_rows", "emptied-cell:test_cosine_scores",
        "renamed-grade-id:test_recall_at_k->my_test"]
    assert static_flags(sub, released) == [
        "static:outside-path", "static:patched-assert", "static:patched-numpy.testing",
        "static:set_custom_exc"]
    assert static_flags(released, released) == []


@pytest.mark.parametrize("command", ["release", "check", "grade", "merge", "demo"])
def test_every_command_has_help(command: str) -> None:
    done = subprocess.run([sys.executable, "-m", "autograder", command, "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "usage: python -m autograder " + command in done.stdout


def test_gpu_check_says_clearly_when_there_is_no_gpu() -> None:
    script = Path(__file__).parent.parent / "autograder" / "runners" / "gpu_check.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120,
                          check=False, env={"PATH": "/usr/bin:/bin", "CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode == 2
    assert "no CUDA GPU" in done.stderr


def test_check_help_and_docstring_name_every_check() -> None:
    """`check --help` and `check()` list the same five checks the report prints."""
    import re

    from autograder import check as check_module
    from autograder.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command")
    described = commands.choices["check"].description
    printed = set(re.findall(r'Outcome\("([a-z])"', Path(check_module.__file__).read_text()))
    assert printed == set("abcde")
    for letter in sorted(printed):
        for text in (described, check_module.check.__doc__, check_module.__doc__):
            assert f"({letter})" in text, f"({letter}) missing in {text!r}"
