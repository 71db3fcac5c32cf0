"""The interactive quiz and review loops in the terminal.

One question at a time, a progress bar, immediate feedback with the explanation, a per-concept
summary. Every answer is stored the moment it is given (store.py), so Ctrl-C (exit 130) or the end
of input (exit 2) loses nothing already answered.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rich.console import Console
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from grader.console import markers
from grader.i18n import pick
from grader.workspace import Workspace

from . import review
from .grading import UNANSWERED, Grade, Malformed, grade
from .loader import pack_quiz
from .model import Pack, Question, Quiz
from .present import Presented, present
from .store import CardRow, QuizStore

EXIT_INTERRUPTED = 130  # what a shell reports for SIGINT
EXIT_END_OF_INPUT = 2
SKIP_WORDS = {":skip", ":s"}
QUIT_WORDS = {":quit", ":q"}


def tr(lang: str, en: str, ko: str) -> str:
    return ko if lang == "ko" else en


def new_seed() -> int:
    return random.SystemRandom().randrange(1, 1_000_000)


def select_questions(quiz: Quiz, seed: int, count: int | None) -> list:
    """A seeded subset (kept in file order, which runs from basics to harder material) or all of them."""
    questions = list(quiz.questions)
    if count is None or count >= len(questions):
        return questions
    chosen = set(random.Random(f"{seed}:select").sample(range(len(questions)), count))
    return [q for i, q in enumerate(questions) if i in chosen]


class _Quit(Exception):
    pass


@dataclass
class Answered:
    presented: Presented
    response: Any
    grade: Grade


class Asker:
    """Shows one question, reads answers until one parses, grades and explains it."""

    def __init__(self, console: Console, lang: str, read: Callable[[str], str] | None = None) -> None:
        self.console = console
        self.lang = lang
        self.read = read or (lambda prompt: console.input(prompt, markup=False))
        self.ok_mark, self.bad_mark = markers(console.file)

    def progress(self, done: int, total: int, score: float) -> None:
        row = Table.grid(padding=(0, 1))
        row.add_row(ProgressBar(total=max(total, 1), completed=done, width=30),
                    Text(f"{done}/{total}  " + tr(self.lang, f"score {score:g}", f"점수 {score:g}")))
        self.console.print(row)

    def show(self, p: Presented, number: int, total: int) -> None:
        q = p.question
        stars = "*" * q.difficulty
        head = tr(self.lang, f"Question {number}/{total}", f"문제 {number}/{total}")
        self.console.print(Text(f"\n{head}  [{q.id}]  {stars}", style="bold"))
        self.console.print(Text(p.prompt(self.lang)))
        for label, text in p.choice_lines(self.lang):
            self.console.print(Text(f"  {label}) {text}"))

    def ask(self, p: Presented) -> tuple[Any, Grade]:
        """(canonical response or None when skipped, grade). Raises _Quit, KeyboardInterrupt, EOFError."""
        while True:
            typed = self.read(f"{p.hint(self.lang)} > ").strip()
            if not typed:
                continue
            if typed.lower() in QUIT_WORDS:
                raise _Quit
            if typed.lower() in SKIP_WORDS:
                return None, Grade(0.0, UNANSWERED, "skipped")
            try:
                response = p.parse(typed)
            except Malformed as exc:
                self.console.print(Text(exc.text(self.lang), style="yellow"))
                continue
            return response, self.judge(p, response)

    def judge(self, p: Presented, response: Any) -> Grade:
        """The grade of a parsed answer (homework mode records answers without grading them)."""
        return grade(p.question, response, p.expected)

    def run(self, shown: list[Presented],
            on_answer: Callable[[Presented, Any, Grade], None]) -> tuple[list[Answered], str, int]:
        """Ask each question in turn, handing every answer to `on_answer` (which stores it) at once.

        Returns (answered, attempt status, exit code); Ctrl-C and end of input end the run cleanly.
        """
        answered: list[Answered] = []
        try:
            for i, p in enumerate(shown):
                self.progress(i, len(shown), sum(a.grade.score for a in answered))
                self.show(p, i + 1, len(shown))
                response, g = self.ask(p)
                on_answer(p, response, g)
                answered.append(Answered(p, response, g))
            self.progress(len(shown), len(shown), sum(a.grade.score for a in answered))
        except _Quit:
            return answered, "interrupted", 0
        except KeyboardInterrupt:
            self.console.print(Text("\n" + tr(self.lang, "Interrupted.", "중단했습니다."), style="yellow"))
            return answered, "interrupted", EXIT_INTERRUPTED
        except EOFError:
            self.console.print(Text("\n" + tr(self.lang, "End of input: stopping here.",
                                              "입력이 끝나 여기서 멈춥니다."), style="yellow"))
            return answered, "interrupted", EXIT_END_OF_INPUT
        return answered, "finished", 0

    def feedback(self, p: Presented, g: Grade) -> None:
        if g.passed:
            self.console.print(Text(f"{self.ok_mark} " + tr(self.lang, "Correct", "정답"), style="bold green"))
        else:
            if g.status == "partial":
                head = tr(self.lang, f"Partly right ({g.score:.0%})", f"부분 정답 ({g.score:.0%})")
            elif g.status == UNANSWERED:
                head = tr(self.lang, "Skipped", "건너뜀")
            else:
                head = tr(self.lang, "Wrong", "오답")
            self.console.print(Text(f"{self.bad_mark} {head}. ", style="bold red")
                               + Text(tr(self.lang, "Answer: ", "정답: ") + p.correct_text(self.lang)))
        self.console.print(Text(p.explanation(self.lang), style="dim"))


def _summary(console: Console, pack: Pack, lang: str, answered: list[Answered], total: int) -> None:
    by_concept: dict[str, list[float]] = {}
    for a in answered:
        for cid in a.presented.question.concepts:
            by_concept.setdefault(cid, []).append(a.grade.score)
    table = Table(title=tr(lang, "Summary by concept", "개념별 요약"), title_justify="left")
    table.add_column(tr(lang, "concept", "개념"))
    table.add_column(tr(lang, "score", "점수"), justify="right")
    table.add_column("%", justify="right")
    for cid, scores in by_concept.items():
        concept = pack.concepts.get(cid)
        title = pick(concept.title, lang) if concept else cid
        table.add_row(Text(title), f"{sum(scores):g}/{len(scores)}", f"{sum(scores) / len(scores):.0%}")
    console.print()
    console.print(table)
    score = sum(a.grade.score for a in answered)
    console.print(Text(tr(lang, f"Total: {score:g} / {total}", f"합계: {score:g} / {total}"), style="bold"))


def run_quiz(pack: Pack, quiz: Quiz, lang: str, seed: int | None, count: int | None,
             workspace: Workspace | None, console: Console,
             read: Callable[[str], str] | None = None) -> int:
    """The interactive quiz. Returns the process exit code."""
    seed = seed if seed is not None else new_seed()
    questions = select_questions(quiz, seed, count)
    shown = [present(q, seed, pack.functions) for q in questions]
    store = QuizStore(workspace.db_path) if workspace else None
    asker = Asker(console, lang, read)

    console.print(Text(f"{pick(quiz.title, lang)} ({quiz.topic})", style="bold"))
    console.print(Text(tr(lang,
                          f"{len(shown)} question(s), seed {seed} (repeat with --seed {seed}). "
                          f"Type :skip to skip, :quit or Ctrl-C to stop.",
                          f"{len(shown)}문제, 시드 {seed} (같은 문제는 --seed {seed}). "
                          f"건너뛰기 :skip, 그만하기 :quit 또는 Ctrl-C.")))
    if store is None:
        console.print(Text(tr(lang, "Not inside a grade workspace: results will NOT be saved "
                                    "(make one with: grade init DIR).",
                              "grade 작업 공간 밖입니다: 결과가 저장되지 않습니다 "
                              "(만들기: grade init DIR)."), style="yellow"))
    attempt = store.start_attempt(quiz.topic, "quiz", seed, lang, len(shown)) if store else None

    def record(p: Presented, response: Any, g: Grade) -> None:
        if store is not None:
            store.record_answer(attempt, p.question.id, quiz.topic, response, p.params, g.score, g.status,
                                review.rating_for(g.score))
        asker.feedback(p, g)

    status = "interrupted"  # if anything unexpected escapes, the attempt is not left "running"
    try:
        answered, status, code = asker.run(shown, record)
    finally:
        if store is not None:
            store.finish_attempt(attempt, status)
    if answered:
        _summary(console, pack, lang, answered, len(answered) if status != "finished" else len(shown))
    if store is not None:
        console.print(Text(tr(lang, f"{len(answered)} answer(s) saved to {store.db_path}.",
                              f"답 {len(answered)}개를 {store.db_path} 에 저장했습니다.")))
    elif answered:
        console.print(Text(tr(lang, "Results were not saved (no workspace).",
                              "작업 공간이 없어 결과를 저장하지 않았습니다."), style="yellow"))
    return code


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _ask_rating(asker: Asker, suggested: int, lang: str) -> int:
    names = ", ".join(f"{r} {pick({'en': en, 'ko': ko}, lang)}" for r, (en, ko) in review.RATING_NAMES.items())
    while True:
        typed = asker.read(tr(lang, f"Rate ({names}) [{suggested}] > ",
                              f"평가 ({names}) [{suggested}] > ")).strip()
        if not typed:
            return suggested
        if typed in {"1", "2", "3", "4"}:
            return int(typed)


def run_review(pack: Pack, lang: str, count: int, ahead: bool, rate: bool, workspace: Workspace,
               console: Console, read: Callable[[str], str] | None = None,
               now: datetime | None = None) -> int:
    """Review met questions, due ones first, scheduled by FSRS. Returns the exit code."""
    now = now or datetime.now(timezone.utc)
    store = QuizStore(workspace.db_path)
    cards = store.cards()
    if not cards:
        console.print(Text(tr(lang, "You have not answered any quiz question yet. Start with: grade quiz list",
                              "아직 푼 퀴즈 문제가 없습니다. 먼저: grade quiz list")))
        return 0
    seed = new_seed()
    by_id: dict[str, dict] = {}
    known: list[tuple[CardRow, Question]] = []
    for c in cards:
        if c.topic not in by_id:
            quiz = pack_quiz(pack, c.topic) if c.topic in pack.topic_files else None
            # a homework quiz has no answers to review against: its questions are left out
            by_id[c.topic] = quiz.by_id() if quiz is not None and not quiz.homework else {}
        question = by_id[c.topic].get(c.question_id)
        if question is not None:  # questions removed from the pack since are left alone
            known.append((c, question))
    due = [(c, q) for c, q in known if c.due <= now.timestamp()]
    later = [(c, q) for c, q in known if c.due > now.timestamp()]
    console.print(Text(tr(lang, f"{len(due)} due now, {len(later)} later.",
                          f"지금 복습할 문제 {len(due)}개, 나중에 {len(later)}개.")))
    queue = (due + (later if ahead else []))[:count]
    if not queue:
        if later:
            console.print(Text(tr(lang, f"Nothing is due. Next review: {_when(later[0][0].due)} "
                                        f"(or review early with --ahead).",
                                  f"지금 복습할 문제가 없습니다. 다음 복습: {_when(later[0][0].due)} "
                                  f"(미리 하려면 --ahead).")))
        return 0
    found = [(c, present(q, seed, pack.functions)) for c, q in queue]
    asker = Asker(console, lang, read)
    attempt = store.start_attempt("review", "review", seed, lang, len(found))
    topics = {p.question.id: card.topic for card, p in found}

    def record(p: Presented, response: Any, g: Grade) -> None:
        asker.feedback(p, g)
        rating = review.rating_for(g.score)
        if rate:
            rating = _ask_rating(asker, rating, lang)
        row = store.record_answer(attempt, p.question.id, topics[p.question.id], response, p.params, g.score,
                                  g.status, rating)
        console.print(Text(tr(lang, f"Next review of this question: {_when(row.due)}",
                              f"이 문제의 다음 복습: {_when(row.due)}"), style="dim"))

    status = "interrupted"
    try:
        answered, status, code = asker.run([p for _, p in found], record)
    finally:
        store.finish_attempt(attempt, status)
    done, total_score = len(answered), sum(a.grade.score for a in answered)
    console.print(Text(tr(lang, f"Reviewed {done} question(s), score {total_score:g}. Progress saved.",
                          f"{done}문제 복습, 점수 {total_score:g}. 저장했습니다.")))
    return code
