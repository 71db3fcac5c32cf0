"""One question as shown in one attempt: shuffled choices with letter labels, drawn parameters, and
reading what the learner types back into the canonical answer form used by grading.py."""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from grader.i18n import pick

from .functions import Registry
from .grading import HANGUL, Malformed, coerce, parse_bool
from .model import Question
from .params import Params, compute_answer, draw, format_number, render, rng_for

LABELS = string.ascii_lowercase

HINTS = {
    "single": {"en": "one letter", "ko": "글자 하나"},
    "multiple": {"en": "every correct letter, e.g. a c", "ko": "맞는 글자를 모두, 예: a c"},
    "ordering": {"en": "all letters in the right order, e.g. c a b", "ko": "모든 글자를 올바른 순서로, 예: c a b"},
    "true_false": {"en": "t (true) or f (false)", "ko": "O(참) 또는 X(거짓)"},
    "numeric": {"en": "a number", "ko": "숫자"},
    "param_numeric": {"en": "a number", "ko": "숫자"},
    "short": {"en": "a word or short phrase", "ko": "단어나 짧은 구"},
}


@dataclass
class Presented:
    question: Question
    order: list[str] = field(default_factory=list)  # choice ids in the order shown
    params: Params = field(default_factory=dict)
    expected: float | None = None  # computed answer of a param_numeric question

    @property
    def labels(self) -> dict[str, str]:
        """label -> choice id."""
        return {LABELS[i]: cid for i, cid in enumerate(self.order)}

    def label_of(self, cid: str) -> str:
        return LABELS[self.order.index(cid)]

    def prompt(self, lang: str) -> str:
        return render(pick(self.question.prompt, lang), self.params)

    def explanation(self, lang: str) -> str:
        values = dict(self.params)
        if self.expected is not None:
            values["answer"] = self.expected
        return render(pick(self.question.explanation, lang), values)

    def choice_lines(self, lang: str) -> list[tuple[str, str]]:
        return [(self.label_of(cid), pick(self.question.choice(cid).text, lang)) for cid in self.order]

    def hint(self, lang: str) -> str:
        hint = pick(HINTS[self.question.type], lang)
        if self.order:
            hint += f" (a-{LABELS[len(self.order) - 1]})"
        return hint

    def parse(self, typed: str) -> Any:
        """Canonical answer from terminal input; raises Malformed so the learner is asked again."""
        q = self.question
        if q.type in ("single", "multiple", "ordering"):
            return coerce(q, self._ids_from_labels(typed))
        if q.type == "true_false":
            return parse_bool(typed)
        return coerce(q, typed)

    def _ids_from_labels(self, typed: str) -> list[str]:
        text = unicodedata.normalize("NFKC", typed).strip().lower()
        tokens = [t for t in re.split(r"[\s,;/]+", text) if t]
        if len(tokens) == 1 and len(tokens[0]) > 1 and all(ch in self.labels for ch in tokens[0]):
            tokens = list(tokens[0])  # "acd" means a, c, d
        ids = []
        for token in tokens:
            token = token.rstrip(").")
            if token.isdigit() and 1 <= int(token) <= len(self.order):
                ids.append(self.order[int(token) - 1])
            elif token in self.labels:
                ids.append(self.labels[token])
            else:
                last = LABELS[len(self.order) - 1]
                raise Malformed(f"{token!r} is not one of the letters a-{last}",
                                f"{token!r} 는 a-{last} 중 하나가 아닙니다")
        return ids

    def correct_text(self, lang: str) -> str:
        """The right answer, in the learner's terms (letters as shown, numbers as typed)."""
        q = self.question
        if q.type == "single" or q.type == "multiple":
            return ", ".join(f"{self.label_of(c)}) {pick(q.choice(c).text, lang)}"
                             for c in sorted(q.correct_ids, key=self.order.index))
        if q.type == "ordering":
            return " -> ".join(self.label_of(c) for c in q.correct_ids)
        if q.type == "true_false":
            if lang == "ko":
                return "O (참)" if q.answer else "X (거짓)"
            return "true" if q.answer else "false"
        if q.type == "short":
            # The first accepted answer written in the learner's language, if there is one.
            in_lang = [a for a in q.accept if bool(HANGUL.search(a)) == (lang == "ko")]
            return (in_lang or list(q.accept))[0]
        value = q.answer if q.type == "numeric" else self.expected
        tolerance = q.tolerance.describe()
        return format_number(value) + (f" ({tolerance})" if tolerance else "")

    def response_text(self, response: Any) -> str:
        q = self.question
        if q.type == "single":
            return self.label_of(response)
        if q.type in ("multiple", "ordering"):
            return " ".join(self.label_of(c) for c in response)
        if q.type == "true_false":
            return "true" if response else "false"
        if isinstance(response, float):
            return format_number(response)
        return str(response)


def present(question: Question, seed: int | str, functions: Registry) -> Presented:
    order: list[str] = [c.id for c in question.choices]
    # A homework quiz stores its ordering choices in an order that is known not to be the answer
    # (homework.py); any reshuffle here could land on the answer, so they are shown as stored.
    homework_ordering = question.homework and question.type == "ordering"
    if order and (question.shuffle or question.type == "ordering") and not homework_ordering:
        rng = rng_for(seed, question.id, "choices")
        rng.shuffle(order)
        if question.type == "ordering" and order == question.correct_ids and len(order) > 1:
            order = order[1:] + order[:1]  # never show an ordering question already solved
    params: Params = {}
    expected = None
    if question.type == "param_numeric":
        params = draw(question, seed)
        if not question.homework:  # a homework question has no formula to compute
            expected = compute_answer(question, params, functions)
    return Presented(question, order, params, expected)
