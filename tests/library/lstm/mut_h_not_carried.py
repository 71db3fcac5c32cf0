# expect-fail: test_forward_values
# expect-diagnosis: h was not carried
"""Mutant of the lstm reference: h not carried."""

from __future__ import annotations

import numpy as np

GATE_ORDER = ("f", "g", "i", "o")  # the four H-column blocks of the affine, left to right


def sigmoid(x: np.ndarray) -> np.ndarray:
    # exp(-|x|) never overflows: sigma(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) for x < 0
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def lstm_gates(x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
               b: np.ndarray) -> dict[str, np.ndarray]:
    # A = x Wx + h Wh + b, shape (N, 4H), cut into the blocks f | g | i | o
    A = x @ Wx + h_prev @ Wh + b
    f, g, i, o = np.split(A, 4, axis=1)
    return {"f": sigmoid(f), "g": np.tanh(g), "i": sigmoid(i), "o": sigmoid(o)}


def lstm_cell(x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, Wx: np.ndarray,
              Wh: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gates = lstm_gates(x, h_prev, Wx, Wh, b)
    # keep part of the old memory, write part of the new candidate, show part of the result
    c_next = gates["f"] * c_prev + gates["i"] * gates["g"]
    h_next = gates["o"] * np.tanh(c_next)
    return h_next, c_next


def lstm_forward(xs: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
                 h0: np.ndarray | None = None, c0: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    N, T, _ = xs.shape
    H = Wh.shape[0]
    h = np.zeros((N, H), dtype=xs.dtype) if h0 is None else h0
    c = np.zeros((N, H), dtype=xs.dtype) if c0 is None else c0
    hs = np.empty((N, T, H), dtype=np.result_type(xs, Wx, Wh, b, h, c))
    for t in range(T):  # the same weights at every step; the states carry over
        h_t, c = lstm_cell(xs[:, t], h, c, Wx, Wh, b)  # h is never updated
        hs[:, t] = h_t
    return hs, hs[:, -1], c
