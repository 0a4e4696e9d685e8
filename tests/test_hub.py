"""The hub's parts without a hub: settings, accounts and login, each role's configuration as
Jupyter and nbgrader load it, JupyterHub's configuration, and the formgrader's Generate and
Release going through the course's release (the browser test, test_ui_hub.py, runs the rest).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import stat
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml
from nbgrader.api import Gradebook
from nbgrader.apps import NbGrader
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config, PyFileConfigLoader

from autograder.hub import accounts
from autograder.hub.formgrader import CourseAPI, _jupyter_server_extension_points
from autograder.hub.settings import COURSE_ID, HUB_DIR, HubSettings
from autograder.leaks import secret_lines

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "sample_course"


def test_settings_travel_through_the_environment(tmp_path: Path) -> None:
    """What the launcher writes is what every server reads back."""
    settings = HubSettings(state=tmp_path / "state", port=8123, hub_port=9001, proxy_api_port=9002,
                           sandbox=False, checks_only=True, device="cuda",
                           grader_cache=tmp_path / "cache")
    assert HubSettings.from_env(settings.to_env()) == settings
    assert HubSettings.from_env({}) == HubSettings()
    assert settings.url == "http://127.0.0.1:8123/" and settings.exchange == tmp_path / "state" / \
        "exchange"


def test_each_account_logs_in_with_its_own_password_only(tmp_path: Path) -> None:
    """Passwords stay when accounts are added; nobody logs in with another account's password."""
    path = tmp_path / "accounts.json"
    first = accounts.ensure(path, accounts.student_names(2))
    assert list(first) == ["instructor", "student1", "student2"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = accounts.ensure(path, accounts.student_names(3))
    assert {k: again[k] for k in first} == first and again["student3"]["role"] == "student"
    login = accounts.AccountsAuthenticator(accounts_file=str(path))

    def attempt(user: str, password: str) -> str | None:
        return asyncio.run(login.authenticate(None, {"username": user, "password": password}))

    assert attempt("student1", first["student1"]["password"]) == "student1"
    assert attempt("student1", first["student2"]["password"]) is None
    assert attempt("instructor", first["student1"]["password"]) is None
    assert attempt("student1", "") is None and attempt("nobody", "x") is None


def nbgrader_config(role: str, env: dict[str, str], tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> Config:
    """The nbgrader config a role's server loads (its folder on JUPYTER_CONFIG_PATH)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(HUB_DIR / role))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    app = NbGrader()
    app.load_config_file()
    return app.config


def test_the_roles_get_the_course_config_and_the_hub_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Students: the course's limits for Validate, the exchange, their own id; the instructor:
    the course id (#971), Collect beside the grader's folders, the grader's options."""
    hub = HubSettings(state=tmp_path / "state", sandbox=False, checks_only=True)
    course = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "autograder")).load_config()
    env = {**hub.to_env(), "JUPYTERHUB_USER": "student1"}
    student = nbgrader_config("student", env, tmp_path, monkeypatch)
    assert student.Execute.timeout == course.Execute.timeout
    assert student.Exchange.root == str(hub.exchange) and student.Exchange.path_includes_course
    assert student.Authenticator.plugin_class == "nbgrader.auth.JupyterHubAuthPlugin"
    assert student.CourseDirectory.student_id == "student1"  # not the shared Unix user
    assert "course_id" not in student.CourseDirectory  # every course of the student's groups
    teacher = nbgrader_config("instructor", env, tmp_path, monkeypatch)
    assert teacher.CourseDirectory.course_id == COURSE_ID
    assert teacher.CourseDirectory.root == str(ROOT)
    assert teacher.CourseDirectory.submitted_directory == "autograder/work/collected"
    assert teacher.CourseDirectory.db_url == course.CourseDirectory.db_url
    assert teacher.Exchange.root == str(hub.exchange)
    assert teacher.Authenticator.plugin_class == "nbgrader.auth.JupyterHubAuthPlugin"
    assert (teacher.CourseGrader.sandbox, teacher.CourseGrader.checks_only) == (False, True)


