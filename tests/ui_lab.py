"""JupyterLab started exactly as `make lab` starts it, on a copy of the course, for the UI tests.

The server runs `make lab` itself (with `LAB_ARGS` for a free port, a token and no browser), so
a test fails when the Makefile stops giving nbgrader the course's configuration. It serves a
copy of the course (Validate saves the notebook first, and the tests edit notebooks) with an
isolated HOME and Jupyter folders, and shares only the Scenes data cache with the other tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from utils import scenes

ROOT = Path(__file__).resolve().parent.parent
COURSE_FILES = ("Makefile", "pyproject.toml", "autograder", "utils", "notebooks", "solutions")
SKIP_COPY = shutil.ignore_patterns("work", "__pycache__", ".ipynb_checkpoints", "results",
                                   "node_modules")
CONFIG_MISSING = "No nbgrader_config.py file found"
EXCHANGE_ERROR = "Unwritable directory"  # nbgrader's log when the exchange folder is missing
EXCHANGE_MISSING = "exchange directory at"  # the formgrader page's warning then


def copy_course(dest: Path) -> Path:
    """A copy of what `make lab` serves and needs: the Makefile, the packages, the notebooks."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=SKIP_COPY)
        else:
            shutil.copy2(source, dest / name)
    return dest


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(home: Path, course: Path) -> dict[str, str]:
    """This environment with its own HOME, no Jupyter settings, the course copy as PYTHONPATH.

    The Scenes data cache stays the shared one (generating it again would cost ~15 s); the
    ladder results the notebook records go into the isolated HOME.
    """
    data = Path(os.environ.get(scenes.CACHE_ENV) or scenes.DEFAULT_CACHE).expanduser()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JUPYTER_", "XDG_", "IPYTHON")) and key != "PYTHONPATH"}
    venv_bin = str(Path(sys.executable).parent)
    env.update(HOME=str(home), PYTHONPATH=str(course), COURSE_DATA_DIR=str(data),
               PATH=venv_bin + os.pathsep + env.get("PATH", ""),
               COURSE_RESULTS_FILE=str(home / "ladder.json"))
    return env


@dataclass
class LabServer:
    """A running `make lab` on a course copy: its URL, token, log and process group."""

    course: Path
    url: str
    token: str
    log: Path
    process: subprocess.Popen[bytes]

    def request(self, path: str, body: dict[str, Any] | None = None, timeout: float = 300) -> Any:
        """GET (or POST `body` as JSON) an API path of the server; the JSON answer."""
        headers = {"Authorization": f"token {self.token}", "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers=headers,
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return json.loads(answer.read().decode())

    def page(self, path: str, timeout: float = 60) -> str:
        """The HTML of a page of the server."""
        req = urllib.request.Request(self.url + path,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return answer.read().decode()

    def validate(self, notebook: str) -> dict[str, Any]:
        """What nbgrader's Validate button gets for a notebook (path relative to the course)."""
        return self.request("/assignments/validate", {"path": notebook})

    def log_text(self) -> str:
        """Everything the server printed so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop `make`, the server and its kernels; kill whatever still runs after 20 s."""
        if self.process.poll() is not None:
            return
        try:
            tree = [psutil.Process(self.process.pid)]
            tree += tree[0].children(recursive=True)  # kernels run in sessions of their own
        except psutil.NoSuchProcess:
            tree = []
        os.killpg(self.process.pid, signal.SIGTERM)  # make, its shell and the server
        _, alive = psutil.wait_procs(tree, timeout=20)  # the server shuts its kernels down
        for process in alive:  # a server stuck in its shutdown, and its kernels
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        self.process.wait()


def cpu_seconds(root: psutil.Process | None = None) -> float:
    """CPU time (user + system) of a process, its live descendants and the children they reaped."""
    root = root or psutil.Process()
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def start_lab(course: Path, home: Path, log: Path, timeout: float = 120) -> LabServer:
    """Run `make lab` in `course` on a free port with a token, without a browser; wait until up."""
    if shutil.which("make") is None:
        pytest.skip("`make` is not installed: the UI tests start the server with `make lab`")
    home.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    args = [f"--port={port}", "--ip=127.0.0.1", "--ServerApp.port_retries=0", "--no-browser",
            f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    venv = Path(sys.prefix)
    stamp = venv / ".installed"  # `-o`: never (re)install the environment from a test
    command = ["make", "-s", "-C", str(course), "-o", str(stamp), "lab", f"VENV={venv}",
               f"LAB_ARGS={' '.join(args)}"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=course, env=isolated_env(home, course),
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = LabServer(course, f"http://127.0.0.1:{port}", token, log, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"`make lab` exited with {process.returncode}:\n"
                                 f"{server.log_text()[-3000:]}")
        try:
            server.request("/api/status", timeout=5)
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    server.stop()
    raise AssertionError(f"`make lab` did not answer within {timeout:.0f} s:\n"
                         f"{server.log_text()[-3000:]}")
