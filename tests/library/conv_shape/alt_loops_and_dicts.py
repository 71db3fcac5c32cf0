"""Correct, in another style: a table of rules, explicit validation, divmod instead of //."""


def _as_pair(value, what):
    if type(value) is int:
        return [value, value]
    if type(value) is tuple and len(value) == 2 and all(type(v) is int for v in value):
        return list(value)
    raise TypeError(f"{what}: expected int or (int, int), got {value!r}")


def _size(n, k, s, p, d):
    span = d * (k - 1) + 1
    q, _ = divmod(n + 2 * p - span, s)
    if n + 2 * p < span:
        raise ValueError(f"input of size {n} is smaller than the kernel span {span}")
    return q + 1


def conv2d_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    if type(input_shape) is not tuple or len(input_shape) != 3:
        raise TypeError("input_shape must be (C, H, W)")
    args = {"kernel_size": _as_pair(kernel_size, "kernel_size"),
            "stride": _as_pair(stride, "stride"), "dilation": _as_pair(dilation, "dilation")}
    for name, pair in args.items():
        if min(pair) < 1:
            raise ValueError(f"{name} must be positive")
    for v in (*input_shape, out_channels):
        if type(v) is not int:
            raise TypeError("sizes must be ints")
        if v < 1:
            raise ValueError("sizes and channel counts must be positive")
    h, w = input_shape[1], input_shape[2]
    if padding == "same":
        if args["stride"] != [1, 1]:
            raise ValueError("'same' padding only with stride 1")
        return (out_channels, h, w)
    pad = [0, 0] if padding == "valid" else _as_pair(padding, "padding")
    if min(pad) < 0:
        raise ValueError("padding must be >= 0")
    dims = [_size(n, args["kernel_size"][i], args["stride"][i], pad[i], args["dilation"][i])
            for i, n in enumerate((h, w))]
    return (out_channels, dims[0], dims[1])


def pool2d_output_shape(input_shape, kernel_size, stride=None, padding=0):
    k = _as_pair(kernel_size, "kernel_size")
    p = _as_pair(padding, "padding")
    for pi, ki in zip(p, k):
        if pi * 2 > ki:
            raise ValueError("padding must be at most half of the kernel")
    _, h, w = conv2d_output_shape(input_shape, 1, tuple(k),
                                  tuple(k) if stride is None else stride, tuple(p))
    return (input_shape[0], h, w)


def conv2d_param_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = _as_pair(kernel_size, "kernel_size")
    if min(in_channels, out_channels, kh, kw) < 1:
        raise ValueError("channel counts and kernel sizes must be >= 1")
    weights = kh * kw * in_channels * out_channels
    return weights + out_channels * int(bool(bias))
