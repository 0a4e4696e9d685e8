"""Where things are: the course root (solutions/, notebooks/), the work folder, nbgrader's config."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config, PyFileConfigLoader

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DEFAULT_WORK = PACKAGE_DIR / "work"
IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
PAIRED_SUFFIXES = (".py", ".md", ".pct.py")


def usable_cpus() -> int:
    """CPUs this process may run on (a Slurm or cgroup allocation, not every core of the node)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no sched_getaffinity
        return os.cpu_count() or 1


def paired_text_globs(source: Path) -> list[str]:
    """Ignore patterns for the jupytext twins (`name.py`, `name.md`) of every source notebook."""
    stems = sorted({p.stem for p in source.glob("*/*.ipynb")}) if source.is_dir() else []
    return [f"{stem}{suffix}" for stem in stems for suffix in PAIRED_SUFFIXES]


def ensure_tools_on_path() -> None:
    """Put this Python's `bin/` first on PATH: nbgrader shells out to `alembic`."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def file_digest(paths: list[Path]) -> str:
    """sha256 over the names and bytes of some files."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Course:
    """A course root holding `solutions/` and `notebooks/`, and a work folder for grading."""

    root: Path = REPO_ROOT
    work: Path = DEFAULT_WORK
    cache: Path | None = None  # where expected runs and the data cache live (default: `work`)

    @property
    def caches(self) -> Path:
        """The folder of the expected runs and the data cache (shareable between work folders)."""
        return self.cache or self.work

    @property
    def solutions(self) -> Path:
        """The source notebooks (solutions and hidden tests)."""
        return self.root / "solutions"

    @property
    def notebooks(self) -> Path:
        """The released student notebooks."""
        return self.root / "notebooks"

    def assignments(self) -> list[str]:
        """Assignment names: the folders of `solutions/` that hold a notebook."""
        if not self.solutions.is_dir():
            return []
        return sorted(p.name for p in self.solutions.iterdir()
                      if p.is_dir() and any(p.glob("*.ipynb")))

    def solution_notebooks(self, assignment: str) -> list[Path]:
        """The source notebooks of one assignment."""
        return sorted((self.solutions / assignment).glob("*.ipynb"))

    def resolve(self, names: list[str] | None) -> list[str]:
        """The named assignments (all when none are named); unknown names are an error."""
        known = self.assignments()
        if not names:
            return known
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SystemExit(f"unknown assignment(s) {', '.join(unknown)}; "
                             f"{self.solutions} has: {', '.join(known) or 'none'}")
        return list(names)

    def config(self, root: Path | None = None) -> Config:
        """nbgrader's config (autograder/nbgrader_config.py) for a course directory at `root`.

        `root` defaults to the work folder: `source/` and `release/` there are the grader's
        own copies, so grading never touches `solutions/` or `notebooks/`.
        """
        root = Path(root or self.work)
        config = PyFileConfigLoader("nbgrader_config.py", path=str(PACKAGE_DIR)).load_config()
        folders = {"source": "source", "release": "release", "submitted": "submitted",
                   "autograded": "autograded", "feedback": "feedback", "solution": "solution"}
        for step, folder in folders.items():
            setattr(config.CourseDirectory, f"{step}_directory", folder)
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}?timeout=120"
        config.CourseDirectory.ignore = [*IGNORE, *paired_text_globs(self.solutions)]
        config.Exchange.root = str(root / "exchange")
        return config

    def api(self, root: Path | None = None, config: Config | None = None) -> NbGraderAPI:
        """nbgrader's Python API for the course directory at `root` (default: the work folder)."""
        ensure_tools_on_path()  # every caller, not only the CLI: nbgrader shells out to `alembic`
        config = config or self.config(root)
        Path(config.Exchange.root).mkdir(parents=True, exist_ok=True)
        return NbGraderAPI(CourseDirectory(config=config), config=config)
