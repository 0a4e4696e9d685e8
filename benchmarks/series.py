"""Execute every solution notebook; print its wall time, budget, costliest cells and metrics.

    python benchmarks/series.py                     # all notebooks under solutions/
    python benchmarks/series.py 01_streetlight      # only some
    python benchmarks/series.py --update-reference  # also store the metrics as the ladder's fallback
                                                    # and rewrite the README's ladder from them

Budgets come from solutions/AUTHORING.md (the 2-core, no-GPU CI machine is the yardstick).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from utils import results

ROOT = Path(__file__).resolve().parents[1]

BUDGET_S = {"07_clip": 180.0}
DEFAULT_BUDGET_S = 120.0
SERIES_BUDGET_S = 600.0
SHOWN = ("t2i_R@1", "t2i_R@10", "i2t_R@1", "i2t_R@10", "rsum")


def solution_notebooks(names: list[str]) -> list[Path]:
    """The solution notebooks to run, in series order."""
    found = sorted(ROOT.glob("solutions/*/*.ipynb"))
    found = [p for p in found if ".ipynb_checkpoints" not in p.parts]
    if names:
        found = [p for p in found if p.parent.name in names]
        missing = set(names) - {p.parent.name for p in found}
        if missing:
            raise SystemExit(f"no solution notebook for: {', '.join(sorted(missing))}")
    return found


def execute(path: Path, timeout: float) -> tuple[float, nbformat.NotebookNode]:
    """Run one notebook top to bottom in its own folder; the wall time in seconds, the notebook run."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=int(timeout), kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start, notebook


def costliest_cells(notebook: nbformat.NotebookNode, n: int = 5) -> list[tuple[float, int, str]]:
    """The n code cells that took longest (seconds, cell index, first line), from nbclient's timing."""
    cells = []
    for index, cell in enumerate(notebook.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and {"iopub.execute_input", "shell.execute_reply"} <= set(timing):
            seconds = (datetime.fromisoformat(timing["shell.execute_reply"])
                       - datetime.fromisoformat(timing["iopub.execute_input"])).total_seconds()
            cells.append((seconds, index, (cell.source.splitlines() or [""])[0][:60]))
    return sorted(cells, reverse=True)[:n]


README = ROOT / "README.md"
LADDER_MARKS = ("<!-- ladder:start -->\n", "<!-- ladder:end -->")


def ladder_markdown(reference: results.Results) -> str:
    """The README's ladder: retrieval rungs by notebook, weakest first; other rungs in a list."""
    lines = ["| notebook | method | text→image R@10 | image→text R@10 | RSUM |",
             "|---|---|---|---|---|"]
    others = []
    for notebook in sorted(reference):
        methods = reference[notebook]
        for method in sorted(methods, key=lambda m: (methods[m].get("rsum", 0.0), m)):
            m = methods[method]
            if "t2i_R@10" in m:
                lines.append(f"| {notebook} | {method} | {m['t2i_R@10']:.1f} | {m['i2t_R@10']:.1f} "
                             f"| {m['rsum']:.1f} |")
            else:
                shown = ", ".join(f"{k} {v:.1f}" for k, v in sorted(m.items()))
                others.append(f"- {notebook} · {method} (not a retrieval rung): {shown}")
    return "\n".join(lines + ([""] + others if others else [])) + "\n"


def write_readme_ladder(reference: results.Results) -> None:
    """Replace the README's ladder block with one made from the reference metrics."""
    text = README.read_text(encoding="utf-8")
    start, end = LADDER_MARKS
    head, rest = text.split(start, 1)
    README.write_text(head + start + ladder_markdown(reference) + end + rest.split(end, 1)[1],
                      encoding="utf-8")


def shown_metrics(metrics: dict[str, float]) -> str:
    """The headline metrics of one method (retrieval ones, or all of a non-retrieval rung)."""
    keys = [k for k in SHOWN if k in metrics] or sorted(metrics)
    return ", ".join(f"{k} {metrics[k]:.1f}" for k in keys)


def main() -> int:
    """Run the series and print one line per notebook plus the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="assignment folders, e.g. 01_streetlight")
    parser.add_argument("--update-reference", action="store_true",
                        help=f"write the recorded metrics to {results.REFERENCE_FILE.relative_to(ROOT)}")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "ladder.json"
        os.environ[results.RESULTS_ENV] = str(results_file)
        total, failures = 0.0, 0
        print(f"{'notebook':<18} {'wall s':>8} {'budget s':>9}  verdict  recorded test metrics")
        for path in solution_notebooks(args.notebooks):
            name = path.parent.name
            budget = BUDGET_S.get(name, DEFAULT_BUDGET_S)
            seconds, run = execute(path, timeout=10 * budget)
            total += seconds
            verdict = "ok" if seconds <= budget else "OVER"
            failures += verdict != "ok"
            recorded = results.load(results_file).get(name, {})
            shown = "; ".join(f"{method}: {shown_metrics(m)}" for method, m in recorded.items()
                              ) or "(none recorded)"
            print(f"{name:<18} {seconds:8.1f} {budget:9.0f}  {verdict:<7}  {shown}")
            for cell_s, index, first in costliest_cells(run):
                print(f"{'':<18} {cell_s:8.1f}  cell {index}: {first}")
            sys.stdout.flush()
        verdict = "ok" if total <= SERIES_BUDGET_S else "OVER"
        print(f"{'series':<18} {total:8.1f} {SERIES_BUDGET_S:9.0f}  {verdict}")
        if args.update_reference:
            merged = {**results.load(results.REFERENCE_FILE), **results.load(results_file)}
            results.REFERENCE_FILE.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
            write_readme_ladder(merged)
            print(f"reference metrics written to {results.REFERENCE_FILE} and the README's ladder")
    return 1 if failures or verdict != "ok" else 0


if __name__ == "__main__":
    sys.exit(main())
