"""JupyterHub's configuration for `make hub` (read through `python -m autograder.hub`, which sets
the COURSE_HUB_* variables; see `settings.py`).

- Authenticator: `AccountsAuthenticator`, one password per account (`accounts.py`).
- Spawner: JupyterHub's `SimpleLocalProcessSpawner`: every server runs as the Unix user that
  started the hub, each with its own home under `<state>/homes/` (students: also their notebook
  folder; the instructor's notebook folder is the course, as the formgrader needs).
- Groups: `formgrade-streetlight` (the instructor) and `nbgrader-streetlight` (the students), the
  names nbgrader's `JupyterHubAuthPlugin` reads to decide who may use which course.
- Each server's API token may read its own user's name and groups (and nothing else of the
  hub's): that is what the plugin asks the hub, and without it students are told "You do not
  have access to this course" and a released assignment stays "draft" for the instructor.
- Roles reach the servers as Jupyter config folders on JUPYTER_CONFIG_PATH: `instructor/` (the
  formgrader through the course's release and grader) or `student/` (Assignments and Validate).
"""

import os
from pathlib import Path
from typing import Any

from autograder.hub import accounts
from autograder.hub.settings import (
    COURSE_ID,
    HUB_DIR,
    INSTRUCTOR,
    INSTRUCTORS_GROUP,
    STUDENTS_GROUP,
    HubSettings,
    venv_bin,
)
from utils.scenes.cache import CACHE_ENV, DEFAULT_CACHE

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

hub = HubSettings.from_env()
users = accounts.load(hub.accounts)
if not users:
    raise SystemExit(f"no accounts in {hub.accounts}: start the hub with `make hub`")
students = sorted(name for name in users if accounts.role(users, name) == accounts.STUDENT)

# Loopback only: the proxy (public port), the hub and the proxy's API.
c.JupyterHub.ip = hub.ip
c.JupyterHub.port = hub.port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = hub.hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [str(hub.proxy)]
c.ConfigurableHTTPProxy.pid_file = str(hub.state / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{hub.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub.state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # Ctrl-C stops every user's server and the proxy too
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = accounts.AccountsAuthenticator
c.AccountsAuthenticator.accounts_file = str(hub.accounts)
c.Authenticator.allowed_users = set(users)
c.JupyterHub.load_groups = {INSTRUCTORS_GROUP: {"users": [INSTRUCTOR]},
                            STUDENTS_GROUP: {"users": students}}

c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(hub.state / "homes" / "{username}")
c.Spawner.cmd = [str(venv_bin() / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180  # a loaded 2-core machine starts JupyterLab slowly
c.Spawner.http_timeout = 180
c.Spawner.server_token_scopes = ["access:servers!server", "users:activity!user",
                                 "read:users:name!user", "read:users:groups!user"]
if os.geteuid() == 0:  # the servers run as the hub's user; Jupyter refuses root unless told
    c.Spawner.args = ["--allow-root"]


def role_of(spawner: Any) -> str:
    """'instructor' or 'student' for the user a spawner starts."""
    return accounts.role(users, spawner.user.name)


def config_path(spawner: Any) -> str:
    """The Jupyter config folder of the user's role (`instructor/` or `student/`)."""
    return str(HUB_DIR / role_of(spawner))


def results_file(spawner: Any) -> str:
    """Each user's ladder of results (utils.results), in their own home."""
    return str(hub.home(spawner.user.name) / "results" / "ladder.json")


c.Spawner.environment = {
    **hub.to_env(),
    "JUPYTER_CONFIG_PATH": config_path,
    "COURSE_RESULTS_FILE": results_file,
    # The Scenes data set is deterministic: one cache for the whole class.
    "COURSE_DATA_DIR": os.environ.get(CACHE_ENV) or str(DEFAULT_CACHE.expanduser()),
}


def pre_spawn_hook(spawner: Any) -> None:
    """The instructor's notebook folder is the course (the formgrader serves it from there)."""
    if role_of(spawner) == accounts.INSTRUCTOR:
        spawner.notebook_dir = str(hub.root)
    Path(spawner.home_dir).mkdir(parents=True, exist_ok=True)


c.Spawner.pre_spawn_hook = pre_spawn_hook
c.JupyterHub.template_vars = {"announcement_login": f"Course {COURSE_ID}: log in with the account "
                              "and password `make hub` printed."}
