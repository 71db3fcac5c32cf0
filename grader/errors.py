"""Errors that reach the user as a clear message and an exit code, never as a traceback."""

from __future__ import annotations


class BilingualError(Exception):
    """An error whose message exists in English and Korean."""

    def __init__(self, en: str, ko: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.ko = ko or en

    def text(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


class UsageError(BilingualError):
    """Bad input from the user: unknown name, no workspace, malformed file. Exit code 2."""

    exit_code = 2


class SkipCheck(Exception):
    """A check that cannot run in this installation (it then counts for nothing here)."""
