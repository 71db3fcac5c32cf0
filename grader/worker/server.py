"""The worker: loads one learner file and answers call requests until told to quit.

Everything a learner's code returns is encoded as plain data (see protocol.py). Whatever the
learner's code does here (exit, loop, crash, patch numpy, print) can only spoil its own answers:
the verdict is computed in the grading process.
"""

from __future__ import annotations

import argparse
import importlib.util
import linecache
import os
import random
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from . import protocol

MAX_TEXT = 2000


class Server:
    def __init__(self, path: Path, name: str, fd_in: int, fd_out: int,
                 spare: tuple[int, int] | None = None) -> None:
        self.path = path
        self.name = name
        self.fd_in = fd_in
        self.fd_out = fd_out
        self.spare = spare  # a second channel for one copy of this worker (op "fork")
        self.module: Any = None
        self.reader = protocol.Reader(fd_in)
        self.objects: dict[int, Any] = {}
        self._resolved = str(path.resolve())

    # -------------------------------------------------------------- loading
    def load(self) -> dict:
        if not self.path.is_file():
            return {"ok": False, "kind": "missing_file", "message": str(self.path)}
        spec = importlib.util.spec_from_file_location(f"learner_{self.name}", self.path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            return {"ok": False, "kind": "syntax", "type": type(exc).__name__,
                    "message": str(exc.msg), "line": exc.lineno, "column": exc.offset,
                    "text": (exc.text or "").rstrip()[:300]}
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is the learner's too
            return {"ok": False, **self._describe(exc)}
        self.module = module
        return {"ok": True}

    # -------------------------------------------------------------- serving
    def serve(self) -> None:
        while True:
            try:
                msg = self.reader.recv()
            except EOFError:
                return
            op = msg.header.get("op")
            if op == "quit":
                return
            handler = {"call": self.call, "optimizer": self.optimizer,
                       "forget": self.forget, "fork": self.fork}.get(op)
            if handler is None:
                self.reply({"ok": False, "kind": "protocol", "message": f"unknown op {op!r}"})
                continue
            handler(msg)

    def reply(self, header: dict, blobs: list[bytes] = ()) -> None:
        protocol.send(self.fd_out, header, blobs)

    def call(self, msg: protocol.Message) -> None:
        req = msg.header
        try:
            target = self._target(req["target"])
            args = self._resolve(protocol.decode(req.get("args", []), msg.blobs, _make_array))
            kwargs = self._resolve(protocol.decode(req.get("kwargs", {}), msg.blobs, _make_array))
        except LookupError as exc:
            self.reply({"ok": False, "kind": "missing", "message": str(exc.args[0])})
            return
        if req.get("reseed") is not None:
            _reseed(int(req["reseed"]))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")  # every warning of this call, not once per line
                result = target(*args, **kwargs)
            grads = self._grads(req.get("grad"), args, result, msg.blobs)
        except BaseException as exc:  # noqa: BLE001
            self.reply({"ok": False, **self._describe(exc)})
            return
        try:
            self._send_result(req, result, args, grads, caught)
        except BaseException as exc:  # noqa: BLE001 - a hostile return value
            self.reply({"ok": False, "kind": "bad_return",
                        "message": f"{type(exc).__name__}: {_text(exc)}"})

    def _send_result(self, req: dict, result: Any, args: list, grads: dict | None,
                     caught: list) -> None:
        enc = protocol.Encoder()
        header: dict = {"ok": True, "warnings": [
            {"category": w.category.__name__, "message": str(w.message)[:300]}
            for w in caught[:20]]}
        if req.get("keep"):
            self.objects[id(result)] = result
            header["value"] = {"__ref__": id(result), "type": protocol._type_name(result)}
        else:
            header["value"] = enc.value(result)
        if req.get("return_args"):
            header["args_after"] = enc.value(list(args))
        if grads is not None:
            header["grads"] = enc.value(grads)
        self.reply(header, enc.blobs)

    def optimizer(self, msg: protocol.Message) -> None:
        from . import optim

        req = msg.header
        try:
            model = self.objects[int(req["ref"])]
            kind = {"SGD": optim.SGD, "Adam": optim.Adam}[req["kind"]]
            opt = kind(model.parameters(), lr=float(req["lr"]))
        except BaseException as exc:  # noqa: BLE001
            self.reply({"ok": False, **self._describe(exc)})
            return
        self.objects[id(opt)] = opt
        self.reply({"ok": True, "value": {"__ref__": id(opt), "type": "torch.optim." + req["kind"]}})

    def fork(self, msg: protocol.Message) -> None:
        """A copy of this worker, as it is now, answering on the spare channel: checks marked
        parallel run on it while the others run here (grader/fastrun.py). Once only."""
        if self.spare is None:
            self.reply({"ok": False, "kind": "protocol", "message": "no spare channel"})
            return
        (fd_in, fd_out), self.spare = self.spare, None
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)  # a group of its own: a timeout of the original does not end it
            os.close(self.fd_in)
            os.close(self.fd_out)
            self.fd_in, self.fd_out, self.reader = fd_in, fd_out, protocol.Reader(fd_in)
            self.objects = {}
            try:
                self.serve()
            finally:
                os._exit(0)
        os.close(fd_in)
        os.close(fd_out)
        self.reply({"ok": True, "value": pid})

    def forget(self, msg: protocol.Message) -> None:
        self.objects.pop(int(msg.header.get("ref", 0)), None)
        self.reply({"ok": True, "value": None})

    # -------------------------------------------------------------- helpers
    def _target(self, target: Any) -> Any:
        if isinstance(target, str):
            if self.module is None or not hasattr(self.module, target):
                raise LookupError(target)
            return getattr(self.module, target)
        obj = self.objects.get(int(target["ref"]))
        if obj is None:
            raise LookupError("object from an earlier worker")
        if not hasattr(obj, target["attr"]):
            raise LookupError(f"{type(obj).__name__}.{target['attr']}")
        return getattr(obj, target["attr"])

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, protocol.Ref):
            if value.id not in self.objects:
                raise LookupError("object from an earlier worker")
            return self.objects[value.id]
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        return value

    def _grads(self, spec: dict | None, args: list, result: Any, blobs: list[bytes]) -> dict | None:
        """d(sum(output * upstream))/d(inputs): the gradient a check asked for."""
        if not spec:
            return None
        import torch

        out = result
        for key in spec.get("path", []):
            out = out[key]
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            raise NoGradError()
        inputs = [a for a in _flatten(args) if isinstance(a, torch.Tensor) and a.requires_grad]
        names: list[str] = []
        if spec.get("params_of") is not None:
            model = self.objects[int(spec["params_of"])]
            named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
            names = [n for n, _ in named]
            inputs += [p for _, p in named]
        upstream = protocol.decode(spec.get("upstream"), blobs, _make_array)
        # sum(out * upstream) rather than grad_outputs=: the latter imports sympy (~0.5 s)
        target = out.sum() if upstream is None else (out * upstream).sum()
        grads = torch.autograd.grad(target, inputs, allow_unused=True)
        n_args = len(inputs) - len(names)
        return {"inputs": [g for g in grads[:n_args]],
                "params": {n: g for n, g in zip(names, grads[n_args:])}}

    def _describe(self, exc: BaseException) -> dict:
        if isinstance(exc, NotImplementedError):
            kind = "not_implemented"
        elif isinstance(exc, NoGradError):
            kind = "no_grad"
        elif isinstance(exc, (SystemExit, KeyboardInterrupt)):
            kind = "exit"
        else:
            kind = "exception"
        mro = [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]
        return {"kind": kind, "type": type(exc).__name__, "mro": mro,
                "message": _text(exc), "traceback": self._trimmed_traceback(exc)}

    def _trimmed_traceback(self, exc: BaseException) -> str:
        """Only the learner's own lines: the grader's and the libraries' frames are noise."""
        # the learner's module was loaded from self.path: its code objects carry that name
        # (no path resolving per frame: a stub raises on every call, hundreds per grading)
        own = {str(self.path), self._resolved}
        frames = [(frame.f_code, line) for frame, line in traceback.walk_tb(exc.__traceback__)
                  if frame.f_code.co_filename in own]
        lines = [f'  File "{self.path.name}", line {line}, in {code.co_name}\n'
                 f"    {linecache.getline(code.co_filename, line).strip()}"
                 for code, line in frames]
        lines.append(f"{type(exc).__name__}: {_text(exc)}")
        return "\n".join(lines)[-4 * MAX_TEXT:]


