"""Public checks for attention: values against the reference on seeded random inputs.

The wrong variants below (what a classic mistake would return on the same inputs) turn a failed
comparison into a message that names the mistake. They run here, in numpy only.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from grader.api import (Args, Mistake, check, describe, expect_array, expect_true, fail,
                        runtime_warnings)

# ============================================================================ wrong variants


def _quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A wrong variant may overflow or divide 0 by 0: that is its point, so no warnings."""
    def run(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return run


@_quiet
def softmax_variant(x: np.ndarray, axis: int = -1, *, shift: str = "slice",
                    keepdims: bool = True, guard: bool = True) -> np.ndarray:
    """softmax with one thing changed.

    shift: "slice" (correct), "none" (no max subtraction), "global" (the max of the whole array).
    keepdims=False broadcasts the max and the sum against the wrong axis.
    guard=False lets an all -inf slice become NaN (-inf - (-inf)).
    """
    if shift == "slice":
        m = np.max(x, axis=axis, keepdims=keepdims)
        if guard:
            m = np.where(np.isfinite(m), m, 0)
    elif shift == "global":
        m = np.max(x)
    else:
        m = 0
    e = np.exp(x - m)
    s = np.sum(e, axis=axis, keepdims=keepdims)
    if guard:
        return np.divide(e, s, out=np.zeros_like(e), where=s > 0)
    return e / s


@_quiet
def softmax_everything(x: np.ndarray) -> np.ndarray:
    """Normalised over the whole array instead of one axis."""
    e = np.exp(x - np.max(x))
    return e / e.sum()


def softmax_mistakes(x: np.ndarray, axis: int) -> list[Mistake]:
    return [
        Mistake("softmax-axis-ignored",
                "the softmax was taken over the last axis whatever `axis` says; pass axis to "
                "max() and sum()",
                "axis 인자와 상관없이 마지막 축으로 소프트맥스했습니다; max() 와 sum() 에 axis 를 "
                "넘기세요",
                lambda: softmax_variant(x, -1)),
        Mistake("softmax-no-max-shift",
                "no max subtraction: exp() of a large input overflows to inf (inf/inf = NaN) and "
                "exp() of a very negative one underflows to 0 (0/0 = NaN); compute "
                "exp(x - x.max(axis, keepdims=True))",
                "최댓값을 빼지 않았습니다: 큰 입력의 exp() 는 inf 로 넘쳐(inf/inf = NaN), 아주 작은 "
                "입력의 exp() 는 0 이 됩니다(0/0 = NaN); exp(x - x.max(axis, keepdims=True)) 를 "
                "계산하세요",
                lambda: softmax_variant(x, axis, shift="none")),
        Mistake("softmax-global-max",
                "the max of the whole array was subtracted instead of each slice's max: in a slice "
                "far below it every exp() underflows to 0 (giving 0/0 = NaN or zeros); use "
                "x.max(axis=axis, keepdims=True)",
                "각 조각의 최댓값 대신 배열 전체의 최댓값을 뺐습니다: 그보다 훨씬 작은 조각은 exp() 가 "
                "모두 0 이 됩니다 (0/0 = NaN 또는 0); x.max(axis=axis, keepdims=True) 를 쓰세요",
                lambda: softmax_variant(x, axis, shift="global")),
        Mistake("softmax-keepdims",
                "the max or the sum lost its axis (keepdims=False) and was broadcast along the "
                "wrong axis; use keepdims=True",
                "max 나 sum 의 축이 사라져(keepdims=False) 엉뚱한 축으로 브로드캐스트되었습니다; "
                "keepdims=True 를 쓰세요",
                lambda: softmax_variant(x, axis, keepdims=False)),
        Mistake("softmax-whole-array",
                "the whole array was normalised at once; normalise each slice along `axis`",
                "배열 전체를 한꺼번에 정규화했습니다; axis 를 따라 조각마다 정규화하세요",
                lambda: softmax_everything(x)),
    ]


def all_inf_mistakes(x: np.ndarray, axis: int) -> list[Mistake]:
    uniform = _quiet(lambda: np.where(np.isneginf(x).all(axis=axis, keepdims=True),
                                      1.0 / x.shape[axis], softmax_variant(x, axis)))
    return [
        Mistake("all-inf-nan",
                "an all -inf slice gave NaN: its max is -inf and -inf - (-inf) is NaN (or its "
                "sum is 0 and 0/0 is NaN); shift such slices by 0 and leave their weights at 0",
                "전부 -inf 인 조각이 NaN 이 되었습니다: 최댓값이 -inf 라 -inf - (-inf) = NaN "
                "이거나, 합이 0 이라 0/0 = NaN 입니다; 그런 조각은 0 만큼 이동하고 가중치를 0 으로 "
                "두세요",
                lambda: softmax_variant(x, axis, guard=False)),
        Mistake("all-inf-uniform",
                "an all -inf slice gave equal weights; it must give all zeros",
                "전부 -inf 인 조각이 균등한 가중치가 되었습니다; 모두 0 이어야 합니다",
                uniform),
    ]


# ---------------------------------------------------------------------------- scores


def score_mistakes(kind: str, h: np.ndarray, hs: np.ndarray, *params: np.ndarray
                   ) -> list[Mistake]:
    dot_wrong_axis = Mistake(
        "dot-wrong-axis", "the products h[n] * hs[n, t] were summed over T instead of over H",
        "h[n] * hs[n, t] 의 곱을 H 가 아니라 T 축으로 더했습니다",
        lambda: (hs * h[:, None, :]).sum(axis=1))
    if kind == "dot":
        return [dot_wrong_axis]
    if kind == "general":
        (W,) = params
        return [
            Mistake("general-W-transposed",
                    "the score used W transposed (hs @ W @ h); it is h[n] @ W @ hs[n, t], "
                    "decoder state on the left",
                    "W 의 전치를 썼습니다 (hs @ W @ h); 점수는 h[n] @ W @ hs[n, t] 로 디코더 상태가 "
                    "왼쪽입니다",
                    lambda: np.einsum("nh,nth->nt", h @ W.T, hs)),
            Mistake("general-W-ignored", "W was left out: that is the dot score",
                    "W 가 빠졌습니다: 그것은 dot 점수입니다",
                    lambda: np.einsum("nh,nth->nt", h, hs)),
        ]
    W, v = params
    H = h.shape[1]

    def concat(first: np.ndarray, second: np.ndarray, tanh: bool = True) -> np.ndarray:
        z = first + second
        return (np.tanh(z) if tanh else z) @ v

    h_part, hs_part = (h @ W[:H])[:, None, :], hs @ W[H:]
    return [
        Mistake("concat-swapped",
                "the concatenation was built as (hs[n, t], h[n]); the decoder state comes "
                "first: concat(h[n], hs[n, t]) @ W",
                "(hs[n, t], h[n]) 순서로 연결했습니다; 디코더 상태가 먼저입니다: "
                "concat(h[n], hs[n, t]) @ W",
                lambda: concat((hs @ W[:H]), (h @ W[H:])[:, None, :])),
        Mistake("concat-no-tanh", "the tanh is missing: tanh(concat(h, hs_t) @ W) @ v",
                "tanh 가 빠졌습니다: tanh(concat(h, hs_t) @ W) @ v",
                lambda: concat(h_part, hs_part, tanh=False)),
    ]


# ---------------------------------------------------------------------------- SDPA


@_quiet
def sdpa_variant(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None = None,
                 *, scale: str = "sqrt", axis: int = -1, masking: str = "neginf"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention with one thing changed (numpy, in the grading process).

    scale: "sqrt" | "none" | "d", or a number to divide by.   axis: the softmax axis (-1 keys,
    -2 queries).
    masking: "neginf" (correct) | "ignored" | "inverted" | "zero" (blocked scores set to 0) |
             "after" (weights * mask) | "after_renorm" (then divided by the row sum) |
             "finite" (blocked scores set to -1e9: a fully masked row becomes uniform) |
             "nan" (-inf fill with an unguarded softmax: a fully masked row becomes NaN).
    """
    d = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2)
    scores = scores / ({"sqrt": np.sqrt(d), "none": 1.0, "d": float(d)}[scale]
                       if isinstance(scale, str) else scale)
    allowed = None if mask is None else np.broadcast_to(mask, scores.shape)
    if allowed is not None and masking == "inverted":
        allowed = ~allowed
    if allowed is not None and masking in ("neginf", "inverted", "nan"):
        scores = np.where(allowed, scores, -np.inf)
    elif allowed is not None and masking == "zero":
        scores = np.where(allowed, scores, 0.0)
    elif allowed is not None and masking == "finite":
        scores = np.where(allowed, scores, -1e9)
    weights = softmax_variant(scores, axis, guard=masking != "nan")
    if allowed is not None and masking in ("after", "after_renorm"):
        weights = weights * allowed
        if masking == "after_renorm":
            weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ V, weights


SDPA_MISTAKES = [
    ("sdpa-unscaled", {"scale": "none"},
     "the scores were not scaled: weights = softmax(Q @ K^T / sqrt(d))",
     "점수를 스케일하지 않았습니다: weights = softmax(Q @ K^T / sqrt(d))"),
    ("sdpa-scaled-by-d", {"scale": "d"},
     "the scores were divided by d; divide by sqrt(d)",
     "점수를 d 로 나눴습니다; sqrt(d) 로 나누세요"),
    ("sdpa-softmax-over-queries", {"axis": -2},
     "the softmax ran over the queries (axis -2); each query's weights over the keys (the last "
     "axis) must sum to 1",
     "소프트맥스를 쿼리 축(axis -2)으로 했습니다; 쿼리마다 키 축(마지막 축)의 가중치 합이 1 이어야 "
     "합니다"),
    ("mask-ignored", {"masking": "ignored"},
     "the mask was ignored", "마스크를 무시했습니다"),
    ("mask-inverted", {"masking": "inverted"},
     "the mask polarity is inverted: True means the query MAY attend the key (PyTorch's "
     "convention); block the keys where mask is False",
     "마스크의 의미가 반대입니다: True 는 쿼리가 그 키를 볼 수 있다는 뜻입니다 (PyTorch 규칙); "
     "mask 가 False 인 키를 막으세요"),
    ("mask-zero-fill", {"masking": "zero"},
     "blocked scores were set to 0, but exp(0) = 1 still gives them weight; set them to -inf "
     "before the softmax",
     "막힌 점수를 0 으로 두었지만 exp(0) = 1 이라 여전히 가중치를 받습니다; 소프트맥스 전에 -inf "
     "로 두세요"),
    ("mask-after-softmax", {"masking": "after"},
     "the mask was applied after the softmax, so the remaining weights no longer sum to 1; fill "
     "blocked scores with -inf before the softmax",
     "소프트맥스 뒤에 마스크를 적용해 남은 가중치의 합이 1 이 아닙니다; 소프트맥스 전에 막힌 점수를 "
     "-inf 로 채우세요"),
    ("fully-masked-nan", {"masking": "nan"},
     "a query with no allowed key got NaN: its scores are all -inf and the softmax computed "
     "-inf - (-inf) or 0/0 (for instance after renormalising weights masked after the softmax); "
     "such a query must get zero weights and a zero output",
     "볼 수 있는 키가 없는 쿼리가 NaN 이 되었습니다: 점수가 모두 -inf 라 소프트맥스가 "
     "-inf - (-inf) 나 0/0 을 계산했습니다 (예: 소프트맥스 뒤에 마스크하고 다시 정규화); 그런 쿼리의 "
     "가중치와 출력은 0 이어야 합니다"),
    ("fully-masked-uniform", {"masking": "finite"},
     "a query with no allowed key got equal weights on every key: filling blocked scores with a "
     "large finite negative number makes them all equal; such a query must get zero weights and "
     "a zero output",
     "볼 수 있는 키가 없는 쿼리가 모든 키에 같은 가중치를 받았습니다: 막힌 점수를 큰 유한 음수로 "
     "채우면 모두 같아집니다; 그런 쿼리의 가중치와 출력은 0 이어야 합니다"),
]


def sdpa_mistakes(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None,
                  part: int) -> list[Mistake]:
    """Named wrong variants of output `part` (0: out, 1: weights)."""
    found = []
    for mid, kw, en, ko in SDPA_MISTAKES:
        if mask is None and "masking" in kw:
            continue
        found.append(Mistake(mid, en, ko,
                             lambda kw=kw: sdpa_variant(Q, K, V, mask, **kw)[part]))
    d = Q.shape[-1]
    if V.shape[-1] not in (d, 1):  # sqrt(1) would be the unscaled variant
        found.append(Mistake(
            "sdpa-scaled-by-dv", f"the scores were divided by sqrt(dv) = sqrt({V.shape[-1]}), "
            f"V's size; d is the size of the queries and keys: Q.shape[-1] = {d}",
            f"점수를 V 의 크기 sqrt(dv) = sqrt({V.shape[-1]}) 로 나눴습니다; d 는 쿼리와 키의 크기 "
            f"Q.shape[-1] = {d} 입니다",
            lambda: sdpa_variant(Q, K, V, mask, scale=float(np.sqrt(V.shape[-1])))[part]))
    for size in dict.fromkeys(n for n in Q.shape[:-1] if n not in (d, 1)):
        found.append(Mistake(
            "sdpa-d-wrong-axis", f"the scores were divided by sqrt({size}), another axis's size: "
            f"d is the last axis, Q.shape[-1] = {d} (Q.shape[1] is d only without batch axes)",
            f"점수를 다른 축의 크기 sqrt({size}) 로 나눴습니다: d 는 마지막 축 Q.shape[-1] = {d} "
            "입니다 (Q.shape[1] 은 배치 축이 없을 때만 d 입니다)",
            lambda size=size: sdpa_variant(Q, K, V, mask, scale=float(np.sqrt(size)))[part]))
    return found


# ============================================================================ helpers


def pair_result(result: Any, name: str) -> tuple[Any, Any]:
    """The (out, weights) pair a call returned (a list of two is accepted as well)."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise fail(f"{name}: expected the tuple (out, weights), got {describe(result)}.",
                   f"{name}: (out, weights) 튜플이어야 하는데 {describe(result)} 입니다.")
    return result[0], result[1]


def random_mask(rng: np.random.Generator, shape: tuple[int, ...], p: float = 0.6
                ) -> np.ndarray:
    """A boolean mask with at least one allowed key in every row (last axis)."""
    mask = rng.random(shape) < p
    keep = rng.integers(0, shape[-1], shape[:-1] + (1,))
    np.put_along_axis(mask, keep, True, axis=-1)
    return mask


def sdpa_name(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None,
              part: str) -> str:
    where = f"mask of shape {mask.shape}" if mask is not None else "no mask"
    return (f"scaled_dot_product_attention {part} for Q {Q.shape}, K {K.shape}, V {V.shape}, "
            f"{where}")


def call_sdpa(learner: Any, Q: np.ndarray, K: np.ndarray, V: np.ndarray,
              mask: np.ndarray | None, style: int = 0) -> Any:
    """Call with the mask passed in one of the ways the contract allows."""
    if mask is None:
        return learner.scaled_dot_product_attention(Q, K, V)
    if style % 2:
        return learner.scaled_dot_product_attention(Q, K, V, mask=mask)
    return learner.scaled_dot_product_attention(Q, K, V, mask)


def check_sdpa(learner: Any, ref: Any, Q: np.ndarray, K: np.ndarray, V: np.ndarray,
               mask: np.ndarray | None = None, style: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Values of out and weights against the reference, then blocked weights exactly 0."""
    return verify_sdpa(call_sdpa(learner, Q, K, V, mask, style), ref, Q, K, V, mask)


def verify_sdpa(got: Any, ref: Any, Q: np.ndarray, K: np.ndarray, V: np.ndarray,
                mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """check_sdpa for a result already computed."""
    want_out, want_w = ref.scaled_dot_product_attention(Q, K, V, mask)
    out, w = pair_result(got, sdpa_name(Q, K, V, mask, "result"))
    shapes = (getattr(out, "shape", None), getattr(w, "shape", None))
    if want_out.shape != want_w.shape and shapes == (want_w.shape, want_out.shape):
        raise fail(f"{sdpa_name(Q, K, V, mask, 'result')}: the pair came back as (weights, out); "
                   "return (out, weights).",
                   f"{sdpa_name(Q, K, V, mask, 'result')}: (weights, out) 순서로 반환했습니다; "
                   "(out, weights) 로 반환하세요.")
    w = expect_array(w, want_w, name=sdpa_name(Q, K, V, mask, "weights"), like=Q,
                     mistakes=sdpa_mistakes(Q, K, V, mask, 1))
    out = expect_array(out, want_out, name=sdpa_name(Q, K, V, mask, "out"), like=Q,
                       mistakes=sdpa_mistakes(Q, K, V, mask, 0))
    if mask is not None:
        blocked = ~np.broadcast_to(mask, w.shape)
        leaked = np.abs(w[blocked]).max(initial=0.0)
        expect_true(leaked == 0.0,
                    f"{sdpa_name(Q, K, V, mask, 'weights')}: blocked keys must get weight "
                    f"exactly 0, but one got {leaked:.3g}. Fill blocked scores with -inf (not a "
                    "finite number) before the softmax.",
                    f"{sdpa_name(Q, K, V, mask, 'weights')}: 막힌 키의 가중치는 정확히 0 이어야 "
                    f"하는데 {leaked:.3g} 입니다. 소프트맥스 전에 막힌 점수를 (유한한 수가 아니라) "
                    "-inf 로 채우세요.")
    return out, w


def sdpa_inputs(case: Any, batch: tuple[int, ...], tq: int, tk: int, d: int, dv: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (case.randn(*batch, tq, d, scale=1.5), case.randn(*batch, tk, d, scale=1.5),
            case.randn(*batch, tk, dv))


# ============================================================================ softmax checks

SOFTMAX_SHAPES = [((6,), -1), ((5, 5), -1), ((4, 4), 0), ((3, 7), -1), ((2, 3, 5), 1),
                  ((2, 3, 5), -3), ((1, 4), 0), ((3, 4), -2)]


@check(3, en="softmax: values along the given axis (1-D to 3-D, negative axes)",
       ko="softmax: 주어진 축을 따라 계산한 값 (1~3차원, 음수 축)")
def test_softmax_values(learner, ref, cases):
    inputs = [(case.randn(*shape, scale=2.0), axis, i) for case in cases(n=2)
              for i, (shape, axis) in enumerate(SOFTMAX_SHAPES)]
    answers = learner.each("softmax", [
        Args(x) if axis == -1 and i % 2 else  # the default axis
        Args(x, axis=axis) if i % 2 else Args(x, axis) for x, axis, i in inputs])
    for (x, axis, _), got in zip(inputs, answers):
        expect_array(got, ref.softmax(x, axis),
                     name=f"softmax(x, axis={axis}) for x of shape {x.shape}", like=x,
                     mistakes=softmax_mistakes(x, axis))


def stable_inputs(case: Any) -> list[tuple[np.ndarray, int]]:
    """Inputs up to 1e4 in magnitude, with rows far apart from each other."""
    near = case.randn(4, 5, scale=2.0)
    offsets = np.array([[1e4], [-1e4], [0.0], [5e3]])
    return [
        (case.uniform(-1e4, 1e4, 3, 6), -1),
        (near + offsets.astype(case.dtype), -1),  # large positive and large negative rows
        ((near - 1e4).T.copy(), 0),
        (np.full((2, 3), 1e4, dtype=case.dtype), -1),
        ((near * 1e3).astype(case.dtype), 1),
    ]


@check(3, en="softmax: stable for inputs up to 1e4 in magnitude (finite, correct values, no "
             "overflow warning)",
       ko="softmax: 크기 1e4 까지의 입력에서 안정적 (유한하고 올바른 값, overflow 경고 없음)")
def test_softmax_stable(learner, ref, cases):
    warned = []
    for case in cases(n=1):
        for x, axis in stable_inputs(case):
            x = x.astype(case.dtype)
            call = learner.call("softmax", x, axis)
            name = f"softmax(x, axis={axis}) for x of shape {x.shape} with |x| up to " \
                   f"{np.abs(x).max():.3g}"
            # float32 holds 1e4 only to ~1e-3, so a correct softmax that folds the max into a
            # log-sum-exp (exp(x - (m + log s))) legitimately loses ~5e-4 relative precision
            tol = (2e-3, 1e-4) if case.dtype == np.float32 else None
            data = expect_array(call.value, ref.softmax(x, axis), name=name, like=x, tol=tol,
                                mistakes=softmax_mistakes(x, axis))
            expect_true(bool(np.isfinite(data).all()),
                        f"{name}: the result contains NaN or inf.",
                        f"{name}: 결과에 NaN 또는 inf 가 있습니다.")
            warned += [(name, line) for line in
                       runtime_warnings(call, "overflow", "invalid value")]  # underflow is fine
    name, line = warned[0] if warned else ("", "")
    expect_true(not warned,
                f"{name}: the values are right, but numpy warned while computing them:\n"
                f"    {line[-200:]}\nnp.exp of a large number overflows even when the result "
                "is thrown away later. Subtract each slice's max first, so that every exponent "
                "is <= 0, and compute only that.",
                f"{name}: 값은 맞지만 계산 중에 numpy 경고가 났습니다:\n    {line[-200:]}\n"
                "큰 수의 np.exp 는 나중에 버리더라도 넘칩니다. 먼저 슬라이스마다 최댓값을 빼서 "
                "모든 지수가 0 이하가 되게 하고, 그것만 계산하세요.")


def with_neg_inf(case: Any, shape: tuple[int, ...], axis: int, whole: bool) -> np.ndarray:
    """Random values with some -inf entries (never a whole slice unless `whole`)."""
    x = case.randn(*shape, scale=2.0)
    x[case.rng.random(shape) < 0.35] = -np.inf
    moved = np.moveaxis(x, axis, -1)  # a view: edits reach x
    first = moved[..., :1]
    moved[..., :1] = np.where(np.isneginf(first), case.randn(*first.shape), first)
    if whole:
        moved[(0,) * (moved.ndim - 1)] = -np.inf  # one slice along `axis` entirely -inf
    return x


def check_neg_inf(learner, ref, cases, whole: bool) -> None:
    for case in cases(n=2):
        for shape, axis in [((3, 5), -1), ((4, 3), 0), ((2, 3, 4), 1)]:
            x = with_neg_inf(case, shape, axis, whole)
            name = f"softmax(x, axis={axis}) for x of shape {shape} with -inf entries" + \
                   (" (one slice entirely -inf)" if whole else "")
            mistakes = softmax_mistakes(x, axis) + all_inf_mistakes(x, axis)
            data = expect_array(learner.softmax(x, axis), ref.softmax(x, axis), name=name,
                                like=x, mistakes=mistakes)
            blocked = np.isneginf(x)
            expect_true(bool((data[blocked] == 0).all()),
                        f"{name}: -inf entries must get weight exactly 0.",
                        f"{name}: -inf 원소의 가중치는 정확히 0 이어야 합니다.")


@check(1, en="softmax: -inf entries get weight exactly 0",
       ko="softmax: -inf 원소의 가중치는 정확히 0")
def test_softmax_neg_inf(learner, ref, cases):
    check_neg_inf(learner, ref, cases, whole=False)


@check(1, en="softmax: a slice that is entirely -inf gives zeros (not NaN)",
       ko="softmax: 전부 -inf 인 조각은 0 (NaN 아님)")
def test_softmax_all_neg_inf(learner, ref, cases):
    check_neg_inf(learner, ref, cases, whole=True)


# ============================================================================ score checks

SCORE_SHAPES = [(3, 5, 4), (2, 3, 3), (1, 1, 1), (4, 1, 2), (1, 6, 5)]  # (N, T, H)


def check_score(learner, ref, cases, kind: str) -> None:
    inputs = []
    for case in cases(n=2):
        for N, T, H in SCORE_SHAPES:
            h, hs = case.randn(N, H), case.randn(N, T, H)
            A = T + 1  # the concat hidden size differs from H and T
            params = {"dot": (), "general": (case.randn(H, H),),
                      "concat": (case.randn(2 * H, A, scale=0.7), case.randn(A))}[kind]
            inputs.append((h, hs, *params))
    fn = f"{kind}_score"
    for args, got in zip(inputs, learner.each(fn, [Args(*args) for args in inputs])):
        h, hs, *params = args
        shapes = ", ".join(str(a.shape) for a in args)
        expect_array(got, getattr(ref, fn)(*args),
                     name=f"{fn} for h, hs{', W' if params else ''}"
                          f"{', v' if len(params) > 1 else ''} of shapes {shapes}",
                     like=h, mistakes=score_mistakes(kind, *args))


@check(1, en="dot_score: h[n] · hs[n, t]", ko="dot_score: h[n] · hs[n, t]")
def test_dot_score(learner, ref, cases):
    check_score(learner, ref, cases, "dot")


@check(2, en="general_score: h[n] @ W @ hs[n, t]", ko="general_score: h[n] @ W @ hs[n, t]")
def test_general_score(learner, ref, cases):
    check_score(learner, ref, cases, "general")


@check(2, en="concat_score: tanh(concat(h, hs_t) @ W) @ v, decoder state first",
       ko="concat_score: tanh(concat(h, hs_t) @ W) @ v, 디코더 상태가 먼저")
def test_concat_score(learner, ref, cases):
    check_score(learner, ref, cases, "concat")


# ============================================================================ weights, context


@check(1, en="attention_weights: softmax over T, rows sum to 1",
       ko="attention_weights: T 축 소프트맥스, 행의 합이 1")
def test_attention_weights(learner, ref, cases):
    for case in cases(n=2):
        for N, T in [(3, 5), (1, 4), (4, 4), (2, 1)]:
            scores = case.randn(N, T, scale=3.0)
            name = f"attention_weights(scores) for scores of shape {(N, T)}"
            data = expect_array(learner.attention_weights(scores), ref.attention_weights(scores),
                                name=name, like=scores, mistakes=[
                                    Mistake("weights-over-batch",
                                            "the softmax ran over the batch axis N; it must run "
                                            "over T (axis=-1)",
                                            "배치 축 N 으로 소프트맥스했습니다; T 축(axis=-1)으로 "
                                            "해야 합니다",
                                            lambda: softmax_variant(scores, 0)),
                                    *softmax_mistakes(scores, -1)[1:]])
            tol = 1e-4 if case.dtype == np.float32 else 1e-10
            expect_true(bool(np.allclose(data.sum(axis=-1), 1.0, rtol=0, atol=tol)),
                        f"{name}: every row must sum to 1.", f"{name}: 각 행의 합이 1 이어야 합니다.")


def context_mistakes(a: np.ndarray, hs: np.ndarray) -> list[Mistake]:
    return [
        Mistake("context-wrong-axis",
                "the weighted states were summed over the batch axis N; sum over T "
                "(axis=1 of a[:, :, None] * hs)",
                "가중된 상태를 배치 축 N 으로 더했습니다; T 축(a[:, :, None] * hs 의 axis=1)으로 "
                "더하세요",
                lambda: (a[:, :, None] * hs).sum(axis=0)),
        Mistake("context-mean", "the weighted states were averaged over T; the context is their "
                "sum (the weights already sum to 1)",
                "가중된 상태를 T 축으로 평균냈습니다; 맥락 벡터는 합입니다 (가중치의 합이 이미 1)",
                lambda: (a[:, :, None] * hs).mean(axis=1)),
        Mistake("context-unweighted", "the weights were not applied: c[n] = sum_t a[n, t] hs[n, t]",
                "가중치를 곱하지 않았습니다: c[n] = sum_t a[n, t] hs[n, t]",
                lambda: hs.sum(axis=1)),
    ]


@check(2, en="context_vector: weighted sum of the encoder states over T",
       ko="context_vector: 인코더 상태들의 T 축 가중합")
def test_context_vector(learner, ref, cases):
    inputs = []
    for case in cases(n=2):
        for N, T, H in [(3, 5, 4), (4, 4, 4), (1, 1, 3), (2, 6, 1), (3, 3, 2)]:
            a = ref.softmax(case.randn(N, T, scale=2.0), axis=-1).astype(case.dtype)
            inputs.append((a, case.randn(N, T, H)))
    answers = learner.each("context_vector", [Args(a, hs) for a, hs in inputs])
    for (a, hs), got in zip(inputs, answers):
        expect_array(got, ref.context_vector(a, hs),
                     name=f"context_vector(a, hs) for a of shape {a.shape}, hs of shape "
                          f"{hs.shape}", like=hs, mistakes=context_mistakes(a, hs))


# ============================================================================ SDPA checks

SDPA_SHAPES = [((), 3, 5, 4, 2), ((2,), 4, 3, 8, 5), ((2, 3), 2, 4, 3, 6), ((1,), 1, 1, 1, 1),
               ((), 1, 6, 16, 3)]  # (batch dims, Tq, Tk, d, dv)


@check(3, en="scaled_dot_product_attention: out and weights without a mask "
             "(0, 1 and 2 batch dims, Tq != Tk, dv != d)",
       ko="scaled_dot_product_attention: 마스크 없이 out 과 weights "
          "(배치 축 0/1/2 개, Tq != Tk, dv != d)")
def test_sdpa_values(learner, ref, cases):
    inputs = [sdpa_inputs(case, *shape) for case in cases(n=2) for shape in SDPA_SHAPES]
    answers = learner.each("scaled_dot_product_attention", [Args(*qkv) for qkv in inputs])
    for (Q, K, V), got in zip(inputs, answers):
        verify_sdpa(got, ref, Q, K, V)


@check(2, en="scaled_dot_product_attention: boolean mask of full shape, True = may attend; "
             "blocked weights exactly 0",
       ko="scaled_dot_product_attention: 전체 형상의 bool 마스크, True = 볼 수 있음; "
          "막힌 가중치는 정확히 0")
def test_sdpa_mask(learner, ref, cases):
    for case in cases(n=2):
        for i, (batch, tq, tk, d, dv) in enumerate(SDPA_SHAPES[:3] + [((3,), 5, 5, 4, 4)]):
            Q, K, V = sdpa_inputs(case, batch, tq, tk, d, dv)
            mask = random_mask(case.rng, batch + (tq, tk))
            check_sdpa(learner, ref, Q, K, V, mask, style=i)
