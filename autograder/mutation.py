"""Mutation tests of a notebook's checks, graded through the real grader.

Each graded function ships with *mutants* (plausible wrong implementations, one per clause of
its contract: the typical student mistakes) and *alternatives* (other correct implementations).
Every mutant must lose points on its exercise; every alternative must keep full marks. They
live in `tests/mutants/<assignment>.py`:

    from autograder.mutation import alternative, mutant

    @mutant("strict inequalities: r > 120 and r > 3g")
    def rule_scores(images, captions):
        ...

    @alternative("integer masks summed with np.count_nonzero")
    def rule_scores(images, captions):
        ...

A variant replaces the same-named top-level function (or class) inside its solution cell; the
rest of that cell and every other exercise keep the solution's code. Its source must stand on
its own in the notebook's kernel: it may use the notebook's imports and functions, and imports
it makes inside its body. `check=` names the graded test cell that must lose points (default:
the first graded test cell after the variant's solution cell).

The variants are packed into as few submissions as possible (two mutants share a submission
only when neither touches the other's check), graded with `grade` in checks-only mode, and a
submission's untouched exercises must keep full marks (so no kill is credited to the wrong
variant). An alternative that shares a check with another one in its submission is blamed too
when that check loses points: a conservative verdict, never a lenient one.

*Blind* variants live beside them in `tests/mutants/blind/<assignment>.py`, in the same format,
written by a second author who saw only the released notebook (never the solution or the hidden
checks). They are graded together with the own ones and counted apart: a blind alternative that
loses points reveals a requirement the text never states, a blind mutant that keeps full marks a
stated rule that no check sees.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from autograder.course import Course

_COLLECTED: list[Variant] = []


@dataclass
class Variant:
    """One mutant or alternative implementation of a function (or class) of a notebook."""

    kind: str  # "mutant" or "alternative"
    name: str  # the function or class it replaces
    label: str  # what it gets wrong, or how it differs
    source: str
    check: str | None = None  # the graded test cell that must lose points (mutants)
    blind: bool = False  # written from the released notebook alone (tests/mutants/blind/)
    needs: str | None = None  # the only grading device it can differ on ("cuda"), if any
    cell: str = ""  # grade id of the solution cell that defines `name` (filled by `plan`)
    affected: frozenset[str] = frozenset()  # graded test cells that use `name` (filled by `plan`)


def _register(kind: str, label: str, check: str | None, needs: str | None = None) -> Callable[[Any], Any]:
    """Decorator factory: record a variant (its source is read from the file by `load_variants`)."""
    if not isinstance(label, str) or not label.strip():
        raise TypeError(f"@{kind} needs a label saying what the variant does")
    if needs not in (None, "cuda"):
        raise ValueError(f"@{kind} needs= names a grading device ('cuda'), not {needs!r}")

    def record(obj: Any) -> Any:
        """Note the definition and return it unchanged."""
        _COLLECTED.append(Variant(kind, obj.__name__, label.strip(), "", check, needs=needs))
        return obj

    return record


def mutant(label: str, check: str | None = None, needs: str | None = None) -> Callable[[Any], Any]:
    """Mark a wrong implementation: it must lose points on `check` (default: its exercise).

    `needs="cuda"` marks a mutant that only a GPU can tell apart (say, a result moved to the CPU):
    it is graded by `mutants --device cuda` and listed as not graded on a CPU.
    """
    return _register("mutant", label, check, needs)


def alternative(label: str) -> Callable[[Any], Any]:
    """Mark a different but correct implementation: it must keep full marks."""
    return _register("alternative", label, None)


def _decorated(path: Path) -> list[tuple[str, str]]:
    """(name, source without decorators) of every @mutant/@alternative definition, in file order.

    Read from the file's syntax tree, not with `inspect`, which finds a class by name and so
    would give every variant of a class the first one's source.
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found: list[tuple[str, str]] = []

    def marked(node: ast.AST) -> bool:
        """Decorated with mutant(...) or alternative(...)."""
        for decorator in getattr(node, "decorator_list", []):
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            if getattr(func, "id", getattr(func, "attr", None)) in ("mutant", "alternative"):
                return True
        return False

    def visit(node: ast.AST) -> None:
        """Depth first, in source order (the order in which the decorators run)."""
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                    and marked(child):
                body = textwrap.dedent("\n".join(lines[child.lineno - 1:child.end_lineno]))
                found.append((child.name, body))
            visit(child)

    visit(ast.parse(text, filename=str(path)))
    return found


