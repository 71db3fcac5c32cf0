"""CONTENT tests: the shipped quiz pack (quizzes/*.yaml, written separately from the engine).

A failure here names content to fix, not an engine bug: every shipped file validates, every concept
of the syllabus (../shared/concepts.yaml when present, else the package catalogue) has >= 3 questions
in both languages, computational concepts have a computational question, every trap is addressed,
every answer key grades as correct, and every topic exports and parses back.
"""

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from grader.quiz.answers import grade_file, write_template
from grader.quiz.export import read_gift, to_gift, to_moodle_xml
from grader.quiz.grading import grade_value
from grader.quiz.loader import CATALOGUE_FILE, load_catalogue, open_pack, pack_quiz, shipped_pack_dir
from grader.quiz.present import present
from grader.quiz.validate import errors, validate_paths

SHARED = Path(__file__).resolve().parents[2] / "shared" / "concepts.yaml"
MIN_QUESTIONS = 3
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Words in a concept's `check` that mean the learner computes something.
COMPUTING = re.compile(r"\bcompute|step by hand|predict shapes", re.I)


@pytest.fixture(scope="module")
def pack():
    return open_pack()


@pytest.fixture(scope="module")
def questions(pack):
    return [q for topic in pack.topics for q in pack_quiz(pack, topic).questions]


@pytest.fixture(scope="module")
def shared():
    if not SHARED.is_file():
        return None
    return yaml.safe_load(SHARED.read_text(encoding="utf-8"))["concepts"]


def syllabus(pack, shared):
    """id -> number of traps, from ../shared when present (the source of truth), else the catalogue."""
    if shared is not None:
        return {c["id"]: len(c.get("traps") or []) for c in shared}
    return {cid: len(c.traps) for cid, c in pack.concepts.items()}


def test_content_shipped_pack_validates():
    problems, n_files, n_questions = validate_paths(shipped_pack_dir())
    assert n_files > 0, "no quiz files shipped in quizzes/"
    assert not errors(problems), "\n".join(map(str, errors(problems)))


def test_catalogue_is_complete_and_bilingual(pack):
    concepts, problems = load_catalogue(shipped_pack_dir() / CATALOGUE_FILE)
    assert problems == []
    for c in concepts.values():
        assert c.title["ko"] and c.title["en"], c.id  # titles may be names like "GNMT" in both
        for text in (c.description, *c.traps):
            assert text["en"] and HANGUL.search(text["ko"]), c.id


def test_catalogue_matches_shared_concept_map(pack, shared):
    if shared is None:
        pytest.skip(f"{SHARED} not present")
    assert [c["id"] for c in shared] == list(pack.concepts), "catalogue ids differ from ../shared/concepts.yaml"
    for c in shared:
        mine = pack.concepts[c["id"]]
        assert len(mine.traps) == len(c.get("traps") or []), f"{c['id']}: trap count differs"
        if COMPUTING.search(c.get("check", "")):
            assert mine.computational, f"{c['id']}: its check involves computing; mark computational: true"


def test_content_every_concept_has_enough_questions_in_both_languages(pack, shared, questions):
    by_concept = defaultdict(list)
    for q in questions:
        for cid in q.concepts:
            by_concept[cid].append(q)
    short = {cid: len(by_concept[cid]) for cid in syllabus(pack, shared) if len(by_concept[cid]) < MIN_QUESTIONS}
    assert not short, f"concepts with fewer than {MIN_QUESTIONS} questions: {short}"
    for cid in syllabus(pack, shared):
        for q in by_concept[cid]:
            for text in (q.prompt, q.explanation):
                assert text.get("en") and HANGUL.search(text.get("ko", "")), f"{q.id}: a language is missing"


def test_content_computational_concepts_have_a_computational_question(pack, questions):
    have = {cid for q in questions if q.computational for cid in q.concepts}
    missing = sorted(cid for cid, c in pack.concepts.items() if c.computational and cid not in have)
    assert not missing, f"computational concepts without a numeric/param_numeric question: {missing}"


def test_content_every_trap_is_addressed(pack, shared, questions):
    addressed = {t for q in questions for t in q.traps}
    wanted = {f"{cid}:{i}" for cid, n in syllabus(pack, shared).items() for i in range(n)}
    assert not wanted - addressed, f"traps no question corrects: {sorted(wanted - addressed)}"


def test_content_answer_keys_grade_as_correct(pack, tmp_path):
    """Fill every template with the key and grade it: each shipped question must accept its own answer."""
    for topic in pack.topics:
        quiz = pack_quiz(pack, topic)
        sheet = yaml.safe_load(write_template(pack, quiz, 11, None, "en"))
        for q in quiz.questions:
            if q.type in ("single", "multiple", "ordering"):
                sheet["answers"][q.id] = q.correct_ids if q.type != "single" else q.correct_ids[0]
            elif q.type in ("true_false", "numeric"):
                sheet["answers"][q.id] = q.answer
            elif q.type == "short":
                sheet["answers"][q.id] = q.accept[0]
                rejected = [a for a in q.accept if not grade_value(q, a)[0].passed]
                assert not rejected, f"{q.id}: accepted answers that do not grade as correct: {rejected}"
            else:
                sheet["answers"][q.id]["answer"] = present(q, 11, pack.functions).expected
        path = tmp_path / f"{topic}.yaml"
        path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
        results, _ = grade_file(pack, quiz, path)
        failed = [r.question.id for r in results if not r.grade.passed]
        assert not failed, f"{topic}: keys not graded correct: {failed}"


def test_content_every_topic_exports_and_parses_back(pack):
    for topic in pack.topics:
        quiz = pack_quiz(pack, topic)
        root = ET.fromstring(to_moodle_xml(pack, quiz).encode("utf-8"))
        assert len(root.findall("question")) == len(quiz.questions) + 1, topic  # + the category
        gift = read_gift(to_gift(pack, quiz))
        assert [g["title"] for g in gift] == [q.id for q in quiz.questions], topic
