"""The student's and the TA's clicks in a real browser: Validate in JupyterLab, then the formgrader.

One smoke test, Playwright driving the system's Chromium (`ui_browser.py`). Everything the
HTTP API can show is asserted cheaply in test_ui_lab.py; this test covers what only clicks
show. On a failure it saves a screenshot and says where.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from ui_browser import CHROMIUM_FLAGS, Steps, chromium_or_skip
from ui_lab import EXCHANGE_MISSING, LabServer, copy_course, cpu_seconds, start_lab

from autograder.course import Course
from autograder.demo import solution_sources

ASSIGNMENT = "01_streetlight"
RELEASE = f"notebooks/{ASSIGNMENT}/streetlight.ipynb"
SOLUTION = f"solutions/{ASSIGNMENT}/streetlight.ipynb"
VALIDATE_TIMEOUT_MS = 240_000  # a whole notebook runs on the server; a loaded 2-core CI is slow


@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser binary, or a skip that says why there is none."""
    return chromium_or_skip()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabServer]:
    """`make lab` on a copy of the course (Validate saves the notebook it checks)."""
    server = start_lab(copy_course(tmp_path / "course"), tmp_path / "home", tmp_path / "lab.log")
    yield server
    server.stop()


def cell(page, index: int):
    """The notebook cell at `index` (JupyterLab attaches cells lazily: actions wait for it)."""
    return page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]')


def validate(page) -> str:
    """Press Validate, wait for nbgrader's result dialog, close it; the dialog's text."""
    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=VALIDATE_TIMEOUT_MS)
    text = dialog.inner_text()
    dialog.locator("button.jp-mod-accept").click()
    dialog.wait_for(state="detached")
    return text


def paste(page, index: int, code: str) -> None:
    """Replace a cell's code with `code` the way a student pastes it (no auto-indent)."""
    editor = cell(page, index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.evaluate("text => navigator.clipboard.writeText(text)", code)
    page.keyboard.press("Control+V")


@pytest.mark.slow
def test_student_validates_and_ta_sees_the_course(chromium: str, lab: LabServer,
                                                  tmp_path: Path) -> None:
    """Validate lists the blank release's failures, passes the pasted solution; formgrader lists.

    The student opens the released notebook 01 from the page `make lab` opens (the file
    browser at notebooks/), presses Validate (every graded check fails), pastes the solution's
    code into each exercise cell, runs the setup cell and each exercise with its check cell,
    and presses Validate again (success). The TA opens the formgrader (menu Nbgrader) and sees
    every assignment of the course.
    """
    from playwright.sync_api import expect, sync_playwright

    release = nbformat.read(lab.course / RELEASE, as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in release.cells]
    solutions = solution_sources(lab.course / SOLUTION)
    exercises = {i: solutions[m["grade_id"]] for i, m in enumerate(meta) if m.get("solution")}
    checks = [i for i, m in enumerate(meta) if m.get("grade") and release.cells[i].cell_type == "code"]
    setup = next(i for i, m in enumerate(meta) if m.get("grade_id") == "setup")
    assert exercises and len(checks) == len(exercises)

    cpu_start = cpu_seconds()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.url)
        page = context.new_page()
        steps = Steps(page, tmp_path, lab.log)
        try:
            with steps.step("open the released notebook from make lab's start page"):
                page.goto(f"{lab.url}/?token={lab.token}")  # where `make lab` opens the browser
                files = page.locator(".jp-DirListing-content")
                folder, notebook = RELEASE.split("/")[1:]
                files.locator(".jp-DirListing-item", has_text=folder).dblclick(timeout=60_000)
                files.locator(".jp-DirListing-item", has_text=notebook).dblclick(timeout=30_000)
                expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle",
                                                                           timeout=120_000)
                assert page.url.endswith(f"/lab/tree/{RELEASE}"), page.url
                page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True) \
                    .wait_for(timeout=60_000)

            with steps.step("validate the blank release"):
                text = validate(page)
                assert text.count("The following cell failed:") == len(checks), text
                assert "NotImplementedError" in text, text

            with steps.step("paste the solutions"):
                for index, code in exercises.items():
                    paste(page, index, code)

            with steps.step("run the setup, the exercises and their checks"):
                for index in sorted([setup, *exercises, *checks]):
                    cell(page, index).locator(".cm-content").click()
                    page.keyboard.press("Shift+Enter")
                for index in checks:
                    expect(cell(page, index).locator(".jp-InputArea-prompt")).to_have_text(
                        re.compile(r"\[\d+\]"), timeout=120_000)
                    errors = cell(page, index).locator(
                        '[data-mime-type="application/vnd.jupyter.stderr"]')
                    assert errors.count() == 0, errors.all_inner_texts()

            with steps.step("validate the solved notebook"):
                text = validate(page)
                assert "Success! Your notebook passes all the tests." in text, text
                saved = nbformat.read(lab.course / RELEASE, as_version=4)
                for index, code in exercises.items():  # pasted as is: nothing re-indented
                    assert saved.cells[index].source == code, saved.cells[index].source

            with steps.step("open the formgrader from the Nbgrader menu"):
                page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
                page.locator('.lm-Menu-item[data-command="nbgrader:open-formgrader"]').click()
                formgrader = page.frame_locator(".jp-MainAreaWidget iframe").first
                for name in Course(lab.course).assignments():
                    formgrader.locator("td", has_text=re.compile(f"^{name}$")).wait_for(
                        timeout=60_000)
                body = formgrader.locator("body").inner_text()
                assert EXCHANGE_MISSING not in body, body
            cpu = cpu_seconds() - cpu_start  # before the browser and the kernels are gone
        finally:
            browser.close()
    print(f"\nbrowser steps, wall s: {steps.times}; CPU s of the whole tree: {cpu:.1f}")
