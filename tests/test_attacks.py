"""Hostile submissions score 0, leave no process behind and cannot fake the verdict."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest

from conftest import LIBRARY, grade_file, orphans

ATTACKS = sorted((LIBRARY / "attacks").glob("*.py"))


def _exercise(path: Path) -> str:
    return re.search(r"^# exercise: (\w+)", path.read_text(), re.M).group(1)


def _worker_processes(tokens: list[str]) -> list[str]:
    """Live processes that these workers were or started: they all carry a worker's token."""
    needles = [f"GRADE_WORKER_TOKEN={t}".encode() for t in tokens]
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            if any(n in environ for n in needles):
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attack_scores_zero_and_leaves_nothing(path, tmp_path):
    from grader.worker.client import ISSUED_TOKENS

    before = hashlib.sha256(path.read_bytes()).hexdigest()
    issued = len(ISSUED_TOKENS)
    adopted = orphans()
    started = time.monotonic()
    result = grade_file(_exercise(path), path, seed=1, call_timeout=1.0)
    assert result.score == 0, [c.id for c in result.checks if c.passed]
    assert result.checks and all(not c.internal_error for c in result.checks)
    assert time.monotonic() - started < 30
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    time.sleep(0.2)
    assert ISSUED_TOKENS[issued:]
    assert _worker_processes(ISSUED_TOKENS[issued:]) == []
    assert _zygote_children() == []
    assert orphans() <= adopted


def _zygote_children() -> list[int]:
    """Children of the test session's zygotes: after grading, none may be left."""
    from conftest import _WARM

    zygotes = {str(z.proc.pid) for w in _WARM.values() for z in w.zygotes.values()}
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] in zygotes:
                left.append(int(stat.parent.name))
        except OSError:
            continue
    return left


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in ATTACKS if _exercise(p) == "seq2seq"],
                         ids=lambda p: p.stem)
def test_attack_in_a_parallel_check_scores_zero_and_leaves_nothing(path):
    """`grade exercise` runs seq2seq's training check in copies of the grader and the worker:
    what the learner's code does there must be cleaned up like everything else."""
    from grader.worker.client import ISSUED_TOKENS, STDIO

    issued = len(ISSUED_TOKENS)
    adopted = orphans()
    result = grade_file(_exercise(path), path, seed=1, call_timeout=1.0, cold=True)
    assert result.score == 0, [c.id for c in result.checks if c.passed]
    if not STDIO:  # the copy's own first call timed out (in order, earlier timeouts skip it)
        learning = next(c for c in result.checks if c.id == "test_learns_reversal")
        assert "did not finish within 1 s" in learning.message.en
    time.sleep(0.2)
    assert _worker_processes(ISSUED_TOKENS[issued:]) == []
    assert orphans() <= adopted


@pytest.mark.slow
def test_attacks_score_zero_on_the_stdio_transport_too():
    """The transport Windows uses (no inherited pipes, no select, no zygote), run here on Linux:
    the same attacks must still get nothing and leave nothing behind."""
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           __file__, "-k", "not stdio_transport"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "GRADE_WORKER_TRANSPORT": "stdio"})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout
