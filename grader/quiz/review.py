"""Spaced repetition with FSRS (the `fsrs` package): one card per question the learner has met.

A fully right answer counts as Good, a partly right one as Hard, a wrong one as Again; with
`grade quiz review --rate` the learner picks the rating instead. Cards are stored as fsrs JSON.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

AGAIN, HARD, GOOD, EASY = (int(r) for r in (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy))
RATING_NAMES = {AGAIN: ("Again", "다시"), HARD: ("Hard", "어려움"), GOOD: ("Good", "좋음"), EASY: ("Easy", "쉬움")}

# Fuzzing only spreads due dates of large decks; off, the schedule is reproducible (and testable).
_SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(score: float) -> int:
    if score >= 1 - 1e-12:
        return GOOD
    return HARD if score > 0 else AGAIN


def card_id(question_id: str) -> int:
    """A stable integer id (fsrs wants ints) derived from the question id."""
    return int(hashlib.sha1(question_id.encode()).hexdigest()[:12], 16)


def new_card(question_id: str, now: datetime) -> Card:
    return Card(card_id=card_id(question_id), due=now)


def review(card_json: str | None, question_id: str, rating: int,
           now: datetime | None = None) -> tuple[str, str, float]:
    """Apply one rating. Returns (new card JSON, review log JSON, next due as epoch seconds)."""
    now = now or datetime.now(timezone.utc)
    card = Card.from_json(card_json) if card_json else new_card(question_id, now)
    card, log = _SCHEDULER.review_card(card, Rating(rating), review_datetime=now)
    return card.to_json(), log.to_json(), card.due.timestamp()


def retrievability(card_json: str, now: datetime | None = None) -> float:
    return _SCHEDULER.get_card_retrievability(Card.from_json(card_json), now or datetime.now(timezone.utc))
