"""grades.csv from the per-submission result files; merging shard CSVs; the summary table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from autograder.probes import atomic_write

HEAD = ["student", "assignment"]
TAIL = ["total", "max", "raw_total", "status", "sandboxed", "flags"]


def load(paths: list[Path]) -> list[dict[str, Any]]:
    """The result records that exist among `paths`, sorted by (assignment, student)."""
    results = [json.loads(p.read_text()) for p in paths if p.is_file()]
    return sorted(results, key=lambda r: (r["assignment"], r["student"]))


def _number(value: float) -> str:
    """Points as short text (2, 0.5)."""
    return f"{value:g}"


def rows(results: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, str]]]:
    """CSV header and rows: student, assignment, points per check, total, max, status, ..."""
    several = len({r["assignment"] for r in results}) > 1
    checks: list[str] = []
    table = []
    for result in results:
        row = {"student": result["student"], "assignment": result["assignment"]}
        for name, check in result["checks"].items():
            column = f"{result['assignment']}:{name}" if several else name
            if column not in checks:
                checks.append(column)
            row[column] = _number(check["points"])
        raw = result.get("raw_total")
        row.update(total=_number(result["total"]), max=_number(result["max"]),
                   raw_total="" if raw is None else _number(raw),
                   status=result["status"], sandboxed="yes" if result["sandboxed"] else "no",
                   flags=";".join(result["flags"]))
        table.append(row)
    return [*HEAD, *checks, *TAIL], table


def _csv_text(header: list[str], table: list[dict[str, str]]) -> str:
    """CSV text with a fixed column order and newline style."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


def write_csv(results: list[dict[str, Any]], path: Path) -> None:
    """Write grades.csv atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, _csv_text(*rows(results)).encode())


def merge(inputs: list[Path], output: Path) -> int:
    """Combine per-shard CSVs into one (rows sorted, identical duplicates once); the row count."""
    checks: list[str] = []
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for path in inputs:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in (*HEAD, *TAIL) if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"{path} is not a grades CSV (no {', '.join(missing)} column)")
            checks += [c for c in reader.fieldnames if c not in (*HEAD, *TAIL, *checks)]
            for row in reader:
                key = (row["assignment"], row["student"])
                if key in merged and merged[key] != row:
                    raise SystemExit(f"{path}: {key[1]} / {key[0]} differs from an earlier shard")
                merged[key] = row
    header = [*HEAD, *checks, *TAIL]
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, _csv_text(header, [merged[k] for k in sorted(merged)]).encode())
    return len(merged)


def table(results: list[dict[str, Any]]) -> str:
    """A plain-text table of scores, statuses and flags."""
    lines = [("student", "assignment", "score", "status", "flags")]
    for r in results:
        flags = ";".join(r["flags"])
        raw = f" (withheld: {_number(r['raw_total'])})" if r.get("raw_total") is not None else ""
        lines.append((r["student"], r["assignment"], f"{_number(r['total'])}/{_number(r['max'])}{raw}",
                      r["status"] + ("" if r["sandboxed"] else " (unsandboxed)"),
                      flags if len(flags) <= 60 else flags[:57] + "..."))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, [*widths, 0], strict=True)).rstrip()
                     for line in lines)
