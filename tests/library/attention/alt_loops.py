"""Correct, in another style: plain Python loops over slices, math.exp, float64 results."""
import math

import numpy as np


def _softmax_list(row):
    finite = [v for v in row if v != -math.inf]
    if not finite:
        return [0.0] * len(row)
    top = max(finite)
    ex = [0.0 if v == -math.inf else math.exp(v - top) for v in row]
    total = sum(ex)
    return [e / total for e in ex]


def softmax(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape)
    for idx in np.ndindex(*moved.shape[:-1]):
        out[idx] = _softmax_list([float(v) for v in moved[idx]])
    return np.moveaxis(out, -1, axis)


def dot_score(h, hs):
    N, T, _ = hs.shape
    out = np.zeros((N, T))
    for n in range(N):
        for t in range(T):
            out[n, t] = float(np.dot(h[n].astype(float), hs[n, t].astype(float)))
    return out


def general_score(h, hs, W):
    N, T, _ = hs.shape
    out = np.zeros((N, T))
    for n in range(N):
        left = h[n].astype(float) @ W.astype(float)
        for t in range(T):
            out[n, t] = float(left @ hs[n, t].astype(float))
    return out


def concat_score(h, hs, W, v):
    N, T, _ = hs.shape
    out = np.zeros((N, T))
    for n in range(N):
        for t in range(T):
            joined = np.concatenate([h[n], hs[n, t]]).astype(float)
            out[n, t] = float(np.tanh(joined @ W.astype(float)) @ v.astype(float))
    return out


def attention_weights(scores):
    return np.array([_softmax_list([float(s) for s in row]) for row in scores])


def context_vector(a, hs):
    N, T, H = hs.shape
    c = np.zeros((N, H))
    for n in range(N):
        for t in range(T):
            c[n] += float(a[n, t]) * hs[n, t].astype(float)
    return c


def scaled_dot_product_attention(Q, K, V, mask=None):
    batch = Q.shape[:-2]
    (tq, d), (tk, dv) = Q.shape[-2:], V.shape[-2:]
    allowed = np.ones((tq, tk), bool) if mask is None else mask
    allowed = np.broadcast_to(allowed, batch + (tq, tk))
    out, weights = np.zeros(batch + (tq, dv)), np.zeros(batch + (tq, tk))
    for b in np.ndindex(*batch):
        for i in range(tq):
            row = []
            for j in range(tk):
                if allowed[b + (i, j)]:
                    row.append(float(np.dot(Q[b + (i,)].astype(float),
                                            K[b + (j,)].astype(float))) / math.sqrt(d))
                else:
                    row.append(-math.inf)
            w = _softmax_list(row)
            weights[b + (i,)] = w
            for j in range(tk):
                out[b + (i,)] += w[j] * V[b + (j,)].astype(float)
    return out, weights
