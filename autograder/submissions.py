"""Find submissions in nbgrader's layout or in a flat LMS export, shard them, stage them."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

IGNORED = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


@dataclass(frozen=True)
class Submission:
    """One student's submission of one assignment: a folder (nbgrader layout) or one notebook."""

    student: str
    assignment: str
    source: Path

    @property
    def key(self) -> str:
        """`assignment/student`, unique within a class."""
        return f"{self.assignment}/{self.student}"

    def files(self) -> list[Path]:
        """The submitted files (relative names are kept when staged)."""
        if self.source.is_file():
            return [self.source]
        return sorted(p for p in self.source.rglob("*")
                      if p.is_file() and not IGNORED & set(p.relative_to(self.source).parts))

    def digest(self) -> str:
        """sha256 over the submitted files' names and bytes."""
        digest = hashlib.sha256()
        base = self.source.parent if self.source.is_file() else self.source
        for path in self.files():
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()


def _valid_id(name: str) -> bool:
    """Student ids become folder names: no separators, no leading dot, not empty."""
    return bool(name) and name[0] != "." and "/" not in name and "\\" not in name


def discover(folder: Path, assignments: list[str], only: str | None = None) -> list[Submission]:
    """Submissions under `folder`, sorted by (assignment, student).

    Layouts: `<student>/<assignment>/*.ipynb` (nbgrader), or `<student>_anything.ipynb` files
    directly in `folder` (a learning-management-system download; needs one assignment).
    """
    if not folder.is_dir():
        raise SystemExit(f"{folder} is not a folder of submissions")
    wanted = [only] if only else assignments
    flat = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    found: dict[tuple[str, str], Submission] = {}
    if flat:
        if len(wanted) != 1:
            raise SystemExit(f"{folder} holds notebooks directly: say which assignment they are "
                             f"with --assignment (one of {', '.join(assignments)})")
        for path in flat:
            student = path.name.split("_", 1)[0] if "_" in path.name else path.stem
            if not _valid_id(student):
                continue
            if (wanted[0], student) in found:
                raise SystemExit(f"two notebooks for student {student!r} in {folder}: "
                                 f"{found[wanted[0], student].source.name} and {path.name}")
            found[wanted[0], student] = Submission(student, wanted[0], path)
    else:
        for student_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            for name in wanted:
                sub = student_dir / name
                if _valid_id(student_dir.name) and sub.is_dir() and any(sub.glob("*.ipynb")):
                    found[name, student_dir.name] = Submission(student_dir.name, name, sub)
    return [found[k] for k in sorted(found)]


def shard(submissions: list[Submission], spec: str | None) -> list[Submission]:
    """The K-th of N contiguous chunks (`spec` = "K/N", 1 <= K <= N) of the list sorted by student."""
    if not spec:
        return submissions
    try:
        k, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise SystemExit(f"--shard wants K/N, such as 1/4, got {spec!r}") from None
    if not 1 <= k <= n:
        raise SystemExit(f"--shard {spec}: K must be between 1 and N")
    ordered = sorted(submissions, key=lambda s: (s.student, s.assignment))
    size, extra = divmod(len(ordered), n)
    start = (k - 1) * size + min(k - 1, extra)
    return ordered[start:start + size + (1 if k <= extra else 0)]


def stage(submission: Submission, target: Path, notebook_names: list[str]) -> None:
    """Copy a submission into `target` (nbgrader's submitted/<student>/<assignment>/).

    A lone notebook under another name (a download renamed it) takes the released name.
    """
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    base = submission.source.parent if submission.source.is_file() else submission.source
    for path in submission.files():
        destination = target / path.relative_to(base)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    notebooks = sorted(target.glob("*.ipynb"))
    if len(notebook_names) == 1 and len(notebooks) == 1 and notebooks[0].stem != notebook_names[0]:
        notebooks[0].rename(target / f"{notebook_names[0]}.ipynb")
