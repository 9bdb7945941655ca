"""The expression language of scenario files: tokenizer, parser, checker and numpy compiler.

Expressions such as ``sigmoid(2 * security - 1)`` or ``prev.taliban.ttp_policy.restrain and turn > 3``
are parsed by a hand-written tokenizer and a precedence-climbing parser into a tree of frozen
dataclasses, then compiled to a closure over numpy arrays of shape ``(runs,)``, so one compiled
expression evaluates a whole batch at once. Nothing here calls ``eval``.

Precedence, loosest first: ``or`` < ``and`` < ``not`` < comparison < ``+ -`` < ``* /`` < unary ``- +``
< call/atom. Binary operators associate to the left; comparisons do not chain (``a < b < c`` is an
error). Evaluation never warns and never produces NaN or inf from the usual suspects:

* division by zero gives 0;
* ``log(x)`` for ``x <= 0`` gives ``log(LOG_FLOOR)`` (about -690.8);
* ``sqrt(x)`` for ``x < 0`` gives 0;
* ``exp(x)`` saturates at the largest finite float;
* ``sigmoid(x)`` is computed without overflow;
* ``clip(x, lo, hi)`` is ``min(max(x, lo), hi)``.

Booleans (``true``, comparisons, ``and``/``or``/``not``) count as 1 and 0 in arithmetic.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

MAX_LENGTH = 2000
"""Longest accepted source, in characters."""
MAX_DEPTH = 64
"""Deepest accepted nesting: parentheses, calls, unary operators and the height of the tree."""
LOG_FLOOR = 1e-300
"""``log(x)`` is computed as ``log(max(x, LOG_FLOOR))``, so non-positive input gives about -690.8."""

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

_EXP_MAX = float(np.log(np.finfo(np.float64).max))


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


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary | Not):
        return (node.operand,)
    if isinstance(node, Binary | Compare | BoolOp):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


# --------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "name", "kw", "op", "(", ")", ",", "eof"
    text: str
    offset: int


_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*"
_NAME = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")
_WORD_TAIL = re.compile(r"[A-Za-z0-9_.]*")
_OPERATORS = ("<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/")
_LOOKALIKES = {"=": "==", "&&": "and", "||": "or", "&": "and", "|": "or", "!": "not"}


def _describe(tok: _Token) -> str:
    return "the end of the expression" if tok.kind == "eof" else f"'{tok.text}'"


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        m = _NUMBER.match(source, i)
        if m is not None:
            end = _WORD_TAIL.match(source, m.end())
            assert end is not None
            if end.end() > m.end():
                bad = source[i : end.end()]
                raise ExpressionError(f"malformed number '{bad}'", i, len(bad))
            tokens.append(_Token("num", m.group(), i))
            i = m.end()
            continue
        m = _NAME.match(source, i)
        if m is not None:
            if m.end() < n and source[m.end()] == ".":
                end = _WORD_TAIL.match(source, m.end())
                assert end is not None
                bad = source[i : end.end()]
                raise ExpressionError(
                    f"malformed name '{bad}': each part after a '.' must start with a letter or '_'",
                    i,
                    len(bad),
                )
            text = m.group()
            tokens.append(_Token("kw" if text in KEYWORDS else "name", text, i))
            i = m.end()
            continue
        if ch in "(),":
            tokens.append(_Token(ch, ch, i))
            i += 1
            continue
        op = next((o for o in _OPERATORS if source.startswith(o, i)), None)
        if op is not None:
            tokens.append(_Token("op", op, i))
            i += len(op)
            continue
        two = source[i : i + 2]
        look = two if two in _LOOKALIKES else ch
        if look in _LOOKALIKES:
            hint = _LOOKALIKES[look]
            raise ExpressionError(f"unexpected '{look}' (did you mean '{hint}'?)", i, len(look), hint)
        raise ExpressionError(f"unexpected character {ch!r}", i, 1)
    tokens.append(_Token("eof", "", n))
    return tokens


# --------------------------------------------------------------------------- parser

_BINARY_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "==": 4,
    "!=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
}
_NOT_PRECEDENCE = 3
_COMPARE_PRECEDENCE = 4
_UNARY_PRECEDENCE = 7


def _too_deep(offset: int) -> ExpressionError:
    return ExpressionError(
        f"expression is nested too deeply (more than {MAX_DEPTH} levels; "
        "parentheses, calls, unary operators and each operator in a chain count as a level)",
        offset,
        1,
        None,
        "E305",
    )


def _close(word: str, candidates: Collection[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _did_you_mean(suggestion: str | None) -> str:
    return f" (did you mean '{suggestion}'?)" if suggestion else ""


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.pos = 0
        self.nesting = 0
        self.heights: dict[int, int] = {}

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        tok = self.tokens[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def enter(self, tok: _Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise _too_deep(tok.offset)

    def built(self, node: Node) -> Node:
        """Record the node's height, refusing trees taller than MAX_DEPTH."""
        height = 1 + max((self.heights[id(c)] for c in _children(node)), default=0)
        if height > MAX_DEPTH:
            raise _too_deep(node.offset)
        self.heights[id(node)] = height
        return node

    def parse(self) -> Node:
        first = self.peek()
        if first.kind == "eof":
            raise ExpressionError("empty expression", 0, 1)
        node = self.expr(1)
        tok = self.peek()
        if tok.kind == ")":
            raise ExpressionError("unmatched ')'", tok.offset, 1)
        if tok.kind != "eof":
            raise ExpressionError(
                f"unexpected {_describe(tok)} after a complete expression (missing operator?)",
                tok.offset,
                len(tok.text),
            )
        return node

    def expr(self, min_prec: int) -> Node:
        left = self.prefix(min_prec)
        compared = False
        while True:
            tok = self.peek()
            prec = _BINARY_PRECEDENCE.get(tok.text) if tok.kind in ("op", "kw") else None
            if prec is None or prec < min_prec:
                return left
            self.advance()
            right = self.expr(prec + 1)
            if prec == _COMPARE_PRECEDENCE:
                if compared:
                    raise ExpressionError(
                        f"comparisons cannot be chained: write 'a < b and b < c', not 'a < b < c' "
                        f"(second comparison '{tok.text}' here)",
                        tok.offset,
                        len(tok.text),
                    )
                left = self.built(Compare(tok.text, left, right, tok.offset))
                compared = True
            elif prec == 1 or prec == 2:
                left = self.built(BoolOp(tok.text, left, right, tok.offset))
                compared = False
            else:
                left = self.built(Binary(tok.text, left, right, tok.offset))

    def prefix(self, min_prec: int) -> Node:
        tok = self.peek()
        if tok.kind == "kw" and tok.text == "not":
            if min_prec > _NOT_PRECEDENCE:
                raise ExpressionError(
                    "'not' cannot appear here; put it in parentheses: '(not ...)'", tok.offset, 3
                )
            self.advance()
            self.enter(tok)
            operand = self.expr(_NOT_PRECEDENCE)
            self.nesting -= 1
            return self.built(Not(operand, tok.offset))
        if tok.kind == "op" and tok.text in ("-", "+"):
            self.advance()
            self.enter(tok)
            operand = self.prefix(_UNARY_PRECEDENCE)
            self.nesting -= 1
            return self.built(Unary(tok.text, operand, tok.offset))
        return self.atom()

    def atom(self) -> Node:
        tok = self.advance()
        if tok.kind == "num":
            return self.built(Number(float(tok.text), tok.offset))
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return self.built(Boolean(tok.text == "true", tok.offset))
        if tok.kind == "name":
            if self.peek().kind == "(":
                return self.call(tok)
            return self.built(Name(tok.text, tok.offset))
        if tok.kind == "(":
            self.enter(tok)
            node = self.expr(1)
            closing = self.peek()
            if closing.kind != ")":
                raise ExpressionError(
                    f"expected ')' to close '(' at column {tok.offset + 1}, got {_describe(closing)}",
                    closing.offset,
                    len(closing.text),
                )
            self.advance()
            self.nesting -= 1
            return node
        if tok.kind == "eof":
            raise ExpressionError(
                "unexpected end of expression: expected a number, name or '('", tok.offset, 1
            )
        raise ExpressionError(
            f"expected a number, name or '(' but got '{tok.text}'", tok.offset, len(tok.text)
        )

    def call(self, name: _Token) -> Node:
        func = name.text
        if func not in FUNCTIONS:
            hint = _close(func, FUNCTIONS)
            raise ExpressionError(
                f"unknown function '{func}'{_did_you_mean(hint)}", name.offset, len(func), hint, "E303"
            )
        opening = self.advance()
        self.enter(opening)
        args: list[Node] = []
        if self.peek().kind == ")":
            self.advance()
        else:
            while True:
                args.append(self.expr(1))
                sep = self.advance()
                if sep.kind == ")":
                    break
                if sep.kind != ",":
                    raise ExpressionError(
                        f"expected ',' or ')' in the call to '{func}' opened at column {opening.offset + 1}, "
                        f"got {_describe(sep)}",
                        sep.offset,
                        len(sep.text),
                    )
        self.nesting -= 1
        low, high = FUNCTIONS[func]
        if len(args) < low or (high is not None and len(args) > high):
            if high is None:
                wanted = f"at least {low} arguments"
            else:
                wanted = f"{low} argument{'s' if low != 1 else ''}"
            raise ExpressionError(
                f"'{func}' takes {wanted}, got {len(args)}", name.offset, len(func), None, "E304"
            )
        return self.built(Call(func, tuple(args), name.offset))


