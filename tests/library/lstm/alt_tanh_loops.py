"""Correct, another style: sigmoid via tanh, float64 everywhere, loops over batch and time."""
import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # tanh saturates instead of overflowing


def lstm_gates(x, h_prev, Wx, Wh, b):
    H = len(b) // 4
    A = np.dot(x, Wx) + np.dot(h_prev, Wh) + b.reshape(1, -1)
    out = {}
    for k, name in enumerate("fgio"):
        block = A[:, k * H:(k + 1) * H]
        out[name] = np.tanh(block) if name == "g" else sigmoid(block)
    return {"o": out["o"], "i": out["i"], "g": out["g"], "f": out["f"]}


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    g = lstm_gates(x, h_prev, Wx, Wh, b)
    c = np.multiply(g["f"], c_prev) + np.multiply(g["i"], g["g"])
    return g["o"] * np.tanh(c), c


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    N, T, D = xs.shape
    H = Wh.shape[0]
    hs = np.zeros((N, T, H))
    h_last = np.zeros((N, H))
    c_last = np.zeros((N, H))
    for n in range(N):  # one sequence at a time
        h = np.zeros((1, H)) if h0 is None else h0[n:n + 1].astype(np.float64)
        c = np.zeros((1, H)) if c0 is None else c0[n:n + 1].astype(np.float64)
        for t in range(T):
            h, c = lstm_cell(xs[n:n + 1, t, :], h, c, Wx, Wh, b)
            hs[n, t] = h[0]
        h_last[n], c_last[n] = h[0], c[0]
    return hs, h_last, c_last
