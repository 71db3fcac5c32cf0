"""Per-workspace progress in SQLite: exercise attempts and hints (quiz tables live with the quiz code).

Every write is its own committed transaction, so an interrupted command never loses what was
already recorded.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS exercise_attempts (
    id INTEGER PRIMARY KEY,
    exercise TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    checks_version TEXT NOT NULL,
    seed INTEGER NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS hints (
    exercise TEXT PRIMARY KEY,
    shown INTEGER NOT NULL
);
"""


def connect(db_path: Path) -> sqlite3.Connection:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, timeout=10)
    conn.executescript(SCHEMA)
    return conn


def record_attempt(db_path: Path, exercise: str, score: float, max_score: float,
                   checks_version: str, seed: int) -> None:
    with closing(connect(db_path)) as conn, conn:
        conn.execute(
            "INSERT INTO exercise_attempts (exercise, score, max_score, checks_version, seed, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (exercise, score, max_score, checks_version, seed, time.time()),
        )


def best_scores(db_path: Path) -> dict[str, tuple[float, float]]:
    """exercise -> (best score, max score)."""
    if not db_path.exists():
        return {}
    with closing(connect(db_path)) as conn:
        rows = conn.execute(
            "SELECT exercise, MAX(score), MAX(max_score) FROM exercise_attempts GROUP BY exercise"
        ).fetchall()
    return {name: (best, top) for name, best, top in rows}


def hints_shown(db_path: Path, exercise: str) -> int:
    if not db_path.exists():
        return 0
    with closing(connect(db_path)) as conn:
        row = conn.execute("SELECT shown FROM hints WHERE exercise = ?", (exercise,)).fetchone()
    return row[0] if row else 0


def set_hints_shown(db_path: Path, exercise: str, shown: int) -> None:
    with closing(connect(db_path)) as conn, conn:
        conn.execute(
            "INSERT INTO hints (exercise, shown) VALUES (?, ?)"
            " ON CONFLICT(exercise) DO UPDATE SET shown = excluded.shown",
            (exercise, shown),
        )
