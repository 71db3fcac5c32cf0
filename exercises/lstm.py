"""연습 문제: LSTM 게이트와 셀 (numpy, 밑바닥부터 시작하는 딥러닝 2 방식)
Exercise: LSTM gates and cell (numpy, DLFS2 layout).

numpy 만 사용합니다. 행 벡터 규칙: x @ W + b.  Numpy only, row vectors: x @ W + b.
채점 / Grade it:  grade exercise lstm

형상 / Shapes:  x (N, D),  h_prev, c_prev (N, H),  Wx (D, 4H),  Wh (H, 4H),  b (4H,)
"""

import numpy as np


def sigmoid(x):
    """시그모이드 sigma(x) = 1 / (1 + exp(-x)) 를 원소별로 계산해 x 와 같은 형상으로 반환합니다.

    - |x| 가 1e4 만큼 커도 NaN 이 나오면 안 되고, overflow / invalid value 경고도 없어야
      합니다 (0 으로 underflow 되는 것은 괜찮습니다).
    - 1 / (1 + np.exp(-x)) 를 그대로 쓰면 x = -1000 에서 np.exp(1000) 이 overflow 됩니다.
      exp 에는 항상 0 이하의 값만 넣으세요: 예를 들어 z = exp(-|x|) 로 두면
      x >= 0 일 때 1 / (1 + z), x < 0 일 때 z / (1 + z) 입니다.
      (np.where 는 양쪽 식을 모두 계산하므로, 넘치는 식을 np.where 안에 넣어도 경고가 납니다.)

    Elementwise sigmoid sigma(x) = 1 / (1 + exp(-x)), same shape as x.

    - No NaN, and no overflow or invalid-value warnings, for inputs as large as 1e4 in magnitude
      (underflow to 0 is fine).
    - Written literally, 1 / (1 + np.exp(-x)) overflows np.exp(1000) at x = -1000. Only ever
      exponentiate numbers <= 0: with z = exp(-|x|), sigma(x) = 1 / (1 + z) for x >= 0 and
      z / (1 + z) for x < 0. (np.where evaluates both branches, so an overflowing expression
      inside np.where still warns.)

    >>> sigmoid(np.array([0.0, 1e4, -1e4]))
    array([0.5, 1. , 0. ])
    """
    raise NotImplementedError


def lstm_gates(x, h_prev, Wx, Wh, b):
    """LSTM 의 네 게이트를 계산해 dict {"f", "g", "i", "o"} 로 반환합니다 (각각 (N, H)).

    - 아핀 변환 A = x @ Wx + h_prev @ Wh + b 의 형상은 (N, 4H) 입니다.
    - A 를 열 방향으로 H 개씩 네 덩어리로 자르는데, 순서는 **f, g, i, o** 입니다
      (밑바닥부터 시작하는 딥러닝 2 의 순서. PyTorch 는 i, f, g, o 이니 헷갈리지 마세요):
          f = A[:, 0:H],  g = A[:, H:2H],  i = A[:, 2H:3H],  o = A[:, 3H:4H]
    - 활성화까지 마친 값을 넣습니다: f, i, o 는 sigmoid (0~1 사이의 "문"), g 는 tanh
      (-1~1 사이의 새 기억 후보).
    - 키는 정확히 "f", "g", "i", "o" 네 개여야 합니다.

    Compute the four LSTM gates and return them as a dict with keys "f", "g", "i", "o",
    each of shape (N, H).

    - The affine A = x @ Wx + h_prev @ Wh + b has shape (N, 4H).
    - Cut A column-wise into four blocks of H columns in the order **f, g, i, o** (DLFS2's
      order; PyTorch uses i, f, g, o, so do not mix them up):
          f = A[:, 0:H],  g = A[:, H:2H],  i = A[:, 2H:3H],  o = A[:, 3H:4H]
    - Store activated values: sigmoid for f, i, o (gates between 0 and 1), tanh for g (the
      candidate memory, between -1 and 1).
    - The keys must be exactly "f", "g", "i", "o".
    """
    raise NotImplementedError


def lstm_cell(x, h_prev, c_prev, Wx, Wh, b):
    """LSTM 한 시각(time step)을 계산해 (h_next, c_next) 튜플을 반환합니다 (둘 다 (N, H)).

        c_next = f * c_prev + i * g        (* 는 원소별 곱)
        h_next = o * tanh(c_next)

    f 는 이전 기억 중 남길 비율, i 는 새 후보 g 중 쓸 비율, o 는 밖으로 내보낼 비율입니다.
    h_next 에는 새로 계산한 c_next 를 씁니다 (c_prev 가 아님). 반환 순서는 h 먼저, c 다음.
    입력 배열을 제자리에서(in place) 바꾸지 마세요 (c_prev *= f 같은 코드 금지).

    One LSTM time step; return the tuple (h_next, c_next), both (N, H):

        c_next = f * c_prev + i * g        (* is elementwise)
        h_next = o * tanh(c_next)

    f chooses how much old memory to keep, i how much of the candidate g to write, o how much
    to show. h_next uses the new c_next (not c_prev). Return h first, then c. Never modify an
    input array in place (no c_prev *= f).
    """
    raise NotImplementedError


def lstm_forward(xs, Wx, Wh, b, h0=None, c0=None):
    """길이 T 인 시퀀스 전체에 LSTM 을 적용해 (hs, h_last, c_last) 를 반환합니다.

    - xs: (N, T, D) (배치 먼저). hs: (N, T, H) 로, hs[:, t] 는 시각 t 의 h 입니다.
    - h0, c0: (N, H) 초기 상태. None 이면 0 으로 채운 (N, H) 배열을 씁니다.
    - 모든 시각에 같은 Wx, Wh, b 를 쓰고, 한 시각의 (h, c) 를 다음 시각에 넘겨 줍니다.
    - h_last, c_last 는 마지막 시각의 상태입니다 (h_last 는 hs[:, -1] 과 같습니다).
    - h0, c0 를 포함한 입력 배열을 제자리에서 바꾸지 마세요.

    Run the LSTM over a whole sequence of length T and return (hs, h_last, c_last).

    - xs is (N, T, D) (batch first); hs is (N, T, H) with hs[:, t] the h of step t.
    - h0, c0: (N, H) initial states; when None, use zeros of shape (N, H).
    - Use the same Wx, Wh, b at every step, and carry (h, c) from one step to the next.
    - h_last and c_last are the states after the last step (h_last equals hs[:, -1]).
    - Do not modify any input in place, h0 and c0 included.
    """
    raise NotImplementedError
