"""masked_attention: the reference against PyTorch's own attention, and its grading."""

from __future__ import annotations

import importlib.util
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import REPO, failed, grade_file

NAME = "masked_attention"
SOLUTION = REPO / "solutions" / f"{NAME}.py"
STUB = REPO / "exercises" / f"{NAME}.py"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load(SOLUTION, "masked_attention_reference_under_test")
with warnings.catch_warnings():  # its @check marks are registered only under the grader
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    checks = _load(REPO / "checks" / NAME / "test_public.py", "masked_attention_public_under_test")


def _rand(g, *shape, scale=1.0):
    return torch.randn(*shape, generator=g, dtype=torch.float64) * scale


def _msa_inputs(g, N, T, D, dk, dv):
    return (_rand(g, N, T, D), _rand(g, D, dk, scale=D ** -0.5), _rand(g, D, dk, scale=D ** -0.5),
            _rand(g, D, dv, scale=D ** -0.5))


def _mask(g, shape, empty_rows=0):
    m = torch.rand(shape, generator=g, dtype=torch.float64) < 0.5
    rows = m.reshape(-1, shape[-1])
    rows[torch.arange(len(rows)), torch.randint(0, shape[-1], (len(rows),), generator=g)] = True
    rows[:empty_rows] = False
    return rows.reshape(shape)


def _nn_mha(x, Wq, Wk, Wv, Wo, H, causal, kpm):
    T, D = x.shape[1:]
    mha = torch.nn.MultiheadAttention(D, H, bias=False, batch_first=True, dtype=x.dtype)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([Wq.T, Wk.T, Wv.T]))
        mha.out_proj.weight.copy_(Wo.T)
        attn_mask = torch.ones(T, T, dtype=torch.bool).triu(1) if causal else None
        return mha(x, x, x, attn_mask=attn_mask, key_padding_mask=kpm, need_weights=False)[0]


# ------------------------------------------------------------------------- reference vs torch
@pytest.mark.parametrize("T", [1, 2, 5, 9])
def test_causal_mask_matches_torch_convention(T):
    m = ref.causal_mask(T)
    assert m.dtype == torch.bool and m.shape == (T, T)
    i, j = torch.meshgrid(torch.arange(T), torch.arange(T), indexing="ij")
    assert torch.equal(m, j <= i)
    # nn.MultiheadAttention / nn.Transformer's generator marks the future with -inf
    blocked = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    assert torch.equal(m, blocked == 0)


@pytest.mark.parametrize("N,T,D,dk,dv,kind", [
    (1, 1, 3, 2, 4, None), (2, 5, 6, 3, 2, None), (1, 4, 4, 4, 4, "causal"),
    (3, 6, 5, 2, 3, "causal"), (2, 5, 3, 4, 1, "batch"), (2, 4, 2, 3, 5, "shared"),
])
def test_masked_self_attention_matches_sdpa(N, T, D, dk, dv, kind):
    g = torch.Generator().manual_seed(N * 100 + T * 10 + D)
    x, Wq, Wk, Wv = _msa_inputs(g, N, T, D, dk, dv)
    mask = {None: None, "causal": ref.causal_mask(T), "batch": _mask(g, (N, T, T)),
            "shared": _mask(g, (T, T))}[kind]
    out, weights = ref.masked_self_attention(x, Wq, Wk, Wv, mask)
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    eye = torch.eye(T, dtype=x.dtype).expand(N, T, T)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(Q, K, V, attn_mask=mask))
    torch.testing.assert_close(weights, F.scaled_dot_product_attention(Q, K, eye, attn_mask=mask))
    assert out.shape == (N, T, dv) and weights.shape == (N, T, T)
    if mask is not None:
        assert torch.all(weights[~mask.expand(N, T, T)] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(N, T, dtype=x.dtype))


def test_fully_masked_rows_are_zero_and_differentiable():
    g = torch.Generator().manual_seed(3)
    x, Wq, Wk, Wv = (t.requires_grad_(True) for t in _msa_inputs(g, 2, 4, 3, 2, 3))
    mask = _mask(g, (2, 4, 4), empty_rows=2)
    out, weights = ref.masked_self_attention(x, Wq, Wk, Wv, mask)
    empty = ~mask.any(-1)
    assert empty.sum() == 2
    assert torch.all(out[empty] == 0) and torch.all(weights[empty] == 0)
    assert torch.isfinite(out).all() and torch.isfinite(weights).all()
    # gradients are finite (no NaN from the empty rows) and match finite differences
    assert torch.autograd.gradcheck(
        lambda *a: ref.masked_self_attention(*a, mask)[0], (x, Wq, Wk, Wv))
    assert torch.autograd.gradcheck(
        lambda *a: ref.masked_self_attention(*a, mask)[1], (x, Wq, Wk, Wv))


@pytest.mark.parametrize("N,T,H,dh,causal,pad", [
    (1, 1, 1, 3, True, None), (2, 5, 2, 3, True, None), (3, 4, 4, 2, False, None),
    (2, 6, 3, 2, True, "right"), (2, 6, 2, 2, False, "right"), (3, 5, 2, 4, True, "left"),
    (2, 4, 8, 1, False, "left"),
])
def test_multi_head_matches_nn_multihead_attention(N, T, H, dh, causal, pad):
    g = torch.Generator().manual_seed(N + 10 * T + 100 * H)
    D = H * dh
    x = _rand(g, N, T, D)
    Ws = [_rand(g, D, D, scale=D ** -0.5) for _ in range(4)]
    kpm = None
    if pad is not None:
        n_pad = torch.tensor([min(T - 1, 1 + n) for n in range(N)])
        idx = torch.arange(T)[None, :]
        kpm = idx < n_pad[:, None] if pad == "left" else idx >= (T - n_pad)[:, None]
    got = ref.multi_head_self_attention(x, *Ws, H, causal, kpm)
    expected = _nn_mha(x, *Ws, H, causal, kpm)
    allowed = torch.ones(N, T, T, dtype=torch.bool)
    if causal:
        allowed &= ref.causal_mask(T)
    if kpm is not None:
        allowed &= ~kpm[:, None, :]
    keep = allowed.any(-1)
    torch.testing.assert_close(got[keep], expected[keep])
    assert torch.all(got[~keep] == 0)  # nn.MultiheadAttention may give NaN there; we give 0


