"""`make hub` on a copy of the course, started and stopped (as Ctrl-C does) by the hub tests.

The hub runs `make hub` itself (HUB_ARGS: a free port, a state folder under the test's tmp dir,
checks-only grading), so a test fails when the Makefile stops wiring the hub. The course copy
gets the repository's installed proxy through a symlink (`autograder/hub/node_modules`): tests
never install anything, and skip saying why where the proxy or `make` is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from ui_lab import ROOT, copy_course, free_port, isolated_env

from autograder import sandbox

PROXY_MODULES = ROOT / "autograder" / "hub" / "node_modules"
PROXY = PROXY_MODULES / ".bin" / "configurable-http-proxy"
HUB_STAMP = "autograder/hub/node_modules/.installed"  # the Makefile's target for `hub-deps`


def proxy_or_skip() -> Path:
    """The installed proxy, or a skip that says how to install it."""
    if not PROXY.exists():
        pytest.skip(f"the hub's proxy is not installed ({PROXY}): `make hub-deps` installs it from "
                    "the npm registry (needs Node.js >= 20 and npm; .ci/run does it)")
    return PROXY


@dataclass
class Hub:
    """A running `make hub`: its URL, accounts, state folder, log and process group."""

    course: Path
    state: Path
    url: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]
    sandboxed: bool
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)

    def password(self, user: str) -> str:
        """The password `make hub` printed for an account."""
        return self.accounts[user]["password"]

    def home(self, user: str) -> Path:
        """A user's home folder."""
        return self.state / "homes" / user

    def log_text(self) -> str:
        """Everything the launcher and JupyterHub printed so far."""
        hub_log = self.state / "jupyterhub.log"
        text = self.log.read_text(errors="replace")
        return text + ("\n--- jupyterhub.log ---\n" + hub_log.read_text(errors="replace")
                       if hub_log.is_file() else "")

    def tree(self) -> list[psutil.Process]:
        """`make`, the launcher, JupyterHub, the proxy, the servers, kernels, grading workers."""
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def interrupt(self, timeout: float = 90) -> tuple[float, list[str]]:
        """Ctrl-C (SIGINT to make's process group); (seconds to stop, processes left behind)."""
        tree = self.tree()
        start = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        _, alive = psutil.wait_procs(tree, timeout=timeout)
        elapsed = time.monotonic() - start
        left = []
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                left.append(" ".join(process.cmdline())[:120])
                process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        return elapsed, left

    def stop(self) -> None:
        """Make sure nothing of the hub runs any more (after a failed test too)."""
        if self.process.poll() is None or any(p.is_running() for p in self.tree()[1:]):
            self.interrupt(timeout=60)


def port_open(port: int) -> bool:
    """Whether something listens on the loopback port."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_hub(course: Path, home: Path, log: Path, cache: Path, timeout: float = 180) -> Hub:
    """`make hub` on a course copy with a free port and a state folder; wait until it answers."""
    proxy_or_skip()
    if not (course / "autograder" / "hub" / "node_modules").exists():
        (course / "autograder" / "hub" / "node_modules").symlink_to(PROXY_MODULES)
    port, state = free_port(), log.parent / "hub-state"
    sandboxed = sandbox.bwrap() is not None
    args = [f"--port={port}", f"--state={state}", "--students=2", "--checks-only"]
    if not sandboxed:  # the grader refuses to grade unsandboxed unless told
        args.append("--no-sandbox")
    env = isolated_env(home, course)
    env["COURSE_HUB_GRADER_CACHE"] = str(cache)  # the solution's expected run, shared
    venv = Path(sys.prefix)
    command = ["make", "-s", "-C", str(course), "-o", str(venv / ".installed"), "-o", HUB_STAMP,
               "hub", f"VENV={venv}", f"HUB_ARGS={' '.join(args)}"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=course, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    hub = Hub(course, state, f"http://127.0.0.1:{port}", port, log, process, sandboxed)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"`make hub` exited with {process.returncode}:\n"
                                 f"{hub.log_text()[-3000:]}")
        if "Ctrl-C stops" in log.read_text(errors="replace"):
            with urllib.request.urlopen(f"{hub.url}/hub/api/", timeout=10) as answer:
                assert answer.status == 200
            hub.accounts = json.loads((state / "accounts.json").read_text())
            return hub
        time.sleep(0.5)
    hub.stop()
    raise AssertionError(f"`make hub` did not start within {timeout:.0f} s:\n"
                         f"{hub.log_text()[-3000:]}")


def fresh_course(tmp: Path) -> Path:
    """A copy of the course for one hub (Release and grading write into it)."""
    return copy_course(tmp / "course")

