"""Parametrized questions: seeded draws reproduce, stay in range, and render into the prompt."""

from pathlib import Path


from grader.quiz.params import combinations, compute_answer, draw, in_range, render
from grader.quiz.present import present
from grader.quiz.session import select_questions

PACK = Path(__file__).parent / "quiz_fixtures" / "pack"




def test_same_seed_same_parameters_and_order(pack, quiz):
    q = quiz.by_id()["demo.param"]
    assert draw(q, 42) == draw(q, 42)
    assert present(q, 42, pack.functions).expected == present(q, 42, pack.functions).expected
    m = quiz.by_id()["demo.multiple"]
    assert present(m, 42, pack.functions).order == present(m, 42, pack.functions).order


def test_different_seeds_vary(pack, quiz):
    q = quiz.by_id()["demo.param"]
    assert len({tuple(draw(q, seed).items()) for seed in range(40)}) > 5
    m = quiz.by_id()["demo.multiple"]
    assert len({tuple(present(m, seed, pack.functions).order) for seed in range(40)}) > 3


def test_draws_stay_in_declared_range(quiz):
    q = quiz.by_id()["demo.param"]
    for seed in range(200):
        values = draw(q, seed)
        assert 8 <= values["H"] <= 32 and values["H"] % 2 == 0
        assert values["P"] in (0, 1, 2)
        assert all(in_range(q.params[k], v) for k, v in values.items())
    assert not in_range(q.params["H"], 9) and not in_range(q.params["H"], 34)


def test_draw_does_not_depend_on_other_questions(quiz):
    # The same question gets the same values whether asked alone or in a subset.
    q = quiz.by_id()["demo.param"]
    assert draw(q, 5) == draw(q, "5")


def test_every_combination_is_enumerated(quiz):
    q = quiz.by_id()["demo.param"]
    assert len(list(combinations(q))) == 13 * 3


def test_answer_function_and_expression(pack, quiz):
    fn = quiz.by_id()["demo.fn"]
    assert compute_answer(fn, {"H": 7, "K": 3}, pack.functions) == 5
    expr = quiz.by_id()["demo.param"]
    assert compute_answer(expr, {"H": 16, "P": 1}, pack.functions) == 16


def test_pack_functions_merge_over_shipped(pack):
    assert "doubled" in pack.functions and "conv_out_size" in pack.functions


def test_render_only_touches_parameters():
    assert render("H={H}, set {a, b}, {answer}", {"H": 16.0}) == "H=16, set {a, b}, {answer}"
    assert render("x={x}", {"x": 0.1 + 0.2}) == "x=0.3"


def test_prompt_shows_the_drawn_values(pack, quiz):
    p = present(quiz.by_id()["demo.param"], 9, pack.functions)
    assert f"Input {p.params['H']}," in p.prompt("en")
    assert f"the answer is {p.expected}" in p.explanation("en")


def test_subset_selection_is_seeded(quiz):
    a = [q.id for q in select_questions(quiz, 3, 4)]
    assert a == [q.id for q in select_questions(quiz, 3, 4)] and len(a) == 4
    assert len({tuple(q.id for q in select_questions(quiz, s, 4)) for s in range(20)}) > 1
    assert len(select_questions(quiz, 3, None)) == len(quiz.questions)


def test_ordering_is_never_shown_solved(pack, quiz):
    q = quiz.by_id()["demo.order"]
    for seed in range(50):
        assert present(q, seed, pack.functions).order != q.correct_ids
