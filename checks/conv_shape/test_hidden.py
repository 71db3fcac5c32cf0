"""Hidden checks for conv_shape: invalid and malformed arguments, and what the errors say.

Each error check first verifies a valid call on related arguments, so a function that always
raises cannot earn these points.
"""

import re

from grader.api import check, expect_raises, expect_true, expect_value, fail, values_first


def _valid_conv(learner, ref):
    expected = ref.conv2d_output_shape((3, 17, 12), 5, (3, 2), stride=2, padding=1)
    with values_first():
        expect_value(learner.conv2d_output_shape((3, 17, 12), 5, (3, 2), stride=2, padding=1),
                     expected,
                     name="conv2d_output_shape((3, 17, 12), 5, (3, 2), stride=2, padding=1)")


def _call(args, kwargs) -> str:
    return "conv2d_output_shape(" + ", ".join(
        [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]) + ")"


TOO_SMALL = ("input_shape", "kernel_size", "output")  # the spec: input size or kernel, or the result
# (args, kwargs, what is wrong, the arguments a message may blame)
INVALID_CONV = [
    (((3, 0, 8), 4, 3), {}, "a zero input height", ("input_shape",)),
    (((0, 8, 8), 4, 3), {}, "zero input channels", ("input_shape",)),
    (((3, 8, 8), 0, 3), {}, "zero out_channels", ("out_channels",)),
    (((3, 8, 8), 4, 0), {}, "a zero kernel size", ("kernel_size",)),
    (((3, 8, 8), 4, 3), {"stride": 0}, "stride 0", ("stride",)),
    (((3, 8, 8), 4, 3), {"stride": (1, -1)}, "a negative stride", ("stride",)),
    (((3, 8, 8), 4, 3), {"padding": -1}, "negative padding", ("padding",)),
    (((3, 8, 8), 4, 3), {"padding": (1, -1)}, "a negative padding in a pair", ("padding",)),
    (((3, 8, 8), 4, 3), {"dilation": 0}, "dilation 0", ("dilation",)),
    (((3, 8, 8), 4, 3), {"padding": "same", "stride": 2}, "'same' with stride 2",
     ("padding", "stride")),
    (((3, 4, 4), 4, 5), {}, "a kernel larger than the input", TOO_SMALL),
    (((3, 5, 5), 4, 3), {"dilation": 3}, "a dilated kernel larger than the input",
     TOO_SMALL + ("dilation",)),
    # floor((5 - 5 - 1) / 2) + 1 = 0: truncating toward zero (int(x / s)) would give 1
    (((3, 5, 5), 2, 6), {"stride": 2}, "a kernel one larger than the input, with stride 2",
     TOO_SMALL + ("stride",)),
]

# how a message may name each argument: its name or a word for it, in English or Korean
WORDS = {
    "input_shape": ("input", "shape", "height", "width", "size", "channel",
                    "입력", "높이", "너비", "폭", "크기", "채널"),
    "out_channels": ("out_channels", "channel", "filter", "채널", "필터"),
    "kernel_size": ("kernel", "filter", "커널", "필터"),
    "stride": ("stride", "스트라이드", "보폭"),
    "padding": ("padding", "pad", "same", "패딩"),
    "dilation": ("dilation", "dilat", "팽창", "확장"),
    "output": ("output", "result", "출력", "결과"),
}
LETTERS = {"input_shape": "CHW", "kernel_size": "K", "output": "HW"}  # (C, H, W), K, H_out


def names_one_of(message: str, blamed: tuple[str, ...]) -> bool:
    lower = message.lower()
    if any(w in lower for arg in blamed for w in WORDS[arg]):
        return True
    letters = "".join(LETTERS.get(arg, "") for arg in blamed)
    return bool(letters) and re.search(rf"(?<![A-Za-z])[{letters}](?![a-z])", message) is not None


@check(2, en="conv2d_output_shape: ValueError for invalid configurations",
       ko="conv2d_output_shape: 잘못된 설정에 ValueError")
def test_conv_invalid(learner, ref):
    _valid_conv(learner, ref)
    for args, kwargs, what, _ in INVALID_CONV:
        expect_raises("ValueError", lambda: learner.conv2d_output_shape(*args, **kwargs),
                      name=f"{_call(args, kwargs)} ({what})")


