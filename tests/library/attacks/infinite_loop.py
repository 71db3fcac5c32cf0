# exercise: conv_shape
# Never returns.


def conv2d_output_shape(*args, **kwargs):
    while True:
        pass


pool2d_output_shape = conv2d_output_shape
conv2d_param_count = conv2d_output_shape