def parse(source: str) -> Node:
    """Parse ``source`` into a tree; raise ExpressionError on syntax, unknown function, arity or size."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(source)} characters; the limit is {MAX_LENGTH})",
            MAX_LENGTH,
            len(source) - MAX_LENGTH,
            None,
            "E305",
        )
    return _Parser(source).parse()


def name_refs(node: Node) -> list[tuple[str, int]]:
    """Every name the expression uses, with its offset, in source order."""
    refs: list[tuple[str, int]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            refs.append((current.name, current.offset))
        stack.extend(reversed(_children(current)))
    return sorted(refs, key=lambda ref: ref[1])


def check(source: str, known: Collection[str]) -> list[ExpressionError]:
    """All problems in ``source``: its parse error alone, else every unknown name; never raises."""
    try:
        node = parse(source)
    except ExpressionError as error:
        return [error]
    problems: list[ExpressionError] = []
    known_set = known if isinstance(known, set | frozenset) else set(known)
    for name, offset in name_refs(node):
        if name in known_set:
            continue
        hint = _close(name, known_set)
        if hint is None and name.lower() in ("true", "false"):
            hint = name.lower()
        problems.append(
            ExpressionError(f"unknown name '{name}'{_did_you_mean(hint)}", offset, len(name), hint, "E302")
        )
    return problems


# --------------------------------------------------------------------------- compiler

_Env = Mapping[str, "np.ndarray | float"]
_Evaluator = Callable[[_Env], Any]


def _num(value: Any) -> Any:
    """Treat booleans and integers as float64 for arithmetic."""
    if isinstance(value, np.ndarray):
        return value if value.dtype == np.float64 else value.astype(np.float64)
    return float(value)


def _divide(a: Any, b: Any) -> Any:
    return np.where(b == 0, 0.0, np.true_divide(a, b))


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": _divide,
}
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_UNARY_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": lambda x: np.exp(np.minimum(x, _EXP_MAX)),
    "log": lambda x: np.log(np.maximum(x, LOG_FLOOR)),
    "sqrt": lambda x: np.sqrt(np.maximum(x, 0.0)),
    "abs": np.abs,
    "sigmoid": _sigmoid,
}


def _finish(value: Any) -> np.ndarray | float:
    """Return float64/bool arrays as they are, other arrays as float64, scalars as python floats."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if value.dtype == np.float64 or value.dtype == np.bool_:
            return value
        return value.astype(np.float64)
    return float(value)


