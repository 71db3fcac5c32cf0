"""The attention exercise: reference, stub, PyTorch oracles, and a torch-free grading process."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import REPO, failed, grade_file

NAME = "attention"
SOLUTION = REPO / "solutions" / f"{NAME}.py"
STUB = REPO / "exercises" / f"{NAME}.py"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load(SOLUTION, "attention_reference_under_test")
public = _load(REPO / "checks" / NAME / "test_public.py", "attention_public_under_test")


# ------------------------------------------------------------------ (a) grading end to end
@pytest.mark.slow
def test_reference_gets_full_marks_on_many_seeds():
    for seed in range(6):
        result = grade_file(NAME, SOLUTION, seed)
        assert result.full_marks, (seed, failed(result))
        assert result.max_score == 30


@pytest.mark.slow
def test_stub_scores_zero_with_not_implemented_messages():
    result = grade_file(NAME, STUB, 0)
    assert result.score == 0
    fails = failed(result)
    assert len(fails) == len(result.checks)
    for check_id, message in fails.items():
        assert "not implemented yet" in message, (check_id, message)


def test_public_points_are_about_seventy_percent():
    result_points = {"public": 0.0, "hidden": 0.0}
    for vis in result_points:
        text = (REPO / "checks" / NAME / f"test_{vis}.py").read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.startswith("@check("):
                result_points[vis] += float(line[len("@check("):].split(",")[0])
    assert sum(result_points.values()) == 30
    assert result_points["public"] == 21


# ------------------------------------------------------------------ (b) PyTorch oracles
def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def torch_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """torch.softmax, adapted: it gives NaN for an all -inf slice where the contract wants 0."""
    out = torch.softmax(_t(x), dim=axis)
    empty = torch.isneginf(_t(x)).all(dim=axis, keepdim=True)
    return out.masked_fill(empty, 0.0).numpy()


@pytest.mark.parametrize("shape,axis", [((7,), 0), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1),
                                        ((2, 3, 4), -3), ((1, 1), 0), ((2, 1, 3, 2), 2)])
def test_softmax_matches_torch(shape, axis):
    rng = np.random.default_rng(len(shape) * 10 + axis)
    for scale in (1.0, 50.0, 1e4):
        x = rng.standard_normal(shape) * scale
        x[rng.random(shape) < 0.2] = -np.inf
        np.testing.assert_allclose(ref.softmax(x, axis), torch_softmax(x, axis),
                                   rtol=1e-12, atol=1e-14)


def test_softmax_edge_cases_without_warnings():
    rows = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4 - 2.0, -np.inf],
                     [-np.inf, -np.inf, -np.inf], [0.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow or invalid-value warnings would raise
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            for dtype in (np.float64, np.float32):
                got = ref.softmax(rows.astype(dtype))
                assert got.dtype == dtype and np.isfinite(got).all()
                np.testing.assert_allclose(got, torch_softmax(rows, -1), rtol=1e-6, atol=1e-7)
    assert (ref.softmax(rows)[2] == 0).all() and ref.softmax(rows)[1, 2] == 0
    doc = ref.softmax(np.array([[1.0, 1.0], [0.0, -np.inf]]))  # the stub's docstring example
    np.testing.assert_array_equal(doc, [[0.5, 0.5], [1.0, 0.0]])


@pytest.mark.parametrize("N,T,H,A", [(3, 5, 4, 6), (1, 1, 1, 1), (2, 7, 3, 2), (4, 1, 5, 3)])
def test_scores_and_context_match_torch(N, T, H, A):
    rng = np.random.default_rng(N * 100 + T * 10 + H)
    h, hs = rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    W, Wc, v = rng.standard_normal((H, H)), rng.standard_normal((2 * H, A)), rng.standard_normal(A)
    th, ths = _t(h), _t(hs)
    dot = torch.bmm(ths, th.unsqueeze(-1)).squeeze(-1)
    # F.bilinear(x1, x2, A) = x1 @ A[0] @ x2: exactly h W hs_t
    general = F.bilinear(th.unsqueeze(1).expand(N, T, H).contiguous(), ths, _t(W)[None])[..., 0]
    joined = torch.cat([th.unsqueeze(1).expand(N, T, H), ths], dim=-1)
    concat = torch.tanh(F.linear(joined, _t(Wc).T)) @ _t(v)
    a = torch.softmax(_t(rng.standard_normal((N, T))), dim=-1)
    context = torch.bmm(a.unsqueeze(1), ths).squeeze(1)
    np.testing.assert_allclose(ref.dot_score(h, hs), dot.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ref.general_score(h, hs, W), general.numpy(), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(ref.concat_score(h, hs, Wc, v), concat.numpy(), rtol=1e-12,
                               atol=1e-12)
    scores = rng.standard_normal((N, T)) * 3
    np.testing.assert_allclose(ref.attention_weights(scores),
                               torch.softmax(_t(scores), dim=-1).numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ref.context_vector(a.numpy(), hs), context.numpy(), rtol=1e-12,
                               atol=1e-12)


def torch_sdpa(Q, K, V, mask):
    """The oracle: F.scaled_dot_product_attention (bool attn_mask, True = take part), with the
    weights rebuilt in torch and NaN rows (no allowed key) set to 0 as the contract says."""
    q, k, v = _t(Q), _t(K), _t(V)
    shape = Q.shape[:-1] + (K.shape[-2],)
    m = None if mask is None else _t(np.broadcast_to(mask, shape))  # torch wants >= 2-D masks
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if m is not None:
        scores = scores.masked_fill(~m, float("-inf"))
    return out.numpy(), torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0).numpy()


SDPA_CASES = [  # (batch dims, Tq, Tk, d, dv, mask shape or None, fully masked rows?)
    ((), 3, 5, 4, 2, None, False),
    ((), 1, 1, 1, 1, None, False),
    ((2,), 4, 3, 8, 5, (2, 4, 3), False),
    ((2, 3), 2, 4, 3, 6, (4,), False),
    ((3,), 4, 5, 4, 3, (3, 1, 5), True),
    ((2, 3), 3, 4, 2, 2, (2, 1, 1, 4), True),
    ((1,), 1, 7, 64, 1, (1, 7), False),
    ((), 6, 6, 4, 4, (6, 6), True),
]


@pytest.mark.parametrize("batch,tq,tk,d,dv,mshape,empty", SDPA_CASES)
def test_sdpa_matches_torch(batch, tq, tk, d, dv, mshape, empty):
    rng = np.random.default_rng(tq * 31 + tk * 7 + d)
    Q = rng.standard_normal(batch + (tq, d)) * 2
    K, V = rng.standard_normal(batch + (tk, d)) * 2, rng.standard_normal(batch + (tk, dv))
    mask = None
    if mshape is not None:
        mask = public.random_mask(rng, mshape)
        if empty:
            mask[(0,) * (len(mshape) - 1)] = False  # some query rows have no allowed key
    out, w = ref.scaled_dot_product_attention(Q, K, V, mask)
    want_out, want_w = torch_sdpa(Q, K, V, mask)
    np.testing.assert_allclose(w, want_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out, want_out, rtol=1e-10, atol=1e-12)
    assert np.isfinite(out).all() and np.isfinite(w).all()
    if mask is not None:
        blocked = ~np.broadcast_to(mask, w.shape)
        assert (w[blocked] == 0).all()
        if empty:
            assert (w.sum(-1)[blocked.all(-1)] == 0).all()
            assert (out[blocked.all(-1)] == 0).all()


def test_sdpa_keeps_float32():
    rng = np.random.default_rng(0)
    Q, K, V = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(3))
    out, w = ref.scaled_dot_product_attention(Q, K, V, np.ones((3, 3), bool))
    assert out.dtype == np.float32 and w.dtype == np.float32


# ------------------------------------------------------------------ (c) exercise specifics
def test_named_mistakes_differ_from_the_reference():
    """Each wrong variant really is wrong on inputs like the checks' (else it could never fire)."""
    rng = np.random.default_rng(3)
    Q, K, V = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), \
        rng.standard_normal((2, 5, 3))
    mask = public.random_mask(rng, (2, 3, 5))
    mask[0, 1] = False
    out, w = ref.scaled_dot_product_attention(Q, K, V, mask)
    for mistake in public.sdpa_mistakes(Q, K, V, mask, 1):
        wrong = mistake.output()
        assert not np.allclose(wrong, w, equal_nan=True), mistake.id
    x = rng.standard_normal((4, 4)) + np.array([[1e4], [-1e4], [0.0], [5e3]])
    # rows far apart; along the last axis "axis ignored" is no mistake, and in 2-D a missing
    # keepdims only bites along the last axis
    harmless = {0: "softmax-keepdims", 1: "softmax-axis-ignored"}
    for axis in (0, 1):
        for mistake in public.softmax_mistakes(x if axis else x.T, axis):
            if mistake.id == harmless[axis]:
                continue
            assert not np.allclose(mistake.output(), ref.softmax(x if axis else x.T, axis),
                                   equal_nan=True), (axis, mistake.id)
    h, hs = rng.standard_normal((3, 4)), rng.standard_normal((3, 4, 4))
    W, Wc, v = rng.standard_normal((4, 4)), rng.standard_normal((8, 5)), rng.standard_normal(5)
    for kind, params, right in [("dot", (), ref.dot_score(h, hs)),
                                ("general", (W,), ref.general_score(h, hs, W)),
                                ("concat", (Wc, v), ref.concat_score(h, hs, Wc, v))]:
        for mistake in public.score_mistakes(kind, h, hs, *params):
            assert not np.allclose(mistake.output(), right), mistake.id


@pytest.mark.slow
def test_grading_never_imports_torch():
    code = (
        "import sys; from pathlib import Path\n"
        "sys.path.insert(0, 'tests')\n"
        "from conftest import grade_file\n"
        f"r = grade_file('{NAME}', Path('solutions/{NAME}.py'), 3)\n"
        "assert r.full_marks, r\n"
        "assert 'torch' not in sys.modules, 'the grading process imported torch'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-3000:]
