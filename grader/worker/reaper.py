"""Ending every process a worker left behind (Linux).

The process that starts workers (`grade exercise`, or a batch zygote) becomes a child subreaper:
orphans of a worker's tree (double forks, setsid, an emptied environment) become its children
instead of init's. Any child it does not know is then stopped with its whole subtree, so that
it cannot fork again, and killed; what its death orphans is caught in the next round.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

KEEP: set[int] = set()  # children that are ours on purpose: workers, zygotes, parallel copies


def become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    return ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER


def children(pid: int | str = "self") -> set[int]:
    """A process's children, from /proc/PID/task/*/children where the kernel offers it (one
    small read), else from every process's parent in /proc."""
    tasks = list(Path(f"/proc/{pid}/task").glob("*/children"))
    if tasks:
        found = set()
        for path in tasks:
            try:
                found.update(int(child) for child in path.read_text().split())
            except OSError:
                continue
        return found
    me, found = str(os.getpid() if pid == "self" else pid), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me:
                found.add(int(stat.parent.name))
        except OSError:
            continue
    return found


def kill_strays(keep: set[int] = frozenset(), rounds: int = 50) -> int:
    """Stop and kill every child not in `keep` (nor KEEP), with its subtree, and reap them;
    return how many processes were killed."""
    killed = 0
    for _ in range(rounds):
        strays = children() - KEEP - set(keep)
        if not strays:
            break
        tree = _stop_subtrees(strays)
        for pid in tree:
            _signal(pid, signal.SIGKILL)
        killed += len(tree)
        for pid in strays:  # a zombie would be found again in the next round
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


def _stop_subtrees(roots: set[int]) -> list[int]:
    """SIGSTOP each root and then its descendants, top down: a stopped process cannot fork."""
    stopped, todo = [], list(roots)
    while todo and len(stopped) < 100_000:
        pid = todo.pop()
        if _signal(pid, signal.SIGSTOP):
            stopped.append(pid)
            todo.extend(children(pid))
    return stopped


def _signal(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False
