"""The series ladder: each notebook records its test metrics; later notebooks read them back.

Results live in one JSON file, `{"01_streetlight": {"colour bins": {"t2i_R@10": ...}, ...}, ...}`,
at `$COURSE_RESULTS_FILE` or `results/ladder.json` in the repository. The solutions' own measured
numbers (`utils/reference_results.json`, written by `benchmarks/series.py`) fill the rungs a
student has not run yet.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

Results = dict[str, dict[str, dict[str, float]]]

RESULTS_ENV = "COURSE_RESULTS_FILE"
REFERENCE_FILE = Path(__file__).with_name("reference_results.json")


class ResultsFileError(ValueError):
    """The results file exists but is not a valid results JSON."""


def results_path() -> Path:
    """Where this user's results are recorded."""
    override = os.environ.get(RESULTS_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "results" / "ladder.json"


def _validate(data: object, path: Path) -> Results:
    """Check the nested {notebook: {method: {metric: number}}} shape."""
    if not isinstance(data, dict):
        raise ResultsFileError(f"{path}: expected a JSON object of notebooks, got {type(data).__name__}")
    for notebook, methods in data.items():
        if not isinstance(methods, dict):
            raise ResultsFileError(f"{path}: entry {notebook!r} should map methods to metrics")
        for method, metrics in methods.items():
            if not isinstance(metrics, dict) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in metrics.values()
            ):
                raise ResultsFileError(
                    f"{path}: {notebook!r} / {method!r} should map metric names to numbers"
                )
    return data


def load(path: str | Path | None = None) -> Results:
    """Read recorded results: {} when the file does not exist, `ResultsFileError` when corrupt."""
    path = Path(path) if path is not None else results_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsFileError(
            f"{path} is not valid JSON ({err}); delete it, or re-run the notebooks to rewrite it"
        ) from err
    return _validate(data, path)


def record(notebook: str, method: str, metrics: dict[str, float],
           path: str | Path | None = None) -> Path:
    """Store one method's test metrics for a notebook (atomic write; a corrupt file is replaced)."""
    if not notebook or not method:
        raise ValueError("notebook and method must be non-empty names")
    clean = {}
    for key, value in metrics.items():
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"metric {key!r} is {value}: only finite numbers can be recorded")
        clean[str(key)] = value
    path = Path(path) if path is not None else results_path()
    try:
        data = load(path)
    except ResultsFileError:
        path.replace(path.with_suffix(path.suffix + ".corrupt"))
        data = {}
    data.setdefault(notebook, {})[method] = clean
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ladder-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)
    return path


def ladder(metric: str = "t2i_R@10", path: str | Path | None = None) -> list[dict[str, object]]:
    """One row per (notebook, method): the student's number where recorded, else the reference."""
    mine = load(path)
    reference = load(REFERENCE_FILE)
    rows = []
    for notebook in sorted(set(mine) | set(reference)):
        methods = {**reference.get(notebook, {}), **mine.get(notebook, {})}
        for method in sorted(methods):
            source = "you" if method in mine.get(notebook, {}) else "solution"
            value = methods[method].get(metric)
            if value is not None:
                rows.append({"notebook": notebook, "method": method, metric: value, "source": source})
    return rows
