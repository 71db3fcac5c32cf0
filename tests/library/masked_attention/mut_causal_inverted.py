# expect-fail: test_causal_mask test_mha_values
# expect-diagnosis: the mask is inverted (True on the future
"""Mutant: the causal mask marks the future (nn.MultiheadAttention's convention)"""

from __future__ import annotations

import math

import torch


def causal_mask(T: int, device=None) -> torch.Tensor:
    # mask[i, j] = (j <= i): query i sees itself and the past, never the future
    return torch.ones(T, T, dtype=torch.bool, device=device).triu(1)


def _attend(Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, allowed, scale: float):
    """softmax(Q K^T / scale) V over keys, disallowed keys excluded; empty rows give zeros."""
    scores = Q @ K.transpose(-2, -1) / scale
    if allowed is None:
        weights = torch.softmax(scores, dim=-1)
    else:
        # -inf before the softmax gives exactly 0 weight; a row of only -inf would be 0/0 = NaN,
        # so such rows are set to 0 (torch.where keeps the gradient free of NaN as well)
        scores = scores.masked_fill(~allowed, float("-inf"))
        has_key = allowed.any(dim=-1, keepdim=True)
        scores = torch.where(has_key, scores, torch.zeros_like(scores))
        weights = torch.softmax(scores, dim=-1) * has_key
    return weights @ V, weights


def masked_self_attention(x: torch.Tensor, Wq: torch.Tensor, Wk: torch.Tensor, Wv: torch.Tensor,
                          mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    # Q, K, V all come from the same sequence x: (N, T, D) @ (D, dk) -> (N, T, dk)
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    # mask (T, T) or (N, T, T), True = may attend; broadcasting handles both shapes
    return _attend(Q, K, V, mask, math.sqrt(Wq.shape[-1]))


def multi_head_self_attention(x: torch.Tensor, Wq: torch.Tensor, Wk: torch.Tensor,
                              Wv: torch.Tensor, Wo: torch.Tensor, num_heads: int,
                              causal: bool = True,
                              key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
    N, T, D = x.shape
    if num_heads < 1 or D % num_heads != 0:
        raise ValueError(f"num_heads must be >= 1 and divide D={D}, got {num_heads}")
    dh = D // num_heads

    def split(M: torch.Tensor) -> torch.Tensor:
        # (N, T, D) -> (N, T, H, dh) -> (N, H, T, dh): head h owns columns h*dh:(h+1)*dh
        return M.view(N, T, num_heads, dh).transpose(1, 2)

    allowed = torch.ones(N, 1, T, T, dtype=torch.bool, device=x.device)
    if causal:
        allowed = allowed & causal_mask(T, x.device)
    if key_padding_mask is not None:
        # (N, T) True = padding key: hide that key (a column) from every query of every head
        allowed = allowed & ~key_padding_mask[:, None, None, :]
    heads, _ = _attend(split(x @ Wq), split(x @ Wk), split(x @ Wv), allowed, math.sqrt(dh))
    # (N, H, T, dh) -> (N, T, H, dh) -> (N, T, D): heads concatenated in order, then W^O
    return heads.transpose(1, 2).reshape(N, T, D) @ Wo