def test_only_the_instructor_gets_the_formgrader() -> None:
    """Server extensions and JupyterLab plugins of each role."""
    servers = {role: PyFileConfigLoader("jupyter_server_config.py", path=str(HUB_DIR / role))
               .load_config().ServerApp for role in ("instructor", "student")}
    assert servers["instructor"].jpserver_extensions["autograder.hub.formgrader"] is True
    assert "frame-ancestors 'self'" in servers["instructor"].tornado_settings["headers"][
        "Content-Security-Policy"]  # the formgrader opens in a frame of the instructor's lab
    assert servers["student"].jpserver_extensions["nbgrader.server_extensions.formgrader"] is False
    lab = json.loads((HUB_DIR / "student" / "labconfig" / "page_config.json").read_text())
    assert lab["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert _jupyter_server_extension_points() == [{"module": "autograder.hub.formgrader"}]


def test_jupyterhub_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback, per-account login, the course's groups, narrow server tokens, a home each."""
    hub = HubSettings(state=tmp_path / "state", port=8123)
    users = accounts.ensure(hub.accounts, accounts.student_names(2))
    for key, value in hub.to_env().items():
        monkeypatch.setenv(key, value)
    c = PyFileConfigLoader("jupyterhub_config.py", path=str(HUB_DIR)).load_config()
    assert (c.JupyterHub.ip, c.JupyterHub.hub_ip) == ("127.0.0.1", "127.0.0.1")
    assert c.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert c.JupyterHub.authenticator_class is accounts.AccountsAuthenticator
    assert c.Authenticator.allowed_users == set(users)
    assert c.JupyterHub.load_groups == {f"formgrade-{COURSE_ID}": {"users": ["instructor"]},
                                       f"nbgrader-{COURSE_ID}": {"users": ["student1", "student2"]}}
    assert set(c.Spawner.server_token_scopes) == {
        "access:servers!server", "users:activity!user", "read:users:name!user",
        "read:users:groups!user"}  # what nbgrader's JupyterHubAuthPlugin reads (#1936, #1293)
    assert c.JupyterHub.spawner_class == "jupyterhub.spawner.SimpleLocalProcessSpawner"
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(hub.state / "homes" / "{username}")
    for user, role in (("instructor", "instructor"), ("student2", "student")):
        spawner = SimpleNamespace(user=SimpleNamespace(name=user), home_dir=str(hub.home(user)),
                                  notebook_dir="")
        assert c.Spawner.environment["JUPYTER_CONFIG_PATH"](spawner) == str(HUB_DIR / role)
        c.Spawner.pre_spawn_hook(spawner)
        assert spawner.notebook_dir == (str(hub.root) if role == "instructor" else "")


def formgrader_api(root: Path, exchange: Path) -> CourseAPI:
    """The API the formgrader builds on the hub, for a course at `root`."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "autograder")).load_config()
    work = root / "autograder" / "work"
    work.mkdir(parents=True, exist_ok=True)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.submitted_directory = "autograder/work/collected"
    config.CourseDirectory.db_url = f"sqlite:///{work / 'gradebook.db'}"
    config.CourseDirectory.course_id = COURSE_ID
    config.Exchange.root = str(exchange)
    return CourseAPI(CourseDirectory(config=config), config=config)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")  # nbgrader's own
def test_generate_and_release_go_through_the_course_release(tmp_path: Path) -> None:
    """Generate refuses a release that leaks; Release writes the course's release, registers it
    and hands it to the exchange; Autograde without a collected submission says so."""
    root = tmp_path / "course"
    shutil.copytree(SAMPLE / "solutions", root / "solutions")
    api = formgrader_api(root, tmp_path / "exchange")
    source = root / "solutions" / "01_sample"
    (source / "notes.txt").write_text(sorted(secret_lines(source / "sample.ipynb"))[0] + "\n")
    done = api.generate_assignment("01_sample")
    assert not done["success"] and "leak" in done["error"], done
    assert not (root / "notebooks" / "01_sample").exists()

    (source / "notes.txt").unlink()
    done = api.release_assignment("01_sample")
    assert done["success"], done
    assert "course release" in done["log"] and "registered in the gradebook" in done["log"]
    released = root / "notebooks" / "01_sample" / "sample.ipynb"
    assert not any(c.get("outputs") for c in nbformat.read(released, 4).cells)
    with Gradebook(api.coursedir.db_url) as gradebook:
        assert gradebook.find_assignment("01_sample").max_score > 0
    outbound = tmp_path / "exchange" / COURSE_ID / "outbound" / "01_sample"
    assert (outbound / "sample.ipynb").read_bytes() == released.read_bytes()
    done = api.autograde("01_sample", "nobody")
    assert not done["success"] and "press Collect first" in done["error"], done


def test_the_deployment_config_parses() -> None:
    """The Kubernetes values file is valid YAML and its Python snippets compile (not deployed)."""
    values = yaml.safe_load((HUB_DIR / "deploy" / "z2jh-values.yaml").read_text())
    for name, snippet in values["hub"]["extraConfig"].items():
        compile(snippet, name, "exec")
    for path, entry in values["singleuser"]["extraFiles"].items():
        if entry["mountPath"].endswith(".py"):
            compile(entry["stringData"], path, "exec")
