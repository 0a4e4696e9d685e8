"""benchmarks/series.py: the costliest cells come from nbclient's timing metadata of a real run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("series_benchmark", ROOT / "benchmarks" / "series.py")
series = importlib.util.module_from_spec(spec)
spec.loader.exec_module(series)


def test_costliest_cells_are_measured_and_ranked(tmp_path: Path) -> None:
    sources = ["import time", "time.sleep(0.6)  # slow", "x = 1", "time.sleep(0.3)\nprint('two lines')"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# title"),
                                         *(nbformat.v4.new_code_cell(s) for s in sources)])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    seconds, run = series.execute(path, timeout=60)
    top = series.costliest_cells(run, n=2)
    assert [index for _, index, _ in top] == [2, 4]
    assert top[0][2] == "time.sleep(0.6)  # slow" and top[1][2] == "time.sleep(0.3)"
    assert 0.6 <= top[0][0] < seconds and 0.3 <= top[1][0] < top[0][0]
    assert len(series.costliest_cells(run)) == 4  # every code cell, the markdown one skipped
