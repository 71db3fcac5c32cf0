"""What checks hold of the learner's code: a proxy whose calls run in the worker process.

`learner.softmax(x)` sends x, waits (with a timeout) and returns plain data: RemoteArray for
arrays, tuples, dicts, numbers. Anything that goes wrong on the learner's side becomes a
LearnerError whose message says, in plain words, what happened and what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from .text import CheckFailure, Text, printable
from .worker import protocol
from .worker.client import Worker, WorkerError


class LearnerError(CheckFailure):
    """The learner's code failed (raised, exited, looped, is missing); the check fails."""

    def __init__(self, text: Text, kind: str, type_name: str = "", mro: tuple = (),
                 message: str = "") -> None:
        super().__init__(text)
        self.kind = kind
        self.type_name = type_name
        self.mro = tuple(mro)
        self.message = message  # the exception's own message, as the learner wrote it


@dataclass
class CallResult:
    value: Any
    args_after: list | None = None
    grads: dict | None = None
    warnings: list = field(default_factory=list)  # [{"category", "message"}] raised by the call


class Learner:
    def __init__(self, worker: Worker, display_file: str) -> None:
        self._worker = worker
        self._slow: list[str] = []  # the calls that timed out, for the ones skipped after them
        self.file = display_file

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs).value

    def call(self, target: str | dict, *args: Any, reseed: int | None = None,
             grad: dict | None = None, return_args: bool = False, keep: bool = False,
             timeout: float | None = None, **kwargs: Any) -> CallResult:
        """Call a function (or a method, target={"ref": id, "attr": name}) in the worker.

        grad={"path": [0], "upstream": TensorArg|None, "params_of": RemoteObject|None} asks for
        d(sum(output[path] * upstream)) with respect to every argument created with
        requires_grad=True (and the parameters of `params_of`).
        """
        request = _Request(target, args, kwargs, reseed, grad, return_args, keep)
        return request.result(self._send(request.header, request.blobs, request.label, timeout),
                              self)

    def each(self, target: str | dict, calls: Iterable["Args"], *, reseed: int | None = None,
             timeout: float | None = None) -> Iterator[Any]:
        """learner.f(*args) for each Args in `calls`, in order, as a generator of values.

        The calls are queued to the worker ahead of time (one wake-up instead of a round trip
        each), so they must not depend on each other's results. A failing call raises, as
        learner.f would, when its value is reached; calls after it may already have run.
        """
        requests = [_Request(target, c.args, c.kwargs, reseed) for c in calls]
        answers = self._worker.pipeline([(r.header, r.blobs) for r in requests], timeout)
        for request in requests:
            try:
                msg = next(answers)
            except WorkerError as err:
                raise self._worker_failure(err, request.label, timeout) from None
            yield request.result(self._checked(msg, request.label), self).value

    def fork(self) -> "Learner | None":
        """The same learner on a copy of its worker, for checks that run in parallel (None if
        no copy can be made here)."""
        twin = self._worker.fork()
        return Learner(twin, self.file) if twin is not None else None

    def new(self, cls_name: str, *args: Any, **kwargs: Any) -> "RemoteObject":
        """Construct a learner's class in the worker and keep it there."""
        return self.call(cls_name, *args, keep=True, **kwargs).value

    def optimizer(self, model: "RemoteObject", kind: str, lr: float) -> "RemoteObject":
        """A trusted torch optimizer over a remote model's parameters."""
        msg = self._send({"op": "optimizer", "ref": model.id, "kind": kind, "lr": lr}, [],
                         f"{kind} optimizer", None)
        ref = protocol.decode(msg.header["value"], [])
        return RemoteObject(self, ref.id, ref.type_name)

    def _send(self, header: dict, blobs: list, label: str, timeout: float | None
              ) -> protocol.Message:
        try:
            msg = self._worker.request(header, blobs, timeout)
        except WorkerError as err:
            raise self._worker_failure(err, label, timeout) from None
        return self._checked(msg, label)

    def _worker_failure(self, err: WorkerError, label: str, timeout: float | None
                        ) -> "LearnerError":
        if err.kind == "timeout" and label not in self._slow:
            self._slow.append(label)
        return _worker_error(err, label, self.file,
                             timeout or self._worker.options.call_timeout, self._slow)

    def _checked(self, msg: protocol.Message, label: str) -> protocol.Message:
        """The answer, or the LearnerError saying why the learner's code failed."""
        if not msg.header.get("ok"):
            h = msg.header
            raise _error(str(h.get("kind")), label, self.file, str(h.get("type", "")),
                         str(h.get("message", "")), str(h.get("traceback", "")),
                         tuple(h.get("mro") or ()))
        return msg


