"""The pytest plugin that turns an exercise's check files into a scored result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .cases import CaseFactory
from .results import CheckResult
from .text import CheckFailure, Text


class GradePlugin:
    def __init__(self, learner: Any, ref: Any, seed: int, visibility: dict[Path, str]) -> None:
        self._learner = learner
        self._ref = ref
        self._seed = seed
        self._visibility = {p.resolve(): v for p, v in visibility.items()}
        self.results: list[CheckResult] = []
        self.collect_errors: list[Text] = []

    # ------------------------------------------------------------------ fixtures
    @pytest.fixture(scope="session")
    def learner(self) -> Any:
        return self._learner

    @pytest.fixture(scope="session")
    def ref(self) -> Any:
        if self._ref is None:
            pytest.skip("the reference solution is not part of this installation")
        return self._ref

    @pytest.fixture(scope="session")
    def seed(self) -> int:
        return self._seed

    @pytest.fixture
    def cases(self, request: pytest.FixtureRequest) -> CaseFactory:
        return CaseFactory(self._seed, request.node.name)

    # ------------------------------------------------------------------ hooks
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "grade(points, en, ko): a graded check")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.results.append(self._result(item, call, report))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(Text(f"Could not load checks {report.nodeid}: "
                                            f"{report.longreprtext[-2000:]}",
                                            f"검사 파일을 불러오지 못했습니다 {report.nodeid}: "
                                            f"{report.longreprtext[-2000:]}"))

    def _result(self, item: pytest.Item, call: pytest.CallInfo, report: Any) -> CheckResult:
        outcome = "passed" if report.passed else "skipped" if report.skipped else "failed"
        exc = call.excinfo.value if call.excinfo is not None else None
        return check_result(item.name, grade_meta(item), self._visibility.get(
            Path(str(item.path)).resolve(), "public"), outcome, exc, report.longreprtext)


def grade_meta(item: pytest.Item) -> dict:
    marker = item.get_closest_marker("grade")
    return marker.kwargs if marker else {"points": 0, "en": item.name, "ko": item.name}


def check_result(name: str, meta: dict, visibility: str, outcome: str,
                 exc: BaseException | None, detail: str) -> CheckResult:
    """One check's scored result, whichever runner ran it."""
    max_points = float(meta["points"])
    passed = outcome == "passed"
    internal = False
    if passed:
        message = Text("", "")
    elif outcome == "skipped":  # counts for nothing here; it runs when the instructor grades
        max_points = 0.0
        message = Text("Not run here: this check needs the reference solution, which this "
                       "installation does not include. It runs when your instructor grades.",
                       "여기서는 실행하지 않음: 이 검사는 이 설치본에 없는 참고 답안이 필요합니다. "
                       "강사가 채점할 때 실행됩니다.")
    elif isinstance(exc, CheckFailure):
        message = exc.text
    else:
        internal = True
        message = Text(f"Internal error in this check (please report it):\n{detail[-1500:]}",
                       f"검사 자체의 내부 오류입니다 (알려 주세요):\n{detail[-1500:]}")
    return CheckResult(id=name, title=Text(meta["en"], meta["ko"]),
                       points=max_points if passed else 0.0, max_points=max_points,
                       passed=passed, message=message, internal_error=internal,
                       visibility=visibility)
