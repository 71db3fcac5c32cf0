"""Correct (from a blind review): LSTM: np.split of the affine; sigmoid computed in float64 with clipping (classic DLFS style)."""
import numpy as np


def sigmoid(x):
    x64 = np.asarray(x, dtype=np.float64)
    # clip keeps exp's argument within float64 range; sigmoid(+-500) is 1 / ~7e-218 anyway
    return 1.0 / (1.0 + np.exp(-np.clip(x64, -500.0, 500.0)))


def lstm_gates(x, h_prev, Wx, Wh, b):
    A = np.dot(x, Wx) + np.dot(h_prev, Wh) + b
    f, g, i, o = np.split(A, 4, axis=1)
    return dict(f=sigmoid(f), g=np.tanh(g), i=sigmoid(i), o=sigmoid(o))


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    d = lstm_gates(x, h_prev, Wx, Wh, b)
    c_next = d["f"] * c_prev + d["i"] * d["g"]
    return d["o"] * np.tanh(c_next), c_next


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    N, T, D = xs.shape
    H = Wh.shape[0]
    if h0 is None:
        h0 = np.zeros((N, H))
    if c0 is None:
        c0 = np.zeros((N, H))
    hs = np.zeros((N, T, H))
    h, c = h0, c0
    for t in range(T):
        h, c = lstm_cell(xs[:, t, :], h, c, Wx, Wh, b)
        hs[:, t, :] = h
    return hs, h, c
