"""Hidden checks for attention: broadcast and fully-masked masks, batch independence, inputs left
untouched, and edge shapes against independent loop oracles written here (not the reference).

Every property check first compares values on the same inputs, so an all-zero or always-failing
function cannot earn its points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.api import check, expect_array, expect_true, same_array, sibling, values_first

pub = sibling(__file__)

# ============================================================================ masks


@check(2, en="scaled_dot_product_attention: masks that broadcast ((Tq, Tk), (B, 1, Tk), ...)",
       ko="scaled_dot_product_attention: 브로드캐스트되는 마스크 ((Tq, Tk), (B, 1, Tk), ...)")
def test_sdpa_mask_broadcast(learner, ref, cases):
    configs = [  # (batch dims, Tq, Tk, d, dv, mask shape)
        ((2,), 3, 4, 5, 2, (3, 4)),
        ((3,), 4, 5, 4, 3, (3, 1, 5)),
        ((2, 3), 2, 3, 4, 5, (2, 3)),
        ((2, 3), 3, 4, 2, 2, (2, 1, 1, 4)),
        ((2, 3), 2, 5, 3, 1, (3, 2, 5)),
        ((), 4, 3, 3, 2, (1, 3)),
    ]
    for case in cases(n=1):
        for i, (batch, tq, tk, d, dv, mshape) in enumerate(configs):
            Q, K, V = pub.sdpa_inputs(case, batch, tq, tk, d, dv)
            pub.check_sdpa(learner, ref, Q, K, V, pub.random_mask(case.rng, mshape), style=i)


@check(2, en="scaled_dot_product_attention: a query with no allowed key gets zero weights and "
             "a zero output (no NaN)",
       ko="scaled_dot_product_attention: 볼 수 있는 키가 없는 쿼리는 가중치와 출력이 0 (NaN 없음)")
def test_sdpa_fully_masked(learner, ref, cases):
    for case in cases(n=1):
        Q, K, V = pub.sdpa_inputs(case, (), 4, 5, 3, 2)
        mask = pub.random_mask(case.rng, (4, 5))
        mask[1] = False
        masks = [(Q, K, V, mask)]
        Q, K, V = pub.sdpa_inputs(case, (3,), 3, 4, 4, 3)
        mask = pub.random_mask(case.rng, (3, 1, 4))
        mask[1] = False  # every query of batch element 1
        masks.append((Q, K, V, mask))
        Q, K, V = pub.sdpa_inputs(case, (2, 2), 3, 3, 2, 4)
        mask = pub.random_mask(case.rng, (2, 2, 3, 3))
        mask[0, 1, 2] = False
        mask[1, 0, 0] = False
        masks.append((Q, K, V, mask))
        for i, (Q, K, V, mask) in enumerate(masks):
            out, w = pub.check_sdpa(learner, ref, Q, K, V, mask, style=i)
            name = pub.sdpa_name(Q, K, V, mask, "result")
            expect_true(bool(np.isfinite(out).all() and np.isfinite(w).all()),
                        f"{name}: out or weights contain NaN or inf.",
                        f"{name}: out 이나 weights 에 NaN 또는 inf 가 있습니다.")


# ============================================================================ batch, in place


@check(1, en="scaled_dot_product_attention: batch elements are independent",
       ko="scaled_dot_product_attention: 배치 원소끼리 서로 영향을 주지 않음")
def test_sdpa_batch_independence(learner, ref, cases):
    for case in cases(n=1):
        Q, K, V = pub.sdpa_inputs(case, (3,), 3, 4, 5, 2)
        mask = pub.random_mask(case.rng, (3, 1, 4))
        out, w = pub.check_sdpa(learner, ref, Q, K, V, mask)
        # change batch element 0 only: the others must not move
        Q2, K2, V2 = Q.copy(), K.copy(), V.copy()
        Q2[0], K2[0], V2[0] = case.randn(3, 5, scale=3.0), case.randn(4, 5), case.randn(4, 2)
        out2, w2 = pub.pair_result(learner.scaled_dot_product_attention(Q2, K2, V2, mask),
                                   pub.sdpa_name(Q2, K2, V2, mask, "result"))
        rtol, atol = (2e-4, 2e-5) if case.dtype == np.float32 else (1e-6, 1e-8)
        same = bool(np.allclose(out2.data[1:], out[1:], rtol=rtol, atol=atol)
                    and np.allclose(w2.data[1:], w[1:], rtol=rtol, atol=atol))
        expect_true(same,
                    "scaled_dot_product_attention: changing batch element 0 of Q, K and V changed "
                    "the results of the other batch elements; each element must only use its own "
                    "Q, K and V.",
                    "scaled_dot_product_attention: Q, K, V 의 배치 원소 0 만 바꿨는데 다른 배치 "
                    "원소의 결과가 바뀌었습니다; 각 원소는 자신의 Q, K, V 만 써야 합니다.")
        # one element on its own (no batch dim) gives the same as its slice of the batch
        for b in range(3):
            single = pub.pair_result(
                learner.scaled_dot_product_attention(Q[b], K[b], V[b], mask[b]),
                pub.sdpa_name(Q[b], K[b], V[b], mask[b], "result"))[0]
            expect_array(single, out[b], like=Q,
                         name=f"scaled_dot_product_attention out for batch element {b} alone "
                              "(compared with the same element in the batched call)")


def _unchanged(learner, fn: str, args: tuple, expected: Any, part: int | None = None) -> None:
    """Every argument equal to what was passed, and the values right (the check scores only
    then: a function returning zeros modifies nothing)."""
    res = learner.call(fn, *args, return_args=True)
    for i, (before, after) in enumerate(zip(args, res.args_after)):
        if not isinstance(before, np.ndarray):
            continue
        expect_true(same_array(after, before),
                    f"{fn} changed its argument {i + 1} (shape {before.shape}) in place. Inputs "
                    "must not be modified: write x = x - m instead of x -= m, Q = Q / s instead "
                    "of Q /= s.",
                    f"{fn} 가 {i + 1}번째 인자 (형상 {before.shape}) 를 제자리에서 바꿨습니다. "
                    "입력을 수정하면 안 됩니다: x -= m 대신 x = x - m, Q /= s 대신 Q = Q / s 로 "
                    "쓰세요.")
    value = res.value if part is None else pub.pair_result(res.value, fn)[part]
    shapes = ", ".join(str(np.shape(a)) for a in args if isinstance(a, np.ndarray))
    with values_first():
        expect_array(value, expected, name=f"{fn} (inputs of shapes {shapes})", like=args[0])


@check(1, en="inputs are not modified in place", ko="입력을 제자리에서 수정하지 않음")
def test_inputs_not_modified(learner, ref, cases):
    for case in cases(n=1):
        x = case.randn(3, 4, scale=3.0)
        x[0, 1] = -np.inf
        h, hs = case.randn(2, 3), case.randn(2, 4, 3)
        W, Wc, v = case.randn(3, 3), case.randn(6, 5), case.randn(5)
        a = ref.softmax(case.randn(2, 4), axis=-1).astype(case.dtype)
        Q, K, V = pub.sdpa_inputs(case, (2,), 3, 4, 5, 2)
        mask = pub.random_mask(case.rng, (2, 3, 4))
        _unchanged(learner, "softmax", (x, 0), ref.softmax(x, 0))
        _unchanged(learner, "softmax", (x,), ref.softmax(x))
        _unchanged(learner, "attention_weights", (x[1:],), ref.attention_weights(x[1:]))
        _unchanged(learner, "dot_score", (h, hs), ref.dot_score(h, hs))
        _unchanged(learner, "general_score", (h, hs, W), ref.general_score(h, hs, W))
        _unchanged(learner, "concat_score", (h, hs, Wc, v), ref.concat_score(h, hs, Wc, v))
        _unchanged(learner, "context_vector", (a, hs), ref.context_vector(a, hs))
        want = ref.scaled_dot_product_attention(Q, K, V, mask)
        _unchanged(learner, "scaled_dot_product_attention", (Q, K, V, mask), want[0], part=0)
        _unchanged(learner, "scaled_dot_product_attention", (Q, K, V),
                   ref.scaled_dot_product_attention(Q, K, V)[1], part=1)


# ============================================================================ loop oracles


def loop_softmax(row: list[float]) -> list[float]:
    finite = [v for v in row if v != -math.inf]
    if not finite:
        return [0.0] * len(row)
    m = max(finite)
    ex = [math.exp(v - m) if v != -math.inf else 0.0 for v in row]
    total = math.fsum(ex)
    return [e / total for e in ex]


def oracle_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    moved = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    out = np.zeros_like(moved)
    for idx in np.ndindex(moved.shape[:-1]):
        out[idx] = loop_softmax([float(v) for v in moved[idx]])
    return np.moveaxis(out, -1, axis)


def oracle_sdpa(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray]:
    batch, (tq, d), (tk, dv) = Q.shape[:-2], Q.shape[-2:], V.shape[-2:]
    allowed = np.ones(batch + (tq, tk), bool) if mask is None else \
        np.broadcast_to(mask, batch + (tq, tk))
    out, weights = np.zeros(batch + (tq, dv)), np.zeros(batch + (tq, tk))
    for b in np.ndindex(batch):
        for i in range(tq):
            scores = [math.fsum(float(Q[b][i, k]) * float(K[b][j, k]) for k in range(d))
                      / math.sqrt(d) if allowed[b][i, j] else -math.inf for j in range(tk)]
            weights[b][i] = loop_softmax(scores)
            for c in range(dv):
                out[b][i, c] = math.fsum(weights[b][i, j] * float(V[b][j, c]) for j in range(tk))
    return out, weights


@check(1, en="softmax: more shapes and seeds against an independent loop oracle",
       ko="softmax: 더 많은 형상과 시드에서 독립적인 반복문 오라클과 비교")
def test_softmax_oracle(learner, ref, cases):
    for case in cases(n=2):
        for shape, axis in [((1,), 0), ((4, 1), 1), ((2, 3, 2, 4), 2), ((2, 3, 2, 4), -1),
                            ((5, 2), -2), ((3, 30), 1)]:
            x = case.randn(*shape, scale=4.0)
            x[case.rng.random(shape) < 0.1] = -np.inf
            expect_array(learner.softmax(x, axis), oracle_softmax(x, axis), like=x,
                         name=f"softmax(x, axis={axis}) for x of shape {shape}",
                         mistakes=pub.softmax_mistakes(x, axis) + pub.all_inf_mistakes(x, axis))


@check(1, en="scaled_dot_product_attention: edge shapes (T = 1, d = 1, batch 1) against an "
             "independent loop oracle",
       ko="scaled_dot_product_attention: 경계 형상 (T = 1, d = 1, 배치 1) 을 독립적인 반복문 "
          "오라클과 비교")
def test_sdpa_oracle(learner, ref, cases):
    configs = [((), 1, 1, 1, 1, None), ((1,), 1, 7, 2, 1, (1, 1, 7)), ((1, 1), 3, 1, 1, 2, None),
               ((2,), 2, 3, 64, 3, (3,)), ((), 5, 2, 3, 3, (5, 2))]
    for case in cases(n=1):
        for i, (batch, tq, tk, d, dv, mshape) in enumerate(configs):
            Q, K, V = pub.sdpa_inputs(case, batch, tq, tk, d, dv)
            mask = None if mshape is None else pub.random_mask(case.rng, mshape)
            want_out, want_w = oracle_sdpa(Q, K, V, mask)
            out, w = pub.pair_result(pub.call_sdpa(learner, Q, K, V, mask, i),
                                     pub.sdpa_name(Q, K, V, mask, "result"))
            expect_array(w, want_w, name=pub.sdpa_name(Q, K, V, mask, "weights"), like=Q,
                         mistakes=pub.sdpa_mistakes(Q, K, V, mask, 1))
            expect_array(out, want_out, name=pub.sdpa_name(Q, K, V, mask, "out"), like=Q,
                         mistakes=pub.sdpa_mistakes(Q, K, V, mask, 0))


@check(1, en="scores and context vector against independent loop oracles",
       ko="점수와 맥락 벡터를 독립적인 반복문 오라클과 비교")
def test_scores_oracle(learner, ref, cases):
    for case in cases(n=1):
        N, T, H, A = 2, 3, 4, 5
        h, hs = case.randn(N, H), case.randn(N, T, H)
        W, Wc, v = case.randn(H, H), case.randn(2 * H, A, scale=0.6), case.randn(A)
        a = np.asarray(oracle_softmax(case.randn(N, T), -1), dtype=case.dtype)
        f = np.float64
        dot = np.array([[math.fsum(f(h[n, k]) * f(hs[n, t, k]) for k in range(H))
                         for t in range(T)] for n in range(N)])
        gen = np.array([[math.fsum(f(h[n, i]) * f(W[i, j]) * f(hs[n, t, j])
                                   for i in range(H) for j in range(H))
                         for t in range(T)] for n in range(N)])
        cat = np.zeros((N, T))
        for n in range(N):
            for t in range(T):
                joined = [f(x) for x in h[n]] + [f(x) for x in hs[n, t]]
                hidden = [math.tanh(math.fsum(joined[i] * f(Wc[i, j]) for i in range(2 * H)))
                          for j in range(A)]
                cat[n, t] = math.fsum(hidden[j] * f(v[j]) for j in range(A))
        ctx = np.array([[math.fsum(f(a[n, t]) * f(hs[n, t, k]) for t in range(T))
                         for k in range(H)] for n in range(N)])
        expect_array(learner.dot_score(h, hs), dot, like=h, name="dot_score(h, hs)",
                     mistakes=pub.score_mistakes("dot", h, hs))
        expect_array(learner.general_score(h, hs, W), gen, like=h, name="general_score(h, hs, W)",
                     mistakes=pub.score_mistakes("general", h, hs, W))
        expect_array(learner.concat_score(h, hs, Wc, v), cat, like=h,
                     name="concat_score(h, hs, W, v)",
                     mistakes=pub.score_mistakes("concat", h, hs, Wc, v))
        expect_array(learner.context_vector(a, hs), ctx, like=hs, name="context_vector(a, hs)",
                     mistakes=pub.context_mistakes(a, hs))
