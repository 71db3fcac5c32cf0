"""A warm parent for workers: imports numpy and torch once, then forks a worker per submission.

Batch grading would otherwise pay the torch import (about 1.5 s) for every submission. The
zygote is a separate, clean process: it holds no reference solution and no check code, so a
forked learner cannot find them in memory. Pipes reach it over a Unix socket (SCM_RIGHTS).
"""

from __future__ import annotations

import dataclasses
import json
import gc
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import reaper, sandbox


class ForkedChild:
    """Popen-like handle on a worker forked by the zygote (the zygote reaps it).

    A pidfd (Linux 5.3+) turns readable the moment the worker dies, before the zygote reaps
    it; elsewhere, polling the pid until the zygote has reaped it does the same, more slowly.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self._pidfd = None

    def poll(self) -> int | None:
        if self._pidfd is not None:
            return -1 if select.select([self._pidfd], [], [], 0)[0] else None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        except PermissionError:
            return None
        return None

    def wait(self, timeout: float) -> int | None:
        if self._pidfd is not None:
            select.select([self._pidfd], [], [], timeout)
            os.close(self._pidfd)
            self._pidfd = None
            return None
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        return None  # the exit code belongs to the zygote


class Zygote:
    def __init__(self, preload: tuple[str, ...]) -> None:
        from .client import python_command

        self.preload = preload
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.proc = subprocess.Popen(
            [*python_command("grader.worker.zygote"), str(theirs.fileno()), ",".join(preload)],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True)
        reaper.KEEP.add(self.proc.pid)  # a child of ours on purpose, never a stray
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
        reaper.KEEP.discard(self.proc.pid)


def main() -> None:
    import importlib

    fd, preload = int(sys.argv[1]), sys.argv[2]
    for module in filter(None, preload.split(",")):
        importlib.import_module(module)
    if "numpy" in sys.modules:
        import numpy.random  # noqa: F401  (numpy 2 loads it at first use: 12 ms in each worker)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
        _warm_up_torch()
    from . import server  # noqa: F401  (loaded before forking, not in every child)

    # what is loaded now lives as long as the zygote: keep the collector's hands off it, or a
    # worker's first full collection writes to (and so copies) every page of the heap
    gc.freeze()

    reaper.become_subreaper()
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
    """Kill every child that is not a live worker, with whatever it started: what a finished
    worker left running."""
    reaper.kill_strays(keep=_WORKERS)


def _warm_up_torch() -> None:
    """Run the layers exercises use once, forward and backward, in float32 and float64, so that
    their one-time set-up (20 ms for a first float32 LSTM) happens here once rather than in
    every worker. Single-threaded, so forking stays safe."""
    import torch

    state = torch.get_rng_state()  # workers must start from the RNG state a fresh Python has
    for dtype in (torch.float32, torch.float64):
        embed = torch.nn.Embedding(5, 4).to(dtype)
        lstm = torch.nn.LSTM(4, 4, batch_first=True).to(dtype)
        cell = torch.nn.LSTMCell(4, 4).to(dtype)
        linear = torch.nn.Linear(4, 5).to(dtype)
        tokens = torch.tensor([[1, 2, 3], [3, 2, 1]])
        x = torch.randn(2, 3, 4, dtype=dtype, requires_grad=True)
        out, (h, c) = lstm(embed(tokens) + x)
        steps = []
        for t in range(2):
            h_t, c_t = cell(embed(tokens[:, t]), (h[0], c[0]))
            steps.append(linear(h_t))
        logits = torch.stack(steps, dim=1)
        scores = torch.softmax((out @ out.transpose(1, 2)).masked_fill(
            torch.ones(3, 3, dtype=torch.bool).triu(1), float("-inf")), dim=-1)
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, 5), logits.argmax(dim=-1).reshape(-1), ignore_index=0) \
            + (scores @ out).sum()
        loss.backward()
    torch.set_rng_state(state)


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
