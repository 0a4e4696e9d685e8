"""Take an exercise's implementation from its solution notebook (the single source of truth).

Only definitions are executed: every import, function, class and literal constant of the
notebook's code cells except the graded test cells, in notebook order, in a fresh module. No
training or data loading runs, so a solution function may use the notebook's imports, literal
constants and the other solution functions, but not variables computed by other cells.
"""

from __future__ import annotations

import ast
import json
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

SOLUTIONS_ENV = "COURSE_SOLUTIONS_DIR"
ASSIGNMENT_ENV = "COURSE_ASSIGNMENT"
_CACHE: dict[tuple[str, int], tuple[types.ModuleType, dict[str, str]]] = {}


class SolutionNotFound(LookupError):
    """The solution notebook or the named exercise could not be found."""


def solutions_dir(start: Path | None = None) -> Path:
    """`$COURSE_SOLUTIONS_DIR`, else the first `solutions/` beside the working directory or above."""
    override = os.environ.get(SOLUTIONS_ENV)
    if override:
        return Path(override)
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "solutions" / start.name).is_dir():
            return folder / "solutions"
        if folder.name == "solutions" and (folder / start.name).is_dir():
            return folder
    package_root = Path(__file__).resolve().parent.parent
    return package_root / "solutions"


def assignment_name(start: Path | None = None) -> str:
    """`$COURSE_ASSIGNMENT`, else the name of the working directory (one assignment per folder)."""
    return os.environ.get(ASSIGNMENT_ENV) or (start or Path.cwd()).resolve().name


def _code_cells(notebook: Path) -> list[dict[str, Any]]:
    """The code cells of a notebook file, read as plain JSON."""
    with open(notebook, encoding="utf-8") as handle:
        cells = json.load(handle).get("cells", [])
    return [c for c in cells if c.get("cell_type") == "code"]


def _python_source(cell: dict[str, Any]) -> str:
    """A cell's source with IPython syntax (magics, shell escapes) made plain Python."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return "\n".join(line for line in source.splitlines() if line.lstrip()[:1] not in "%!")
    return TransformerManager().transform_cell(source)


def _is_test_cell(cell: dict[str, Any]) -> bool:
    """True for an nbgrader graded test cell (grade without solution)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _is_definition(node: ast.stmt) -> bool:
    """Imports, function/class definitions and assignments of literal constants."""
    if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef
                  | ast.ClassDef):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        try:
            ast.literal_eval(node.value)
        except ValueError:
            return False
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return all(isinstance(t, ast.Name) for t in targets)
    return False


def _load(notebook: Path) -> tuple[types.ModuleType, dict[str, str]]:
    """Execute a notebook's definitions; also map each cell's grade id to its last function."""
    module = types.ModuleType(f"solution_{notebook.stem}")
    module.__file__ = str(notebook)
    by_grade_id: dict[str, str] = {}
    for cell in _code_cells(notebook):
        if _is_test_cell(cell):
            continue
        tree = ast.parse(_python_source(cell), filename=str(notebook))
        tree.body = [node for node in tree.body if _is_definition(node)]
        exec(compile(tree, str(notebook), "exec"), module.__dict__)  # noqa: S102 (trusted source)
        functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id and functions:
            by_grade_id[grade_id] = functions[-1]
    return module, by_grade_id


def _defines(notebook: Path, name: str) -> bool:
    """Cheap test whether a notebook mentions `name` as a function or grade id."""
    text = notebook.read_text(encoding="utf-8")
    return (f"def {name}(" in text or f"class {name}(" in text or f"class {name}:" in text
            or f'"grade_id": "{name}"' in text)


def solution_function(name: str, notebook: Path | None = None) -> Callable[..., Any]:
    """The solution's implementation of exercise `name` (a function or class name, or a grade id)."""
    if notebook is None:
        folder = solutions_dir() / assignment_name()
        candidates = sorted(p for p in folder.glob("*.ipynb") if _defines(p, name))
        if not candidates:
            raise SolutionNotFound(f"no solution notebook in {folder} defines {name!r}")
        notebook = candidates[0]
    key = (str(notebook), notebook.stat().st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = _load(notebook)
    module, by_grade_id = _CACHE[key]
    function = getattr(module, by_grade_id.get(name, name), None)
    if not callable(function):
        raise SolutionNotFound(f"{notebook} has no function or solution cell named {name!r}")
    return function
