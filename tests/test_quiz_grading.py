"""Every question type graded for right, wrong, partial and malformed answers; tolerance edges."""

from pathlib import Path

import pytest

from grader.quiz.grading import (
    CORRECT, MALFORMED, PARTIAL, UNANSWERED, WRONG, Malformed, coerce, grade, grade_value, normalize,
    parse_number, short_key,
)
from grader.quiz.loader import open_pack, pack_quiz
from grader.quiz.model import Question, Tolerance
from grader.quiz.present import present

PACK = Path(__file__).parent / "quiz_fixtures" / "pack"


@pytest.fixture(scope="module")
def qs():
    pack = open_pack(PACK)
    return pack_quiz(pack, "demo").by_id()


def numeric(answer, **tol):
    return Question(id="t.n", type="numeric", concepts=("softmax",), difficulty=1, prompt={}, explanation={},
                    answer=answer, tolerance=Tolerance(**tol))


# --- single / true_false -------------------------------------------------------------------------

def test_single(qs):
    q = qs["demo.single"]
    assert grade_value(q, "a")[0].status == CORRECT
    assert grade_value(q, "b")[0].status == WRONG
    assert grade_value(q, "z")[0].status == MALFORMED
    assert grade_value(q, ["a", "b"])[0].status == MALFORMED
    assert grade_value(q, None)[0].status == UNANSWERED


@pytest.mark.parametrize("value, status", [
    (True, CORRECT), ("true", CORRECT), ("T", CORRECT), ("O", CORRECT), ("참", CORRECT), ("예", CORRECT),
    (False, WRONG), ("false", WRONG), ("x", WRONG), ("거짓", WRONG),
    ("maybe", MALFORMED), (3, MALFORMED),
])
def test_true_false(qs, value, status):
    assert grade_value(qs["demo.tf"], value)[0].status == status


# --- multiple: partial credit, wrong picks cost ----------------------------------------------------

@pytest.mark.parametrize("picks, score, status", [
    (["a", "b"], 1.0, CORRECT),
    (["b", "a"], 1.0, CORRECT),
    (["a"], 0.5, PARTIAL),
    (["a", "b", "c"], 0.5, PARTIAL),   # 2/2 right - 1/2 wrong
    (["a", "c"], 0.0, WRONG),          # 1/2 - 1/2
    (["a", "b", "c", "d"], 0.0, WRONG),  # ticking everything earns nothing
    (["c", "d"], 0.0, WRONG),          # floored at 0, never negative
])
def test_multiple(qs, picks, score, status):
    g, _ = grade_value(qs["demo.multiple"], picks)
    assert g.score == pytest.approx(score) and g.status == status


@pytest.mark.parametrize("value", [[], ["a", "a"], ["a", "x"], 5])
def test_multiple_malformed(qs, value):
    assert grade_value(qs["demo.multiple"], value)[0].status == MALFORMED


# --- ordering: share of neighbouring pairs kept ------------------------------------------------------

@pytest.mark.parametrize("order, score, status", [
    (["a", "b", "c"], 1.0, CORRECT),
    (["c", "a", "b"], 0.5, PARTIAL),  # a->b kept
    (["b", "c", "a"], 0.5, PARTIAL),  # b->c kept
    (["c", "b", "a"], 0.0, WRONG),
])
def test_ordering(qs, order, score, status):
    g, _ = grade_value(qs["demo.order"], order)
    assert g.score == pytest.approx(score) and g.status == status


@pytest.mark.parametrize("value", [["a", "b"], ["a", "b", "c", "c"], ["a", "b", "d"], "nonsense"])
def test_ordering_malformed(qs, value):
    assert grade_value(qs["demo.order"], value)[0].status == MALFORMED


# --- numeric tolerances at their edges ----------------------------------------------------------

@pytest.mark.parametrize("value, ok", [(5, True), (5.5, True), (4.5, True), (5.5000001, False),
                                       (4.4999999, False), ("5", True), ("5.0", True), (6, False)])
def test_absolute_tolerance_edges(qs, value, ok):
    assert grade_value(qs["demo.numeric"], value)[0].passed is ok


