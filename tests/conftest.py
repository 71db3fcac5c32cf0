"""Shared helpers for the test suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "tests" / "library"
SHARED = REPO.parent / "shared"


def orphans() -> set[int]:
    """Processes forked from a zygote (they share its command line) that init adopted: what an
    escaping submission would leave behind if the zygote did not catch it."""
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            ppid = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if b"grader.worker.zygote" in cmdline and ppid == "1":
            found.add(int(proc.name))
    return found


_WARM: dict = {}


def grade_file(name: str, path: Path, seed: int = 0, hidden: bool = True, cold: bool = False,
               **kw):
    """Grade one file as exercise `name` and return the ExerciseResult.

    By default through a warm grader (checks collected once, workers forked from a zygote, as in
    batch grading) to keep the suite fast; cold=True runs `grade exercise`'s own path.
    tests/test_batch.py checks that both give the same result check by check.
    """
    from grader.catalog import load_exercise
    from grader.runner import run_exercise

    if cold or not hidden:
        return run_exercise(load_exercise(name), Path(path), seed, hidden=hidden, **kw)
    if name not in _WARM:
        from grader.batch import WarmGrader

        _WARM[name] = WarmGrader([name])
    return _WARM[name].grade(name, Path(path), seed, **kw)


def pytest_sessionfinish(session, exitstatus):
    for warm in _WARM.values():
        warm.close()


def failed(result) -> dict[str, str]:
    """check id -> English message of every failed check."""
    return {c.id: c.message.en for c in result.checks if not c.passed}


@pytest.fixture
def grade():
    return grade_file


sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def pack():
    """The small quiz pack of tests/quiz_fixtures (every question type once)."""
    from grader.quiz.loader import open_pack

    return open_pack(Path(__file__).parent / "quiz_fixtures" / "pack")


@pytest.fixture(scope="module")
def quiz(pack):
    from grader.quiz.loader import pack_quiz

    return pack_quiz(pack, "demo")
