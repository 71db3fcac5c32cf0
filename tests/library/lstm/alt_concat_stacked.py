"""Correct (from a blind review): LSTM: concatenate [x, h] and stack [Wx; Wh]; sigmoid via np.piecewise-free expm1/log1p-free exp of -|x|
with np.reciprocal; forward fills a preallocated buffer with np.copyto."""
import numpy as np


def sigmoid(x):
    x = np.asarray(x)
    z = np.exp(-np.abs(x))            # in (0, 1], never overflows
    p = np.reciprocal(1.0 + z)        # sigma(|x|)
    return np.where(np.signbit(x), 1.0 - p, p)


def lstm_gates(x, h_prev, Wx, Wh, b):
    xh = np.concatenate([x, h_prev], axis=1)      # (N, D + H)
    W = np.vstack([Wx, Wh])                       # (D + H, 4H)
    A = xh @ W + b
    H = Wh.shape[0]
    acts = [sigmoid, np.tanh, sigmoid, sigmoid]
    return {name: act(A[:, k*H:(k+1)*H]) for k, (name, act) in enumerate(zip("fgio", acts))}


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    g = lstm_gates(x, h_prev, Wx, Wh, b)
    c_next = g["f"] * c_prev
    c_next = c_next + g["i"] * g["g"]
    h_next = g["o"] * np.tanh(c_next)
    return h_next, c_next


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    N, T, D = xs.shape
    H = Wh.shape[0]
    h = np.zeros((N, H), dtype=xs.dtype) if h0 is None else np.array(h0, copy=True)
    c = np.zeros((N, H), dtype=xs.dtype) if c0 is None else np.array(c0, copy=True)
    hs = np.zeros((N, T, H), dtype=np.result_type(xs.dtype, Wx.dtype))
    for t in range(T):
        h, c = lstm_cell(xs[:, t, :], h, c, Wx, Wh, b)
        np.copyto(hs[:, t, :], h)
    return hs, hs[:, -1, :].copy(), c
