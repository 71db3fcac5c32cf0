"""Homework quizzes: answers stripped for a student release, answers collected for the instructor.

`grade release OUT --homework` calls `strip_answers` on every quiz file it ships: the file gets
`homework: true` and loses everything that reveals an answer (model.ANSWER_KEYS and the choices'
`correct:` flags); ordering questions, whose listed order is the answer, are stored in a shuffled
order that is never the answer.

`grade quiz TOPIC` on such a quiz (`run_homework`) asks the questions as usual but shows no
right/wrong and no explanation: each answer is written at once to `<topic>.answers.yaml` (the
answer-file format of answers.py) in the workspace root or the current folder. The instructor
grades the submitted files with the full pack (`grade batch --quiz TOPIC`, grader/quiz/batch.py).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from grader.errors import UsageError
from grader.i18n import pick
from grader.workspace import Workspace

from .grading import UNANSWERED, Grade
from .model import ANSWER_KEYS, Pack, Quiz
from .present import Presented, present
from .session import EXIT_INTERRUPTED, Asker, new_seed, tr

RECORDED = "recorded"  # the status of an answer taken in homework mode: not graded here

HEADER = """\
# Homework answers: {title} ({topic}), {n} question(s), {done} answered.
# Submit this file to your instructor as {topic}.answers.yaml. Keep quiz and seed as written:
# the instructor grades it with the answers and the parameters of your seed.
# 숙제 답안: {title_ko} ({topic}), {n}문제 중 {done}문제 답함.
# 이 파일을 {topic}.answers.yaml 이라는 이름으로 강사에게 제출하세요. quiz 와 seed 는 그대로 두세요.
"""


# --- stripping ----------------------------------------------------------------------------------

# The loader's parser (libyaml when available: it reads some flow texts that pure PyYAML rejects).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block style for multi-line texts (code in prompts stays readable)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself when a text cannot be a literal block.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def homework_order(qid: str, ids: list[Any]) -> list[int]:
    """Positions of the stored (shuffled) order: deterministic in the id, never the identity for >= 2."""
    order = list(range(len(ids)))
    random.Random(f"homework:{qid}").shuffle(order)
    if len(order) > 1 and order == sorted(order):
        order = order[1:] + order[:1]
    return order


def _strip_question(item: Any, reshuffle: bool) -> Any:
    if not isinstance(item, dict):
        return item
    out = {k: v for k, v in item.items() if k not in ANSWER_KEYS}
    choices = out.get("choices")
    if isinstance(choices, list):
        choices = [{k: v for k, v in c.items() if k != "correct"} if isinstance(c, dict) else c
                   for c in choices]
        if out.get("type") == "ordering" and reshuffle:
            choices = [choices[i] for i in homework_order(str(out.get("id")), choices)]
        out["choices"] = choices
    return out


def strip_answers(path: Path) -> None:
    """Rewrite a quiz file in place as a homework quiz: `homework: true`, no answers, ordering
    choices shuffled. Idempotent: an already stripped file is not shuffled again (a second shuffle
    could land on the answer)."""
    path = Path(path)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a quiz file (expected a mapping with topic, title, questions)")
    reshuffle = data.get("homework") is not True
    out: dict[str, Any] = {k: v for k, v in data.items() if k not in ("homework", "questions")}
    out["homework"] = True
    questions = data.get("questions")
    out["questions"] = ([_strip_question(q, reshuffle) for q in questions]
                        if isinstance(questions, list) else questions)
    text = yaml.dump(out, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    head = ("# Homework edition (grade release --homework): answers and explanations removed;\n"
            "# ordering choices are listed shuffled. 숙제용: 정답과 해설을 뺀 파일입니다.\n")
    path.write_text(head + text, encoding="utf-8")


# --- the answer file ----------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """Canonical responses as they read best in YAML: 24 rather than 24.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


