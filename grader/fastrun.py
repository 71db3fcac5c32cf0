"""Run collected checks many times in one warm process (batch grading).

pytest collects an exercise's checks once; each submission then runs the very same check
functions with the same fixtures and inputs as `grade exercise` does, without paying pytest's
start-up for every submission. Nothing is skipped or weakened: tests/test_batch.py compares
both runners check by check.
"""

from __future__ import annotations

import inspect
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from .cases import CaseFactory
from .catalog import Exercise
from .plugin import check_result, grade_meta
from .results import CheckResult


@dataclass
class CollectedCheck:
    name: str
    function: Callable
    params: dict
    meta: dict
    visibility: str


class _Collector:
    def __init__(self) -> None:
        self.items: list[pytest.Item] = []
        self.errors: list[str] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "grade(points, en, ko): a graded check")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.items = list(items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append(report.longreprtext)


def collect(exercise: Exercise, hidden: bool = True) -> list[CollectedCheck]:
    from .runner import pytest_args

    files = exercise.check_files(hidden)
    collector = _Collector()
    pytest.main(pytest_args([p for p, _ in files], exercise.checks_dir) + ["--collect-only"],
                plugins=[collector])
    if collector.errors or not collector.items:
        raise RuntimeError(f"could not collect the checks of {exercise.name}: "
                           + "\n".join(collector.errors)[-2000:])
    visibility = {p.resolve(): v for p, v in files}
    return [CollectedCheck(item.name, item.function,
                           dict(getattr(getattr(item, "callspec", None), "params", {})),
                           grade_meta(item), visibility.get(Path(str(item.path)).resolve(),
                                                            "public"))
            for item in collector.items]


def run_checks(checks: list[CollectedCheck], learner: Any, ref: Any, seed: int
               ) -> list[CheckResult]:
    results = []
    for chk in checks:
        fixtures = {"learner": learner, "ref": ref, "seed": seed,
                    "cases": CaseFactory(seed, chk.name), **chk.params}
        wanted = inspect.signature(chk.function).parameters
        kwargs = {name: fixtures[name] for name in wanted}
        try:
            if ref is None and "ref" in wanted:
                pytest.skip("no reference")
            chk.function(**kwargs)
            outcome, exc, detail = "passed", None, ""
        except pytest.skip.Exception:
            outcome, exc, detail = "skipped", None, ""
        except Exception as err:  # noqa: BLE001 - becomes this check's failure
            outcome, exc = "failed", err
            detail = "".join(traceback.format_exception(err))
        results.append(check_result(chk.name, chk.meta, chk.visibility, outcome, exc, detail))
    return results
