"""environment.yml parses and pins exactly what pyproject.toml pins."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(pip_section) == sorted(project)
    assert "torch==2.14.1" in project and "torchvision==0.29.1" in project
    assert all("==" in d for d in project), "every dependency is pinned exactly"


def test_constraints_pin_the_whole_tree_and_agree_with_pyproject():
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dependency in project:
        name, version = dependency.split("==")
        matches = {v for k, v in pins.items() if k.lower().replace("_", "-") == name.lower().replace("_", "-")}
        assert matches == {version}, f"constraints.txt pins {name} at {matches}, pyproject at {version}"
    assert len(pins) > len(project), "constraints.txt also pins the indirect dependencies"
