"""Correct (from a blind review): Computes everything in float64 (astype) and returns float64 even for float32 inputs (allowed by the spec);
softmax via exp(x - logsumexp) with np.logaddexp.reduce."""
import numpy as np


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def softmax(x, axis=-1):
    (x,) = _f64(x)
    dead = np.all(np.isneginf(x), axis=axis, keepdims=True)
    safe = np.where(dead, 0.0, x)                        # no -inf - (-inf) anywhere
    lse = np.logaddexp.reduce(safe, axis=axis, keepdims=True)
    out = np.exp(safe - lse)
    return np.where(dead, 0.0, out)


def dot_score(h, hs):
    h, hs = _f64(h, hs)
    return (hs @ h[..., None])[..., 0]


def general_score(h, hs, W):
    h, hs, W = _f64(h, hs, W)
    return np.einsum("nj,ntj->nt", h @ W, hs)


def concat_score(h, hs, W, v):
    h, hs, W, v = _f64(h, hs, W, v)
    N, T, H = hs.shape
    out = np.empty((N, T))
    for t in range(T):                                   # loop over time, vectorised over batch
        cat = np.hstack([h, hs[:, t, :]])
        out[:, t] = np.tanh(cat @ W) @ v
    return out


def attention_weights(scores):
    return softmax(scores, axis=-1)


def context_vector(a, hs):
    a, hs = _f64(a, hs)
    return np.einsum("nt,nth->nh", a, hs)


def scaled_dot_product_attention(Q, K, V, mask=None):
    Q, K, V = _f64(Q, K, V)
    scores = np.matmul(Q, np.moveaxis(K, -1, -2)) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(np.asarray(mask, dtype=bool), scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return np.matmul(weights, V), weights