@check(1, en="conv2d_output_shape: each ValueError message names the bad argument",
       ko="conv2d_output_shape: ValueError 메시지가 잘못된 인자를 밝힘")
def test_conv_messages(learner, ref):
    _valid_conv(learner, ref)
    raised = 0
    for args, kwargs, what, blamed in INVALID_CONV:
        try:
            message = expect_raises("ValueError", lambda: learner.conv2d_output_shape(
                *args, **kwargs), name=_call(args, kwargs))
        except AssertionError:
            continue  # no ValueError: the check above already says so
        raised += 1
        expect_true(names_one_of(message, blamed),
                    f"{_call(args, kwargs)} ({what}) raised ValueError({message!r}), which does "
                    f"not say what is wrong: name the argument, e.g. "
                    f"ValueError(\"{blamed[0]} must be ..., got ...\").",
                    f"{_call(args, kwargs)} ({what}) 가 ValueError({message!r}) 를 냈는데 무엇이 "
                    f"잘못됐는지 알 수 없습니다: 인자 이름을 밝히세요. 예: "
                    f"ValueError(\"{blamed[0]} must be ..., got ...\").")
    if not raised:
        raise fail("No invalid configuration raised ValueError, so there is no message to check.",
                   "잘못된 설정에서 ValueError 가 하나도 나지 않아 메시지를 검사할 수 없습니다.")


@check(1, en="conv2d_output_shape: malformed arguments raise ValueError or TypeError",
       ko="conv2d_output_shape: 형식이 잘못된 인자에 ValueError 또는 TypeError")
def test_conv_malformed(learner, ref):
    _valid_conv(learner, ref)
    for args, kwargs in [(((3, 8.5, 8), 4, 3), {}), (((3, 8, 8), 4, (3, 3, 3)), {}),
                         (((3, 8, 8), 4, 3), {"padding": "full"}),
                         (((3, 8, 8), 4, 2.0), {})]:
        expect_raises(("ValueError", "TypeError"),
                      lambda: learner.conv2d_output_shape(*args, **kwargs),
                      name=_call(args, kwargs))


@check(1, en="pool2d_output_shape: ValueError for invalid configurations",
       ko="pool2d_output_shape: 잘못된 설정에 ValueError")
def test_pool_invalid(learner, ref):
    with values_first():
        expect_value(learner.pool2d_output_shape((4, 9, 7), 3, 2, 1),
                     ref.pool2d_output_shape((4, 9, 7), 3, 2, 1),
                     name="pool2d_output_shape((4, 9, 7), 3, 2, 1)")
    for args, what in [(((4, 8, 8), 2, 2, 2), "padding larger than half the kernel"),
                       (((4, 8, 8), 3, 1, -1), "negative padding"),
                       (((4, 8, 8), 3, 1, (1, -1)), "a negative padding in a pair"),
                       (((4, 8, 8), 0), "a zero kernel"),
                       (((4, 8, 8), 2, 0), "stride 0"),
                       (((4, 2, 8), 3), "a kernel larger than the input")]:
        expect_raises("ValueError", lambda: learner.pool2d_output_shape(*args),
                      name=f"pool2d_output_shape{args} ({what})")
    # pooling takes no padding strings; a string is also a malformed type, so TypeError counts
    for padding in ("same", "valid"):
        expect_raises(("ValueError", "TypeError"),
                      lambda: learner.pool2d_output_shape((4, 8, 8), 3, 1, padding),
                      name=f"pool2d_output_shape((4, 8, 8), 3, 1, {padding!r}) (no strings)")


@check(1, en="conv2d_param_count: ValueError for non-positive sizes",
       ko="conv2d_param_count: 양수가 아닌 크기에 ValueError")
def test_param_count_invalid(learner, ref):
    with values_first():
        expect_value(learner.conv2d_param_count(3, 16, (3, 5)),
                     ref.conv2d_param_count(3, 16, (3, 5)),
                     name="conv2d_param_count(3, 16, (3, 5))")
    for args in [(0, 16, 3), (3, 0, 3), (3, 16, 0), (3, 16, (3, -1))]:
        expect_raises("ValueError", lambda: learner.conv2d_param_count(*args),
                      name=f"conv2d_param_count{args}")
