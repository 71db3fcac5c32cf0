"""Messages between the grading process and the worker: JSON headers plus raw array bytes.

No pickle in either direction: a learner's objects can only ever arrive as numbers, strings,
arrays (dtype + shape + bytes) or an opaque description. Both sides import this module; it needs
only numpy, and imports torch lazily when a tensor is actually encoded or decoded.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# dtypes that may cross the pipe; anything else is described, not decoded
SAFE_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8",
    "float16", "float32", "float64", "complex64", "complex128",
}
# numpy 2 builds dtype.name afresh on every access: look names up instead (hot path)
_NAMES = {np.dtype(name): name for name in SAFE_DTYPES}
MAX_MESSAGE = 1 << 28  # 256 MiB: a larger frame is garbage (test arrays are kilobytes)
MAX_HEADER = 1 << 20  # 1 MiB of JSON: values are small, arrays travel as blobs
_LEN = struct.Struct("<Q")


@dataclass
class RemoteArray:
    """An array returned by learner code. `kind` is the exact type it had in the worker."""

    kind: str  # "numpy.ndarray", "torch.Tensor" or another (sub)class name
    data: np.ndarray
    requires_grad: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype


@dataclass
class Opaque:
    """A value of a type that is not sent across (a custom object, a generator...)."""

    type_name: str
    text: str = ""


@dataclass
class Ref:
    """A handle on an object that lives in the worker (a model, an optimizer)."""

    id: int
    type_name: str = ""


@dataclass
class TensorArg:
    """Grader-side request to hand the worker a torch tensor (the grader may not import torch)."""

    data: np.ndarray
    requires_grad: bool = False
    dtype: str | None = None  # e.g. "int64" for token ids; default: the array's own dtype


@dataclass
class Message:
    header: dict
    blobs: list[bytes] = field(default_factory=list)


def dtype_name(dtype: np.dtype) -> str:
    return _NAMES.get(dtype) or dtype.name


# ----------------------------------------------------------------------------- encoding
class Encoder:
    def __init__(self) -> None:
        self.blobs: list[bytes] = []

    def array(self, arr: np.ndarray, kind: str, requires_grad: bool = False) -> dict:
        arr = np.asarray(arr)
        if not arr.flags.c_contiguous:  # (ascontiguousarray would turn 0-d arrays into 1-d)
            arr = arr.copy(order="C")
        dtype = dtype_name(arr.dtype)
        if dtype not in SAFE_DTYPES:
            return {"__opaque__": f"{kind}[{arr.dtype}]", "text": ""}
        self.blobs.append(arr.tobytes())
        return {"__array__": len(self.blobs) - 1, "dtype": dtype,
                "shape": list(arr.shape), "kind": kind, "requires_grad": requires_grad}

    def value(self, obj: Any, depth: int = 0) -> Any:
        if depth > 20:
            return {"__opaque__": "nested too deeply", "text": ""}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if type(obj) is int or type(obj) is float:
            return obj
        if isinstance(obj, (np.integer, np.floating, np.bool_)) and type(obj).__module__ == "numpy":
            return {"__npscalar__": dtype_name(obj.dtype), "value": obj.item()}
        if isinstance(obj, np.ndarray):
            kind = "numpy.ndarray" if type(obj) is np.ndarray else _type_name(obj)
            return self.array(np.asarray(obj), kind)
        if isinstance(obj, TensorArg):
            arr = obj.data if obj.dtype is None else obj.data.astype(obj.dtype)
            return self.array(arr, "torch.Tensor", obj.requires_grad)
        if isinstance(obj, Ref):
            return {"__ref__": obj.id, "type": obj.type_name}
        if type(obj) is tuple:
            return {"__tuple__": [self.value(v, depth + 1) for v in obj]}
        if type(obj) is list:
            return [self.value(v, depth + 1) for v in obj]
        if isinstance(obj, dict) and all(type(k) is str for k in obj):  # OrderedDict too
            return {"__dict__": {k: self.value(v, depth + 1) for k, v in dict.items(obj)}}
        tensor = _as_tensor(obj)
        if tensor is not None:
            return self._tensor(obj, tensor)
        return {"__opaque__": _type_name(obj), "text": _short_repr(obj)}

    def _tensor(self, obj: Any, tensor: Any) -> dict:
        kind = "torch.Tensor" if type(obj).__name__ in ("Tensor", "Parameter") else _type_name(obj)
        if tensor.layout != _torch_if_loaded().strided:
            return {"__opaque__": kind, "text": f"{tensor.layout} tensor"}
        data = tensor.detach().cpu().resolve_conj().resolve_neg()
        if str(data.dtype) == "torch.bfloat16":
            return {"__opaque__": kind, "text": "bfloat16 tensor"}
        return self.array(data.numpy(), kind, bool(tensor.requires_grad))


def _as_tensor(obj: Any) -> Any:
    torch = _torch_if_loaded()
    if torch is not None and isinstance(obj, torch.Tensor):
        return obj
    return None


def _torch_if_loaded() -> Any:
    import sys

    return sys.modules.get("torch")


def _type_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _short_repr(obj: Any) -> str:
    try:
        text = object.__repr__(obj)  # never the learner's __repr__: it could lie or hang
    except Exception:  # noqa: BLE001
        text = "?"
    return text[:200]


# ----------------------------------------------------------------------------- decoding
class DecodeError(ValueError):
    pass


def remote_array(data: np.ndarray, kind: str, requires_grad: bool) -> RemoteArray:
    return RemoteArray(kind, data, requires_grad)


def decode(value: Any, blobs: list[bytes], make_array=remote_array,
           used: set[int] | None = None) -> Any:
    """Rebuild a value; `make_array(data, kind, requires_grad)` builds each array. Each blob
    makes one array: a forged value naming one blob many times would multiply it in memory."""
    used = set() if used is None else used
    if isinstance(value, list):
        return [decode(v, blobs, make_array, used) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        index = int(value["__array__"])
        if index in used:
            raise DecodeError("an array is used twice")
        used.add(index)
        dtype = value["dtype"]
        if dtype not in SAFE_DTYPES:
            raise DecodeError(f"dtype {dtype!r} is not allowed")
        shape = tuple(int(s) for s in value["shape"])
        raw = blobs[index]
        count = math.prod(shape)  # Python ints: np.prod costs ~10 us a call (hot path)
        if min(shape, default=0) < 0 or count * np.dtype(dtype).itemsize != len(raw):
            raise DecodeError("array size does not match its shape")
        data = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        return make_array(data, str(value.get("kind")), bool(value.get("requires_grad")))
    if "__tuple__" in value:
        return tuple(decode(v, blobs, make_array, used) for v in value["__tuple__"])
    if "__dict__" in value:
        return {str(k): decode(v, blobs, make_array, used)
                for k, v in value["__dict__"].items()}
    if "__npscalar__" in value:
        return np.dtype(value["__npscalar__"]).type(value["value"]) \
            if value["__npscalar__"] in SAFE_DTYPES else Opaque(value["__npscalar__"])
    if "__ref__" in value:
        return Ref(int(value["__ref__"]), str(value.get("type", "")))
    if "__opaque__" in value:
        return Opaque(str(value["__opaque__"]), str(value.get("text", ""))[:200])
    raise DecodeError("unknown value tag")


# ----------------------------------------------------------------------------- framing
def send(fd: int, header: dict, blobs: list[bytes] = ()) -> None:
    write_all(fd, frame(header, blobs))


def frame(header: dict, blobs: list[bytes] = ()) -> bytes:
    """A whole message as one buffer: one write per message, as every separate write wakes
    the reader once more."""
    head = json.dumps({**header, "blobs": [len(b) for b in blobs]}).encode()
    return b"".join([_LEN.pack(len(head)), head, *blobs])


class Reader:
    """Messages from a pipe, read in large chunks (one read per message, not three or more)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()

    def recv(self) -> Message:
        (size,) = _LEN.unpack(self._take(_LEN.size))
        if size > MAX_MESSAGE:
            raise DecodeError("message too large")
        header = json.loads(self._take(size))
        if not isinstance(header, dict):
            raise DecodeError("header is not an object")
        sizes = header.pop("blobs", [])
        if sum(sizes) > MAX_MESSAGE:
            raise DecodeError("message too large")
        return Message(header, [self._take(int(n)) for n in sizes])

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = os.read(self.fd, max(size - len(self.buffer), 1 << 16))
            if not chunk:
                raise EOFError("the pipe was closed")
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
