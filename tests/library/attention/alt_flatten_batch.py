"""Correct, in another style: float64 throughout, leading batch dims flattened into one and a
per-row loop for the mask; softmax with a subtract-max that skips empty rows explicitly."""
import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    moved = np.moveaxis(x, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    out = np.zeros_like(flat)
    for r, row in enumerate(flat):
        if np.isneginf(row).all():
            continue  # nothing to attend: zeros
        e = np.exp(row - row.max())
        out[r] = e / e.sum()
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def dot_score(h, hs):
    return np.squeeze(np.matmul(hs, h[:, :, np.newaxis]), axis=2)


def general_score(h, hs, W):
    return dot_score(np.dot(h, W), hs)


def concat_score(h, hs, W, v):
    H = h.shape[1]
    pre = np.dot(h, W[:H])[:, np.newaxis, :] + np.dot(hs, W[H:])
    return np.dot(np.tanh(pre), v)


def attention_weights(scores):
    return softmax(scores, -1)


def context_vector(a, hs):
    return np.sum(a[:, :, np.newaxis] * hs, axis=1)


def scaled_dot_product_attention(Q, K, V, mask=None):
    Q, K, V = (np.asarray(t, dtype=np.float64) for t in (Q, K, V))
    lead = Q.shape[:-2]
    (tq, d), (tk, dv) = Q.shape[-2:], V.shape[-2:]
    q, k, v = Q.reshape(-1, tq, d), K.reshape(-1, tk, d), V.reshape(-1, tk, dv)
    scores = np.matmul(q, k.transpose(0, 2, 1)) / np.sqrt(d)
    if mask is not None:
        allowed = np.broadcast_to(mask, lead + (tq, tk)).reshape(-1, tq, tk)
        scores = scores.copy()
        scores[~allowed] = -np.inf
    weights = softmax(scores, axis=2)
    out = np.matmul(weights, v)
    return out.reshape(lead + (tq, dv)), weights.reshape(lead + (tq, tk))
