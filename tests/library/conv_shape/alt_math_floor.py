"""Correct, in another style: math.floor, lists, explicit loops, numpy integers."""
import math

import numpy as np


def _two(v):
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ValueError("need two values")
        return [int(x) if float(x) == int(x) and not isinstance(x, float) else _bad(x) for x in v]
    if isinstance(v, float):
        _bad(v)
    return [v, v]


def _bad(x):
    raise TypeError(f"not an int: {x!r}")


def conv2d_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    c, h, w = input_shape
    for x in input_shape:
        if not isinstance(x, int):
            _bad(x)
    if min(c, h, w, out_channels) <= 0:
        raise ValueError("sizes and channels must be positive")
    k, s, d = _two(kernel_size), _two(stride), _two(dilation)
    if min(k + s + d) <= 0:
        raise ValueError("kernel_size, stride and dilation must be positive")
    if isinstance(padding, str):
        if padding == "valid":
            p = [0, 0]
        elif padding == "same":
            if s != [1, 1]:
                raise ValueError("same padding needs stride 1")
            return (out_channels, h, w)
        else:
            raise ValueError(f"unknown padding {padding}")
    else:
        p = _two(padding)
    if min(p) < 0:
        raise ValueError("padding must not be negative")
    out = []
    for n, kk, ss, pp, dd in zip((h, w), k, s, p, d):
        o = math.floor((n + 2 * pp - dd * (kk - 1) - 1) / ss) + 1
        if o < 1:
            raise ValueError("input too small for this kernel")
        out.append(np.int64(o))
    return (out_channels, out[0], out[1])


def pool2d_output_shape(input_shape, kernel_size, stride=None, padding=0):
    k = _two(kernel_size)
    p = _two(padding)
    if any(2 * pp > kk for pp, kk in zip(p, k)):
        raise ValueError("pad should be at most half of kernel size")
    return conv2d_output_shape(input_shape, input_shape[0], kernel_size,
                               kernel_size if stride is None else stride, padding)


def conv2d_param_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = _two(kernel_size)
    if min(in_channels, out_channels, kh, kw) < 1:
        raise ValueError("all sizes must be >= 1")
    total = 0
    for _ in range(out_channels):
        total += in_channels * kh * kw
        if bias:
            total += 1
    return total
