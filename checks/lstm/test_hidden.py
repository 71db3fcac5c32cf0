"""Hidden checks for lstm: properties of lstm_forward, inputs left intact, more shapes and seeds.

Each property check first compares the values with the reference on the same inputs, so an
output that is trivially "independent" or "unmodified" cannot earn the points.
"""

from __future__ import annotations

import numpy as np

from checks.lstm.test_public import (cell_inputs, cell_mistakes, check_cell, check_forward,
                                     check_gates, extreme_inputs, forward_inputs, forward_mistakes,
                                     gate_mistakes, shapes_text, sigmoid_mistakes, unpack)
from grader.api import check, expect_array, expect_true, same_array, values_first
from grader.expect import TOLERANCE, compare


def _close(a: np.ndarray, b: np.ndarray, dtype: np.dtype) -> bool:
    return a.shape == b.shape and compare(a, b, *TOLERANCE[np.dtype(dtype).name]) is None


@check(1, en="lstm_forward: h_last is hs[:, -1]", ko="lstm_forward: h_last 는 hs[:, -1]")
def test_forward_last_state(learner, ref, cases):
    for case in cases(n=1):
        xs, Wx, Wh, b, h0, c0 = forward_inputs(case, 3, 5, 2, 4)
        hs, h_last, _ = check_forward(learner, ref, xs, Wx, Wh, b, h0, c0)
        expect_true(_close(h_last, hs[:, -1], xs.dtype),
                    "lstm_forward: h_last differs from hs[:, -1] (the h of the last step).",
                    "lstm_forward: h_last 가 hs[:, -1] (마지막 시각의 h) 과 다릅니다.")


@check(2, en="lstm_forward: each sequence of a batch is processed independently",
       ko="lstm_forward: 배치의 각 시퀀스를 서로 독립적으로 처리")
def test_batch_independence(learner, ref, cases):
    for case in cases(n=1):
        xs, Wx, Wh, b, h0, c0 = forward_inputs(case, 4, 3, 3, 2)
        hs, _, c_last = check_forward(learner, ref, xs, Wx, Wh, b, h0, c0)
        for n in range(xs.shape[0]):
            one = slice(n, n + 1)
            name = f"lstm_forward on sequence {n} of the batch alone (N = 1)"
            got = unpack(learner.lstm_forward(xs[one], Wx, Wh, b, h0[one], c0[one]), 3, name)
            expect_array(got[0], hs[one], name=f"{name}: hs, against the batch run", like=xs)
            expect_array(got[2], c_last[one], name=f"{name}: c_last, against the batch run",
                         like=xs)


def _expect_unchanged(after: list, before: tuple, names: tuple, func: str) -> None:
    for name, old, new in zip(names, before, after):
        expect_true(same_array(new, old),
                    f"{func} modified its argument {name} in place. Compute new arrays "
                    "(c_next = f * c_prev + i * g, np.clip(x, lo, hi)) instead of updating "
                    "inputs (c_prev *= f, h += ..., x[x < lo] = lo, out=x).",
                    f"{func} 가 인자 {name} 를 제자리에서 바꿨습니다. 입력을 갱신하지 말고 "
                    "(c_prev *= f, h += ..., x[x < lo] = lo, out=x 금지) 새 배열을 만드세요 "
                    "(c_next = f * c_prev + i * g, np.clip(x, lo, hi)).")


@check(2, en="sigmoid, lstm_gates, lstm_cell, lstm_forward leave their inputs unchanged",
       ko="sigmoid, lstm_gates, lstm_cell, lstm_forward 는 입력을 바꾸지 않음")
