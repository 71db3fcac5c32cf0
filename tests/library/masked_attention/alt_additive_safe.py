"""Correct (from a blind review): masked attention: additive float mask built with torch.zeros(...).masked_fill(~allowed, -inf); rows with no
allowed key get a 0 additive mask (finite softmax) and are zeroed afterwards; heads split with
torch.split / torch.stack and merged with torch.cat over a list."""
import math
import torch


def causal_mask(T, device=None):
    return torch.tril(torch.ones(T, T, device=device)) == 1


def _additive(allowed, dtype):
    row_ok = allowed.any(-1, keepdim=True)
    add = torch.zeros(allowed.shape, dtype=dtype, device=allowed.device)
    add = add.masked_fill(~allowed & row_ok, float("-inf"))
    return add, row_ok


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    scores = Q @ K.transpose(-2, -1) / math.sqrt(K.shape[-1])
    if mask is None:
        w = torch.softmax(scores, dim=-1)
    else:
        add, row_ok = _additive(mask.expand(scores.shape), scores.dtype)
        w = torch.softmax(scores + add, dim=-1) * row_ok
    return w @ V, w


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    N, T, D = x.shape
    if num_heads < 1 or D % num_heads != 0:
        raise ValueError("invalid num_heads")
    dh = D // num_heads
    Qs = torch.stack(torch.split(x @ Wq, dh, dim=-1), dim=1)   # (N, H, T, dh)
    Ks = torch.stack(torch.split(x @ Wk, dh, dim=-1), dim=1)
    Vs = torch.stack(torch.split(x @ Wv, dh, dim=-1), dim=1)
    scores = Qs @ Ks.transpose(-2, -1) / math.sqrt(dh)
    allowed = torch.ones(N, 1, T, T, dtype=torch.bool, device=x.device)
    if causal:
        allowed = allowed & causal_mask(T, x.device)
    if key_padding_mask is not None:
        allowed = allowed & (~key_padding_mask)[:, None, None, :]
    add, row_ok = _additive(allowed.expand(scores.shape), scores.dtype)
    w = torch.softmax(scores + add, dim=-1) * row_ok
    ctx = w @ Vs                                                # (N, H, T, dh)
    merged = torch.cat([ctx[:, h] for h in range(num_heads)], dim=-1)
    return merged @ Wo
