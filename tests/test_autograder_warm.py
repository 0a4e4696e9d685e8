"""Warm kernels (autograder/warm.py): fresh for each notebook, never reused, replaced when dead.

Each test runs where bubblewrap works (sandboxed) and without the sandbox, as grading does.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter

from autograder import sandbox
from autograder.execute import GradingExecute
from autograder.feedback import FeedbackExporter
from autograder.warm import KernelPool, Launch, WarmKernel, imported_modules

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "fixtures" / "sample_course"
MODES = ["sandboxed", "unsandboxed"]
# What the first student leaves behind, in the kernel and around it.
FIRST = """import os, subprocess
SECRET = 'alice'
os.environ['ALICE'] = '1'
open('alice.txt', 'w').write('mine')
open('/tmp/alice.txt', 'w').write('mine')
sleeper = subprocess.Popen(['sleep', '6071'])
print(sleeper.pid)"""
# What the next one looks for (in a cell of its own, before anything imports numpy).
SECOND = """import os, sys
print(sorted(k for k in ('SECRET', 'sleeper') if k in globals()), os.environ.get('ALICE'),
      os.path.exists('alice.txt'), os.path.exists('/tmp/alice.txt'), 'numpy' in sys.modules)"""


class _Recording(KernelPool):
    """A pool that remembers the kernels it handed out."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.taken: list[WarmKernel] = []

    def take(self) -> WarmKernel:
        self.taken.append(super().take())
        return self.taken[-1]


def _sleepers() -> list[psutil.Process]:
    """The planted background processes still alive."""
    return [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "6071"]]


def _launch(mode: str, tmp_path: Path) -> Launch:
    """How the test's kernels start (the staged packages for the sandbox)."""
    if mode == "sandboxed":
        if sandbox.bwrap() is None:
            pytest.skip(f"sandboxed kernels need bubblewrap: {sandbox.problem()} (make system-deps)")
        binds = [list(b) for b in sandbox.stage_packages(tmp_path / "staging")]
        return Launch({}, True, binds)
    return Launch({}, False)


def _run(pool: KernelPool | None, launch: Launch, folder: Path, *sources: str) -> tuple[list[str], dict]:
    """Execute one cell per source the way grading does (record mode); stdout per cell, report."""
    folder.mkdir(parents=True, exist_ok=True)
    reports = folder.parent / f"{folder.name}-report"
    executor = GradingExecute(kernel_env=launch.kernel_env, sandboxed=launch.sandboxed,
                              sandbox_readonly=launch.readonly, probe_mode="record",
                              probe_dir=str(folder.parent / f"{folder.name}-probes"),
                              report_dir=str(reports), kernel_pool=pool, deadline=300)
    Path(executor.probe_dir).mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    executor.preprocess(nb, {"metadata": {"path": str(folder)}})
    outputs = ["".join(o.get("text", "") for o in c.outputs) + "".join(
        f"{o.ename}: {o.evalue}" for o in c.outputs if o.output_type == "error") for c in nb.cells]
    return outputs, json.loads((reports / "notebook.json").read_text())


@pytest.fixture(params=MODES)
def launch(request: pytest.FixtureRequest, tmp_path: Path) -> Launch:
    """Kernel settings for one mode."""
    return _launch(request.param, tmp_path)


@pytest.mark.slow
def test_a_kernel_is_never_reused_and_nothing_of_one_student_reaches_the_next(
        launch: Launch, tmp_path: Path) -> None:
    pool = _Recording(launch, ["numpy"])
    try:
        pool.warm()
        (tmp_path / "alice").mkdir()
        (tmp_path / "alice" / "data.txt").write_text("alice's file")
        first, report = _run(pool, launch, tmp_path / "alice", "print(open('data.txt').read())", FIRST)
        assert first[0].strip() == "alice's file", first  # the submission's files are there
        assert report["warm"] and report["status"] == "ok", report
        alice = pool.taken[0]
        assert not alice.folder.exists() and not alice.alive()
        if launch.sandboxed:  # its pid namespace died with the kernel
            assert not _sleepers()
        else:  # unsandboxed, as with a cold kernel, a background process can outlive its kernel
            for process in _sleepers():
                process.kill()
        second, report = _run(pool, launch, tmp_path / "bob", SECOND)
    finally:
        pool.close()
        if not launch.sandboxed:
            Path("/tmp/alice.txt").unlink(missing_ok=True)
    assert report["warm"], report
    assert len(pool.taken) == 2 and pool.taken[1] is not alice
    found = second[0].split()
    assert found[:4] == ["[]", "None", "False", "False" if launch.sandboxed else "True"], second
    assert found[4] == "True", "the warm kernel had not imported numpy"


