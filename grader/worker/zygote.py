"""A warm parent for workers: imports numpy and torch once, then forks a worker per submission.

Batch grading would otherwise pay the torch import (about 1.5 s) for every submission. The
zygote is a separate, clean process: it holds no reference solution and no check code, so a
forked learner cannot find them in memory. Pipes reach it over a Unix socket (SCM_RIGHTS).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import sandbox


class ForkedChild:
    """Popen-like handle on a worker forked by the zygote (the zygote reaps it)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        except PermissionError:
            return None
        return None

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        return None  # the exit code belongs to the zygote


class Zygote:
    def __init__(self, preload: tuple[str, ...]) -> None:
        from .client import python_command

        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.proc = subprocess.Popen(
            [*python_command("grader.worker.zygote"), str(theirs.fileno()), ",".join(preload)],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True)
        theirs.close()

    def spawn(self, *, file: str, name: str, cwd: str, env: dict, plan: sandbox.Plan,
              fds: tuple[int, int, int]) -> ForkedChild:
        """fds: (worker reads requests, worker writes replies, worker's stdout/stderr)."""
        command = {"file": file, "name": name, "cwd": cwd, "env": env,
                   "plan": {**dataclasses.asdict(plan), "limits": dataclasses.asdict(plan.limits)}}
        socket.send_fds(self.sock, [json.dumps(command).encode()], list(fds))
        reply = self.sock.recv(64)
        if not reply:
            raise OSError("the zygote died")
        return ForkedChild(int(reply))

    def close(self) -> None:
        self.sock.close()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def main() -> None:
    import importlib

    fd, preload = int(sys.argv[1]), sys.argv[2]
    for module in filter(None, preload.split(",")):
        importlib.import_module(module)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    from . import server  # noqa: F401  (loaded before forking, not in every child)

    _become_subreaper()
    sandbox.die_with_parent()
    sock = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        except InterruptedError:
            continue
        if not data:
            _WORKERS.clear()
            _kill_orphans()
            os._exit(0)
        command = json.loads(data)
        pid = os.fork()
        if pid == 0:
            sock.close()
            _become_worker(command, fds)
        _WORKERS.add(pid)
        for f in fds:
            os.close(f)
        sock.sendall(str(pid).encode())


_WORKERS: set[int] = set()  # live workers; any other child of the zygote is an escapee


def _become_subreaper() -> None:
    """Orphans of our workers (double forks, setsid) become our children, not init's."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        _WORKERS.discard(pid)
    _kill_orphans()


def _kill_orphans() -> None:
    """Kill every child that is not a live worker: what a finished worker left running."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if fields[1] == me and pid not in _WORKERS:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _become_worker(command: dict, fds: list[int]) -> None:
    from .server import serve_file

    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        fd_in, fd_out, out = fds
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        keep = {0, 1, 2, fd_in, fd_out}
        for f in range(3, 1024):
            if f not in keep:
                try:
                    os.close(f)
                except OSError:
                    pass
        os.chdir(command["cwd"])
        os.environ.clear()
        os.environ.update(command["env"])
        plan = command["plan"]
        plan["limits"] = sandbox.Limits(**{k: tuple(v) if k == "hide" else v
                                           for k, v in plan["limits"].items()})
        sandbox.apply(sandbox.Plan(**plan))
        serve_file(Path(command["file"]), command["name"], fd_in, fd_out)
    finally:
        os._exit(70)
