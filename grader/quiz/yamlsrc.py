"""YAML that remembers where things came from, so every error can say file:line.

Mappings load as `LineDict` (with `.line` and `.key_lines`), sequences as `LineList` (with `.line`
and `.item_lines`). Duplicate keys, which PyYAML silently overwrites, are errors here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: much faster


class YamlSourceError(Exception):
    """A file that is not valid YAML (or has duplicate keys), with its location."""

    def __init__(self, file: Path, line: int | None, message: str) -> None:
        super().__init__(f"{file}:{line or '?'}: {message}")
        self.file = file
        self.line = line
        self.message = message


class LineDict(dict):
    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int | None:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    # (line, message) of duplicate keys; None = raise on the first one instead
    duplicates: list[tuple[int, str]] | None = None


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)  # resolves `<<:` merge keys like SafeLoader does
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise _DuplicateKey(None, None, "a mapping key must be a plain value", key_node.start_mark)
        if key in out:
            message = f"duplicate key {key!r} (first on line {out.key_lines[key]})"
            if loader.duplicates is None:
                raise _DuplicateKey(None, None, message, key_node.start_mark)
            loader.duplicates.append((key_node.start_mark.line + 1, message))
            continue  # keep the first value, report the rest
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, file: Path, duplicates: list[tuple[int, str]] | None = None) -> Any:
    """Parse YAML text. Duplicate keys raise, unless a `duplicates` list is given to collect them."""
    loader = _LineLoader(text)
    loader.duplicates = duplicates
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlSourceError(file, line, f"not valid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(file, None, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def load_yaml(path: Path, duplicates: list[tuple[int, str]] | None = None) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSourceError(Path(path), None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise YamlSourceError(Path(path), None, f"cannot read: {exc.strerror}") from None
    return parse_yaml(text, Path(path), duplicates)
