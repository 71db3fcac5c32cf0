"""Answer files: `grade quiz TOPIC --template` writes one, `--answers FILE` grades one without prompting.

An answer file is YAML (see docs/quiz-format.md):

    quiz: cnn            # the topic it answers
    seed: 42             # draws the parameters of parametrized questions (and the subset, with count)
    count: 5             # optional: only the seeded subset of 5 questions is graded
    answers:
      cnn.some-single: b            # a choice id
      cnn.some-multiple: [a, c]     # choice ids
      cnn.some-ordering: [c, a, b]  # every choice id, in order
      cnn.some-tf: true
      cnn.some-number: 12.5
      cnn.some-short: "max pooling"
      cnn.some-param:
        params: {H: 16, K: 3}       # as recorded by --template --seed; graded against these values
        answer: 14

Every question of the (sub)set is graded: a missing or empty answer scores 0.
"""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.i18n import pick

from .grading import MALFORMED, Grade, grade_value
from .model import Pack, Question, Quiz
from .params import compute_answer, draw, format_number, in_range, render
from .present import present
from .session import select_questions
from .yamlsrc import LineDict, YamlSourceError, load_yaml

TYPE_FORMAT = {
    "single": "one choice id, e.g. b",
    "multiple": "a list of choice ids, e.g. [a, c]",
    "ordering": "every choice id in the right order, e.g. [c, a, b]",
    "true_false": "true or false",
    "numeric": "a number",
    "param_numeric": "a number, for the params recorded here",
    "short": "a short text in quotes",
}


def _comment(text: str, indent: str = "  ") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines() or [""]]


def _yaml_scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON scalars and flow maps are valid YAML


def write_template(pack: Pack, quiz: Quiz, seed: int, count: int | None, lang: str) -> str:
    """An empty answer sheet with each question (in `lang`) as comments and its params recorded."""
    questions = select_questions(quiz, seed, count)
    out = [
        f"# Answer sheet: {pick(quiz.title, lang)} ({quiz.topic}), {len(questions)} question(s).",
        (f"# Replace each null with your answer, then submit this file to your instructor as "
         f"{quiz.topic}.answers.yaml." if quiz.homework else
         f"# Replace each null with your answer, then grade with: grade quiz {quiz.topic} --answers FILE"),
        "# Keep quiz, seed, count and every `params:` as written: parametrized questions are graded",
        "# against the values recorded here.",
        f"quiz: {quiz.topic}",
        f"seed: {seed}",
        f"count: {count if count is not None else 'null'}",
        "answers:",
    ]
    for q in questions:
        p = present(q, seed, pack.functions)
        out.append("")
        out += _comment(f"[{q.type}] answer: {TYPE_FORMAT[q.type]}")
        out += _comment(p.prompt(lang))
        for cid in p.order:
            out += _comment(f"  {cid}: {pick(q.choice(cid).text, lang)}")
        if q.type == "param_numeric":
            params = "{" + ", ".join(f"{k}: {_yaml_scalar(v)}" for k, v in p.params.items()) + "}"
            out += [f"  {q.id}:", f"    params: {params}", "    answer: null"]
        else:
            out.append(f"  {q.id}: null")
    return "\n".join(out) + "\n"


@dataclass
class Result:
    question: Question
    raw: Any
    grade: Grade
    params: dict[str, float]
    expected: float | None
    note: str = ""


def _key_text(q: Question, expected: float | None, lang: str) -> str:
    if q.type == "single":
        cid = q.correct_ids[0]
        return f"{cid}) {pick(q.choice(cid).text, lang)}"
    if q.type == "multiple":
        return ", ".join(q.correct_ids)
    if q.type == "ordering":
        return " -> ".join(q.correct_ids)
    if q.type == "true_false":
        return "true" if q.answer else "false"
    if q.type == "short":
        return q.accept[0]
    value = q.answer if q.type == "numeric" else expected
    tolerance = q.tolerance.describe()
    return format_number(value) + (f" ({tolerance})" if tolerance else "")


def _fail(path: Path, line: int | None, en: str, ko: str) -> UsageError:
    where = f"{path}:{line}" if line else str(path)
    return UsageError(f"{where}: {en}", f"{where}: {ko}")


def _params_for(q: Question, raw: Any, seed: Any) -> tuple[dict[str, float] | None, Any, str]:
    """(params, answer value, problem) for a parametrized question's entry."""
    answer = raw
    recorded = None
    if isinstance(raw, dict):
        answer = raw.get("answer")
        recorded = raw.get("params")
    if recorded is None:
        if isinstance(seed, int) and not isinstance(seed, bool):
            return draw(q, seed), answer, ""
        return None, answer, "no params recorded and no seed: make the file with --template --seed N"
    if not isinstance(recorded, dict) or set(recorded) != set(q.params):
        return None, answer, f"params must be exactly {', '.join(sorted(q.params))}"
    bad = [k for k, v in recorded.items() if not in_range(q.params[k], v)]
    if bad:
        return None, answer, f"recorded params outside the question's range: {', '.join(sorted(bad))}"
    note = ""
    if isinstance(seed, int) and dict(recorded) != draw(q, seed):
        note = f"params differ from the draw of seed {seed}"
    return dict(recorded), answer, note


