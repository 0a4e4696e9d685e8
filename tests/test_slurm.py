"""GPU runner recipes: the Slurm array job on a real single-node Slurm, the GitHub Actions workflow."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from slurm_cluster import SlurmCluster, missing_binaries

from autograder import sandbox
from autograder.course import Course
from autograder.demo import make_class

REPO = Path(__file__).resolve().parent.parent
RUNNERS = REPO / "autograder" / "runners"
SAMPLE = REPO / "tests" / "fixtures" / "sample_course"
# Grading refuses to run unsandboxed unless told; a cluster without bubblewrap still tests Slurm.
NO_SANDBOX = [] if sandbox.bwrap() else ["--no-sandbox"]


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    """A running single-node cluster; its daemons are stopped by PID afterwards, even on failure."""
    missing = missing_binaries()
    if missing:
        pytest.skip(f"no Slurm here: {', '.join(missing)} not found (`make system-deps` installs "
                    "slurm-wlm and munge; tests never install anything)")
    slurm = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:
        try:
            slurm.start()
        except (RuntimeError, OSError) as err:
            pytest.skip(f"slurm-wlm/munge are installed but would not start here: {err}")
        yield slurm
    finally:
        alive = slurm.stop()
    assert not alive, f"daemons still running after stop: {alive}"


def build_class(folder: Path) -> tuple[Path, Path]:
    """A copy of the sample course and 5 planted submissions (perfect, blank, 2 partial, tamperer)."""
    root = folder / "root"
    shutil.copytree(SAMPLE / "solutions", root / "solutions")
    course = Course(root, folder / "build")
    course.work.mkdir(parents=True)
    make_class(course, "01_sample", folder / "class")
    shutil.rmtree(folder / "class" / "looper")  # its 30 s deadline would only slow the test down
    return root, folder / "class"


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a grades CSV."""
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_slurm_array_job_grades_like_a_local_run(cluster: SlurmCluster, tmp_path: Path) -> None:
    root, submissions = build_class(tmp_path)
    out = tmp_path / "out"
    env = {**cluster.env, "SHARDS": "3", "GRES": "", "DEVICE": "cpu", "CPUS": "1",
           "PARTITION": "debug", "TIME": "00:15:00", "COURSE_ROOT": str(root),
           "PYTHON": sys.executable}
    start = time.monotonic()
    done = cluster.run(["bash", str(RUNNERS / "slurm_submit.sh"), str(submissions), str(out),
                        *NO_SANDBOX], env=env)
    jobs = re.search(r"array job (\d+) .* merge job (\d+)", done.stdout)
    assert jobs, done.stdout + done.stderr
    try:
        states = cluster.wait_jobs(list(jobs.groups()), timeout=150)
    except RuntimeError as err:
        logs = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(out.glob("logs/*")))
        raise AssertionError(f"{err}\n{logs}") from None
    slurm_seconds = time.monotonic() - start
    logs = {p.name: p.read_text() for p in sorted(out.glob("logs/*"))}
    assert states == {jobs[1]: ["COMPLETED"] * 3, jobs[2]: ["COMPLETED"]}, logs

    shards = sorted(out.glob("shards/*-of-3"))
    assert [s.name for s in shards] == ["1-of-3", "2-of-3", "3-of-3"]
    assert all((s / "gradebook.db").is_file() for s in shards), "one gradebook per shard"
    per_shard = [{r["student"] for r in read_csv(s / "grades.csv")} for s in shards]
    assert [len(s) for s in per_shard] == [2, 2, 1] and set.union(*per_shard) == {
        "blank", "first_half", "perfect", "second_half", "tamperer"}
    for student in set.union(*per_shard):
        assert list(out.glob(f"feedback/{student}/01_sample/*.html")), f"no feedback for {student}"

    local = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(submissions), "--root", str(root),
         "--course-dir", str(tmp_path / "local"), "--workers", "2", "--device", "cpu", *NO_SANDBOX],
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True, text=True, timeout=180, check=False)
    assert local.returncode == 0, local.stdout + local.stderr
    merged, expected = read_csv(out / "grades.csv"), read_csv(tmp_path / "local" / "grades.csv")
    assert merged == expected  # no column differs legitimately: no timestamps or durations
    assert (out / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()
    assert {r["student"]: r["total"] for r in merged}["perfect"] == merged[0]["max"]
    print(f"slurm: submit to merged CSV in {slurm_seconds:.1f} s")


def test_grade_script_rejects_zero_based_array_indexes(tmp_path: Path) -> None:
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MAX": "3",
           "AG_REPO": str(REPO)}
    done = subprocess.run(["bash", str(RUNNERS / "slurm_grade.sbatch"), str(tmp_path), str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and "submit with --array=1-3" in done.stderr


def test_runner_scripts_parse() -> None:
    for script in ("slurm_submit.sh", "slurm_grade.sbatch", "slurm_merge.sbatch"):
        done = subprocess.run(["bash", "-n", str(RUNNERS / script)], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, f"{script}: {done.stderr}"


def test_github_workflow_grades_on_a_self_hosted_gpu() -> None:
    flow = yaml.safe_load((RUNNERS / "github-actions-gpu.yml").read_text())
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as True
    assert {"assignment", "submissions"} <= set(triggers["workflow_dispatch"]["inputs"])
    job = next(iter(flow["jobs"].values()))
    assert {"self-hosted", "gpu"} <= set(job["runs-on"])
    runs = [step.get("run", "") for step in job["steps"]]
    assert any("make venv" in r for r in runs)
    assert any("autograder/runners/gpu_check.sh" in r for r in runs)
    assert any("autograder grade" in r and "--device cuda" in r for r in runs)
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    paths = " ".join(s["with"]["path"] for s in uploads)
    assert "grades.csv" in paths and "feedback" in paths
