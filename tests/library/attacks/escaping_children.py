# exercise: conv_shape
# Starts processes that try to outlive grading: a plain child and a double-forked, setsid one.
import os
import subprocess
import sys

subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time

        time.sleep(300)
    os._exit(0)


def conv2d_output_shape(*args, **kwargs):
    return (0, 0, 0)


pool2d_output_shape = conv2d_output_shape


def conv2d_param_count(*args, **kwargs):
    return 0
