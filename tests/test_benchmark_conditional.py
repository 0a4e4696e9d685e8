"""benchmarks/conditional.py: the overrides land right after the parameters cell, the run stops where asked."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("conditional_benchmark", ROOT / "benchmarks" / "conditional.py")
conditional = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conditional)


def test_overrides_follow_the_parameters_cell_and_the_run_stops_before_the_heading() -> None:
    nb = conditional.prepared([conditional.override("SEED=1"), conditional.override("EPOCHS=12")], until="## 11.")
    params = next(k for k, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert nb.cells[params + 1].source == "SEED = 1\nEPOCHS = 12"
    assert sum(conditional.FIRST_SHOWN in c.source for c in nb.cells) == 1  # section 9 is still there
    assert any("## 10." in c.source for c in nb.cells)
    assert not any("## 11." in c.source for c in nb.cells)
    whole = conditional.prepared([])
    assert whole.cells[-1].source.startswith("## Sources")


def test_bad_overrides_are_refused_with_a_reason() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=value"):
        conditional.override("SEED")
    with pytest.raises(argparse.ArgumentTypeError, match="not a Python literal"):
        conditional.override("EPOCHS=four")
    with pytest.raises(SystemExit, match="not a parameter"):
        conditional.prepared([("NO_SUCH_PARAMETER", 1)])
    with pytest.raises(SystemExit, match="contains"):
        conditional.prepared([], until="## 99. no such section")