class AnswerSheet:
    """The answers given so far, rewritten whole (atomically) after each one."""

    def __init__(self, path: Path, quiz: Quiz, seed: int, answers: dict[str, Any] | None = None) -> None:
        self.path = path
        self.quiz = quiz
        self.seed = seed
        self.answers: dict[str, Any] = dict(answers or {})

    def set(self, p: Presented, response: Any) -> None:
        value = _plain(response)
        if p.question.type == "param_numeric":
            value = {"params": {k: _plain(v) for k, v in p.params.items()}, "answer": value}
        self.answers[p.question.id] = value

    @property
    def done(self) -> int:
        return sum(1 for v in self.answers.values() if _answered(v))

    def text(self) -> str:
        ordered = {q.id: self.answers[q.id] for q in self.quiz.questions if q.id in self.answers}
        body = yaml.safe_dump({"quiz": self.quiz.topic, "seed": self.seed, "count": None, "answers": ordered},
                              allow_unicode=True, sort_keys=False, default_flow_style=None, width=100)
        return HEADER.format(title=pick(self.quiz.title, "en"), title_ko=pick(self.quiz.title, "ko"),
                             topic=self.quiz.topic, n=len(self.quiz.questions), done=self.done) + body

    def write(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(self.text(), encoding="utf-8")
            os.replace(tmp, self.path)  # a kill leaves the previous version, never half a file
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise UsageError(f"Cannot write {self.path}: {exc.strerror}",
                             f"{self.path} 에 쓸 수 없습니다: {exc.strerror}") from None


def _answered(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("answer")
    return value is not None and not (isinstance(value, str) and not value.strip())


def _read_sheet(path: Path, quiz: Quiz) -> tuple[dict[str, Any], Any] | None:
    """(answers to this quiz's questions, seed) of an answer file for this quiz, else None."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or data.get("quiz") != quiz.topic:
        return None
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        return None
    ids = quiz.by_id()
    return {k: v for k, v in answers.items() if k in ids}, data.get("seed")


def _free_name(root: Path, topic: str) -> Path:
    n = 2
    while (root / f"{topic}.answers-{n}.yaml").exists():
        n += 1
    return root / f"{topic}.answers-{n}.yaml"


def choose_file(root: Path, quiz: Quiz, seed: int, read: Callable[[str], str], console: Console,
                lang: str) -> tuple[Path, dict[str, Any]]:
    """Where to write, and the answers kept from an earlier run of the same quiz and seed.

    An existing file is only replaced silently when it holds no answer; otherwise the learner
    chooses: continue it (same quiz and seed only), overwrite it, or write `<topic>.answers-N.yaml`.
    Raises KeyboardInterrupt on Ctrl-C; end of input takes the default.
    """
    target = root / f"{quiz.topic}.answers.yaml"
    if not target.exists():
        return target, {}
    found = _read_sheet(target, quiz)
    if found is not None and not any(_answered(v) for v in found[0].values()):
        return target, {}
    other = _free_name(root, quiz.topic)
    same = found is not None and found[1] == seed
    if same:
        n = sum(1 for v in found[0].values() if _answered(v))
        console.print(Text(tr(lang, f"{target} already holds {n} answer(s) to this quiz with seed {seed}.",
                              f"{target} 에 이 퀴즈(시드 {seed})의 답 {n}개가 이미 있습니다.")), soft_wrap=True)
        question = tr(lang, f"c = continue it (only unanswered questions are asked), o = overwrite it, "
                            f"n = write {other.name} instead [c] > ",
                      f"c = 이어서 풀기 (답하지 않은 문제만), o = 덮어쓰기, n = 대신 {other.name} 에 쓰기 [c] > ")
        options, default = {"c": "continue", "o": "overwrite", "n": "new"}, "continue"
    else:
        console.print(Text(tr(lang, f"{target} already exists and holds other answers (another seed, or "
                                    f"another file).",
                              f"{target} 가 이미 있고 다른 답(다른 시드 또는 다른 파일)이 들어 있습니다."),
                           style="yellow"), soft_wrap=True)
        question = tr(lang, f"o = overwrite it, n = write {other.name} instead [n] > ",
                      f"o = 덮어쓰기, n = 대신 {other.name} 에 쓰기 [n] > ")
        options, default = {"o": "overwrite", "n": "new"}, "new"
    while True:
        try:
            typed = read(question).strip().lower()
        except EOFError:
            typed = ""
        choice = options.get(typed[:1]) if typed else default
        if choice is not None:
            break
    if choice == "continue":
        return target, found[0]
    if choice == "overwrite":
        return target, {}
    return other, {}


# --- taking a homework quiz ---------------------------------------------------------------------

class HomeworkAsker(Asker):
    """Asks like Asker, records without grading: no right/wrong, no score, no explanation."""

    def __init__(self, console: Console, lang: str, read: Callable[[str], str] | None = None,
                 offset: int = 0, total: int = 0) -> None:
        super().__init__(console, lang, read)
        self.offset = offset  # questions answered in an earlier run of the same file
        self.total = total

    def judge(self, p: Presented, response: Any) -> Grade:
        return Grade(0.0, RECORDED)

    def progress(self, done: int, total: int, score: float) -> None:
        row = Table.grid(padding=(0, 1))
        done, total = done + self.offset, self.total or total
        row.add_row(ProgressBar(total=max(total, 1), completed=done, width=30),
                    Text(f"{done}/{total}  " + tr(self.lang, "answered", "답함")))
        self.console.print(row)

    def show(self, p: Presented, number: int, total: int) -> None:
        super().show(p, number + self.offset, self.total or total)


def run_homework(pack: Pack, quiz: Quiz, lang: str, seed: int | None, workspace: Workspace | None,
                 console: Console, read: Callable[[str], str] | None = None) -> int:
    """The interactive homework quiz: every answer goes to the answer file at once. Returns the exit code."""
    root = workspace.root if workspace is not None else Path.cwd()
    fresh_seed = False
    if seed is None:  # continue an earlier run's file with its seed, else draw a new one
        found = _read_sheet(root / f"{quiz.topic}.answers.yaml", quiz)
        earlier = found[1] if found is not None else None
        if isinstance(earlier, int) and not isinstance(earlier, bool) and earlier >= 0:
            seed = earlier
        else:
            seed, fresh_seed = new_seed(), True
    asker_read = read or (lambda prompt: console.input(prompt, markup=False))
    console.print(Text(f"{pick(quiz.title, lang)} ({quiz.topic})", style="bold"))
    console.print(Text(tr(lang,
                          f"Homework: {len(quiz.questions)} question(s), seed {seed}. Your answers are not "
                          f"marked here: they are saved to a file that your instructor grades. "
                          f"Type :skip to skip, :quit or Ctrl-C to stop (run again with --seed {seed} "
                          f"to continue).",
                          f"숙제: {len(quiz.questions)}문제, 시드 {seed}. 여기서는 채점하지 않습니다: 답은 "
                          f"파일에 저장되고 강사가 채점합니다. 건너뛰기 :skip, 그만하기 :quit 또는 Ctrl-C "
                          f"(이어서 하려면 --seed {seed} 로 다시 실행).")))
    if fresh_seed and any(q.type == "param_numeric" for q in quiz.questions):
        console.print(Text(tr(lang,
                              f"Some numbers in this quiz depend on the seed. If your instructor gave you a "
                              f"seed, stop now (:quit) and run: grade quiz {quiz.topic} --seed N",
                              f"이 퀴즈의 일부 숫자는 시드에 따라 달라집니다. 강사가 시드를 주었다면 지금 "
                              f"멈추고 (:quit) 다음으로 실행하세요: grade quiz {quiz.topic} --seed N"),
                           style="yellow"))
    try:
        path, kept = choose_file(root, quiz, seed, asker_read, console, lang)
    except KeyboardInterrupt:
        console.print(Text("\n" + tr(lang, "Interrupted.", "중단했습니다."), style="yellow"))
        return EXIT_INTERRUPTED
    sheet = AnswerSheet(path, quiz, seed, kept)
    sheet.write()
    console.print(Text(tr(lang, f"Each answer is saved to {path} as soon as you give it.",
                          f"답은 입력하는 즉시 {path} 에 저장됩니다.")), soft_wrap=True)
    todo = [q for q in quiz.questions if not _answered(kept.get(q.id))]
    shown = [present(q, seed, pack.functions) for q in todo]
    asker = HomeworkAsker(console, lang, read, offset=len(quiz.questions) - len(todo),
                          total=len(quiz.questions))

    def record(p: Presented, response: Any, g: Grade) -> None:
        sheet.set(p, response if g.status != UNANSWERED else None)
        sheet.write()

    _, status, code = asker.run(shown, record)
    n, done = len(quiz.questions), sheet.done
    console.print()
    if done < n:
        console.print(Text(tr(lang, f"{done} of {n} question(s) answered. To answer the rest, run: "
                                    f"grade quiz {quiz.topic} --seed {seed}",
                              f"{n}문제 중 {done}문제에 답했습니다. 나머지를 풀려면: "
                              f"grade quiz {quiz.topic} --seed {seed}"),
                           style="yellow" if status != "finished" else ""))
    else:
        console.print(Text(tr(lang, f"All {n} questions answered.", f"{n}문제 모두 답했습니다.")))
    console.print(Text(tr(lang, f"Your answers are in {path}. Submit this file to your instructor "
                                f"(as {quiz.topic}.answers.yaml), who grades it.",
                          f"답안은 {path} 에 있습니다. 이 파일을 강사에게 제출하세요 "
                          f"({quiz.topic}.answers.yaml 이라는 이름으로). 채점은 강사가 합니다."),
                       style="bold"), soft_wrap=True)  # a path is never broken across lines
    return code
