"""benchmarks/binding.py: the overrides land right after the parameters cell, the run stops at the controls."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("binding_benchmark", ROOT / "benchmarks" / "binding.py")
binding = importlib.util.module_from_spec(spec)
spec.loader.exec_module(binding)


def test_overrides_follow_the_parameters_cell_and_the_run_stops_at_the_controls() -> None:
    nb = binding.prepared([binding.override("HARD_NEGATIVE_STEPS=800"), binding.override("CHOICE_WEIGHT=0")])
    params = next(k for k, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert nb.cells[params + 1].source == "HARD_NEGATIVE_STEPS = 800\nCHOICE_WEIGHT = 0"
    assert binding.LAST_CELL in nb.cells[-1].source
    assert sum(binding.FIRST_SHOWN in c.source for c in nb.cells) == 1  # the fine-tuning cell is still there
    assert not any("## 8. LiT" in c.source for c in nb.cells)


def test_bad_overrides_are_refused_with_a_reason() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=value"):
        binding.override("HARD_NEGATIVE_STEPS")
    with pytest.raises(argparse.ArgumentTypeError, match="not a Python literal"):
        binding.override("CHOICE_WEIGHT=ten")
    with pytest.raises(SystemExit, match="not a parameter"):
        binding.prepared([("NO_SUCH_PARAMETER", 1)])
