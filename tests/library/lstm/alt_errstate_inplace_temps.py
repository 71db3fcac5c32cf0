"""Correct (from a blind review): LSTM: naive sigmoid formula with numpy's overflow warning silenced by np.errstate (result is exact:
1/(1+inf) = 0); heavy use of in-place ops on freshly allocated temporaries only (never on inputs)."""
import numpy as np


def sigmoid(x):
    x = np.asarray(x)
    with np.errstate(over="ignore"):
        e = np.exp(-x)          # may be inf for very negative x, that is fine: 1/(1+inf) = 0
    e += 1.0
    np.reciprocal(e, out=e)
    return e


def lstm_gates(x, h_prev, Wx, Wh, b):
    A = x @ Wx                  # new array
    A += h_prev @ Wh
    A += b
    H = A.shape[1] // 4
    f = sigmoid(A[:, :H])
    g = np.tanh(A[:, H:2 * H])
    i = sigmoid(A[:, 2 * H:3 * H])
    o = sigmoid(A[:, 3 * H:])
    return {"f": f, "g": g, "i": i, "o": o}


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    G = lstm_gates(x, h_prev, Wx, Wh, b)
    c_next = G["f"] * c_prev     # new array
    c_next += G["i"] * G["g"]
    h_next = np.tanh(c_next)
    h_next *= G["o"]
    return h_next, c_next


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    N, T, D = xs.shape
    H = Wh.shape[0]
    h = np.zeros((N, H), xs.dtype) if h0 is None else h0
    c = np.zeros((N, H), xs.dtype) if c0 is None else c0
    hs = np.empty((N, T, H), np.result_type(xs, Wx))
    for t in range(T):
        h, c = lstm_cell(xs[:, t, :], h, c, Wx, Wh, b)
        hs[:, t, :] = h
    return hs, h, c
