"""Correct, in another style: explicit Python loops, a hand-written stable softmax, lists."""
import math

import torch


def causal_mask(T, device=None):
    rows = [[j <= i for j in range(T)] for i in range(T)]
    return torch.tensor(rows, dtype=torch.bool, device=device).reshape(T, T)


def _softmax_row(row, allowed):
    """row: (T,) scores; allowed: list of bools or None."""
    keep = [True] * row.shape[0] if allowed is None else allowed
    idx = [j for j, ok in enumerate(keep) if ok]
    if not idx:
        return torch.zeros_like(row)
    m = max(row[j] for j in idx).detach()
    e = [torch.exp(row[j] - m) if keep[j] else torch.zeros((), dtype=row.dtype)
         for j in range(len(keep))]
    e = torch.stack(e)
    return e / e.sum()


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    N, T, _ = x.shape
    dk = Wq.shape[1]
    outs, ws = [], []
    for n in range(N):
        q, k, v = x[n] @ Wq, x[n] @ Wk, x[n] @ Wv
        rows = []
        for i in range(T):
            scores = torch.stack([torch.dot(q[i], k[j]) for j in range(T)]) / math.sqrt(dk)
            allowed = None
            if mask is not None:
                m = mask if mask.dim() == 2 else mask[n]
                allowed = [bool(m[i, j]) for j in range(T)]
            rows.append(_softmax_row(scores, allowed))
        w = torch.stack(rows)
        ws.append(w)
        outs.append(w @ v)
    return torch.stack(outs), torch.stack(ws)


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    N, T, D = x.shape
    if not isinstance(num_heads, int) or num_heads < 1:
        raise ValueError("num_heads must be a positive integer")
    if D % num_heads:
        raise ValueError("num_heads must divide the model size")
    dh = D // num_heads
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    batch = []
    for n in range(N):
        m = torch.ones(T, T, dtype=torch.bool)
        if causal:
            m = m & causal_mask(T)
        if key_padding_mask is not None:
            m = m & ~key_padding_mask[n].reshape(1, T)
        heads = []
        for h in range(num_heads):
            cols = slice(h * dh, (h + 1) * dh)
            q, k, v = Q[n, :, cols], K[n, :, cols], V[n, :, cols]
            rows = []
            for i in range(T):
                s = (k @ q[i]) / math.sqrt(dh)
                rows.append(_softmax_row(s, [bool(m[i, j]) for j in range(T)]) @ v)
            heads.append(torch.stack(rows))
        batch.append(torch.cat(heads, dim=1))
    return torch.stack(batch) @ Wo
