"""Hidden checks for masked_attention: rows with no allowed key, PyTorch oracles, errors, dtypes
and untouched inputs.

Every property or error check first verifies values on the same inputs, so an all-zero output or
a function that always raises earns nothing here.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from grader.api import (Mistake, RemoteArray, check, expect_array, expect_raises, expect_true,
                        Text, fail, same_array, sibling, values_first)

P = sibling(__file__)


def _rows(got, expected, keep: np.ndarray, *, name: str, like, mistakes=()) -> None:
    """Compare only rows where `keep` (a mask over the leading axes) is True."""
    expect_array(got, expected, name=name, like=like, kind="tensor", tol=(math.inf, math.inf))
    expected = expected.detach().numpy() if hasattr(expected, "detach") else expected
    sliced = [Mistake(m.id, m.en, m.ko, lambda m=m: np.asarray(m.output())[keep])
              for m in mistakes]
    expect_array(RemoteArray(got.kind, got.data[keep]), expected[keep],
                 name=f"{name} on the rows that have an allowed key", like=like, kind="tensor",
                 mistakes=sliced)


def _no_nan(got: RemoteArray, name: str) -> None:
    expect_true(not np.isnan(got.data).any(),
                f"{name}: rows with no allowed key gave NaN (softmax of a row of only -inf is "
                f"0/0). {NO_NAN_FIX.en}", f"{name}: 허용된 키가 없는 행이 NaN 입니다 (-inf 만 있는 "
                f"행의 softmax 는 0/0). {NO_NAN_FIX.ko}")


# repairing NaN after the softmax (nan_to_num, where) fixes the values but not the gradients:
# the softmax's backward pass still computes 0/0 for such rows
NO_NAN_FIX = Text(
    "Keep such rows away from the softmax: give them finite scores first (has_key = "
    "mask.any(-1, keepdim=True); scores = torch.where(has_key, scores, 0)), then zero their "
    "weights (weights * has_key).",
    "그런 행은 소프트맥스 전에 유한한 점수로 바꾸고 (has_key = mask.any(-1, keepdim=True); "
    "scores = torch.where(has_key, scores, 0)), 뒤에서 가중치를 0 으로 만드세요 "
    "(weights * has_key).")


def _finite_grads(learner, ref, a: dict, case, name: str) -> None:
    """Gradients of sum(out * U) w.r.t. x and every weight: finite, and the reference's."""
    names = ["x", "Wq", "Wk", "Wv"]
    inputs = [a[k].detach().clone().requires_grad_(True) for k in names]
    exp_out, _ = P.ref_msa(ref, a)
    up = P.tensor(case.randn(*exp_out.shape))
    res = learner.call("masked_self_attention", *inputs, a["mask"],
                       grad={"path": [0], "upstream": up})
    for k, got, exp in zip(names, res.grads["inputs"], P._ref_grads(ref, a, 0, up, names)):
        grad_name = f"{name}: gradient of sum(out * upstream) w.r.t. {k}"
        if got is None:  # out does not depend on k here (every row masked): zero is right
            expect_true(not exp.any(), f"{grad_name}: no gradient reached {k}.",
                        f"{grad_name}: {k} 까지 기울기가 전달되지 않았습니다.")
            continue
        expect_true(not np.isnan(got.data).any(),
                    f"{grad_name} contains NaN, although the values are right: replacing NaN "
                    "after the softmax (torch.nan_to_num, torch.where) leaves 0/0 in its "
                    f"backward pass, and training would break. {NO_NAN_FIX.en}",
                    f"{grad_name} 에 NaN 이 있습니다 (값은 맞습니다): 소프트맥스 뒤에서 NaN 을 "
                    "바꾸면 (torch.nan_to_num, torch.where) 역전파에 0/0 이 남아 학습이 "
                    f"망가집니다. {NO_NAN_FIX.ko}")
        expect_array(got, exp, name=grad_name, like=a["x"].numpy(), kind="tensor")


UNIFORM = ("rows with no allowed key got equal weights: a large finite fill such as -1e9 makes "
           "every key equally likely when all are masked; those rows must be all zeros",
           "허용된 키가 없는 행이 균등한 가중치를 받았습니다: -1e9 같은 큰 유한값으로 채우면 모든 키가 "
           "가려졌을 때 모두 같은 확률이 됩니다; 그런 행은 모두 0 이어야 합니다")


@check(2, en="masked_self_attention: rows with no allowed key give zeros, never NaN (values "
             "and gradients)",
       ko="masked_self_attention: 허용된 키가 없는 행은 NaN 이 아니라 0 (값과 기울기)")
