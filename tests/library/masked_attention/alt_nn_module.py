"""Correct, in another style: single head via masked softmax with torch.where; multi-head
through torch.nn.MultiheadAttention with the conventions adapted."""
import math

import torch
from torch import nn


def causal_mask(T, device=None):
    return torch.ones(T, T, device=device).tril().bool()


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    q, k, v = torch.matmul(x, Wq), torch.matmul(x, Wk), torch.matmul(x, Wv)
    s = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(k.shape[2])
    if mask is None:
        w = s.softmax(-1)
    else:
        mask = mask.expand(s.shape)
        any_key = mask.any(dim=2, keepdim=True)
        safe = torch.where(mask, s, torch.tensor(float("-inf"), dtype=s.dtype))
        safe = torch.where(any_key, safe, torch.zeros((), dtype=s.dtype))
        w = torch.where(any_key, safe.softmax(-1), torch.zeros((), dtype=s.dtype))
    return torch.matmul(w, v), w


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    N, T, D = x.shape
    if num_heads < 1 or D % num_heads != 0:
        raise ValueError("num_heads must be positive and divide D")
    mha = nn.MultiheadAttention(D, num_heads, bias=False, batch_first=True, dtype=x.dtype)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([Wq.T, Wk.T, Wv.T], dim=0))
        mha.out_proj.weight.copy_(Wo.T)
    blocked = None
    allowed = torch.ones(N, T, T, dtype=torch.bool)
    if causal:
        blocked = ~causal_mask(T)  # nn.MultiheadAttention: True = NOT allowed
        allowed = allowed & causal_mask(T)
    if key_padding_mask is not None:
        allowed = allowed & ~key_padding_mask[:, None, :]
    out, _ = mha(x, x, x, attn_mask=blocked, key_padding_mask=key_padding_mask,
                 need_weights=False)
    # queries with no allowed key: zeros (no bias, so zero heads give a zero output)
    return torch.nan_to_num(out, nan=0.0) * allowed.any(-1, keepdim=True).to(x.dtype)
