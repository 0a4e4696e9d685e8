"""environment.yml and constraints.txt pin what pyproject.toml pins, installable on any Python 3.11."""

import importlib.metadata
import tomllib
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet

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


def _pins() -> dict[str, str]:
    """constraints.txt as {name: version}."""
    return dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))


def test_constraints_pin_the_whole_tree_and_agree_with_pyproject():
    pins = _pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dependency in project:
        name, version = dependency.split("==")
        matches = {v for k, v in pins.items() if k.lower().replace("_", "-") == name.lower().replace("_", "-")}
        assert matches == {version}, f"constraints.txt pins {name} at {matches}, pyproject at {version}"
    assert len(pins) > len(project), "constraints.txt also pins the indirect dependencies"


def test_every_pin_installs_on_the_oldest_python_311():
    """Debian 12 ships Python 3.11.2: no pinned release may require a later 3.11 than 3.11.0."""
    oldest = "3.11.0"
    assert SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
                        ).contains(oldest)
    too_new = {}
    for name, version in _pins().items():
        try:
            meta = importlib.metadata.metadata(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if meta["Version"] == version and not SpecifierSet(meta.get("Requires-Python") or "").contains(oldest):
            too_new[name] = f"{version} requires Python {meta['Requires-Python']}"
    assert not too_new, f"constraints.txt pins releases that Python {oldest} cannot install: {too_new}"
