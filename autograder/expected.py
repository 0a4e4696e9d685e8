"""Trusted notebook runs: the solution's expected probes (cached), and plain runs for `check`.

The expected run executes the SOLUTION notebook outside any sandbox with
`COURSE_PROBE_MODE=expect`: every hidden-check case writes the solution's output (and its
tolerances) as a probe, and the run notes which probes each graded test cell wrote; the executed
notebook is kept beside them (`<notebook>/executed.ipynb`). Results are
cached under `<work>/expected/<assignment>-<device>-<hash>/`, keyed by the solution notebooks,
the probe code and the device, so each assignment runs once per device.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from autograder.course import PACKAGE_DIR, Course, file_digest
from autograder.execute import GradingExecute, demo_digests, is_test_cell, source_digest

FORMAT_FILES = ("execute.py", "probes.py", "reference.py", "solution.py")


@dataclass
class NotebookRun:
    """What one trusted run of a notebook produced."""

    nb: nbformat.NotebookNode
    report: dict[str, Any]
    elapsed: float


@dataclass
class SolutionRun:
    """The expected run of one assignment: where its probes are, how long it took, what broke."""

    folder: Path
    elapsed: float = 0.0
    essential: float = 0.0  # seconds of its cells that grading needs (all but the demo cells)
    problems: list[str] = field(default_factory=list)


def data_dir(course: Course) -> Path:
    """The data cache shared by all runs (`$COURSE_DATA_DIR`, else `<caches>/data`)."""
    folder = Path(os.environ.get("COURSE_DATA_DIR") or course.caches / "data")
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()


def kernel_env(course: Course, device: str, threads: int) -> dict[str, str]:
    """Environment every grading kernel gets: device, grading flag, data cache, thread counts."""
    env = {"COURSE_DEVICE": device, "NBGRADER_EXECUTION": "autograde",
           "COURSE_DATA_DIR": str(data_dir(course)), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1",
           "COURSE_RESULTS_FILE": "ladder.json"}  # recorded results stay in the kernel's folder
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(threads)
    return env


def run_notebook(notebook: Path, mode: str, env: dict[str, str], deadline: float,
                 course: Course, probe_dir: Path | None = None,
                 checks_only: bool = False) -> NotebookRun:
    """Execute a copy of `notebook`'s folder in a scratch folder (trusted, unsandboxed).

    `checks_only` skips the demo cells (what grading runs after a fault, and the mutation tests).
    """
    scratch = Path(tempfile.mkdtemp(prefix="ag-run-"))
    try:
        folder = scratch / notebook.parent.name
        shutil.copytree(notebook.parent, folder)
        report_dir = scratch / "report"
        nb = nbformat.read(folder / notebook.name, as_version=4)
        executor = GradingExecute(
            config=course.config(), probe_mode=mode, deadline=deadline,
            probe_dir=str(probe_dir or ""), report_dir=str(report_dir),
            kernel_env={**env, "COURSE_RESULTS_FILE": str(scratch / "results.json"),
                        "COURSE_SOLUTIONS_DIR": str(course.solutions),  # for "local" mode
                        "COURSE_ASSIGNMENT": notebook.parent.name},
            demo_digests=demo_digests(nb), checks_only=checks_only,
        )
        started = time.monotonic()
        executor.preprocess(nb, {"metadata": {"path": str(folder)}})
        elapsed = time.monotonic() - started
        report = json.loads((report_dir / "notebook.json").read_text())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return NotebookRun(nb, report, elapsed)


def cell_problems(nb: nbformat.NotebookNode, ignored_stderr: str) -> list[str]:
    """Errors in cells, and stderr in graded test cells that grading would not ignore."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        label = f"cell {index}" + (f" ({cell.metadata.nbgrader.grade_id})"
                                   if cell.metadata.get("nbgrader", {}).get("grade_id") else "")
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"{label} raised {output.ename}: {output.evalue}"[:300])
            elif (output.get("name") == "stderr" and is_test_cell(cell)
                  and not (ignored_stderr and re.search(ignored_stderr, output.text))):
                problems.append(f"{label} wrote to stderr, so nbgrader would score it 0: "
                                f"{output.text.strip()[:120]!r}")
    return problems


def solution_run(course: Course, assignment: str, source: Path, device: str,
                 env: dict[str, str], deadline: float) -> SolutionRun:
    """The cached expected run of `assignment` from the source folder `source`."""
    notebooks = sorted(source.glob("*.ipynb"))
    key = file_digest([*notebooks, *(PACKAGE_DIR / f for f in FORMAT_FILES)])[:16]
    folder = course.caches / "expected" / f"{assignment}-{device}-{key}"
    if (folder / "run.json").exists():
        done = json.loads((folder / "run.json").read_text())
        return SolutionRun(folder, done["elapsed"], done["essential"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{assignment}-", dir=folder.parent))
    run = SolutionRun(folder)
    for notebook in notebooks:
        probes = temp / notebook.stem / "probes"
        probes.mkdir(parents=True)
        done = run_notebook(notebook, "expect", env, deadline, course, probes)
        run.elapsed += done.elapsed
        demo = set(demo_digests(done.nb))
        run.essential += sum(seconds for index, seconds in done.report["cell_seconds"].items()
                             if source_digest(done.nb.cells[int(index)].source) not in demo)
        name = notebook.relative_to(course.root) if notebook.is_relative_to(course.root) else notebook
        if done.report["status"] != "ok":
            run.problems.append(f"{name}: {done.report['status']} {done.report.get('error', '')}")
        ignored = course.config().IgnorePattern.get("pattern", "")
        run.problems += [f"{name}: {p}" for p in cell_problems(done.nb, ignored)]
        checks = {c.metadata.nbgrader.grade_id: done.report["probes_by_cell"].get(
            c.metadata.nbgrader.grade_id, []) for c in done.nb.cells if is_test_cell(c)}
        run.problems += [f"{name}: graded test cell {gid} records no hidden check (call "
                         "compare_with_solution in its hidden tests)" for gid, keys in checks.items()
                         if not keys]
        manifest = {"checks": checks, "notebook": notebook.name}
        (temp / notebook.stem / "manifest.json").write_text(json.dumps(manifest, indent=1))
        nbformat.write(done.nb, temp / notebook.stem / "executed.ipynb")  # for tests that read outputs
    if run.problems:
        shutil.rmtree(temp, ignore_errors=True)
        return run
    (temp / "run.json").write_text(json.dumps({"elapsed": round(run.elapsed, 2), "device": device,
                                               "essential": round(run.essential, 2)}))
    try:
        os.rename(temp, folder)
    except OSError:  # another process finished the same run first
        shutil.rmtree(temp, ignore_errors=True)
    return run
