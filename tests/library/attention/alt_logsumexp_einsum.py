"""Correct, in another style: log-sum-exp softmax, einsum everywhere, explicit concatenation,
a large finite fill for blocked keys followed by zeroing them (and fully masked rows)."""
import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x)
    m = np.max(x, axis=axis, keepdims=True)
    m[~np.isfinite(m)] = 0.0
    with np.errstate(divide="ignore"):  # log(0) = -inf for an all -inf slice, on purpose
        lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    out = np.exp(x - np.where(np.isfinite(lse), lse, 0.0))
    return np.where(np.isfinite(lse), out, 0.0)


def dot_score(h, hs):
    return np.einsum("nth,nh->nt", hs, h)


def general_score(h, hs, W):
    return np.einsum("ni,ij,ntj->nt", h, W, hs)


def concat_score(h, hs, W, v):
    N, T, H = hs.shape
    joined = np.concatenate([np.broadcast_to(h[:, None, :], (N, T, H)), hs], axis=-1)
    return np.einsum("nta,a->nt", np.tanh(np.einsum("ntk,ka->nta", joined, W)), v)


def attention_weights(scores):
    return softmax(scores, axis=1)


def context_vector(a, hs):
    return np.einsum("nt,nth->nh", a, hs)


def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(Q.shape[-1])
    if mask is None:
        weights = softmax(scores)
    else:
        allowed = np.broadcast_to(mask, scores.shape)
        weights = softmax(np.where(allowed, scores, -1e9)) * allowed  # zero blocked keys
    return np.einsum("...qk,...kv->...qv", weights, V), weights