def variant_files(root: Path, assignment: str) -> list[Path]:
    """An assignment's variants files: the own one, then the blind one when it exists."""
    own = root / "tests" / "mutants" / f"{assignment}.py"
    blind = root / "tests" / "mutants" / "blind" / f"{assignment}.py"
    return [own] + ([blind] if blind.is_file() else [])


def is_blind(path: Path) -> bool:
    """Whether a variants file holds blind variants (it lies in a folder named `blind`)."""
    return path.parent.name == "blind"


def load_variants(path: Path) -> list[Variant]:
    """Import a mutants file and return its variants, in file order (blind ones marked so)."""
    if not path.is_file():
        raise FileNotFoundError(f"no mutants file {path}")
    spec = importlib.util.spec_from_file_location(f"_mutants_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    _COLLECTED.clear()
    try:
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        variants = list(_COLLECTED)
    finally:
        sys.modules.pop(spec.name, None)
        _COLLECTED.clear()
    sources = _decorated(path)
    if [name for name, _ in sources] != [v.name for v in variants]:
        raise ValueError(f"{path}: define variants with @mutant/@alternative directly on a def or "
                         "class statement (no decorator aliases, no definitions built in loops)")
    for variant, (_, source) in zip(variants, sources, strict=True):
        variant.source = source
        variant.blind = is_blind(path)
    return variants


def _grade_id(cell: nbformat.NotebookNode) -> str:
    """A cell's nbgrader grade id ('' if none)."""
    return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))


