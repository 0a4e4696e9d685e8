"""A class on the local JupyterHub (`make hub`), clicked through in a real browser.

The instructor releases notebook 01 from the formgrader; two students log in, fetch it, one
pastes the solution (and uploads a file with it), the other submits it blank; the instructor
collects, autogrades both (the course's grader), generates and releases feedback; each student
fetches their feedback and reads the right score. On the way it checks what TAs trip over on
nbgrader's tracker: no "course id not set" warning (jupyter/nbgrader#971), "released" with a
Collect button after Release (#1293), collect and uploaded files without permission errors
(#728, #775), an exchange root writable by everyone (#1225), no "You do not have access to this
course" (#1936); and what the hub guarantees between accounts: a student cannot reach another
student's server or the instructor's (so neither their submission nor `solutions/`), nor leave
their own home through their server's file API. Then Ctrl-C stops everything.

Playwright drives the system's Chromium (`ui_browser.py`); everything runs on loopback, every
process is started and stopped by the test; a failing step leaves screenshots of every page.
"""

from __future__ import annotations

import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from ui_browser import CHROMIUM_FLAGS, Steps, chromium_or_skip
from ui_hub import Hub, fresh_course, port_open, proxy_or_skip, start_hub
from ui_lab import cpu_seconds

from autograder.demo import solution_sources
from autograder.hub.settings import COURSE_ID

ASSIGNMENT = "01_streetlight"
NOTEBOOK = f"{COURSE_ID}/{ASSIGNMENT}/streetlight.ipynb"  # in a student's home, after Fetch
SOLUTION = f"solutions/{ASSIGNMENT}/streetlight.ipynb"
UPLOAD = "sketch.txt"
GRADE_TIMEOUT_MS = 600_000  # the first Autograde also runs the solution once (cached after)


@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser binary, or a skip that says why there is none."""
    return chromium_or_skip()


@pytest.fixture
def hub(tmp_path: Path, course_cache: Path) -> Iterator[Hub]:
    """`make hub` on a copy of the course; stopped (and checked for leftovers) by the test."""
    proxy_or_skip()
    server = start_hub(fresh_course(tmp_path), tmp_path / "home", tmp_path / "hub.log",
                       course_cache)
    yield server
    server.stop()


def login(browser, hub: Hub, user: str):
    """A browser context logged in as `user`, on their JupyterLab (the hub starts the server)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hub.url)
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password(user))
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
    page.locator(".jp-DirListing-content").wait_for(timeout=180_000)
    return page


def menu(page, command: str) -> None:
    """Open an item of JupyterLab's Nbgrader menu."""
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


def assignments(page):
    """The Assignments panel (Nbgrader > Assignment List), with the course's lists loaded."""
    menu(page, "nbgrader:open-assignment-list")
    panel = page.locator("#assignments")
    panel.locator("#course_list_default", has_text=COURSE_ID).wait_for(timeout=60_000)
    return panel


def item(panel, section: str):
    """The assignment's row in one of the panel's lists (released, fetched, submitted)."""
    return panel.locator(f"#{section}_assignments_list .list_item", has_text=ASSIGNMENT)


def dialog(frame, timeout: float = 120_000) -> str:
    """Wait for the formgrader's result dialog, close it; its text (title and log)."""
    modal = frame.locator(".modal-dialog")
    modal.wait_for(timeout=timeout)
    text = modal.inner_text()
    modal.locator("button", has_text="OK").first.click()
    modal.wait_for(state="detached")
    return text


def paste(page, index: int, code: str) -> None:
    """Replace a cell's code with `code` the way a student pastes it (no auto-indent)."""
    editor = page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"] .cm-content')
    editor.click()
    page.keyboard.press("Control+A")
    page.evaluate("text => navigator.clipboard.writeText(text)", code)
    page.keyboard.press("Control+V")


def get(page, path: str):
    """A GET through the hub with this browser's cookies, redirects not followed; the response."""
    return page.request.get(page.url.split("/user/")[0] + path, max_redirects=0)


