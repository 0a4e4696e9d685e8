"""What the browser tests share: the system's Chromium, named steps with screenshots on failure.

Playwright drives the system's Chromium (Playwright's own browser download is not available
offline; `make system-deps` installs Debian's `chromium`; set COURSE_CHROMIUM to another binary
to use that one).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium() -> str | None:
    """The Chromium to drive: $COURSE_CHROMIUM if set, else the first usual name on PATH."""
    if "COURSE_CHROMIUM" in os.environ:
        path = os.environ["COURSE_CHROMIUM"]
        return path if path and os.access(path, os.X_OK) else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def chromium_or_skip() -> str:
    """The browser binary, or a skip that says why there is none."""
    pytest.importorskip("playwright.sync_api", reason="playwright (pip) is not installed")
    path = find_chromium()
    if path is None:
        where = (f"COURSE_CHROMIUM={os.environ['COURSE_CHROMIUM']!r} is not an executable"
                 if "COURSE_CHROMIUM" in os.environ
                 else f"none of {', '.join(CHROMIUM_NAMES)} is on PATH")
        pytest.skip(f"no Chromium for the browser test ({where}); install it with "
                    "`make system-deps` (Debian's chromium) or point COURSE_CHROMIUM at one")
    return path


class Steps:
    """Named steps; a failing one screenshots every watched page, says where, and names the log."""

    def __init__(self, page: Any, folder: Path, log: Path) -> None:  # page: playwright's Page(s)
        self.pages = list(page) if isinstance(page, list | tuple) else [page]
        self.folder, self.log = folder, log
        self.times: dict[str, float] = {}

    def watch(self, page: Any) -> Any:
        """Screenshot this page too when a step fails; returns it."""
        self.pages.append(page)
        return page

    def _screenshots(self, slug: str) -> list[str]:
        """Save a full-page screenshot of each watched page; what was saved (or why not)."""
        saved = []
        for number, page in enumerate(self.pages):
            shot = self.folder / f"failed-{len(self.times):02d}-{slug}-{number}.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                saved.append(f"screenshot: {shot}")
            except Exception as error:  # the page itself may be gone
                saved.append(f"no screenshot of page {number} ({error})")
        return saved

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one step; time it; on failure screenshot the pages and name the files."""
        start = time.monotonic()
        try:
            yield
        except Exception as error:
            saved = "\n".join(self._screenshots(re.sub(r"\W+", "-", name)))
            raise AssertionError(f"browser step {name!r} failed: {error}\n{saved}\n"
                                 f"server log: {self.log}\nsteps done: {self.times}") from error
        self.times[name] = round(time.monotonic() - start, 1)
