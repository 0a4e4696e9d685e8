"""The kernel sandbox: student code cannot read solutions or other submissions, nor use the network."""

from __future__ import annotations

import logging
from pathlib import Path

import nbformat
import pytest

from autograder import batch, sandbox
from autograder.cli import main
from autograder.execute import GradingExecute

needs_bwrap = pytest.mark.skipif(sandbox.bwrap() is None,
                                 reason=f"{sandbox.problem()} (make system-deps installs it)")

REPO = Path(__file__).resolve().parent.parent
PROBES = {
    "solutions": f"open({str(REPO / 'tests/fixtures/sample_course/solutions/01_sample/sample.ipynb')!r})",
    "other_submission": "open({other!r})",
    "submitted_folder": "import os; os.listdir({work!r} + '/submitted')",
    "repo_root": f"open({str(REPO / 'pyproject.toml')!r})",
    "network": "import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)",
    "loopback": "import socket; socket.create_connection(('127.0.0.1', 22), timeout=3)",
    "write_outside": "open('/usr/evil.txt', 'w')",
}
ALLOWED = {
    "scratch": "open('mine.txt', 'w').write('ok'); print(open('mine.txt').read())",
    "packages": "import utils, autograder.reference; import numpy, torch; print('ok')",
    "tmp": "open('/tmp/x', 'w').write('ok'); print('ok')",
    "work_folder": "import os; print('ok' if os.listdir({work!r}) == ['autograded'] else 'leak')",
}


def run(tmp_path: Path, sources: dict[str, str], **traits: object) -> dict[str, list]:
    """Execute one cell per source in a sandboxed kernel; outputs by name."""
    other = tmp_path / "work" / "submitted" / "bob" / "01_sample" / "sample.ipynb"
    other.parent.mkdir(parents=True)
    other.write_text("{}")
    scratch = tmp_path / "work" / "autograded" / "alice" / "01_sample"
    scratch.mkdir(parents=True)
    names = list(sources)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(sources[n].format(other=str(other), work=str(tmp_path / "work")))
        for n in names])
    staging = tmp_path / "staging"
    binds = [list(b) for b in sandbox.stage_packages(staging)]
    executor = GradingExecute(sandboxed=True, sandbox_readonly=binds, deadline=120, **traits)
    executor.preprocess(nb, {"metadata": {"path": str(scratch)}})
    return {n: c.outputs for n, c in zip(names, nb.cells, strict=True)}


@needs_bwrap
def test_student_code_cannot_reach_secrets_or_the_network(tmp_path: Path) -> None:
    outputs = run(tmp_path, {**PROBES, **ALLOWED})
    for name in PROBES:
        errors = [o for o in outputs[name] if o.output_type == "error"]
        assert errors, f"{name}: the sandbox let it through: {outputs[name]}"
        assert errors[0].ename in ("FileNotFoundError", "PermissionError", "OSError",
                                   "ConnectionRefusedError", "TimeoutError"), errors[0]
    for name in ALLOWED:
        text = "".join(o.get("text", "") for o in outputs[name])
        assert "ok" in text and not any(o.output_type == "error" for o in outputs[name]), name


@needs_bwrap
def test_the_staged_package_copy_holds_code_only(tmp_path: Path) -> None:
    binds = dict(map(tuple, sandbox.stage_packages(tmp_path)))
    staged = tmp_path / "autograder"
    assert binds[str(staged)] == f"{sandbox.PACKAGES}/autograder"
    assert {p.suffix for p in staged.iterdir()} == {".py"}
    assert not (staged / "work").exists()


def test_without_bwrap_grade_refuses_in_one_line_unless_told_no_sandbox(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    monkeypatch.setattr(sandbox, "problem", lambda: "bubblewrap (bwrap) is not installed")
    code = main(["grade", str(tmp_path), "--course-dir", str(tmp_path / "work")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    for words in ("bubblewrap (bwrap) is not installed", "Debian/Ubuntu",
                  "dnf install bubblewrap", "macOS", "--no-sandbox"):
        assert words in err
    with caplog.at_level(logging.WARNING, logger="autograder"):
        assert batch.sandbox_available(False) is False
    assert "WITHOUT a sandbox" in caplog.text and "withheld" in caplog.text


@needs_bwrap
def test_work_folder_inside_the_package_works(tmp_path: Path) -> None:
    """The default work folder (autograder/work/) lies inside the package the kernel imports."""
    inside = REPO / "autograder" / "work" / f"test-sandbox-{tmp_path.name}"
    try:
        outputs = run(inside, {"imports": "import autograder.reference as r, utils\n"
                                          "print(r.__file__); print(utils.__file__)"})
        text = "".join(o.get("text", "") for o in outputs["imports"]).split()
        assert text[0].startswith(f"{sandbox.PACKAGES}/autograder/"), outputs["imports"]
        assert text[1] == f"{sandbox.PACKAGES}/utils/__init__.py", outputs["imports"]
    finally:
        import shutil

        shutil.rmtree(inside, ignore_errors=True)
