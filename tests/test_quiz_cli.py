"""`grade quiz` commands around the quiz itself: list with best scores, review without a workspace,
broken topic files, and the topic-or-subcommand dispatch."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz import review
from grader.quiz.store import QuizStore
from grader.workspace import write_marker

FIXTURES = Path(__file__).parent / "quiz_fixtures"
PACK = FIXTURES / "pack"


@pytest.fixture
def in_tmp(tmp_path):
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def grade(*args):
    return CliRunner().invoke(main, ["quiz", *args])


def test_list_shows_counts_and_best_score(in_tmp):
    write_marker(in_tmp, "test")
    store = QuizStore(in_tmp / ".grade" / "progress.sqlite3")
    for score in (2.0, 3.0):
        attempt = store.start_attempt("demo", "quiz", 1, "en", 4)
        for i in range(int(score)):
            store.record_answer(attempt, f"demo.q{i}", "demo", "a", {}, 1.0, "correct", review.GOOD)
        store.finish_attempt(attempt, "finished")
    interrupted = store.start_attempt("demo", "quiz", 1, "en", 1)
    store.record_answer(interrupted, "demo.q9", "demo", "a", {}, 1.0, "correct", review.GOOD)
    store.finish_attempt(interrupted, "interrupted")  # unfinished attempts do not count as best
    result = grade("--pack", str(PACK), "list", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "demo" in result.output and "Demo quiz" in result.output and " 9 " in result.output
    assert "75% (4)" in result.output


def test_list_in_korean_outside_a_workspace(in_tmp):
    result = grade("--pack", str(PACK), "list", "--lang", "ko")
    assert result.exit_code == 0 and "데모 퀴즈" in result.output and "작업 공간" in result.output


def test_review_needs_a_workspace(in_tmp):
    result = grade("--pack", str(PACK), "review", "--lang", "en")
    assert result.exit_code == 2 and "grade init" in result.output


def test_broken_topic_file_is_reported_with_its_line():
    result = grade("--pack", str(FIXTURES / "bad"), "broken", "--lang", "en")
    assert result.exit_code == 2 and "broken.yaml:7: not valid YAML" in result.output


def test_topic_with_errors_is_refused_with_the_list():
    result = grade("--pack", str(FIXTURES / "bad"), "mixed", "--lang", "en")
    assert result.exit_code == 2
    assert "grade quiz check" in result.output and "mixed.yaml:17: [mixed.unknown-concept]" in result.output


def test_subcommand_names_win_and_typos_are_suggested():
    assert "Validate quiz files" in grade("check", "--help").output
    result = grade("--pack", str(PACK), "chekc")
    assert result.exit_code == 2 and "'check'" in result.output


def test_missing_pack_folder(tmp_path):
    result = grade("--pack", str(tmp_path / "nope"), "list")
    assert result.exit_code == 2 and "does not exist" in result.output