def _is_test(cell: nbformat.NotebookNode) -> bool:
    """A graded test cell (grade, not solution)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _parse(source: str) -> ast.Module:
    """A cell's source as Python, IPython magics blanked (so line numbers stay those of the cell)."""
    lines = ["" if line.lstrip()[:1] in ("%", "!") else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def _names(node: ast.AST) -> set[str]:
    """Every plain name a piece of code mentions."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


@dataclass
class Layout:
    """What the mutation tests need to know of a solution notebook."""

    solutions: dict[str, str]  # grade id -> solution cell source (delimiters removed)
    defined_in: dict[str, str]  # function/class name -> grade id of its solution cell
    tests: list[str]  # grade ids of the graded test cells, in order
    uses: dict[str, set[str]] = field(default_factory=dict)  # test grade id -> names it depends on
    following: dict[str, str] = field(default_factory=dict)  # solution grade id -> next test cell


def layout(notebook: Path) -> Layout:
    """Solution cells, their definitions, and which graded test cell depends on which name."""
    nb = nbformat.read(notebook, as_version=4)
    solutions: dict[str, str] = {}
    defined_in: dict[str, str] = {}
    bodies: dict[str, set[str]] = {}
    tests: list[str] = []
    test_names: dict[str, set[str]] = {}
    following: dict[str, str] = {}
    pending: list[str] = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            source = "\n".join(line for line in cell.source.splitlines()
                               if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
            solutions[_grade_id(cell)] = source
            for node in _parse(source).body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    defined_in[node.name] = _grade_id(cell)
                    bodies[node.name] = _names(node)
            pending.append(_grade_id(cell))
        elif _is_test(cell):
            tests.append(_grade_id(cell))
            test_names[_grade_id(cell)] = _names(_parse(cell.source))
            for grade_id in pending:
                following[grade_id] = _grade_id(cell)
            pending = []
    uses = {}
    for test, names in test_names.items():
        closure, frontier = set(), names & set(defined_in)
        while frontier:
            closure |= frontier
            frontier = set().union(*(bodies[n] for n in frontier)) & set(defined_in) - closure
        uses[test] = closure
    return Layout(solutions, defined_in, tests, uses, following)


def plan(variants: list[Variant], shape: Layout) -> list[list[Variant]]:
    """Fill in each variant's cell and affected tests; pack them into submissions (batches)."""
    for variant in variants:
        if variant.name not in shape.defined_in:
            raise ValueError(f"{variant.kind} {variant.label!r}: the solution defines no function "
                             f"or class {variant.name!r} in a solution cell")
        variant.cell = shape.defined_in[variant.name]
        variant.affected = frozenset(t for t, names in shape.uses.items() if variant.name in names)
        if variant.kind == "mutant":
            variant.check = variant.check or shape.following.get(variant.cell)
            if variant.check not in shape.tests:
                raise ValueError(f"mutant {variant.label!r}: no graded test cell {variant.check!r}")
            variant.affected |= {variant.check}
    batches: list[list[Variant]] = []
    for kind in ("mutant", "alternative"):
        packed: list[list[Variant]] = []
        for variant in (v for v in variants if v.kind == kind):
            for batch in packed:
                if all(_compatible(v, variant) for v in batch):
                    batch.append(variant)
                    break
            else:
                packed.append([variant])
        batches += packed
    return batches


def _compatible(a: Variant, b: Variant) -> bool:
    """Whether two variants may share a submission without muddling their verdicts.

    Never two of one function. A mutant is judged on its own check alone, so two mutants may
    share a submission unless one touches the other's check (both may break a third check that
    uses both functions, such as a composed stemmer). Alternatives must leave every check at
    full marks, so only their own function matters.
    """
    if a.name == b.name:
        return False
    return a.kind == "alternative" or (a.check not in b.affected and b.check not in a.affected)


def splice(cell_source: str, variant: Variant) -> str:
    """The solution cell with the variant in place of its same-named definition."""
    lines = cell_source.splitlines()
    for node in _parse(cell_source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and node.name == variant.name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return "\n".join([*lines[:first - 1], variant.source, *lines[node.end_lineno:]])
    raise ValueError(f"{variant.name} is not defined in its solution cell")


def submission(release: Path, shape: Layout, batch: list[Variant]) -> nbformat.NotebookNode:
    """The release with every exercise solved, the batch's variants spliced in."""
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in shape.solutions:
            source = shape.solutions[grade_id]
            for variant in batch:
                if variant.cell == grade_id:
                    source = splice(source, variant)
            cell.source = source
    return nb


@dataclass
class Outcome:
    """What grading did to one variant."""

    variant: Variant
    passed: bool  # killed (mutant) or kept full marks (alternative)
    detail: str


def _verdicts(batch: list[Variant], checks: dict[str, dict[str, Any]]) -> list[Outcome]:
    """Judge one graded submission: kills, kept marks, and no cross-talk."""
    lost = {name.rsplit("/", 1)[-1]: c for name, c in checks.items() if c["points"] < c["max"]}
    touched = set().union(*(v.affected for v in batch))
    stray = sorted(t for t in lost if t not in touched)
    outcomes = []
    for variant in batch:
        if variant.kind == "mutant":
            killed = variant.check in lost
            note = lost[variant.check].get("note", "") if killed else "kept full marks on " \
                f"{variant.check}"
            outcomes.append(Outcome(variant, killed and not stray,
                                    f"lost points on {variant.check}: {note}" if killed else note))
        else:
            failed = sorted(t for t in variant.affected if t in lost)
            notes = "; ".join(f"{t}: {lost[t].get('note', '')}" for t in failed)
            outcomes.append(Outcome(variant, not failed and not stray,
                                    f"lost points on {notes}" if failed else "full marks"))
    if stray:
        for outcome in outcomes:
            outcome.detail += f" (and untouched checks lost points: {', '.join(stray)})"
    return outcomes


@dataclass
class Report:
    """The outcome of every variant of one assignment, and the perfect submission's score."""

    assignment: str
    outcomes: list[Outcome]
    baseline: str  # "" when the solution itself kept full marks, else why not
    submissions: int
    seconds: float
    ungraded: list[Variant] = field(default_factory=list)  # need another grading device
    device: str = "cpu"

    @property
    def ok(self) -> bool:
        """Every mutant killed, every alternative kept full marks, the solution full."""
        return not self.baseline and all(o.passed for o in self.outcomes)

    def counts(self, kind: str, blind: bool | None = None) -> tuple[int, int]:
        """(passed, total) for 'mutant' or 'alternative'; own (blind=False), blind or both."""
        chosen = [o for o in self.outcomes if o.variant.kind == kind
                  and (blind is None or o.variant.blind == blind)]
        return sum(o.passed for o in chosen), len(chosen)

    def _counts_text(self, blind: bool) -> str:
        """'32/32 mutants killed (100%), 9/9 alternatives kept full marks' for own or blind."""
        killed, mutants = self.counts("mutant", blind)
        kept, alternatives = self.counts("alternative", blind)
        rate = f"{100 * killed / mutants:.0f}%" if mutants else "n/a"
        return (f"{killed}/{mutants} mutants killed ({rate}), "
                f"{kept}/{alternatives} alternatives kept full marks")

    def summary(self) -> str:
        """One line: own and blind kill rates and alternatives kept, submissions graded, time."""
        blind = any(o.variant.blind for o in self.outcomes)
        counts = (f"own: {self._counts_text(False)}; blind: {self._counts_text(True)}" if blind
                  else f"{self._counts_text(False)}; no blind variants")
        later = (f"; {len(self.ungraded)} not graded on {self.device} (they differ only on "
                 f"{', '.join(sorted({v.needs or '' for v in self.ungraded}))}: mutants --device)"
                 if self.ungraded else "")
        return (f"{self.assignment}: {counts}{later}; {self.submissions} submissions graded in "
                f"{self.seconds:.0f} s"
                + (f"; the solution itself lost points: {self.baseline}" if self.baseline else ""))

    def table(self) -> str:
        """One line per variant, grouped by function."""
        lines = [self.summary()]
        for outcome in sorted(self.outcomes, key=lambda o: (o.variant.name, o.variant.kind)):
            v = outcome.variant
            verdict = ("killed" if outcome.passed else "SURVIVED") if v.kind == "mutant" else \
                ("kept" if outcome.passed else "LOST POINTS")
            kind = f"{'blind ' if v.blind else ''}{v.kind}"
            lines.append(f"  {v.name:<24} {kind:<17} {verdict:<11} {v.label}  [{outcome.detail}]")
        for v in self.ungraded:
            kind = f"{'blind ' if v.blind else ''}{v.kind}"
            lines.append(f"  {v.name:<24} {kind:<17} {'not graded':<11} {v.label}  [differs only on "
                         f"{v.needs}; graded by mutants --device {v.needs}]")
        return "\n".join(lines)


def run(course: Course, assignment: str, variants_files: list[Path], workers: int = 2,
        device: str = "cpu") -> Report:
    """Grade every variant of `assignment` in the files (checks-only) and judge the outcomes."""
    import time

    from autograder import sandbox
    from autograder.batch import grade_class
    from autograder.grade import GradeOptions
    from autograder.release import generate

    started = time.monotonic()
    notebooks = course.solution_notebooks(assignment)
    if len(notebooks) != 1:
        raise ValueError(f"mutation tests expect one notebook per assignment, {assignment} has "
                         f"{len(notebooks)}")
    shape = layout(notebooks[0])
    variants = [v for path in variants_files for v in load_variants(path)]
    ungraded = [v for v in variants if v.needs not in (None, device)]
    variants = [v for v in variants if v not in ungraded]
    batches = plan(variants, shape)
    work = Course(course.root, course.work / "mutants" / assignment, course.caches)
    shutil.rmtree(work.work, ignore_errors=True)
    work.work.mkdir(parents=True)
    folder = work.work / "class"
    temp = generate(course, [assignment], work.work)
    try:
        release = temp / "release" / assignment / notebooks[0].name
        students = {"solution": []} | {f"v{i:02d}": batch for i, batch in enumerate(batches, 1)}
        for student, batch in students.items():
            target = folder / student / assignment / notebooks[0].name
            target.parent.mkdir(parents=True)
            nbformat.write(submission(release, shape, batch), target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    options = GradeOptions(device=device, checks_only=True, sandboxed=sandbox.bwrap() is not None)
    graded = {r["student"]: r for r in grade_class(work, folder, assignment, options, workers,
                                                   force=True).results}
    base = graded["solution"]
    baseline = "" if base["total"] == base["max"] else \
        f"{base['total']}/{base['max']} ({base['status']})"
    outcomes = [o for student, batch in students.items() if batch
                for o in _verdicts(batch, graded[student]["checks"])]
    return Report(assignment, outcomes, baseline, len(students), time.monotonic() - started,
                  ungraded, device)
