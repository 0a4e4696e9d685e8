"""Notebook 05 at other settings: its training sections rerun with parameters overridden, measured.

    python benchmarks/conditional.py SEED=1                      # another seed, the whole notebook
    python benchmarks/conditional.py EPOCHS=12 --until "## 11."  # longer training, up to section 10

Runs the solution notebook from the top with the parameters overridden (a cell right after the
parameters cell), up to the end or to the markdown cell whose text contains `--until`, and prints
what its training sections printed (from section 9 on): learning curves, the retrieval tables,
the bootstrap errors, the distractor sweep and the loss comparison. The notebook's text quotes
such runs as "measured beside the notebook".
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
NOTEBOOK = ROOT / "solutions" / "05_conditional" / "conditional.ipynb"
FIRST_SHOWN = "## 9. "  # the heading of the first training section: what follows it is printed


def override(text: str) -> tuple[str, object]:
    """NAME=value (a Python literal) -> (NAME, value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier() or not name.isupper():
        raise argparse.ArgumentTypeError(f"expected NAME=value with an upper-case parameter name, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError) as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a Python literal") from exc


def prepared(overrides: list[tuple[str, object]], until: str | None = None) -> nbformat.NotebookNode:
    """The solution notebook with the overrides after its parameters cell, cut before the `until` heading."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = next(k for k, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    known = nb.cells[params].source
    for name, _ in overrides:
        if f"\n{name} =" not in f"\n{known}":
            raise SystemExit(f"{name} is not a parameter of {NOTEBOOK.relative_to(ROOT)}")
    source = "\n".join(f"{name} = {value!r}" for name, value in overrides)
    nb.cells.insert(params + 1, nbformat.v4.new_code_cell(source))
    if until is not None:
        stops = [k for k, c in enumerate(nb.cells) if c.cell_type == "markdown" and until in c.source]
        if not stops:
            raise SystemExit(f"no markdown cell of {NOTEBOOK.relative_to(ROOT)} contains {until!r}")
        nb.cells = nb.cells[:stops[0]]
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
    parser.add_argument("overrides", nargs="*", type=override, help="NAME=value, e.g. SEED=1")
    parser.add_argument("--until", help="stop before the first markdown cell containing this text, e.g. '## 11.'")
    args = parser.parse_args()
    nb = prepared(args.overrides, args.until)
    print("settings: " + (", ".join(f"{n}={v!r}" for n, v in args.overrides) or "the notebook's own"), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[results.RESULTS_ENV] = str(Path(tmp) / "ladder.json")  # the real ladder stays untouched
        start = time.perf_counter()
        NotebookClient(nb, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    first = next(k for k, c in enumerate(nb.cells) if c.cell_type == "markdown" and FIRST_SHOWN in c.source)
    for cell in nb.cells[first:]:
        if cell.cell_type == "code" and (text := printed(cell)):
            print(text)
    print(f"ran in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