def test_no_inplace(learner, ref, cases):
    # each call's arguments first, then its values: the check scores only where both are right
    for case in cases(n=1):
        z = extreme_inputs(case)
        res = learner.call("sigmoid", z, return_args=True)
        _expect_unchanged(res.args_after, (z,), ("x",), "sigmoid")
        with values_first():
            expect_array(res.value, ref.sigmoid(z), name=f"sigmoid of large inputs ({z.dtype})",
                         like=z, mistakes=sigmoid_mistakes(z))

        x, h, c, Wx, Wh, b = cell_inputs(case, 3, 4, 2)
        cell_args = (x, h, c, Wx, Wh, b)
        res = learner.call("lstm_gates", x, h, Wx, Wh, b, return_args=True)
        _expect_unchanged(res.args_after, (x, h, Wx, Wh, b), ("x", "h_prev", "Wx", "Wh", "b"),
                          "lstm_gates")
        expected = ref.lstm_gates(x, h, Wx, Wh, b)
        gates_name = f"lstm_gates({shapes_text(x=x, h_prev=h, Wx=Wx, Wh=Wh, b=b)})"
        with values_first():
            expect_true(isinstance(res.value, dict)
                        and sorted(map(str, res.value)) == list("fgio"),
                        f"{gates_name}: expected a dict with keys 'f', 'g', 'i', 'o'.",
                        f"{gates_name}: 키 'f', 'g', 'i', 'o' 를 가진 dict 여야 합니다.")
            for k in "fgio":
                expect_array(res.value[k], expected[k], name=f'{gates_name}["{k}"]', like=x,
                             mistakes=gate_mistakes(k, (x, h, Wx, Wh, b)))

        res = learner.call("lstm_cell", *cell_args, return_args=True)
        name = "lstm_cell"
        _expect_unchanged(res.args_after, cell_args,
                          ("x", "h_prev", "c_prev", "Wx", "Wh", "b"), name)
        with values_first():
            for index, (out, exp) in enumerate(zip(unpack(res.value, 2, name),
                                                   ref.lstm_cell(*cell_args))):
                expect_array(out, exp, name=f"{name}: {('h_next', 'c_next')[index]}", like=x,
                             mistakes=cell_mistakes(index, cell_args))

        fwd_args = forward_inputs(case, 2, 4, 3, 2)
        res = learner.call("lstm_forward", *fwd_args, return_args=True)
        name = "lstm_forward"
        _expect_unchanged(res.args_after, fwd_args, ("xs", "Wx", "Wh", "b", "h0", "c0"), name)
        with values_first():
            for index, (out, exp) in enumerate(zip(unpack(res.value, 3, name),
                                                   ref.lstm_forward(*fwd_args))):
                expect_array(out, exp, name=f"{name}: {('hs', 'h_last', 'c_last')[index]}",
                             like=fwd_args[0], mistakes=forward_mistakes(index, *fwd_args))


@check(1, en="lstm_forward: only one of h0, c0 given (the other starts at zero)",
       ko="lstm_forward: h0, c0 중 하나만 주어진 경우 (나머지는 0)")
def test_forward_mixed_state(learner, ref, cases):
    for case in cases(n=1):
        xs, Wx, Wh, b, h0, c0 = forward_inputs(case, 2, 3, 4, 3)
        check_forward(learner, ref, xs, Wx, Wh, b, h0, None, style="keywords")
        check_forward(learner, ref, xs, Wx, Wh, b, None, c0, style="keywords")


@check(1, en="saturated gates, a long sequence and one-unit layers",
       ko="포화된 게이트, 긴 시퀀스, 유닛 하나짜리 층")
def test_saturated_and_long(learner, ref, cases):
    for case in cases(n=1):
        # pre-activations in the thousands (hundreds in float32, whose exp overflows past ~89,
        # and whose rounding of larger sums would blur the comparison): a sigmoid that
        # overflows to NaN shows up here
        scale = 1000 if case.dtype == np.float64 else 100
        x, h, c, Wx, Wh, b = cell_inputs(case, 3, 3, 2)
        big = (x * scale, h * scale, Wx, Wh, b * scale)
        check_gates(learner, ref, *big)
        check_cell(learner, ref, big[0], big[1], c, *big[2:])
        check_forward(learner, ref, *forward_inputs(case, 2, 12, 3, 2))
        check_forward(learner, ref, *forward_inputs(case, 5, 4, 1, 1))