def grade_file(pack: Pack, quiz: Quiz, path: Path) -> tuple[list[Result], float]:
    """Grade an answer file. Raises UsageError (exit 2) for a file that cannot be graded at all."""
    started = time.perf_counter()
    try:
        data = load_yaml(path)
    except YamlSourceError as exc:
        raise _fail(exc.file, exc.line, exc.message, exc.message) from None
    if not isinstance(data, LineDict) or not isinstance(data.get("answers"), (LineDict, type(None))):
        raise _fail(path, getattr(data, "line", None),
                    "not an answer file: expected `quiz:`, `seed:` and an `answers:` mapping "
                    f"(make one with: grade quiz {quiz.topic} --template)",
                    f"답안 파일이 아닙니다: `quiz:`, `seed:`, `answers:` 가 필요합니다 "
                    f"(만들기: grade quiz {quiz.topic} --template)")
    if data.get("quiz") != quiz.topic:
        raise _fail(path, data.line_of("quiz"),
                    f"this answer file is for quiz {data.get('quiz')!r}, not {quiz.topic!r}",
                    f"이 답안 파일은 {quiz.topic!r} 가 아니라 {data.get('quiz')!r} 퀴즈용입니다")
    seed, count = data.get("seed"), data.get("count")
    for key, value in (("seed", seed), ("count", count)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise _fail(path, data.line_of(key), f"{key} must be a whole number", f"{key} 는 정수여야 합니다")
    if count is not None and seed is None:
        raise _fail(path, data.line_of("count"), "count needs the seed that chose the questions",
                    "count 에는 문제를 고른 seed 가 필요합니다")
    answers: LineDict = data.get("answers") or LineDict()
    selection = select_questions(quiz, seed or 0, count)
    wanted = {q.id for q in selection}
    unknown = [k for k in answers if k not in wanted]
    if unknown:
        lines = []
        for k in unknown:
            hint = difflib.get_close_matches(str(k), sorted(wanted), n=1)
            reason = "is not in this (seeded) selection" if k in quiz.by_id() else "is not a question of this quiz"
            lines.append(f"{path}:{answers.line_of(k)}: {k!r} {reason}" + (f" (did you mean {hint[0]!r}?)"
                                                                           if hint else ""))
        raise UsageError("Unknown question ids in the answer file:\n" + "\n".join(lines),
                         "답안 파일에 없는 문제 id 가 있습니다:\n" + "\n".join(lines))
    results: list[Result] = []
    for q in selection:
        raw = answers.get(q.id)
        params: dict[str, float] = {}
        expected = None
        note = ""
        if q.type == "param_numeric":
            got, raw, note = _params_for(q, raw, seed)
            if got is None:
                results.append(Result(q, raw, Grade(0.0, MALFORMED, note), {}, None))
                continue
            params = got
            expected = compute_answer(q, params, pack.functions)
        g, _ = grade_value(q, raw, expected)
        results.append(Result(q, raw, g, params, expected, note))
    return results, time.perf_counter() - started


def _test_output(r: Result, lang: str) -> str:
    q = r.question
    lines = [render(pick(q.prompt, lang), r.params)]
    shown = "—" if r.raw is None else (r.raw if isinstance(r.raw, str) else json.dumps(r.raw, ensure_ascii=False))
    lines.append(("Your answer: " if lang != "ko" else "제출한 답: ") + str(shown))
    if r.grade.status == MALFORMED:
        lines.append(("Could not read the answer: " if lang != "ko" else "답을 읽을 수 없음: ") + r.grade.detail)
    if not r.grade.passed and (r.expected is not None or q.type != "param_numeric"):
        lines.append(("Correct answer: " if lang != "ko" else "정답: ") + _key_text(q, r.expected, lang))
    if r.note:
        lines.append(f"Note: {r.note}")
    lines.append(render(pick(q.explanation, lang), {**r.params, **({"answer": r.expected}
                                                                    if r.expected is not None else {})}))
    return "\n".join(lines)


def results_json(quiz: Quiz, results: list[Result], elapsed: float, lang: str) -> dict[str, Any]:
    """Gradescope's results.json shape."""
    score = sum(r.grade.score for r in results)
    tests = [{
        "name": f"{r.question.id}",
        "score": round(r.grade.score, 4),
        "max_score": 1,
        "status": "passed" if r.grade.passed else "failed",
        "output": _test_output(r, lang),
        "visibility": "visible",
    } for r in results]
    return {
        "score": round(score, 4),
        "max_score": len(results),
        "execution_time": round(elapsed, 3),
        "output": f"{pick(quiz.title, lang)} ({quiz.topic}): {score:g} / {len(results)}",
        "visibility": "visible",
        "tests": tests,
    }


def results_text(quiz: Quiz, results: list[Result], lang: str, ok: str = "✓", bad: str = "✗") -> str:
    score = sum(r.grade.score for r in results)
    out = [f"{pick(quiz.title, lang)} ({quiz.topic}): {score:g} / {len(results)}"]
    for r in results:
        mark = ok if r.grade.passed else bad
        line = f"{mark} {r.question.id}  {r.grade.score:g}/1"
        if not r.grade.passed:
            line += f"  [{r.grade.status}]"
            if r.grade.status == MALFORMED:
                line += f" {r.grade.detail}"
            if r.expected is not None or r.question.type != "param_numeric":
                line += ("  정답: " if lang == "ko" else "  answer: ") + _key_text(r.question, r.expected, lang)
        if r.note:
            line += f"  ({r.note})"
        out.append(line)
    return "\n".join(out) + "\n"
