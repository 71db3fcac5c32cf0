"""Seeded test inputs: every check draws its inputs from the run seed, so `--seed N` replays a run.

Iterating `cases(...)` also records which case is being checked, so that a failure message can
say "case 3 of 4 (float32)" without the check author passing it around.
"""

from __future__ import annotations

import zlib
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .text import Text

current_case: ContextVar["Case | None"] = ContextVar("current_case", default=None)


@dataclass
class Case:
    index: int
    total: int
    dtype: np.dtype
    rng: np.random.Generator

    def randn(self, *shape: int, scale: float = 1.0) -> np.ndarray:
        return (self.rng.standard_normal(shape) * scale).astype(self.dtype)

    def uniform(self, low: float, high: float, *shape: int) -> np.ndarray:
        return self.rng.uniform(low, high, shape).astype(self.dtype)

    def integers(self, low: int, high: int, *shape: int) -> np.ndarray:
        return self.rng.integers(low, high, shape, dtype=np.int64)

    def label(self) -> Text:
        return Text(f"case {self.index + 1} of {self.total} ({self.dtype.name})",
                    f"{self.total}개 중 {self.index + 1}번째 경우 ({self.dtype.name})")


class CaseFactory:
    """`cases()` for one check: bound to the run seed and the check's name."""

    def __init__(self, seed: int, check_name: str) -> None:
        self.seed = seed
        self.salt = zlib.crc32(check_name.encode())

    def __call__(self, n: int = 2, dtypes: tuple[str, ...] = ("float64", "float32")
                 ) -> Iterator[Case]:
        total = n * len(dtypes)
        index = 0
        for dtype in dtypes:
            for _ in range(n):
                case = Case(index, total, np.dtype(dtype),
                            np.random.default_rng([self.seed, self.salt, index]))
                token = current_case.set(case)
                try:
                    yield case
                finally:
                    current_case.reset(token)
                index += 1

    def rng(self, stream: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.salt, 10_000 + stream])
