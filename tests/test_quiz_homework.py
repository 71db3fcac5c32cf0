"""Homework quizzes: stripping a quiz of its answers (grade release --homework), taking it without
feedback into an answer file, and grading that file with the full pack (grade batch --quiz)."""

import io
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from grader.quiz import review
from grader.quiz.batch import grade_answers
from grader.quiz.homework import homework_order, strip_answers
from grader.quiz.loader import open_pack, pack_quiz, shipped_pack_dir
from grader.quiz.model import ANSWER_KEYS
from grader.quiz.present import present
from grader.quiz.store import QuizStore
from grader.workspace import write_marker

FIXTURE_PACK = Path(__file__).parent / "quiz_fixtures" / "pack"
SHIPPED = shipped_pack_dir()
GRADE = Path(sys.executable).parent / "grade"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the quiz loader's parser
SEED = 5
ENV = dict(os.environ, NO_COLOR="1", TERM="dumb", LANG="C.UTF-8", PYTHONIOENCODING="utf-8",
           GRADE_LANG="en", COLUMNS="120")


def read_yaml(path):
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=LOADER)


@pytest.fixture
def hw_pack(tmp_path):
    """A copy of the fixture pack whose demo quiz is stripped for homework."""
    pack = tmp_path / "hwpack"
    shutil.copytree(FIXTURE_PACK, pack, ignore=shutil.ignore_patterns("__pycache__"))
    strip_answers(pack / "demo.yaml")
    return pack


def typed_answers(key_pack: Path, hw_pack: Path, topic: str, seed: int, wrong: str | None = None):
    """(question id, what a learner who knows everything types) in the order the homework asks,
    labels taken from the homework presentation, answers from the full pack."""
    full_pack, homework = open_pack(key_pack), open_pack(hw_pack)
    keys = pack_quiz(full_pack, topic).by_id()
    out = []
    for q in pack_quiz(homework, topic).questions:
        p, k = present(q, seed, homework.functions), keys[q.id]
        if k.type in ("single", "multiple", "ordering"):
            typed = " ".join(p.label_of(c) for c in k.correct_ids)
        elif k.type == "true_false":
            typed = "t" if k.answer else "f"
        elif k.type == "short":
            typed = k.accept[0]
        else:
            value = k.answer if k.type == "numeric" else present(k, seed, full_pack.functions).expected
            typed = repr(value)
            if q.id == wrong:
                typed = repr(value + 1000)
        out.append((q.id, typed))
    return out


def invoke(*args, cwd=None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["quiz", *args], env={"GRADE_LANG": "en"})
    finally:
        os.chdir(old)


# --- stripping ----------------------------------------------------------------------------------

def test_strip_removes_every_answer_field_and_keeps_the_rest(tmp_path):
    for source in (FIXTURE_PACK / "demo.yaml", SHIPPED / "cnn.yaml"):
        path = tmp_path / source.name
        shutil.copy(source, path)
        strip_answers(path)
        before, after = read_yaml(source), read_yaml(path)
        assert yaml.safe_load(path.read_text(encoding="utf-8")) == after  # plain YAML too
        assert after["homework"] is True and after["topic"] == before["topic"]
        assert after["title"] == before["title"]
        originals = {q["id"]: q for q in before["questions"]}
        assert [q["id"] for q in after["questions"]] == list(originals)
        for q in after["questions"]:
            o = originals[q["id"]]
            assert not set(q) & set(ANSWER_KEYS), q["id"]
            assert set(q) == set(o) - set(ANSWER_KEYS)
            for key in ("type", "prompt", "concepts", "difficulty", "params", "shuffle", "computational"):
                assert q.get(key) == o.get(key), (q["id"], key)
            for c in q.get("choices", []):
                assert "correct" not in c
            if q["type"] in ("single", "multiple"):
                assert q["choices"] == [{k: v for k, v in c.items() if k != "correct"} for c in o["choices"]]
        text = path.read_text(encoding="utf-8")
        for word in ("correct:", "explanation:", "answer:", "answer_expr:", "answer_fn:", "accept:",
                     "tolerance:", "traps:"):
            assert word not in text
    demo = read_yaml(tmp_path / "demo.yaml")
    assert any("소프트맥스" in q["prompt"]["ko"] for q in demo["questions"])  # Korean kept as text


