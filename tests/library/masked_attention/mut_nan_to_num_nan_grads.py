# expect-fail: test_attention_fully_masked
# expect-diagnosis: contains NaN, although the values are right
"""Mutant (from a blind review): additive -inf mask then nan_to_num on the weights. Forward values are right
(fully-masked rows become zeros) but the backward pass sends NaN gradients into x and the weights,
because the NaN softmax row's gradient flows through the addition (masked_fill would have blocked it)."""
import math
import torch


def causal_mask(T, device=None):
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def _additive(allowed, dtype):
    return torch.zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill(~allowed, float("-inf"))


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    scores = Q @ K.transpose(1, 2) / math.sqrt(Wq.shape[1])
    if mask is not None:
        scores = scores + _additive(mask, scores.dtype)
    w = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return w @ V, w


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    N, T, D = x.shape
    if num_heads < 1 or D % num_heads != 0:
        raise ValueError("bad num_heads")
    dh = D // num_heads
    sp = lambda t: t.view(N, T, num_heads, dh).transpose(1, 2)
    Q, K, V = sp(x @ Wq), sp(x @ Wk), sp(x @ Wv)
    scores = Q @ K.transpose(-1, -2) / math.sqrt(dh)
    allowed = torch.ones(N, 1, T, T, dtype=torch.bool, device=x.device)
    if causal:
        allowed = allowed & causal_mask(T, x.device)
    if key_padding_mask is not None:
        allowed = allowed & ~key_padding_mask[:, None, None, :]
    scores = scores + _additive(allowed, scores.dtype)
    w = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return (w @ V).transpose(1, 2).reshape(N, T, D) @ Wo
