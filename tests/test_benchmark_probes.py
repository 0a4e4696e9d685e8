"""benchmarks/probes.py: the overrides land right after the parameters cell, the run stops at the probes."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("probes_benchmark", ROOT / "benchmarks" / "probes.py")
probes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(probes)


def test_overrides_follow_the_parameters_cell_and_the_run_stops_at_the_probes() -> None:
    nb = probes.prepared([probes.override("PROBE_SIZE=224"), probes.override("PROBE_PER_CLASS=100")])
    params = next(k for k, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert nb.cells[params + 1].source == "PROBE_SIZE = 224\nPROBE_PER_CLASS = 100"
    assert probes.PROBE_CELL in nb.cells[-1].source
    assert not any("## 5. Exercise 3" in c.source for c in nb.cells)


def test_bad_overrides_are_refused_with_a_reason() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=value"):
        probes.override("PROBE_SIZE")
    with pytest.raises(argparse.ArgumentTypeError, match="not a Python literal"):
        probes.override("PROBE_SIZE=big")
    with pytest.raises(SystemExit, match="not a parameter"):
        probes.prepared([("NO_SUCH_PARAMETER", 1)])
