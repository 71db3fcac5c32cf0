"""Correct, in another style: torch.nn.functional.scaled_dot_product_attention does the work."""
import math

import torch
import torch.nn.functional as F


def causal_mask(T, device=None):
    return ~torch.triu(torch.ones((T, T), dtype=torch.bool, device=device), diagonal=1)


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    out = F.scaled_dot_product_attention(Q, K, V, attn_mask=mask)
    scores = Q @ K.mT / math.sqrt(Q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), -math.inf)
    weights = torch.nan_to_num(F.softmax(scores, dim=-1), nan=0.0)
    return torch.nan_to_num(out, nan=0.0), weights


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    B, L, E = x.size()
    if num_heads < 1 or E % num_heads:
        raise ValueError("num_heads must be >= 1 and divide the embedding size")
    hd = E // num_heads
    q, k, v = [(x @ W).unflatten(-1, (num_heads, hd)).permute(0, 2, 1, 3) for W in (Wq, Wk, Wv)]
    m = None
    if causal:
        m = causal_mask(L).expand(B, 1, L, L)
    if key_padding_mask is not None:
        keep = key_padding_mask.logical_not()[:, None, None, :].expand(B, 1, L, L)
        m = keep if m is None else m & keep
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    o = torch.nan_to_num(o, nan=0.0).permute(0, 2, 1, 3).flatten(2)
    return o @ Wo
