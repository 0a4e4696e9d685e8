"""`release`: generate `notebooks/` from `solutions/` with nbgrader, normalised, leak-checked, swapped in.

nbgrader's `generate_assignment --force` deletes the release folder before regenerating it, so a
failure would leave students without notebooks. Here every assignment is generated in a
temporary course directory, normalised (no outputs, stable cell ids, no editor metadata),
scanned for leaks, and only then renamed into place; running it twice gives no diff.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.course import Course
from autograder.leaks import find_leaks, secret_lines

CELL_METADATA = ("nbgrader", "deletable", "editable", "tags")
DROPPED_NOTEBOOK_METADATA = ("jupytext", "widgets", "celltoolbar", "toc", "varInspector")


class ReleaseError(RuntimeError):
    """Generation failed or would leak solutions; `notebooks/` was left as it was."""


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs and editor metadata and give cells stable ids (grade id or position)."""
    taken: set[str] = set()
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        base = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:60] if grade_id else f"cell-{index}"
        cell_id, n = base, 1
        while cell_id in taken:
            n += 1
            cell_id = f"{base}-{n}"
        taken.add(cell_id)
        cell["id"] = cell_id
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k in CELL_METADATA}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
    for key in DROPPED_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.nbformat_minor, 5)
    return nb


def generate(course: Course, assignments: list[str], parent: Path) -> Path:
    """Generate the release of `assignments` under a new temporary folder in `parent`.

    Returns the temporary course directory; its `release/<assignment>/` folders are normalised.
    """
    temp = Path(tempfile.mkdtemp(prefix=".release-", dir=parent))
    (temp / "source").mkdir()
    for name in assignments:
        (temp / "source" / name).symlink_to(course.solutions / name, target_is_directory=True)
    api = course.api(temp)
    for name in assignments:
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            shutil.rmtree(temp, ignore_errors=True)
            raise ReleaseError(f"nbgrader could not generate {name}:\n{result.get('error', '')}")
        for path in (temp / "release" / name).glob("*.ipynb"):
            nb = normalise(nbformat.read(path, as_version=4))
            path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
            path.chmod(0o644)
    return temp


def leaks(course: Course, assignment: str, folder: Path) -> list[str]:
    """Solution or hidden-test lines of `assignment` found in any file under `folder`."""
    secrets: set[str] = set()
    for notebook in course.solution_notebooks(assignment):
        secrets |= secret_lines(notebook)
    return find_leaks(folder, secrets)


def same_tree(a: Path, b: Path) -> bool:
    """True when two folders hold the same files with the same bytes."""
    comparison = filecmp.dircmp(a, b, ignore=[])
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, comparison.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(same_tree(a / d, b / d) for d in comparison.common_dirs)


def _recover(notebooks: Path) -> None:
    """Undo a swap interrupted between its two renames (`.old-NAME` without `NAME`)."""
    for old in notebooks.glob(".old-*"):
        target = notebooks / old.name[len(".old-"):]
        if target.exists():
            shutil.rmtree(old)
        else:
            os.rename(old, target)


def _swap(new: Path, target: Path) -> str:
    """Replace `target` by `new` with renames only; 'unchanged' when they are identical."""
    if target.is_dir() and same_tree(new, target):
        return "unchanged"
    old = target.with_name(f".old-{target.name}")
    shutil.rmtree(old, ignore_errors=True)
    existed = target.exists()
    if existed:
        os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        if existed:
            os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return "updated" if existed else "created"


def release(course: Course, names: list[str] | None = None) -> list[str]:
    """Release the named assignments (all by default); one status line per assignment."""
    assignments = course.resolve(names)
    if not assignments:
        raise ReleaseError(f"no assignments in {course.solutions}")
    course.notebooks.mkdir(parents=True, exist_ok=True)
    _recover(course.notebooks)
    temp = generate(course, assignments, course.root)
    try:
        found = [leak for a in assignments for leak in leaks(course, a, temp / "release" / a)]
        if found:
            raise ReleaseError("the release would leak solutions or hidden tests:\n  "
                               + "\n  ".join(found))
        lines = [f"{a}: {_swap(temp / 'release' / a, course.notebooks / a)}" for a in assignments]
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    if not names:
        for stale in sorted(p for p in course.notebooks.iterdir() if p.is_dir()):
            if stale.name[0] != "." and stale.name not in assignments and any(stale.glob("*.ipynb")):
                shutil.rmtree(stale)
                lines.append(f"{stale.name}: removed (no longer in {course.solutions.name}/)")
    return lines
