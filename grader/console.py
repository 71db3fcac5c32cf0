"""A rich Console that degrades: no colour when piped, plain markers when ✓/✗ cannot be encoded."""

from __future__ import annotations

import sys

from rich.console import Console


def make_console(stream=None) -> Console:
    stream = stream or sys.stdout
    return Console(file=stream, highlight=False, soft_wrap=True, emoji=False)


def can_encode(text: str, stream=None) -> bool:
    encoding = getattr(stream or sys.stdout, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def markers(stream=None) -> tuple[str, str]:
    """(pass, fail) markers the stream can print."""
    return ("✓", "✗") if can_encode("✓✗", stream) else ("[PASS]", "[FAIL]")
