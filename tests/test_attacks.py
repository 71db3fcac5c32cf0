"""Hostile submissions score 0, leave no process behind and cannot fake the verdict."""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import LIBRARY, grade_file

ATTACKS = sorted((LIBRARY / "attacks").glob("*.py"))


def _exercise(path: Path) -> str:
    return re.search(r"^# exercise: (\w+)", path.read_text(), re.M).group(1)


def _worker_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "time.sleep(300)" in line
            or "grader.worker.server" in line]


@pytest.mark.slow
@pytest.mark.parametrize("path", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attack_scores_zero_and_leaves_nothing(path, tmp_path):
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    started = time.monotonic()
    result = grade_file(_exercise(path), path, seed=1, call_timeout=1.0)
    assert result.score == 0, [c.id for c in result.checks if c.passed]
    assert result.checks and all(not c.internal_error for c in result.checks)
    assert time.monotonic() - started < 30
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    time.sleep(0.2)
    assert _worker_processes() == []
