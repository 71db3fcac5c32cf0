"""Correct, in another style: the numpy arrays go through PyTorch and come back as numpy."""
import numpy as np
import torch
import torch.nn.functional as F


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def softmax(x, axis=-1):
    x = _t(x)
    out = torch.softmax(x, dim=axis)
    # torch gives NaN for an all -inf slice; the contract wants zeros there
    empty = torch.isneginf(x).all(dim=axis, keepdim=True)
    return out.masked_fill(empty, 0.0).numpy()


def dot_score(h, hs):
    return torch.bmm(_t(hs), _t(h).unsqueeze(-1)).squeeze(-1).numpy()


def general_score(h, hs, W):
    return torch.bmm(_t(hs), (_t(h) @ _t(W)).unsqueeze(-1)).squeeze(-1).numpy()


def concat_score(h, hs, W, v):
    layer = torch.nn.Linear(W.shape[0], W.shape[1], bias=False, dtype=_t(W).dtype)
    with torch.no_grad():
        layer.weight.copy_(_t(W).T)
        N, T, H = hs.shape
        joined = torch.cat([_t(h).unsqueeze(1).expand(N, T, H), _t(hs)], dim=-1)
        return (torch.tanh(layer(joined)) @ _t(v)).numpy()


def attention_weights(scores):
    return torch.softmax(_t(scores), dim=-1).numpy()


def context_vector(a, hs):
    return torch.bmm(_t(a).unsqueeze(1), _t(hs)).squeeze(1).numpy()


def scaled_dot_product_attention(Q, K, V, mask=None):
    q, k, v = _t(Q), _t(K), _t(V)
    m = None if mask is None else _t(mask)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if m is not None:
        scores = scores.masked_fill(~m, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return out.numpy(), weights.numpy()
