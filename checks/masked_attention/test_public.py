"""Public checks for masked_attention: causal masks, masked self-attention, multi-head attention.

Every expected value comes from the reference run on the same seeded inputs; the named wrong
variants below are computed on those inputs too, so a wrong answer can be explained.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from grader.api import Mistake, RemoteArray, check, expect_array, expect_true, fail

NEG_INF = float("-inf")


# ---------------------------------------------------------------------------- inputs
def tensor(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(a))
    return t.requires_grad_(True) if grad else t


def draw_msa(case, N: int | None = None, T: int | None = None, t_min: int = 1) -> dict:
    """x (N, T, D), Wq/Wk (D, dk), Wv (D, dv) with dk >= 2 so that scale mistakes show."""
    r = case.rng
    N = int(r.integers(1, 4)) if N is None else N
    T = int(r.integers(t_min, 7)) if T is None else T
    D, dk, dv = int(r.integers(2, 7)), int(r.integers(2, 6)), int(r.integers(1, 6))
    if dk * dk == D:  # sqrt(D) == dk would make two named mistakes identical
        D += 1
    x = case.randn(N, T, D)
    w = [case.randn(D, n, scale=1.5 / math.sqrt(D)) for n in (dk, dk, dv)]
    return {"x": tensor(x), "Wq": tensor(w[0]), "Wk": tensor(w[1]), "Wv": tensor(w[2])}


def causal_tril(T: int) -> torch.Tensor:
    """The causal mask built here, for checks that must not rely on the reference."""
    return torch.ones(T, T, dtype=torch.bool).tril()


def random_mask(rng: np.random.Generator, shape: tuple, empty_rows: int = 0) -> torch.Tensor:
    """A boolean mask, True = may attend, with at least one allowed key per row unless told."""
    m = rng.random(shape) < 0.5
    rows = m.reshape(-1, shape[-1])
    rows[np.arange(len(rows)), rng.integers(0, shape[-1], len(rows))] = True
    if empty_rows:
        rows[rng.choice(len(rows), size=min(empty_rows, len(rows)), replace=False)] = False
    return torch.from_numpy(rows.reshape(shape).copy())


def shape_text(a: dict) -> str:
    x, mask = a["x"], a.get("mask")
    m = "None" if mask is None else f"bool {tuple(mask.shape)}"
    return (f"masked_self_attention(x {tuple(x.shape)}, Wq {tuple(a['Wq'].shape)}, "
            f"Wk {tuple(a['Wk'].shape)}, Wv {tuple(a['Wv'].shape)}, mask={m})")


def as_pair(got, name: str) -> tuple:
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        kind = type(got).__name__ if not isinstance(got, RemoteArray) else "a single tensor"
        raise fail(f"{name}: expected a tuple (out, weights), got {kind}.",
                   f"{name}: (out, weights) 튜플이어야 하는데 {kind} 입니다.")
    return got[0], got[1]


def ref_msa(ref, a: dict) -> tuple:
    with torch.no_grad():
        return ref.masked_self_attention(a["x"], a["Wq"], a["Wk"], a["Wv"], a.get("mask"))


def call_msa(learner, a: dict, explicit_none: bool = False) -> tuple:
    args = (a["x"], a["Wq"], a["Wk"], a["Wv"])
    if a.get("mask") is not None:
        got = learner.masked_self_attention(*args, a["mask"])
    elif explicit_none:
        got = learner.masked_self_attention(*args, mask=None)
    else:
        got = learner.masked_self_attention(*args)
    return as_pair(got, shape_text(a))


# ---------------------------------------------------------------------------- named mistakes
def msa_variant(x, Wq, Wk, Wv, mask, *, scale="sqrt", fill="-inf", after=False, invert=False,
                axis=-1, swap=False, empty="zero"):
    """masked_self_attention computed with one deliberate error (torch, the inputs' dtype)."""
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    dk, D = Wq.shape[-1], x.shape[-1]
    div = {"sqrt": math.sqrt(dk), "none": 1.0, "dk": float(dk), "sqrtD": math.sqrt(D)}[scale]
    s = (K @ Q.transpose(-2, -1) if swap else Q @ K.transpose(-2, -1)) / div
    allowed = None if mask is None else (~mask if invert else mask)
    if allowed is not None and not after:
        s = s.masked_fill(~allowed, NEG_INF if fill == "-inf" else float(fill))
    w = torch.softmax(s, dim=axis)
    if allowed is not None and after:
        w = w * allowed
    if empty == "zero":
        w = torch.nan_to_num(w, nan=0.0)
    return w @ V, w


TEXTS = {
    "softmax-query-axis": (
        "the softmax ran over the query axis; it must run over the keys (the last axis, dim=-1) "
        "so that every row of weights sums to 1",
        "softmax 를 쿼리 축으로 했습니다; 키 축(마지막 축, dim=-1)으로 해야 weights 의 각 행의 합이 "
        "1 이 됩니다"),
    "k-q-swapped": (
        "the scores were K @ Q^T (transposed); scores[n, i, j] = q_i . k_j is Q @ K^T, with "
        "queries on the rows",
        "점수를 K @ Q^T (전치) 로 계산했습니다; scores[n, i, j] = q_i . k_j, 즉 Q @ K^T (행이 쿼리) "
        "입니다"),
    "mask-inverted": (
        "the mask was inverted: True means the query MAY attend the key (as in "
        "scaled_dot_product_attention); hide the positions where the mask is False",
        "마스크를 반대로 썼습니다: True 는 쿼리가 그 키를 볼 수 있다는 뜻입니다 "
        "(scaled_dot_product_attention 과 같음); mask 가 False 인 곳을 가리세요"),
    "mask-zero-fill": (
        "masked scores were set to 0 (or multiplied by the mask); a score of 0 still gets weight "
        "exp(0) > 0. Fill them with -inf before the softmax",
        "가려진 점수를 0 으로 두었습니다 (또는 마스크를 곱했습니다); 점수 0 도 exp(0) > 0 의 가중치를 "
        "받습니다. softmax 전에 -inf 로 채우세요"),
    "mask-after-softmax": (
        "the mask was applied after the softmax, so rows no longer sum to 1; fill disallowed "
        "scores with -inf before the softmax",
        "softmax 뒤에 마스크를 적용해 행의 합이 1 이 아닙니다; softmax 전에 허용되지 않은 점수를 "
        "-inf 로 채우세요"),
}


def msa_mistakes(a: dict, which: int) -> list[Mistake]:
    """Wrong variants of masked_self_attention; which = 0 for out, 1 for weights."""
    args = (a["x"], a["Wq"], a["Wk"], a["Wv"], a.get("mask"))

    def v(**kw):
        def run():
            with torch.no_grad():
                return msa_variant(*args, **kw)[which]
        return run

    items = [
        Mistake("unscaled", "the scores were not scaled: use Q @ K^T / sqrt(dk)",
                "점수를 스케일하지 않았습니다: Q @ K^T / sqrt(dk) 를 쓰세요", v(scale="none")),
        Mistake("scaled-by-dk", "the scores were divided by dk; divide by sqrt(dk)",
                "점수를 dk 로 나눴습니다; sqrt(dk) 로 나누세요", v(scale="dk")),
        Mistake("scaled-by-D", "the scores were divided by sqrt(D), the width of x; the scale is "
                "sqrt(dk), the width of Q and K (Wq.shape[1])",
                "점수를 x 의 폭 D 의 제곱근으로 나눴습니다; 스케일은 Q, K 의 폭 dk (Wq.shape[1]) 의 "
                "제곱근입니다", v(scale="sqrtD")),
        Mistake("softmax-query-axis", *TEXTS["softmax-query-axis"], v(axis=-2)),
        Mistake("k-q-swapped", *TEXTS["k-q-swapped"], v(swap=True)),
    ]
    if a.get("mask") is not None:
        items += [
            Mistake("mask-inverted", *TEXTS["mask-inverted"], v(invert=True)),
            Mistake("mask-inverted", *TEXTS["mask-inverted"], v(invert=True, empty="nan")),
            Mistake("mask-zero-fill", *TEXTS["mask-zero-fill"], v(fill=0.0)),
            Mistake("mask-after-softmax", *TEXTS["mask-after-softmax"], v(after=True)),
        ]
    return items


def causal_variants(T: int) -> list[Mistake]:
    ones = torch.ones(T, T, dtype=torch.bool)
    return [
        Mistake("causal-strict", "the diagonal is missing: a query may attend itself, so the mask "
                "is j <= i (torch.tril with diagonal=0), not j < i",
                "대각선이 빠졌습니다: 쿼리는 자기 자신을 볼 수 있으므로 마스크는 j < i 가 아니라 "
                "j <= i (diagonal=0 인 torch.tril) 입니다", ones.tril(-1)),
        Mistake("causal-upper", "the mask is transposed (the upper triangle, j >= i); rows are "
                "queries, so True goes on and below the diagonal (key j <= query i)",
                "마스크가 전치되었습니다 (위 삼각, j >= i); 행이 쿼리이므로 True 는 대각선과 그 "
                "아래 (키 j <= 쿼리 i) 에 있어야 합니다", ones.triu()),
        Mistake("causal-inverted", "the mask is inverted (True on the future, j > i, like "
                "nn.MultiheadAttention's attn_mask); here True means may attend: j <= i",
                "마스크가 반대입니다 (미래 j > i 가 True, nn.MultiheadAttention 의 attn_mask 처럼); "
                "여기서 True 는 볼 수 있음, 즉 j <= i 입니다", ones.triu(1)),
    ]


# ---------------------------------------------------------------------------- multi-head
def draw_mha(case, H: int, N: int | None = None, T: int | None = None, t_min: int = 1) -> dict:
    r = case.rng
    N = int(r.integers(1, 4)) if N is None else N
    T = int(r.integers(t_min, 7)) if T is None else T
    dh = int(r.integers(2, 4))
    if dh == H:  # sqrt(D) == dh would make two named mistakes identical
        dh = 5 - dh
    D = H * dh
    x = case.randn(N, T, D)
    w = [tensor(case.randn(D, D, scale=1.5 / math.sqrt(D))) for _ in range(4)]
    return {"x": tensor(x), "Wq": w[0], "Wk": w[1], "Wv": w[2], "Wo": w[3], "H": H,
            "causal": True, "kpm": None}


def mha_text(a: dict) -> str:
    kpm = "None" if a["kpm"] is None else f"bool {tuple(a['kpm'].shape)}"
    return (f"multi_head_self_attention(x {tuple(a['x'].shape)}, W* ({a['x'].shape[-1]}, "
            f"{a['x'].shape[-1]}), num_heads={a['H']}, causal={a['causal']}, "
            f"key_padding_mask={kpm})")


def mha_args(a: dict) -> tuple:
    return a["x"], a["Wq"], a["Wk"], a["Wv"], a["Wo"], a["H"]


def call_mha(learner, a: dict):
    kw = {"causal": a["causal"]}
    if a["kpm"] is not None:
        kw["key_padding_mask"] = a["kpm"]
    return learner.multi_head_self_attention(*mha_args(a), **kw)


def ref_mha(ref, a: dict) -> torch.Tensor:
    with torch.no_grad():
        return ref.multi_head_self_attention(*mha_args(a), a["causal"], a["kpm"])


def _split(M, H, how):
    N, T, D = M.shape
    dh = D // H
    if how == "interleave":  # head h gets columns h, H + h, 2H + h, ...
        return M.reshape(N, T, dh, H).permute(0, 3, 1, 2)
    if how == "no-transpose":  # (N, T, D) read straight as (N, H, T, dh)
        return M.reshape(N, H, T, dh)
    return M.reshape(N, T, H, dh).transpose(1, 2)


def _merge(O, how):
    N, H, T, dh = O.shape
    if how == "interleave":
        return O.permute(0, 2, 3, 1).reshape(N, T, H * dh)
    if how == "no-transpose":
        return O.reshape(N, T, H * dh)
    return O.transpose(1, 2).reshape(N, T, H * dh)


def mha_variant(x, Wq, Wk, Wv, Wo, H, causal, kpm, *, scale="sqrt_dh", split="contig",
                merge="contig", wo="right", causal_kind="tril", pad="keys", fill="-inf", axis=-1,
                swap=False):
    """multi_head_self_attention with one deliberate error; empty rows give zeros."""
    N, T, D = x.shape
    dh = D // H
    div = {"sqrt_dh": math.sqrt(dh), "sqrt_D": math.sqrt(D), "D": float(D), "dh": float(dh),
           "none": 1.0}[scale]
    Q, K, V = (_split(x @ W, H, split) for W in (Wq, Wk, Wv))
    allowed = torch.ones(N, 1, T, T, dtype=torch.bool)
    if causal:
        ones = torch.ones(T, T, dtype=torch.bool)
        allowed = allowed & {"tril": ones.tril(), "strict": ones.tril(-1), "upper": ones.triu(),
                             "inverted": ones.triu(1), "ignored": ones}[causal_kind]
    if kpm is not None:
        allowed = allowed & {"keys": ~kpm[:, None, None, :], "queries": ~kpm[:, None, :, None],
                             "inverted": kpm[:, None, None, :],
                             "ignored": torch.ones_like(kpm)[:, None, None, :]}[pad]
    if fill == "inverted":
        allowed = ~allowed
    s = (K @ Q.transpose(-2, -1) if swap else Q @ K.transpose(-2, -1)) / div
    if fill != "after":
        s = s.masked_fill(~allowed, 0.0 if fill == "zero" else NEG_INF)
    w = torch.nan_to_num(torch.softmax(s, dim=axis), nan=0.0)
    heads = (w * allowed if fill == "after" else w) @ V
    cat = _merge(heads, merge)
    return {"right": cat @ Wo, "none": cat, "T": cat @ Wo.T}[wo]


def mha_mistakes(a: dict) -> list[Mistake]:
    args = mha_args(a) + (a["causal"], a["kpm"])

    def v(**kw):
        def run():
            with torch.no_grad():
                return mha_variant(*args, **kw)
        return run

    interleaved = ("heads took interleaved columns (h::H, or view(N, T, dh, H)); head h owns the "
                   "contiguous block of columns h*dh:(h+1)*dh: view(N, T, H, dh).transpose(1, 2)",
                   "헤드가 교차된 열(h::H, 또는 view(N, T, dh, H))을 가져갔습니다; 헤드 h 는 연속된 "
                   "열 h*dh:(h+1)*dh 를 씁니다: view(N, T, H, dh).transpose(1, 2)")
    causal_texts = {m.id: (m.en, m.ko) for m in causal_variants(2)}
    items = [
        Mistake("mha-scale-sqrt-D", "the scores were divided by sqrt(D); each head divides by "
                "sqrt(dh), dh = D // num_heads", "점수를 sqrt(D) 로 나눴습니다; 각 헤드는 "
                "sqrt(dh) (dh = D // num_heads) 로 나눕니다", v(scale="sqrt_D")),
        Mistake("mha-scale-D", "the scores were divided by D; each head divides by sqrt(dh), "
                "dh = D // num_heads", "점수를 D 로 나눴습니다; 각 헤드는 sqrt(dh) "
                "(dh = D // num_heads) 로 나눕니다", v(scale="D")),
        Mistake("mha-scale-dh", "the scores were divided by dh; divide by sqrt(dh)",
                "점수를 dh 로 나눴습니다; sqrt(dh) 로 나누세요", v(scale="dh")),
        Mistake("mha-unscaled", "the scores were not scaled: divide Q_h K_h^T by sqrt(dh)",
                "점수를 스케일하지 않았습니다: Q_h K_h^T 를 sqrt(dh) 로 나누세요", v(scale="none")),
        Mistake("heads-interleaved", *interleaved, v(split="interleave", merge="interleave")),
        Mistake("heads-interleaved", *interleaved, v(split="interleave")),
        Mistake("heads-reshape-no-transpose", "x @ Wq was reshaped straight to (N, H, T, dh), "
                "which mixes positions with heads; reshape to (N, T, H, dh), then transpose(1, 2)",
                "x @ Wq 를 바로 (N, H, T, dh) 로 reshape 해 위치와 헤드가 섞였습니다; "
                "(N, T, H, dh) 로 바꾼 뒤 transpose(1, 2) 하세요",
                v(split="no-transpose", merge="no-transpose")),
        Mistake("merge-no-transpose", "the head outputs (N, H, T, dh) were reshaped straight to "
                "(N, T, D); transpose(1, 2) back to (N, T, H, dh) before concatenating",
                "헤드 출력 (N, H, T, dh) 을 바로 (N, T, D) 로 reshape 했습니다; 이어 붙이기 전에 "
                "transpose(1, 2) 로 (N, T, H, dh) 로 되돌리세요", v(merge="no-transpose")),
        Mistake("no-wo", "Wo was not applied: multiply the concatenated heads by Wo",
                "Wo 를 적용하지 않았습니다: 이어 붙인 헤드에 Wo 를 곱하세요", v(wo="none")),
        Mistake("wo-transposed", "the output was multiplied by Wo.T; the weights are (in, out) "
                "matrices used as concat @ Wo (only nn.Linear stores them as (out, in))",
                "출력에 Wo.T 를 곱했습니다; 가중치는 (in, out) 행렬이며 concat @ Wo 로 씁니다 "
                "(nn.Linear 만 (out, in) 으로 저장)", v(wo="T")),
        Mistake("softmax-query-axis", *TEXTS["softmax-query-axis"], v(axis=-2)),
        Mistake("k-q-swapped", *TEXTS["k-q-swapped"], v(swap=True)),
    ]
    if a["causal"] or a["kpm"] is not None:
        items += [Mistake(k, *TEXTS[k], v(fill=f)) for k, f in
                  (("mask-inverted", "inverted"), ("mask-zero-fill", "zero"),
                   ("mask-after-softmax", "after"))]
    if a["causal"]:
        items += [Mistake(k, *causal_texts[k], v(causal_kind=kind)) for k, kind in
                  (("causal-strict", "strict"), ("causal-upper", "upper"),
                   ("causal-inverted", "inverted"))]
        items.append(Mistake("causal-ignored", "causal=True was ignored: apply causal_mask(T)",
                             "causal=True 를 무시했습니다: causal_mask(T) 를 적용하세요",
                             v(causal_kind="ignored")))
    if a["kpm"] is not None:
        items += [
            Mistake("padding-on-queries", "key_padding_mask was applied to the queries (rows of "
                    "the scores); it hides KEYS, the last axis: kpm[:, None, None, :]",
                    "key_padding_mask 를 쿼리(점수의 행)에 적용했습니다; 가려야 할 것은 키, 즉 마지막 "
                    "축입니다: kpm[:, None, None, :]", v(pad="queries")),
            Mistake("padding-inverted", "key_padding_mask was inverted: True marks PADDING, which "
                    "no query may attend (the opposite of mask in masked_self_attention)",
                    "key_padding_mask 를 반대로 썼습니다: True 는 패딩이며 아무 쿼리도 보면 안 됩니다 "
                    "(masked_self_attention 의 mask 와 반대)", v(pad="inverted")),
            Mistake("padding-ignored", "key_padding_mask was ignored",
                    "key_padding_mask 를 무시했습니다", v(pad="ignored")),
        ]
    return items


# ============================================================================ checks
@check(2, en="causal_mask: boolean (T, T), True where key j <= query i",
       ko="causal_mask: 불리언 (T, T), 키 j <= 쿼리 i 인 곳이 True")
def test_causal_mask(learner, ref):
    for T, kw in ((3, {}), (1, {}), (2, {}), (5, {"device": "cpu"}), (8, {})):
        name = f"causal_mask({T}{', device=' + repr(kw['device']) if kw else ''})"
        got = learner.causal_mask(T, **kw)
        if (isinstance(got, RemoteArray) and got.kind == "torch.Tensor" and got.shape == (T, T)
                and got.dtype != np.bool_):
            raise fail(f"{name}: expected a torch.bool tensor, got {got.dtype.name}; build it with "
                       "dtype=torch.bool (e.g. torch.ones(T, T, dtype=torch.bool).tril()).",
                       f"{name}: torch.bool 텐서여야 하는데 {got.dtype.name} 입니다; dtype=torch.bool "
                       "로 만드세요 (예: torch.ones(T, T, dtype=torch.bool).tril()).")
        expect_array(got, ref.causal_mask(T), name=name, kind="tensor", mistakes=causal_variants(T))


@check(3, en="masked_self_attention without a mask: weights and output",
       ko="masked_self_attention 마스크 없이: 가중치와 출력")
def test_attention_no_mask(learner, ref, cases):
    for case in cases(n=2):
        first = case.index % 2 == 0
        a = draw_msa(case, N=1 if first else None, T=1 if case.index == 0 else None)
        out, weights = call_msa(learner, a, explicit_none=not first)
        exp_out, exp_w = ref_msa(ref, a)
        name = shape_text(a)
        expect_array(weights, exp_w, name=f"{name} weights", like=a["x"].numpy(), kind="tensor",
                     mistakes=msa_mistakes(a, 1))
        expect_array(out, exp_out, name=f"{name} out", like=a["x"].numpy(), kind="tensor",
                     mistakes=msa_mistakes(a, 0))


@check(4, en="masked_self_attention with (T, T) and (N, T, T) masks (True = may attend)",
       ko="masked_self_attention 에 (T, T), (N, T, T) 마스크 (True = 볼 수 있음)")
def test_attention_masked(learner, ref, cases):
    for case in cases(n=2):
        a = draw_msa(case, N=1 if case.index == 0 else None, t_min=2)
        N, T = a["x"].shape[:2]
        masks = [ref.causal_mask(T), random_mask(case.rng, (N, T, T)),
                 random_mask(case.rng, (T, T))]
        for mask in masks[:2] if case.index % 2 else masks[::2]:
            a["mask"] = mask
            out, weights = call_msa(learner, a)
            exp_out, exp_w = ref_msa(ref, a)
            name = shape_text(a)
            expect_array(weights, exp_w, name=f"{name} weights", like=a["x"].numpy(),
                         kind="tensor", mistakes=msa_mistakes(a, 1))
            expect_array(out, exp_out, name=f"{name} out", like=a["x"].numpy(), kind="tensor",
                         mistakes=msa_mistakes(a, 0))


@check(2, en="masked_self_attention: masked weights are exactly 0 and rows sum to 1",
       ko="masked_self_attention: 가려진 가중치는 정확히 0, 행의 합은 1")
def test_masked_weights_exact(learner, ref, cases):
    for case in cases(n=1):
        a = draw_msa(case, t_min=3)
        N, T = a["x"].shape[:2]
        a["mask"] = random_mask(case.rng, (N, T, T))
        out, weights = call_msa(learner, a)
        exp_out, exp_w = ref_msa(ref, a)
        name = shape_text(a)
        w = expect_array(weights, exp_w, name=f"{name} weights", like=a["x"].numpy(),
                         kind="tensor", mistakes=msa_mistakes(a, 1))
        expect_array(out, exp_out, name=f"{name} out", like=a["x"].numpy(), kind="tensor")
        blocked = ~a["mask"].numpy()
        leaked = w[blocked]
        expect_true(bool(np.all(leaked == 0.0)),
                    f"{name}: masked weights must be exactly 0, but the largest is "
                    f"{np.abs(leaked).max():.3g}. Fill disallowed scores with -inf (not a finite "
                    "number like -100) before the softmax.",
                    f"{name}: 가려진 가중치는 정확히 0 이어야 하는데 가장 큰 값이 "
                    f"{np.abs(leaked).max():.3g} 입니다. softmax 전에 허용되지 않은 점수를 -inf "
                    "(-100 같은 유한한 수가 아니라) 로 채우세요.")
        sums = w.astype(np.float64).sum(-1)
        tol = 1e-9 if case.dtype == np.float64 else 1e-5
        expect_true(bool(np.all(np.abs(sums - 1.0) <= tol)),
                    f"{name}: every row of weights must sum to 1; a row sums to "
                    f"{sums.flat[np.argmax(np.abs(sums - 1.0))]:.9g}.",
                    f"{name}: weights 의 각 행의 합은 1 이어야 하는데 합이 "
                    f"{sums.flat[np.argmax(np.abs(sums - 1.0))]:.9g} 인 행이 있습니다.")


@check(2, en="masked_self_attention with causal_mask: no leakage from future positions",
       ko="causal_mask 를 쓴 masked_self_attention: 미래 위치의 정보가 새지 않음")
def test_no_future_leakage(learner, ref, cases):
    for case in cases(n=1):
        a = draw_msa(case, t_min=3)
        N, T, D = a["x"].shape
        a["mask"] = ref.causal_mask(T)
        out, weights = call_msa(learner, a)
        exp_out, exp_w = ref_msa(ref, a)
        name = shape_text(a)
        like = a["x"].numpy()
        expect_array(weights, exp_w, name=f"{name} weights", like=like, kind="tensor",
                     mistakes=msa_mistakes(a, 1))
        out1 = expect_array(out, exp_out, name=f"{name} out", like=like, kind="tensor",
                            mistakes=msa_mistakes(a, 0))
        t = int(case.rng.integers(0, T - 1))
        changed = a["x"].clone()
        changed[:, t + 1:] = tensor(case.randn(N, T - t - 1, D, scale=3.0))
        out2, _ = call_msa(learner, {**a, "x": changed})
        kept = expect_array(out2, exp_out, name=f"{name} out after changing x[:, {t + 1}:]",
                            like=like, kind="tensor", tol=(math.inf, math.inf))[:, :t + 1]
        expect_array(RemoteArray(out2.kind, kept), out1[:, :t + 1],
                     name=f"{name}: out[:, :{t + 1}] after changing only x[:, {t + 1}:] (future "
                          f"positions must not affect earlier outputs)",
                     like=like, kind="tensor")


def _ref_grads(ref, a: dict, which: int, upstream: torch.Tensor, names: list[str]) -> list:
    leaves = {k: a[k].detach().clone().requires_grad_(k in names) for k in ("x", "Wq", "Wk", "Wv")}
    res = ref.masked_self_attention(leaves["x"], leaves["Wq"], leaves["Wk"], leaves["Wv"],
                                    a.get("mask"))
    # a scalar loss: autograd.grad with grad_outputs would import sympy (0.6 s) on first use
    return list(torch.autograd.grad((res[which] * upstream).sum(), [leaves[k] for k in names]))


@check(3, en="masked_self_attention: gradients w.r.t. x and every weight (float64)",
       ko="masked_self_attention: x 와 모든 가중치에 대한 기울기 (float64)")
def test_gradients(learner, ref, cases):
    for case in cases(n=3, dtypes=("float64",)):
        a = draw_msa(case, t_min=2)
        N, T = a["x"].shape[:2]
        a["mask"] = [None, ref.causal_mask(T), random_mask(case.rng, (N, T, T))][case.index]
        exp_out, exp_w = ref_msa(ref, a)
        name = shape_text(a)
        for which, names in ((0, ["x", "Wq", "Wk", "Wv"]), (1, ["x", "Wq", "Wk"])):
            inputs = {k: a[k].detach().clone().requires_grad_(k in names)
                      for k in ("x", "Wq", "Wk", "Wv")}
            up = tensor(case.randn(*(exp_out if which == 0 else exp_w).shape))
            args = [inputs[k] for k in ("x", "Wq", "Wk", "Wv")]
            if a["mask"] is not None:
                args.append(a["mask"])
            res = learner.call("masked_self_attention", *args,
                               grad={"path": [which], "upstream": up})
            out, weights = as_pair(res.value, name)
            expect_array(weights, exp_w, name=f"{name} weights", like=a["x"].numpy(),
                         kind="tensor", mistakes=msa_mistakes(a, 1))
            expect_array(out, exp_out, name=f"{name} out", like=a["x"].numpy(), kind="tensor",
                         mistakes=msa_mistakes(a, 0))
            label = "out" if which == 0 else "weights"
            expected = _ref_grads(ref, a, which, up, names)
            for k, got, exp in zip(names, res.grads["inputs"], expected):
                grad_name = f"{name}: gradient of sum({label} * upstream) w.r.t. {k}"
                if got is None:
                    raise fail(f"{grad_name}: no gradient reached {k}; keep every step in torch "
                               "operations on the inputs (no .detach(), .data, numpy or new "
                               "tensors built from values).",
                               f"{grad_name}: {k} 까지 기울기가 전달되지 않았습니다; 모든 계산을 입력에 "
                               "대한 torch 연산으로 하세요 (.detach(), .data, numpy, 값으로 새 텐서 "
                               "만들기 금지).")
                expect_array(got, exp, name=grad_name, like=a["x"].numpy(), kind="tensor")


@check(3, en="multi_head_self_attention: values (1 to 4 heads, causal and not)",
       ko="multi_head_self_attention: 값 (헤드 1~4개, causal 여부)")
def test_mha_values(learner, ref, cases):
    for case in cases(n=2):
        configs = [(2, True), (1, False)] if case.index % 2 == 0 else [(4, True), (3, False)]
        for H, causal in configs:
            a = draw_mha(case, H, N=1 if case.index == 0 else None,
                         T=1 if (case.index, H) == (0, 1) else None)
            a["causal"] = causal
            expect_array(call_mha(learner, a), ref_mha(ref, a), name=mha_text(a),
                         like=a["x"].numpy(), kind="tensor", mistakes=mha_mistakes(a))


@check(2, en="multi_head_self_attention: key_padding_mask hides padded keys (True = padding)",
       ko="multi_head_self_attention: key_padding_mask 는 패딩 키를 가림 (True = 패딩)")
def test_mha_key_padding(learner, ref, cases):
    for case in cases(n=2):
        for causal in (True, False):
            a = draw_mha(case, int(case.rng.integers(1, 4)), t_min=3)
            N, T = a["x"].shape[:2]
            # right padding: lengths from 1 to T, so key 0 is never padding
            lengths = case.rng.integers(1, T + 1, N)
            lengths[0] = max(1, T - 1)
            a["kpm"] = torch.from_numpy(np.arange(T)[None, :] >= lengths[:, None])
            a["causal"] = causal
            expect_array(call_mha(learner, a), ref_mha(ref, a), name=mha_text(a),
                         like=a["x"].numpy(), kind="tensor", mistakes=mha_mistakes(a))
