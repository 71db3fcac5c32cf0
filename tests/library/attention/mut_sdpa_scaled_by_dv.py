# expect-fail: test_sdpa_values
# expect-diagnosis: sqrt(dv)
"""Mutant (from a blind review): scales by sqrt(dv) instead of sqrt(d)"""
import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype)   # an all -inf slice keeps its -inf entries
    e = np.exp(x - m)
    s = np.sum(e, axis=axis, keepdims=True)
    return np.divide(e, s, out=np.zeros_like(e), where=s > 0)


def dot_score(h, hs):
    return np.sum(h[:, None, :] * hs, axis=-1)


def general_score(h, hs, W):
    return np.sum((h @ W)[:, None, :] * hs, axis=-1)


def concat_score(h, hs, W, v):
    N, T, H = hs.shape
    hh = np.broadcast_to(h[:, None, :], (N, T, H))
    cat = np.concatenate([hh, hs], axis=-1)          # (N, T, 2H)
    return np.tanh(cat @ W) @ v


def attention_weights(scores):
    return softmax(scores, axis=1)


def context_vector(a, hs):
    return np.sum(a[:, :, None] * hs, axis=1)


def scaled_dot_product_attention(Q, K, V, mask=None):
    d = V.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return weights @ V, weights
