"""Spaced repetition: FSRS cards in SQLite, wrong = Again, right = Good, due questions first."""

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Card, State

from grader.console import make_console
from grader.quiz import review
from grader.quiz.loader import open_pack
from grader.quiz.session import run_review
from grader.quiz.store import QuizStore
from grader.workspace import Workspace, write_marker

PACK = Path(__file__).parent / "quiz_fixtures" / "pack"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def ws(tmp_path):
    write_marker(tmp_path, "test")
    return Workspace(tmp_path)


def test_rating_mapping():
    assert review.rating_for(1.0) == review.GOOD
    assert review.rating_for(0.5) == review.HARD
    assert review.rating_for(0.0) == review.AGAIN


def test_wrong_is_again_and_right_is_good(ws):
    store = QuizStore(ws.db_path)
    attempt = store.start_attempt("demo", "quiz", 1, "en", 2)
    wrong = store.record_answer(attempt, "demo.tf", "demo", False, {}, 0.0, "wrong", review.AGAIN, now=T0)
    right = store.record_answer(attempt, "demo.numeric", "demo", 5.0, {}, 1.0, "correct", review.GOOD, now=T0)
    assert wrong.due < right.due  # Again comes back sooner than Good
    assert wrong.due == pytest.approx((T0 + timedelta(minutes=1)).timestamp())
    assert right.due == pytest.approx((T0 + timedelta(minutes=10)).timestamp())
    card = Card.from_json(right.card_json)
    assert card.state == State.Learning and card.card_id == review.card_id("demo.numeric")


def test_good_twice_graduates_to_days(ws):
    store = QuizStore(ws.db_path)
    attempt = store.start_attempt("demo", "quiz", 1, "en", 2)
    store.record_answer(attempt, "demo.tf", "demo", True, {}, 1.0, "correct", review.GOOD, now=T0)
    later = T0 + timedelta(minutes=15)
    row = store.record_answer(attempt, "demo.tf", "demo", True, {}, 1.0, "correct", review.GOOD, now=later)
    assert Card.from_json(row.card_json).state == State.Review
    assert row.due - later.timestamp() >= 86400 and row.reps == 2
    again = store.record_answer(attempt, "demo.tf", "demo", False, {}, 0.0, "wrong", review.AGAIN,
                                now=later + timedelta(days=3))
    assert Card.from_json(again.card_json).state == State.Relearning and again.lapses == 1


def test_answers_and_attempt_totals_are_stored_as_they_come(ws):
    store = QuizStore(ws.db_path)
    attempt = store.start_attempt("demo", "quiz", 7, "ko", 3)
    store.record_answer(attempt, "demo.param", "demo", 16.0, {"H": 16, "P": 1}, 1.0, "correct", review.GOOD)
    row = store.attempt(attempt)
    assert row["answered"] == 1 and row["score"] == 1.0 and row["status"] == "running"
    assert store.answers(attempt) == [("demo.param", 1.0, "correct")]
    store.finish_attempt(attempt, "finished")
    assert store.best_scores() == {"demo": (pytest.approx(1 / 3), 3)}


def scripted(lines):
    it = iter(lines)

    def read(prompt):
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None
    return read


def seed_cards(ws):
    store = QuizStore(ws.db_path)
    attempt = store.start_attempt("demo", "quiz", 1, "en", 3)
    # numeric is the most overdue, tf due later, short not due for a long time.
    store.record_answer(attempt, "demo.numeric", "demo", 4.0, {}, 0.0, "wrong", review.AGAIN, now=T0)
    store.record_answer(attempt, "demo.tf", "demo", False, {}, 0.0, "wrong", review.AGAIN,
                        now=T0 + timedelta(minutes=30))
    store.record_answer(attempt, "demo.short", "demo", "softmax", {}, 1.0, "correct", review.GOOD,
                        now=T0 + timedelta(hours=2))
    store.record_answer(attempt, "demo.short", "demo", "softmax", {}, 1.0, "correct", review.GOOD,
                        now=T0 + timedelta(hours=3))
    return store


def test_review_asks_due_questions_first_and_reschedules(ws):
    store = seed_cards(ws)
    out = io.StringIO()
    now = T0 + timedelta(hours=4)
    code = run_review(open_pack(PACK), "en", 10, False, False, ws, make_console(out),
                      read=scripted(["5", "t"]), now=now)
    text = out.getvalue()
    assert code == 0, text
    assert "2 due now, 1 later." in text
    assert text.index("demo.numeric") < text.index("demo.tf") and "demo.short" not in text.split("later.")[1]
    cards = {c.question_id: c for c in store.cards()}
    assert cards["demo.numeric"].due > now.timestamp() and cards["demo.tf"].due > now.timestamp()


def test_review_with_ahead_and_own_rating(ws):
    seed_cards(ws)
    out = io.StringIO()
    now = T0 + timedelta(hours=4)
    # answers: numeric right rated Easy (4), tf right keeps the suggestion, short (not due) answered.
    code = run_review(open_pack(PACK), "en", 10, True, True, ws, make_console(out),
                      read=scripted(["5", "4", "t", "", "softmax", "3"]), now=now)
    assert code == 0, out.getvalue()
    with __import__("sqlite3").connect(ws.db_path) as conn:
        ratings = [r for r, in conn.execute("SELECT rating FROM quiz_review_log ORDER BY id")]
    assert ratings[-3:] == [review.EASY, review.GOOD, review.GOOD]


def test_nothing_due_and_nothing_met(ws):
    out = io.StringIO()
    assert run_review(open_pack(PACK), "en", 10, False, False, ws, make_console(out), now=T0) == 0
    assert "not answered any quiz question yet" in out.getvalue()
    seed_cards(ws)
    out = io.StringIO()
    assert run_review(open_pack(PACK), "en", 10, False, False, ws, make_console(out), now=T0) == 0
    assert "Nothing is due" in out.getvalue()


def test_end_of_input_keeps_what_was_reviewed(ws):
    seed_cards(ws)
    out = io.StringIO()
    code = run_review(open_pack(PACK), "en", 10, False, False, ws, make_console(out),
                      read=scripted(["5"]), now=T0 + timedelta(hours=4))
    assert code == 2 and "End of input" in out.getvalue()
    with __import__("sqlite3").connect(ws.db_path) as conn:
        rows = conn.execute("SELECT status, answered FROM quiz_attempts WHERE kind = 'review'").fetchall()
    assert rows == [("interrupted", 1)]


def test_card_json_round_trips():
    card_json, log_json, due = review.review(None, "x.q", review.GOOD, T0)
    assert json.loads(card_json)["card_id"] == review.card_id("x.q")
    assert Card.from_json(card_json).due.timestamp() == due
