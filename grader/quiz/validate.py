"""Semantic checks of quiz packs (`grade quiz check`): ids, catalogue references, answers, ranges.

The loader has already reported structural problems; here each loaded question is checked against
the concept catalogue, the pack's answer functions and the rest of the pack.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from .expr import Expr, ExprError
from .grading import HANGUL, short_key
from .loader import FUNCTIONS_FILE, load_quiz, open_pack, pack_quiz
from .model import RESERVED_TOPICS, Pack, Problem, Question, Quiz, shown_path
from .params import combinations, compute_answer, format_number, placeholders
from .yamlsrc import YamlSourceError

TOPIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_REL_TOLERANCE = 0.5


def _closest(name: str, options: list[str]) -> str:
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


class _Report:
    def __init__(self, question: Question) -> None:
        self.q = question
        self.problems: list[Problem] = []

    def error(self, key: str | None, message: str) -> None:
        line = self.q.line_of(key) if key else self.q.line
        self.problems.append(Problem(self.q.file, line, self.q.id, message))

    def warn(self, key: str | None, message: str) -> None:
        line = self.q.line_of(key) if key else self.q.line
        self.problems.append(Problem(self.q.file, line, self.q.id, message, "warning"))


def _check_languages(q: Question, r: _Report) -> None:
    for key in ("prompt", "explanation"):
        text = getattr(q, key)
        if text and not HANGUL.search(text["ko"]):
            r.error(key, f"the Korean {key} (`ko:`) contains no Korean text")


# "(b)", "option b", "보기 b": a choice named by its letter (not "f(a)", which is maths)
LETTER_REFERENCE = re.compile(r"(?<![\w)])\(([a-h])\)|\b(?:option|choice)s? ([a-h])\b|"
                              r"(?:보기|선택지|선지) ?([a-h])\b", re.IGNORECASE)


def _check_choices(q: Question, r: _Report) -> None:
    if q.shuffle and q.explanation:
        for lang in ("ko", "en"):
            found = LETTER_REFERENCE.search(q.explanation[lang])
            if found:
                r.error("explanation", f"the {lang} explanation names a choice by its letter "
                        f"({found.group(0)!r}), but choices are shuffled and re-lettered for "
                        "every learner: name it by its content")
    ids = [c.id for c in q.choices]
    for cid in sorted({c for c in ids if ids.count(c) > 1}):
        r.error("choices", f"choice id {cid!r} is used twice")
    if len(q.choices) < 2:
        r.error("choices", "needs at least two choices")
    for lang in ("ko", "en"):
        texts = [short_key(c.text[lang]) for c in q.choices]
        if len(set(texts)) != len(texts):
            r.error("choices", f"two choices have the same {lang} text")
    if q.homework:
        return  # the correct flags were stripped
    n_correct = sum(c.correct for c in q.choices)
    if q.type == "single" and n_correct != 1:
        r.error("choices", f"a single-choice question needs exactly one `correct: true` choice "
                           f"(found {n_correct})")
    if q.type == "multiple" and n_correct < 1:
        r.error("choices", "a multiple-select question needs at least one `correct: true` choice")


def _check_tolerance(q: Question, answers: list[tuple[float, dict]], r: _Report) -> None:
    tol = q.tolerance

    def where(params: dict) -> str:
        return f" (with {', '.join(f'{k}={format_number(v)}' for k, v in params.items())})" if params else ""

    if tol.rel is not None:
        if tol.rel >= MAX_REL_TOLERANCE:
            r.error("tolerance", f"a relative tolerance of {tol.rel:g} accepts answers off by half or more")
        for value, params in answers:
            if value == 0:
                r.error("tolerance", f"a relative tolerance cannot accept anything near an answer of 0"
                                     f"{where(params)}; use abs")
                break
    if tol.abs is not None:
        for value, params in answers:
            if value != 0 and tol.abs >= abs(value):
                r.error("tolerance", f"tolerance ±{tol.abs:g} is as wide as the answer "
                                     f"{format_number(value)}{where(params)}: 0 would be accepted")
                break
    if tol.abs is None and tol.rel is None:
        for value, params in answers:
            if round(value, 6) != value:
                r.error("tolerance", f"the answer {value!r}{where(params)} cannot be typed exactly; "
                                     f"add a tolerance")
                break
    integers = [(v, p) for v, p in answers if float(v).is_integer()]
    if integers and len(integers) == len(answers):
        for value, params in integers:
            if tol.width(value) >= 1:
                r.warn("tolerance", f"tolerance ±{format_number(tol.width(value))} around the integer answer "
                                    f"{format_number(value)}{where(params)} also accepts a neighbouring integer")
                break


def _check_params(q: Question, pack: Pack, r: _Report) -> None:
    names = set(q.params)
    for lang in ("ko", "en"):
        if not q.prompt:
            break
        used = placeholders(q.prompt[lang])
        for name in sorted(names - used):
            r.error("prompt", f"parameter {name} never appears as {{{name}}} in the {lang} prompt, "
                              f"so the learner cannot see it")
        for name in sorted(used - names):
            r.warn("prompt", f"{{{name}}} in the {lang} prompt is not a parameter and is shown as is")
    if q.answer_expr is not None:
        try:
            expr = Expr(q.answer_expr)
        except ExprError as exc:
            r.error("answer_expr", f"answer_expr: {exc}")
            return
        unknown = expr.names - names
        if unknown:
            r.error("answer_expr", f"answer_expr uses unknown name(s) {', '.join(sorted(unknown))}; "
                                   f"parameters are {', '.join(sorted(names))}")
            return
    elif q.answer_fn is not None:
        if q.answer_fn not in pack.functions:
            r.error("answer_fn", f"no answer function {q.answer_fn!r} in {FUNCTIONS_FILE}"
                                 f"{_closest(q.answer_fn, pack.functions.names())}")
            return
        for arg, source in q.fn_args.items():
            try:
                bad = Expr(source).names - names
            except ExprError as exc:
                r.error("fn_args", f"fn_args {arg}: {exc}")
                return
            if bad:
                r.error("fn_args", f"fn_args {arg} uses unknown name(s) {', '.join(sorted(bad))}")
                return
    else:
        return
    answers: list[tuple[float, dict]] = []
    for params in combinations(q):
        try:
            answers.append((compute_answer(q, params, pack.functions), params))
        except ExprError as exc:
            shown = ", ".join(f"{k}={format_number(v)}" for k, v in params.items())
            key = "answer_expr" if q.answer_expr is not None else "answer_fn"
            r.error(key, f"the answer cannot be computed for {shown}: {exc}")
            return
    _check_tolerance(q, answers, r)


def validate_question(q: Question, pack: Pack) -> list[Problem]:
    r = _Report(q)
    topic = q.file.stem if q.file else q.topic
    if not re.fullmatch(re.escape(topic) + r"\.[A-Za-z0-9][A-Za-z0-9_.-]*", q.id):
        r.error("id", f"id must look like '{topic}.<slug>' (letters, digits, - _ .)")
    known = list(pack.concepts)
    for cid in q.concepts:
        if cid not in pack.concepts:
            r.error("concepts", f"unknown concept id {cid!r}{_closest(cid, known)}")
    for trap in q.traps:
        cid, _, index = trap.rpartition(":")
        if not cid or not index.isdigit():
            r.error("traps", f'trap {trap!r} must look like "<concept-id>:<index>"')
            continue
        concept = pack.concepts.get(cid)
        if concept is None:
            r.error("traps", f"trap {trap!r}: unknown concept id {cid!r}{_closest(cid, known)}")
        elif int(index) >= len(concept.traps):
            r.error("traps", f"trap {trap!r}: concept {cid} has {len(concept.traps)} trap(s), "
                             f"numbered from 0")
        elif cid not in q.concepts:
            r.warn("traps", f"trap {trap!r} belongs to concept {cid}, which is not in this question's concepts")
    _check_languages(q, r)
    if q.type in ("single", "multiple", "ordering"):
        _check_choices(q, r)
    elif q.homework:  # no answers to check: only the parameters' placeholders
        if q.type == "param_numeric":
            _check_params(q, pack, r)
    elif q.type == "numeric":
        _check_tolerance(q, [(float(q.answer), {})], r)
    elif q.type == "short":
        keys = [short_key(a) for a in q.accept]
        if any(not k for k in keys):
            r.error("accept", "an accepted answer is empty once punctuation and spacing are removed")
    elif q.type == "param_numeric":
        _check_params(q, pack, r)
    return r.problems


def validate_quiz(quiz: Quiz, pack: Pack) -> list[Problem]:
    problems = list(quiz.problems)
    topic = quiz.file.stem
    if topic in RESERVED_TOPICS:
        problems.append(Problem(quiz.file, 1, None, f"topic name {topic!r} collides with `grade quiz {topic}`; "
                                                    f"rename the file"))
    elif not TOPIC_NAME.match(topic):
        problems.append(Problem(quiz.file, 1, None, f"topic name {topic!r}: use lower-case letters, digits, - and _"))
    for q in quiz.questions:
        problems += validate_question(q, pack)
    return problems


def validate_paths(path: Path | None = None) -> tuple[list[Problem], int, int]:
    """Check a pack folder (default: the shipped one) or a single topic file.

    Returns (problems, files checked, questions loaded).
    """
    if path is not None and Path(path).is_file():
        file = Path(path)
        pack = open_pack(file.parent)
        files = [file]
    else:
        pack = open_pack(path)
        files = [pack.topic_files[t] for t in pack.topics]
    problems = list(pack.problems)
    seen: dict[str, Question] = {}
    n_questions = 0
    for file in files:
        try:
            quiz = pack_quiz(pack, file.stem) if pack.topic_files.get(file.stem) == file else load_quiz(file)
        except YamlSourceError as exc:
            problems.append(Problem(exc.file, exc.line, None, exc.message))
            continue
        problems += validate_quiz(quiz, pack)
        n_questions += len(quiz.questions)
        for q in quiz.questions:
            if q.id in seen:
                first = seen[q.id]
                problems.append(Problem(q.file, q.line, q.id, f"duplicate id (first at {shown_path(first.file)}:{first.line})"))
            else:
                seen[q.id] = q
    return problems, len(files), n_questions


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]

