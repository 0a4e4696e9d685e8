"""The grader's Execute preprocessor: nbgrader's, plus limits, fault survival and trusted checks.

Plugged into `Autograde.autograde_preprocessors` in place of nbgrader's `Execute`, it adds:

- a notebook-wide wall-clock deadline (each cell gets `min(Execute.timeout, time left)`);
- survival of a dead kernel (`os._exit`, a crash, the memory watchdog's kill) or a timeout:
  the remaining cells get a "not run" error, earlier passed checks keep their points;
- a memory watchdog on the kernel's process tree;
- the hidden checks' trusted half: after each graded test cell it compares the probes the
  cell had to record with the solution's expected probes, outside the student's kernel, and
  inserts a `HiddenCheckFailed` error when they are missing or differ (so nbgrader's own
  `SaveAutoGrades` scores the cell 0);
- in "expect" mode (the solution run) it notes which probes each graded test cell wrote;
- the kernel optionally runs in the bubblewrap sandbox (`autograder.sandbox`).

Everything it learned goes to `<report_dir>/<notebook>.json` (status, flags, per-check notes).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Float, Integer, List, Unicode

from autograder import sandbox
from autograder.probes import compare, read_probe

FAULTS = {
    "timeout": "the time limit was reached",
    "kernel-died": "the kernel died (os._exit, a crash or a kill)",
    "out-of-memory": "the kernel was stopped for using too much memory",
    "error": "the grader could not run the notebook",
}


def is_test_cell(cell: NotebookNode) -> bool:
    """True for an autograded test cell: a code cell that is an nbgrader grade, not a solution."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An nbformat error output with a one-line traceback."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class MemoryWatchdog(threading.Thread):
    """Kills a process tree whose resident memory exceeds a limit."""

    def __init__(self, pid: int, limit_bytes: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.limit, self.interval = pid, limit_bytes, interval
        self.fired = False
        self._stop_event = threading.Event()

    def _tree(self) -> list[psutil.Process]:
        """The watched process and all its descendants."""
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def run(self) -> None:
        """Poll the tree's RSS until stopped, killing the tree once over the limit."""
        while not self._stop_event.wait(self.interval):
            try:
                tree = self._tree()
                rss = sum(p.memory_info().rss for p in tree)
            except psutil.Error:
                continue
            if rss > self.limit:
                self.fired = True
                for proc in reversed(tree):
                    with contextlib.suppress(psutil.Error):
                        proc.kill()
                return

    def stop(self) -> None:
        """Stop watching."""
        self._stop_event.set()


class GradingExecute(Execute):
    """nbgrader's Execute with a deadline, fault survival, a sandbox and trusted hidden checks."""

    deadline = Float(0.0, help="Wall-clock seconds for the whole notebook (0: none).").tag(config=True)
    probe_mode = Unicode("local", help="'local', 'expect' or 'record'.").tag(config=True)
    probe_dir = Unicode("", help="Where the kernel writes probes.").tag(config=True)
    expected_dir = Unicode("", help="The expected run's folder (manifest.json, probes/).").tag(config=True)
    report_dir = Unicode("", help="Where to write the report, <notebook>.json.").tag(config=True)
    kernel_env = Dict(help="Extra environment variables for the kernel.").tag(config=True)
    memory_limit_mb = Integer(0, help="Kill the kernel above this RSS (0: no limit).").tag(config=True)
    sandboxed = Bool(False, help="Run the kernel in the bubblewrap sandbox.").tag(config=True)
    sandbox_readonly = List(List(Unicode()), help="[source, target] read-only binds.").tag(config=True)
    runtime_dir = Unicode("", help="Folder for the kernel's connection file and sockets.").tag(config=True)
    gpu = Bool(False, help="Give the sandboxed kernel the NVIDIA devices.").tag(config=True)
    kernel_log = Unicode("", help="File for the kernel process's own stdout/stderr.").tag(config=True)

    def create_kernel_manager(self) -> sandbox.SandboxKernelManager:
        """A kernel manager on ipc sockets in `runtime_dir`, sandboxed when asked to."""
        runtime = Path(self.runtime_dir or self._own_runtime())
        runtime.mkdir(parents=True, exist_ok=True)
        writable = [str(runtime)] + ([self.probe_dir] if self.probe_dir else [])
        self.km = sandbox.SandboxKernelManager(
            kernel_name=self.kernel_name or "python3", config=self.config,
            transport="ipc", ip=str(runtime / "k"), connection_file=str(runtime / "kernel.json"),
            sandboxed=self.sandboxed, readonly=self.sandbox_readonly, writable=writable,
            gpu=self.gpu,
        )
        return self.km

    def _own_runtime(self) -> str:
        """A private temporary folder (short path: unix socket names are limited to ~100 bytes)."""
        self._temp_runtime = tempfile.mkdtemp(prefix="ag-kernel-")
        return self._temp_runtime

    def _env(self) -> dict[str, str]:
        """The kernel's environment: a minimal one in the sandbox, this process's otherwise."""
        if self.sandboxed:
            venv_bin = str(Path(sys.executable).parent)
            env = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": sandbox.HOME,
                   "LANG": "C.UTF-8", "MPLCONFIGDIR": f"{sandbox.HOME}/.matplotlib",
                   "PYTHONPATH": sandbox.PACKAGES,
                   "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "")}
        else:
            env = dict(os.environ)
        env.update({k: str(v) for k, v in self.kernel_env.items()})
        env["COURSE_PROBE_MODE"] = self.probe_mode
        if self.probe_dir:
            env["COURSE_PROBE_DIR"] = self.probe_dir
        return {k: v for k, v in env.items() if v != ""}

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        """The cell timeout, shortened to the time left before the notebook's deadline."""
        timeout = super()._get_timeout(cell)
        if self._deadline_at is None:
            return timeout
        left = max(1, int(self._deadline_at - time.monotonic()) + 1)
        return left if timeout is None else min(timeout, left)

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> Any:
        """Remember that a cell ran out of time, then let nbclient interrupt it."""
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        """Execute every cell, surviving faults, then write the report."""
        NotebookClient.__init__(self, nb, km)  # reset nbclient's state, as nbconvert does
        self.reset_execution_trackers()
        self.shutdown_kernel = "immediate"
        self._temp_runtime = None
        self._check_assign_resources(resources)
        self._notebook_id = (resources or {}).get("nbgrader", {}).get("notebook", "notebook")
        self._deadline_at = time.monotonic() + self.deadline if self.deadline > 0 else None
        self._timed_out, self._watchdog = False, None
        self._report: dict[str, Any] = {"status": "ok", "flags": [], "checks": {},
                                        "probes_by_cell": {}, "sandboxed": self.sandboxed}
        self._manifest = self._load_manifest()
        started = time.monotonic()
        log = open(self.kernel_log or os.devnull, "ab")  # noqa: SIM115 (closed in finally)
        try:
            with self.setup_kernel(env=self._env(), stdout=log, stderr=log):
                self._start_watchdog()
                info = self.wait_for_reply(self.kc.kernel_info())
                if info:
                    self.nb.metadata["language_info"] = info["content"].get("language_info", {})
                self._run_cells()
        except (DeadKernelError, CellTimeoutError):
            self._fault(self._fault_status(), len(self.nb.cells))
        except Exception as err:  # the kernel never started, for example
            self.log.error("Could not execute the notebook: %s", err)
            self._report["error"] = f"{type(err).__name__}: {err}"
            self._fault("error", 0)
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
            if self._temp_runtime:
                shutil.rmtree(self._temp_runtime, ignore_errors=True)
            log.close()
        self._report["elapsed"] = round(time.monotonic() - started, 2)
        self._write_report()
        return self.nb, self.resources

    def _start_watchdog(self) -> None:
        """Watch the kernel's memory when a limit is set."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if self.memory_limit_mb > 0 and process is not None:
            self._watchdog = MemoryWatchdog(process.pid, self.memory_limit_mb * 2**20)
            self._watchdog.start()

    def _fault_status(self) -> str:
        """What stopped the notebook: memory, time or a dead kernel."""
        if self._watchdog is not None and self._watchdog.fired:
            return "out-of-memory"
        if self._timed_out or (self._deadline_at and time.monotonic() >= self._deadline_at):
            return "timeout"
        return "kernel-died"

    def _run_cells(self) -> None:
        """Run the cells in order; after a fault, mark the rest as not run."""
        for index, cell in enumerate(self.nb.cells):
            if self._deadline_at is not None and time.monotonic() >= self._deadline_at:
                self._timed_out = True
                self._fault("timeout", index)
                return
            self._before_cell(cell)
            try:
                self.preprocess_cell(cell, self.resources, index)
            except (DeadKernelError, CellTimeoutError):
                self._fault(self._fault_status(), index, running=True)
                return
            self._after_cell(cell)
            if self._timed_out:
                self._fault("timeout", index, running=True)
                return

    def _fault(self, status: str, index: int, running: bool = False) -> None:
        """Record the fault: cell `index` was stopped (`running`) or not run, later cells not run."""
        if self._report["status"] == "ok":
            self._report["status"] = status
        reason = FAULTS[status]
        for i, cell in enumerate(self.nb.cells[index:], start=index):
            if cell.cell_type != "code":
                continue
            if running and i == index:
                cell.outputs.insert(0, error_output("Stopped", f"{reason} while this cell ran"))
                grade_note = "stopped"
            else:
                cell.outputs = [error_output("NotRun", f"not run: {reason} before this cell")]
                grade_note = "not run"
            if is_test_cell(cell):
                self._report["checks"][self._grade_id(cell)] = grade_note

    @staticmethod
    def _grade_id(cell: NotebookNode) -> str:
        """The cell's nbgrader grade id ('' when it has none)."""
        return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))

    @property
    def _expected(self) -> Path:
        """This notebook's folder of the expected run."""
        return Path(self.expected_dir) / self._notebook_id

    def _load_manifest(self) -> dict[str, list[str]]:
        """The expected run's map from grade id to the probe keys its cell records."""
        if self.probe_mode != "record" or not self.expected_dir:
            return {}
        manifest = json.loads((self._expected / "manifest.json").read_text())
        return {k: list(v) for k, v in manifest["checks"].items()}

    def _probe_files(self) -> set[str]:
        """The probe keys currently in the probe folder."""
        if not self.probe_dir:
            return set()
        return {p.stem for p in Path(self.probe_dir).glob("*.json")}

    def _before_cell(self, cell: NotebookNode) -> None:
        """Remove stale records of the probes this cell must write; note existing probes."""
        self._seen = self._probe_files()
        if self.probe_mode == "record" and is_test_cell(cell):
            for key in self._manifest.get(self._grade_id(cell), []):
                for suffix in (".json", ".npz"):
                    (Path(self.probe_dir) / f"{key}{suffix}").unlink(missing_ok=True)

    def _after_cell(self, cell: NotebookNode) -> None:
        """Note the probes a cell wrote (expect mode) or check them (record mode)."""
        if self.probe_mode == "expect":
            new = sorted(self._probe_files() - self._seen, key=_natural)
            if new:
                self._report["probes_by_cell"][self._grade_id(cell) or f"cell {cell.get('id')}"] = new
        elif self.probe_mode == "record" and is_test_cell(cell):
            self._verify(cell)

    def _verify(self, cell: NotebookNode) -> None:
        """Compare the probes of one graded test cell with the expected ones, outside the kernel."""
        grade_id = self._grade_id(cell)
        keys = self._manifest.get(grade_id)
        if not keys:
            self._report["checks"][grade_id] = "no hidden check"
            return
        errored = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        problem = None
        for number, key in enumerate(keys, start=1):
            actual = read_probe(self.probe_dir, key)
            name = key.rsplit("-", 1)[0]
            if actual is None:
                if not errored:
                    problem = "the hidden check did not run: was the cell changed or the kernel tampered with?"
                    self._report["flags"].append(f"bypassed-check:{grade_id}")
                break
            expected = read_probe(self._expected / "probes", key)
            if expected is None:
                problem = f"the expected result of hidden case {number} is missing: re-run the grader"
                break
            message = compare(actual, expected)
            if message:
                problem = f"{name} on hidden case {number} of {len(keys)}: {message}"
                break
        if problem is None and errored:
            self._report["checks"][grade_id] = "failed"
        elif problem is None:
            self._report["checks"][grade_id] = "passed"
        else:
            self._report["checks"][grade_id] = f"failed: {problem}"
            cell.outputs.insert(0, error_output("HiddenCheckFailed", problem))

    def _write_report(self) -> None:
        """Write the report as `<report_dir>/<notebook>.json` (if a folder was given)."""
        if self.report_dir:
            path = Path(self.report_dir) / f"{self._notebook_id}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self._report, indent=1, sort_keys=True))


def _natural(key: str) -> tuple[str, int]:
    """Sort probe keys `name-index` by name, then numerically by index."""
    name, _, index = key.rpartition("-")
    return (name, int(index) if index.isdigit() else -1)