def test_ordering_choices_are_never_stored_in_the_correct_order(tmp_path):
    orderings = 0
    for source in [FIXTURE_PACK / "demo.yaml", *sorted(SHIPPED.glob("[!_]*.yaml"))]:
        before = {q["id"]: q for q in read_yaml(source)["questions"]}
        stripped = []
        for run in ("a", "b"):
            path = tmp_path / run / source.name
            path.parent.mkdir(exist_ok=True)
            shutil.copy(source, path)
            strip_answers(path)
            stripped.append(path.read_text(encoding="utf-8"))
        assert stripped[0] == stripped[1]  # deterministic
        strip_answers(path)
        assert path.read_text(encoding="utf-8") == stripped[0]  # idempotent: never shuffled twice
        for q in read_yaml(path)["questions"]:
            if q["type"] == "ordering":
                orderings += 1
                ids = [c["id"] for c in q["choices"]]
                key = [c["id"] for c in before[q["id"]]["choices"]]
                assert ids != key and sorted(ids) == sorted(key), q["id"]
    assert orderings >= 2
    for n in range(2, 9):
        for i in range(200):
            assert homework_order(f"t.q{i}", list(range(n))) != list(range(n))


def test_stripped_file_loads_as_homework_and_passes_check(hw_pack):
    quiz = pack_quiz(open_pack(hw_pack), "demo")
    assert quiz.homework and not quiz.problems and len(quiz.questions) == 9
    assert all(q.homework and not q.explanation for q in quiz.questions)
    result = invoke("check", str(hw_pack / "demo.yaml"), "--strict")
    assert result.exit_code == 0, result.output
    assert "9 question(s): 0 error(s), 0 warning(s)" in result.output


