"""The interactive quiz driven through a real pseudo-terminal (pexpect): a full run, Ctrl-C, Ctrl-D."""

import os
import sqlite3
import sys
from pathlib import Path

import pexpect
import pytest

from grader.quiz.loader import open_pack, pack_quiz
from grader.quiz.params import format_number
from grader.quiz.present import present
from grader.workspace import write_marker

PACK = Path(__file__).parent / "quiz_fixtures" / "pack"
GRADE = Path(sys.executable).parent / "grade"
SEED = 5


def right_answers(seed=SEED):
    """What a learner who knows everything types, computed from the same seeded presentation."""
    pack = open_pack(PACK)
    out = []
    for q in pack_quiz(pack, "demo").questions:
        p = present(q, seed, pack.functions)
        if q.type in ("single", "multiple", "ordering"):
            typed = " ".join(p.label_of(c) for c in q.correct_ids)
        elif q.type == "true_false":
            typed = "t" if q.answer else "f"
        elif q.type == "short":
            typed = q.accept[1]  # the Korean variant, to exercise UTF-8 input
        else:
            typed = format_number(q.answer if q.type == "numeric" else p.expected)
        out.append((q.id, typed))
    return out


@pytest.fixture
def workspace(tmp_path):
    write_marker(tmp_path, "test")
    return tmp_path


def spawn(cwd, *args):
    env = dict(os.environ, NO_COLOR="1", TERM="dumb", LANG="C.UTF-8", PYTHONIOENCODING="utf-8",
               GRADE_LANG="en", COLUMNS="120")
    return pexpect.spawn(str(GRADE), ["quiz", "--pack", str(PACK), "demo", "--seed", str(SEED), *args],
                         cwd=str(cwd), env=env, encoding="utf-8", timeout=15, dimensions=(50, 120))


def finish(child):
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def db_rows(root):
    with sqlite3.connect(root / ".grade" / "progress.sqlite3") as conn:
        attempts = conn.execute("SELECT status, answered, score, n_questions FROM quiz_attempts").fetchall()
        answers = [r[0] for r in conn.execute("SELECT question_id FROM quiz_answers ORDER BY id")]
        cards = {r[0] for r in conn.execute("SELECT question_id FROM quiz_cards")}
    return attempts, answers, cards


@pytest.mark.slow
def test_full_quiz_in_a_terminal(workspace):
    answers = right_answers()
    child = spawn(workspace)
    child.expect_exact("9 question(s), seed 5")
    for i, (qid, typed) in enumerate(answers, 1):
        child.expect_exact(f"Question {i}/9  [{qid}]")
        child.expect_exact("> ")
        if qid == "demo.single":
            child.sendline("zz")  # malformed: asked again, not graded
            child.expect_exact("is not one of the letters")
            child.expect_exact("> ")
        if qid == "demo.numeric":
            child.sendline("4")  # wrong on purpose: feedback shows the answer and the explanation
            child.expect_exact("Wrong. Answer: 5 (±0.5)")
            child.expect_exact("(7 - 3) / 1 + 1 = 5.")
            continue
        child.sendline(typed)
        child.expect_exact("Correct")
    child.expect_exact("9/9")  # the progress bar's last state
    child.expect_exact("Summary by concept")
    child.expect_exact("Total: 8 / 9")
    child.expect_exact("9 answer(s) saved")
    assert finish(child) == 0
    attempts, stored, cards = db_rows(workspace)
    assert attempts == [("finished", 9, 8.0, 9)]
    assert stored == [qid for qid, _ in answers] and len(cards) == 9


@pytest.mark.slow
def test_ctrl_c_keeps_answers_already_given(workspace):
    answers = right_answers()
    child = spawn(workspace)
    for i, (qid, typed) in enumerate(answers[:2], 1):
        child.expect_exact(f"Question {i}/9")
        child.expect_exact("> ")
        child.sendline(typed)
        child.expect_exact("Correct")
    child.expect_exact("Question 3/9")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact("Interrupted.")
    child.expect_exact("2 answer(s) saved")
    assert finish(child) == 130
    attempts, stored, _ = db_rows(workspace)
    assert attempts == [("interrupted", 2, 2.0, 9)]
    assert stored == [answers[0][0], answers[1][0]]


@pytest.mark.slow
def test_end_of_input_stops_cleanly(workspace):
    answers = right_answers()
    child = spawn(workspace, "--lang", "ko")
    child.expect_exact("문제 1/9")
    child.expect_exact("> ")
    child.sendline(answers[0][1])
    child.expect_exact("정답")
    child.expect_exact("문제 2/9")
    child.expect_exact("> ")
    child.sendeof()
    child.expect_exact("입력이 끝나")
    assert finish(child) == 2
    attempts, stored, _ = db_rows(workspace)
    assert attempts[0][:2] == ("interrupted", 1) and stored == [answers[0][0]]


def test_outside_a_workspace_results_are_not_saved(tmp_path):
    import subprocess

    env = dict(os.environ, NO_COLOR="1", GRADE_LANG="en")
    result = subprocess.run([str(GRADE), "quiz", "--pack", str(PACK), "demo", "--seed", "1", "--count", "1"],
                            input=":skip\n", capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "results will NOT be saved" in result.stdout and "1 question(s)" in result.stdout
    assert not (tmp_path / ".grade").exists()
