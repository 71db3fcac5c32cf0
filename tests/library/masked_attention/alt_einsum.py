"""Correct, in another style: einsum, arange comparisons, finfo.min instead of -inf, chunk/cat."""
import torch


def causal_mask(T, device=None):
    i = torch.arange(T, device=device)
    return i[None, :] <= i[:, None]


def _softmax_masked(scores, allowed):
    if allowed is None:
        return torch.softmax(scores, dim=-1)
    allowed = allowed.expand_as(scores)
    low = torch.finfo(scores.dtype).min
    s = torch.where(allowed, scores, torch.full_like(scores, low))
    w = torch.softmax(s, dim=-1) * allowed.to(scores.dtype)
    # renormalise over the allowed keys; empty rows stay 0 (clamp avoids 0/0)
    return w / w.sum(-1, keepdim=True).clamp_min(torch.finfo(scores.dtype).tiny)


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    Q = torch.einsum("ntd,dk->ntk", x, Wq)
    K = torch.einsum("ntd,dk->ntk", x, Wk)
    V = torch.einsum("ntd,dv->ntv", x, Wv)
    scores = torch.einsum("nik,njk->nij", Q, K) * Wq.shape[-1] ** -0.5
    w = _softmax_masked(scores, mask)
    return torch.einsum("nij,njv->niv", w, V), w


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    D = x.shape[-1]
    if num_heads <= 0 or D % num_heads != 0:
        raise ValueError(f"bad num_heads={num_heads} for D={D}")
    T = x.shape[1]
    allowed = torch.ones(x.shape[0], T, T, dtype=torch.bool)
    if causal:
        allowed = allowed & causal_mask(T)
    if key_padding_mask is not None:
        allowed = allowed & ~key_padding_mask.unsqueeze(1)
    outs = []
    for q, k, v in zip(*(torch.chunk(x @ W, num_heads, dim=-1) for W in (Wq, Wk, Wv))):
        s = torch.einsum("nid,njd->nij", q, k) / (q.shape[-1] ** 0.5)
        outs.append(torch.einsum("nij,njd->nid", _softmax_masked(s, allowed), v))
    return torch.cat(outs, dim=-1) @ Wo
