# expect-fail: test_sigmoid_no_warnings
# expect-diagnosis: protects float64 only
"""Mutant (from a blind review): sigmoid clips to +-500, which still overflows exp in float32."""
import numpy as np


def sigmoid(x):
    x = np.asarray(x)
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))


def lstm_gates(x, h_prev, Wx, Wh, b):
    A = x @ Wx + h_prev @ Wh + b
    H = h_prev.shape[1]
    f = A[:, :H]
    g = A[:, H:2 * H]
    i = A[:, 2 * H:3 * H]
    o = A[:, 3 * H:]
    return {"f": sigmoid(f), "g": np.tanh(g), "i": sigmoid(i), "o": sigmoid(o)}


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    gates = lstm_gates(x, h_prev, Wx, Wh, b)
    c_next = gates["f"] * c_prev + gates["i"] * gates["g"]
    h_next = gates["o"] * np.tanh(c_next)
    return h_next, c_next


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    N, T, D = xs.shape
    H = Wh.shape[0]
    h = np.zeros((N, H), dtype=xs.dtype) if h0 is None else h0
    c = np.zeros((N, H), dtype=xs.dtype) if c0 is None else c0
    hs = np.empty((N, T, H), dtype=xs.dtype)
    for t in range(T):
        h, c = lstm_cell(xs[:, t, :], h, c, Wx, Wh, b)
        hs[:, t, :] = h
    return hs, h, c
