"""Hidden checks for conv_shape: invalid and malformed arguments.

Each error check first verifies a valid call on related arguments, so a function that always
raises cannot earn these points.
"""

from grader.api import check, expect_raises, expect_value


def _valid_conv(learner, ref):
    expected = ref.conv2d_output_shape((3, 17, 12), 5, (3, 2), stride=2, padding=1)
    expect_value(learner.conv2d_output_shape((3, 17, 12), 5, (3, 2), stride=2, padding=1),
                 expected, name="conv2d_output_shape((3, 17, 12), 5, (3, 2), stride=2, padding=1)")


INVALID_CONV = [
    (((3, 0, 8), 4, 3), {}, "a zero input height"),
    (((0, 8, 8), 4, 3), {}, "zero input channels"),
    (((3, 8, 8), 0, 3), {}, "zero out_channels"),
    (((3, 8, 8), 4, 0), {}, "a zero kernel size"),
    (((3, 8, 8), 4, 3), {"stride": 0}, "stride 0"),
    (((3, 8, 8), 4, 3), {"stride": (1, -1)}, "a negative stride"),
    (((3, 8, 8), 4, 3), {"padding": -1}, "negative padding"),
    (((3, 8, 8), 4, 3), {"dilation": 0}, "dilation 0"),
    (((3, 8, 8), 4, 3), {"padding": "same", "stride": 2}, "'same' with stride 2"),
    (((3, 4, 4), 4, 5), {}, "a kernel larger than the input"),
    (((3, 5, 5), 4, 3), {"dilation": 3}, "a dilated kernel larger than the input"),
]


@check(2, en="conv2d_output_shape: ValueError for invalid configurations",
       ko="conv2d_output_shape: 잘못된 설정에 ValueError")
def test_conv_invalid(learner, ref):
    _valid_conv(learner, ref)
    for args, kwargs, what in INVALID_CONV:
        expect_raises("ValueError", lambda: learner.conv2d_output_shape(*args, **kwargs),
                      name=f"conv2d_output_shape{args} {kwargs} ({what})")


@check(1, en="conv2d_output_shape: malformed arguments raise ValueError or TypeError",
       ko="conv2d_output_shape: 형식이 잘못된 인자에 ValueError 또는 TypeError")
def test_conv_malformed(learner, ref):
    _valid_conv(learner, ref)
    for args, kwargs in [(((3, 8.5, 8), 4, 3), {}), (((3, 8, 8), 4, (3, 3, 3)), {}),
                         (((3, 8, 8), 4, 3), {"padding": "full"}),
                         (((3, 8, 8), 4, 2.0), {})]:
        expect_raises(("ValueError", "TypeError"),
                      lambda: learner.conv2d_output_shape(*args, **kwargs),
                      name=f"conv2d_output_shape{args} {kwargs}")


@check(1, en="pool2d_output_shape: ValueError for invalid configurations",
       ko="pool2d_output_shape: 잘못된 설정에 ValueError")
def test_pool_invalid(learner, ref):
    expect_value(learner.pool2d_output_shape((4, 9, 7), 3, 2, 1),
                 ref.pool2d_output_shape((4, 9, 7), 3, 2, 1),
                 name="pool2d_output_shape((4, 9, 7), 3, 2, 1)")
    for args, what in [(((4, 8, 8), 2, 2, 2), "padding larger than half the kernel"),
                       (((4, 8, 8), 3, 1, -1), "negative padding"),
                       (((4, 8, 8), 0), "a zero kernel"),
                       (((4, 8, 8), 2, 0), "stride 0"),
                       (((4, 2, 8), 3), "a kernel larger than the input")]:
        expect_raises("ValueError", lambda: learner.pool2d_output_shape(*args),
                      name=f"pool2d_output_shape{args} ({what})")


@check(1, en="conv2d_param_count: ValueError for non-positive sizes",
       ko="conv2d_param_count: 양수가 아닌 크기에 ValueError")
def test_param_count_invalid(learner, ref):
    expect_value(learner.conv2d_param_count(3, 16, (3, 5)), ref.conv2d_param_count(3, 16, (3, 5)),
                 name="conv2d_param_count(3, 16, (3, 5))")
    for args in [(0, 16, 3), (3, 0, 3), (3, 16, 0), (3, 16, (3, -1))]:
        expect_raises("ValueError", lambda: learner.conv2d_param_count(*args),
                      name=f"conv2d_param_count{args}")
