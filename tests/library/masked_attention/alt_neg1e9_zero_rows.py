"""Correct (from a blind review): fills disallowed scores with -1e9 instead of -inf (exp underflows to
exactly 0 for any realistic score), zeroes rows with no allowed key explicitly; mask via
torch.ones(T, T).tril().to(torch.bool); heads via einops-like reshape + swapaxes."""
import math
import torch


def causal_mask(T, device=None):
    return torch.ones(T, T, device=device).tril().to(torch.bool)


def _attend(q, k, v, allowed):
    s = q @ k.swapaxes(-1, -2) / math.sqrt(q.shape[-1])
    if allowed is not None:
        s = s.masked_fill(~allowed, -1e9)
    w = s.softmax(-1)
    if allowed is not None:
        w = w * allowed.any(-1, keepdim=True)
    return w @ v, w


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    return _attend(x @ Wq, x @ Wk, x @ Wv, None if mask is None else mask.expand(x.shape[0], x.shape[1], x.shape[1]))


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    N, T, D = x.shape
    if num_heads < 1 or D % num_heads != 0:
        raise ValueError("num_heads")
    dh = D // num_heads
    sp = lambda t: t.reshape(N, T, num_heads, dh).swapaxes(1, 2)
    allowed = torch.ones(N, num_heads, T, T, dtype=torch.bool, device=x.device)
    if causal:
        allowed &= causal_mask(T, x.device)
    if key_padding_mask is not None:
        allowed &= ~key_padding_mask[:, None, None, :]
    o, _ = _attend(sp(x @ Wq), sp(x @ Wk), sp(x @ Wv), allowed)
    return o.swapaxes(1, 2).reshape(N, T, D) @ Wo