@dataclass
class Args:
    """The arguments of one call in Learner.each: Args(x, axis=-1)."""

    args: tuple
    kwargs: dict

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs


class _Request:
    """One call encoded for the worker, and the decoding of its answer."""

    def __init__(self, target: str | dict, args: tuple, kwargs: dict, reseed: int | None,
                 grad: dict | None = None, return_args: bool = False, keep: bool = False) -> None:
        enc = protocol.Encoder()
        self.header = {"op": "call", "target": target, "args": enc.value(list(args)),
                       "kwargs": enc.value(kwargs), "reseed": reseed,
                       "return_args": return_args, "keep": keep}
        if grad is not None:
            owner = grad.get("params_of")
            self.header["grad"] = {"path": list(grad.get("path", [])),
                                   "upstream": enc.value(grad.get("upstream")),
                                   "params_of": owner.id if owner is not None else None}
        self.blobs = enc.blobs
        self.label = target if isinstance(target, str) else \
            f"{target.get('type', '')}.{target['attr']}"

    def result(self, msg: protocol.Message, learner: "Learner") -> CallResult:
        try:
            value = protocol.decode(msg.header.get("value"), msg.blobs)
            if isinstance(value, protocol.Ref):
                value = RemoteObject(learner, value.id, value.type_name)
            after = protocol.decode(msg.header["args_after"], msg.blobs) \
                if self.header["return_args"] else None
            grads = protocol.decode(msg.header["grads"], msg.blobs) \
                if "grad" in self.header else None
        except (protocol.DecodeError, KeyError, TypeError, ValueError, IndexError,
                OverflowError, RecursionError):  # forged by the learner's code: its failure
            raise _error("protocol", self.label, learner.file) from None
        raised = msg.header.get("warnings")
        return CallResult(value, after, grads, raised if isinstance(raised, list) else [])


class RemoteObject(protocol.Ref):
    """An object that lives in the worker; attribute access gives callable methods."""

    def __init__(self, learner: Learner, id: int, type_name: str) -> None:
        super().__init__(id, type_name)
        self._learner = learner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.method(name, *args, **kwargs).value

    def method(self, name: str, *args: Any, **kwargs: Any) -> CallResult:
        """A method call with the call() options (reseed, grad, return_args, keep)."""
        target = {"ref": self.id, "attr": name, "type": self.type_name.rsplit(".", 1)[-1]}
        return self._learner.call(target, *args, **kwargs)


def _error(kind: str, label: str, file: str, type_name: str = "", message: str = "",
           tb: str = "", mro: tuple = ()) -> LearnerError:
    type_name, message, tb = printable(type_name), printable(message), printable(tb)
    if kind == "not_implemented":
        text = Text(f"{label} is not implemented yet (it raises NotImplementedError).",
                    f"{label} 는 아직 구현되지 않았습니다 (NotImplementedError 발생).")
    elif kind == "missing":
        text = Text(f"{message} is not defined in {file}. Define it with exactly this name.",
                    f"{message} 가 {file} 에 정의되어 있지 않습니다. 정확히 이 이름으로 정의하세요.")
    elif kind == "exit":
        text = Text(f"{label} tried to exit the program ({type_name}: {message}). Return a value "
                    "instead of calling sys.exit() or exit().",
                    f"{label} 가 프로그램을 종료하려 했습니다 ({type_name}: {message}). "
                    "sys.exit()나 exit() 대신 값을 반환하세요.")
    elif kind == "no_grad":
        text = Text(f"The output of {label} is not connected to the autograd graph. Do not use "
                    ".detach(), .numpy(), .item() or torch.no_grad() inside it.",
                    f"{label} 의 출력이 autograd 그래프에 연결되어 있지 않습니다. 내부에서 "
                    ".detach(), .numpy(), .item(), torch.no_grad()를 쓰지 마세요.")
    elif kind == "bad_return":
        text = Text(f"{label} returned a value that could not be read ({message}).",
                    f"{label} 가 읽을 수 없는 값을 반환했습니다 ({message}).")
    elif kind == "exception":
        text = Text(f"{label} raised {type_name}: {message}\n{tb}",
                    f"{label} 에서 {type_name} 예외가 발생했습니다: {message}\n{tb}")
    else:
        text = Text(f"The worker running {file} answered {label} with garbled data.",
                    f"{file} 를 실행하는 워커가 {label} 호출에 알 수 없는 응답을 보냈습니다.")
    return LearnerError(text, kind, type_name, mro, message)


