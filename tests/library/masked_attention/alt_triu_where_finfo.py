"""Correct (from a blind review): masked attention: mask from ~triu(diagonal=1), torch.where with finfo(dtype).min as the fill value
(exp underflows to exactly 0), rows without an allowed key multiplied by 0; heads via reshape/permute."""
import torch


def causal_mask(T, device=None):
    future = torch.triu(torch.ones((T, T), dtype=torch.bool, device=device), diagonal=1)
    return ~future


def _masked_softmax(scores, allowed):
    if allowed is None:
        return torch.softmax(scores, dim=-1)
    big_neg = torch.finfo(scores.dtype).min
    s = torch.where(allowed, scores, torch.full_like(scores, big_neg))
    w = torch.softmax(s, dim=-1)
    has_key = allowed.any(dim=-1, keepdim=True).to(scores.dtype)
    return w * has_key


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    Q = torch.matmul(x, Wq)
    K = torch.matmul(x, Wk)
    V = torch.matmul(x, Wv)
    dk = Q.size(-1)
    scores = torch.matmul(Q, K.transpose(1, 2)) * (dk ** -0.5)
    if mask is not None:
        mask = mask.expand_as(scores)
    w = _masked_softmax(scores, mask)
    return torch.matmul(w, V), w


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    N, T, D = x.shape
    if not isinstance(num_heads, int) or num_heads < 1:
        raise ValueError("num_heads must be a positive integer")
    if D % num_heads:
        raise ValueError("D must be divisible by num_heads")
    H, dh = num_heads, D // num_heads
    q = (x @ Wq).reshape(N, T, H, dh).permute(0, 2, 1, 3)
    k = (x @ Wk).reshape(N, T, H, dh).permute(0, 2, 1, 3)
    v = (x @ Wv).reshape(N, T, H, dh).permute(0, 2, 1, 3)
    scores = q @ k.permute(0, 1, 3, 2) / dh ** 0.5          # (N, H, T, T)
    allowed = torch.ones((N, 1, T, T), dtype=torch.bool, device=x.device)
    if causal:
        allowed = allowed & causal_mask(T, x.device)
    if key_padding_mask is not None:
        allowed = allowed & ~key_padding_mask[:, None, None, :]
    w = _masked_softmax(scores, allowed.expand(N, H, T, T))
    ctx = (w @ v).permute(0, 2, 1, 3).reshape(N, T, D)
    return ctx @ Wo
