"""Parsing expressions: the tokenizer and the precedence-climbing parser that builds the tree.

Precedence, loosest first: ``or`` < ``and`` < ``not`` < comparison < ``+ -`` < ``* /`` < unary ``- +``
< call/atom. Binary operators associate to the left; comparisons do not chain (``a < b < c`` is an
error). Nesting and tree height are bounded by MAX_DEPTH, the source by MAX_LENGTH.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dilemma_sim.scenario.expression_tree import (
    FUNCTIONS,
    KEYWORDS,
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Boolean,
    BoolOp,
    Call,
    Compare,
    ExpressionError,
    Name,
    Node,
    Not,
    Number,
    Unary,
    children,
)
from dilemma_sim.scenario.suggestions import close_match, did_you_mean

# --------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "name", "kw", "op", "(", ")", ",", "eof"
    text: str
    offset: int


_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*"
_NAME = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")
_LAST = re.compile(rf"last\([0-9]+\)(?:\.{_SEGMENT})+")
"""`last(k).actor.decision.option`: one name, read as a whole (see `history_name`)."""
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
        m = _LAST.match(source, i) or _NAME.match(source, i)
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
        height = 1 + max((self.heights[id(c)] for c in children(node)), default=0)
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
        if func == "last":
            raise ExpressionError(
                "'last(k)' is followed by the choice it counts, e.g. 'last(2).them.move.defect'",
                name.offset,
                len(func),
            )
        if func not in FUNCTIONS:
            hint = close_match(func, FUNCTIONS)
            raise ExpressionError(
                f"unknown function '{func}'{did_you_mean(hint)}", name.offset, len(func), hint, "E303"
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
