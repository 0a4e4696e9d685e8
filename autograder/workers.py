"""Parallel grading: N long-lived worker processes, each grading one submission at a time.

The parent hands out jobs over the workers' stdin and reads one line per finished job. Each
worker keeps a warm kernel ready for its next submission (`autograder.warm`) while more jobs
are queued. A worker that runs past a job's hard limit (its deadline plus a grace period) is
killed with its whole process tree and replaced, and the job gets a zero "timeout" result; a
worker that dies gets an "error" result for its job. When the queue is done, idle workers are
told so (their stdin closes) and shut their warm kernels down before they exit. Workers die
with the parent (PR_SET_PDEATHSIG), so a killed run leaves no orphan grading the same
submission twice.

    python -m autograder.workers OPTIONS_JSON   # a worker (started by `Pool`, not by hand)
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import psutil

from autograder.course import Course
from autograder.grade import (
    GradeOptions,
    Job,
    grade_submission,
    kernel_launch,
    write_result,
    zero_result,
)
from autograder.warm import KernelPool

GRACE_S = 60.0  # beyond a job's deadline: kernel start, nbgrader's own work, feedback
EXIT_S = 30.0  # for an idle worker to shut its warm kernel down and exit when told to


def _die_with_parent() -> None:
    """In the child, before exec: get SIGKILL when the parent dies (Linux)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kill_tree(pid: int) -> None:
    """Kill a process and all its descendants."""
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


class _Worker:
    """One worker process and the job it is grading."""

    def __init__(self, course: Course, options: GradeOptions, log: Path, modules: list[str]) -> None:
        payload = json.dumps({"root": str(course.root), "work": str(course.work),
                              "cache": str(course.caches), "modules": modules,
                              "options": asdict(options)})
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.workers", payload],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                preexec_fn=_die_with_parent, text=True,
            )
        self.job: Job | None = None
        self.limit = 0.0

    def send(self, job: Job, more: bool) -> None:
        """Start grading `job` (`more`: jobs are still queued, so keep a kernel warm)."""
        self.job, self.limit = job, time.monotonic() + job.deadline + job.recovery + GRACE_S
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"job": asdict(job), "more": more}) + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        """End the worker (and anything it started): asked first when idle, killed otherwise."""
        if self.job is None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=EXIT_S)
        _kill_tree(self.proc.pid)


class Pool:
    """Grade jobs on `size` workers; call `on_result(job, result)` as each one finishes."""

    def __init__(self, course: Course, options: GradeOptions, size: int,
                 modules: list[str] | None = None) -> None:
        self.course, self.options, self.size = course, options, max(1, size)
        self.modules = list(modules or [])  # what warm kernels import (`autograder.warm`)
        self.log = course.work / "logs" / "workers.log"

    def _fallback(self, job: Job, status: str, note: str) -> dict[str, Any]:
        """Write and return a zero result for a job its worker could not finish."""
        result = zero_result(self.course, job, status, [f"worker-{status}"], note)
        write_result(self.course, result)
        return result

    def run(self, jobs: list[Job], on_result: Callable[[Job, dict[str, Any]], None]) -> None:
        """Grade all jobs."""
        queue = deque(jobs)
        selector = selectors.DefaultSelector()
        workers: list[_Worker] = []

        def start() -> None:
            """Start one more worker."""
            worker = _Worker(self.course, self.options, self.log, self.modules)
            selector.register(worker.proc.stdout, selectors.EVENT_READ, worker)
            workers.append(worker)

        def retire(worker: _Worker) -> None:
            """Stop a worker and forget it."""
            selector.unregister(worker.proc.stdout)
            worker.stop()
            workers.remove(worker)

        try:
            for _ in range(min(self.size, len(queue))):
                start()
            while queue or any(w.job for w in workers):
                for worker in workers:
                    if worker.job is None and queue:
                        job = queue.popleft()
                        worker.send(job, more=bool(queue))
                for key, _ in selector.select(timeout=0.5):
                    worker = key.data
                    line = worker.proc.stdout.readline()
                    job, worker.job = worker.job, None
                    if line:
                        on_result(job, json.loads(line))
                        continue
                    retire(worker)
                    on_result(job, self._fallback(job, "error", "the grading worker crashed"))
                    if queue:
                        start()
                for worker in [w for w in workers if w.job and time.monotonic() > w.limit]:
                    job = worker.job
                    retire(worker)
                    on_result(job, self._fallback(job, "timeout", "grading ran past its time limit"))
                    if queue:
                        start()
        finally:
            for worker in list(workers):
                retire(worker)


def _serve(course: Course, options: GradeOptions, channel: IO[str], pool: KernelPool) -> None:
    """Worker loop: grade each job read from stdin, answer with its result on `channel`."""
    for line in sys.stdin:
        message = json.loads(line)
        job = Job(**message["job"])
        pool.keep_warm = message["more"]
        try:
            result = grade_submission(course, job, options, pool)
        except Exception:  # a grader bug must not lose the batch: record it and go on
            traceback.print_exc()
            result = zero_result(course, job, "error", [], "the grader failed on this submission")
            write_result(course, result)
        channel.write(json.dumps(result) + "\n")
        channel.flush()


def main(argv: list[str]) -> None:
    """Entry point of a worker process."""
    settings = json.loads(argv[0])
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy noise inside nbgrader
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything printed goes to the log, never into the protocol
    course = Course(Path(settings["root"]), Path(settings["work"]), Path(settings["cache"]))
    options = GradeOptions(**settings["options"])
    pool = KernelPool(kernel_launch(course, options), settings["modules"])
    pool.warm()  # the first job is on its way
    try:
        _serve(course, options, channel, pool)
    finally:
        pool.close()


if __name__ == "__main__":
    main(sys.argv[1:])
