"""The engine on a tiny exercise of its own: nothing here knows about the shipped exercises."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.catalog import load_exercise
from grader.runner import run_exercise

META = """title: {en: Double, ko: 두 배}
framework: python
points: 3
hints: [{en: h, ko: h}]
"""
STUB = "def double(x):\n    raise NotImplementedError\n"
SOLUTION = "def double(x):\n    return 2 * x\n"


def make(root: Path, checks: str) -> Path:
    for folder in ("exercises", "solutions", "checks/double"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "exercises" / "double.py").write_text(STUB)
    (root / "solutions" / "double.py").write_text(SOLUTION)
    (root / "checks" / "double" / "meta.yaml").write_text(META)
    (root / "checks" / "double" / "test_public.py").write_text(textwrap.dedent(checks))
    return root


PARAMETRIZED = """
    import pytest
    from grader.api import check, expect_value

    @check(1, en="double: small numbers", ko="double: 작은 수")
    @pytest.mark.parametrize("n", [1, 2])
    def test_small(learner, ref, n):
        expect_value(learner.double(n), ref.double(n), name=f"double({n})")

    @check(1, en="double: zero", ko="double: 0")
    def test_zero(learner, ref):
        expect_value(learner.double(0), 0, name="double(0)")
    """


def test_parametrized_checks_are_collected_by_pytest(tmp_path):
    ex = load_exercise("double", make(tmp_path, PARAMETRIZED))
    good = run_exercise(ex, ex.solution, seed=1)
    assert [c.id for c in good.checks] == ["test_small[1]", "test_small[2]", "test_zero"]
    assert good.full_marks and good.max_score == 3
    stub = run_exercise(ex, ex.stub, seed=1)
    assert stub.score == 0 and all("not implemented yet" in c.message.en for c in stub.checks)


def test_checks_may_not_ask_for_other_fixtures(tmp_path):
    ex = load_exercise("double", make(tmp_path, """
        from grader.api import check

        @check(1, en="x", ko="x")
        def test_x(learner, tmp_path):
            pass
        """))
    with pytest.raises(RuntimeError, match="asks for tmp_path"):
        run_exercise(ex, ex.solution, seed=1)


def test_unknown_exercise_suggests_the_closest_name(tmp_path):
    from grader.errors import UsageError

    make(tmp_path, PARAMETRIZED)
    with pytest.raises(UsageError, match="Did you mean 'double'"):
        load_exercise("doubel", tmp_path)


@pytest.mark.parametrize("name", __import__("grader.catalog").catalog.exercise_names())
def test_shipped_exercise_metadata_is_complete(name):
    """Every exercise: checks add up to its points, three hint tiers, known concepts."""
    import yaml

    from grader.fastrun import collect

    ex = load_exercise(name)
    checks = collect(ex)
    assert sum(float(c.meta["points"]) for c in checks) == ex.points
    assert {c.visibility for c in checks} == {"public", "hidden"}
    assert len(ex.hints) == 3 and all(h.en and h.ko for h in ex.hints)
    assert ex.title.en and ex.title.ko and ex.meta["follows"]["en"] and ex.meta["follows"]["ko"]
    catalogue = yaml.safe_load((ex.root / "quizzes" / "_concepts.yaml").read_text())
    known = {c["id"] for c in catalogue["concepts"]}
    assert set(ex.meta["concepts"]) <= known
    assert ex.stub.is_file() and ex.solution is not None


@pytest.mark.parametrize("got, expected, wrong_at", [
    ([1.0, 2.0], [1.0, 2.0 + 1e-12], None),
    ([1.0, 2.0], [1.0, 2.001], 1),
    ([np.nan, 1.0], [np.nan, 1.0], None),          # NaN where NaN is expected is right
    ([np.inf, -np.inf], [np.inf, -np.inf], None),
    ([1.0, 2.0], [1.0, np.inf], 1),                # a finite value where inf is expected
    ([1.0, np.nan], [1.0, 2.0], 1),
    ([np.inf, 0.0], [1e300, 0.0], 0),
    (3.0, 3.0, None),                              # 0-d
])
def test_compare_finds_the_worst_wrong_element(got, expected, wrong_at):
    from grader.expect import compare

    report = compare(np.array(got), np.array(expected), 1e-7, 1e-12)
    if wrong_at is None:
        assert report is None
    else:
        assert report is not None and report[0] == (wrong_at,)


@pytest.mark.parametrize("got, expected, hint", [
    ([8, 24, 24], (8, 24, 24), "expected tuple[int], got list[int]"),
    ((8, 24.0, 24.0), (8, 24, 24), "got tuple[int, float]"),
    (4.0, 4, "expected int, got float"),
    ((8, 23, 24), (8, 24, 24), None),              # a wrong number: no type hint
    ([8, 23, 24], (8, 24, 24), None),
])
def test_expect_value_says_when_only_the_type_is_wrong(got, expected, hint):
    from grader.expect import expect_value
    from grader.text import CheckFailure

    with pytest.raises(CheckFailure) as raised:
        expect_value(got, expected, name="f()")
    text = raised.value.text.en
    assert (hint in text) if hint else "type is not" not in text


def test_a_check_may_name_its_call_in_each_language():
    from grader.expect import expect_array
    from grader.text import CheckFailure, Text
    from grader.worker.protocol import RemoteArray

    with pytest.raises(CheckFailure) as raised:
        expect_array(RemoteArray("numpy.ndarray", np.zeros(2)), np.ones(2),
                     name=Text("f(x) after two calls", "두 번 호출한 뒤 f(x)"))
    assert raised.value.text.en.startswith("f(x) after two calls: 2 of 2 values are wrong")
    assert raised.value.text.ko.startswith("두 번 호출한 뒤 f(x): 2개 중 2개 값이 틀립니다")


def test_values_first_explains_a_wrong_value_but_not_the_learners_own_errors():
    from grader.expect import expect_value, values_first
    from grader.learner import LearnerError
    from grader.text import CheckFailure, Text

    with pytest.raises(CheckFailure) as raised, values_first():
        expect_value(3, 4, name="f()")
    assert raised.value.text.en.startswith("This check scores only when the values")
    assert "f(): expected 4, got 3" in raised.value.text.en
    crash = LearnerError(Text("f raised KeyError", "f 에서 KeyError"), "exception")
    with pytest.raises(LearnerError) as raised, values_first():
        raise crash
    assert raised.value is crash


def test_runtime_warnings_picks_numpys_by_their_words():
    from grader.expect import runtime_warnings
    from grader.learner import CallResult

    call = CallResult(None, warnings=[
        {"category": "RuntimeWarning", "message": "overflow encountered in exp"},
        {"category": "RuntimeWarning", "message": "underflow encountered in exp"},
        {"category": "UserWarning", "message": "overflow, but not numpy's"}])
    assert runtime_warnings(call, "overflow", "invalid value") == [
        "RuntimeWarning: overflow encountered in exp"]
    assert len(runtime_warnings(call)) == 2


PARALLEL = """
    import os
    import time

    from grader.api import check, expect_true, expect_value

    @check(1, en="first", ko="첫째")
    def test_first(learner, ref):
        expect_value(learner.double(2), 4, name="double(2)")

    @check(1, en="slow, on its own", ko="느림", parallel=True)
    def test_slow(learner, ref):
        expect_value(learner.double(0.25), 0.5, name="double(0.25)")
        start = time.monotonic()
        while time.monotonic() - start < 0.3:
            pass
        # a copy of the grading process: it reports its own pid in the failure message
        expect_true(False, f"grader {os.getpid()}", f"grader {os.getpid()}")

    @check(1, en="last", ko="마지막")
    def test_last(learner, ref):
        expect_value(learner.double(3), 6, name="double(3)")
    """


def test_parallel_checks_run_in_copies_and_keep_their_place(tmp_path):
    import os
    import time

    ex = load_exercise("double", make(tmp_path, PARALLEL))
    started = time.monotonic()
    result = run_exercise(ex, ex.solution, seed=1)
    assert [c.id for c in result.checks] == ["test_first", "test_slow", "test_last"]
    assert [c.passed for c in result.checks] == [True, False, True]
    slow = result.checks[1].message.en
    assert slow.startswith("grader ") and slow != f"grader {os.getpid()}"  # another process
    assert time.monotonic() - started < 30
    wrong = tmp_path / "wrong.py"
    wrong.write_text("def double(x):\n    return x + x if x > 1 else x\n")
    result = run_exercise(ex, wrong, seed=1)
    assert "double(0.25)" in result.checks[1].message.en  # the copy grades the same file
    stub = run_exercise(ex, ex.stub, seed=1)
    assert all("not implemented yet" in c.message.en for c in stub.checks)


OUTLASTS = """
    from grader.api import check, expect_value

    @check(1, en="loops in the original", ko="원본에서 무한 루프")
    def test_loop(learner, ref):
        learner.call("double", -1.0, timeout=0.3)

    @check(1, en="slow but fine in the copy", ko="사본에서 느리지만 정상", parallel=True)
    def test_slow(learner, ref):
        expect_value(learner.double(0.5), 1.0, name="double(0.5)")
    """
LOOPY = '''
import time

def double(x):
    if x < 0:
        while True:
            pass
    time.sleep(1.0)  # still at work when the original is killed after its timeout
    return 2 * x
'''


def test_a_copy_outlasts_the_originals_timeout(tmp_path):
    """The original is killed (group and stragglers) after its 0.3 s timeout; the copy runs
    in a group of its own and answers, instead of 'the process ended'."""
    ex = load_exercise("double", make(tmp_path, OUTLASTS))
    learner_file = tmp_path / "loopy.py"
    learner_file.write_text(LOOPY)
    result = run_exercise(ex, learner_file, seed=1)
    assert [c.passed for c in result.checks] == [False, True], result.checks
    assert "did not finish within 0.3 s" in result.checks[0].message.en


def test_parallel_checks_run_in_order_where_no_copy_can_be_made(tmp_path):
    """Batch grading (a zygote's workers) runs every check in the grading process itself."""
    import os

    from grader.batch import WarmGrader

    ex = load_exercise("double", make(tmp_path, PARALLEL))
    os.environ["GRADE_CONTENT_ROOT"] = str(tmp_path)
    try:
        warm = WarmGrader(["double"])
        result = warm.grade("double", ex.solution, 1)
        warm.close()
    finally:
        del os.environ["GRADE_CONTENT_ROOT"]
    assert result.checks[1].message.en == f"grader {os.getpid()}"


def test_an_internal_error_of_a_hidden_check_does_not_show_its_code():
    from grader.fastrun import check_result

    detail = ('Traceback (most recent call last):\n  File "checks/x/test_hidden.py", line 3\n'
              "    secret_inputs = [1, 2, 3]\nRuntimeError: broken\n")
    meta = {"points": 1, "en": "t", "ko": "t"}
    hidden = check_result("t", meta, "hidden", "failed", RuntimeError("broken"), detail)
    public = check_result("t", meta, "public", "failed", RuntimeError("broken"), detail)
    assert hidden.internal_error and "RuntimeError: broken" in hidden.message.en
    assert "secret_inputs" not in hidden.message.en + hidden.message.ko
    assert "secret_inputs" in public.message.en


def test_junit_xml_stays_well_formed_with_control_characters_in_messages():
    import xml.etree.ElementTree as ET

    from grader.exports import junit_xml
    from grader.results import CheckResult, ExerciseResult
    from grader.text import Text

    bad = Text("f raised ValueError: \x00\x1b[2J", "f 에서 ValueError: \x00\x1b[2J")
    result = ExerciseResult("double", Text("D", "D"), 1, "v", checks=[
        CheckResult("test_x", Text("x", "x"), 0.0, 1.0, False, bad, "public")])
    root = ET.fromstring(junit_xml([("", result)]).split("?>", 1)[1])
    assert root.find(".//failure").text == "f raised ValueError: \\x00\\x1b[2J"
