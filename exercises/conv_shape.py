"""연습 문제: 합성곱과 풀링의 출력 형상 / Exercise: convolution and pooling output shapes.

순수 파이썬만 사용합니다 (numpy 불필요). Plain Python only (no numpy needed).
채점 / Grade it:  grade exercise conv_shape
"""


def conv2d_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    """합성곱 층의 출력 형상 (C_out, H_out, W_out) 을 정수 튜플로 반환합니다.

    - input_shape: (C, H, W).
    - kernel_size, stride, dilation: 정수 하나 또는 (h, w) 쌍.
    - padding: 정수, (h, w) 쌍, "valid"(= 0) 또는 "same"(출력 H, W = 입력 H, W;
      모든 stride가 1일 때만 허용).
    - 공식 (W도 같은 방식):
          H_out = floor((H + 2*pad_h - dil_h*(k_h - 1) - 1) / stride_h) + 1
      패딩은 양쪽에 붙으므로 2*pad 입니다. 마지막의 +1 을 잊지 마세요.
    - 크기, 채널 수, stride, dilation 이 1 미만이거나, padding 이 음수이거나, stride != 1 인데
      "same" 을 쓰거나, 결과 차원이 1 미만이면 잘못된 인자를 밝히는 메시지와 함께 ValueError.
      형식이 잘못된 인자(실수 크기, 길이가 틀린 튜플, 모르는 padding 문자열)는
      ValueError 또는 TypeError.

    Return the output shape (C_out, H_out, W_out) of a 2-D convolution as a tuple of ints.

    - input_shape is (C, H, W).
    - kernel_size, stride, dilation: an int or an (h, w) pair.
    - padding: an int, an (h, w) pair, "valid" (= 0) or "same" (output H, W equal the input's;
      allowed only when every stride is 1).
    - Formula (likewise for W):
          H_out = floor((H + 2*pad_h - dil_h*(k_h - 1) - 1) / stride_h) + 1
      Padding goes on both sides, hence 2*pad; do not forget the final +1.
    - Raise ValueError naming the bad argument when a size, channel count, stride or dilation is
      < 1, padding is negative, "same" is used with a stride other than 1, or the result would
      have a dimension < 1. Malformed arguments (a float size, a tuple of the wrong length, an
      unknown padding string) raise ValueError or TypeError.

    >>> conv2d_output_shape((3, 32, 32), 16, 3, stride=1, padding=1)
    (16, 32, 32)
    """
    raise NotImplementedError


def pool2d_output_shape(input_shape, kernel_size, stride=None, padding=0):
    """풀링 층의 출력 형상 (C, H_out, W_out) 을 반환합니다.

    - stride 를 주지 않으면 kernel_size 와 같습니다. 채널 수는 그대로입니다. 내림(floor).
    - padding 은 정수 또는 (h, w) 쌍 (문자열 없음) 이고, 각 축에서 커널 크기의 절반 이하여야
      합니다 (PyTorch 규칙: 2*pad <= k). 어기면, 그리고 위 합성곱과 같은 경우에도 ValueError.

    Return the output shape (C, H_out, W_out) of a 2-D pooling layer.

    - stride defaults to kernel_size. Channels are unchanged. Floor mode, same formula as
      convolution with dilation 1.
    - padding is an int or an (h, w) pair (no strings) and may be at most half the kernel size on
      each axis (PyTorch's rule: 2*pad <= k); otherwise, and in the cases listed for
      conv2d_output_shape, raise ValueError.

    >>> pool2d_output_shape((16, 32, 32), 2)
    (16, 16, 16)
    """
    raise NotImplementedError


def conv2d_param_count(in_channels, out_channels, kernel_size, bias=True):
    """합성곱 층의 학습 파라미터 수를 정수로 반환합니다.

    가중치 in_channels * out_channels * k_h * k_w 개, bias=True 이면 편향 out_channels 개를
    더합니다 (편향은 필터마다 하나). 채널 수나 커널 크기가 1 미만이면 ValueError.

    Return the number of learnable parameters of a 2-D convolution as an int:
    in_channels * out_channels * k_h * k_w weights, plus out_channels biases when `bias`
    (one bias per filter, not per weight). Channel counts or kernel sizes < 1 raise ValueError.

    >>> conv2d_param_count(3, 16, 3)
    448
    """
    raise NotImplementedError
