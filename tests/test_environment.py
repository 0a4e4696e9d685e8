"""environment.yml and constraints.txt pin what pyproject.toml pins, installable on any Python 3.11;
every distribution the course's code imports is pinned; every constraint is one `make venv` installs."""

import ast
import importlib.metadata
import platform
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def test_environment_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    options = [line for line in pip_section if line.startswith("-")]
    assert options == ["-c constraints.txt", "-e ."], (
        "the conda route installs with the indirect pins and the project itself, as `make venv` does")
    assert sorted(line for line in pip_section if not line.startswith("-")) == sorted(project)
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


def _normal(name: str) -> str:
    """A distribution name as pip compares them."""
    return name.lower().replace("_", "-").replace(".", "-")


def test_every_imported_distribution_is_pinned_in_pyproject():
    """"pins every direct dependency": each third-party package the code imports is in pyproject."""
    local = {"utils", "autograder", "tests", "conftest"} | {p.stem for p in (ROOT / "tests").glob("*.py")}
    imported: dict[str, set[str]] = {}
    for folder in ("utils", "autograder", "benchmarks", "tests", "solutions"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in local:
                        imported.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    providers = importlib.metadata.packages_distributions()
    pinned = {_normal(d.split("==")[0]) for d in
              tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    unpinned = {module: sorted(where)[:2] for module, where in imported.items()
                if not {_normal(d) for d in providers.get(module, [])} & pinned}
    assert not unpinned, f"imported but not pinned in pyproject.toml (module: where): {unpinned}"


@pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                    reason="constraints.txt is frozen on Linux x86_64 (CUDA wheels of torch)")
def test_every_constraint_is_installed_by_make_venv():
    """Nothing in constraints.txt that `make venv` does not install (a stale pin misleads)."""
    wrong = {}
    for name, version in _pins().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = f"pinned {version}, installed {installed}"
    assert not wrong, f"constraints.txt disagrees with the environment `make venv` made: {wrong}"
