"""`python -m autograder.hub` (what `make hub` runs): a local JupyterHub class on loopback.

Prepares the state folder (accounts, homes, the exchange), starts JupyterHub in a session of its
own (it starts the proxy and, on login, each user's server), prints the URL and the accounts,
and on Ctrl-C (or SIGTERM) stops JupyterHub, which stops every server and the proxy; whatever
still runs after a grace period is killed, so nothing is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil

from autograder import sandbox
from autograder.hub import accounts
from autograder.hub.settings import COURSE_ID, DEFAULT_STATE, HUB_DIR, HubSettings, venv_bin
from utils.scenes import cache as scenes_cache

STOP_GRACE_S = 30.0


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m autograder.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="the port users open (default 8000)")
    parser.add_argument("--students", type=int, default=4,
                        help="student accounts student1..N (default 4; existing ones are kept)")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE,
                        help="accounts, homes, exchange, hub database (default: autograder/work/hub)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="let Autograde run kernels without bubblewrap (see autograder/README.md "
                             "for what that costs); without this flag it refuses to grade")
    parser.add_argument("--checks-only", action="store_true",
                        help="Autograde skips the notebooks' demo cells (the same scores, faster)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                        help="where Autograde runs the notebooks (default cpu)")
    return parser.parse_args(argv)


def prepare(settings: HubSettings, students: int) -> dict[str, dict[str, str]]:
    """Accounts, homes and the exchange root (writable by everyone, as nbgrader requires)."""
    users = accounts.ensure(settings.accounts, accounts.student_names(students))
    for name in users:
        settings.home(name).mkdir(parents=True, exist_ok=True)
    settings.exchange.mkdir(parents=True, exist_ok=True)
    settings.exchange.chmod(0o777)
    settings.collected.mkdir(parents=True, exist_ok=True)
    return users


def banner(settings: HubSettings, users: dict[str, dict[str, str]]) -> str:
    """What the TA reads: the URL, the accounts and their passwords, how to stop."""
    width = max(len(name) for name in users)
    lines = [f"JupyterHub for course '{COURSE_ID}': {settings.url}", "",
             f"  {'account'.ljust(width)}  password      role"]
    for name, account in users.items():
        lines.append(f"  {name.ljust(width)}  {account['password']}  {account['role']}")
    grading = "sandboxed" if settings.sandbox else "NOT sandboxed (--no-sandbox)"
    lines += ["", f"Autograde: the course's grader, {grading}, on {settings.device}"
              + (", checks only" if settings.checks_only else "")]
    if settings.sandbox and sandbox.problem():
        lines.append(f"  WARNING: Autograde will refuse to grade: {sandbox.problem()}; "
                     f"{sandbox.INSTALL_HINT}, or restart with HUB_ARGS=--no-sandbox")
    lines += [
              f"State (accounts, homes, exchange): {settings.state}",
              "Ctrl-C stops the hub, every user's server and the proxy."]
    return "\n".join(lines)


def stop(process: subprocess.Popen[bytes], grace: float = STOP_GRACE_S) -> None:
    """SIGTERM JupyterHub (it stops the servers and the proxy), then kill what is left."""
    if process.poll() is not None:
        return
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    process.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(tree, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)
    process.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the hub until Ctrl-C; the exit status of JupyterHub (0 after a clean stop)."""
    args = parse(argv)
    settings = HubSettings(state=args.state.resolve(), port=args.port, hub_port=free_port(),
                           proxy_api_port=free_port(), sandbox=not args.no_sandbox,
                           checks_only=args.checks_only, device=args.device,
                           grader_cache=HubSettings.from_env().grader_cache)
    if not settings.proxy.exists():
        print(f"the proxy is not installed ({settings.proxy}): run `make hub-deps` "
              "(it needs Node.js >= 20 and npm)", file=sys.stderr)
        return 2
    users = prepare(settings, args.students)
    env = {**os.environ, **settings.to_env()}
    env["PATH"] = f"{venv_bin()}{os.pathsep}{env.get('PATH', '')}"  # alembic, jupyterhub-singleuser
    env["COURSE_DATA_DIR"] = str(Path(os.environ.get(scenes_cache.CACHE_ENV)
                                      or scenes_cache.DEFAULT_CACHE).expanduser())
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        """Stop on Ctrl-C or SIGTERM."""
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    log = settings.state / "jupyterhub.log"
    command = [str(venv_bin() / "jupyterhub"), "-f", str(HUB_DIR / "jupyterhub_config.py")]
    print(f"starting JupyterHub (log: {log})", flush=True)
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=settings.state, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)  # Ctrl-C reaches only this launcher
    if not wait_until_up(settings, process, lambda: stopping):
        stop(process)
        if stopping:
            return 0
        print(f"JupyterHub did not start; the end of {log}:\n"
              + log.read_text(errors="replace")[-3000:], file=sys.stderr)
        return 1
    print(banner(settings, users), flush=True)
    while not stopping and process.poll() is None:
        time.sleep(0.5)
    if not stopping:
        print(f"JupyterHub exited with {process.returncode}; see {log}", file=sys.stderr)
        return process.returncode or 1
    print("stopping JupyterHub, the users' servers and the proxy ...", flush=True)
    stop(process)
    print("stopped", flush=True)
    return 0


def wait_until_up(settings: HubSettings, process: subprocess.Popen[bytes],
                  stopping: Callable[[], bool], timeout: float = 180) -> bool:
    """True once the hub answers through the proxy; False if it exits, is stopped or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None and not stopping():
        try:
            with urllib.request.urlopen(f"{settings.url}hub/api/", timeout=5) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    return False


if __name__ == "__main__":
    sys.exit(main())
