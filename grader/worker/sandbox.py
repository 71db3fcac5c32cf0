"""Limits for the worker process, applied in the child between fork and exec.

What is possible depends on the OS and on who runs the grader:
- everywhere with `resource` (Linux, macOS): CPU time, address space, file size, core dumps;
- as root on Linux: a new network namespace (no network), a new mount namespace in which
  solutions/ and the checks are covered by empty folders, then a drop to an unprivileged user
  (which also makes the process-count limit effective);
- without root on Linux: a user + network namespace where the kernel allows it.
`describe()` says which of these are on, so reports can state what was missing.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import os
import sys
import tempfile
from dataclasses import dataclass, field

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_REC, MS_PRIVATE, MS_BIND, MS_RDONLY = 0x4000, 1 << 18, 0x1000, 0x1
MNT_DETACH = 2
GiB = 1 << 30


@dataclass
class Limits:
    cpu_seconds: int = 120          # CPU time for the whole worker (a busy loop is killed)
    address_space: int = 3 * GiB    # a 6 GiB allocation fails inside the worker
    processes: int = 64             # effective once the worker runs as an unprivileged user
    file_size: int = 64 << 20       # what it may write to any file, its captured output included
    hide: tuple[str, ...] = ()      # folders made empty for the worker (root only)
    network: bool = False           # False: a new, empty network namespace where possible
    run_as: str = "nobody"          # user to drop to when started as root


@dataclass
class Plan:
    """What the child will do: decided in the parent, where failures can still be reported."""

    limits: Limits
    uid: int | None = None
    gid: int | None = None
    netns: bool = False
    userns: bool = False
    mountns: bool = False
    rlimits: bool = True
    private_tmp: str = ""  # the temp folder that holds workers' folders, made private (mountns)
    # [folder other users cannot enter, [what Python needs below it]]: in the worker's mount
    # namespace a tmpfs that anyone may enter covers the folder and shows only those again
    reveal: list = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def plan(limits: Limits) -> Plan:
    p = Plan(limits)
    if os.name == "nt":  # no rlimits, no process groups to kill a worker's children with
        p.rlimits = False
        p.missing += ["resource limits (CPU time, memory, output size)",
                      "cleanup of processes the learner's code starts"]
    if not sys.platform.startswith("linux"):
        p.missing += ["network isolation", "hidden solutions", "unprivileged user",
                      "process limit"]
        return p
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam(limits.run_as)
            blocked = _unreachable()
            reveal = _revealable() if blocked and limits.hide else None
            if blocked and reveal is None:
                p.missing += [f"unprivileged user ({blocked} is not readable by other users)",
                              "process limit"]
            else:
                p.uid, p.gid = user.pw_uid, user.pw_gid
                p.reveal = [[folder, list(kids)] for folder, kids in reveal or ()]
        except KeyError:
            p.missing += [f"unprivileged user (no user {limits.run_as!r})", "process limit"]
        p.netns = not limits.network
        p.mountns = bool(limits.hide)
        tmp = tempfile.gettempdir()
        p.private_tmp = tmp if p.mountns and not _needs(tmp) else ""
        if p.mountns and not p.private_tmp:
            p.missing.append(f"a private {tmp} (Python or the grader is installed in it)")
    else:
        p.userns = not limits.network and _userns_allowed()
        p.netns = p.userns
        p.missing += ["unprivileged user (not started as root)", "process limit",
                      "hidden solutions (not started as root)"]
        if not limits.network and not p.userns:
            p.missing.append("network isolation")
    return p


def _needed() -> list:
    import sysconfig
    from pathlib import Path

    paths = sysconfig.get_paths()
    return [Path(p).resolve() for p in (sys.executable, paths["stdlib"], paths["platstdlib"],
                                        paths["purelib"], paths["platlib"],
                                        Path(__file__).resolve().parents[1])]


def _open_to_others(folder, last: bool) -> bool:
    import stat

    need = stat.S_IXOTH | (stat.S_IROTH if last else 0)
    try:
        return folder.stat().st_mode & need == need
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def _revealable() -> tuple | None:
    """((folder, (entries below it, ...)), ...): each folder on the way to what Python needs
    that other users cannot enter (a home directory holding a pyenv, say), with the entries
    just below it that lead there, everything from them down being open to others. None when
    that is not the case."""
    found: dict[str, set[str]] = {}
    for path in _needed():
        chain = [*reversed(path.parents), path]
        closed = [i for i, f in enumerate(chain) if not _open_to_others(f, f == path)]
        if not closed:
            continue
        if len(closed) > 1 or closed[0] == len(chain) - 1:
            return None  # the needed thing itself, or two closed folders on the way
        found.setdefault(str(chain[closed[0]]), set()).add(str(chain[closed[0] + 1]))
    return tuple((folder, tuple(sorted(kids))) for folder, kids in sorted(found.items()))


@functools.lru_cache(maxsize=1)
def _unreachable() -> str | None:
    """The first folder Python needs that other users cannot read, or None."""
    for path in _needed():
        for folder in [*reversed(path.parents), path]:
            if not _open_to_others(folder, folder == path):
                return str(folder)
    return None


@functools.lru_cache(maxsize=1)
def _needs(folder: str) -> bool:
    """Does the worker's Python (interpreter, libraries, numpy and torch, the grader) live in
    `folder`? A private one would then hide it."""
    import importlib.util

    origins = []
    for name in ("numpy", "torch"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            origins.append(spec.origin)
    folder = os.path.realpath(folder)
    for path in [*_needed(), sys.prefix, sys.base_prefix, *origins]:
        for candidate in {str(path), os.path.realpath(path)}:
            if candidate == folder or candidate.startswith(folder + os.sep):
                return True
    return False


def _userns_allowed() -> bool:
    try:
        with open("/proc/sys/kernel/unprivileged_userns_clone") as f:
            return f.read().strip() == "1"
    except OSError:
        return os.path.exists("/proc/self/ns/user")


def apply(p: Plan) -> None:
    """In the child, before exec: limits and namespaces. Optional protections never raise."""
    import resource

    lim = p.limits
    for res, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_CPU, lim.cpu_seconds),
                       (resource.RLIMIT_AS, lim.address_space),
                       (resource.RLIMIT_FSIZE, lim.file_size)):
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            pass
    libc = ctypes.CDLL(None, use_errno=True)  # libc, already loaded (find_library forks)
    flags = (CLONE_NEWNET if p.netns else 0) | (CLONE_NEWNS if p.mountns else 0) \
        | (CLONE_NEWUSER if p.userns else 0)
    if flags and libc.unshare(flags) != 0:
        return  # stays as it is; the parent reported the plan, the child cannot warn here
    if p.mountns:
        libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
        for folder in lim.hide:
            libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_RDONLY, b"size=4k")
        try:
            _private_tmp(libc, p.private_tmp)
        except OSError:
            pass
        try:
            for folder, kids in p.reveal:
                _reveal(libc, folder, kids)
        except OSError:  # the unprivileged user could not start Python: stay as we are
            p = dataclasses.replace(p, uid=None)
    if p.uid is not None:  # last: everything above needs root
        resource.setrlimit(resource.RLIMIT_NPROC, (lim.processes, lim.processes))
        os.setgroups([])
        os.setgid(p.gid)
        os.setuid(p.uid)


def _private_tmp(libc, tmp: str) -> None:
    """A small /dev/shm of its own instead of the machine's RAM-backed one; with `tmp`, a /tmp
    of its own holding only the worker's folder (its working directory): other workers'
    folders (other students' files, in batch) stay out of reach."""
    folder = os.getcwd()
    libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", 0, b"size=64m,mode=1777")
    if not tmp or os.path.dirname(folder) != tmp:
        return
    keep = os.open(folder, os.O_PATH | os.O_DIRECTORY)
    if libc.mount(b"tmpfs", tmp.encode(), b"tmpfs", 0, b"size=64m,mode=1777") == 0:
        os.mkdir(folder, 0o700)
        if libc.mount(f"/proc/self/fd/{keep}".encode(), folder.encode(), None, MS_BIND,
                      None) == 0:
            os.chdir(folder)
        else:  # the learner's file must stay where it is: give the shared /tmp back
            libc.umount2(tmp.encode(), MNT_DETACH)
    os.close(keep)


def _reveal(libc, folder: str, kids: list[str]) -> None:
    """Cover `folder` with a tmpfs anyone may enter and bind `kids` back in place: Python under
    a private home becomes usable by the unprivileged worker, and nothing else there is."""
    fds = [os.open(kid, os.O_PATH) for kid in kids]
    if libc.mount(b"tmpfs", folder.encode(), b"tmpfs", 0, b"size=64k,mode=0755") != 0:
        raise OSError(ctypes.get_errno(), f"cannot cover {folder}")
    for kid, fd in zip(kids, fds):
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(kid, exist_ok=True)
        else:
            open(kid, "a").close()
        if libc.mount(f"/proc/self/fd/{fd}".encode(), kid.encode(), None, MS_BIND, None) != 0:
            libc.umount2(folder.encode(), MNT_DETACH)  # the folder as it was
            raise OSError(ctypes.get_errno(), f"cannot show {kid} again")
        os.close(fd)


def describe(p: Plan) -> dict:
    """Protections on and off, for reports."""
    return {
        "resource limits": p.rlimits,
        "unprivileged user": p.uid is not None,
        "no network": p.netns,
        "solutions and checks hidden": p.mountns,
        "missing": list(p.missing),
    }


def die_with_parent() -> None:
    """Linux: get SIGKILL when the parent process dies (a killed batch leaves no jobs behind)."""
    if sys.platform.startswith("linux"):
        import signal

        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the call
            os._exit(1)