def _worker_error(err: WorkerError, label: str, file: str, timeout: float,
                  slow: list[str] = ()) -> LearnerError:
    if err.kind == "timeout":
        text = Text(f"{label} did not finish within {timeout:g} s (an infinite loop, or far too "
                    "much work for these small inputs?).",
                    f"{label} 가 {timeout:g}초 안에 끝나지 않았습니다 (무한 루프이거나 작은 입력에 "
                    "비해 계산이 너무 많습니다).")
    elif err.kind == "not_loaded":
        return LearnerError(load_failure_text(json.loads(err.detail), file), "not_loaded")
    elif err.kind == "gave_up" and err.detail == "timeouts":
        which = ", ".join(slow) or "earlier calls"
        text = Text(f"Not run: {label} was not called, because {which} did not finish in time "
                    "and the grader stops calling your code after that. Fix that first.",
                    f"실행하지 않음: {which} 가 제한 시간 안에 끝나지 않아 채점기가 더 이상 코드를 "
                    f"호출하지 않으므로 {label} 는 호출되지 않았습니다. 그것부터 고치세요.")
    elif err.kind == "gave_up":
        text = Text(f"Skipped {label}: your code crashed its process too many times.",
                    f"{label} 건너뜀: 코드가 실행 프로세스를 너무 여러 번 중단시켰습니다.")
    elif err.kind == "budget":
        text = Text(f"Skipped {label}: this submission used up its time ({err.detail}).",
                    f"{label} 건너뜀: 이 제출물의 실행 시간({err.detail})을 다 썼습니다.")
    else:
        text = Text(f"The process running your code ended while running {label} ({err.detail}). "
                    "Do not call os._exit() or kill the process; return a value.",
                    f"{label} 실행 중 코드를 실행하던 프로세스가 끝났습니다 ({err.detail}). "
                    "os._exit()를 호출하거나 프로세스를 종료하지 말고 값을 반환하세요.")
    return LearnerError(text, err.kind)


def load_failure_text(status: dict, file: str) -> Text:
    """Why the learner's file could not be imported, with the fix."""
    kind = status.get("kind")
    if kind == "syntax":
        line, text = status.get("line"), status.get("text", "")
        return Text(f"{file}, line {line}: syntax error: {status.get('message')}\n    {text}\n"
                    "Fix the syntax and grade again.",
                    f"{file} {line}번째 줄: 문법 오류: {status.get('message')}\n    {text}\n"
                    "문법을 고친 뒤 다시 채점하세요.")
    if kind == "missing_file":
        return Text(f"{file} does not exist. `grade reset NAME` brings the stub back.",
                    f"{file} 파일이 없습니다. `grade reset NAME` 으로 스텁을 되살릴 수 있습니다.")
    if kind == "timeout":
        return Text(f"Importing {file} did not finish in time: move long-running code into "
                    "functions.",
                    f"{file} 를 불러오는 데 시간이 너무 오래 걸렸습니다: 오래 걸리는 코드는 함수 "
                    "안으로 옮기세요.")
    if kind in ("exception", "not_implemented", "exit"):
        return Text(f"{file} raised an error while being imported: {status.get('type')}: "
                    f"{status.get('message')}\n{status.get('traceback', '')}",
                    f"{file} 를 불러오는 중 오류가 발생했습니다: {status.get('type')}: "
                    f"{status.get('message')}\n{status.get('traceback', '')}")
    return Text(f"{file} could not be loaded ({kind}: {status.get('message', '')}).",
                f"{file} 를 불러오지 못했습니다 ({kind}: {status.get('message', '')}).")
