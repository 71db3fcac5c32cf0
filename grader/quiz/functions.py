"""Named answer functions of a quiz pack (`answer_fn:`), so no question text is ever evaluated as code.

A pack's `_functions.py` builds one `Registry` and decorates plain Python functions with it; the
loader looks the registry up by name and calls `fn(**params)` (or with `fn_args`).
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

AnswerFn = Callable[..., float]


class Registry:
    """name -> answer function; `@registry.register` or `@registry.register("other_name")`."""

    def __init__(self) -> None:
        self._fns: dict[str, AnswerFn] = {}

    def register(self, fn_or_name: AnswerFn | str) -> AnswerFn | Callable[[AnswerFn], AnswerFn]:
        if isinstance(fn_or_name, str):
            name = fn_or_name
            return lambda fn: self._add(name, fn)
        return self._add(fn_or_name.__name__, fn_or_name)

    def _add(self, name: str, fn: AnswerFn) -> AnswerFn:
        if name in self._fns:
            raise ValueError(f"answer function {name!r} registered twice")
        self._fns[name] = fn
        return fn

    def get(self, name: str) -> AnswerFn | None:
        return self._fns.get(name)

    def names(self) -> list[str]:
        return sorted(self._fns)

    def signature(self, name: str) -> str:
        fn = self._fns[name]
        return f"{name}{inspect.signature(fn)}"

    def merged(self, other: "Registry") -> "Registry":
        """A new registry with `other`'s functions overriding ours (a custom pack over the shipped one)."""
        out = Registry()
        out._fns = {**self._fns, **other._fns}
        return out

    def __contains__(self, name: object) -> bool:
        return name in self._fns

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._fns))


def load_registry(path: Path) -> Registry:
    """Import a pack's `_functions.py` by path and return its module-level `functions` Registry."""
    # A unique module name per file: two packs may both have a `_functions.py`.
    mod_name = f"_dlgrade_quiz_functions_{abs(hash(str(path.resolve())))}"
    if mod_name in sys.modules:
        module = sys.modules[mod_name]
    else:
        spec = importlib.util.spec_from_file_location(mod_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[mod_name]
            raise
    registry = getattr(module, "functions", None)
    if not isinstance(registry, Registry):
        raise ImportError(f"{path} defines no `functions = Registry()`")
    return registry
