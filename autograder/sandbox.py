"""Run a student's kernel inside a bubblewrap allow-list sandbox (no network, no other files).

Only the kernel runs sandboxed; nbgrader and the grader stay outside. The sandbox sees the
system's /usr, the Python installation and the venv, the course's `utils` and `autograder`
packages (under /opt/course-packages; `autograder` as a staged copy holding only its code, never
`autograder/work/`), the
read-only data cache, and, writable, the submission's scratch folder, its probe folder and the
folder of the kernel's unix sockets (the kernel talks ZMQ over `ipc`, as TCP needs a network).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, List, Unicode

_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group",
        "nsswitch.conf", "alternatives", "ssl/openssl.cnf")
_NVIDIA_DEVICES = ("nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset")
HOME = "/tmp/home"
# The staged `autograder` copy is mounted here (first on the kernel's PYTHONPATH), not over the
# real package folder: the default work folder, autograder/work/, lives inside that folder and
# its submission, probe and data folders must stay mountable.
PACKAGES = "/opt/course-packages"


def _system_binds() -> list[str]:
    """bwrap arguments for /usr, the merged-/usr symlinks and a minimal /etc."""
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap` or "
                "`make system-deps`; Fedora: `sudo dnf install bubblewrap`; Arch: `sudo pacman -S "
                "bubblewrap`); macOS has none: grade on Linux")


@functools.cache
def problem() -> str:
    """Why kernels cannot be sandboxed here ('' when bubblewrap works)."""
    path = shutil.which("bwrap")
    if path is None:
        return "bubblewrap (bwrap) is not installed"
    probe = [path, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
             *_system_binds(), "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bwrap could not run ({err})"
    if done.returncode:
        return (f"bwrap cannot create a sandbox here ({done.stderr.strip()[:200]}): unprivileged "
                "user namespaces may be disabled")
    return ""


def bwrap() -> str | None:
    """The bwrap executable when it exists and can create a sandbox here, else None."""
    return None if problem() else shutil.which("bwrap")


def _package_dir(name: str) -> Path | None:
    """Where an importable top-level package lives (without importing it)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def stage_packages(staging: Path) -> list[tuple[str, str]]:
    """Copy the `autograder` package's code to `staging`; the read-only binds the kernel needs.

    `utils` and that copy are bound under `PACKAGES`, which the sandboxed kernel's PYTHONPATH
    puts first, so the kernel imports the same `utils` as the grader (a checkout other than the
    one the venv was installed from included).
    """
    venv, base = Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()
    binds = [(str(base), str(base)), (str(venv), str(venv))]
    for name in ("utils", "autograder"):
        folder = _package_dir(name)
        if folder is None or folder.is_relative_to(venv) or folder.is_relative_to(base):
            continue
        if name == "autograder":
            copy = staging / "autograder"
            shutil.rmtree(copy, ignore_errors=True)
            copy.mkdir(parents=True)
            for source in folder.glob("*.py"):
                shutil.copy2(source, copy / source.name)
            folder = copy
        binds.append((str(folder), f"{PACKAGES}/{name}"))
    return binds


def command(kernel_cmd: list[str], cwd: str, env: dict[str, str], readonly: list[list[str]],
            writable: list[str], gpu: bool) -> list[str]:
    """The bwrap command line that runs `kernel_cmd` in the allow-list sandbox."""
    path = bwrap()
    if path is None:
        raise RuntimeError("bubblewrap (bwrap) is not usable on this machine")
    args = [path, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--dir", HOME]
    for source, target in readonly:
        args += ["--ro-bind", source, target]
    for folder in writable:
        args += ["--bind", folder, folder]
    if gpu:
        for device in sorted(Path("/dev").glob("nvidia[0-9]*")):
            args += ["--dev-bind", str(device), str(device)]
        for name in _NVIDIA_DEVICES:
            args += ["--dev-bind-try", f"/dev/{name}", f"/dev/{name}"]
        args += ["--ro-bind-try", "/sys", "/sys"]
    args += ["--chdir", cwd, "--clearenv"]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return [*args, "--", *kernel_cmd]


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel process runs inside bubblewrap, talking over ipc sockets."""

    sandboxed = Bool(True, help="Wrap the kernel command in bwrap.").tag(config=True)
    readonly = List(List(Unicode()), help="[source, target] read-only binds.").tag(config=True)
    writable = List(Unicode(), help="Folders bound read-write at the same path.").tag(config=True)
    gpu = Bool(False, help="Expose the NVIDIA devices.").tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel command, wrapped in the sandbox when `sandboxed`."""
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.sandboxed:
            return cmd
        launch: dict[str, Any] = self._launch_args
        cwd = str(launch.get("cwd") or os.getcwd())
        env = {k: v for k, v in launch.get("env", {}).items() if k != "JPY_PARENT_PID"}
        return command(cmd, cwd, env, self.readonly, [cwd, *self.writable], self.gpu)

    async def interrupt_kernel(self) -> None:  # type: ignore[override]
        """Interrupt by message: a SIGINT to the process group would kill bwrap, not interrupt."""
        if not self.sandboxed:
            await super().interrupt_kernel()
            return
        self._connect_control_socket()
        self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))
