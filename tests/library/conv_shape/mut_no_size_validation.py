# expect-fail: test_conv_invalid
"""Mutant of the reference: no size validation."""


def _pair(value, name):
    """An int or an (h, w) pair of ints, as a pair."""
    if isinstance(value, int):
        return value, value
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


def _positive(values, name):
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be >= 1, got {values!r}")


def _input(input_shape):
    if not (isinstance(input_shape, tuple) and len(input_shape) == 3
            and all(isinstance(v, int) for v in input_shape)):
        raise TypeError(f"input_shape must be a (C, H, W) tuple of ints, got {input_shape!r}")
    _positive(input_shape, "input_shape")
    return input_shape


def _out_size(size, kernel, stride, pad, dilation):
    # floor((H + 2P - d(K-1) - 1) / S) + 1
    out = (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1
    if out < -10**9:
        raise ValueError(f"the kernel (effective size {dilation * (kernel - 1) + 1}) does not "
                         f"fit the input size {size} with padding {pad}: output would be {out}")
    return out


def conv2d_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    _, h, w = _input(input_shape)
    if not isinstance(out_channels, int):
        raise TypeError(f"out_channels must be an int, got {out_channels!r}")
    _positive((out_channels,), "out_channels")
    kernel, strides, dils = (_pair(kernel_size, "kernel_size"), _pair(stride, "stride"),
                             _pair(dilation, "dilation"))
    _positive(kernel, "kernel_size")
    _positive(strides, "stride")
    _positive(dils, "dilation")
    if padding == "same":
        if strides != (1, 1):
            raise ValueError("padding='same' requires stride 1")
        return out_channels, h, w  # PyTorch pads d(K-1) in total, split unevenly if odd
    pads = (0, 0) if padding == "valid" else _pair(padding, "padding")
    if any(p < 0 for p in pads):
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return (out_channels,
            _out_size(h, kernel[0], strides[0], pads[0], dils[0]),
            _out_size(w, kernel[1], strides[1], pads[1], dils[1]))


def pool2d_output_shape(input_shape, kernel_size, stride=None, padding=0):
    c, h, w = _input(input_shape)
    kernel = _pair(kernel_size, "kernel_size")
    strides = kernel if stride is None else _pair(stride, "stride")
    pads = _pair(padding, "padding")
    _positive(kernel, "kernel_size")
    _positive(strides, "stride")
    if any(p < 0 or 2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"padding must be between 0 and half the kernel size, got {padding!r}")
    return (c,
            _out_size(h, kernel[0], strides[0], pads[0], 1),
            _out_size(w, kernel[1], strides[1], pads[1], 1))


def conv2d_param_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = _pair(kernel_size, "kernel_size")
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
        if not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {value!r}")
    _positive((in_channels, out_channels), "channel counts")
    _positive((kh, kw), "kernel_size")
    # one weight per (input channel, output channel, kernel cell), one bias per filter
    return in_channels * out_channels * kh * kw + (out_channels if bias else 0)
