"""Notebook 07's hard-negative fine-tuning at other settings: binding and its controls, measured.

    python benchmarks/binding.py                            # the notebook's own settings
    python benchmarks/binding.py HARD_NEGATIVE_STEPS=800    # a longer schedule
    python benchmarks/binding.py CHOICE_WEIGHT=0            # without the direct choice term

Runs the solution notebook from the top with the parameters overridden (a cell right after the
parameters cell) up to its binding controls, and prints what those cells printed: the binding
accuracy by kind, test RSUM before and after, and the controls table (fine-tuning images,
held-out images, the binding split, blind).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from utils import results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "07_clip" / "clip.ipynb"
FIRST_SHOWN = "def encode("      # the fine-tuning cell: its output is printed, and all after it
LAST_CELL = "controls[name] ="   # the controls cell: the run stops after it


def override(text: str) -> tuple[str, object]:
    """NAME=value (a Python literal) -> (NAME, value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier() or not name.isupper():
        raise argparse.ArgumentTypeError(f"expected NAME=value with an upper-case parameter name, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError) as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a Python literal") from exc


def prepared(overrides: list[tuple[str, object]]) -> nbformat.NotebookNode:
    """The solution notebook with the overrides after its parameters cell, cut after the controls."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = next(k for k, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    known = nb.cells[params].source
    for name, _ in overrides:
        if f"\n{name} =" not in f"\n{known}":
            raise SystemExit(f"{name} is not a parameter of {NOTEBOOK.relative_to(ROOT)}")
    source = "\n".join(f"{name} = {value!r}" for name, value in overrides)
    nb.cells.insert(params + 1, nbformat.v4.new_code_cell(source))
    last = next(k for k, c in enumerate(nb.cells) if LAST_CELL in c.source)
    nb.cells = nb.cells[:last + 1]
    return nb


def printed(cell: nbformat.NotebookNode) -> str:
    """What a code cell printed or displayed as text (progress bars left out)."""
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and "it/s]" not in o["text"] and "%|" not in o["text"]:
            out.append(o["text"].rstrip())
        elif "text/plain" in o.get("data", {}) and not o["data"]["text/plain"].startswith("<Figure"):
            out.append(o["data"]["text/plain"].rstrip())
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", type=override, help="NAME=value, e.g. HARD_NEGATIVE_STEPS=800")
    args = parser.parse_args()
    nb = prepared(args.overrides)
    print("settings: " + (", ".join(f"{n}={v!r}" for n, v in args.overrides) or "the notebook's own"), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[results.RESULTS_ENV] = str(Path(tmp) / "ladder.json")  # the real ladder stays untouched
        start = time.perf_counter()
        NotebookClient(nb, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    first = next(k for k, c in enumerate(nb.cells) if FIRST_SHOWN in c.source)
    for cell in nb.cells[first:]:
        if cell.cell_type == "code" and (text := printed(cell)):
            print(text)
    print(f"ran in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
