"""Answer files: template, grading without prompting, Gradescope JSON, and bad answer files."""

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.answers import grade_file
from grader.quiz.loader import open_pack, pack_quiz

PACK = Path(__file__).parent / "quiz_fixtures" / "pack"
RIGHT = {
    "demo.single": "a", "demo.multiple": ["a", "b"], "demo.tf": True, "demo.numeric": 5,
    "demo.relnum": 2.72, "demo.short": "Soft Max", "demo.order": ["a", "b", "c"],
}


def run(*args, lang="en"):
    return CliRunner().invoke(main, ["quiz", "--pack", str(PACK), *args, "--lang", lang])


def template(tmp_path, *extra):
    out = tmp_path / "sheet.yaml"
    result = run("demo", "--template", "-o", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out


def fill(path, answers, param_answer=None):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for qid, value in answers.items():
        data["answers"][qid] = value
    for qid, entry in data["answers"].items():
        if isinstance(entry, dict) and param_answer is not None:
            entry["answer"] = param_answer(qid, entry["params"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def right_param(qid, params):
    if qid == "demo.param":
        return params["H"] + 2 * params["P"] - 3 + 1
    return params["H"] - params["K"] + 1


def test_template_is_valid_yaml_with_recorded_params(tmp_path):
    data = yaml.safe_load(template(tmp_path, "--seed", "5").read_text(encoding="utf-8"))
    assert data["quiz"] == "demo" and data["seed"] == 5 and data["count"] is None
    assert set(data["answers"]) == {q for q in RIGHT} | {"demo.param", "demo.fn"}
    assert all(v is None for k, v in data["answers"].items() if k in RIGHT)
    params = data["answers"]["demo.param"]["params"]
    assert set(params) == {"H", "P"} and data["answers"]["demo.param"]["answer"] is None


def test_all_right_scores_full_marks_in_gradescope_json(tmp_path):
    sheet = fill(template(tmp_path, "--seed", "5"), RIGHT, right_param)
    result = run("demo", "--answers", str(sheet), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= {"score", "max_score", "execution_time", "output", "tests"}
    assert report["score"] == report["max_score"] == 9
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == "passed" and test["visibility"] == "visible"


def test_wrong_partial_malformed_and_missing(tmp_path):
    answers = dict(RIGHT, **{"demo.multiple": ["a"], "demo.numeric": "five", "demo.tf": False})
    del answers["demo.short"]
    sheet = fill(template(tmp_path, "--seed", "5"), answers, lambda qid, p: 0)
    report = json.loads(run("demo", "--answers", str(sheet), "--format", "json").output)
    by = {t["name"]: t for t in report["tests"]}
    assert by["demo.multiple"]["score"] == 0.5 and by["demo.multiple"]["status"] == "failed"
    assert by["demo.numeric"]["score"] == 0 and "not a number" in by["demo.numeric"]["output"]
    assert by["demo.tf"]["score"] == 0 and "Correct answer: true" in by["demo.tf"]["output"]
    assert by["demo.short"]["score"] == 0  # left empty
    assert by["demo.param"]["score"] == 0
    assert report["score"] == pytest.approx(3 + 0.5)  # single, relnum, order right; half of multiple
    text = run("demo", "--answers", str(sheet)).output
    assert "demo.multiple  0.5/1  [partial]" in text and "[malformed]" in text


def test_params_are_graded_as_recorded_not_as_redrawn(tmp_path):
    sheet = template(tmp_path, "--seed", "5")
    data = yaml.safe_load(sheet.read_text(encoding="utf-8"))
    data["answers"]["demo.param"] = {"params": {"H": 30, "P": 2}, "answer": 30 + 4 - 3 + 1}
    sheet.write_text(yaml.safe_dump(data), encoding="utf-8")
    pack = open_pack(PACK)
    results, _ = grade_file(pack, pack_quiz(pack, "demo"), sheet)
    r = {x.question.id: x for x in results}["demo.param"]
    assert r.grade.passed and r.params == {"H": 30, "P": 2}


@pytest.mark.parametrize("params, reason", [
    ({"H": 31, "P": 0}, "outside the question's range"),
    ({"H": 30}, "params must be exactly"),
])
def test_tampered_params_score_zero(tmp_path, params, reason):
    sheet = template(tmp_path, "--seed", "5")
    data = yaml.safe_load(sheet.read_text(encoding="utf-8"))
    data["answers"]["demo.param"] = {"params": params, "answer": 1}
    sheet.write_text(yaml.safe_dump(data), encoding="utf-8")
    report = json.loads(run("demo", "--answers", str(sheet), "--format", "json").output)
    test = {t["name"]: t for t in report["tests"]}["demo.param"]
    assert test["score"] == 0 and reason in test["output"]


def test_count_grades_the_seeded_subset_only(tmp_path):
    sheet = template(tmp_path, "--seed", "3", "--count", "4")
    data = yaml.safe_load(sheet.read_text(encoding="utf-8"))
    assert data["count"] == 4 and len(data["answers"]) == 4
    report = json.loads(run("demo", "--answers", str(sheet), "--format", "json").output)
    assert report["max_score"] == 4
    # Deleting a hard question from the sheet does not drop it from grading.
    first = next(iter(data["answers"]))
    del data["answers"][first]
    sheet.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert json.loads(run("demo", "--answers", str(sheet), "--format", "json").output)["max_score"] == 4


def test_answer_file_for_another_quiz(tmp_path):
    sheet = tmp_path / "a.yaml"
    sheet.write_text("quiz: cnn\nseed: 1\nanswers: {}\n", encoding="utf-8")
    result = run("demo", "--answers", str(sheet))
    assert result.exit_code == 2
    assert f"{sheet}:1: this answer file is for quiz 'cnn', not 'demo'" in result.output


def test_unknown_ids_are_named_with_lines(tmp_path):
    sheet = tmp_path / "a.yaml"
    sheet.write_text("quiz: demo\nseed: 1\nanswers:\n  demo.single: a\n  demo.singel: b\n", encoding="utf-8")
    result = run("demo", "--answers", str(sheet))
    assert result.exit_code == 2
    assert f"{sheet}:5: 'demo.singel' is not a question of this quiz (did you mean 'demo.single'?)" in result.output


@pytest.mark.parametrize("content, message", [
    ("quiz: demo\nanswers: [1, 2\n", "not valid YAML"),
    ("- just\n- a list\n", "not an answer file"),
    ("quiz: demo\nseed: -3\nanswers: {}\n", "seed must be a whole number"),
    ("quiz: demo\ncount: 2\nanswers: {}\n", "count needs the seed"),
])
def test_malformed_answer_files(tmp_path, content, message):
    sheet = tmp_path / "a.yaml"
    sheet.write_text(content, encoding="utf-8")
    result = run("demo", "--answers", str(sheet))
    assert result.exit_code == 2 and message in result.output, result.output


def test_missing_answer_file_and_bad_combinations(tmp_path):
    assert run("demo", "--answers", str(tmp_path / "none.yaml")).exit_code == 2
    assert run("demo", "--template", "--answers", "x").exit_code == 2
    assert run("demo", "--format", "json").exit_code == 2


def test_korean_messages(tmp_path):
    sheet = tmp_path / "a.yaml"
    sheet.write_text("quiz: cnn\nanswers: {}\n", encoding="utf-8")
    result = run("demo", "--answers", str(sheet), lang="ko")
    assert result.exit_code == 2 and "퀴즈용입니다" in result.output


def test_unknown_topic_suggests_closest():
    result = run("dmeo")
    assert result.exit_code == 2 and "did you mean 'demo'" in result.output.lower()
