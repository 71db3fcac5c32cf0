"""Public checks for conv_shape: values against the reference on seeded random configurations."""

from grader.api import Args, Mistake, check, expect_value

# ---- named wrong variants (per axis), used to diagnose a wrong answer -------------------------


def _axis(size, k, s, p, d, *, plus_one=True, two_p=True, floor=True, dil=True):
    span = d * (k - 1) + 1 if dil else k
    num = size + (2 * p if two_p else p) - span
    out = num // s if floor else -(-num // s)
    return out + 1 if plus_one else out


def conv_mistakes(shape, c_out, k, s, p, d):
    c, h, w = shape

    def variant(**kw):
        return lambda: (c_out, _axis(h, k[0], s[0], p[0], d[0], **kw),
                        _axis(w, k[1], s[1], p[1], d[1], **kw))

    return [
        Mistake("missing-plus-one", "the final +1 is missing: out = floor((H + 2P - K) / S) + 1",
                "마지막 +1 이 빠졌습니다: out = floor((H + 2P - K) / S) + 1",
                variant(plus_one=False)),
        Mistake("padding-once", "padding was counted once; it is added on both sides (2P)",
                "패딩을 한 번만 더했습니다; 양쪽에 붙으므로 2P 입니다", variant(two_p=False)),
        Mistake("ceil", "the division was rounded up; the output size uses floor",
                "나눗셈을 올림했습니다; 출력 크기는 내림(floor)을 씁니다", variant(floor=False)),
        Mistake("dilation-ignored", "dilation was ignored: a dilated kernel spans D*(K-1)+1 cells",
                "dilation 을 무시했습니다: 팽창된 커널은 D*(K-1)+1 칸을 덮습니다",
                variant(dil=False)),
        Mistake("in-channels", "the first entry must be out_channels (one map per filter), not C",
                "첫 값은 입력 채널 C 가 아니라 out_channels (필터 하나당 맵 하나) 입니다",
                lambda: (shape[0],) + variant()()[1:]),
        Mistake("axes-swapped", "H and W were swapped (or the kernel pair was read as (w, h))",
                "H 와 W 가 뒤바뀌었습니다 (또는 커널 쌍을 (w, h) 로 읽었습니다)",
                lambda: (c_out,) + variant()()[2:0:-1]),
    ]


def draw_conv(rng, ref, pairs=False, dilation=False):
    """A random valid configuration (the reference accepts it)."""
    while True:
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 40)), int(rng.integers(1, 40)))
        c_out = int(rng.integers(1, 64))

        def arg(lo, hi):
            if pairs:
                return (int(rng.integers(lo, hi)), int(rng.integers(lo, hi)))
            return int(rng.integers(lo, hi))

        k, s, p = arg(1, 8), arg(1, 4), arg(0, 4)
        d = arg(1, 4) if dilation else 1
        try:
            expected = ref.conv2d_output_shape(shape, c_out, k, s, p, d)
        except ValueError:
            continue
        return (shape, c_out, k, s, p, d), expected


def _pair(v):
    return (v, v) if isinstance(v, int) else v


def _check_conv(learner, ref, rng, n, **kw):
    drawn = [draw_conv(rng, ref, **kw) for _ in range(n)]
    answers = learner.each("conv2d_output_shape", [
        Args(shape, c_out, k, stride=s, padding=p, dilation=d)
        for (shape, c_out, k, s, p, d), _ in drawn])
    for ((shape, c_out, k, s, p, d), expected), got in zip(drawn, answers):
        expect_value(got, expected,
                     name=f"conv2d_output_shape({shape}, {c_out}, {k}, stride={s}, padding={p}, "
                          f"dilation={d})",
                     mistakes=conv_mistakes(shape, c_out, _pair(k), _pair(s), _pair(p), _pair(d)))


@check(3, en="conv2d_output_shape: square kernels, strides and padding",
       ko="conv2d_output_shape: 정사각 커널, stride, padding")
def test_conv_square(learner, ref, cases):
    expect_value(learner.conv2d_output_shape((1, 28, 28), 8, 5), (8, 24, 24),
                 name="conv2d_output_shape((1, 28, 28), 8, 5)",
                 mistakes=conv_mistakes((1, 28, 28), 8, (5, 5), (1, 1), (0, 0), (1, 1)))
    _check_conv(learner, ref, cases.rng(), 25)


@check(2, en="conv2d_output_shape: (h, w) pairs, non-square inputs",
       ko="conv2d_output_shape: (h, w) 쌍, 정사각이 아닌 입력")
def test_conv_pairs(learner, ref, cases):
    _check_conv(learner, ref, cases.rng(), 25, pairs=True)


@check(1, en="conv2d_output_shape: dilation", ko="conv2d_output_shape: 팽창(dilation)")
def test_conv_dilation(learner, ref, cases):
    _check_conv(learner, ref, cases.rng(), 25, pairs=True, dilation=True)


@check(3, en="conv2d_output_shape: padding='same' and 'valid' (odd and even kernels)",
       ko="conv2d_output_shape: padding='same' 와 'valid' (홀수·짝수 커널)")
