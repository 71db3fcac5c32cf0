"""Bilingual text: every message a learner may read exists in Korean and English."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text from learner code made safe to show in a terminal, a file or XML: control characters
    (terminal escapes that could redraw the report, NUL) written out as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True)
class Text:
    en: str
    ko: str

    def get(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en

    def __add__(self, other: "Text") -> "Text":
        return Text(self.en + other.en, self.ko + other.ko)

    @staticmethod
    def join(parts: list["Text"], sep: str = "\n") -> "Text":
        return Text(sep.join(p.en for p in parts), sep.join(p.ko for p in parts))


class CheckFailure(AssertionError):
    """A check failed; the message explains why, in both languages."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text
