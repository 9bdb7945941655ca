"""The only module that reads YAML: safe, bounded, and keeping a line and column for every node.

`load_yaml(text, filename)` returns a `Document`: plain dicts, lists and scalars, the `Marks` of every
mapping key and every value (addressed by path tuples such as
`("actors", "pakistan", "decisions", "posture", "default")`), and the problems found on the way, as
diagnostics. It never raises on bad input. What it refuses, and why:

* files over `MAX_BYTES`, mappings and lists nested deeper than `MAX_DEPTH`, more than `MAX_ALIASES`
  aliases or aliases that expand to more than `MAX_NODES` nodes (a "billion laughs" fails at once);
* duplicate keys (PyYAML silently keeps the last), non-string keys, tabs in indentation;
* every tag but the standard str/int/float/bool/null/map/seq ones (no `!!python/...`), and merge keys;
* `.nan`, `.inf` and literals too large for a float.

Implicit typing follows YAML 1.2's core schema rather than PyYAML's 1.1: dates stay strings
(`start: 2023-01`), `yes`/`no`/`on`/`off` stay strings, `1e5` is a number and `1:30` is not.

`Document`, `Marks` and the path helpers are defined in `yaml_marks` and re-exported here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dilemma_sim.scenario.diagnostics import Diagnostic
from dilemma_sim.scenario.yaml_marks import (
    Document,
    Mark,
    Marks,
    YamlPath,
    format_path,
    get_path,
    iter_paths,
    parse_path,
    replace_at,
)

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "Mark",
    "Marks",
    "YamlPath",
    "dump_yaml",
    "format_path",
    "get_path",
    "iter_paths",
    "load_yaml",
    "parse_path",
    "read_yaml",
    "replace_at",
]

MAX_BYTES = 1 << 20
"""Largest accepted file, in bytes (1 MiB)."""
MAX_DEPTH = 50
"""Deepest accepted nesting of mappings and lists."""
MAX_ALIASES = 100
"""Most aliases (`*name`) accepted in one file."""
MAX_NODES = 100_000
"""Most nodes a document may expand to once aliases are followed."""

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {
    _STR: "text",
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:null": "null",
}


class _LimitError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class _MarkedLoader(yaml.SafeLoader):
    """Composes the node graph with depth and alias limits; `build` turns it into marked plain data."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def __init__(self, text: str, filename: str) -> None:
        super().__init__(text)
        self.filename = filename
        self.depth = 0
        self.aliases = 0
        self.nodes = 0
        self.node_marks = Marks()
        self.diagnostics: list[Diagnostic] = []
        self.bad_paths: set[YamlPath] = set()

    def compose_node(self, parent: Node | None, index: int | Node) -> Node | None:
        # PyYAML passes the key node as `index` for a mapping's values; types-PyYAML says only int.
        if self.check_event(AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
                raise _LimitError(
                    f"too many aliases (more than {MAX_ALIASES})", mark.line + 1, mark.column + 1
                )
            return super().compose_node(parent, index)  # type: ignore[arg-type]  # see above
        nested = self.check_event(MappingStartEvent, SequenceStartEvent)
        if nested:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
                message = f"nested too deeply (more than {MAX_DEPTH} levels of mappings and lists)"
                raise _LimitError(message, mark.line + 1, mark.column + 1)
        try:
            return super().compose_node(parent, index)  # type: ignore[arg-type]  # see above
        finally:
            if nested:
                self.depth -= 1

    # ------------------------------------------------------------------ building plain data

    def _mark(self, node: Node) -> Mark:
        start, end = node.start_mark, node.end_mark
        style = node.style if isinstance(node, ScalarNode) else None
        raw = None
        text_start = (start.line + 1, start.column + 1)
        if style in ("'", '"') and start.line == end.line and start.buffer is not None:
            raw = start.buffer[start.index : end.index]
        elif style in ("|", ">") and start.buffer is not None:
            text_start = _block_text_start(start.buffer, start.index, end.index, start.line + 1)
        return Mark(
            self.filename,
            start.line + 1,
            start.column + 1,
            end.line + 1,
            end.column + 1,
            style,
            raw,
            text_start,
        )

    def _report(self, node: Node, code: str, message: str, path: YamlPath | None = None) -> None:
        start = node.start_mark
        self.diagnostics.append(
            Diagnostic(self.filename, start.line + 1, start.column + 1, code, "error", message)
        )
        if path is not None:
            self.bad_paths.add(path)

    def build(self, node: Node, path: YamlPath = ()) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            # Report at the top-level key being expanded: the node itself sits inside some anchor.
            top = self.node_marks.keys.get(path[:1])
            line, column = (
                (top.line, top.column) if top else (node.start_mark.line + 1, node.start_mark.column + 1)
            )
            message = f"aliases expand this to more than {MAX_NODES} nodes (aliases of aliases?)"
            raise _LimitError(message, line, column)
        self.node_marks.values[path] = self._mark(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self._report(node, "E105", f"tag '{node.tag}' is not allowed", path)
                return None
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        if node.tag != _MAP:
            self._report(node, "E105", f"tag '{node.tag}' is not allowed", path)
            return None
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key is None:
                continue
            if key in first_line:
                self._report(
                    key_node, "E103", f"duplicate key '{key}' (first defined on line {first_line[key]})"
                )
                continue
            first_line[key] = key_node.start_mark.line + 1
            self.node_marks.keys[(*path, key)] = self._mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _key(self, node: Node) -> str | None:
        if node.tag == _MERGE:
            self._report(
                node, "E105", "YAML merge keys (<<) are not supported; use `extends:` to reuse a file"
            )
            return None
        if isinstance(node, ScalarNode) and node.tag == _STR:
            return str(node.value)
        if isinstance(node, ScalarNode) and node.tag in _SCALAR_TAGS:
            kind = _SCALAR_TAGS[node.tag]
            self._report(
                node,
                "E202",
                f'key {node.value!r} is read as a {kind}; keys must be text (quote it: "{node.value}")',
            )
        elif isinstance(node, ScalarNode):
            self._report(node, "E105", f"tag '{node.tag}' is not allowed")
        else:
            self._report(node, "E202", "keys must be text, not a mapping or list")
        return None

    def _scalar(self, node: ScalarNode, path: YamlPath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._report(
                node, "E105", f"tag '{node.tag}' is not allowed (only plain YAML data is read)", path
            )
            return None
        try:
            value = self.yaml_constructors[node.tag](self, node)
        except (ValueError, KeyError, yaml.YAMLError):
            self._report(node, "E202", f"{node.value!r} is not a valid {_SCALAR_TAGS[node.tag]}", path)
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self._report(node, "E106", f"{node.value!r} is not a finite number", path)
            return None
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e300:
            self._report(node, "E106", "number too large", path)
            return None
        return value


def _block_text_start(buffer: str, start: int, end: int, line: int) -> tuple[int, int]:
    """Line and column of the first non-blank character after a block scalar's indicator line."""
    newline = buffer.find("\n", start, end)
    if newline < 0:
        return line, 1
    i = newline + 1
    while i < end and buffer[i] in " \n\r":
        if buffer[i] == "\n":
            line, newline = line + 1, i
        i += 1
    return line + 1, i - newline


def _resolver(tag: str, pattern: str, first: str) -> None:
    _MarkedLoader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|0o[0-7_]+)$", "-+0123456789")
_resolver(
    "tag:yaml.org,2002:float",
    r"""^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    "-+0123456789.",
)
_MarkedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_resolver(_MERGE, r"^(?:<<)$", "<")


def _diag(filename: str, line: int, column: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(filename, line, column, code, "error", message)


def _tab_diagnostics(text: str, filename: str) -> list[Diagnostic]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            found.append(
                _diag(
                    filename, number, indent.index("\t") + 1, "E102", "tab in indentation; indent with spaces"
                )
            )
    return found[:10]


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def load_yaml(text: str, filename: str = "<string>") -> Document:
    """Read one YAML document into marked plain data; every problem becomes a diagnostic."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        message = f"file is too large ({size} bytes; the limit is {MAX_BYTES})"
        return Document(None, Marks(), (_diag(filename, 1, 1, "E104", message),))
    loader: _MarkedLoader | None = None
    try:
        loader = _MarkedLoader(text, filename)
        node = loader.get_single_node()
        data = loader.build(node) if node is not None else None
    except _LimitError as error:
        return Document(None, Marks(), (_diag(filename, error.line, error.column, "E104", error.message),))
    except yaml.reader.ReaderError as error:
        line, column = _line_col(text, error.position)
        message = (
            f"character {chr(error.character)!r} is not allowed in YAML"
            if isinstance(error.character, int)
            else str(error)
        )
        return Document(None, Marks(), (_diag(filename, line, column, "E101", message),))
    except yaml.MarkedYAMLError as error:
        tabs = _tab_diagnostics(text, filename)
        if tabs or "'\\t'" in str(error.problem):
            if not tabs:
                where = error.problem_mark
                line, column = (where.line + 1, where.column + 1) if where is not None else (1, 1)
                tabs = [_diag(filename, line, column, "E102", "tab character; use spaces")]
            return Document(None, Marks(), tuple(tabs))
        return Document(None, Marks(), (_syntax_diagnostic(error, filename),))
    except yaml.YAMLError as error:
        return Document(None, Marks(), (_diag(filename, 1, 1, "E101", f"YAML error: {error}"),))
    finally:
        if loader is not None:
            loader.dispose()
    return Document(data, loader.node_marks, tuple(loader.diagnostics), frozenset(loader.bad_paths))


def _syntax_diagnostic(error: yaml.MarkedYAMLError, filename: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = f"YAML syntax error: {error.problem or error.context or 'invalid YAML'}"
    if error.context and error.problem and error.context_mark is not None:
        message += f" ({error.context} on line {error.context_mark.line + 1})"
    return _diag(filename, line, column, "E101", message)


def read_yaml(path: Path, filename: str | None = None) -> Document:
    """Read a YAML file (UTF-8, at most `MAX_BYTES`); unreadable files give an E107 diagnostic."""
    name = filename if filename is not None else str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return Document(None, Marks(), (_diag(name, 1, 1, "E107", f"cannot read {name}: {reason}"),))
    if len(raw) > MAX_BYTES:
        message = f"file is too large (over {MAX_BYTES} bytes)"
        return Document(None, Marks(), (_diag(name, 1, 1, "E104", message),))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _line_col(raw.decode("utf-8", "replace"), error.start)
        return Document(None, Marks(), (_diag(name, line, column, "E107", "file is not valid UTF-8"),))
    return load_yaml(text, name)


def dump_yaml(data: Any) -> str:
    """Block-style YAML of plain data, keys in their given order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
