"""Plain data for quiz packs: concepts, questions, quizzes. Built by loader.py, never by hand elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .functions import Registry

# A bilingual text: {"ko": ..., "en": ...}.
Text = dict[str, str]

QUESTION_TYPES = ("single", "multiple", "true_false", "numeric", "short", "ordering", "param_numeric")
CHOICE_TYPES = ("single", "multiple", "ordering")
NUMERIC_TYPES = ("numeric", "param_numeric")
# `grade quiz <word>` subcommands: a topic with one of these names could never be reached.
RESERVED_TOPICS = ("list", "review", "check", "export")
DEFAULT_ABS_TOLERANCE = 1e-9
# What a homework quiz (`homework: true`, made by `grade release --homework`) leaves out: every field
# that reveals an answer. Choices lose their `correct:` flag; ordering choices are stored shuffled.
ANSWER_KEYS = ("answer", "accept", "answer_expr", "answer_fn", "fn_args", "tolerance", "explanation", "traps")


def shown_path(path: Path) -> str:
    """Relative to the current folder when below it: shorter, and clickable in most terminals."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Problem:
    """One validation finding, located as precisely as the source allows."""

    file: Path | None
    line: int | None
    qid: str | None
    message: str
    severity: str = "error"  # "error" fails `grade quiz check`; "warning" does not

    def __str__(self) -> str:
        where = shown_path(self.file) if self.file else "<quiz>"
        if self.line:
            where += f":{self.line}"
        qid = f" [{self.qid}]" if self.qid else ""
        tag = "" if self.severity == "error" else f" {self.severity}:"
        return f"{where}:{qid}{tag} {self.message}"


@dataclass(frozen=True)
class Concept:
    id: str
    title: Text
    description: Text
    computational: bool = False
    traps: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Choice:
    id: str
    text: Text
    correct: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Tolerance:
    abs: float | None = None
    rel: float | None = None

    def width(self, answer: float) -> float:
        """The accepted distance from `answer`."""
        if self.rel is not None:
            return self.rel * abs(answer)
        return self.abs if self.abs is not None else DEFAULT_ABS_TOLERANCE

    def describe(self) -> str:
        """"±1%", "±0.5", or "" for the default exact match."""
        if self.rel is not None:
            return f"±{self.rel * 100:g}%"
        return f"±{self.abs:g}" if self.abs else ""


@dataclass(frozen=True)
class ParamSpec:
    """Integers min..max by step, or an explicit list of values."""

    name: str
    values: tuple[float, ...]
    min: int | None = None
    max: int | None = None
    step: int = 1


@dataclass
class Question:
    id: str
    type: str
    concepts: tuple[str, ...]
    difficulty: int
    prompt: Text
    explanation: Text
    traps: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    shuffle: bool = True
    answer: Any = None  # bool for true_false, float for numeric
    tolerance: Tolerance = field(default_factory=Tolerance)
    accept: tuple[str, ...] = ()
    params: dict[str, ParamSpec] = field(default_factory=dict)
    answer_expr: str | None = None
    answer_fn: str | None = None
    fn_args: dict[str, str] = field(default_factory=dict)
    computational_flag: bool = False
    homework: bool = False  # from a homework quiz: no answers, nothing to grade against
    file: Path | None = None
    line: int | None = None
    field_lines: dict[str, int] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def computational(self) -> bool:
        """Counts towards a computational concept's "at least one computational question"."""
        return self.type in NUMERIC_TYPES or self.computational_flag

    def line_of(self, key: str) -> int | None:
        return self.field_lines.get(key, self.line)

    def choice(self, cid: str) -> Choice | None:
        return next((c for c in self.choices if c.id == cid), None)

    @property
    def correct_ids(self) -> list[str]:
        if self.type == "ordering":
            return [c.id for c in self.choices]
        return [c.id for c in self.choices if c.correct]


@dataclass
class Quiz:
    topic: str
    title: Text
    questions: list[Question]
    file: Path
    problems: list[Problem] = field(default_factory=list)  # found while loading this file
    homework: bool = False  # `homework: true`: answers stripped, collected for the instructor to grade

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


@dataclass
class Pack:
    """A folder of topic files with its concept catalogue and answer functions."""

    root: Path
    concepts: dict[str, Concept]
    functions: Registry
    topic_files: dict[str, Path]
    problems: list[Problem] = field(default_factory=list)  # catalogue / functions problems
    _quizzes: dict[str, Quiz] = field(default_factory=dict, repr=False)

    @property
    def topics(self) -> list[str]:
        return sorted(self.topic_files)
