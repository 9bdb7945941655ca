"""The expression tree and its vocabulary: node classes, built-in functions, keywords, size limits,
the ExpressionError every stage raises, and the walk that lists the names an expression uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_LENGTH = 2000
"""Longest accepted source, in characters."""
MAX_DEPTH = 64
"""Deepest accepted nesting: parentheses, calls, unary operators and the height of the tree."""

FUNCTIONS: Mapping[str, tuple[int, int | None]] = {
    "min": (2, None),
    "max": (2, None),
    "clip": (3, 3),
    "exp": (1, 1),
    "log": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "sigmoid": (1, 1),
    "if": (3, 3),
}
"""Every function the language knows, with its (fewest, most) arguments; ``None`` means unbounded."""

KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
"""Words that cannot be names."""
MAX_LAST = 32
"""Largest k of a `last(k).actor.decision.option` name (the engine keeps the last k choices)."""
HISTORY = re.compile(r"(count\.|last\(([0-9]+)\)\.)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
"""A history name: `count.<choice>` or `last(<k>).<choice>`; groups: prefix, k, the choice name."""


def history_name(name: str) -> tuple[str, int, str] | None:
    """(`count` or `last`, k (0 for count), `actor.decision.option`) of a history name, else None."""
    m = HISTORY.fullmatch(name)
    if m is None:
        return None
    return ("count", 0, m.group(3)) if m.group(2) is None else ("last", int(m.group(2)), m.group(3))


class ExpressionError(Exception):
    """A problem in an expression, located by 0-based character offset and length."""

    def __init__(
        self, message: str, offset: int, length: int = 1, suggestion: str | None = None, code: str = "E301"
    ) -> None:
        super().__init__(message, offset, length, suggestion, code)
        self.message = message
        """What is wrong, in words a scenario author understands."""
        self.offset = offset
        """0-based character offset of the problem in the source."""
        self.length = max(1, length)
        """Length of the offending token (at least 1)."""
        self.suggestion = suggestion
        """A likely intended replacement (a known name or function), if one is close."""
        self.code = code
        """Stable code: E301 syntax, E302 unknown name, E303 unknown function, E304 arity, E305 too big."""

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- tree


class Node:
    """Base of the expression tree; every node records the source offset it came from."""

    __slots__ = ()
    offset: int


@dataclass(frozen=True, slots=True)
class Number(Node):
    """A numeric literal."""

    value: float
    offset: int


@dataclass(frozen=True, slots=True)
class Boolean(Node):
    """The literal ``true`` or ``false``."""

    value: bool
    offset: int


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A (possibly dotted) name such as ``security`` or ``prev.taliban.ttp_policy.restrain``."""

    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """Unary ``-`` or ``+``; ``offset`` is the operator's."""

    op: str
    operand: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic ``+ - * /``; ``offset`` is the operator's."""

    op: str
    left: Node
    right: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """A comparison ``< <= > >= == !=``; ``offset`` is the operator's."""

    op: str
    left: Node
    right: Node
    offset: int


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    """``and`` or ``or``; ``offset`` is the operator's."""

    op: str
    left: Node
    right: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Not(Node):
    """Logical ``not``; ``offset`` is the keyword's."""

    operand: Node
    offset: int


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A call of a built-in function; ``offset`` is the function name's."""

    func: str
    args: tuple[Node, ...]
    offset: int


def children(node: Node) -> tuple[Node, ...]:
    """The direct subexpressions of a node, left to right."""
    if isinstance(node, Unary | Not):
        return (node.operand,)
    if isinstance(node, Binary | Compare | BoolOp):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def name_refs(node: Node) -> list[tuple[str, int]]:
    """Every name the expression uses, with its offset, in source order."""
    refs: list[tuple[str, int]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            refs.append((current.name, current.offset))
        stack.extend(reversed(children(current)))
    return sorted(refs, key=lambda ref: ref[1])
