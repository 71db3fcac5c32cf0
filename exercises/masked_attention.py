"""연습 문제: 마스크드(인과) 셀프 어텐션 / Exercise: causal (masked) self-attention.

PyTorch 텐서로 구현합니다. Implement with PyTorch tensors.
채점 / Grade it:  grade exercise masked_attention

마스크 규칙 / Mask conventions (헷갈리기 쉬운 부분 / the part that trips people up):
  - causal_mask 결과와 masked_self_attention 의 mask: True = 볼 수 있음 (attend 허용).
    causal_mask result and `mask` of masked_self_attention: True = MAY attend.
  - multi_head_self_attention 의 key_padding_mask: True = 패딩 (아무 쿼리도 보면 안 되는 키).
    key_padding_mask of multi_head_self_attention: True = PADDING (no query may attend that key).
"""

import torch


def causal_mask(T, device=None):
    """(T, T) 불리언 인과 마스크: 쿼리 i 가 키 j 를 볼 수 있으면 True, 즉 j <= i.

    대각선(자기 자신)은 True 이고 미래(j > i)는 False 입니다. dtype 은 torch.bool,
    device 가 주어지면 그 장치에 만듭니다.

    Boolean (T, T) causal mask: True where query i may attend key j, i.e. j <= i.
    The diagonal (the position itself) is True; the future (j > i) is False. dtype torch.bool,
    created on `device` when given.

    >>> causal_mask(3)
    tensor([[ True, False, False],
            [ True,  True, False],
            [ True,  True,  True]])
    """
    raise NotImplementedError


def masked_self_attention(x, Wq, Wk, Wv, mask=None):
    """마스크를 적용한 (단일 헤드) 셀프 어텐션. (out, weights) 를 반환합니다.

    - x: (N, T, D); Wq, Wk: (D, dk); Wv: (D, dv). Q = x @ Wq, K = x @ Wk, V = x @ Wv.
    - scores = Q @ K^T / sqrt(dk)  -> (N, T, T), scores[n, i, j] = 쿼리 i 와 키 j.
    - mask: 불리언 (T, T) 또는 (N, T, T), True = 볼 수 있음. None 이면 마스크 없음.
      허용되지 않은 위치는 softmax *전에* -inf 로 채웁니다 (0 이 아니라 -inf; softmax 뒤에
      곱하면 합이 1 이 되지 않습니다). 그러면 그 가중치는 정확히 0 이 됩니다.
    - weights = 키 축(마지막 축)에 대한 softmax -> (N, T, T); out = weights @ V -> (N, T, dv).
    - 허용된 키가 하나도 없는 행은 softmax 가 0/0 = NaN 이 되므로, 그 행의 weights 와 out 은
      0 으로 만드세요 (NaN 금지).
    - x 와 모든 가중치에 대해 미분 가능해야 합니다 (.detach(), .numpy() 금지). 출력 dtype 은
      입력 dtype 과 같고, 입력을 제자리(in place)에서 바꾸지 마세요.

    Masked (single-head) self-attention. Returns (out, weights).

    - x: (N, T, D); Wq, Wk: (D, dk); Wv: (D, dv). Q = x @ Wq, K = x @ Wk, V = x @ Wv.
    - scores = Q @ K^T / sqrt(dk)  -> (N, T, T), scores[n, i, j] pairs query i with key j.
    - mask: boolean (T, T) or (N, T, T), True = may attend; None = no masking at all.
      Fill disallowed positions with -inf *before* the softmax (not 0; multiplying after the
      softmax leaves rows that do not sum to 1), so their weights are exactly 0.
    - weights = softmax over the key axis (the last one) -> (N, T, T); out = weights @ V
      -> (N, T, dv).
    - A row with no allowed key would be softmax(all -inf) = 0/0 = NaN: give zeros instead, in
      both weights and out.
    - Must be differentiable with respect to x and every weight (no .detach(), no .numpy()).
      Outputs keep the input dtype; do not modify the inputs in place.
    """
    raise NotImplementedError


def multi_head_self_attention(x, Wq, Wk, Wv, Wo, num_heads, causal=True, key_padding_mask=None):
    """멀티 헤드 셀프 어텐션 (편향 없음). (N, T, D) 를 반환합니다.

    - Wq, Wk, Wv, Wo: (D, D). num_heads < 1 이거나 D % num_heads != 0 이면 ValueError.
    - dh = D // num_heads. 헤드 h 는 x @ Wq (그리고 K, V) 의 열 h*dh:(h+1)*dh 를 씁니다
      (연속된 열 묶음; 교차(interleave) 아님). (N, T, D) -> (N, T, H, dh) -> (N, H, T, dh).
    - 각 헤드: softmax(Q_h K_h^T / sqrt(dh)) V_h  (스케일은 D 가 아니라 헤드 크기 dh).
    - 헤드 출력을 헤드 순서대로 이어 붙여 (N, T, D) 로 만든 뒤 @ Wo.
    - causal=True 이면 causal_mask 를 적용합니다.
    - key_padding_mask: 불리언 (N, T), True = 패딩 키 (nn.MultiheadAttention 규칙). 패딩은
      *키*(scores 의 마지막 축)를 가립니다. 쿼리를 가리는 것이 아닙니다.
    - 볼 수 있는 키가 없는 쿼리는 Wo 이전에 0 을 출력합니다 (NaN 금지).

    Multi-head self-attention without biases. Returns (N, T, D).

    - Wq, Wk, Wv, Wo: (D, D). Raise ValueError when num_heads < 1 or D % num_heads != 0.
    - dh = D // num_heads. Head h uses columns h*dh:(h+1)*dh of x @ Wq (likewise K, V):
      contiguous blocks, not interleaved. (N, T, D) -> (N, T, H, dh) -> (N, H, T, dh).
    - Each head: softmax(Q_h K_h^T / sqrt(dh)) V_h (scale by the head size dh, not D).
    - Concatenate the head outputs in head order back to (N, T, D), then multiply by Wo.
    - causal=True applies causal_mask.
    - key_padding_mask: boolean (N, T), True = a padding key (the nn.MultiheadAttention
      convention). Padding hides *keys* (the last axis of the scores), not queries.
    - A query left with no allowed key outputs zeros before Wo (never NaN).
    """
    raise NotImplementedError
