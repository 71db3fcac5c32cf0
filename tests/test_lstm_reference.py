"""The lstm reference: full marks on many seeds, the stub scores 0, and an independent oracle
(PyTorch's nn.LSTMCell / nn.LSTM, which store the gates as i, f, g, o) agrees with it.

Grading this numpy exercise must never import torch: only this test file does.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

from conftest import REPO, failed, grade_file

SOLUTION = REPO / "solutions" / "lstm.py"
STUB = REPO / "exercises" / "lstm.py"


def _load_reference():
    spec = importlib.util.spec_from_file_location("lstm_reference_under_test", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load_reference()


# ---- grading -----------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_reference_full_marks(seed):
    result = grade_file("lstm", SOLUTION, seed)
    assert result.full_marks, failed(result)
    assert result.max_score == 25


@pytest.mark.slow
def test_stub_scores_zero_with_not_implemented():
    result = grade_file("lstm", STUB, 0)
    assert result.score == 0
    messages = failed(result)
    assert len(messages) == len(result.checks)
    for name, text in messages.items():
        assert "not implemented yet" in text, (name, text)


@pytest.mark.slow
def test_points_split_public_hidden():
    result = grade_file("lstm", SOLUTION, 0)
    public = sum(c.max_points for c in result.checks if c.visibility == "public")
    hidden = sum(c.max_points for c in result.checks if c.visibility == "hidden")
    assert public + hidden == 25
    assert 0.65 <= public / 25 <= 0.75


@pytest.mark.slow
def test_grading_never_imports_torch():
    code = ("import sys; sys.path.insert(0, 'tests'); from pathlib import Path; "
            "from conftest import grade_file; "
            "r = grade_file('lstm', Path('solutions/lstm.py'), 0); "
            "assert r.full_marks, r; "
            "assert 'torch' not in sys.modules, 'torch was imported while grading lstm'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_public_checks_do_not_import_solutions():
    text = (REPO / "checks" / "lstm" / "test_public.py").read_text(encoding="utf-8")
    assert "solutions" not in text and "import torch" not in text
    hidden = (REPO / "checks" / "lstm" / "test_hidden.py").read_text(encoding="utf-8")
    assert "import torch" not in hidden


# ---- the oracle: PyTorch's LSTM with the weights rearranged -------------------------------------
def _to_torch_layout(Wx, Wh, b):
    """DLFS2 (D, 4H) blocks f, g, i, o  ->  PyTorch (4H, D) blocks i, f, g, o."""
    H = Wh.shape[0]

    def permute(W):
        f, g, i, o = np.split(W, 4, axis=-1)
        return np.concatenate([i, f, g, o], axis=-1)

    assert Wx.shape[1] == Wh.shape[1] == b.shape[0] == 4 * H
    return (torch.from_numpy(permute(Wx).T.copy()), torch.from_numpy(permute(Wh).T.copy()),
            torch.from_numpy(permute(b).copy()))


def _lstm_cell_oracle(x, h, c, Wx, Wh, b):
    D, H = Wx.shape[0], Wh.shape[0]
    cell = torch.nn.LSTMCell(D, H, dtype=torch.float64)
    w_ih, w_hh, b_ih = _to_torch_layout(Wx, Wh, b)
    with torch.no_grad():
        cell.weight_ih.copy_(w_ih)
        cell.weight_hh.copy_(w_hh)
        cell.bias_ih.copy_(b_ih)
        cell.bias_hh.zero_()
        h_next, c_next = cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
    return h_next.numpy(), c_next.numpy()


def _lstm_oracle(xs, Wx, Wh, b, h0, c0):
    N, _, D = xs.shape
    H = Wh.shape[0]
    lstm = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    w_ih, w_hh, b_ih = _to_torch_layout(Wx, Wh, b)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(w_ih)
        lstm.weight_hh_l0.copy_(w_hh)
        lstm.bias_ih_l0.copy_(b_ih)
        lstm.bias_hh_l0.zero_()
        zeros = torch.zeros(1, N, H, dtype=torch.float64)
        h = zeros if h0 is None else torch.from_numpy(h0)[None]
        c = zeros if c0 is None else torch.from_numpy(c0)[None]
        hs, (h_n, c_n) = lstm(torch.from_numpy(xs), (h, c))
    return hs.numpy(), h_n[0].numpy(), c_n[0].numpy()


def _gates_oracle(x, h, Wx, Wh, b):
    """The gates from PyTorch's layout: F.linear, chunk into i, f, g, o, activate."""
    w_ih, w_hh, b_ih = _to_torch_layout(Wx, Wh, b)
    A = (torch.nn.functional.linear(torch.from_numpy(x), w_ih, b_ih)
         + torch.nn.functional.linear(torch.from_numpy(h), w_hh))
    i, f, g, o = A.chunk(4, dim=1)
    return {"f": torch.sigmoid(f).numpy(), "g": torch.tanh(g).numpy(),
            "i": torch.sigmoid(i).numpy(), "o": torch.sigmoid(o).numpy()}


