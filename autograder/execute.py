"""The grader's Execute preprocessor: nbgrader's, plus limits, fault recovery and trusted checks.

Plugged into `Autograde.autograde_preprocessors` in place of nbgrader's `Execute`, it adds:

- a notebook-wide wall-clock deadline (each cell gets `min(Execute.timeout, time left)`);
- recovery from a fault (a cell past its time limit, the memory watchdog's kill, `os._exit`, a
  crash): the faulting cell gets a `Stopped` error naming the limit, a new kernel replays the
  setup, parameters, solution, locked helper and student-written cells before it, and the rest
  of the notebook runs without its demo cells, within `recovery_time`; so a fault costs only
  the exercise whose cell caused it;
- a checks-only mode that skips the demo cells (the unchanged plain code cells of the release);
- a memory watchdog on the kernel's process tree;
- the hidden checks' trusted half: after each graded test cell it compares the probes the
  cell had to record with the solution's expected probes, outside the student's kernel, and
  inserts a `HiddenCheckFailed` error when they are missing or differ (so nbgrader's own
  `SaveAutoGrades` scores the cell 0);
- in "expect" mode (the solution run) it notes which probes each graded test cell wrote;
- the kernel optionally runs in the bubblewrap sandbox (`autograder.sandbox`);
- the first kernel of a notebook may come warm from a `KernelPool` (`autograder.warm`): started
  before the submission was known, the course's libraries imported, never used before.

Everything it learned goes to `<report_dir>/<notebook>.json` (status, faults, flags, per-check
notes, per-cell seconds, the seconds until the kernel answered and its CPU seconds).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
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
from traitlets import Bool, Dict, Float, Instance, Integer, List, Unicode

from autograder import sandbox
from autograder.probes import compare, probe_order, read_probe
from autograder.reference import case_title

FAULTS = {  # what happened, for the faults that have no limit to name (see `_reason`)
    "kernel-died": "the kernel died (os._exit, a crash or a kill)",
    "error": "the grader could not run the notebook",
}


def is_test_cell(cell: NotebookNode) -> bool:
    """True for an autograded test cell: a code cell that is an nbgrader grade, not a solution."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def source_digest(source: str) -> str:
    """sha256 of a cell's source, surrounding whitespace ignored."""
    return hashlib.sha256(source.strip().encode()).hexdigest()


def demo_digests(nb: NotebookNode) -> list[str]:
    """Digests of a notebook's demo cells: plain code cells (no nbgrader metadata, not parameters)."""
    return sorted({source_digest(c.source) for c in nb.cells if c.cell_type == "code"
                   and not c.get("metadata", {}).get("nbgrader")
                   and "parameters" not in c.get("metadata", {}).get("tags", [])})


