"""Correct (from a blind review): divmod-based floor, early returns, TypeError for malformed arguments, messages in plain words."""


def conv2d_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    def pair(v, what):
        if isinstance(v, int):
            return (v, v)
        if isinstance(v, tuple) and len(v) == 2 and all(isinstance(e, int) for e in v):
            return v
        raise TypeError(f"{what} must be an int or a pair of ints")

    if not isinstance(input_shape, tuple) or len(input_shape) != 3 or not all(
            isinstance(e, int) for e in input_shape):
        raise TypeError("input_shape must be a tuple (C, H, W) of ints")
    C, H, W = input_shape
    if C < 1:
        raise ValueError(f"input_shape: the number of input channels is {C}")
    if H < 1 or W < 1:
        raise ValueError(f"input_shape: the input size {H}x{W} is empty")
    if not isinstance(out_channels, int):
        raise TypeError("out_channels must be an int")
    if out_channels < 1:
        raise ValueError(f"out_channels is {out_channels}, it must be at least 1")
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = pair(stride, "stride")
    dh, dw = pair(dilation, "dilation")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel_size {kernel_size} is not positive")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride {stride} is not positive")
    if dh < 1 or dw < 1:
        raise ValueError(f"dilation {dilation} is not positive")

    if padding == "same":
        if sh == 1 and sw == 1:
            return (out_channels, H, W)
        raise ValueError(f"padding 'same' cannot be combined with stride {stride}")
    if padding == "valid":
        ph = pw = 0
    elif isinstance(padding, str):
        raise TypeError(f"padding string {padding!r} is not 'valid' or 'same'")
    else:
        ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding {padding} is negative")

    q_h, _ = divmod(H + 2 * ph - dh * (kh - 1) - 1, sh)
    q_w, _ = divmod(W + 2 * pw - dw * (kw - 1) - 1, sw)
    if q_h < 0 or q_w < 0:
        raise ValueError(f"the kernel {kernel_size} (dilation {dilation}) is larger than the padded input {H}x{W}")
    return (out_channels, q_h + 1, q_w + 1)


def pool2d_output_shape(input_shape, kernel_size, stride=None, padding=0):
    if isinstance(padding, str):
        raise TypeError("pooling padding must be an int or a pair, not a string")
    if stride is None:
        stride = kernel_size
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    ph, pw = (padding, padding) if isinstance(padding, int) else tuple(padding)
    if isinstance(kh, int) and isinstance(ph, int) and kh >= 1 and 2 * ph > kh:
        raise ValueError(f"padding {padding} is more than half the kernel_size {kernel_size}")
    if isinstance(kw, int) and isinstance(pw, int) and kw >= 1 and 2 * pw > kw:
        raise ValueError(f"padding {padding} is more than half the kernel_size {kernel_size}")
    C = input_shape[0] if isinstance(input_shape, tuple) else None
    _, H_out, W_out = conv2d_output_shape(input_shape, 1, kernel_size, stride, padding)
    return (C, H_out, W_out)


def conv2d_param_count(in_channels, out_channels, kernel_size, bias=True):
    if not isinstance(in_channels, int) or not isinstance(out_channels, int):
        raise TypeError("in_channels and out_channels must be ints")
    if in_channels < 1:
        raise ValueError(f"in_channels is {in_channels}")
    if out_channels < 1:
        raise ValueError(f"out_channels is {out_channels}")
    if isinstance(kernel_size, int):
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    if not (isinstance(kh, int) and isinstance(kw, int)):
        raise TypeError("kernel_size must be ints")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel_size {kernel_size} is not positive")
    return in_channels * out_channels * kh * kw + bool(bias) * out_channels
