"""End to end: a planted class graded by `python -m autograder grade` on the sample assignment.

The class is graded twice: sandboxed (where bubblewrap works) and with --no-sandbox. In both
modes a fault costs at most the exercise whose cell caused it (a heavy or slow demo cell costs
nothing); every planted tamper scores no more than an honest blank and is flagged; a submission
that reaches outside its notebook unsandboxed has its points withheld (raw score kept); honest
code keeps full marks; re-runs are idempotent; a kill mid-batch loses nothing.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest

from autograder import sandbox
from autograder.course import Course
from autograder.demo import fill, solution_sources
from autograder.release import generate

SAMPLE = Path(__file__).parent / "fixtures" / "sample_course"
EXERCISES = ["normalize_rows", "cosine_scores", "recall_at_k"]
NAIVE = "def normalize_rows(x):\n    return x / np.linalg.norm(x, axis=1, keepdims=True)"
WARNER = """import warnings

def normalize_rows(x):
    warnings.warn("normalize_rows: taking the slow path")
    for _ in tqdm(range(3), desc="warming up"):
        pass
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(norms > 0, x / np.where(norms > 0, norms, 1), 0.0).astype(x.dtype)"""
PRINTER = """def normalize_rows(x):
    if x.shape[0] == 6:
        raise ValueError(f"HIDDEN-INPUT {x.tolist()}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(norms > 0, x / np.where(norms > 0, norms, 1), 0.0).astype(x.dtype)"""
STEAL = """import json
for path in {paths!r}:
    for cell in json.load(open(path))["cells"]:
        if cell["metadata"].get("nbgrader", {{}}).get("grade_id") == "normalize_rows":
            exec("".join(cell["source"]))"""
TAMPERS = {
    "t_eq": "class Anything:\n    def __eq__(self, other):\n        return True\n\n"
            "def normalize_rows(x):\n    return Anything()",
    "t_subclass": "class Yes(np.ndarray):\n    def __eq__(self, other):\n"
                  "        return np.ones(np.shape(other), bool)\n\n"
                  "def normalize_rows(x):\n    return np.zeros_like(x).view(Yes)",
    "t_patch": "import numpy.testing, torch.testing\nfrom utils import checks\n"
               "np.testing.assert_allclose = lambda *a, **k: None\n"
               "torch.testing.assert_close = lambda *a, **k: None\n"
               "for name in dir(checks):\n    if name.startswith('check'):\n"
               "        setattr(checks, name, lambda *a, **k: None)\n\n"
               "def normalize_rows(x):\n    return np.zeros_like(x)",
    "t_transform": "def normalize_rows(x):\n    return x\n\n"
                   "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
    "t_custom_exc": "def normalize_rows(x):\n    return x\n\n"
                    "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)",
    "t_showtb": "def normalize_rows(x):\n    return x\n\n"
                "get_ipython().showtraceback = lambda *args, **kwargs: None",
    "t_noop_reference": "import autograder.reference\n"
                        "autograder.reference.compare_with_solution = lambda *a, **k: None\n\n" + NAIVE,
    "t_exit": "import os\nos._exit(0)",
    "t_sysexit": "import sys\nsys.exit()",
}
HEAVY_DEMO = """def normalize_rows(x):
    if len(x) > 1000:  # only the demo cell's big input: correct, but wasteful
        waste = np.ones((len(x), 100_000))
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(norms > 0, x / np.where(norms > 0, norms, 1), 0.0).astype(x.dtype)"""
SLOW_DEMO = HEAVY_DEMO.replace("waste = np.ones((len(x), 100_000))", "import time; time.sleep(3600)")
LOOP_FIRST = """def normalize_rows(x):
    while len(x) == 6:  # the first hidden case loops forever
        pass
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(norms > 0, x / np.where(norms > 0, norms, 1), 0.0).astype(x.dtype)"""
# student: (total, status, required flag or None); tampers must be <= blank and flagged.
EXPECTED = {
    "perfect": (5, "ok", None), "blank": (0, "ok", None), "first_half": (4, "ok", None),
    "wrong_hidden": (3, "ok", None), "warner": (5, "ok", None), "printer": (3, "ok", None),
    "visible_fail": (3, "ok", None), "looper": (4, "timeout", None),
    "heavy_demo": (5, "out-of-memory", None), "slow_demo": (5, "timeout", None),
    "loop_first": (3, "timeout", None),
    "exiter": (2, "kernel-died", "static:os._exit"), "segfault": (2, "kernel-died", None),
    "hog": (2, "out-of-memory", None), "invalid": (0, "invalid-notebook", None),
    "t_eq": (0, "tampered", "static:__eq__"), "t_subclass": (0, "tampered", "static:__eq__"),
    "t_patch": (0, "tampered", "static:patched-numpy.testing"),
    "t_transform": (0, "tampered", "bypassed-check:test_cosine_scores"),
    "t_custom_exc": (0, "tampered", "static:set_custom_exc"),
    "t_showtb": (0, "tampered", "static:showtraceback"),
    "t_noop_reference": (0, "tampered", "bypassed-check:test_normalize_rows"),
    "t_edit": (0, "tampered", "edited-cell:test_normalize_rows"),
    "t_empty": (0, "tampered", "emptied-cell:test_normalize_rows"),
    "t_delete": (0, "tampered", "deleted-cell:test_normalize_rows"),
    "t_delete_both": (0, "tampered", "deleted-cell:test_normalize_rows"),
    "t_rename": (0, "tampered", "renamed-grade-id:test_normalize_rows->my_own_test"),
    "t_exit": (0, "kernel-died", "static:os._exit"), "t_sysexit": (0, "tampered", "static:sys.exit"),
    "t_solutions": (0, "tampered", "static:solutions-path"),
    "t_peer": (0, "tampered", "static:outside-path"),
}
# A class graded in full and in checks-only mode: the per-cell scores must be the same.
CHECKS_ONLY_CLASS = ("perfect", "blank", "first_half", "wrong_hidden", "printer", "looper",
                     "loop_first", "exiter", "segfault", "hog", "heavy_demo", "slow_demo", "t_patch",
                     "t_edit")
# What reading the answers earned before it was withheld (unsandboxed: the read succeeds).
RAW = {"unsandboxed": {"t_solutions": "2", "t_peer": "2", "t_noop_reference": "0"}, "sandboxed": {}}
MODES = {"sandboxed": [], "unsandboxed": ["--no-sandbox"]}


def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """The cell with this grade id."""
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def build_class(course: Course, folder: Path) -> dict[str, Path]:
    """Write the planted class (nbgrader layout) and return each student's notebook path."""
    temp = generate(course, ["01_sample"], course.work)
    release = temp / "release" / "01_sample" / "sample.ipynb"
    shutil.copy(release, course.work / "release.ipynb")
    shutil.rmtree(temp)
    release = course.work / "release.ipynb"
    solution = solution_sources(course.solutions / "01_sample" / "sample.ipynb")
    first = EXERCISES[:1]
    nbs: dict[str, Any] = {
        "perfect": fill(release, solution, EXERCISES),
        "blank": fill(release, solution, []),
        "first_half": fill(release, solution, EXERCISES[:2]),
        "wrong_hidden": fill(release, {**solution, "normalize_rows": NAIVE}, EXERCISES),
        "warner": fill(release, {**solution, "normalize_rows": WARNER}, EXERCISES),
        "printer": fill(release, {**solution, "normalize_rows": PRINTER}, EXERCISES),
        "visible_fail": fill(release, {**solution, "normalize_rows": "def normalize_rows(x):\n"
                                       "    return x"}, EXERCISES),
        "looper": fill(release, solution, EXERCISES, extra={"recall_at_k": "while True:\n    pass"}),
        "exiter": fill(release, solution, first, extra={"cosine_scores": "import os\nos._exit(1)"}),
        "segfault": fill(release, solution, first,
                         extra={"cosine_scores": "import ctypes\nctypes.string_at(0)"}),
        "hog": fill(release, solution, first, extra={"cosine_scores": "hog = np.ones(400_000_000)"}),
        "heavy_demo": fill(release, {**solution, "normalize_rows": HEAVY_DEMO}, EXERCISES),
        "slow_demo": fill(release, {**solution, "normalize_rows": SLOW_DEMO}, EXERCISES),
        "loop_first": fill(release, {**solution, "normalize_rows": LOOP_FIRST}, EXERCISES),
    }
    for name, code in TAMPERS.items():
        nbs[name] = fill(release, {**solution, "normalize_rows": code}, ["normalize_rows"])
    for name, edit in (("t_edit", "pass"), ("t_empty", "")):
        nbs[name] = fill(release, {**solution, "normalize_rows": "def normalize_rows(x):\n"
                                   "    return np.zeros_like(x)"}, ["normalize_rows"])
        _cell(nbs[name], "test_normalize_rows").source = edit
    nbs["t_delete"] = fill(release, solution, [])
    nbs["t_delete"].cells.remove(_cell(nbs["t_delete"], "test_normalize_rows"))
    nbs["t_delete_both"] = fill(release, solution, [])
    for grade_id in ("normalize_rows", "test_normalize_rows", "setup"):
        nbs["t_delete_both"].cells.remove(_cell(nbs["t_delete_both"], grade_id))
    nbs["t_rename"] = fill(release, solution, [])
    renamed = _cell(nbs["t_rename"], "test_normalize_rows")
    renamed.metadata.nbgrader.grade_id, renamed.source = "my_own_test", "pass"
    peers = [str(folder / "perfect" / "01_sample" / "sample.ipynb"),
             str(course.work / "submitted" / "perfect" / "01_sample" / "sample.ipynb")]
    secret = [str(course.solutions / "01_sample" / "sample.ipynb")]
    nbs["t_solutions"] = fill(release, {**solution, "normalize_rows": STEAL.format(paths=secret)},
                              ["normalize_rows"])
    nbs["t_peer"] = fill(release, {**solution, "normalize_rows": STEAL.format(paths=peers)},
                         ["normalize_rows"])
    paths = {}
    for student in EXPECTED:
        path = folder / student / "01_sample" / "sample.ipynb"
        path.parent.mkdir(parents=True)
        if student == "invalid":
            path.write_text('{"cells": [')
        else:
            nbformat.write(nbs[student], path)
        paths[student] = path
    return paths


def grade(course: Course, folder: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `python -m autograder grade` on a class folder."""
    command = [sys.executable, "-m", "autograder", "grade", str(folder), "--root", str(course.root),
               "--course-dir", str(course.work), *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    """grades.csv rows by student."""
    with open(path, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module", params=list(MODES))
def graded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, Path, str]:
    """The planted class, graded once per mode (2 workers, short limits)."""
    mode = request.param
    if mode == "sandboxed" and sandbox.bwrap() is None:
        pytest.skip(f"sandboxed grading needs bubblewrap: {sandbox.problem()} (make system-deps)")
    base = tmp_path_factory.mktemp(f"grading-{mode}")
    shutil.copytree(SAMPLE / "solutions", base / "root" / "solutions")
    course = Course(base / "root", base / "work")
    course.work.mkdir()
    build_class(course, base / "class")
    grade(course, base / "class", *MODES[mode], "--workers", "2", "--timeout", "25",
          "--memory-limit", "1500")
    return course, base / "class", mode


@pytest.mark.slow
def test_each_planted_submission_gets_its_score_status_and_flags(graded: Any) -> None:
    course, _, mode = graded
    rows = read_csv(course.work / "grades.csv")
    assert set(rows) == set(EXPECTED)
    problems = []
    for student, (total, status, flag) in EXPECTED.items():
        row = rows[student]
        flags = row["flags"].split(";") if row["flags"] else []
        if float(row["total"]) != total or row["status"] != status or (flag and flag not in flags):
            problems.append(f"{student}: got {row['total']} {row['status']} {flags}, "
                            f"expected {total} {status} {flag}")
        if student.startswith("t_") and (float(row["total"]) > float(rows["blank"]["total"]) or not flags):
            problems.append(f"{student}: a tamper must score <= blank and be flagged: {row}")
        if row["raw_total"] != RAW[mode].get(student, ""):
            problems.append(f"{student}: raw_total {row['raw_total']!r}, expected "
                            f"{RAW[mode].get(student, '')!r}")
    assert not problems, "\n".join(problems)
    assert rows["perfect"]["flags"] == "" and rows["blank"]["flags"] == ""
    assert {row["sandboxed"] for s, row in rows.items() if s != "invalid"} == \
        {"yes" if mode == "sandboxed" else "no"}
    assert list(rows["perfect"])[:5] == ["student", "assignment", "test_normalize_rows",
                                         "test_cosine_scores", "test_recall_at_k"]


@pytest.mark.slow
def test_a_fault_costs_only_its_own_exercise_and_says_which_limit(graded: Any) -> None:
    course, _, _ = graded
    rows = read_csv(course.work / "grades.csv")
    assert [rows["loop_first"][c] for c in ("test_normalize_rows", "test_cosine_scores",
                                             "test_recall_at_k")] == ["0", "2", "1"]
    for student in ("heavy_demo", "slow_demo"):
        assert rows[student]["total"] == rows[student]["max"] == "5", rows[student]
    pages = {s: html.unescape(re.sub(r"<[^>]*>", "", (course.work / "feedback" / s / "01_sample" /
                                                       "sample.html").read_text()))
             for s in ("heavy_demo", "slow_demo", "loop_first")}
    assert "more than 1500 MB of memory while this cell ran" in pages["heavy_demo"]
    assert "the grader restarted the kernel" in pages["heavy_demo"]
    assert "the notebook's time limit (25 s, then" in pages["slow_demo"]
    assert "not run: demo cells are skipped after a restart" in pages["loop_first"]


@pytest.mark.slow
def test_checks_only_gives_every_cell_the_same_score(graded: Any, tmp_path: Path) -> None:
    """`--checks-only` (what the mutation tests use) skips demo cells and changes no score."""
    course, folder, mode = graded
    subset = tmp_path / "class"
    for student in CHECKS_ONLY_CLASS:
        shutil.copytree(folder / student, subset / student)
    fresh = Course(course.root, tmp_path / "work")
    fresh.work.mkdir()
    grade(fresh, subset, *MODES[mode], "--checks-only", "--workers", "2", "--timeout", "25",
          "--memory-limit", "1500")
    full, fast = read_csv(course.work / "grades.csv"), read_csv(fresh.work / "grades.csv")
    assert set(fast) == set(CHECKS_ONLY_CLASS)
    cells = [c for c in fast["perfect"] if c.startswith("test_")]
    assert cells == ["test_normalize_rows", "test_cosine_scores", "test_recall_at_k"]
    differ = {s: {c: (full[s][c], fast[s][c]) for c in [*cells, "total"] if full[s][c] != fast[s][c]}
              for s in CHECKS_ONLY_CLASS}
    assert not any(differ.values()), f"full vs checks-only per-cell scores differ: {differ}"
    # the demo faults of the full run do not happen when demo cells are skipped
    assert (full["slow_demo"]["status"], fast["slow_demo"]["status"]) == ("timeout", "ok")


@pytest.mark.slow
def test_feedback_explains_failures_but_never_shows_hidden_tests(graded: Any) -> None:
    course, _, _ = graded
    feedback = course.work / "feedback"
    pages = {p.parts[-3]: html.unescape(re.sub(r"<[^>]*>", "", p.read_text()))
             for p in feedback.glob("*/01_sample/sample.html")}
    assert set(pages) == set(EXPECTED)
    for student, text in pages.items():
        for secret in ("BEGIN HIDDEN TESTS", "from autograder.reference import", "default_rng(1)",
                       "rng.normal(size=(6, 4))", "HIDDEN-INPUT [["):
            assert secret not in text, f"{student}'s feedback shows {secret!r}"
    assert "HiddenCheckFailed" in pages["wrong_hidden"]
    assert 'normalize_rows, hidden case "a zero row stays zero" (2 of 2)' in pages["wrong_hidden"]
    assert "details withheld" in pages["printer"]
    assert "differs from the expected values" in pages["visible_fail"]
    assert "the hidden check did not run" in pages["t_transform"]
    assert "is not a valid notebook" in pages["invalid"]


@pytest.mark.slow
def test_regrading_is_idempotent(graded: Any, tmp_path: Path) -> None:
    course, folder, mode = graded
    before = (course.work / "grades.csv").read_bytes()
    again = grade(course, folder, *MODES[mode], "--workers", "2")
    assert f"skipped {len(EXPECTED)} already graded" in again.stdout
    assert (course.work / "grades.csv").read_bytes() == before
    subset = tmp_path / "subset"
    for student in ("perfect", "wrong_hidden", "t_patch", "exiter", "t_solutions"):
        shutil.copytree(folder / student, subset / student)
    grade(course, subset, *MODES[mode], "--force", "--workers", "2", "--csv",
          str(tmp_path / "again.csv"), "--timeout", "25", "--memory-limit", "1500")
    old, new = read_csv(course.work / "grades.csv"), read_csv(tmp_path / "again.csv")
    assert set(new) == {"perfect", "wrong_hidden", "t_patch", "exiter", "t_solutions"}
    changed = {s: {k: (old[s][k], new[s][k]) for k in new[s] if new[s][k] != old[s][k]}
               for s in new}
    assert not any(changed.values()), changed
    if mode == "unsandboxed":       # an honest resubmission after a withholding gets its points
        honest = tmp_path / "honest"
        shutil.copytree(folder / "perfect", honest / "t_solutions")
        grade(course, honest, *MODES[mode], "--force", "--csv", str(tmp_path / "honest.csv"),
              "--timeout", "25", "--memory-limit", "1500")
        row = read_csv(tmp_path / "honest.csv")["t_solutions"]
        assert (row["total"], row["status"], row["raw_total"]) == (old["perfect"]["total"], "ok", ""), row


FLAT_OPTIONS = ("--assignment", "01_sample", "--no-sandbox", "--timeout", "60")


@pytest.fixture(scope="module")
def flat_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A flat (LMS-style) class of six, and its grades.csv from one uninterrupted run."""
    base = tmp_path_factory.mktemp("flat")
    shutil.copytree(SAMPLE / "solutions", base / "root" / "solutions")
    reference = Course(base / "root", base / "reference")
    reference.work.mkdir()
    nested = build_class(reference, base / "nested")
    flat = base / "flat"
    flat.mkdir()
    for student in ("perfect", "blank", "first_half", "wrong_hidden", "visible_fail", "warner"):
        shutil.copy(nested[student], flat / f"{student}_sample (1).ipynb")
    grade(reference, flat, *FLAT_OPTIONS, "--workers", "2")
    return base / "root", flat, reference.work / "grades.csv"


@pytest.mark.slow
def test_a_kill_mid_batch_then_a_rerun_equals_an_uninterrupted_run(flat_class: Any) -> None:
    root, flat, expected = flat_class
    killed = Course(root, root.parent / "killed")
    command = [sys.executable, "-m", "autograder", "grade", str(flat), "--root", str(root),
               "--course-dir", str(killed.work), *FLAT_OPTIONS, "--workers", "1"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = killed.work / "results" / "01_sample"
    deadline = time.monotonic() + 300
    while len(list(results.glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    children = psutil.Process(run.pid).children(recursive=True)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    _, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"worker processes outlived the killed run: {alive}"
    assert 2 <= len(list(results.glob("*.json"))) < 6

    rerun = grade(killed, flat, *FLAT_OPTIONS, "--workers", "2")
    assert "skipped" in rerun.stdout and "skipped 0" not in rerun.stdout
    assert (killed.work / "grades.csv").read_bytes() == expected.read_bytes()


@pytest.mark.slow
def test_shards_merge_into_the_same_csv(flat_class: Any) -> None:
    root, flat, expected = flat_class
    shards = []
    for k in (1, 2):
        shard = Course(root, root.parent / f"shard{k}")
        grade(shard, flat, *FLAT_OPTIONS, "--workers", "2", "--shard", f"{k}/2",
              "--csv", str(root.parent / f"shard{k}.csv"))
        shards.append(str(root.parent / f"shard{k}.csv"))
        assert len(read_csv(root.parent / f"shard{k}.csv")) == 3
    merged = root.parent / "merged.csv"
    done = subprocess.run([sys.executable, "-m", "autograder", "merge", *shards, "-o", str(merged)],
                          capture_output=True, text=True, timeout=60, check=True)
    assert "6 rows" in done.stdout
    assert merged.read_bytes() == expected.read_bytes()


HONEST = [
    'def paths(parts):\n    """Join with slashes; compare tuples."""\n'
    '    key = "/".join(parts)  # not a path outside the sandbox\n'
    '    return key, sorted(parts) == list(parts), f"{key}/x"\n',
    "solutions = np.linalg.solve(a, b)  # the solutions of a linear system\n",
    'print(f"{len(solutions)} solutions found; ratio {3 / 4:.2f}")\n',
    'label = "red/green"; path = "figures/roc.png"; s = "a.b" + "/" + "c"\n',
    "for word in caption.lower().split():\n    counts[word] = counts.get(word, 0) + 1\n",
    "if utils.is_grading():\n    EPOCHS = 1\n",
    'scores = torch.einsum("...qd,...kd->...qk", q, k); print("...")\n',
]
SNEAKY = {
    "open('/work/other/sub.ipynb')": "static:outside-path",
    "open('../../solutions/01_sample/sample.ipynb')": "static:outside-path",
    "os.listdir('..')": "static:outside-path",
    "from pathlib import Path\nPath('..') / 'solutions'": "static:solutions-path",
    "import subprocess\nsubprocess.run(['cat', 'x'])": "static:shell",
    "!cat sample.ipynb": "static:shell",
    "import os\nos.environ['COURSE_DATA_DIR']": "static:environment",
    "import autograder.probes": "static:grader-internals",
}


@pytest.mark.parametrize("code", HONEST)
def test_honest_code_raises_no_static_flag(code: str) -> None:
    from autograder import tamper

    submitted = {"cells": [{"cell_type": "code", "source": code, "metadata": {}}]}
    assert tamper.static_flags(submitted, {"cells": []}) == []


@pytest.mark.parametrize(("code", "flag"), list(SNEAKY.items()))
def test_reaching_outside_is_flagged_and_withheld_only_unsandboxed(code: str, flag: str) -> None:
    from autograder import tamper

    flags = tamper.static_flags({"cells": [{"cell_type": "code", "source": code, "metadata": {}}]},
                                {"cells": []})
    assert flag in flags
    assert tamper.withheld(flags, sandboxed=False) and not tamper.withheld(flags, sandboxed=True)
