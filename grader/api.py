"""Everything an exercise's checks need, in one import: `from grader.api import ...`."""

from __future__ import annotations

import pytest

from .cases import Case, CaseFactory
from .expect import Mistake, describe, expect_array, expect_raises, expect_true, expect_value, fail
from .learner import Learner, LearnerError, RemoteObject
from .text import CheckFailure, Text
from .worker.protocol import RemoteArray, TensorArg

__all__ = [
    "Case", "CaseFactory", "CheckFailure", "Learner", "LearnerError", "Mistake", "RemoteArray",
    "RemoteObject", "TensorArg", "Text", "check", "describe", "expect_array", "expect_raises",
    "expect_true", "expect_value", "fail",
]


def check(points: float, en: str, ko: str):
    """Mark a test function as a graded check worth `points`, titled in English and Korean."""
    return pytest.mark.grade(points=points, en=en, ko=ko)
