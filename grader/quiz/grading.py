"""Grading one answer to one question, for every question type.

Answers arrive in a canonical form (choice ids, a number, a bool, a string); `coerce` turns what an
answer file or the terminal gave into that form or raises `Malformed`. Scores are fractions 0..1:
- multiple: hits/|correct| - wrong picks/|incorrect|, floored at 0 (ticking everything scores 0);
- ordering: the share of neighbouring pairs that are also neighbours, in that order, in the key;
- everything else: all or nothing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from grader.errors import BilingualError

from .model import Question

HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")  # syllables and jamo

CORRECT, PARTIAL, WRONG, MALFORMED, UNANSWERED = "correct", "partial", "wrong", "malformed", "unanswered"

TRUE_WORDS = {"true", "t", "yes", "y", "o", "1", "참", "맞다", "맞음", "예", "네", "그렇다", "옳다", "옳음"}
FALSE_WORDS = {"false", "f", "no", "n", "x", "0", "거짓", "틀리다", "틀림", "아니오", "아니요", "아니다", "그르다"}


class Malformed(BilingualError, ValueError):
    """An answer that cannot be read for this question type (graded 0, or asked again)."""


@dataclass(frozen=True)
class Grade:
    score: float  # 0..1
    status: str  # correct | partial | wrong | malformed | unanswered
    detail: str = ""  # why, for malformed answers

    @property
    def passed(self) -> bool:
        return self.status == CORRECT


# --- normalisation ------------------------------------------------------------------------------

def normalize(text: str) -> str:
    """NFKC, casefold, punctuation to spaces (keeping 0.5 and 1/2 intact), collapsed whitespace."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)  # 16,000 -> 16000
    out = []
    for i, ch in enumerate(t):
        between_digits = 0 < i < len(t) - 1 and t[i - 1].isdigit() and t[i + 1].isdigit()
        if unicodedata.category(ch).startswith("P") and not (ch in "./" and between_digits):
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def short_key(text: str) -> str:
    """Spacing is ignored entirely: Korean spacing varies (교사강요 = 교사 강요)."""
    return normalize(text).replace(" ", "")


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise Malformed("expected a number, not true/false", "참/거짓이 아니라 숫자를 입력하세요")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        t = unicodedata.normalize("NFKC", value).strip().replace("\u2212", "-").replace(" ", "")
        t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)
        if t.endswith("%"):  # "15%" where the question asks for a percentage
            t = t[:-1]
        m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)", t)
        try:
            number = float(m.group(1)) / float(m.group(2)) if m else float(t)
        except (ValueError, ZeroDivisionError):
            raise Malformed(f"{value!r} is not a number", f"{value!r} 는 숫자가 아닙니다") from None
    else:
        raise Malformed(f"expected a number, not {value!r}", f"숫자가 필요합니다: {value!r}")
    if not math.isfinite(number):
        raise Malformed("the number must be finite", "유한한 숫자를 입력하세요")
    return number


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = normalize(value).replace(" ", "")
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise Malformed(f"expected true or false, not {value!r}", f"참(true) 또는 거짓(false)으로 답하세요: {value!r}")


def _choice_ids(question: Question, value: Any) -> list[str]:
    if isinstance(value, str):
        items = [v for v in re.split(r"[,\s]+", value.strip()) if v]
    elif isinstance(value, list):
        items = value
    else:
        raise Malformed(f"expected a list of choice ids, not {value!r}", f"선택지 id 목록이 필요합니다: {value!r}")
    ids = [str(v) for v in items]
    known = [c.id for c in question.choices]
    unknown = [v for v in ids if v not in known]
    if unknown:
        raise Malformed(f"unknown choice(s) {', '.join(unknown)} (choices: {', '.join(known)})",
                        f"없는 선택지: {', '.join(unknown)} (선택지: {', '.join(known)})")
    if len(set(ids)) != len(ids):
        raise Malformed("a choice is listed twice", "같은 선택지를 두 번 적었습니다")
    return ids


