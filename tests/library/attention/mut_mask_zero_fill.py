# expect-fail: test_sdpa_mask test_sdpa_mask_broadcast
# expect-diagnosis: set to 0
"""Mutant: blocked scores are set to 0 instead of -inf."""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(x - max) / sum(exp(x - max)) along `axis`; an all -inf slice gives zeros."""
    m = np.max(x, axis=axis, keepdims=True)
    # softmax(x) = softmax(x - c): shifting by the max keeps exp() <= 1 (no overflow). An all -inf
    # slice has max -inf and -inf - (-inf) is NaN, so shift such slices by 0 instead.
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(x - m)
    s = np.sum(e, axis=axis, keepdims=True)
    # an all -inf slice has sum 0: leave its weights at 0 rather than dividing 0 by 0
    return np.divide(e, s, out=np.zeros_like(e), where=s > 0)


def dot_score(h: np.ndarray, hs: np.ndarray) -> np.ndarray:
    """score[n, t] = h[n] . hs[n, t]."""
    return np.einsum("nh,nth->nt", h, hs)


def general_score(h: np.ndarray, hs: np.ndarray, W: np.ndarray) -> np.ndarray:
    """score[n, t] = h[n] @ W @ hs[n, t]."""
    return np.einsum("nh,nth->nt", h @ W, hs)


def concat_score(h: np.ndarray, hs: np.ndarray, W: np.ndarray, v: np.ndarray) -> np.ndarray:
    """score[n, t] = tanh([h[n]; hs[n, t]] @ W) @ v, with the decoder state first."""
    H = h.shape[-1]
    # [h; hs_t] @ W = h @ W[:H] + hs_t @ W[H:], so the concatenation never has to be built
    hidden = np.tanh((h @ W[:H])[:, None, :] + hs @ W[H:])  # (N, T, A)
    return hidden @ v


def attention_weights(scores: np.ndarray) -> np.ndarray:
    """a[n] = softmax(scores[n]) over the T encoder positions."""
    return softmax(scores, axis=-1)


def context_vector(a: np.ndarray, hs: np.ndarray) -> np.ndarray:
    """c[n] = sum_t a[n, t] * hs[n, t]: the weighted average of the encoder states."""
    return np.einsum("nt,nth->nh", a, hs)


def scaled_dot_product_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray,
                                 mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """weights = softmax(Q K^T / sqrt(d)) over keys, out = weights @ V.

    `mask` (broadcastable to (..., Tq, Tk)) is True where the query may attend the key.
    """
    d = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / d**0.5  # (..., Tq, Tk); a Python float keeps float32
    if mask is not None:
        # blocked keys get -inf, so exp() gives them weight exactly 0; a query with no allowed
        # key has an all -inf row, which softmax turns into zeros
        scores = np.where(mask, scores, 0.0)
    weights = softmax(scores, axis=-1)
    return weights @ V, weights
