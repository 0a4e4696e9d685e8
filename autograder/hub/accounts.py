"""The hub's accounts: one instructor, N students, each with a password of its own.

The accounts file (`<state>/accounts.json`, mode 0600) is written by `python -m autograder.hub`
and read by `AccountsAuthenticator`, a JupyterHub authenticator that accepts a name only with its
own password. A shared-password authenticator would let any student log in as any other, so the
hub could not keep students out of each other's servers; a real deployment replaces this class
with the institution's login (OAuthenticator, LTI 1.3, or PAM on The Littlest JupyterHub).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from autograder.hub.settings import INSTRUCTOR

STUDENT = "student"


def student_names(count: int) -> list[str]:
    """`student1`, `student2`, ... `student<count>`."""
    return [f"student{i}" for i in range(1, count + 1)]


def load(path: Path) -> dict[str, dict[str, str]]:
    """The accounts file as {name: {"role": ..., "password": ...}} ({} when there is none)."""
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def ensure(path: Path, students: list[str]) -> dict[str, dict[str, str]]:
    """Add the instructor and any missing student to the accounts file; existing ones keep theirs."""
    accounts = load(path)
    for name, role in [(INSTRUCTOR, INSTRUCTOR), *((s, STUDENT) for s in students)]:
        accounts.setdefault(name, {"role": role, "password": secrets.token_urlsafe(9)})
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(accounts, indent=1))
    temp.chmod(0o600)
    os.replace(temp, path)
    return accounts


def role(accounts: dict[str, dict[str, str]], name: str) -> str:
    """'instructor' or 'student'."""
    return accounts[name]["role"]


class AccountsAuthenticator(Authenticator):
    """JupyterHub login against the accounts file: each name with its own password."""

    accounts_file = Unicode(help="The accounts file written by `python -m autograder.hub`.").tag(
        config=True)

    def _accounts(self) -> dict[str, dict[str, str]]:
        """The accounts, read afresh (the file is tiny)."""
        return load(Path(self.accounts_file))

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
        """The user name when its password matches, else None (JupyterHub then says so)."""
        account = self._accounts().get(data.get("username", ""))
        if account and secrets.compare_digest(account["password"].encode(),
                                              data.get("password", "").encode()):
            return data["username"]
        return None
