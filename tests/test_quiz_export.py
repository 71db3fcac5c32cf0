"""LMS exports parse back: Moodle XML is well-formed and complete, GIFT is re-read question by question."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.export import read_gift, to_gift, to_moodle_xml
from grader.quiz.present import present

PACK = Path(__file__).parent / "quiz_fixtures" / "pack"




def parse_xml(text):
    root = ET.fromstring(text.encode("utf-8"))
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    return root, {q.find("name/text").text: q for q in questions}


def test_moodle_xml_is_well_formed_and_maps_every_type(pack, quiz):
    root, qs = parse_xml(to_moodle_xml(pack, quiz))
    assert root.tag == "quiz" and len(qs) == len(quiz.questions)
    types = {name: q.get("type") for name, q in qs.items()}
    assert types == {
        "demo.single": "multichoice", "demo.multiple": "multichoice", "demo.tf": "truefalse",
        "demo.numeric": "numerical", "demo.relnum": "numerical", "demo.short": "shortanswer",
        "demo.order": "ordering", "demo.param": "calculated", "demo.fn": "numerical",
    }
    single = qs["demo.single"]
    assert single.find("single").text == "true"
    assert [a.get("fraction") for a in single.findall("answer")] == ["100", "0", "0"]
    multiple = [float(a.get("fraction")) for a in qs["demo.multiple"].findall("answer")]
    assert multiple == [50, 50, -50, -50]
    rel = qs["demo.relnum"].find("answer")
    assert float(rel.find("tolerance").text) == pytest.approx(0.02718)
    assert [a.find("text").text for a in qs["demo.short"].findall("answer")] == ["softmax", "소프트맥스", "soft max"]
    order = qs["demo.order"]
    assert [a.get("fraction") for a in order.findall("answer")] == ["1", "2", "3"]
    assert order.find("gradingtype").text == "RELATIVE_NEXT_EXCLUDE_LAST"


def test_calculated_question_has_formula_and_datasets(pack, quiz):
    _, qs = parse_xml(to_moodle_xml(pack, quiz, seed=4))
    calc = qs["demo.param"]
    assert calc.find("answer/text").text == "(floor(((({H} + (2 * {P})) - 3) / 1)) + 1)"
    assert "{H}" in calc.find("questiontext/text").text  # Moodle substitutes it
    defs = {d.find("name/text").text: d for d in calc.findall("dataset_definitions/dataset_definition")}
    assert set(defs) == {"H", "P"}
    values = [float(v.text) for v in defs["H"].findall("dataset_items/dataset_item/value")]
    assert len(values) == 10 and all(8 <= v <= 32 and v % 2 == 0 for v in values)


def test_sample_mode_and_answer_fn_give_fixed_numbers(pack, quiz):
    _, qs = parse_xml(to_moodle_xml(pack, quiz, seed=4, mode="sample"))
    p = present(quiz.by_id()["demo.param"], 4, pack.functions)
    sample = qs["demo.param"]
    assert sample.get("type") == "numerical"
    assert float(sample.find("answer/text").text) == p.expected
    assert f"Input {p.params['H']}," in sample.find("questiontext/text").text


def test_languages(pack, quiz):
    both = to_moodle_xml(pack, quiz)
    assert 'class="multilang"' in both and "데모" in both
    english = to_moodle_xml(pack, quiz, lang="en")
    assert "multilang" not in english and "소프트맥스 출력의 합은" not in english


def test_gift_reads_back(pack, quiz):
    text = to_gift(pack, quiz, lang="en", seed=4)
    qs = {q["title"]: q for q in read_gift(text)}
    assert set(qs) == {q.id for q in quiz.questions}
    single = qs["demo.single"]
    assert single["kind"] == "multichoice" and single["text"].startswith("What do softmax outputs sum to?")
    assert [(a, w) for a, w in single["answers"] if w == 100] == [("one", 100.0)]
    assert sorted(w for _, w in qs["demo.multiple"]["answers"]) == [-50, -50, 50, 50]
    assert qs["demo.tf"]["kind"] == "truefalse" and qs["demo.tf"]["answers"] == [True]
    assert qs["demo.numeric"]["answers"] == [(5.0, 0.5)]
    assert qs["demo.short"]["kind"] == "shortanswer" and "soft max" in qs["demo.short"]["answers"]
    assert qs["demo.order"]["kind"] == "matching"
    assert qs["demo.order"]["answers"] == [("subtract the max", "1"), ("exponentiate", "2"),
                                           ("divide by the sum", "3")]
    p = present(quiz.by_id()["demo.param"], 4, pack.functions)
    assert qs["demo.param"]["answers"] == [(p.expected, 0.0)]
    assert "Padding changes the size too" in qs["demo.param"]["feedback"]


def test_gift_escapes_special_characters(pack, quiz):
    text = to_gift(pack, quiz, lang="both")
    for q in read_gift(text):
        assert q["text"] and q["answers"]
    # `{H}`-style braces, colons and = in HTML attributes never break the structure.
    assert 'lang\\="ko"' in text


def test_cli_export_writes_files(tmp_path):
    runner = CliRunner()
    out = tmp_path / "demo.xml"
    result = runner.invoke(main, ["quiz", "--pack", str(PACK), "export", "demo", "--to", "moodle-xml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    ET.parse(out)
    result = runner.invoke(main, ["quiz", "--pack", str(PACK), "export", "demo", "--to", "gift"])
    assert result.exit_code == 0 and len(read_gift(result.output)) == 9
    assert runner.invoke(main, ["quiz", "--pack", str(PACK), "export", "nope", "--to", "gift"]).exit_code == 2