def read_feedback(page) -> str:
    """Fetch Feedback, follow "(view feedback)", open the HTML; the page's text."""
    panel = assignments(page)
    item(panel, "submitted").locator("button", has_text="Fetch Feedback").click()
    link = item(panel, "submitted").locator("a", has_text="view feedback")
    link.click(timeout=60_000)
    page.locator(".jp-DirListing-item", has_text="streetlight.html").dblclick(timeout=60_000)
    frame = page.frame_locator(".jp-HTMLViewer iframe").first
    frame.locator("body", has_text="Score:").wait_for(timeout=60_000)
    return frame.locator("body").inner_text()


@pytest.mark.slow
def test_a_class_on_the_hub(chromium: str, hub: Hub, tmp_path: Path) -> None:
    """Release, fetch, submit, collect, autograde, feedback: every click of a class, then Ctrl-C."""
    from playwright.sync_api import expect, sync_playwright

    solutions = solution_sources(hub.course / SOLUTION)
    release = nbformat.read(hub.course / "notebooks" / ASSIGNMENT / "streetlight.ipynb", 4)
    meta = [c.metadata.get("nbgrader", {}) for c in release.cells]
    exercises = {i: solutions[m["grade_id"]] for i, m in enumerate(meta) if m.get("solution")}
    points = sum(m["points"] for m in meta if m.get("grade"))
    assert exercises and points > 0
    exchange = hub.state / "exchange"
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o777, "the exchange root is everyone's (#1225)"
    (tmp_path / UPLOAD).write_text("a student's own file, uploaded with the notebook\n")

    started, cpu_start = time.monotonic(), cpu_seconds()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=CHROMIUM_FLAGS)
        steps = Steps([], tmp_path, hub.log)
        try:
            with steps.step("instructor: log in, open the formgrader from the Nbgrader menu"):
                teacher = steps.watch(login(browser, hub, "instructor"))
                menu(teacher, "nbgrader:open-formgrader")
                grader = teacher.frame_locator(".jp-MainAreaWidget iframe").first
                row = grader.locator("tr", has_text=ASSIGNMENT)
                expect(row.locator("td.status")).to_have_text("draft", timeout=60_000)
                warnings = grader.locator(".alert-warning").all_inner_texts()
                assert not warnings, f"the formgrader warns (#971: course id?): {warnings}"

            with steps.step("instructor: Release (the course's release), then Collect is offered"):
                row.locator("td.release a").click()
                text = dialog(grader)
                assert "Successfully released" in text and "course release" in text, text
                assert "scanned for solution" in text, text
                expect(row.locator("td.status")).to_have_text("released", timeout=30_000)
                expect(row.locator("td.collect a")).to_have_count(1)  # #1293

            with steps.step("student1: fetch, paste the solution, upload a file, submit"):
                alice = steps.watch(login(browser, hub, "student1"))
                panel = assignments(alice)
                assert "do not have access" not in panel.inner_text()  # #1936
                item(panel, "released").locator("button", has_text="Fetch").click()
                item(panel, "fetched").wait_for(timeout=60_000)
                alice.goto(f"{alice.url.split('/lab')[0]}/lab/tree/{NOTEBOOK}")
                expect(alice.locator("#jp-main-statusbar")).to_contain_text("| Idle",
                                                                            timeout=120_000)
                for index, code in exercises.items():
                    paste(alice, index, code)
                alice.keyboard.press("Control+s")
                with alice.expect_file_chooser() as chooser:
                    alice.locator('.jp-FileBrowser-toolbar [title="Upload Files"]') \
                        .click()
                chooser.value.set_files(str(tmp_path / UPLOAD))
                alice.locator(".jp-DirListing-item", has_text=UPLOAD).wait_for(timeout=30_000)
                saved = nbformat.read(hub.home("student1") / NOTEBOOK, 4)
                assert all(saved.cells[i].source == code for i, code in exercises.items())
                panel = assignments(alice)
                item(panel, "fetched").locator("button", has_text="Submit").click()
                item(panel, "submitted").wait_for(timeout=60_000)

            with steps.step("student2: fetch and submit the blank notebook"):
                bob = steps.watch(login(browser, hub, "student2"))
                panel = assignments(bob)
                item(panel, "released").locator("button", has_text="Fetch").click()
                item(panel, "fetched").locator("button", has_text="Submit").click()
                item(panel, "submitted").wait_for(timeout=60_000)

            with steps.step("student2 cannot leave their home nor reach other servers"):
                outside = get(bob, "/user/student2/api/contents/..%2F..%2Fexchange")
                assert outside.status in (403, 404), outside.text()  # outside the server's root
                assert get(bob, "/user/student2/formgrader/api/assignments").status == 404
                assert get(bob, "/hub/api/users").status == 403
                assert get(bob, "/user/instructor/api/contents/solutions").status == 403
                assert get(bob, f"/user/student1/api/contents/{NOTEBOOK}").status == 403
                answer = bob.goto(f"{hub.url}/user/instructor/files/{SOLUTION}")
                assert answer.status == 403, answer.status  # the hub refuses the OAuth handshake
                assert "do not have permission" in bob.content()
                bob.go_back()

            with steps.step("instructor: Collect"):
                row.locator("td.collect a").click()
                text = dialog(grader)
                assert "Processing 2 submissions" in text, text
                collected = hub.course / "autograder" / "work" / "collected"
                assert (collected / "student1" / ASSIGNMENT / UPLOAD).is_file()  # #728, #775
                assert (collected / "student2" / ASSIGNMENT / "streetlight.ipynb").is_file()

            with steps.step("instructor: Autograde both (the course's grader)"):
                row.locator("td.num-submissions a").click()
                for student, score in (("student1", points), ("student2", 0)):
                    line = grader.locator("tr", has_text=student)
                    line.locator("td.autograde a").click()
                    text = dialog(grader, timeout=GRADE_TIMEOUT_MS)
                    assert "Successfully autograded" in text, text
                    assert "the course's grader" in text, text
                    assert ("sandboxed" if hub.sandboxed else "NOT sandboxed") in text, text
                    assert f"{student}: {score:g} / {points:g} points, status ok" in text, text
                    expect(line.locator("td.score")).to_have_text(f"{score:g} / {points:g}",
                                                                  timeout=30_000)

            with steps.step("instructor: Generate feedback, Release feedback"):
                grader.locator("a", has_text="Manage Assignments").first.click()
                row = grader.locator("tr", has_text=ASSIGNMENT)
                row.locator("td.generate-feedback a").click()
                assert "Successfully generated feedback" in dialog(grader)
                row.locator("td.release-feedback a").click()
                assert "Successfully released feedback" in dialog(grader)

            with steps.step("each student fetches feedback and reads their score"):
                for page, user, score in ((alice, "student1", points), (bob, "student2", 0)):
                    text = read_feedback(page)
                    assert f"streetlight (Score: {score:.1f} / {points:.1f})" in text, text[:500]
                    html = next((hub.home(user) / COURSE_ID / ASSIGNMENT / "feedback")
                                .glob("*/streetlight.html")).read_text()
                    assert "BEGIN HIDDEN TESTS" not in html and "compare_with_solution" not in html
            cpu = cpu_seconds() - cpu_start
        finally:
            browser.close()

    with steps.step("Ctrl-C stops the hub, every server, kernel and the proxy"):
        elapsed, left = hub.interrupt()
        assert not left, f"still running after Ctrl-C: {left}"
        assert hub.process.returncode == 0, hub.log_text()[-2000:]
        assert re.search(r"^stopped$", hub.log.read_text(), re.MULTILINE), hub.log_text()[-2000:]
        assert not port_open(hub.port)
    print(f"\nhub class, wall s per step: {steps.times}; total {time.monotonic() - started:.0f} s "
          f"(stop: {elapsed:.1f} s); CPU s of the test's process tree: {cpu:.1f}; "
          f"{'sandboxed' if hub.sandboxed else 'unsandboxed'} grading")