@pytest.mark.slow
def test_a_warm_kernel_that_died_is_replaced(launch: Launch, tmp_path: Path) -> None:
    pool = KernelPool(launch, [])
    try:
        pool.warm()
        waiting = pool._next
        assert waiting is not None
        _kill_and_wait(waiting.km.provisioner.process)
        outputs, report = _run(pool, launch, tmp_path / "carol", "print(6 * 7)")
        assert outputs == ["42\n"] and report["status"] == "ok" and report["warm"], (outputs, report)
        assert pool.replaced == 1
        assert not waiting.folder.exists()
    finally:
        pool.close()


class _Dying(KernelPool):
    """A pool whose kernel dies right after it is handed over."""

    def take(self) -> WarmKernel:
        kernel = super().take()
        _kill_and_wait(kernel.km.provisioner.process)
        return kernel


def _kill_and_wait(process: Any) -> None:
    """Kill a kernel's process and wait until it and everything under it (the sandbox's
    processes) are gone, so no kernel can still answer."""
    root = psutil.Process(process.pid)
    tree = [root, *root.children(recursive=True)]
    for proc in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    process.wait()
    _, alive = psutil.wait_procs(tree, timeout=30)
    assert not alive, alive


@pytest.mark.slow
def test_a_kernel_dead_on_hand_over_is_replaced_by_a_cold_one(launch: Launch, tmp_path: Path) -> None:
    pool = _Dying(launch, [])
    pool.keep_warm = False
    outputs, report = _run(pool, launch, tmp_path / "dave", "print(6 * 7)")
    pool.close()
    assert outputs == ["42\n"] and report["status"] == "ok" and not report["warm"], (outputs, report)


@pytest.mark.slow
def test_the_pool_shuts_down_cleanly(launch: Launch) -> None:
    pool = KernelPool(launch, [])
    pool.warm()
    kernel = pool._next
    assert kernel is not None and kernel.alive()
    process = psutil.Process(kernel.km.provisioner.process.pid)
    pool.close()
    assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    assert not kernel.folder.exists() and pool._next is None
    pool.close()  # twice is fine


@pytest.mark.slow
def test_a_grading_run_leaves_no_kernel_and_no_folder_behind(tmp_path: Path) -> None:
    """Workers shut their warm kernels down when the queue is done."""
    from autograder.course import Course
    from autograder.demo import make_class

    course = Course(SAMPLE, tmp_path / "work")
    course.work.mkdir()
    make_class(course, "01_sample", tmp_path / "class")
    for slow in ("looper", "tamperer"):  # (their limits and flags are tested elsewhere)
        shutil.rmtree(tmp_path / "class" / slow)
    temp = tmp_path / "tmp"
    temp.mkdir()
    command = [sys.executable, "-m", "autograder", "grade", str(tmp_path / "class"), "--root",
               str(SAMPLE), "--course-dir", str(course.work), "--workers", "2", "--timeout", "60",
               *([] if sandbox.bwrap() else ["--no-sandbox"])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False,
                          env={**os.environ, "TMPDIR": str(temp)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "graded 4" in done.stdout
    assert not list(temp.glob("agw-*")), list(temp.iterdir())
    left = [p.pid for p in psutil.process_iter(["cmdline"])
            if str(temp) in " ".join(p.info["cmdline"] or [])]
    assert not left, f"processes outlived the run: {left}"


def test_warm_kernels_import_only_what_trusted_cells_import(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\nfrom utils import checks",
                                  metadata={"nbgrader": {"grade_id": "setup", "locked": True}}),
        nbformat.v4.new_code_cell("import secret_student_module",
                                  metadata={"nbgrader": {"grade_id": "ex", "solution": True}}),
        nbformat.v4.new_code_cell("import seaborn"),  # a demo cell
        nbformat.v4.new_code_cell("from autograder.reference import compare_with_solution",
                                  metadata={"nbgrader": {"grade_id": "t", "grade": True}}),
    ])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    checks = ["numpy", "utils", "utils.checks", "autograder.reference",
              "autograder.reference.compare_with_solution"]
    assert imported_modules([path], demo=False) == checks
    assert imported_modules([path]) == [*checks[:3], "seaborn", *checks[3:]]


def test_feedback_pages_are_nbconvert_s_own(tmp_path: Path) -> None:
    """The cached exporter renders the same page as nbconvert's, images' alt text included."""
    nb = nbformat.read(SAMPLE / "solutions" / "01_sample" / "sample.ipynb", as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=",
                                                            "text/plain": "<Figure>"}),
                    nbformat.v4.new_output("stream", text="<img src=x> as text\n")]
    pages = []
    for exporter in (HTMLExporter, FeedbackExporter, FeedbackExporter):  # the last one: cached
        html, _ = exporter(template_name="classic").from_notebook_node(nb)
        pages.append(BeautifulSoup(html, "html.parser").decode())
    assert pages[0] == pages[1] == pages[2]
    assert pages[0].count('alt="No description has been provided for this image"') == 1