@pytest.mark.parametrize("value, ok", [(2.718, True), (2.718 * 1.01, True), (2.718 * 0.99, True),
                                       (2.718 * 1.0101, False), (2.718 * 0.9899, False)])
def test_relative_tolerance_edges(qs, value, ok):
    assert grade_value(qs["demo.relnum"], value)[0].passed is ok


@pytest.mark.parametrize("answer, tol, value, ok", [
    (12.5, {"abs": 0.01}, 12.51, True), (12.5, {"abs": 0.01}, 12.49, True),
    (12.5, {"abs": 0.01}, 12.5101, False), (0.1 + 0.2, {}, 0.3, True), (16000, {}, 16000, True),
    (16000, {}, 16001, False), (-2.5, {"rel": 0.1}, -2.75, True), (-2.5, {"rel": 0.1}, -2.76, False),
])
def test_numeric_edges(answer, tol, value, ok):
    assert grade(numeric(answer, **tol), float(value)).passed is ok


@pytest.mark.parametrize("text, value", [
    ("12.5", 12.5), (" 1e-3 ", 0.001), ("16,000", 16000), ("\u22122.5", -2.5), ("１２", 12),
    ("3/4", 0.75), ("15%", 15), ("-7", -7),
])
def test_number_parsing(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "", "1/0", "nan", "inf", "1,2,3", True, None, [1]])
def test_number_parsing_malformed(text):
    with pytest.raises(Malformed):
        parse_number(text)


# --- short answers: normalisation --------------------------------------------------------------------

@pytest.mark.parametrize("value, ok", [
    ("softmax", True), ("SoftMax", True), ("  soft   max ", True), ("soft-max!", True), ("소프트맥스", True),
    ("소프트 맥스", True), ("ＳＯＦＴＭＡＸ", True), ("sigmoid", False), ("soft", False),
])
def test_short(qs, value, ok):
    assert grade_value(qs["demo.short"], value)[0].passed is ok


def test_short_malformed(qs):
    assert grade_value(qs["demo.short"], ["softmax"])[0].status == MALFORMED
    assert grade_value(qs["demo.short"], "   ")[0].status == UNANSWERED


def test_normalize_keeps_numbers_and_drops_punctuation():
    assert normalize("  Teacher-Forcing! ") == "teacher forcing"
    assert normalize("0.5") == "0.5" and normalize("1/2") == "1/2"
    assert normalize("16,000") == "16000"
    assert short_key("교사 강요") == short_key("교사강요")
    assert normalize("[CLS]") == "cls"


# --- parametrized ------------------------------------------------------------------------------------

def test_param_numeric_uses_drawn_parameters(qs):
    q = qs["demo.param"]
    pack = open_pack(PACK)
    p = present(q, 11, pack.functions)
    expected = p.params["H"] + 2 * p.params["P"] - 3 + 1
    assert p.expected == expected
    assert grade(q, float(expected), p.expected).passed
    assert not grade(q, float(expected + 1), p.expected).passed
    assert grade_value(q, "x", p.expected)[0].status == MALFORMED


def test_coerce_canonical_forms(qs):
    assert coerce(qs["demo.multiple"], "b, a") == ["a", "b"]
    assert coerce(qs["demo.order"], "c a b") == ["c", "a", "b"]
    assert coerce(qs["demo.single"], ["a"]) == "a"


# --- typed input in the terminal (letters as shown) ----------------------------------------------

def test_typed_letters_map_to_shown_order(qs):
    pack = open_pack(PACK)
    p = present(qs["demo.multiple"], 3, pack.functions)
    right = sorted(p.label_of(c) for c in ("a", "b"))
    assert sorted(p.parse("".join(right))) == ["a", "b"]
    assert sorted(p.parse(" , ".join(right).upper())) == ["a", "b"]
    assert sorted(p.parse(" ".join(str(p.order.index(c) + 1) for c in ("a", "b")))) == ["a", "b"]
    with pytest.raises(Malformed):
        p.parse("z")
    with pytest.raises(Malformed):
        p.parse("a a")
    tf = present(qs["demo.tf"], 3, pack.functions)
    assert tf.parse("O") is True and tf.parse("f") is False
    with pytest.raises(Malformed):
        tf.parse("perhaps")