def test_multi_head_with_one_head_is_masked_self_attention_then_wo():
    g = torch.Generator().manual_seed(5)
    x = _rand(g, 2, 5, 4)
    Wq, Wk, Wv, Wo = (_rand(g, 4, 4, scale=0.5) for _ in range(4))
    out, _ = ref.masked_self_attention(x, Wq, Wk, Wv, ref.causal_mask(5))
    torch.testing.assert_close(ref.multi_head_self_attention(x, Wq, Wk, Wv, Wo, 1), out @ Wo)


@pytest.mark.parametrize("H", [0, -1, 4, 5, 12])
def test_multi_head_rejects_bad_num_heads(H):
    x, W = torch.zeros(1, 2, 6), torch.zeros(6, 6)
    with pytest.raises(ValueError):
        ref.multi_head_self_attention(x, W, W, W, W, H)


def test_keeps_dtype_and_inputs():
    g = torch.Generator().manual_seed(9)
    x, Wq, Wk, Wv = (t.float() for t in _msa_inputs(g, 2, 3, 4, 2, 2))
    mask = ref.causal_mask(3)
    before = [t.clone() for t in (x, Wq, Wk, Wv, mask)]
    out, weights = ref.masked_self_attention(x, Wq, Wk, Wv, mask)
    assert out.dtype == weights.dtype == torch.float32
    assert all(torch.equal(a, b) for a, b in zip(before, (x, Wq, Wk, Wv, mask)))


# ------------------------------------------------------------------------- the checks' helpers
def test_check_variants_without_a_mistake_reproduce_the_reference():
    g = torch.Generator().manual_seed(11)
    x, Wq, Wk, Wv = _msa_inputs(g, 2, 5, 4, 3, 2)
    for mask in (None, ref.causal_mask(5), _mask(g, (2, 5, 5), empty_rows=1)):
        for a, b in zip(checks.msa_variant(x, Wq, Wk, Wv, mask),
                        ref.masked_self_attention(x, Wq, Wk, Wv, mask)):
            torch.testing.assert_close(a, b)
    x = _rand(g, 2, 5, 6)
    Ws = [_rand(g, 6, 6, scale=0.5) for _ in range(4)]
    kpm = torch.tensor([[False] * 4 + [True], [True, True] + [False] * 3])
    for causal in (True, False):
        torch.testing.assert_close(checks.mha_variant(x, *Ws, 3, causal, kpm),
                                   ref.multi_head_self_attention(x, *Ws, 3, causal, kpm))


def test_named_mistakes_differ_from_the_right_answer():
    """On the checks' own inputs, each named variant is distinguishable from the reference."""
    from grader.cases import CaseFactory

    case = next(iter(CaseFactory(0, "probe")(n=1, dtypes=("float64",))))
    a = checks.draw_msa(case, N=2, T=5)
    a["mask"] = checks.random_mask(case.rng, (2, 5, 5))
    exp_out, exp_w = ref.masked_self_attention(a["x"], a["Wq"], a["Wk"], a["Wv"], a["mask"])
    for which, exp in ((0, exp_out), (1, exp_w)):
        for mistake in checks.msa_mistakes(a, which):
            assert not np.allclose(mistake.output().numpy(), exp.numpy(), atol=1e-6), mistake.id
    m = checks.draw_mha(case, 2, N=2, T=5)
    m["kpm"] = torch.tensor([[False] * 4 + [True], [False] * 3 + [True] * 2])
    expected = checks.ref_mha(ref, m).numpy()
    for mistake in checks.mha_mistakes(m):
        assert not np.allclose(mistake.output().numpy(), expected, atol=1e-6), mistake.id
    for mistake in checks.causal_variants(4):
        assert not torch.equal(mistake.output(), ref.causal_mask(4)), mistake.id


# ------------------------------------------------------------------------- grading
@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_reference_gets_full_marks(seed):
    result = grade_file(NAME, SOLUTION, seed)
    assert result.full_marks, failed(result)
    assert result.max_score == 30


@pytest.mark.slow
def test_stub_gets_zero_with_not_implemented_messages():
    result = grade_file(NAME, STUB, 0)
    assert result.score == 0
    fails = failed(result)
    assert len(fails) == len(result.checks) > 0
    assert all("not implemented yet" in msg for msg in fails.values()), fails


def test_points_add_up_and_split_public_hidden():
    import ast

    import yaml

    meta = yaml.safe_load((REPO / "checks" / NAME / "meta.yaml").read_text(encoding="utf-8"))
    totals = {}
    for vis in ("public", "hidden"):
        tree = ast.parse((REPO / "checks" / NAME / f"test_{vis}.py").read_text(encoding="utf-8"))
        totals[vis] = sum(dec.args[0].value for node in tree.body
                          if isinstance(node, ast.FunctionDef) for dec in node.decorator_list
                          if isinstance(dec, ast.Call) and getattr(dec.func, "id", "") == "check")
    assert totals["public"] + totals["hidden"] == meta["points"] == 30
    assert math.isclose(totals["public"] / meta["points"], 0.7, abs_tol=0.05)
