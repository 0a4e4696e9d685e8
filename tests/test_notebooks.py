"""The course notebooks: paired sources in sync, no outputs committed, the anatomy of solutions/AUTHORING.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted(p for p in ROOT.glob("solutions/*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
RELEASED = sorted(ROOT.glob("notebooks/*/*.ipynb"))


def _nbgrader(cell) -> dict:
    """A cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def test_there_are_solution_notebooks():
    assert SOLUTIONS, "no solution notebooks found under solutions/"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_paired_percent_script_is_in_sync(path):
    script = path.with_suffix(".py")
    assert script.exists(), f"{path.name} has no paired {script.name} (jupytext percent format)"
    from_script = jupytext.read(script)
    notebook = nbformat.read(path, as_version=4)
    assert len(from_script.cells) == len(notebook.cells), (
        f"{script.name} and {path.name} differ: run `jupytext --sync {path.relative_to(ROOT)}`")
    for a, b in zip(from_script.cells, notebook.cells, strict=True):
        assert (a.cell_type, a.source) == (b.cell_type, b.source), (
            f"cell differs between {script.name} and {path.name}: run `jupytext --sync`\n{a.source[:200]}")
        assert _nbgrader(a) == _nbgrader(b)
        assert a.metadata.get("tags") == b.metadata.get("tags")


@pytest.mark.parametrize("path", SOLUTIONS + RELEASED, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_without_outputs(path):
    notebook = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(notebook["cells"])
             if c.get("outputs") or c.get("execution_count") is not None]
    assert not dirty, f"{path} has outputs in cells {dirty}: clear them before committing"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_anatomy(path):
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    number = path.parent.name[:2]
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {number} ·"), \
        "the first cell is the title: '# NN · topic'"
    intro = cells[0].source
    for part in ("Learning objectives", "Time:", "| exercise |"):
        assert part in intro, f"the introduction lacks {part!r}"
    code = [c for c in cells if c.cell_type == "code"]
    setup = next(c for c in code if _nbgrader(c).get("grade_id") == "setup")
    assert "utils.set_seed(" in setup.source and "utils.get_device()" in setup.source
    assert any("parameters" in c.metadata.get("tags", []) for c in code), "no cell tagged 'parameters'"
    assert "What to remember" in cells[-2].source, "the cell before the sources is 'What to remember'"
    sources = cells[-1]
    assert sources.cell_type == "markdown" and sources.source.startswith("## Sources"), \
        "the last cell is the '## Sources' list of the facts the notebook states"
    items = [line for line in sources.source.splitlines() if line.lstrip().startswith(("- ", "* "))]
    assert len(items) >= 3, "the sources list names each paper, library version and lecture slide used"
    assert "lecture" in sources.source.lower(), "the sources name the lecture's slides the notebook uses"

    ids = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c)]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    tests = [c for c in code if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")]
    total = sum(_nbgrader(c)["points"] for c in tests)
    stated = re.search(r"\*\*total\*\* \| \*\*(\d+)\*\*", intro)
    assert stated and int(stated.group(1)) == total, f"points table says {stated and stated.group(1)}, cells give {total}"
    for cell in tests:
        assert cell.metadata["nbgrader"].get("locked"), f"{_nbgrader(cell)['grade_id']} must be locked"
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")
        assert len(hidden) == 2 and "compare_with_solution(" in hidden[1], (
            f"{_nbgrader(cell)['grade_id']}: every graded check compares with the solution in a hidden part")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_the_grading_limits_stated_are_the_configured_ones(path):
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "autograder")).load_config()
    intro = " ".join(nbformat.read(path, as_version=4).cells[0].source.split())
    minutes = config.Execute.timeout / 60
    assert f"stops a cell after {minutes:g} minutes" in intro, (
        f"the introduction must state the grader's per-cell limit ({minutes:g} minutes)")
    from autograder.grade import GradeOptions

    gigabytes = GradeOptions().memory_mb / 1024
    assert f"more than {gigabytes:g} GB" in intro, (
        f"the introduction must state the grader's memory limit ({gigabytes:g} GB)")