class _GraderImportBlocker:
    """Learner code may not import the grader's own packages (reference solutions, checks)."""

    BLOCKED = ("solutions", "checks", "grader")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED and not name.startswith("grader.worker"):
            raise ImportError(f"importing {name!r} is not allowed in graded code")
        return None


class NoGradError(Exception):
    """The output a gradient was asked of is not part of an autograd graph."""


def _text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001
        text = "(the exception's message could not be printed)"
    return text[:MAX_TEXT]


def _flatten(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flatten(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    return [value]


def _make_array(data: np.ndarray, kind: str, requires_grad: bool) -> Any:
    """Arrays arrive as what the learner's function expects: ndarray or torch.Tensor."""
    if kind != "torch.Tensor":
        return data
    import torch

    tensor = torch.from_numpy(data)
    return tensor.requires_grad_(True) if requires_grad else tensor


def _reseed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        # the CPU generator: torch.manual_seed would also queue a lazy CUDA seeding (with a
        # stack trace) on every call, a millisecond each
        sys.modules["torch"].random.default_generator.manual_seed(seed)


def serve_file(path: Path, name: str, fd_in: int, fd_out: int,
               spare: tuple[int, int] | None = None) -> None:
    """Load the learner's file and answer requests; never returns."""
    sys.dont_write_bytecode = True  # never leave __pycache__ in the learner's folder
    sys.stdout.reconfigure(line_buffering=True)  # prints survive a crash, for --verbose
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    sys.meta_path.insert(0, _GraderImportBlocker())
    server = Server(path, name, fd_in, fd_out, spare)
    server.reply({"op": "ready", "load": server.load()})
    server.serve()
    sys.stdout.flush()
    os._exit(0)  # skip the learner's atexit hooks and finalizers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--fd-in", type=int)
    parser.add_argument("--fd-out", type=int)
    parser.add_argument("--fd-spare", type=int, nargs=2, help="a second channel (op fork)")
    parser.add_argument("--stdio", metavar="OUTPUT_FILE",
                        help="talk over stdin/stdout, printing into OUTPUT_FILE (stdio.py)")
    parser.add_argument("--preload", default="")
    opts = parser.parse_args(argv)
    fd_in, fd_out = (_stdio_channel(opts.stdio) if opts.stdio else (opts.fd_in, opts.fd_out))
    for name in filter(None, opts.preload.split(",")):
        importlib.import_module(name)
    serve_file(Path(opts.file), opts.name, fd_in, fd_out,
               tuple(opts.fd_spare) if opts.fd_spare else None)


def _stdio_channel(output: str) -> tuple[int, int]:
    """Keep stdin and stdout for the protocol; point fds 0 and 1 elsewhere, so that whatever the
    learner's code reads or prints never touches the messages."""
    from .stdio import binary

    fd_in, fd_out = os.dup(0), os.dup(1)
    binary(fd_in, fd_out)
    null = os.open(os.devnull, os.O_RDONLY)
    printed = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0))
    os.dup2(null, 0)
    os.dup2(printed, 1)
    for fd in (null, printed):
        os.close(fd)
    return fd_in, fd_out


if __name__ == "__main__":
    main()
