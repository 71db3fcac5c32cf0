"""Collect an exercise's checks and run them against one learner.

Checks are pytest test functions that take only the grading fixtures (learner, ref, cases,
seed). Files whose checks carry no mark but `grade`, which is the case for every shipped check,
are imported and called directly: a pytest session per grading would double `grade exercise`'s
start-up. Files with other marks (parametrize) are collected by pytest itself. Batch grading
collects once and runs the same functions for every submission.
"""

from __future__ import annotations

import inspect
import os
import pickle
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .cases import CaseFactory
from .catalog import Exercise
from .errors import SkipCheck
from .replay import ReplayRef
from .results import CheckResult
from .text import CheckFailure, Text
from .worker import reaper
from .worker.protocol import write_all

if TYPE_CHECKING:
    import pytest


@dataclass
class CollectedCheck:
    name: str
    function: Callable
    params: dict
    meta: dict
    visibility: str


class _Collector:
    """A pytest plugin that keeps the collected items (for checks that need pytest)."""

    def __init__(self) -> None:
        self.items: list = []
        self.errors: list[str] = []

    def pytest_configure(self, config: "pytest.Config") -> None:
        config.addinivalue_line("markers", "grade(points, en, ko): a graded check")

    def pytest_collection_modifyitems(self, items: list) -> None:
        self.items = list(items)

    def pytest_collectreport(self, report: "pytest.CollectReport") -> None:
        if report.failed:
            self.errors.append(report.longreprtext)


FIXTURES = {"learner", "ref", "cases", "seed"}


class _NeedsPytest(Exception):
    """A check uses a pytest feature that direct collection does not handle."""


def collect(exercise: Exercise, hidden: bool = True) -> list[CollectedCheck]:
    files = exercise.check_files(hidden)
    try:
        return [chk for path, vis in files for chk in _collect_direct(exercise, path, vis)]
    except _NeedsPytest:
        return _collect_with_pytest(exercise, hidden)


def _collect_direct(exercise: Exercise, path: Path, visibility: str) -> list[CollectedCheck]:
    import importlib.util
    import sys

    name = f"checks_{exercise.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look classes up by module name
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    if any(_is_fixture(obj) for obj in vars(module).values()):
        raise RuntimeError(f"{path} defines pytest fixtures: checks get only "
                           f"{', '.join(sorted(FIXTURES))} (docs/writing-checks.md)")
    found = []
    for attr, fn in vars(module).items():  # definition order, as pytest collects
        if not (attr.startswith("test") and inspect.isfunction(fn)):
            continue
        marks = getattr(fn, "pytestmark", [])
        if any(m.name != "grade" for m in marks):
            raise _NeedsPytest(attr)  # parametrize and friends: pytest expands them
        unknown = set(inspect.signature(fn).parameters) - FIXTURES
        if unknown:
            raise RuntimeError(f"{path}::{attr} asks for {', '.join(sorted(unknown))}; checks "
                               f"get only {', '.join(sorted(FIXTURES))}")
        meta = getattr(fn, "__grade__", None) or {"points": 0, "en": attr, "ko": attr}
        found.append(CollectedCheck(attr, fn, {}, meta, visibility))
    return found


def _is_fixture(obj: Any) -> bool:
    return type(obj).__name__ == "FixtureFunctionDefinition" or \
        hasattr(obj, "_pytestfixturefunction")


def _collect_with_pytest(exercise: Exercise, hidden: bool) -> list[CollectedCheck]:
    import pytest

    from .runner import pytest_args

    files = exercise.check_files(hidden)
    collector = _Collector()
    pytest.main(pytest_args([p for p, _ in files], exercise.checks_dir) + ["--collect-only"],
                plugins=[collector])
    if collector.errors or not collector.items:
        raise RuntimeError(f"could not collect the checks of {exercise.name}: "
                           + "\n".join(collector.errors)[-2000:])
    visibility = {p.resolve(): v for p, v in files}
    for item in collector.items:
        params = set(getattr(getattr(item, "callspec", None), "params", {}))
        unknown = set(getattr(item, "fixturenames", ())) - FIXTURES - params
        if unknown:
            raise RuntimeError(f"{item.nodeid} asks for {', '.join(sorted(unknown))}; checks "
                               f"get only {', '.join(sorted(FIXTURES))}")
    return [CollectedCheck(item.name, item.function,
                           dict(getattr(getattr(item, "callspec", None), "params", {})),
                           grade_meta(item), visibility.get(Path(str(item.path)).resolve(),
                                                            "public"))
            for item in collector.items]


