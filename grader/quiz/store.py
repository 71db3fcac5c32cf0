"""Quiz results and review state in the workspace's SQLite progress database.

Each answer is committed on its own, together with its attempt's running total and the question's
FSRS card, so Ctrl-C or a closed terminal never loses an answer already given.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.progress import connect as progress_connect

from . import review

SCHEMA = """
CREATE TABLE IF NOT EXISTS quiz_attempts (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    kind TEXT NOT NULL,              -- 'quiz' or 'review'
    seed INTEGER NOT NULL,
    lang TEXT NOT NULL,
    n_questions INTEGER NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    score REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL,            -- 'running', 'finished', 'interrupted'
    started REAL NOT NULL,
    finished REAL
);
CREATE TABLE IF NOT EXISTS quiz_answers (
    id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL REFERENCES quiz_attempts(id),
    question_id TEXT NOT NULL,
    response TEXT NOT NULL,          -- JSON of the canonical answer
    params TEXT NOT NULL,            -- JSON of the drawn parameters ({} if none)
    score REAL NOT NULL,
    status TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS quiz_cards (
    question_id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    card TEXT NOT NULL,              -- fsrs.Card.to_json()
    due REAL NOT NULL,               -- epoch seconds, duplicated from the card for ordering
    reps INTEGER NOT NULL,
    lapses INTEGER NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS quiz_review_log (
    id INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL,
    rating INTEGER NOT NULL,
    log TEXT NOT NULL,               -- fsrs.ReviewLog.to_json()
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS quiz_answers_attempt ON quiz_answers(attempt_id);
CREATE INDEX IF NOT EXISTS quiz_cards_due ON quiz_cards(due);
"""


def connect(db_path: Path) -> sqlite3.Connection:
    conn = progress_connect(db_path)
    conn.executescript(SCHEMA)
    return conn


@dataclass(frozen=True)
class CardRow:
    question_id: str
    topic: str
    card_json: str
    due: float
    reps: int
    lapses: int


class QuizStore:
    """Thin wrapper over one database file; every method is its own committed transaction."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        with closing(connect(db_path)):
            pass  # create the tables once, up front

    def _conn(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=10)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def start_attempt(self, topic: str, kind: str, seed: int, lang: str, n_questions: int) -> int:
        with closing(self._conn()) as conn, conn:
            cur = conn.execute(
                "INSERT INTO quiz_attempts (topic, kind, seed, lang, n_questions, status, started)"
                " VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (topic, kind, seed, lang, n_questions, time.time()),
            )
            return int(cur.lastrowid)

    def record_answer(self, attempt_id: int, question_id: str, topic: str, response: Any,
                      params: dict, score: float, status: str, rating: int,
                      now: datetime | None = None) -> CardRow:
        """Store one answer, add it to the attempt and move the question's FSRS card, atomically."""
        now = now or datetime.now(timezone.utc)
        with closing(self._conn()) as conn, conn:
            conn.execute(
                "INSERT INTO quiz_answers (attempt_id, question_id, response, params, score, status, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (attempt_id, question_id, json.dumps(response, ensure_ascii=False),
                 json.dumps(params), score, status, now.timestamp()),
            )
            conn.execute(
                "UPDATE quiz_attempts SET answered = answered + 1, score = score + ? WHERE id = ?",
                (score, attempt_id),
            )
            row = conn.execute("SELECT card, reps, lapses FROM quiz_cards WHERE question_id = ?",
                               (question_id,)).fetchone()
            card_json, log_json, due = review.review(row[0] if row else None, question_id, rating, now)
            reps = (row[1] if row else 0) + 1
            lapses = (row[2] if row else 0) + (1 if rating == review.AGAIN and row else 0)
            conn.execute(
                "INSERT INTO quiz_cards (question_id, topic, card, due, reps, lapses, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(question_id) DO UPDATE SET"
                " card = excluded.card, due = excluded.due, reps = excluded.reps,"
                " lapses = excluded.lapses, updated = excluded.updated, topic = excluded.topic",
                (question_id, topic, card_json, due, reps, lapses, now.timestamp()),
            )
            conn.execute("INSERT INTO quiz_review_log (question_id, rating, log, at) VALUES (?, ?, ?, ?)",
                         (question_id, rating, log_json, now.timestamp()))
        return CardRow(question_id, topic, card_json, due, reps, lapses)

    def finish_attempt(self, attempt_id: int, status: str) -> None:
        with closing(self._conn()) as conn, conn:
            conn.execute("UPDATE quiz_attempts SET status = ?, finished = ? WHERE id = ?",
                         (status, time.time(), attempt_id))

    def best_scores(self) -> dict[str, tuple[float, int]]:
        """topic -> (best fraction correct, questions in that attempt), over finished quizzes."""
        with closing(self._conn()) as conn:
            rows = conn.execute(
                "SELECT topic, score, n_questions FROM quiz_attempts"
                " WHERE kind = 'quiz' AND status = 'finished' AND n_questions > 0",
            ).fetchall()
        best: dict[str, tuple[float, int]] = {}
        for topic, score, n in rows:
            fraction = score / n
            if topic not in best or fraction > best[topic][0]:
                best[topic] = (fraction, n)
        return best

    def answers(self, attempt_id: int) -> list[tuple[str, float, str]]:
        with closing(self._conn()) as conn:
            return conn.execute(
                "SELECT question_id, score, status FROM quiz_answers WHERE attempt_id = ? ORDER BY id",
                (attempt_id,),
            ).fetchall()

    def attempt(self, attempt_id: int) -> dict[str, Any]:
        with closing(self._conn()) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT * FROM quiz_attempts WHERE id = ?", (attempt_id,)).fetchone()
        return dict(row) if row else {}

    def cards(self) -> list[CardRow]:
        """Every question met so far, soonest due first."""
        with closing(self._conn()) as conn:
            rows = conn.execute(
                "SELECT question_id, topic, card, due, reps, lapses FROM quiz_cards ORDER BY due, question_id"
            ).fetchall()
        return [CardRow(*r) for r in rows]
