"""Quiz answer files in batch grading.

Parametrized questions are graded against parameters drawn from the student's seed (derived
from the assignment seed and the student id), never against what the file claims: a student
cannot pick easy parameters by editing the recorded ones.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from grader.errors import UsageError

from .answers import grade_file, results_json, results_text
from .loader import open_pack, pack_quiz
from .params import draw


def grade_answers(topic: str, path: Path | None, seed: int) -> dict:
    pack = open_pack()
    quiz = pack_quiz(pack, topic)
    record = {"topic": topic, "score": 0.0, "max_score": float(len(quiz.questions)),
              "text": "", "tests": [], "problems": []}
    if path is None:
        record["problems"].append(f"{topic}.answers.yaml was not submitted")
        record["text"] = f"{topic}: no answer file submitted (0/{len(quiz.questions)})"
        return record
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("answers") or {}, dict):
            raise UsageError(f"{path.name}: not an answer file")
        data["seed"] = seed
        data["count"] = None  # every question is graded: a file cannot shrink the quiz to a subset
        answers = data.get("answers") or {}
        for q in quiz.questions:
            if q.type == "param_numeric" and q.id in answers:
                entry = answers[q.id]
                value = entry.get("answer") if isinstance(entry, dict) else entry
                answers[q.id] = {"params": draw(q, seed), "answer": value}
        with tempfile.TemporaryDirectory() as tmp:
            clean = Path(tmp) / path.name
            clean.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            results, elapsed = grade_file(pack, quiz, clean)
    except (UsageError, yaml.YAMLError, OSError, UnicodeDecodeError) as err:
        message = err.en if isinstance(err, UsageError) else str(err)
        record["problems"].append(f"{path.name}: {message[:500]}")
        record["text"] = f"{topic}: the answer file could not be graded: {message[:500]}"
        return record
    data = results_json(quiz, results, elapsed, "en")
    record.update(score=data["score"], max_score=data["max_score"], tests=data["tests"],
                  text=results_text(quiz, results, "en", "+", "-"))
    return record
