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

from collections.abc import Collection, Mapping

from dilemma_sim.scenario.expression_compiler import LOG_FLOOR, compile_expr, constant_value
from dilemma_sim.scenario.expression_parser import parse
from dilemma_sim.scenario.expression_tree import (
    FUNCTIONS,
    KEYWORDS,
    MAX_DEPTH,
    MAX_LAST,
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
    history_name,
    name_refs,
)
from dilemma_sim.scenario.suggestions import close_match, did_you_mean

__all__ = [
    "FUNCTIONS",
    "KEYWORDS",
    "LOG_FLOOR",
    "MAX_DEPTH",
    "MAX_LAST",
    "MAX_LENGTH",
    "Binary",
    "BoolOp",
    "Boolean",
    "Call",
    "Compare",
    "ExpressionError",
    "Name",
    "Node",
    "Not",
    "Number",
    "Unary",
    "check",
    "compile_expr",
    "constant_value",
    "history_name",
    "name_refs",
    "parse",
    "substitute",
]


def substitute(source: str, replace: Mapping[str, str]) -> str:
    """`source` with every use of a name in `replace` written as its replacement (parenthesise sums)."""
    refs = [(offset, name) for name, offset in name_refs(parse(source)) if name in replace]
    for offset, name in sorted(refs, reverse=True):
        source = source[:offset] + replace[name] + source[offset + len(name) :]
    return source


def check(source: str, known: Collection[str]) -> list[ExpressionError]:
    """All problems in ``source``: its parse error alone, else every unknown name; never raises."""
    try:
        node = parse(source)
    except ExpressionError as error:
        return [error]
    problems: list[ExpressionError] = []
    known_set = known if isinstance(known, set | frozenset) else set(known)
    for name, offset in name_refs(node):
        history = history_name(name)
        if history is not None:
            # count.X and last(k).X are known exactly when prev.X is
            kind, k, choice = history
            if kind == "last" and not 1 <= k <= MAX_LAST:
                message = f"'{name}': k in last(k) must be between 1 and {MAX_LAST}"
                problems.append(ExpressionError(message, offset, len(name), None, "E302"))
                continue
            if f"prev.{choice}" in known_set:
                continue
            prefix = name[: len(name) - len(choice)]
            hint = close_match(f"prev.{choice}", known_set)
            hint = None if hint is None or not hint.startswith("prev.") else prefix + hint[5:]
            message = f"unknown name '{name}'{did_you_mean(hint)}"
            problems.append(ExpressionError(message, offset, len(name), hint, "E302"))
            continue
        if name in known_set:
            continue
        hint = close_match(name, known_set)
        if hint is None and name.lower() in ("true", "false"):
            hint = name.lower()
        problems.append(
            ExpressionError(f"unknown name '{name}'{did_you_mean(hint)}", offset, len(name), hint, "E302")
        )
    return problems
