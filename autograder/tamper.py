"""Tamper evidence for the CSV's flags column, and the one flag rule that changes points.

Structural flags compare a submission with its release: a locked cell edited, emptied or
deleted (nbgrader restores it before running), a grade id renamed. Static flags scan the code a
student wrote for the usual ways of subverting checks in a shared kernel, and for ways of
reaching outside the notebook (paths, the shell, the environment, the grader's internals).

Flags ask a TA for a look; they never add points. Sandboxed, nothing outside the notebook is
visible, so flags change nothing. Unsandboxed (`grade --no-sandbox`), a submission flagged as
reaching outside (`OUTSIDE`) has its points withheld: nothing proves it did not read the answers.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Any

STATIC_PATTERNS = {
    "set_custom_exc": r"\bset_custom_exc\b",
    "showtraceback": r"\bshow(traceback|syntaxerror)\b|_showtraceback",
    "input_transformers": r"input_transformers|ast_transformers|input_transformer_manager",
    "ipython-hooks": r"\bevents\s*\.\s*register\b|\brun_cell\b|\bregister_(cell_)?magic",
    "os._exit": r"\bos\s*\.\s*_exit\b|\bos\s*\.\s*kill\b|\bos\s*\.\s*abort\b",
    "sys.exit": r"\bsys\s*\.\s*exit\b|(?<![\w.])(exit|quit)\s*\(",
    "patched-numpy.testing": r"\b(np|numpy)\s*\.\s*testing\b[\w. \t]*=(?!=)",
    "patched-torch.testing": r"\btorch\s*\.\s*testing\b[\w. \t]*=(?!=)",
    "patched-utils.checks": r"\bchecks\s*\.\s*\w+\s*=(?!=)",
    "patched-assert": r"\bassert_\w+\s*=(?!=)",
    "setattr-on-module": r"\bsetattr\s*\(\s*(np|numpy|torch|utils|checks|sys|builtins)\b",
    "sys.modules": r"\bsys\s*\.\s*modules\b",
    "builtins": r"\b__builtins__\b|\bbuiltins\b",
    "__eq__": r"__(eq|ne|bool|array_ufunc|array_function|torch_function)__",
    "grader-internals": r"\bautograder\b|\bcompare_with_solution\b|COURSE_PROBE|COURSE_SOLUTIONS",
    "shell": r"\bsubprocess\b|\bos\s*\.\s*(system|popen|exec\w*|spawn\w*|fork)\b|\bgetppid\b|"
             r"\bpty\b|^\s*!|%%?(sx|system|bash|sh|script)\b",
    "environment": r"\benviron\b|\bgetenv\b|\bexpanduser\b|\.\s*home\s*\(|\bchdir\b",
}
# Patterns searched in string literals only (honest code names variables freely).
STRING_PATTERNS = {
    "solutions-path": r"(^|[/\\])solutions([/\\]|$)",
    "outside-path": r"^(/[\w.~-]|~|\.\.([/\\]|$))|[/\\]\.\.([/\\]|$)",
}
# Flags that mean "reached outside its own notebook": without the sandbox nothing proves that
# such a submission did not read the answers, so its points are withheld (see `withheld`).
OUTSIDE = ("static:solutions-path", "static:outside-path", "static:grader-internals",
           "static:shell", "static:environment")


def withheld(flags: list[str], sandboxed: bool) -> bool:
    """Whether a submission's points are withheld: unsandboxed and flagged as reaching outside."""
    return not sandboxed and any(flag in OUTSIDE for flag in flags)


def _cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The cells of a notebook dict."""
    return list(nb.get("cells", []))


def _source(cell: dict[str, Any]) -> str:
    """A cell's source as one string."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    """The cell's nbgrader metadata ({} when absent or malformed)."""
    meta = cell.get("metadata", {})
    value = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return value if isinstance(value, dict) else {}


def _kind(meta: dict[str, Any]) -> str:
    """'test', 'solution', 'locked' or 'other' for a cell's nbgrader metadata."""
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("solution"):
        return "solution"
    return "locked" if meta.get("locked") else "other"


def structural_flags(submitted: dict[str, Any], release: dict[str, Any]) -> list[str]:
    """Edited, emptied, deleted locked cells and renamed grade ids, compared with the release."""
    released = {_nbgrader(c).get("grade_id"): c for c in _cells(release) if _nbgrader(c).get("grade_id")}
    present: dict[str, dict[str, Any]] = {}
    unknown: list[tuple[str, str]] = []
    for cell in _cells(submitted):
        grade_id = _nbgrader(cell).get("grade_id")
        if not isinstance(grade_id, str) or not grade_id:
            continue
        if grade_id in released:
            present.setdefault(grade_id, cell)
        else:
            unknown.append((grade_id, _kind(_nbgrader(cell))))
    flags: list[str] = []
    for grade_id, cell in released.items():
        meta = _nbgrader(cell)
        if grade_id not in present:
            kind = _kind(meta)
            match = next((u for u in unknown if u[1] == kind), None)
            if match:
                unknown.remove(match)
                flags.append(f"renamed-grade-id:{grade_id}->{match[0]}")
            elif kind in ("test", "locked"):
                flags.append(f"deleted-cell:{grade_id}")
            continue
        if meta.get("locked") and _source(present[grade_id]).strip() != _source(cell).strip():
            emptied = not _source(present[grade_id]).strip()
            flags.append(f"{'emptied' if emptied else 'edited'}-cell:{grade_id}")
    flags += [f"unknown-grade-id:{grade_id}" for grade_id, _ in unknown]
    return flags


def _split_code(source: str) -> tuple[str, list[str]]:
    """(code without comments and strings, the string literals) of Python source."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source, []
    strings = [t.string for t in tokens if t.type == tokenize.STRING]
    kept = [(t.type, '""') if t.type == tokenize.STRING else (t.type, t.string)
            for t in tokens if t.type != tokenize.COMMENT]
    try:
        return tokenize.untokenize(kept), [_literal(s) for s in strings]
    except ValueError:
        return source, strings


def _literal(token: str) -> str:
    """The text inside a string token (prefixes and quotes removed)."""
    body = token.lstrip("rRbBuUfF")
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    return body[len(quote):-len(quote)] if len(body) >= 2 * len(quote) else body


def static_flags(submitted: dict[str, Any], release: dict[str, Any]) -> list[str]:
    """Suspicious constructs in the code cells a student wrote or changed."""
    given = {_source(c) for c in _cells(release)}
    code, strings = [], []
    for cell in _cells(submitted):
        if cell.get("cell_type") == "code" and _source(cell) not in given:
            text, literals = _split_code(_source(cell))
            code.append(text)
            strings += literals
    joined = "\n".join(code)
    flags = [name for name, pattern in STATIC_PATTERNS.items() if re.search(pattern, joined, re.M)]
    flags += [name for name, pattern in STRING_PATTERNS.items()
              if any(re.search(pattern, s.strip()) for s in strings)]
    return [f"static:{name}" for name in sorted(flags)]