def kernel_environment(kernel_env: dict[str, str], sandboxed: bool, probe_mode: str,
                       probe_dir: str) -> dict[str, str]:
    """A grading kernel's environment: a minimal one in the sandbox, this process's otherwise."""
    if sandboxed:
        venv_bin = str(Path(sys.executable).parent)
        env = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": sandbox.HOME,
               "LANG": "C.UTF-8", "MPLCONFIGDIR": f"{sandbox.HOME}/.matplotlib",
               "PYTHONPATH": sandbox.PACKAGES,
               "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "")}
    else:
        env = dict(os.environ)
    env.update({k: str(v) for k, v in kernel_env.items()})
    env["COURSE_PROBE_MODE"] = probe_mode
    if probe_dir:
        env["COURSE_PROBE_DIR"] = probe_dir
    return {k: v for k, v in env.items() if v != ""}


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants so far (0 when it is gone)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


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
    probe_dir = Unicode("", help="Where the kernel writes probes (a warm kernel writes them in "
                                 "its own folder; they are moved here after).").tag(config=True)
    expected_dir = Unicode("", help="The expected run's folder (manifest.json, probes/).").tag(config=True)
    report_dir = Unicode("", help="Where to write the report, <notebook>.json.").tag(config=True)
    kernel_env = Dict(help="Extra environment variables for the kernel.").tag(config=True)
    memory_limit_mb = Integer(0, help="Kill the kernel above this RSS (0: no limit).").tag(config=True)
    sandboxed = Bool(False, help="Run the kernel in the bubblewrap sandbox.").tag(config=True)
    sandbox_readonly = List(List(Unicode()), help="[source, target] read-only binds.").tag(config=True)
    runtime_dir = Unicode("", help="Folder for the kernel's connection file and sockets.").tag(config=True)
    gpu = Bool(False, help="Give the sandboxed kernel the NVIDIA devices.").tag(config=True)
    kernel_log = Unicode("", help="File for the kernel process's own stdout/stderr.").tag(config=True)
    demo_digests = List(Unicode(), help="source_digest of the release's demo cells.").tag(config=True)
    checks_only = Bool(False, help="Skip demo cells (unchanged plain code cells).").tag(config=True)
    recovery_time = Float(0.0, help="Seconds for the run after a fault (0: no restart).").tag(config=True)
    max_restarts = Integer(3, help="Kernel restarts after faults, at most.").tag(config=True)
    kernel_pool = Instance("autograder.warm.KernelPool", allow_none=True,
                           help="Warm kernels: the first kernel of each notebook comes from "
                                "here (restarts start cold).").tag(config=True)

    def create_kernel_manager(self) -> sandbox.SandboxKernelManager:
        """A kernel manager on ipc sockets in `runtime_dir`, sandboxed when asked to."""
        base = Path(self.runtime_dir or self._temp_runtime or self._own_runtime())
        self._kernels = getattr(self, "_kernels", 0) + 1
        runtime = base / f"k{self._kernels}"  # a fresh folder for each (re)started kernel
        runtime.mkdir(parents=True, exist_ok=True)
        writable = [str(runtime)] + ([self._probes] if self._probes else [])
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
        """The kernel's environment (see `kernel_environment`)."""
        return kernel_environment(self.kernel_env, self.sandboxed, self.probe_mode, self._probes)

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        """The cell timeout, shortened to the time left before the notebook's deadline."""
        timeout = super()._get_timeout(cell)
        self._by_deadline = False
        if self._deadline_at is None:
            return timeout
        left = max(1, int(self._deadline_at - time.monotonic()) + 1)
        self._by_deadline = timeout is None or left < timeout
        return left if timeout is None else min(timeout, left)

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> Any:
        """Remember that a cell ran out of time, then let nbclient interrupt it."""
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        """Execute every cell; after a fault, restart and go on with what grading needs."""
        NotebookClient.__init__(self, nb, km)  # reset nbclient's state, as nbconvert does
        self.reset_execution_trackers()
        self.shutdown_kernel = "immediate"
        self._temp_runtime = None
        self._check_assign_resources(resources)
        self._notebook_id = (resources or {}).get("nbgrader", {}).get("notebook", "notebook")
        self._deadline_at = time.monotonic() + self.deadline if self.deadline > 0 else None
        self._by_deadline = False
        self._report: dict[str, Any] = {"status": "ok", "flags": [], "checks": {}, "faults": [],
                                        "probes_by_cell": {}, "cell_seconds": {},
                                        "sandboxed": self.sandboxed}
        self._report.update(kernel_start=0.0, kernel_cpu=0.0, warm=False)
        self._manifest = self._load_manifest()
        self._demo, self._faulted, self._completed = set(self.demo_digests), set(), set()
        started = time.monotonic()
        self._warm = self._warm_pending = self._take_warm_kernel()
        self._probes = str(self._warm.probes) if self._warm else self.probe_dir
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        plan = [i for i in code if not (self.checks_only and self._is_demo(nb.cells[i]))]
        self._mark_skipped(sorted(set(code) - set(plan)), "demo cells are not run in checks-only mode")
        log = open(self.kernel_log or os.devnull, "ab")  # noqa: SIM115 (closed in finally)
        try:
            fault, restarts = self._attempt([], plan, log), 0
            if fault is not None and fault[0] == "warm-failed":  # died before its first cell
                self._completed.clear()
                fault = self._attempt([], plan, log)
            while fault is not None:
                status, index = fault
                time_left = self._deadline_at is None or time.monotonic() < self._deadline_at
                recover = (status != "error" and restarts < self.max_restarts
                           and self.recovery_time > 0 and (restarts == 0 or time_left))
                left = [i for i in plan if i not in self._completed and i not in self._faulted]
                self._fault(status, index, [] if recover else left)
                if not recover:
                    break
                if restarts == 0:  # the recovery gets a time budget of its own
                    self._deadline_at = time.monotonic() + self.recovery_time
                restarts += 1
                replay = [i for i in plan if i in self._completed and i not in self._faulted
                          and not is_test_cell(nb.cells[i]) and not self._is_demo(nb.cells[i])]
                self._mark_skipped([i for i in left if self._is_demo(nb.cells[i])],
                                   "demo cells are skipped after a restart")
                plan = [i for i in plan if i in self._completed or not self._is_demo(nb.cells[i])]
                fault = self._attempt(replay, [i for i in left if i in plan], log)
        finally:
            if self._temp_runtime:
                shutil.rmtree(self._temp_runtime, ignore_errors=True)
            if self._warm is not None:
                self._keep_warm_outputs(log)
            log.close()
        self._report["elapsed"] = round(time.monotonic() - started, 2)
        self._write_report()
        return self.nb, self.resources

    def _take_warm_kernel(self) -> Any:
        """A warm kernel from the pool, when there is one that starts as this notebook's would."""
        from autograder.warm import Launch

        name = self.kernel_name or self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        launch = Launch(dict(self.kernel_env), self.sandboxed,
                        [list(b) for b in self.sandbox_readonly], self.gpu, name)
        if self.kernel_pool is None or self.probe_mode != "record" or self.kernel_pool.launch != launch:
            return None
        warm = self.kernel_pool.take()
        folder = self.resources.get("metadata", {}).get("path")
        if folder:  # the submission's files, as a cold kernel would see them in its folder
            shutil.copytree(folder, warm.cwd, symlinks=True, dirs_exist_ok=True)
        return warm

    def _keep_warm_outputs(self, log: Any) -> None:
        """Keep what the warm kernel left (its probes, its log), then discard it."""
        if self.probe_dir:
            for path in self._warm.probes.iterdir():
                shutil.move(str(path), Path(self.probe_dir) / path.name)
        if self._warm.log.is_file():
            log.write(self._warm.log.read_bytes())
        self._warm.discard()
        self._warm = None

    def _is_demo(self, cell: NotebookNode) -> bool:
        """A demo cell as given: plain code (no nbgrader metadata, not `parameters`), unchanged."""
        meta = cell.get("metadata", {})
        return (cell.get("cell_type") == "code" and not meta.get("nbgrader")
                and "parameters" not in meta.get("tags", []) and source_digest(cell.source) in self._demo)

    def _mark_skipped(self, indices: list[int], why: str) -> None:
        """Give skipped cells one line of output saying why they did not run."""
        for i in indices:
            self.nb.cells[i].outputs = [NotebookNode(output_type="stream", name="stdout",
                                                     text=f"(not run: {why})\n")]

    def _attempt(self, replay: list[int], run: list[int], log: Any) -> tuple[str, int] | None:
        """One kernel: re-run `replay` quietly, then run `run`; (status, cell index) of a fault."""
        self._timed_out, self._watchdog = False, None
        self._current = (replay or run or [0])[0]
        warm, self._warm_pending = self._warm_pending, None
        launch: dict[str, Any] = {"env": self._env(), "stdout": log, "stderr": log}
        if warm is not None:
            self.km = warm.km  # already started: nbclient only connects to it
        elif self._warm is not None:
            launch["cwd"] = str(self._warm.cwd)  # a restart: cold, in the same folder
        started, ran = time.monotonic(), False
        try:
            with self.setup_kernel(**launch):
                try:
                    self._start_watchdog()
                    info = self.wait_for_reply(self.kc.kernel_info())
                    if info:
                        self.nb.metadata["language_info"] = info["content"].get("language_info", {})
                    self._report["kernel_start"] += time.monotonic() - started
                    self._report["warm"] |= warm is not None
                    ran = True
                    return self._run_cells(replay, run)
                finally:
                    self._report["kernel_cpu"] += self._kernel_cpu()
        except Exception as err:
            if warm is not None and not ran:  # it died before it answered: start a cold one
                self.log.warning("The warm kernel did not answer (%s); starting a cold one", err)
                self.km = None
                return ("warm-failed", self._current)
            if isinstance(err, DeadKernelError | CellTimeoutError):
                return self._failed(self._fault_status(), self._current)
            # the kernel never started, for example
            self.log.error("Could not execute the notebook: %s", err)
            self._report["error"] = f"{type(err).__name__}: {err}"
            return ("error", self._current)
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()

    def _kernel_cpu(self) -> float:
        """CPU seconds the running kernel's process tree has used (0 when it is gone)."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return tree_cpu_seconds(process.pid) if process is not None else 0.0

    def _run_cells(self, replay: list[int], run: list[int]) -> tuple[str, int] | None:
        """Re-run `replay` quietly, then run `run`; (status, cell index) of a timeout."""
        for index in replay:
            self._current = index
            original = self.nb.cells[index]
            self.preprocess_cell(copy.deepcopy(original), self.resources, index)
            self.nb.cells[index] = original
            if self._over_time():
                return self._failed("timeout", index)
        for index in run:
            self._current = index
            if self._over_time():
                return self._failed("timeout", index)
            cell = self.nb.cells[index]
            self._before_cell(cell)
            started = time.monotonic()
            self.preprocess_cell(cell, self.resources, index)
            self._report["cell_seconds"][str(index)] = round(time.monotonic() - started, 3)
            self._after_cell(cell)
            if self._timed_out:
                return self._failed("timeout", index)
            self._completed.add(index)
        return None

    def _over_time(self) -> bool:
        """True (and noted) once the notebook's deadline has passed."""
        if self._deadline_at is not None and time.monotonic() >= self._deadline_at:
            self._timed_out = self._by_deadline = True
        return self._timed_out

    def _failed(self, status: str, index: int) -> tuple[str, int]:
        """Note that cell `index` faulted (it is never re-run) and say so."""
        self._faulted.add(index)
        return status, index

    def _start_watchdog(self) -> None:
        """Watch the kernel's memory when a limit is set."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if self.memory_limit_mb > 0 and process is not None:
            self._watchdog = MemoryWatchdog(process.pid, self.memory_limit_mb * 2**20)
            self._watchdog.start()

    def _fault_status(self) -> str:
        """What stopped the kernel: memory, time or a dead kernel."""
        if self._watchdog is not None and self._watchdog.fired:
            return "out-of-memory"
        if self._timed_out or (self._deadline_at and time.monotonic() >= self._deadline_at):
            return "timeout"
        return "kernel-died"

    def _reason(self, status: str) -> str:
        """What happened, with the limit that was hit."""
        if status == "out-of-memory":
            return f"the kernel used more than {self.memory_limit_mb} MB of memory"
        if status == "timeout" and (self._by_deadline or not self.timeout):
            return (f"the notebook's time limit ({self.deadline:.0f} s, then "
                    f"{self.recovery_time:.0f} s after a restart) was reached")
        if status == "timeout":
            return f"the time limit of {self.timeout} s per cell was reached"
        return FAULTS[status]

    def _fault(self, status: str, index: int, not_run: list[int]) -> None:
        """Record a fault in cell `index`; mark the cells in `not_run` as never run."""
        if self._report["status"] == "ok":
            self._report["status"] = status
        cell = self.nb.cells[index] if index < len(self.nb.cells) else None
        grade_id = self._grade_id(cell) if cell is not None else ""
        self._report["faults"].append({"status": status, "cell": index, "grade_id": grade_id})
        reason = self._reason(status)
        then = ("later cells were not run" if not_run else
                "the grader restarted the kernel and went on with the remaining exercises")
        if cell is not None and cell.cell_type == "code":
            cell.outputs.insert(0, error_output("Stopped", f"{reason} while this cell ran; {then}"))
            if is_test_cell(cell):
                self._report["checks"][grade_id] = f"stopped: {reason}"
        for later in not_run:
            if later == index:
                continue
            self.nb.cells[later].outputs = [error_output("NotRun", f"not run: {reason} before this cell")]
            if is_test_cell(self.nb.cells[later]):
                self._report["checks"][self._grade_id(self.nb.cells[later])] = "not run"

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
        if not self._probes:
            return set()
        return {p.stem for p in Path(self._probes).glob("*.json")}

    def _before_cell(self, cell: NotebookNode) -> None:
        """Remove stale records of the probes this cell must write; note existing probes."""
        self._seen = self._probe_files()
        if self.probe_mode == "record" and is_test_cell(cell):
            for key in self._manifest.get(self._grade_id(cell), []):
                for suffix in (".json", ".npz"):
                    (Path(self._probes) / f"{key}{suffix}").unlink(missing_ok=True)

    def _after_cell(self, cell: NotebookNode) -> None:
        """Note the probes a cell wrote (expect mode) or check them (record mode)."""
        if self.probe_mode == "expect":
            new = sorted(self._probe_files() - self._seen, key=self._probe_order)
            if new:
                self._report["probes_by_cell"][self._grade_id(cell) or f"cell {cell.get('id')}"] = new
        elif self.probe_mode == "record" and is_test_cell(cell):
            self._verify(cell)

    def _probe_order(self, key: str) -> int:
        """When a probe of this (trusted, expect-mode) run was written."""
        return probe_order(self._probes, key)

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
            actual = read_probe(self._probes, key)
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
            if message:  # the label comes from the trusted expected run, never from the student
                title = case_title(key.rsplit("-", 1)[0], expected.label, number, len(keys))
                problem = f"{title}: {message}"
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
