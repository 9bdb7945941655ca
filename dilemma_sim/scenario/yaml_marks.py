"""Addressing YAML data: `YamlPath`, the `Mark` of a key or value and the `Marks` of a whole file,
the `Document` that reading produces, and functions to walk, format, parse, read and replace by path.

Nothing here reads YAML text; that stays in `yamlio`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dilemma_sim.scenario.diagnostics import Diagnostic

YamlPath = tuple[str | int, ...]
"""Where a node sits: mapping keys and list indices from the top of the document."""


@dataclass(frozen=True)
class Mark:
    """Where a key or value was written: 1-based start line and column, end, and scalar style."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    style: str | None = None
    """Scalar style: None (plain), `'`, `"`, `|` or `>`; None for mappings and lists too."""
    raw: str | None = None
    """Source text of a one-line quoted scalar, quotes included (to locate characters inside it)."""
    text_start: tuple[int, int] = (0, 0)
    """Block scalars (`|`, `>`): line and column of the first character of the text."""

    def at_offset(self, offset: int) -> tuple[int, int]:
        """Line and column of character `offset` of the scalar's value (its start when not on one line)."""
        if self.style in ("|", ">"):
            return self.text_start
        if self.end_line != self.line:
            return self.line, self.column
        if self.style is None:
            return self.line, self.column + offset
        raw = self.raw or ""
        i, seen = 1, 0  # skip the opening quote
        while seen < offset and i < len(raw) - 1:
            if self.style == "'":
                i += 2 if raw.startswith("''", i) else 1
            elif raw[i] == "\\":
                i += {"x": 4, "u": 6, "U": 10}.get(raw[i + 1 : i + 2], 2)
            else:
                i += 1
            seen += 1
        return self.line, self.column + i + (offset - seen)


@dataclass
class Marks:
    """Positions of every value (`values`) and every mapping key (`keys`), by the value's path."""

    values: dict[YamlPath, Mark] = field(default_factory=dict)
    keys: dict[YamlPath, Mark] = field(default_factory=dict)

    def value(self, path: YamlPath) -> Mark | None:
        """Where the value at `path` starts."""
        return self.values.get(tuple(path))

    def key(self, path: YamlPath) -> Mark | None:
        """Where the key of the value at `path` starts (None for list items and the top)."""
        return self.keys.get(tuple(path))

    def nearest(self, path: YamlPath, prefer_key: bool = False) -> Mark | None:
        """The mark of `path`, or of its closest ancestor that has one."""
        p = tuple(path)
        while True:
            found = (self.keys.get(p) or self.values.get(p)) if prefer_key else self.values.get(p)
            if found is None and not prefer_key:
                found = self.keys.get(p)
            if found is not None or not p:
                return found
            p = p[:-1]


@dataclass(frozen=True)
class Document:
    """A YAML file read into plain data, with marks and the problems found."""

    data: Any
    """Dicts, lists, str, int, float, bool and None; None also when the file could not be read."""
    marks: Marks
    diagnostics: tuple[Diagnostic, ...]
    bad_paths: frozenset[YamlPath] = frozenset()
    """Values already reported here (forbidden tag, non-finite number): later checks skip them."""

    @property
    def ok(self) -> bool:
        """Whether nothing went wrong."""
        return not self.diagnostics


def iter_paths(data: Any, path: YamlPath = ()) -> Iterator[YamlPath]:
    """Every path in `data`, parents before children."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*path, index))


def format_path(path: YamlPath) -> str:
    """Dotted text of a path: `actors.pakistan.utility.security`, list items as `[0]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_path(text: str) -> YamlPath:
    """The inverse of `format_path` for keys without dots: `parameters.rate` -> ("parameters", "rate")."""
    parts: list[str | int] = []
    for piece in text.split("."):
        name, *indices = piece.split("[")
        if name:
            parts.append(name)
        parts.extend(int(index.rstrip("]")) for index in indices)
    return tuple(parts)


def get_path(data: Any, path: YamlPath) -> Any:
    """The value at `path`; KeyError, IndexError or TypeError when it is not there."""
    for part in path:
        data = data[part]
    return data


def replace_at(data: Any, path: YamlPath, value: Any) -> Any:
    """A copy of `data` with the value at `path` replaced (missing mapping keys are added)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copy = dict(data)
        copy[str(head)] = replace_at(data.get(str(head)), rest, value)
        return copy
    if isinstance(data, list) and isinstance(head, int):
        items = list(data)
        items[head] = replace_at(items[head], rest, value)
        return items
    return replace_at({}, path, value)
