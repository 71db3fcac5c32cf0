"""Correct, in another style: clipped sigmoid, float32 kept, concatenated weights, np.split."""
import numpy as np


def sigmoid(x):
    # beyond |x| = 60 the sigmoid is 0 or 1 to within 1e-26: clipping keeps exp finite
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


def lstm_gates(x, h_prev, Wx, Wh, b):
    W = np.concatenate([Wx, Wh], axis=0)       # (D + H, 4H)
    xh = np.concatenate([x, h_prev], axis=1)   # (N, D + H)
    f, g, i, o = np.split(xh @ W + b, 4, axis=-1)
    return {"f": sigmoid(f), "i": sigmoid(i), "o": sigmoid(o), "g": np.tanh(g)}


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    gt = lstm_gates(x, h_prev, Wx, Wh, b)
    c_next = c_prev * gt["f"]          # a new array: c_prev itself is untouched
    c_next += gt["i"] * gt["g"]
    h_next = gt["o"] * np.tanh(c_next)
    return h_next, c_next


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    N, T, _ = xs.shape
    H = Wh.shape[0]
    h = np.zeros((N, H), np.float32) if h0 is None else h0.copy()
    c = np.zeros((N, H), np.float32) if c0 is None else c0.copy()
    hs = np.zeros((N, T, H), dtype=xs.dtype)
    for t in range(T):
        h, c = lstm_cell(xs[:, t], h, c, Wx, Wh, b)
        hs[:, t] = h
    return hs, h, c
