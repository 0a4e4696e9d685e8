"""Fixtures shared by the test modules that grade the real course."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def course_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of expected runs and Scenes data for every test that runs the real course.

    `check` executes each solution notebook once and caches the run here; the mutation tests
    then grade against the same cached run, so no solution executes twice in one test session.
    """
    return tmp_path_factory.mktemp("course-cache")
