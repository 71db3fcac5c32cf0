"""Shared helpers for the test suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "tests" / "library"
SHARED = REPO.parent / "shared"


def grade_file(name: str, path: Path, seed: int = 0, hidden: bool = True, **kw):
    """Grade one file as exercise `name` and return the ExerciseResult."""
    from grader.catalog import load_exercise
    from grader.runner import run_exercise

    return run_exercise(load_exercise(name), Path(path), seed, hidden=hidden, **kw)


def failed(result) -> dict[str, str]:
    """check id -> English message of every failed check."""
    return {c.id: c.message.en for c in result.checks if not c.passed}


@pytest.fixture
def grade():
    return grade_file


sys.path.insert(0, str(Path(__file__).parent))
