"""Results of grading: plain data, rendered elsewhere (text, Gradescope JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .i18n import pick
from .text import Text


@dataclass
class CheckResult:
    id: str
    title: Text
    points: float
    max_points: float
    passed: bool
    message: Text
    visibility: str  # "public" | "hidden"
    internal_error: bool = False  # the check itself broke: a grader bug, not the learner's
    skipped: bool = False  # cannot run in this installation; counts for nothing here


@dataclass
class ExerciseResult:
    exercise: str
    title: Text
    seed: int
    checks_version: str
    checks: list[CheckResult] = field(default_factory=list)
    duration: float = 0.0
    load: dict = field(default_factory=dict)
    output: str = ""  # tail of what the learner's code printed
    hidden_not_run: int = 0  # hidden checks that exist but are not shipped here
    protections: dict = field(default_factory=dict)  # sandbox protections on/off
    solution_available: bool = True

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_points for c in self.checks), 6)

    @property
    def full_marks(self) -> bool:
        # 0/0 (every check skipped, say for want of the reference) earned nothing
        return self.max_score > 0 and self.score >= self.max_score

    def to_dict(self) -> dict:
        return {**asdict(self), "score": self.score, "max_score": self.max_score}

    @classmethod
    def from_dict(cls, data: dict) -> "ExerciseResult":
        data = {k: v for k, v in data.items() if k not in ("score", "max_score")}
        data["title"] = Text(**data["title"])
        data["checks"] = [CheckResult(**{**c, "title": Text(**c["title"]),
                                         "message": Text(**c["message"])})
                          for c in data["checks"]]
        return cls(**data)

    def gradescope(self, lang: str = "en") -> dict:
        """The shape of Gradescope's results.json."""
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.duration, 3),
            "output": f"{self.exercise}: seed {self.seed}, checks {self.checks_version}",
            "extra_data": {"exercise": self.exercise, "seed": self.seed,
                           "checks_version": self.checks_version,
                           "protections": self.protections},
            "tests": [
                {
                    "name": pick({"en": c.title.en, "ko": c.title.ko}, lang),
                    "number": c.id,
                    "score": c.points,
                    "max_score": c.max_points,
                    "status": "passed" if c.passed else "failed",
                    "output": c.message.get(lang),
                    "visibility": "visible" if c.visibility == "public" else "after_published",
                }
                for c in self.checks
            ],
        }
