"""`grade release`: a self-contained student package without solutions or hidden checks."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import yaml

from . import __version__, expect
from .catalog import Exercise
from .exports import copy_package

STUDENT_README = """# dlgrade (student edition)

Install: pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu && pip install .
Then: grade init my-work && cd my-work && grade exercise {first}

This edition has no reference solutions. Its public checks compare your code with recorded
reference outputs for fixed inputs (or with a public oracle where recording cannot work); more
checks run when your instructor grades.
설치 후 `grade init my-work` 로 작업 공간을 만들고 `grade exercise {first}` 로 채점하세요.
강사가 채점할 때는 공개되지 않은 검사가 더 실행됩니다.
"""


EMPTY_FUNCTIONS = '''"""Homework release: the answer functions stay with the instructor."""
from grader.quiz.functions import Registry

functions = Registry()
'''


def build_release(root: Path, out: Path, exercises: list[Exercise], quizzes: list[str] | None,
                  seed: int = 0, homework: bool = False) -> None:
    if out.exists() and any(out.iterdir()):
        from .errors import UsageError

        raise UsageError(f"{out} is not empty; choose a new folder.",
                         f"{out} 가 비어 있지 않습니다; 새 폴더를 고르세요.")
    names = [e.name for e in exercises]
    copy_package(root, out, __version__, solutions=False, hidden=False, exercises=names)
    for ex in exercises:
        record_public_checks(ex, out / "checks" / ex.name, seed)
    _select_quizzes(out / "quizzes", quizzes, homework)
    (out / "README.md").write_text(STUDENT_README.format(first=names[0] if names else "NAME"),
                                   encoding="utf-8")


def record_public_checks(ex: Exercise, dest: Path, seed: int) -> None:
    """In a copy of the checks without the reference (dest), what its public checks need: the
    reference's recorded outputs and the seed they were recorded with."""
    _record(ex, dest, seed)
    meta_path = dest / "meta.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    meta["release"] = {"seed": seed}
    meta["hidden_checks"] = _count_checks(ex.checks_dir / "test_hidden.py")
    meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")


def _record(ex: Exercise, dest: Path, seed: int) -> None:
    """Run the public checks against the reference once, recording its outputs."""
    from .replay import RecordingRef
    from .runner import reference, run_exercise_with

    recorder = RecordingRef(reference(ex))
    expect.EVALUATE_ALL_MISTAKES = True
    try:
        result = run_exercise_with(ex, ex.solution, seed, recorder, hidden=False)
    finally:
        expect.EVALUATE_ALL_MISTAKES = False
    if not result.full_marks:
        raise RuntimeError(f"the reference does not pass the public checks of {ex.name}")
    recorder.save(dest)


def _count_checks(path: Path) -> int:
    if not path.is_file():
        return 0
    return path.read_text(encoding="utf-8").count("@check(")


def _select_quizzes(folder: Path, topics: list[str] | None, homework: bool) -> None:
    if topics is not None:
        for path in folder.glob("*.yaml"):
            if not path.name.startswith("_") and path.stem not in topics:
                path.unlink()
    if homework:
        from .quiz.homework import strip_answers

        for path in folder.glob("[!_]*.yaml"):
            strip_answers(path)
        # the named answer functions are formulas for answers: stripped questions need none
        (folder / "_functions.py").write_text(EMPTY_FUNCTIONS, encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(folder / "__pycache__")