def test_attention_fully_masked(learner, ref, cases):
    for case in cases(n=1):
        a = P.draw_msa(case, t_min=2)
        N, T = a["x"].shape[:2]
        shape = (N, T, T) if case.index % 2 == 0 else (T, T)
        a["mask"] = P.random_mask(case.rng, shape, empty_rows=2 if len(shape) == 3 else 1)
        out, weights = P.call_msa(learner, a)
        exp_out, exp_w = P.ref_msa(ref, a)
        keep = np.broadcast_to(a["mask"].numpy().any(-1), (N, T))
        name, like = P.shape_text(a), a["x"].numpy()
        _rows(weights, exp_w, keep, name=f"{name} weights", like=like,
              mistakes=P.msa_mistakes(a, 1))
        _rows(out, exp_out, keep, name=f"{name} out", like=like, mistakes=P.msa_mistakes(a, 0))
        args = (a["x"], a["Wq"], a["Wk"], a["Wv"], a["mask"])
        for got, exp, which, label in ((weights, exp_w, 1, "weights"), (out, exp_out, 0, "out")):
            _no_nan(got, f"{name} {label}")
            uniform = P.msa_variant(*args, fill=-1e9, empty="nan")[which]
            expect_array(got, exp, name=f"{name} {label}", like=like, kind="tensor",
                         mistakes=[Mistake("uniform-rows", *UNIFORM, uniform)])
        _finite_grads(learner, ref, a, case, name)


