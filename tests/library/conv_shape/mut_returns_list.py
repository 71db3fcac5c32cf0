# expect-fail: test_conv_square
# expect-diagnosis: type is not
"""Mutant (from a blind review): conv returns a list instead of a tuple"""


def _pair(x, name):
    if isinstance(x, (tuple, list)):
        if len(x) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {x!r}")
        a, b = x
    else:
        a, b = x, x
    for v in (a, b):
        if not isinstance(v, int):
            raise TypeError(f"{name} must contain ints, got {v!r}")
    return a, b


def _check_input(input_shape):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {input_shape!r}")
    for v in input_shape:
        if not isinstance(v, int):
            raise TypeError(f"input_shape entries must be ints, got {v!r}")
        if v < 1:
            raise ValueError(f"input_shape entries must be >= 1, got {input_shape!r}")
    return input_shape


def conv2d_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    C, H, W = _check_input(input_shape)
    if not isinstance(out_channels, int):
        raise TypeError("out_channels must be an int")
    if out_channels < 1:
        raise ValueError(f"out_channels must be >= 1, got {out_channels}")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel_size must be >= 1, got {kernel_size!r}")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be >= 1, got {stride!r}")
    if dh < 1 or dw < 1:
        raise ValueError(f"dilation must be >= 1, got {dilation!r}")
    if isinstance(padding, str):
        if padding == "valid":
            ph, pw = 0, 0
        elif padding == "same":
            if sh != 1 or sw != 1:
                raise ValueError("padding='same' requires stride 1")
            return [out_channels, H, W]
        else:
            raise ValueError(f"unknown padding {padding!r}")
    else:
        ph, pw = _pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    H_out = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    W_out = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if H_out < 1 or W_out < 1:
        raise ValueError(
            f"kernel_size {kernel_size!r} (dilation {dilation!r}) is too large for input_shape {input_shape!r}"
        )
    return [out_channels, H_out, W_out]


def pool2d_output_shape(input_shape, kernel_size, stride=None, padding=0):
    C, H, W = _check_input(input_shape)
    kh, kw = _pair(kernel_size, "kernel_size")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel_size must be >= 1, got {kernel_size!r}")
    if stride is None:
        sh, sw = kh, kw
    else:
        sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be >= 1, got {stride!r}")
    if isinstance(padding, str):
        raise ValueError("padding must be an int or a pair for pooling")
    ph, pw = _pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError(f"padding {padding!r} must be at most half of kernel_size {kernel_size!r}")
    H_out = (H + 2 * ph - kh) // sh + 1
    W_out = (W + 2 * pw - kw) // sw + 1
    if H_out < 1 or W_out < 1:
        raise ValueError(f"kernel_size {kernel_size!r} too large for input_shape {input_shape!r}")
    return (C, H_out, W_out)


def conv2d_param_count(in_channels, out_channels, kernel_size, bias=True):
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
        if not isinstance(v, int):
            raise TypeError(f"{name} must be an int")
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    kh, kw = _pair(kernel_size, "kernel_size")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel_size must be >= 1, got {kernel_size!r}")
    n = in_channels * out_channels * kh * kw
    if bias:
        n += out_channels
    return n