def test_conv_same_valid(learner, ref, cases):
    rng = cases.rng()
    drawn = []
    for i in range(30):
        shape = (int(rng.integers(1, 4)), int(rng.integers(8, 30)), int(rng.integers(8, 30)))
        k = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        stride = ({}, {"stride": 1}, {"stride": (1, 1)})[i % 3]  # 'same' allows every stride 1
        for padding in ("same", "valid"):
            kwargs = {**stride, "padding": padding, "dilation": d}
            try:
                expected = ref.conv2d_output_shape(shape, 4, k, **kwargs)
            except ValueError:  # 'valid' with a kernel larger than the input
                continue
            drawn.append((shape, k, kwargs, expected))
    answers = learner.each("conv2d_output_shape", [Args(shape, 4, k, **kwargs)
                                                   for shape, k, kwargs, _ in drawn])
    for (shape, k, kwargs, expected), got in zip(drawn, answers):
        name = f"conv2d_output_shape({shape}, 4, {k}, " + ", ".join(
            f"{key}={value!r}" for key, value in kwargs.items()) + ")"
        d = kwargs["dilation"]
        if kwargs["padding"] == "valid":
            mistakes = conv_mistakes(shape, 4, k, (1, 1), (0, 0), d)
        else:
            mistakes = [Mistake(
                "same-as-half-kernel",
                "'same' was computed with padding (K-1)//2, which shrinks the output for even or "
                "dilated kernels; 'same' always keeps H and W",
                "'same' 를 패딩 (K-1)//2 로 계산해 짝수·팽창 커널에서 출력이 줄었습니다; 'same' 은 "
                "항상 H, W 를 유지합니다",
                (4,) + tuple(_axis(n, kk, 1, (kk - 1) // 2, dd)
                             for n, kk, dd in zip(shape[1:], k, d)))]
        expect_value(got, expected, name=name, mistakes=mistakes)


@check(2, en="pool2d_output_shape: stride defaults to the kernel size",
       ko="pool2d_output_shape: stride 기본값은 커널 크기")
def test_pool_default_stride(learner, ref, cases):
    rng = cases.rng()
    drawn = []
    for _ in range(30):
        shape = (int(rng.integers(1, 64)), int(rng.integers(2, 50)), int(rng.integers(2, 50)))
        k = int(rng.integers(1, 5))
        if k <= min(shape[1:]):
            drawn.append((shape, k, ref.pool2d_output_shape(shape, k)))
    answers = learner.each("pool2d_output_shape", [Args(shape, k) for shape, k, _ in drawn])
    for (shape, k, expected), got in zip(drawn, answers):
        stride_one = (shape[0],) + tuple(n - k + 1 for n in shape[1:])
        expect_value(got, expected, name=f"pool2d_output_shape({shape}, {k})",
                     mistakes=[Mistake("stride-one", "stride must default to kernel_size, not 1",
                                       "stride 기본값은 1 이 아니라 kernel_size 입니다",
                                       stride_one)])


@check(1, en="pool2d_output_shape: explicit stride and padding",
       ko="pool2d_output_shape: stride 와 padding 지정")
def test_pool_padding(learner, ref, cases):
    rng = cases.rng()
    drawn = []
    while len(drawn) < 30:
        shape = (int(rng.integers(1, 8)), int(rng.integers(1, 40)), int(rng.integers(1, 40)))
        k = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        p = (int(rng.integers(0, k[0] // 2 + 1)), int(rng.integers(0, k[1] // 2 + 1)))
        try:
            drawn.append(((shape, k, s, p), ref.pool2d_output_shape(shape, k, s, p)))
        except ValueError:
            continue
    answers = learner.each("pool2d_output_shape", [Args(*args) for args, _ in drawn])
    for ((shape, k, s, p), expected), got in zip(drawn, answers):
        expect_value(got, expected, name=f"pool2d_output_shape({shape}, {k}, {s}, {p})")


@check(2, en="conv2d_param_count: weights and biases", ko="conv2d_param_count: 가중치와 편향")
def test_param_count(learner, ref, cases):
    rng = cases.rng()
    drawn = []
    for _ in range(30):
        c_in, c_out = int(rng.integers(1, 300)), int(rng.integers(1, 300))
        k = (int(rng.integers(1, 8)), int(rng.integers(1, 8)))
        kk = k if rng.random() < 0.5 else k[0]
        drawn += [(c_in, c_out, kk, bias) for bias in (True, False)]
    answers = learner.each("conv2d_param_count", [Args(c_in, c_out, kk, bias=bias)
                                                   for c_in, c_out, kk, bias in drawn])
    for (c_in, c_out, kk, bias), got in zip(drawn, answers):
        kh, kw = _pair(kk)
        expect_value(
            got, ref.conv2d_param_count(c_in, c_out, kk, bias=bias),
            name=f"conv2d_param_count({c_in}, {c_out}, {kk}, bias={bias})",
            mistakes=[
                Mistake("no-bias", "the biases (one per output channel) were left out",
                        "편향(출력 채널마다 하나)이 빠졌습니다", c_in * c_out * kh * kw),
                Mistake("bias-always", "bias=False must not add biases",
                        "bias=False 이면 편향을 더하지 않습니다", c_in * c_out * kh * kw + c_out),
                Mistake("bias-per-weight", "there is one bias per filter, not one per weight",
                        "편향은 가중치마다가 아니라 필터마다 하나입니다",
                        2 * c_in * c_out * kh * kw if bias else -1),
                Mistake("kernel-ignored", "every filter has C_in*K_h*K_w weights",
                        "필터 하나의 가중치는 C_in*K_h*K_w 개입니다",
                        c_in * c_out + (c_out if bias else 0)),
            ])