def _sdpa_oracle(a: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """PyTorch's scaled_dot_product_attention (bool attn_mask: True = take part, as ours)."""
    x = a["x"]
    Q, K, V = x @ a["Wq"], x @ a["Wk"], x @ a["Wv"]
    T = x.shape[1]
    eye = torch.eye(T, dtype=x.dtype).expand(x.shape[0], T, T)
    with torch.no_grad():
        out = F.scaled_dot_product_attention(Q, K, V, attn_mask=a.get("mask"))
        weights = F.scaled_dot_product_attention(Q, K, eye, attn_mask=a.get("mask"))  # w @ I = w
    return out, weights


@check(1, en="masked_self_attention agrees with torch's scaled_dot_product_attention",
       ko="masked_self_attention 이 torch 의 scaled_dot_product_attention 과 일치")
def test_attention_oracle(learner, cases):
    for case in cases(n=2):
        a = P.draw_msa(case, N=1 if case.index == 0 else None, T=1 if case.index == 0 else None)
        N, T = a["x"].shape[:2]
        a["mask"] = [None, P.causal_tril(T), P.random_mask(case.rng, (N, T, T)),
                     P.random_mask(case.rng, (T, T))][case.index]
        out, weights = P.call_msa(learner, a)
        exp_out, exp_w = _sdpa_oracle(a)
        name, like = P.shape_text(a), a["x"].numpy()
        expect_array(weights, exp_w, name=f"{name} weights (oracle: F.scaled_dot_product_"
                     "attention)", like=like, kind="tensor", mistakes=P.msa_mistakes(a, 1))
        expect_array(out, exp_out, name=f"{name} out (oracle: F.scaled_dot_product_attention)",
                     like=like, kind="tensor", mistakes=P.msa_mistakes(a, 0))


def _allowed(a: dict) -> np.ndarray:
    """(N, T, T) True where query i may attend key j in multi_head_self_attention."""
    N, T = a["x"].shape[:2]
    allowed = np.ones((N, T, T), dtype=bool)
    if a["causal"]:
        allowed &= np.tril(np.ones((T, T), dtype=bool))
    if a["kpm"] is not None:
        allowed &= ~a["kpm"].numpy()[:, None, :]
    return allowed


def _mha_oracle(a: dict) -> torch.Tensor:
    """nn.MultiheadAttention adapted to our conventions (see the table in the spec)."""
    x = a["x"]
    N, T, D = x.shape
    mha = torch.nn.MultiheadAttention(D, a["H"], bias=False, batch_first=True, dtype=x.dtype)
    with torch.no_grad():
        # it stores projections as (out, in) and computes x @ W.T: hand it our W transposed
        mha.in_proj_weight.copy_(torch.cat([a["Wq"].T, a["Wk"].T, a["Wv"].T]))
        mha.out_proj.weight.copy_(a["Wo"].T)
        # its boolean attn_mask means "NOT allowed": the opposite of causal_mask. Padding is
        # folded into a per-(sequence, head) mask: its key_padding_mask argument runs a shape
        # check that imports sympy, half a second of every grade.
        blocked = torch.zeros(N, T, T, dtype=torch.bool)
        if a["causal"]:
            blocked |= ~torch.ones(T, T, dtype=torch.bool).tril()
        if a["kpm"] is not None:
            blocked |= a["kpm"][:, None, :]
        attn_mask = blocked.repeat_interleave(a["H"], dim=0)  # (N * heads, T, T), batch-major
        out, _ = mha(x, x, x, attn_mask=attn_mask, need_weights=False)
    return out


def _padding(rng: np.random.Generator, N: int, T: int, left: bool) -> torch.Tensor:
    pad = rng.integers(0, T, N)  # at most T - 1 padded positions per sequence
    pad[0] = max(1, pad[0])
    idx = np.arange(T)[None, :]
    kpm = idx < pad[:, None] if left else idx >= (T - pad)[:, None]
    return torch.from_numpy(kpm)


@check(2, en="multi_head_self_attention agrees with torch.nn.MultiheadAttention",
       ko="multi_head_self_attention 이 torch.nn.MultiheadAttention 과 일치")
def test_mha_oracle(learner, cases):
    for case in cases(n=2):
        configs = [(1, True, None), (2, False, "right")] if case.index % 2 == 0 else \
            [(4, True, "left"), (3, False, "left")]
        for H, causal, pad in configs:
            a = P.draw_mha(case, H, N=1 if case.index == 0 else None, t_min=2)
            N, T = a["x"].shape[:2]
            a["causal"] = causal
            a["kpm"] = None if pad is None else _padding(case.rng, N, T, pad == "left")
            keep = _allowed(a).any(-1)
            got = P.call_mha(learner, a)
            name = f"{P.mha_text(a)} (oracle: nn.MultiheadAttention)"
            _rows(got, _mha_oracle(a), keep, name=name, like=a["x"].numpy(),
                  mistakes=P.mha_mistakes(a))


@check(1, en="multi_head_self_attention: queries with no allowed key output zeros, never NaN",
       ko="multi_head_self_attention: 볼 수 있는 키가 없는 쿼리는 NaN 이 아니라 0 출력")
def test_mha_fully_masked(learner, ref, cases):
    for case in cases(n=1):
        a = P.draw_mha(case, int(case.rng.integers(1, 4)), t_min=3)
        N, T = a["x"].shape[:2]
        a["kpm"] = _padding(case.rng, N, T, left=True)  # causal + left padding: early rows empty
        keep = _allowed(a).any(-1)
        got = P.call_mha(learner, a)
        expected = P.ref_mha(ref, a)
        name, like = P.mha_text(a), a["x"].numpy()
        _rows(got, expected, keep, name=name, like=like, mistakes=P.mha_mistakes(a))
        _no_nan(got, name)
        uniform = [Mistake("uniform-rows", *UNIFORM, lambda: _uniform_mha(a))]
        expect_array(got, expected, name=name, like=like, kind="tensor", mistakes=uniform)


def _uniform_mha(a: dict) -> torch.Tensor:
    """The output when masked scores get -1e9 instead of -inf (empty rows become uniform)."""
    x, H = a["x"], a["H"]
    N, T, D = x.shape
    dh = D // H
    split = [(x @ W).reshape(N, T, H, dh).transpose(1, 2) for W in (a["Wq"], a["Wk"], a["Wv"])]
    s = split[0] @ split[1].transpose(-2, -1) / math.sqrt(dh)
    s = s.masked_fill(~torch.from_numpy(_allowed(a))[:, None], -1e9)
    return (torch.softmax(s, -1) @ split[2]).transpose(1, 2).reshape(N, T, D) @ a["Wo"]


@check(1, en="multi_head_self_attention: ValueError when num_heads < 1 or does not divide D",
       ko="multi_head_self_attention: num_heads < 1 이거나 D 를 나누지 못하면 ValueError")
def test_mha_value_error(learner, ref, cases):
    for case in cases(n=1, dtypes=("float32",)):
        a = P.draw_mha(case, 2, t_min=2)
        a["Wq"], a["Wk"], a["Wv"], a["Wo"] = (P.tensor(case.randn(6, 6, scale=0.5))
                                             for _ in range(4))
        a["x"] = P.tensor(case.randn(2, 3, 6))
        for H in (1, 2, 3, 6):
            a["H"] = H
            with values_first():
                expect_array(P.call_mha(learner, a), P.ref_mha(ref, a), name=P.mha_text(a),
                             like=a["x"].numpy(), kind="tensor", mistakes=P.mha_mistakes(a))
        for H in (0, -2, 4, 5, 12):
            a["H"] = H
            expect_raises("ValueError", lambda: P.call_mha(learner, a), name=P.mha_text(a))


@check(1, en="outputs keep the input dtype (float32 stays float32, float64 stays float64)",
       ko="출력 dtype 은 입력 dtype 과 같음 (float32 는 float32, float64 는 float64)")
def test_output_dtype(learner, ref, cases):
    for case in cases(n=1, dtypes=("float32", "float64")):
        a = P.draw_msa(case, t_min=2)
        a["mask"] = P.causal_tril(a["x"].shape[1])
        with values_first():
            out, weights = P.call_msa(learner, a)
        exp_out, exp_w = P.ref_msa(ref, a)
        name, like = P.shape_text(a), a["x"].numpy()
        for got, exp, label in ((out, exp_out, "out"), (weights, exp_w, "weights")):
            _dtype(got, case.dtype, f"{name} {label}")
            with values_first():
                expect_array(got, exp, name=f"{name} {label}", like=like, kind="tensor")
        m = P.draw_mha(case, 2, t_min=2)
        got = P.call_mha(learner, m)
        _dtype(got, case.dtype, P.mha_text(m))
        with values_first():
            expect_array(got, P.ref_mha(ref, m), name=P.mha_text(m), like=like, kind="tensor")


def _dtype(got, dtype: np.dtype, name: str) -> None:
    if isinstance(got, RemoteArray) and got.dtype != dtype:
        raise fail(f"{name}: {dtype.name} inputs must give a {dtype.name} tensor, got "
                   f"{got.dtype.name}. Create helper tensors with dtype=x.dtype (torch.zeros(..., "
                   "dtype=x.dtype)) and do not call .float() or .double().",
                   f"{name}: {dtype.name} 입력이면 {dtype.name} 텐서여야 하는데 {got.dtype.name} "
                   "입니다. 보조 텐서는 dtype=x.dtype 으로 만들고 (torch.zeros(..., dtype=x.dtype)) "
                   ".float() 나 .double() 을 쓰지 마세요.")


@check(1, en="inputs (x, weights, masks) are not modified in place",
       ko="입력 (x, 가중치, 마스크) 을 제자리에서 바꾸지 않음")
def test_inputs_not_modified(learner, ref, cases):
    for case in cases(n=1):
        a = P.draw_msa(case, t_min=2)
        N, T = a["x"].shape[:2]
        a["mask"] = P.random_mask(case.rng, (N, T, T))
        msa_args = [a["x"], a["Wq"], a["Wk"], a["Wv"], a["mask"]]
        res = learner.call("masked_self_attention", *msa_args, return_args=True)
        _unchanged(res.args_after, msa_args, ["x", "Wq", "Wk", "Wv", "mask"], P.shape_text(a))
        exp_out, exp_w = P.ref_msa(ref, a)
        like = a["x"].numpy()
        with values_first():  # the check scores only where the values are right too
            out, weights = P.as_pair(res.value, P.shape_text(a))
            expect_array(weights, exp_w, name=f"{P.shape_text(a)} weights", like=like,
                         kind="tensor")
            expect_array(out, exp_out, name=f"{P.shape_text(a)} out", like=like, kind="tensor")

        m = P.draw_mha(case, 2, t_min=3)
        m["kpm"] = _padding(case.rng, m["x"].shape[0], m["x"].shape[1], left=False)
        mha_args = list(P.mha_args(m)) + [True, m["kpm"]]
        res = learner.call("multi_head_self_attention", *mha_args, return_args=True)
        _unchanged(res.args_after, mha_args,
                   ["x", "Wq", "Wk", "Wv", "Wo", "num_heads", "causal", "key_padding_mask"],
                   P.mha_text(m))
        with values_first():
            expect_array(res.value, P.ref_mha(ref, m), name=P.mha_text(m), like=like,
                         kind="tensor")


def _unchanged(after: list, before: list, names: list[str], call: str) -> None:
    for got, orig, arg in zip(after, before, names):
        if not isinstance(orig, torch.Tensor):
            continue
        expect_true(same_array(got, orig), f"{call}: the argument {arg} was modified in place. Work on new "
                          "tensors (x @ W, masked_fill, ~mask) instead of in-place operations "
                          "(masked_fill_, div_, /=, logical_not_).",
                    f"{call}: 인자 {arg} 가 제자리에서 바뀌었습니다. 제자리 연산(masked_fill_, div_, "
                    "/=, logical_not_) 대신 새 텐서(x @ W, masked_fill, ~mask)로 계산하세요.")
