"""Warm kernels: a grading kernel started before its submission is known, libraries imported.

A grading worker keeps one kernel warming while it grades. A warm kernel starts exactly as a
cold one would (the same environment, sandbox binds and device) in a fresh private folder of its
own (its sockets, its working directory, its probe folder), and imports the course's libraries
while it starts: the modules that the assignment's own cells import, never a line a student
wrote. `KernelPool.take` hands it to one notebook of one submission (whose files are then copied
into its working directory) and starts warming the next. A kernel is never reused: after its
notebook it is killed and its folder deleted. A warm kernel that died while it waited is
replaced by a fresh one.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync

from autograder import sandbox
from autograder.execute import kernel_environment

log = logging.getLogger("autograder")

HISTORY = "--HistoryManager.hist_file=:memory:"  # what nbclient adds to every kernel it starts
WARM_UP = """def _warm_up():
    import importlib
    for name in {modules!r}:
        try:
            importlib.import_module(name)
        except Exception:
            pass
_warm_up()
del _warm_up"""


@dataclass(frozen=True)
class Launch:
    """How every grading kernel of a run starts (a warm one and a cold one alike)."""

    kernel_env: dict[str, str]
    sandboxed: bool
    readonly: list[list[str]] = field(default_factory=list)
    gpu: bool = False
    kernel_name: str = "python3"


def imported_modules(notebooks: list[Path], demo: bool = True) -> list[str]:
    """Modules imported by the trusted cells of notebooks: all code cells but solution cells
    (and but demo cells unless `demo`). `from a import b` yields `a` and `a.b`."""
    modules: list[str] = []
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.get("metadata", {})
            is_demo = not meta.get("nbgrader") and "parameters" not in meta.get("tags", [])
            if (cell.cell_type != "code" or meta.get("nbgrader", {}).get("solution")
                    or (is_demo and not demo)):
                continue
            lines = [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules += [node.module, *(f"{node.module}.{a.name}" for a in node.names
                                               if a.name != "*")]
    return list(dict.fromkeys(modules))


class WarmKernel:
    """One kernel, started (and importing) in a fresh private folder, for one notebook only."""

    def __init__(self, launch: Launch, modules: list[str]) -> None:
        self.launch = launch
        self.folder = Path(tempfile.mkdtemp(prefix="agw-"))  # short: unix socket paths are limited
        for name in ("k", "cwd", "probes"):
            (self.folder / name).mkdir()
        runtime = self.folder / "k"
        self.km = sandbox.SandboxKernelManager(
            kernel_name=launch.kernel_name, transport="ipc", ip=str(runtime / "k"),
            connection_file=str(runtime / "kernel.json"), sandboxed=launch.sandboxed,
            readonly=launch.readonly, writable=[str(runtime), str(self.probes)], gpu=launch.gpu)
        env = kernel_environment(launch.kernel_env, launch.sandboxed, "record", str(self.probes))
        with open(self.log, "ab") as output:
            run_sync(self.km.start_kernel)(
                cwd=str(self.cwd), env=env, stdout=output, stderr=output,
                extra_arguments=[HISTORY, f"--IPKernelApp.exec_lines={WARM_UP.format(modules=modules)}"])

    @property
    def cwd(self) -> Path:
        """The kernel's working directory (the submission's files are copied here)."""
        return self.folder / "cwd"

    @property
    def probes(self) -> Path:
        """Where this kernel writes its probes (`COURSE_PROBE_DIR`)."""
        return self.folder / "probes"

    @property
    def log(self) -> Path:
        """The kernel process's own stdout and stderr."""
        return self.folder / "kernel.log"

    def alive(self) -> bool:
        """Whether the kernel process is still running."""
        return self.km.has_kernel and bool(run_sync(self.km.is_alive)())

    def discard(self) -> None:
        """Kill the kernel (if it still runs) and delete its folder."""
        with contextlib.suppress(Exception):
            if self.alive():
                run_sync(self.km.shutdown_kernel)(now=True)
        with contextlib.suppress(Exception):
            run_sync(self.km.cleanup_resources)()
        shutil.rmtree(self.folder, ignore_errors=True)


class KernelPool:
    """One worker's warm kernels: `take` hands out a fresh one and starts warming the next."""

    def __init__(self, launch: Launch, modules: list[str]) -> None:
        self.launch, self.modules = launch, list(modules)
        self.keep_warm = True  # start the next kernel when one is taken (False: no more work)
        self.replaced = 0  # warm kernels found dead and replaced
        self._next: WarmKernel | None = None

    def __deepcopy__(self, memo: dict[int, object]) -> KernelPool:
        """The pool itself: traitlets deep-copies config values, and a worker has one pool."""
        return self

    def warm(self) -> None:
        """Start warming a kernel unless one is already waiting."""
        if self._next is None:
            self._next = WarmKernel(self.launch, self.modules)

    def take(self) -> WarmKernel:
        """A warm kernel nobody has used (started now when none is waiting or it died)."""
        kernel, self._next = self._next, None
        if kernel is not None and not kernel.alive():
            log.warning("a warm kernel died while it waited; starting a fresh one")
            kernel.discard()
            self.replaced += 1
            kernel = None
        if kernel is None:
            kernel = WarmKernel(self.launch, self.modules)
        if self.keep_warm:
            self.warm()
        return kernel

    def close(self) -> None:
        """Kill the waiting kernel, if any, and delete its folder."""
        if self._next is not None:
            self._next.discard()
            self._next = None
