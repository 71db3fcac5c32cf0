"""The submission library: correct alternatives, mutants and attacks, graded for real.

tests/library/<exercise>/alt_*.py   correct in another style: full marks
tests/library/<exercise>/mut_*.py   one realistic bug each; header lines say what must catch it:
    # expect-fail: test_name [test_name ...]      these checks must fail
    # expect-diagnosis: text                      (optional) the failing message names the mistake
tests/library/attacks/*.py          hostile files; header "# exercise: NAME": score 0, no leftovers
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import LIBRARY, failed, grade_file

EXERCISES = sorted(p.name for p in LIBRARY.iterdir() if p.is_dir() and p.name != "attacks")


def _files(prefix: str) -> list:
    return [pytest.param(ex, f, id=f"{ex}/{f.name}")
            for ex in EXERCISES for f in sorted((LIBRARY / ex).glob(f"{prefix}_*.py"))]


def _header(path: Path, key: str) -> list[str]:
    pattern = re.compile(rf"^# {key}:\s*(.+)$", re.M)
    return [m.group(1).strip() for m in pattern.finditer(path.read_text(encoding="utf-8"))]


@pytest.mark.slow
@pytest.mark.parametrize("exercise,path", _files("alt"))
def test_alternative_gets_full_marks(exercise, path):
    for seed in (11, 12):
        result = grade_file(exercise, path, seed)
        assert result.full_marks, failed(result)


@pytest.mark.slow
@pytest.mark.parametrize("exercise,path", _files("mut"))
def test_mutant_loses_points_where_expected(exercise, path):
    must_fail = " ".join(_header(path, "expect-fail")).split()
    diagnoses = _header(path, "expect-diagnosis")
    assert must_fail, f"{path.name} has no '# expect-fail:' header"
    result = grade_file(exercise, path, seed=5)
    fails = failed(result)
    assert result.score < result.max_score
    for name in must_fail:
        assert name in fails, f"{name} passed; failures were {list(fails)}"
    for text in diagnoses:
        assert any(text in fails[n] for n in must_fail), \
            f"no failing message of {must_fail} mentions {text!r}: {fails}"
