"""Correct (from a blind review): Lets numpy produce NaN under np.errstate, then repairs it (no warning reaches the caller)."""
import numpy as np


def softmax(x, axis=-1):
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        z = x - np.max(x, axis=axis, keepdims=True)     # all -inf slice -> NaN here
        e = np.exp(z)
        out = e / np.sum(e, axis=axis, keepdims=True)
    return np.where(np.isnan(out), 0, out).astype(out.dtype)


def dot_score(h, hs):
    return np.squeeze(hs @ np.expand_dims(h, -1), -1)


def general_score(h, hs, W):
    return np.squeeze(hs @ np.expand_dims(h @ W, -1), -1)


def concat_score(h, hs, W, v):
    H = h.shape[1]
    return np.tanh((h @ W[:H])[:, None] + hs @ W[H:]) @ v


def attention_weights(scores):
    return softmax(scores)


def context_vector(a, hs):
    return np.squeeze(np.expand_dims(a, 1) @ hs, 1)


def scaled_dot_product_attention(Q, K, V, mask=None):
    dk = np.shape(Q)[-1]
    logits = Q @ np.swapaxes(K, -2, -1)
    logits = logits / dk ** 0.5
    if mask is not None:
        logits = np.where(mask, logits, -np.inf)
    attn = softmax(logits)
    out = attn @ V
    return out, attn
