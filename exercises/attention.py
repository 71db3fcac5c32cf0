"""연습 문제: 어텐션 점수, 가중치, 맥락 벡터 / Exercise: attention scores, weights and context.

numpy 만 사용합니다. numpy only.
형상 / shapes:  h = 디코더 은닉 상태 decoder state (N, H),  hs = 인코더 은닉 상태들 encoder
states (N, T, H). N = 배치 크기 batch size, T = 인코더 시점 수 encoder time steps.
채점 / Grade it:  grade exercise attention
"""

import numpy as np


def softmax(x, axis=-1):
    """축 `axis` 를 따라 소프트맥스를 계산합니다 (입력과 같은 형상).

        softmax(x)_i = exp(x_i) / sum_j exp(x_j)

    - 수치 안정성: exp(1000) 은 inf 가 됩니다. softmax(x) = softmax(x - c) 이므로 각 조각
      (slice)의 최댓값을 빼고 exp 를 계산하세요 (keepdims=True 로 브로드캐스트). 크기가 1e4 인
      입력에서도 inf/NaN 없이 올바른 값이 나와야 합니다 (0 으로의 언더플로는 괜찮습니다).
    - 원소가 -inf 이면 가중치는 0 입니다. 조각 전체가 -inf 이면 (최댓값도 -inf, 그리고
      -inf - (-inf) = NaN!) 그 조각의 결과는 모두 0 입니다.
    - axis 는 음수일 수도 있습니다. 입력을 제자리에서 바꾸지 마세요 (x -= ... 금지).

    Softmax along `axis` (same shape as x).

        softmax(x)_i = exp(x_i) / sum_j exp(x_j)

    - Numerical stability: exp(1000) is inf. Since softmax(x) = softmax(x - c), subtract each
      slice's max before exp (keepdims=True so it broadcasts). Inputs as large as 1e4 in magnitude
      must give correct values with no inf or NaN (underflow to 0 is fine).
    - A -inf entry gets weight 0. A slice that is entirely -inf (its max is -inf too, and
      -inf - (-inf) is NaN!) gives all zeros.
    - axis may be negative. Do not modify x in place (no x -= ...).

    >>> softmax(np.array([[1.0, 1.0], [0.0, -np.inf]]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    raise NotImplementedError


def dot_score(h, hs):
    """내적(dot) 어텐션 점수 (N, T):  score[n, t] = h[n] · hs[n, t].

    배치 n 마다 따로 계산합니다: 디코더 상태 h[n] 을 같은 배치의 인코더 상태 hs[n, t] 와만
    비교합니다. 힌트: h 를 (N, 1, H) 로 바꾸면 hs 와 브로드캐스트됩니다.

    Dot-product attention scores (N, T):  score[n, t] = h[n] · hs[n, t].
    Each batch row on its own: h[n] is compared only with the encoder states of the same row.
    Hint: reshaped to (N, 1, H), h broadcasts against hs.
    """
    raise NotImplementedError


def general_score(h, hs, W):
    """일반화된 내적(general) 점수 (N, T):  score[n, t] = h[n] @ W @ hs[n, t].

    W 는 (H, H) 학습 파라미터입니다. 순서에 주의하세요: 디코더 상태가 왼쪽, W 가 가운데,
    인코더 상태가 오른쪽입니다 (hs @ W @ h 는 W 의 전치를 쓴 것과 같아 다른 값이 됩니다).

    "General" (bilinear) scores (N, T):  score[n, t] = h[n] @ W @ hs[n, t].
    W is a learned (H, H) matrix. Mind the order: decoder state on the left, W in the middle,
    encoder state on the right (hs @ W @ h uses W transposed and gives other values).
    """
    raise NotImplementedError


def concat_score(h, hs, W, v):
    """연결(concat) 점수 (N, T):  score[n, t] = tanh(concat(h[n], hs[n, t]) @ W) @ v.

    W 는 (2H, A), v 는 (A,) 입니다. 연결 순서는 디코더 상태 h[n] 이 먼저, 인코더 상태
    hs[n, t] 가 나중입니다 (W 의 앞쪽 H 행이 h 에 곱해집니다). tanh 를 잊지 마세요.

    Concat (additive) scores (N, T):  score[n, t] = tanh(concat(h[n], hs[n, t]) @ W) @ v.
    W is (2H, A), v is (A,). The decoder state h[n] comes first in the concatenation, then the
    encoder state hs[n, t] (the first H rows of W multiply h). Do not forget the tanh.
    """
    raise NotImplementedError


def attention_weights(scores):
    """어텐션 가중치 (N, T): 점수를 T 축(인코더 시점)으로 소프트맥스 합니다.

    각 행 a[n] 은 0 이상이고 합이 1 입니다 (배치 축 N 으로 정규화하면 안 됩니다).

    Attention weights (N, T): the softmax of the scores over T (the encoder positions).
    Each row a[n] is non-negative and sums to 1 (do not normalise over the batch axis N).
    """
    raise NotImplementedError


def context_vector(a, hs):
    """맥락 벡터 (N, H):  c[n] = sum_t a[n, t] * hs[n, t].

    a 는 (N, T) 가중치, hs 는 (N, T, H) 입니다. 인코더 상태들의 가중합이므로 T 축으로 더합니다
    (평균이 아니라 합: 가중치의 합이 이미 1 입니다).

    Context vector (N, H):  c[n] = sum_t a[n, t] * hs[n, t].
    a is (N, T), hs is (N, T, H). A weighted sum of the encoder states, so sum over T (a sum, not
    a mean: the weights already add up to 1).
    """
    raise NotImplementedError


def scaled_dot_product_attention(Q, K, V, mask=None):
    """스케일드 닷-프로덕트 어텐션. (out, weights) 튜플을 반환합니다.

        weights = softmax(Q @ K^T / sqrt(d))   (키 축, 즉 마지막 축으로 소프트맥스)
        out     = weights @ V

    - Q (..., Tq, d), K (..., Tk, d), V (..., Tk, dv). 앞쪽 배치 축은 0 개, 1 개 또는 여러 개일
      수 있습니다 (Q, K, V 모두 같음). K^T 는 마지막 두 축만 바꿉니다 (K.T 는 모든 축을
      뒤집습니다!). d 는 Q 의 마지막 차원이고, 나누는 값은 d 가 아니라 sqrt(d) 입니다.
    - 반환: out (..., Tq, dv), weights (..., Tq, Tk).
    - mask: bool 배열, (..., Tq, Tk) 로 브로드캐스트 가능 (예: (Tq, Tk), (B, 1, Tk)).
      True = 이 쿼리가 이 키를 볼 수 있음 (PyTorch 규칙). 막힌 키의 가중치는 정확히 0 이어야
      하므로 소프트맥스 전에 점수를 -inf 로 채우세요 (0 으로 채우면 안 됩니다). 볼 수 있는
      키가 하나도 없는 쿼리는 가중치와 출력이 모두 0 입니다 (NaN 금지).

    Scaled dot-product attention. Returns the tuple (out, weights).

        weights = softmax(Q @ K^T / sqrt(d))   (softmax over the keys: the last axis)
        out     = weights @ V

    - Q (..., Tq, d), K (..., Tk, d), V (..., Tk, dv), with any number of leading batch axes,
      including none (the same for Q, K and V). K^T swaps only the last two axes (K.T reverses
      them all!). d is Q's last dimension; divide by sqrt(d), not by d.
    - Returns out (..., Tq, dv) and weights (..., Tq, Tk).
    - mask: boolean, broadcastable to (..., Tq, Tk) (e.g. (Tq, Tk) or (B, 1, Tk)).
      True = this query may attend this key (PyTorch's convention). Blocked keys must get weight
      exactly 0, so fill their scores with -inf before the softmax (not with 0). A query with no
      allowed key gets all-zero weights and an all-zero output (never NaN).
    """
    raise NotImplementedError
