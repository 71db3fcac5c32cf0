"""`grade quiz check`: every mistake is reported with file, line and question id; exit codes."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.validate import errors, validate_paths

FIXTURES = Path(__file__).parent / "quiz_fixtures"
BAD = FIXTURES / "bad"


@pytest.fixture(scope="module")
def bad_problems():
    problems, n_files, _ = validate_paths(BAD)
    assert n_files == 3
    return problems


@pytest.mark.parametrize("file, line, qid, text", [
    ("broken.yaml", 7, None, "not valid YAML"),
    ("list.yaml", 1, None, "collides with `grade quiz list`"),
    ("mixed.yaml", 10, "mixed.two-correct", "exactly one `correct: true`"),
    ("mixed.yaml", 17, "mixed.unknown-concept", "unknown concept id 'softmaxx' (did you mean 'softmax'?)"),
    ("mixed.yaml", 27, "mixed.no-english", "no English text"),
    ("mixed.yaml", 39, "mixed.div-zero", "cannot be computed for H=4, P=0: division by zero"),
    ("mixed.yaml", 50, "mixed.unsafe", "only these functions may be called"),
    ("mixed.yaml", 59, "mixed.rel-zero", "relative tolerance cannot"),
    ("mixed.yaml", 68, "mixed.wide", "0 would be accepted"),
    ("mixed.yaml", 75, "mixed.bad-trap", "has 2 trap(s)"),
    ("mixed.yaml", 80, "mixed.two-correct", "duplicate id"),
    ("mixed.yaml", 95, "mixed.hidden-param", "parameter K never appears"),
    ("mixed.yaml", 96, "mixed.hidden-param", "did you mean 'conv_out_size'?"),
    ("mixed.yaml", 105, None, "duplicate key 'answer'"),
])
def test_each_mistake_is_located(bad_problems, file, line, qid, text):
    hits = [p for p in bad_problems if p.file.name == file and p.line == line and p.qid == qid
            and text in p.message]
    assert hits, f"expected {file}:{line} [{qid}] {text!r}; got:\n" + "\n".join(map(str, bad_problems))
    assert f"{file}:{line}:" in str(hits[0])


def test_no_unexpected_errors(bad_problems):
    # One deliberate mistake per question (two for hidden-param): nothing else is flagged.
    assert len(errors(bad_problems)) == 15


def test_fixture_pack_is_valid():
    problems, n_files, n_questions = validate_paths(FIXTURES / "pack")
    assert problems == [] and n_files == 1 and n_questions == 9


@pytest.mark.parametrize("snippet, message", [
    ("    type: single\n    choices: [{id: a, ko: 가, en: A}]\n", "exactly one `correct: true`"),
    ("    type: numeric\n    answer: 12.5\n    tolerance: {abs: 0.01, rel: 0.1}\n", "exactly one of"),
    ("    type: numeric\n    answer: 0.3333333333\n", "cannot be typed exactly"),
    ("    type: numeric\n    answer: 100\n    tolerance: {rel: 0.6}\n", "off by half or more"),
    ("    type: short\n    accept: [yes]\n", "accept entries must be non-empty strings"),
    ("    type: ordering\n    choices: [{id: a, ko: 가, en: A, correct: true}, {id: b, ko: 나, en: B}]\n",
     "take no `correct:`"),
    ("    type: true_false\n    answer: true\n    choices: []\n", "unknown or misplaced key 'choices'"),
    ("    type: single\n    answer: a\n    choices: [{id: a, ko: 가, en: A, correct: true}, {id: b, ko: 나, en: B}]\n",
     "mark the right choice with `correct: true`"),
    ("    type: param_numeric\n    params: {H: {min: 1, max: 3}}\n    answer_expr: H\n    answer_fn: pool_out\n",
     "exactly one of answer_expr or answer_fn"),
    ("    type: param_numeric\n    params: {H: {min: 1, max: 3}}\n    answer_expr: H + Q\n", "unknown name(s) Q"),
    ("    type: param_numeric\n    params: {H: {min: 1.5, max: 3}}\n    answer_expr: H\n", "must be integers"),
    ("    type: param_numeric\n    params: {H: {min: 1, max: 9}}\n    answer_expr: H\n    tolerance: {abs: 1}\n",
     "is as wide as the answer 1"),
    ("    type: param_numeric\n    params: {H: {min: 1, max: 9}}\n    answer_fn: he_std\n", "cannot take H"),
    ("    type: essay\n", "type must be one of"),
    ("    type: true_false\n    answer: true\n    difficulty: 5\n", "difficulty must be 1, 2 or 3"),
    ("    type: true_false\n    answer: yes please\n", "needs `answer: true` or `answer: false`"),
])
def test_single_mistakes(tmp_path, snippet, message):
    body = (
        "topic: t\ntitle: {ko: 주제, en: Topic}\nquestions:\n"
        "  - id: t.q\n    concepts: [softmax]\n    prompt: {ko: \"질문 {H}\", en: \"Question {H}\"}\n"
        "    explanation: {ko: 설명, en: Explanation}\n"
    )
    if "difficulty" not in snippet:
        body += "    difficulty: 1\n"
    (tmp_path / "t.yaml").write_text(body + snippet, encoding="utf-8")
    problems = errors(validate_paths(tmp_path)[0])
    assert any(message in p.message and p.file.name == "t.yaml" and p.line for p in problems), \
        "\n".join(map(str, problems))


@pytest.mark.parametrize("explanation, shuffle, flagged", [
    ("(b) is the peeky decoder", "", True),
    ("option c copies the state", "", True),
    ("보기 b 는 틀립니다", "", True),
    ("f(a) = 1 for every a", "", False),              # maths, not a choice
    ("(b) is the peeky decoder", "    shuffle: false\n", False),  # letters stay put
])
def test_explanations_may_not_name_shuffled_choices_by_letter(tmp_path, explanation, shuffle,
                                                              flagged):
    (tmp_path / "t.yaml").write_text(
        "topic: t\ntitle: {ko: 주제, en: Topic}\nquestions:\n"
        "  - id: t.q\n    type: single\n    concepts: [softmax]\n    difficulty: 1\n"
        "    prompt: {ko: 질문, en: Question}\n" + shuffle +
        "    choices: [{id: a, ko: 가, en: A, correct: true}, {id: b, ko: 나, en: B}]\n"
        f"    explanation: {{ko: \"설명 {explanation}\", en: \"{explanation}\"}}\n",
        encoding="utf-8")
    problems = errors(validate_paths(tmp_path)[0])
    assert any("by its letter" in p.message for p in problems) == flagged, problems


def test_wrong_topic_line_and_bad_ids(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "topic: other\ntitle: {ko: 주제, en: Topic}\nquestions:\n"
        "  - id: other.q\n    type: true_false\n    concepts: [softmax]\n    difficulty: 1\n"
        "    prompt: {ko: 질문, en: Question}\n    answer: true\n    explanation: {ko: 설명, en: Explanation}\n",
        encoding="utf-8")
    problems = errors(validate_paths(tmp_path / "t.yaml")[0])
    assert any(p.line == 1 and "topic must equal the file name" in p.message for p in problems)
    assert any(p.qid == "other.q" and "id must look like 't.<slug>'" in p.message for p in problems)


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["quiz", "check", str(FIXTURES / "pack")])
    assert ok.exit_code == 0, ok.output
    assert "0 error(s)" in ok.output
    bad = runner.invoke(main, ["quiz", "check", str(BAD)])
    assert bad.exit_code == 1
    assert "mixed.yaml:17: [mixed.unknown-concept]" in bad.output
    missing = runner.invoke(main, ["quiz", "check", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    empty = runner.invoke(main, ["quiz", "check", str(tmp_path)])
    assert empty.exit_code == 2
    one = runner.invoke(main, ["quiz", "check", str(FIXTURES / "pack" / "demo.yaml")])
    assert one.exit_code == 0


def test_instructor_pack_without_catalogue_uses_shipped_one(tmp_path):
    shutil.copy(FIXTURES / "pack" / "demo.yaml", tmp_path / "demo.yaml")
    problems = errors(validate_paths(tmp_path)[0])
    # Shipped catalogue has `softmax` but not the fixture's `conv`.
    assert problems and all("unknown concept id 'conv'" in p.message for p in problems)


def test_real_command_exits_nonzero_on_invalid_pack():
    grade = Path(sys.executable).parent / "grade"
    result = subprocess.run([str(grade), "quiz", "check", str(BAD)], capture_output=True, text=True)
    assert result.returncode == 1 and "broken.yaml:7" in result.stderr