def _build(node: Node) -> _Evaluator:
    if not any(True for _ in _iter_names(node)):
        with np.errstate(all="ignore"):
            constant = _build_dynamic(node)({})
        return lambda env: constant
    return _build_dynamic(node)


def _iter_names(node: Node) -> Any:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            yield current.name
        stack.extend(_children(current))


def _build_dynamic(node: Node) -> _Evaluator:
    if isinstance(node, Number):
        number = float(node.value)
        return lambda env: number
    if isinstance(node, Boolean):
        flag = bool(node.value)
        return lambda env: flag
    if isinstance(node, Name):
        name = node.name
        return lambda env: env[name]
    if isinstance(node, Unary):
        operand = _build(node.operand)
        if node.op == "-":
            return lambda env: np.negative(_num(operand(env)))
        return lambda env: _num(operand(env))
    if isinstance(node, Not):
        inner = _build(node.operand)
        return lambda env: np.logical_not(inner(env))
    if isinstance(node, Binary):
        return _binary(_ARITHMETIC[node.op], _build(node.left), _build(node.right), numeric=True)
    if isinstance(node, Compare):
        return _binary(_COMPARISONS[node.op], _build(node.left), _build(node.right), numeric=False)
    if isinstance(node, BoolOp):
        func = np.logical_and if node.op == "and" else np.logical_or
        return _binary(func, _build(node.left), _build(node.right), numeric=False)
    if isinstance(node, Call):
        return _call(node.func, [_build(arg) for arg in node.args])
    raise TypeError(f"not an expression node: {node!r}")


