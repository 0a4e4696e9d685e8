"""Where the local hub keeps its state and how its parts find each other (environment variables).

`python -m autograder.hub` writes a `HubSettings` into the environment of JupyterHub; the hub's
config passes it on to every user's server, whose Jupyter configuration (`instructor/`,
`student/`) reads it back with `HubSettings.from_env()`. One dataclass, one round trip.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path

from autograder.course import DEFAULT_WORK, REPO_ROOT

HUB_DIR = Path(__file__).resolve().parent
COURSE_ID = "streetlight"  # nbgrader's course id: the exchange folder and the hub groups' suffix
INSTRUCTOR = "instructor"
INSTRUCTORS_GROUP = f"formgrade-{COURSE_ID}"  # nbgrader's JupyterHubAuthPlugin reads these names
STUDENTS_GROUP = f"nbgrader-{COURSE_ID}"
DEFAULT_STATE = DEFAULT_WORK / "hub"
DEFAULT_PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
PREFIX = "COURSE_HUB_"


@dataclass(frozen=True)
class HubSettings:
    """Everything the hub and the users' servers must agree on."""

    state: Path = DEFAULT_STATE  # accounts, homes, exchange, JupyterHub's database
    root: Path = REPO_ROOT  # the course the instructor's formgrader serves
    ip: str = "127.0.0.1"
    port: int = 8000  # the proxy's public port: the URL everybody opens
    hub_port: int = 8081  # JupyterHub's own (internal) port
    proxy_api_port: int = 8001  # the proxy's REST API, which JupyterHub drives
    proxy: Path = DEFAULT_PROXY  # configurable-http-proxy, installed by `make hub-deps`
    sandbox: bool = True  # Autograde runs kernels in bubblewrap (the grader refuses otherwise)
    checks_only: bool = False  # Autograde skips the notebooks' demo cells (same scores)
    device: str = "cpu"
    grader_cache: Path | None = None  # expected runs shared with other work folders (tests)

    @property
    def url(self) -> str:
        """The address users open."""
        return f"http://{self.ip}:{self.port}/"

    @property
    def exchange(self) -> Path:
        """nbgrader's exchange root, shared by every account (`<course id>/` below it)."""
        return self.state / "exchange"

    @property
    def accounts(self) -> Path:
        """The accounts file (names, roles, passwords; readable by its owner only)."""
        return self.state / "accounts.json"

    def home(self, user: str) -> Path:
        """A user's home folder (also their notebook folder, except the instructor's)."""
        return self.state / "homes" / user

    @property
    def work(self) -> Path:
        """The course's work folder: gradebook, collected submissions, feedback."""
        return self.root / DEFAULT_WORK.relative_to(REPO_ROOT)

    @property
    def collected(self) -> Path:
        """Where Collect puts submissions (the grader stages its own copies in `submitted/`)."""
        return self.work / "collected"

    def to_env(self) -> dict[str, str]:
        """The settings as COURSE_HUB_* environment variables."""
        env = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                env[PREFIX + field.name.upper()] = str(int(value)) if isinstance(value, bool) \
                    else str(value)
        return env

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> HubSettings:
        """The settings from COURSE_HUB_* variables (defaults for those unset)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = env.get(PREFIX + field.name.upper())
            if raw is None:
                continue
            default = getattr(cls, field.name, None)
            if isinstance(default, bool):
                values[field.name] = raw not in ("0", "", "false", "False")
            elif isinstance(default, int):
                values[field.name] = int(raw)
            elif field.name in ("state", "root", "proxy", "grader_cache"):
                values[field.name] = Path(raw)
            else:
                values[field.name] = raw
        return cls(**values)  # type: ignore[arg-type]


def venv_bin() -> Path:
    """The `bin/` of the Python running the hub (jupyterhub, jupyterhub-singleuser, alembic)."""
    return Path(sys.executable).parent