def coerce(question: Question, value: Any) -> Any:
    """Canonical answer for `question` from an answer-file or stored value; raises Malformed."""
    t = question.type
    if t == "single":
        ids = _choice_ids(question, [value] if isinstance(value, (str, int)) and not isinstance(value, bool)
                          else value)
        if len(ids) != 1:
            raise Malformed("pick exactly one choice", "선택지를 하나만 고르세요")
        return ids[0]
    if t == "multiple":
        ids = _choice_ids(question, value)
        if not ids:
            raise Malformed("pick at least one choice", "선택지를 하나 이상 고르세요")
        return sorted(ids)
    if t == "ordering":
        ids = _choice_ids(question, value)
        if sorted(ids) != sorted(c.id for c in question.choices):
            raise Malformed(f"list every choice exactly once ({', '.join(c.id for c in question.choices)})",
                            f"모든 선택지를 한 번씩 순서대로 적으세요 ({', '.join(c.id for c in question.choices)})")
        return ids
    if t == "true_false":
        return parse_bool(value)
    if t in ("numeric", "param_numeric"):
        return parse_number(value)
    if t == "short":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
            raise Malformed("expected a short text answer", "짧은 글로 답하세요")
        return str(value).strip()
    raise AssertionError(t)


# --- grading ------------------------------------------------------------------------------------

def within(value: float, expected: float, question: Question) -> bool:
    width = question.tolerance.width(expected)
    # A hair of slack so an answer exactly at the edge survives binary floating point.
    slack = 1e-12 * max(1.0, abs(expected))
    return abs(value - expected) <= width + slack


def _status(score: float) -> str:
    return CORRECT if score >= 1 - 1e-12 else PARTIAL if score > 0 else WRONG


def grade(question: Question, response: Any, expected: float | None = None) -> Grade:
    """Grade a canonical response. `expected` is the computed answer of a param_numeric question."""
    t = question.type
    if t == "single":
        return Grade(1.0, CORRECT) if response in question.correct_ids else Grade(0.0, WRONG)
    if t == "multiple":
        right = set(question.correct_ids)
        wrong = {c.id for c in question.choices} - right
        picked = set(response)
        score = len(picked & right) / len(right) - (len(picked & wrong) / len(wrong) if wrong else 0)
        score = max(0.0, score)
        return Grade(score, CORRECT if picked == right else _status(min(score, 0.999)))
    if t == "ordering":
        key = question.correct_ids
        if list(response) == key:
            return Grade(1.0, CORRECT)
        follows = {key[i]: key[i + 1] for i in range(len(key) - 1)}
        good = sum(1 for a, b in zip(response, response[1:]) if follows.get(a) == b)
        score = good / (len(key) - 1) if len(key) > 1 else 0.0
        return Grade(score, _status(min(score, 0.999)))
    if t == "true_false":
        return Grade(1.0, CORRECT) if response is question.answer else Grade(0.0, WRONG)
    if t in ("numeric", "param_numeric"):
        target = question.answer if t == "numeric" else expected
        if target is None:
            raise ValueError(f"{question.id}: no expected value to grade against")
        return Grade(1.0, CORRECT) if within(response, float(target), question) else Grade(0.0, WRONG)
    if t == "short":
        accepted = {short_key(a) for a in question.accept}
        return Grade(1.0, CORRECT) if short_key(response) in accepted else Grade(0.0, WRONG)
    raise AssertionError(t)


def grade_value(question: Question, value: Any, expected: float | None = None) -> tuple[Grade, Any]:
    """Coerce then grade a raw value; missing answers and malformed ones score 0. Returns (grade, canonical)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Grade(0.0, UNANSWERED, "no answer"), None
    try:
        response = coerce(question, value)
    except Malformed as exc:
        return Grade(0.0, MALFORMED, exc.en), None
    return grade(question, response, expected), response