def _binary(
    func: Callable[[Any, Any], Any], left: _Evaluator, right: _Evaluator, numeric: bool
) -> _Evaluator:
    if numeric:
        return lambda env: func(_num(left(env)), _num(right(env)))
    return lambda env: func(left(env), right(env))


def _call(func: str, args: list[_Evaluator]) -> _Evaluator:
    if func in _UNARY_FUNCTIONS:
        ufunc = _UNARY_FUNCTIONS[func]
        (arg,) = args
        return lambda env: ufunc(_num(arg(env)))
    if func == "min" or func == "max":
        pairwise = np.minimum if func == "min" else np.maximum
        return lambda env: reduce(pairwise, [_num(arg(env)) for arg in args])
    if func == "clip":
        x, lo, hi = args
        return lambda env: np.minimum(np.maximum(_num(x(env)), _num(lo(env))), _num(hi(env)))
    if func == "if":
        cond, then, otherwise = args
        return lambda env: np.where(cond(env), then(env), otherwise(env))
    raise TypeError(f"unknown function {func!r}")


def compile_expr(node: Node) -> Callable[[Mapping[str, np.ndarray | float]], np.ndarray | float]:
    """Compile a tree to ``f(env) -> float64 or bool array of shape (runs,)``, or a float if constant.

    ``env`` maps names to arrays of shape ``(runs,)`` or floats; a missing name raises KeyError.
    A bare name may return the environment's own array, so do not modify the result in place.
    """
    evaluate = _build(node)

    def run(env: Mapping[str, np.ndarray | float]) -> np.ndarray | float:
        with np.errstate(all="ignore"):
            return _finish(evaluate(env))

    return run


def constant_value(node: Node) -> float | None:
    """The expression's value if it uses no names (booleans as 1.0/0.0), else None."""
    if any(True for _ in _iter_names(node)):
        return None
    result = compile_expr(node)({})
    assert isinstance(result, float)
    return result
