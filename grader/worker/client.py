"""The grading side of the worker: spawn, talk with deadlines, restart after a crash, kill.

The worker runs in its own session (process group) so that killing it also kills anything the
learner's code started. Reads use select() with a deadline (on Windows, a reading thread:
stdio.py), so a learner's infinite loop, a half-written frame or a silent exit all end as a
clear error instead of a hung grader.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .. import ONE_THREAD
from ..text import printable
from . import reaper, sandbox
from .stdio import STDIO, ThreadedReader, binary

if TYPE_CHECKING:
    from . import protocol


GRADER_PARENT = str(Path(__file__).resolve().parents[2])


def python_command(module: str) -> list[str]:
    """Start `module`'s main() in a fresh interpreter: isolated (-I: no user site, no current
    folder on sys.path), no bytecode written (-B), and without the site module (-S: its .pth
    processing costs a fifth of the start-up); the grader's own import paths are passed on."""
    # the parent's import path, .pth additions included (-S skips them in the child), but not
    # the current folder or a script's folder, which a learner's files could shadow
    here = {"", os.getcwd(), os.path.dirname(os.path.abspath(sys.argv[0] or ""))}
    paths = [p for p in sys.path if p not in here] + [GRADER_PARENT]
    boot = (f"import sys; sys.path += sys.argv.pop(1).split({os.pathsep!r}); "
            f"from {module} import main; main()")
    return [sys.executable, "-I", "-S", "-B", "-c", boot, os.pathsep.join(paths)]


TOKEN_VAR = "GRADE_WORKER_TOKEN"  # inherited by everything the worker starts, so we can find it
ISSUED_TOKENS: list[str] = []  # every token this process handed out (tests look for leftovers)


