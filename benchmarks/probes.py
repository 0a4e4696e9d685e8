"""Notebook 04's linear probes at other settings: accuracy and EfficientNet's CPU time, measured.

    python benchmarks/probes.py                      # the notebook's own settings (PROBE_SIZE = 64)
    python benchmarks/probes.py PROBE_SIZE=224       # EfficientNet at its own input size
    python benchmarks/probes.py PROBE_PER_CLASS=100  # more training crops per class

Runs the solution notebook from the top with the parameters overridden (a cell right after the
parameters cell) up to its linear-probe cell, and prints what that cell printed.
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
NOTEBOOK = ROOT / "solutions" / "04_cnn_features" / "cnn_features.ipynb"
PROBE_CELL = "def linear_probe("   # the run stops after this cell, and prints its output


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
    """The solution notebook with the overrides after its parameters cell, cut after the probe cell."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = next(k for k, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    for name, _ in overrides:
        if f"\n{name} =" not in f"\n{nb.cells[params].source}":
            raise SystemExit(f"{name} is not a parameter of {NOTEBOOK.relative_to(ROOT)}")
    nb.cells.insert(params + 1, nbformat.v4.new_code_cell("\n".join(f"{n} = {v!r}" for n, v in overrides)))
    last = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code" and PROBE_CELL in c.source)
    nb.cells = nb.cells[:last + 1]
    return nb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", type=override, help="NAME=value, e.g. PROBE_SIZE=224")
    args = parser.parse_args()
    nb = prepared(args.overrides)
    print("settings: " + (", ".join(f"{n}={v!r}" for n, v in args.overrides) or "the notebook's own"), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[results.RESULTS_ENV] = str(Path(tmp) / "ladder.json")  # the real ladder stays untouched
        start = time.perf_counter()
        NotebookClient(nb, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    for output in nb.cells[-1].get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            print(output["text"].rstrip())
    print(f"ran in {time.perf_counter() - start:.0f} s (wall)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
