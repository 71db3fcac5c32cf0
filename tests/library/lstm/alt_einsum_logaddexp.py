"""Correct, in another style: log-sum-exp sigmoid, einsum, reshape into (N, 4, H), np.stack."""
import numpy as np


def sigmoid(x):
    # sigma(x) = exp(-log(1 + exp(-x))); logaddexp never overflows
    return np.exp(-np.logaddexp(0, -x))


def lstm_gates(x, h_prev, Wx, Wh, b):
    N, H = h_prev.shape
    A = np.einsum("nd,dk->nk", x, Wx) + np.einsum("nh,hk->nk", h_prev, Wh) + b
    f, g, i, o = A.reshape(N, 4, H).transpose(1, 0, 2)
    return dict(f=sigmoid(f), g=np.tanh(g), i=sigmoid(i), o=sigmoid(o))


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    gates = lstm_gates(x, h_prev, Wx, Wh, b)
    f, g, i, o = (gates[k] for k in "fgio")
    c_next = f * c_prev + i * g
    return (o * np.tanh(c_next), c_next)


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    N = xs.shape[0]
    H = Wh.shape[0]
    h = h0 if h0 is not None else np.zeros((N, H), xs.dtype)
    c = c0 if c0 is not None else np.zeros_like(h)
    outputs = []
    for x_t in np.moveaxis(xs, 1, 0):  # time-major iteration, batch-first result
        h, c = lstm_cell(x_t, h, c, Wx, Wh, b)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c