class WorkerError(Exception):
    """The worker did not answer: it timed out, died or sent garbage."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind = kind  # "timeout" | "died" | "protocol" | "gave_up"
        self.detail = detail


@dataclass
class WorkerOptions:
    preload: tuple[str, ...] = ("numpy",)
    call_timeout: float = 10.0
    load_timeout: float = 60.0
    total_timeout: float = 300.0  # wall time for everything one submission's worker does
    max_restarts: int = 3
    max_timeouts: int = 2  # after this many calls that never finished, later calls are not tried
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    extra_env: dict = field(default_factory=dict)
    zygote: Any = None  # a warm Zygote to fork from (batch grading); None: exec a new Python


class Worker:
    def __init__(self, file: Path, name: str, options: WorkerOptions | None = None) -> None:
        self.file = Path(file)
        self.name = name
        self.options = options or WorkerOptions()
        self.proc: subprocess.Popen | None = None
        self.generation = 0  # how many times it was started (objects die with a restart)
        self.restarts = 0
        self.timeouts = 0
        self._load: dict | None = None
        self._unanswered = 0  # requests sent whose answers were not read yet
        self._pipelines = 0  # request sequences started so far (a newer one supersedes)
        self._reader: ThreadedReader | None = None  # the stdio transport's reading thread
        self._spare_to = self._spare_from = None  # the channel a fork() would answer on
        self._spared: set[int] = set()  # the copy fork() made: not killed with this worker
        self._ours: set[int] | None = None  # our children before the worker started (reaper)
        self._tmp = tempfile.TemporaryDirectory(prefix="grade-worker-")
        self._output_path = Path(self._tmp.name) / "output.txt"
        # opened once, here: the learner's code may replace the path (a symlink to a secret, a
        # FIFO, /dev/zero) but never this file, which the grader writes to and reads through
        self._out_fd = os.open(self._output_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND
                               | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), 0o600)
        self.plan = sandbox.plan(self.options.limits)
        self.deadline = time.monotonic() + self.options.total_timeout
        self._private_copy = self._prepare_private_dir()

    @property
    def protections(self) -> dict:
        return sandbox.describe(self.plan)

    def _prepare_private_dir(self) -> Path | None:
        """A copy of the learner's file in a folder the (unprivileged) worker owns."""
        folder = Path(self._tmp.name)
        copy = folder / self.file.name
        if self.plan.uid is not None:
            for path in (folder, self._output_path):
                os.chown(path, self.plan.uid, self.plan.gid)
        real = self.file.resolve()
        if real != self.file.absolute() and any(  # a link into what the worker may not see
                real.is_relative_to(hidden) for hidden in self.options.limits.hide):
            return copy  # never made: a link to the reference is graded as a missing file
        try:
            shutil.copyfile(self.file, copy)
        except OSError:
            return None  # reported by the worker as a missing file
        if self.plan.uid is not None:
            os.chown(copy, self.plan.uid, self.plan.gid)
        return copy

    # ----------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Spawn without waiting, so that imports in the worker overlap the grader's own."""
        out = open(os.dup(self._out_fd), "ab")  # never reopened by its name
        self.token = os.urandom(8).hex()
        ISSUED_TOKENS.append(self.token)
        env = {"PATH": os.environ.get("PATH", ""), TOKEN_VAR: self.token, **ONE_THREAD,
               "PYTHONHASHSEED": "0", "HOME": self._tmp.name, "TMPDIR": self._tmp.name,
               **{k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")},
               **self.options.extra_env}
        source = str(self._private_copy or self.file.resolve())
        self._reader = None
        if self.options.zygote is None and STDIO:
            self._spawn_stdio(source, env, out)
        else:
            self._spawn_with_pipes(source, env, out)
        out.close()
        self._buffer = bytearray()  # bytes read from the worker but not consumed yet
        self._unanswered = 0  # requests sent whose answers were not read yet
        self.generation += 1
        self._load = None

    def _spawn_with_pipes(self, source: str, env: dict, out: Any) -> None:
        """POSIX: two extra pipes for the protocol; stdout and stderr go to the output file."""
        to_worker_r, self._to_worker = os.pipe()
        self._from_worker, from_worker_w = os.pipe()
        for fd in (self._to_worker, self._from_worker):
            _widen_pipe(fd)
        plan = self.plan
        if self.options.zygote is not None:
            self.proc = self.options.zygote.spawn(
                file=source, name=self.name, cwd=self._tmp.name, env=env, plan=plan,
                fds=(to_worker_r, from_worker_w, out.fileno()))
        else:
            # orphans of the worker's tree become our children (reaper.py), even those that
            # emptied their environment, which carried the token
            self._ours = reaper.children() if reaper.become_subreaper() else None
            spare_to_r, self._spare_to = os.pipe()  # for one copy of the worker (fork())
            self._spare_from, spare_from_w = os.pipe()
            self.proc = subprocess.Popen(
                [*python_command("grader.worker.server"), "--file", source, "--name", self.name,
                 "--fd-in", str(to_worker_r), "--fd-out", str(from_worker_w),
                 "--fd-spare", str(spare_to_r), str(spare_from_w),
                 "--preload", ",".join(self.options.preload)],
                pass_fds=(to_worker_r, from_worker_w, spare_to_r, spare_from_w),
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=self._tmp.name, env=env,
                preexec_fn=lambda: sandbox.apply(plan))
            reaper.KEEP.add(self.proc.pid)
            os.close(spare_to_r)
            os.close(spare_from_w)
        os.close(to_worker_r)
        os.close(from_worker_w)

    def _spawn_stdio(self, source: str, env: dict, out: Any) -> None:
        """Windows (stdio.py): the protocol over the worker's stdin and stdout."""
        self.proc = subprocess.Popen(
            [*python_command("grader.worker.server"), "--file", source, "--name", self.name,
             "--stdio", str(self._output_path), "--preload", ",".join(self.options.preload)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=out, cwd=self._tmp.name,
            env={**os.environ, **env} if os.name == "nt" else env, **_own_group(self.plan))
        self._to_worker, self._from_worker = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        binary(self._to_worker, self._from_worker)
        self._reader = ThreadedReader(self._from_worker)

    def load_status(self) -> dict:
        """{"ok": True} or a description of why the learner's file could not be loaded."""
        if self.proc is None:
            self.start()
        if self._load is None:
            try:
                msg = self._receive(self.options.load_timeout)
                self._load = msg.header.get("load") or {"ok": False, "kind": "protocol"}
            except WorkerError as err:
                self._kill()
                detail = err.detail or self.output(1500).strip()  # e.g. a failed import
                self._load = {"ok": False, "kind": err.kind, "message": detail}
        return self._load

    def fork(self) -> "Worker | None":
        """A copy of this worker (learner's module loaded, nothing called yet) answering on a
        channel of its own, so that a second grading process can use it at the same time; None
        where it cannot be made (a zygote's or the stdio transport's worker, or after the first
        call). It has a process group of its own: a timeout here does not end it; closing this
        worker ends whatever it left running."""
        from . import protocol

        if self._spare_to is None or self._pipelines or self.generation != 1:
            return None
        try:
            msg = self.request({"op": "fork"})
        except WorkerError:
            return None
        if not msg.header.get("ok"):
            return None
        twin = _Twin(self, int(msg.header["value"]))
        self._spare_to = self._spare_from = None  # the twin's now
        self._spared = {twin.proc.pid}  # killing this worker after a timeout leaves the twin be
        return twin

    def close(self) -> None:
        from . import protocol

        if self.proc is not None:
            try:
                protocol.send(self._to_worker, {"op": "quit"})
            except OSError:
                pass
        self._spared = set()  # the end: everything this worker and its copy left running goes
        self._kill()
        self._remove_files()

    def _remove_files(self) -> None:
        try:
            os.close(self._out_fd)
        except OSError:
            pass
        remove_tree(self._tmp)

    def output(self, limit: int = 4000) -> str:
        """The tail of what the learner's code printed (read through the grader's own
        descriptor: up to 64 MiB, of which only the tail)."""
        try:
            start = max(0, os.fstat(self._out_fd).st_size - limit)
            if hasattr(os, "pread"):
                data = os.pread(self._out_fd, limit, start)
            else:  # Windows: the offset is shared with the worker, whose writes append anyway
                os.lseek(self._out_fd, start, os.SEEK_SET)
                data = os.read(self._out_fd, limit)
        except OSError:
            return ""
        return printable(data.decode("utf-8", "replace"))

    # ----------------------------------------------------------- requests
    def request(self, header: dict, blobs: list[bytes] = (), timeout: float | None = None
                ) -> "protocol.Message":
        return next(self.pipeline([(header, list(blobs))], timeout))

    def pipeline(self, requests: list[tuple[dict, list[bytes]]], timeout: float | None = None
                 ) -> Iterator["protocol.Message"]:
        """Send requests ahead and yield the answers in order, each with its own timeout.

        One round trip per call costs both processes a wake-up; calls that do not depend on
        each other's answers are cheaper queued. No more than half the pipe's capacity is ever
        in flight, so a write never blocks while the worker waits for us to read. Answers the
        caller does not take (it stopped at a failure) are read and dropped before the next
        request."""
        from . import protocol

        self._ready()
        self._pipelines += 1
        mine = self._pipelines
        frames = [protocol.frame(header, blobs) for header, blobs in requests]
        window = max(_pipe_size(self._to_worker) // 2, 1)
        sent = taken = in_flight = 0
        while taken < len(frames):
            if self._pipelines != mine:  # a later request took over the pipe (and our answers)
                raise RuntimeError("answers of queued calls were read after a newer call")
            while sent < len(frames) and (sent == taken or in_flight + len(frames[sent]) <= window):
                self._call(lambda: protocol.write_all(self._to_worker, frames[sent]))
                in_flight += len(frames[sent])
                sent += 1
                self._unanswered += 1
            msg = self._call(lambda: self._receive(self._allowed(timeout)))
            self._unanswered -= 1
            in_flight -= len(frames[taken])
            taken += 1
            yield msg

    def _ready(self) -> None:
        """Raise if no call can be made; otherwise make sure a loaded worker is waiting."""
        if self._load is not None and not self._load.get("ok"):
            raise WorkerError("not_loaded", json.dumps(self._load))  # the file won't change
        while self.proc is not None and self._unanswered:  # answers nobody took
            try:
                self._call(lambda: self._receive(self._allowed(None)))
            except WorkerError:
                break  # it was killed; the call below starts a new one
            self._unanswered -= 1
        if time.monotonic() > self.deadline:
            raise WorkerError("budget", f"{self.options.total_timeout:g} s")
        if self.timeouts >= self.options.max_timeouts:
            raise WorkerError("gave_up", "timeouts")
        if self.proc is None:
            self._restart()
        status = self.load_status()
        if not status.get("ok"):
            raise WorkerError("not_loaded", json.dumps(status))

    def _allowed(self, timeout: float | None) -> float:
        allowed = min(timeout or self.options.call_timeout, self.deadline - time.monotonic())
        return max(allowed, 0.01)

    def _call(self, io: Callable[[], Any]) -> Any:
        """Run one exchange with the worker; on any failure the worker is killed."""
        try:
            return io()
        except (OSError, WorkerError) as err:
            code = self._kill()
            if isinstance(err, WorkerError) and err.kind == "timeout":
                self.timeouts += 1
                raise
            raise WorkerError("died", _exit_text(code)) from None

    def _restart(self) -> None:
        if self.generation:
            if self.restarts >= self.options.max_restarts:
                raise WorkerError("gave_up", "the worker crashed too many times")
            self.restarts += 1
        self.start()

    def _receive(self, timeout: float) -> "protocol.Message":
        from . import protocol  # imported late: numpy loads while the worker starts

        deadline = time.monotonic() + timeout
        (size,) = protocol._LEN.unpack(self._read(protocol._LEN.size, deadline))
        if size > protocol.MAX_HEADER:  # arrays travel as blobs: a header is small
            raise WorkerError("protocol", "oversized header")
        try:
            header = json.loads(self._read(size, deadline))
            sizes = [int(n) for n in header.pop("blobs", [])]
        except (ValueError, TypeError, AttributeError, RecursionError):
            raise WorkerError("protocol", "garbled message") from None
        if sum(sizes) > protocol.MAX_MESSAGE:
            raise WorkerError("protocol", "oversized message")
        return protocol.Message(header, [self._read(n, deadline) for n in sizes])

    def _read(self, size: int, deadline: float) -> bytes:
        """`size` bytes from the worker, reading whatever has arrived in large chunks."""
        if self._reader is not None:
            data = self._reader.read(size, deadline)
            if data is None:
                raise WorkerError("timeout")
            if len(data) < size:
                raise WorkerError("died")
            return data
        buf = self._buffer
        while len(buf) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerError("timeout")
            ready, _, _ = select.select([self._from_worker], [], [], remaining)
            if not ready:
                raise WorkerError("timeout")
            chunk = os.read(self._from_worker, max(size - len(buf), 1 << 16))
            if not chunk:
                raise WorkerError("died")
            buf += chunk
        data = bytes(buf[:size])
        del buf[:size]
        return data

    def _kill(self) -> int | None:
        """Kill the worker's whole process group; return its exit code."""
        proc, code = self.proc, None
        if proc is None:
            return None
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # Windows: the worker only (its own children are not tracked there)
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.options.zygote is None:  # a zygote kills its workers' orphans itself
            reaper.KEEP.discard(proc.pid)
            if self._ours is not None:  # a subreaper: every escapee became our child
                reaper.kill_strays(keep=self._ours | self._spared)
            else:  # the token in their environment is all there is to find them by
                kill_stragglers(self.token, spare=self._spared)
        if self._reader is not None:  # the pipes belong to the Popen's file objects
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        else:
            for fd in (self._to_worker, self._from_worker, self._spare_to, self._spare_from):
                try:
                    if fd is not None:
                        os.close(fd)
                except OSError:
                    pass
            self._spare_to = self._spare_from = None
        self._to_worker = self._from_worker = -1
        self.proc = None
        self._unanswered = 0
        return code


class _Twin(Worker):
    """The copy fork() made: same file, output and limits, its own channel, call budget and
    process group; it is never restarted. What escapes its group (setsid) carries the original's
    token and goes when the original is closed."""

    def __init__(self, original: Worker, pid: int) -> None:
        from .zygote import ForkedChild

        self.__dict__.update(original.__dict__)
        self.proc = ForkedChild(pid)
        self._to_worker, self._from_worker = original._spare_to, original._spare_from
        self._spare_to = self._spare_from = None  # a copy makes no copies
        self._buffer = bytearray()
        self._unanswered = self._pipelines = self.timeouts = 0

    def _restart(self) -> None:  # a crash ends it: no new copy can be made
        raise WorkerError("gave_up", "the worker crashed too many times")

    def _kill(self) -> int | None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait(5)
            for fd in (self._to_worker, self._from_worker):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.proc = None
            self._unanswered = 0
        return None

    def _remove_files(self) -> None:
        pass  # the folder and the output file are the original's


def _own_group(plan: sandbox.Plan) -> dict:
    """Popen arguments that put the worker in a process group of its own, with the limits."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True, "preexec_fn": lambda: sandbox.apply(plan)}


def _pipe_size(fd: int) -> int:
    try:
        import fcntl

        return fcntl.fcntl(fd, 1032)  # F_GETPIPE_SZ
    except (ImportError, OSError):
        return 4096  # POSIX guarantees at least PIPE_BUF


def _widen_pipe(fd: int) -> None:
    """Linux: a 1 MiB pipe buffer, so that sending a model's weights does not stall the sender
    until the other side has read most of them."""
    try:
        import fcntl

        fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
    except (ImportError, OSError):
        pass


def kill_stragglers(token: str, spare: Iterable[int] = ()) -> int:
    """Kill processes that escaped the process group (setsid, double fork) but carry our token,
    except the process groups in `spare` (a worker's copy still at work).

    Linux only (/proc); elsewhere the process-group kill is all there is.
    """
    needle = f"{TOKEN_VAR}={token}".encode()
    spare = set(spare)
    killed = 0
    for entry in Path("/proc").glob("[0-9]*") if Path("/proc/self").exists() else []:
        try:
            if spare and os.getpgid(int(entry.name)) in spare:
                continue
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
        except (OSError, ValueError):
            continue
    return killed



def remove_tree(tmp: tempfile.TemporaryDirectory) -> None:
    """Remove a worker's folder, whatever the learner left in it: a folder chain deeper than
    Python's recursion limit would make TemporaryDirectory.cleanup raise and stay behind."""
    try:
        tmp.cleanup()
    except (RecursionError, OSError):
        if os.name == "posix":
            subprocess.run(["rm", "-rf", "--", tmp.name], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        else:
            shutil.rmtree(tmp.name, ignore_errors=True)


def _exit_text(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"