def _params(rng, D, H):
    return (rng.standard_normal((D, 4 * H)) * 0.8, rng.standard_normal((H, 4 * H)) * 0.6,
            rng.standard_normal(4 * H) * 0.5)


SHAPES = [(3, 4, 5), (1, 2, 3), (4, 1, 1), (2, 6, 6), (1, 1, 2)]  # (N, D, H)
SEQ_SHAPES = [(2, 5, 3, 4), (1, 1, 2, 3), (3, 1, 4, 2), (1, 7, 1, 1), (4, 3, 5, 5)]  # (N, T, D, H)


@pytest.mark.parametrize("N,D,H", SHAPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gates_match_torch_layout(seed, N, D, H):
    rng = np.random.default_rng([seed, N, D, H])
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    Wx, Wh, b = _params(rng, D, H)
    got = ref.lstm_gates(x, h, Wx, Wh, b)
    want = _gates_oracle(x, h, Wx, Wh, b)
    assert sorted(got) == ["f", "g", "i", "o"]
    for k in "fgio":
        assert got[k].shape == (N, H)
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("N,D,H", SHAPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cell_matches_lstmcell(seed, N, D, H):
    rng = np.random.default_rng([seed, N, D, H, 1])
    x, h, c = (rng.standard_normal((N, D)), rng.standard_normal((N, H)),
               rng.standard_normal((N, H)) * 1.5)
    Wx, Wh, b = _params(rng, D, H)
    h_next, c_next = ref.lstm_cell(x, h, c, Wx, Wh, b)
    h_want, c_want = _lstm_cell_oracle(x, h, c, Wx, Wh, b)
    np.testing.assert_allclose(h_next, h_want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c_next, c_want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("N,T,D,H", SEQ_SHAPES)
@pytest.mark.parametrize("given", ["both", "none", "h0-only", "c0-only"])
def test_forward_matches_nn_lstm(N, T, D, H, given):
    rng = np.random.default_rng([N, T, D, H])
    xs = rng.standard_normal((N, T, D))
    Wx, Wh, b = _params(rng, D, H)
    h0 = rng.standard_normal((N, H)) if given in ("both", "h0-only") else None
    c0 = rng.standard_normal((N, H)) if given in ("both", "c0-only") else None
    got = ref.lstm_forward(xs, Wx, Wh, b, h0, c0)
    want = _lstm_oracle(xs, Wx, Wh, b, h0, c0)
    assert [g.shape for g in got] == [(N, T, H), (N, H), (N, H)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(got[1], got[0][:, -1])


def test_forward_saturated_matches_nn_lstm():
    rng = np.random.default_rng(7)
    xs = rng.standard_normal((2, 4, 3)) * 1000
    Wx, Wh, b = _params(rng, 3, 2)
    for g, w in zip(ref.lstm_forward(xs, Wx, Wh, b), _lstm_oracle(xs, Wx, Wh, b, None, None)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


# ---- sigmoid -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_matches_torch_without_warnings(dtype):
    x = np.concatenate([np.array([-1e4, -1e3, -710, -100, -89, -30, 0, 30, 89, 100, 710, 1e3,
                                  1e4]),
                        np.random.default_rng(0).uniform(-50, 50, 200)]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow / invalid-value warning fails
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            got = ref.sigmoid(x)
    assert got.dtype == dtype and np.isfinite(got).all()
    want = torch.sigmoid(torch.from_numpy(x.astype(np.float64))).numpy()
    tol = 1e-15 if dtype == np.float64 else 1e-7
    np.testing.assert_allclose(got, want, rtol=10 * tol, atol=tol)


def test_reference_leaves_inputs_unchanged():
    rng = np.random.default_rng(3)
    xs, h0, c0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5)), \
        rng.standard_normal((2, 5))
    Wx, Wh, b = _params(rng, 4, 5)
    args = (xs, Wx, Wh, b, h0, c0)
    copies = [a.copy() for a in args]
    ref.lstm_forward(*args)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)
