"""Choosing the learner's language: --lang, then GRADE_LANG, then the locale, then English."""

from __future__ import annotations

import locale
import os

LANGS = ("ko", "en")


def resolve_lang(option: str | None = None) -> str:
    for candidate in (option, os.environ.get("GRADE_LANG")):
        if candidate and candidate.lower()[:2] in LANGS:
            return candidate.lower()[:2]
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "ko" if loc.lower().startswith("ko") else "en"


def pick(text: dict | str, lang: str) -> str:
    """A {ko, en} mapping in the wanted language (falling back to the other one)."""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("en") or text.get("ko") or ""