def run_checks(checks: list[CollectedCheck], learner: Any, ref: Any, seed: int,
               parallel: bool = False) -> list[CheckResult]:
    """Run the checks in order. With `parallel`, checks marked @check(..., parallel=True) run
    at the same time in a forked copy of this process, against a copy of the worker made
    before any call (the second core is otherwise idle while one grading waits for one worker);
    where no copy can be made they run here, in order."""
    aside = [c for c in checks if c.meta.get("parallel")] if parallel else []
    twin = learner.fork() if aside else None
    if twin is None:
        aside = []
    running = _Aside(aside, twin, ref, seed) if aside else None
    results = {c.name: run_check(c, learner, ref, seed) for c in checks if c not in aside}
    if running is not None:
        results.update(running.results())
        twin._worker.close()
    return [results[c.name] for c in checks]


def run_check(chk: CollectedCheck, learner: Any, ref: Any, seed: int) -> CheckResult:
    fixtures = {"learner": learner, "ref": ref, "seed": seed,
                "cases": CaseFactory(seed, chk.name), **chk.params}
    wanted = inspect.signature(chk.function).parameters
    kwargs = {name: fixtures[name] for name in wanted}
    try:
        if ref is None and "ref" in wanted:
            raise SkipCheck("no reference")
        chk.function(**kwargs)
        outcome, exc, detail = "passed", None, ""
    except Exception as err:  # noqa: BLE001 - becomes this check's failure
        # with recorded reference outputs, a check that needs the live reference (autograd
        # through it, say) cannot run here: it is skipped, not reported as broken
        if _is_skip(err) or (isinstance(ref, ReplayRef) and not isinstance(err, CheckFailure)):
            outcome, exc, detail = "skipped", None, ""
        else:
            outcome, exc = "failed", err
            detail = "".join(traceback.format_exception(err))
    return check_result(chk.name, chk.meta, chk.visibility, outcome, exc, detail)


class _Aside:
    """Checks running in a forked copy of the grading process; their results come back pickled
    through a pipe (both ends are this trusted process: learner data only ever arrives here
    decoded by the protocol)."""

    def __init__(self, checks: list[CollectedCheck], learner: Any, ref: Any, seed: int) -> None:
        self.checks = checks
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(read)
            self._child(write, learner, ref, seed)
        os.close(write)
        self.read = read
        reaper.KEEP.add(self.pid)  # not a stray of a worker

    def _child(self, write: int, learner: Any, ref: Any, seed: int) -> None:
        try:
            data = pickle.dumps([run_check(c, learner, ref, seed) for c in self.checks])
            write_all(write, data)
        finally:
            os._exit(0)

    def results(self) -> dict[str, CheckResult]:
        chunks = []
        while chunk := os.read(self.read, 1 << 16):
            chunks.append(chunk)
        os.close(self.read)
        os.waitpid(self.pid, 0)
        reaper.KEEP.discard(self.pid)
        try:
            found = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - the copy died: say so in each of its checks
            found = [check_result(c.name, c.meta, c.visibility, "failed", RuntimeError(
                "the process running this check in parallel ended without a result"), "")
                for c in self.checks]
        return {r.id: r for r in found}


def _is_skip(err: Exception) -> bool:
    import sys

    pytest = sys.modules.get("pytest")
    return isinstance(err, SkipCheck) or (pytest is not None
                                          and isinstance(err, pytest.skip.Exception))


def grade_meta(item: "pytest.Item") -> dict:
    meta = getattr(getattr(item, "function", None), "__grade__", None)
    if meta:
        return meta
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
        if visibility == "hidden":  # its traceback would show the hidden code: the last line
            shown = (detail.strip().splitlines() or [""])[-1][-300:]
        else:
            shown = detail[-1500:]
        message = Text(f"Internal error in this check (please report it):\n{shown}",
                       f"검사 자체의 내부 오류입니다 (알려 주세요):\n{shown}")
    return CheckResult(id=name, title=Text(meta["en"], meta["ko"]),
                       points=max_points if passed else 0.0, max_points=max_points,
                       passed=passed, message=message, internal_error=internal,
                       visibility=visibility, skipped=outcome == "skipped")
