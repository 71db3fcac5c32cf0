"""A learner file that probes the sandbox from inside the worker (used by tests/test_sandbox.py)."""
import os
import resource
import subprocess
import sys


def whoami():
    return os.getuid(), os.getgid()


def allocate(gib):
    import numpy as np

    return float(np.ones(int(gib * 2**30) // 8).sum())


def busy():
    x = 0
    while True:
        x += 1


def spawn(n):
    procs, error = [], ""
    try:
        for _ in range(n):
            procs.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))
    except OSError as err:
        error = type(err).__name__
    for p in procs:
        p.kill()
    return len(procs), error


def shout(megabytes):
    chunk = "x" * (1 << 20)
    written = 0
    try:
        for _ in range(megabytes):
            sys.stdout.write(chunk)
            written += 1
        sys.stdout.flush()
    except OSError as err:
        return written, type(err).__name__
    return written, ""


def connect():
    import socket

    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", 9))
        return "connected"
    except OSError as err:
        return type(err).__name__ + ": " + str(err)


def listdir(path):
    try:
        return sorted(os.listdir(path))
    except OSError as err:
        return type(err).__name__


def write(path):
    try:
        with open(path, "w") as f:
            f.write("pwned")
        return "written"
    except OSError as err:
        return type(err).__name__


def limits():
    return {name: resource.getrlimit(getattr(resource, name))[0]
            for name in ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC")}
