"""Everything an exercise's checks need, in one import: `from grader.api import ...`."""

from __future__ import annotations

import sys

from .cases import Case, CaseFactory
from .errors import SkipCheck
from .expect import (Mistake, describe, expect_array, expect_raises, expect_true, expect_value,
                     fail, fail_at, runtime_warnings, same_array, values_first)
from .learner import Args, Learner, LearnerError, RemoteObject
from .text import CheckFailure, Text
from .worker.protocol import RemoteArray, TensorArg

__all__ = [
    "Args", "Case", "CaseFactory", "CheckFailure", "Learner", "LearnerError", "Mistake",
    "RemoteArray", "RemoteObject", "SkipCheck", "TensorArg", "Text", "check", "describe",
    "expect_array", "expect_raises", "expect_true", "expect_value", "fail", "replaying", "sibling",
    "fail_at", "runtime_warnings", "same_array", "values_first",
]


def replaying(ref) -> bool:
    """True in a student release, where `ref` only answers the function calls recorded when the
    release was built (grader/replay.py): checks that need live reference objects can fall
    back on a public oracle of their own instead of being skipped."""
    from .replay import ReplayRef

    return isinstance(ref, ReplayRef)


def sibling(file: str, name: str = "test_public"):
    """Another check file of the same exercise, as a module (check folders are not packages):
    `P = sibling(__file__)` in test_hidden.py gives test_public.py's helpers."""
    import importlib.util
    from pathlib import Path

    path = Path(file).with_name(f"{name}.py")
    key = f"_grade_sibling_{path.parent.name}_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def check(points: float, en: str, ko: str, parallel: bool = False):
    """Mark a test function as a graded check worth `points`, titled in English and Korean.

    parallel=True: a long check that needs nothing from the others; `grade exercise` runs it
    at the same time as them, in copies of the grading and worker processes.

    The grader reads `__grade__`; when pytest is loaded (it collects checks that need it), the
    same data also becomes a `pytest.mark.grade`. Grading never has to import pytest.
    """
    meta = {"points": points, "en": en, "ko": ko, **({"parallel": True} if parallel else {})}

    def mark(fn):
        fn.__grade__ = meta
        if "pytest" in sys.modules:
            fn = sys.modules["pytest"].mark.grade(**meta)(fn)
        return fn
    return mark
