"""Find solution code or hidden tests in released files (every file, not only notebooks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REGIONS = (("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
_TRIVIAL = {"pass", "return", "else:", "try:", "finally:", "break", "continue", '"""', "'''"}


def _source(cell: dict[str, Any]) -> str:
    """A cell's source as one string."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _norm(line: str) -> str:
    """A line with surrounding whitespace removed."""
    return line.strip()


def _informative(line: str) -> bool:
    """True for lines long and specific enough to identify leaked code."""
    return len(line) >= 8 and line not in _TRIVIAL and any(ch.isalnum() for ch in line)


def _split_regions(cell: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(secret lines, public lines) of one source cell."""
    lines = _source(cell).splitlines()
    is_solution = bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))
    has_delimiters = any(begin in line for line in lines for begin, _ in REGIONS)
    if is_solution and not has_delimiters:
        return lines, []  # nbgrader replaces a delimiter-less solution cell entirely
    secret, public, inside = [], [], False
    for line in lines:
        if any(begin in line for begin, _ in REGIONS):
            inside = True
        elif any(end in line for _, end in REGIONS):
            inside = False
        else:
            (secret if inside else public).append(line)
    return secret, public


def secret_lines(notebook: Path) -> set[str]:
    """Informative lines of a source notebook's solution regions and hidden tests.

    Lines that also appear outside those regions (and so are released on purpose) are left out.
    """
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    secret: set[str] = set()
    public: set[str] = set()
    for cell in cells:
        hidden, shown = _split_regions(cell)
        secret.update(_norm(line) for line in hidden)
        public.update(_norm(line) for line in shown)
    return {line for line in secret - public if _informative(line)}


def _released_lines(path: Path) -> list[str] | None:
    """The text lines of a released file (cell sources and outputs for notebooks); None if binary."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None
    if path.suffix != ".ipynb":
        return text.splitlines()
    try:
        cells = json.loads(text).get("cells", [])
    except (json.JSONDecodeError, AttributeError):
        return text.splitlines()
    lines: list[str] = []
    for cell in cells:
        lines += _source(cell).splitlines()
        for output in cell.get("outputs", []):
            for value in (output.get("text"), *output.get("data", {}).values()):
                if value:
                    lines += ("".join(value) if isinstance(value, list) else str(value)).splitlines()
    return lines


def find_leaks(folder: Path, secrets: set[str]) -> list[str]:
    """One message per released file under `folder` that contains a secret line."""
    findings = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        lines = _released_lines(path)
        if lines is None:
            continue
        hits = [(n, _norm(line)) for n, line in enumerate(lines, 1) if _norm(line) in secrets]
        if hits:
            number, line = hits[0]
            more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
            findings.append(f"{path.relative_to(folder.parent)}:{number}: {line!r}{more}")
    return findings