def test_check_still_reports_structural_errors_and_leaked_answers(hw_pack):
    path = hw_pack / "demo.yaml"
    data = read_yaml(path)
    data["questions"][0]["difficulty"] = 7
    data["questions"][1]["choices"] = data["questions"][1]["choices"][:1]
    del data["questions"][2]["prompt"]
    data["questions"][7]["prompt"]["en"] = "Input H: output size?"  # {H} no longer shown
    data["questions"][5]["accept"] = ["softmax"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = invoke("check", str(path))
    assert result.exit_code == 1
    assert "[demo.single] difficulty must be 1, 2 or 3" in result.output
    assert "[demo.multiple] needs at least two choices" in result.output
    assert "[demo.tf] prompt must be a mapping" in result.output
    assert "[demo.param] parameter H never appears as {H} in the en prompt" in result.output
    assert "[demo.short] warning: a homework quiz should not contain accept" in result.output


# --- taking it in a terminal --------------------------------------------------------------------

def spawn(cwd, pack, *args):
    child = pexpect.spawn(str(GRADE), ["quiz", "--pack", str(pack), "demo", "--seed", str(SEED), *args],
                          cwd=str(cwd), env=ENV, encoding="utf-8", timeout=15, dimensions=(50, 120))
    child.logfile_read = io.StringIO()  # everything shown, to check what is never shown
    return child


def sheet(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["quiz"] == "demo" and data["seed"] == SEED and data["count"] is None
    return data["answers"]


@pytest.mark.slow
def test_homework_in_a_terminal_is_saved_after_each_answer_and_survives_a_kill(hw_pack, tmp_path):
    ws = tmp_path / "ws"
    write_marker(ws, "test")
    (ws / "sub").mkdir()
    answers = typed_answers(FIXTURE_PACK, hw_pack, "demo", SEED)
    target = ws / "demo.answers.yaml"  # the workspace root, not the folder the quiz runs in
    child = spawn(ws / "sub", hw_pack)
    child.expect_exact("Homework: 9 question(s), seed 5")
    for i, (qid, typed) in enumerate(answers[:3], 1):
        child.expect_exact(f"Question {i}/9  [{qid}]")
        child.expect_exact("> ")
        child.sendline(typed)
        child.expect_exact(f"{i}/9  answered")
        assert list(sheet(target)) == [q for q, _ in answers[:i]]
    child.expect_exact("Question 4/9")
    child.expect_exact("> ")
    shown = child.logfile_read.getvalue()
    for word in ("Correct", "Wrong", "Answer:", "score", "probabilities"):  # no feedback, no explanation
        assert word not in shown
    child.kill(signal.SIGKILL)
    child.close()
    kept = sheet(target)
    assert list(kept) == [q for q, _ in answers[:3]]
    assert kept["demo.single"] == "a" and kept["demo.multiple"] == ["a", "b"] and kept["demo.tf"] is True

    # Again with the same seed: continue the file, asking only the rest.
    child = spawn(ws, hw_pack)
    child.expect_exact("already holds 3 answer(s)")
    child.expect_exact("[c] > ")
    child.sendline("")
    for i, (qid, typed) in enumerate(answers[3:], 4):
        child.expect_exact(f"Question {i}/9  [{qid}]")
        child.expect_exact("> ")
        if qid == "demo.short":
            child.sendline(":skip")
            continue
        child.sendline(typed)
    child.expect_exact("8 of 9 question(s) answered")
    child.expect_exact(f"Your answers are in {target}. Submit this file to your instructor")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Correct" not in child.logfile_read.getvalue() and "Total" not in child.logfile_read.getvalue()
    final = sheet(target)
    assert list(final) == [q for q, _ in answers] and final["demo.short"] is None
    assert final["demo.param"]["params"] == {"H": 32, "P": 2} and final["demo.param"]["answer"] == 34
    assert not list(ws.glob("*.tmp"))


@pytest.mark.slow
def test_ctrl_c_keeps_the_answers_and_exits_130(hw_pack, tmp_path):
    answers = typed_answers(FIXTURE_PACK, hw_pack, "demo", SEED)
    child = spawn(tmp_path, hw_pack, "--lang", "ko")
    child.expect_exact("문제 1/9")
    child.expect_exact("> ")
    child.sendline(answers[0][1])
    child.expect_exact("문제 2/9")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact("중단했습니다.")
    child.expect_exact("9문제 중 1문제에 답했습니다")
    child.expect_exact("강사에게 제출하세요")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(sheet(tmp_path / "demo.answers.yaml")) == ["demo.single"]


def chosen(pack, qid, seed, label):
    """The choice id shown with `label` in the homework presentation of `qid`."""
    homework = open_pack(pack)
    return present(pack_quiz(homework, "demo").by_id()[qid], seed, homework.functions).labels[label]


def run_piped(cwd, pack, stdin, *args):
    return subprocess.run([str(GRADE), "quiz", "--pack", str(pack), "demo", *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd, env=ENV, timeout=30)


def test_an_existing_different_file_is_not_overwritten_without_asking(hw_pack, tmp_path):
    other = tmp_path / "demo.answers.yaml"
    other.write_text("quiz: demo\nseed: 1\nanswers:\n  demo.single: b\n", encoding="utf-8")
    before = other.read_text(encoding="utf-8")
    result = run_piped(tmp_path, hw_pack, "\na\n:quit\n", "--seed", "2")  # default: a new file
    assert result.returncode == 0, result.stderr
    assert "already exists" in result.stdout and "demo.answers-2.yaml" in result.stdout
    assert other.read_text(encoding="utf-8") == before
    assert yaml.safe_load((tmp_path / "demo.answers-2.yaml").read_text())["answers"] == {
        "demo.single": chosen(hw_pack, "demo.single", 2, "a")}
    result = run_piped(tmp_path, hw_pack, "o\nb\n:quit\n", "--seed", "3")  # overwrite, when asked
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(other.read_text(encoding="utf-8"))
    assert data["seed"] == 3 and data["answers"] == {"demo.single": chosen(hw_pack, "demo.single", 3, "b")}


def test_without_seed_an_unfinished_file_is_continued_with_its_seed(hw_pack, tmp_path):
    (tmp_path / "demo.answers.yaml").write_text("quiz: demo\nseed: 77\ncount: null\nanswers:\n"
                                                "  demo.single: b\n", encoding="utf-8")
    result = run_piped(tmp_path, hw_pack, "c\na\n:quit\n")
    assert result.returncode == 0, result.stderr
    assert "seed 77" in result.stdout and "Question 2/9  [demo.multiple]" in result.stdout
    data = yaml.safe_load((tmp_path / "demo.answers.yaml").read_text(encoding="utf-8"))
    assert data["seed"] == 77
    assert data["answers"] == {"demo.single": "b", "demo.multiple": [chosen(hw_pack, "demo.multiple", 77, "a")]}


# --- the other commands on a homework quiz ------------------------------------------------------

def test_answers_count_and_export_are_refused(hw_pack, tmp_path):
    answer_file = tmp_path / "demo.answers.yaml"
    answer_file.write_text("quiz: demo\nseed: 1\nanswers: {}\n", encoding="utf-8")
    result = invoke("--pack", str(hw_pack), "demo", "--answers", str(answer_file))
    assert result.exit_code == 2 and "graded by your instructor" in result.output
    result = invoke("--pack", str(hw_pack), "demo", "--count", "3")
    assert result.exit_code == 2 and "every question is asked" in result.output
    result = invoke("--pack", str(hw_pack), "export", "demo", "--to", "gift")
    assert result.exit_code == 2 and "homework quiz without answers" in result.output
    assert "demo.single" not in result.output


def test_template_of_a_homework_quiz(hw_pack):
    result = invoke("--pack", str(hw_pack), "demo", "--template", "--seed", str(SEED))
    assert result.exit_code == 0, result.output
    assert "submit this file to your instructor" in result.output
    data = yaml.safe_load(result.output)
    assert data["seed"] == SEED and len(data["answers"]) == 9
    assert data["answers"]["demo.param"] == {"params": {"H": 32, "P": 2}, "answer": None}


def test_list_shows_homework_and_review_skips_it(hw_pack, tmp_path):
    write_marker(tmp_path, "test")
    store = QuizStore(tmp_path / ".grade" / "progress.sqlite3")
    attempt = store.start_attempt("demo", "quiz", 1, "en", 1)  # met before the quiz became homework
    store.record_answer(attempt, "demo.single", "demo", "a", {}, 1.0, "correct", review.GOOD)
    store.finish_attempt(attempt, "finished")
    result = invoke("--pack", str(hw_pack), "list", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.strip().startswith("demo"))
    assert "homework" in row and "100%" not in row
    result = invoke("--pack", str(hw_pack), "review", "--ahead", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "0 due now, 0 later" in result.output


# --- round trip to the instructor's batch grading -----------------------------------------------

def test_homework_answers_are_graded_by_batch_with_the_full_pack(tmp_path):
    pack = tmp_path / "student-pack"
    pack.mkdir()
    shutil.copy(SHIPPED / "cnn.yaml", pack / "cnn.yaml")
    strip_answers(pack / "cnn.yaml")
    seed = 4242
    full = pack_quiz(open_pack(), "cnn")
    wrong = next(q.id for q in full.questions if q.type == "param_numeric")
    answers = typed_answers(SHIPPED, pack, "cnn", seed, wrong=wrong)
    assert {q.type for q in full.questions} >= {"single", "multiple", "ordering", "true_false", "numeric",
                                                 "short", "param_numeric"}
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run([str(GRADE), "quiz", "cnn", "--seed", str(seed)],
                            input="".join(typed + "\n" for _, typed in answers), capture_output=True,
                            text=True, cwd=home, env=dict(ENV, GRADE_QUIZ_PACK=str(pack)), timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"All {len(full.questions)} questions answered" in result.stdout
    path = home / "cnn.answers.yaml"
    record = grade_answers("cnn", path, seed)
    assert not record["problems"], record["problems"]
    assert record["max_score"] == len(full.questions)
    assert record["score"] == len(full.questions) - 1
    failed = [t["name"] for t in record["tests"] if t["status"] != "passed"]
    assert failed == [wrong]
    # The instructor's own grade_file path (with the file's recorded params) agrees.
    cli = invoke("cnn", "--answers", str(path))
    assert cli.exit_code == 0 and f"{len(full.questions) - 1:g} / {len(full.questions)}" in cli.output


def test_release_homework_strips_the_shipped_quizzes(tmp_path):
    from grader.release import _select_quizzes

    folder = tmp_path / "quizzes"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("__pycache__"))
    _select_quizzes(folder, ["cnn", "rnn"], homework=True)
    assert sorted(p.stem for p in folder.glob("[!_]*.yaml")) == ["cnn", "rnn"]
    assert read_yaml(folder / "_concepts.yaml") == read_yaml(SHIPPED / "_concepts.yaml")
    pack = open_pack(folder)
    assert all(pack_quiz(pack, t).homework for t in pack.topics)
    result = invoke("check", str(folder), "--strict")
    assert result.exit_code == 0, result.output
