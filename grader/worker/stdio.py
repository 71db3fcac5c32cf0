"""The worker's transport where POSIX pipes-with-select are not available (Windows).

There, a child cannot inherit extra pipe descriptors (no pass_fds) and select() does not work on
pipes. The worker then talks over its own stdin and stdout (it moves its printing to the output
file first, see server.main), and a thread reads the replies so that reads can still wait with
a deadline. The POSIX path is faster and is used wherever it works; GRADE_WORKER_TRANSPORT=stdio
selects this one anywhere, which is how the tests exercise it on Linux.
"""

from __future__ import annotations

import os
import threading
import time

STDIO = os.name == "nt" or os.environ.get("GRADE_WORKER_TRANSPORT") == "stdio"


def binary(*fds: int) -> None:
    """Windows: make sure no newline translation ever touches a frame on these descriptors."""
    if os.name == "nt":
        import msvcrt

        for fd in fds:
            msvcrt.setmode(fd, os.O_BINARY)


class ThreadedReader:
    """Bytes from a pipe, read by a daemon thread; read() waits for them until a deadline."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()
        self._eof = False
        self._ready = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except OSError:
                chunk = b""
            with self._ready:
                if chunk:
                    self._buffer += chunk
                else:
                    self._eof = True
                self._ready.notify_all()
            if not chunk:
                return

    def read(self, size: int, deadline: float) -> bytes | None:
        """`size` bytes; b"" if the pipe closed first, None if the deadline passed first."""
        with self._ready:
            while len(self._buffer) < size:
                if self._eof:
                    return b""
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._ready.wait(remaining)
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data
