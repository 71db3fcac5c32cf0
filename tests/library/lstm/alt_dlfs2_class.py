"""Correct, in another style: DLFS2's LSTM layer class (params list, cache), errstate sigmoid."""
import numpy as np


def sigmoid(x):
    with np.errstate(over="ignore"):  # exp(-x) -> inf gives exactly 0, which is right
        return 1 / (1 + np.exp(-x))


class LSTM:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.cache = None

    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        N, H = h_prev.shape
        A = np.dot(x, Wx) + np.dot(h_prev, Wh) + b
        f = A[:, :H]
        g = A[:, H:2 * H]
        i = A[:, 2 * H:3 * H]
        o = A[:, 3 * H:]
        f, g, i, o = sigmoid(f), np.tanh(g), sigmoid(i), sigmoid(o)
        c_next = f * c_prev + g * i
        h_next = o * np.tanh(c_next)
        self.cache = (x, h_prev, c_prev, i, f, g, o, c_next)
        return h_next, c_next


def lstm_gates(x, h_prev, Wx, Wh, b):
    layer = LSTM(Wx, Wh, b)
    layer.forward(x, h_prev, np.zeros_like(h_prev))
    _, _, _, i, f, g, o, _ = layer.cache
    return {"f": f, "g": g, "i": i, "o": o}


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    return LSTM(Wx, Wh, b).forward(x, h_prev, c_prev)


class TimeLSTM:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.h, self.c = None, None

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]
        hs = np.empty((N, T, H), dtype="f" if xs.dtype == np.float32 else "d")
        if self.h is None:
            self.h = np.zeros((N, H), dtype=xs.dtype)
        if self.c is None:
            self.c = np.zeros((N, H), dtype=xs.dtype)
        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c)
            hs[:, t, :] = self.h
        return hs


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    layer = TimeLSTM(Wx, Wh, b)
    layer.h, layer.c = h0, c0
    hs = layer.forward(xs)
    return hs, layer.h, layer.c
