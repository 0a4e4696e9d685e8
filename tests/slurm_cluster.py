"""A throw-away single-node Slurm cluster (munged, slurmctld, slurmd) in a temp dir, for tests."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo")


def missing_binaries() -> list[str]:
    """The Slurm/munge programs not found on PATH (or in /usr/sbin)."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"
    return [b for b in BINARIES if shutil.which(b, path=path) is None]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SlurmCluster:
    """One node (this host, 2 CPUs), one partition `debug`; every file under `folder`."""

    def __init__(self, folder: Path, cpus: int = 2) -> None:
        """Lay out the folder and write munge.key and slurm.conf (nothing is started yet)."""
        self.folder = folder
        self.node = socket.gethostname().split(".")[0]
        self.cpus = cpus
        self.procs: dict[str, subprocess.Popen] = {}
        for sub in ("munge", "state", "spool", "log"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
            (folder / sub).chmod(0o700)
        folder.chmod(0o700)
        self.socket = folder / "munge" / "munge.socket"
        key = folder / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        self.conf = folder / "slurm.conf"
        self.conf.write_text(self._conf_text())
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.env["PATH"] = self.env.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"

    def _conf_text(self) -> str:
        """slurm.conf: root daemons, no cgroups, no accounting, immediate scheduling."""
        f = self.folder
        return "\n".join([
            f"ClusterName=test{os.getpid()}",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={free_port()}",
            f"SlurmdPort={free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.socket}",
            f"StateSaveLocation={f / 'state'}",
            f"SlurmdSpoolDir={f / 'spool'}",
            f"SlurmctldPidFile={f / 'slurmctld.pid'}",
            f"SlurmdPidFile={f / 'slurmd.pid'}",
            f"SlurmctldLogFile={f / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={f / 'log' / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "MpiDefault=none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "SchedulerParameters=batch_sched_delay=0,sched_min_interval=0",
            "ReturnToService=2",
            "MinJobAge=600",
            "SlurmdTimeout=60",
            f"NodeName={self.node} NodeHostname={self.node} NodeAddr=127.0.0.1 "
            f"CPUs={self.cpus} State=UNKNOWN",
            f"PartitionName=debug Nodes={self.node} Default=YES MaxTime=INFINITE State=UP",
            "",
        ])

    def _spawn(self, name: str, command: list[str]) -> None:
        """Start one daemon in the foreground of its own session, output to log/NAME.out."""
        out = open(self.folder / "log" / f"{name}.out", "wb")  # noqa: SIM115 (kept by Popen)
        self.procs[name] = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()

    def start(self, timeout: float = 60) -> None:
        """Start munged, slurmctld and slurmd; return once the node is idle (RuntimeError if not)."""
        m = self.folder / "munge"
        self._spawn("munged", ["munged", "--foreground", "--force", f"--key-file={m / 'munge.key'}",
                               f"--socket={self.socket}", f"--pid-file={m / 'munged.pid'}",
                               f"--log-file={m / 'munged.log'}", f"--seed-file={m / 'munged.seed'}"])
        self._wait(lambda: self.socket.exists(), 15, "munged did not create its socket")
        self._spawn("slurmctld", ["slurmctld", "-D", "-c", "-f", str(self.conf)])
        self._spawn("slurmd", ["slurmd", "-D", "-f", str(self.conf)])
        self._wait(self._node_idle, timeout, f"node {self.node} did not become idle")

    def _node_idle(self) -> bool:
        """Whether sinfo reports the node idle (and every daemon is still alive)."""
        dead = [n for n, p in self.procs.items() if p.poll() is not None]
        if dead:
            raise RuntimeError(f"{', '.join(dead)} exited:\n{self.logs()}")
        done = self.run(["sinfo", "-h", "-n", self.node, "-o", "%T"], check=False)
        return done.stdout.strip() == "idle"

    def _wait(self, ready, timeout: float, what: str) -> None:
        """Poll `ready()` every 0.2 s until true, or raise RuntimeError with the logs."""
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} within {timeout:.0f} s:\n{self.logs()}")
            time.sleep(0.2)

    def run(self, command: list[str], check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        """Run a Slurm client command against this cluster."""
        return subprocess.run(command, env=kwargs.pop("env", self.env), capture_output=True,
                              text=True, timeout=kwargs.pop("timeout", 60), check=check, **kwargs)

    def job_states(self, job: str) -> list[str]:
        """JobState of a job, one per array task ([] once Slurm forgot it)."""
        done = self.run(["scontrol", "-o", "show", "job", job], check=False)
        return re.findall(r"JobState=(\S+)", done.stdout)

    def wait_jobs(self, jobs: list[str], timeout: float) -> dict[str, list[str]]:
        """Wait until none of `jobs` is pending or running; their final states."""
        def finished() -> bool:
            states = [s for j in jobs for s in self.job_states(j)]
            return bool(states) and all(s not in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING")
                                        for s in states)
        self._wait(finished, timeout, f"jobs {', '.join(jobs)} did not finish")
        return {j: self.job_states(j) for j in jobs}

    def logs(self, lines: int = 15) -> str:
        """The last lines of every daemon log, for error messages."""
        parts = []
        for path in sorted(self.folder.glob("log/*")) + sorted(self.folder.glob("munge/*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    def cancel_all(self, timeout: float = 30) -> None:
        """Cancel every job of this cluster and wait until their processes are gone."""
        if self.procs.get("slurmctld") is None or self.procs["slurmctld"].poll() is not None:
            return
        jobs = self.run(["squeue", "-h", "-o", "%A"], check=False).stdout.split()
        if jobs:
            self.run(["scancel", *sorted(set(jobs))], check=False)
            with contextlib.suppress(RuntimeError):  # stop() kills the daemons regardless
                self._wait(lambda: not self.run(["squeue", "-h"], check=False).stdout.strip(),
                           timeout, "cancelled jobs did not end")

    def stop(self) -> list[str]:
        """Cancel our jobs, stop our daemons by PID (TERM, then KILL); names of any still alive."""
        self.cancel_all()
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        return [n for n, p in self.procs.items() if p.poll() is None]
