"""Compiling expression trees to closures over numpy arrays of shape ``(runs,)``.

Evaluation never warns and never produces NaN or inf from the usual suspects: division by zero
gives 0, ``log`` is floored at LOG_FLOOR, ``sqrt`` of a negative is 0, ``exp`` saturates, and
``sigmoid`` cannot overflow. Booleans count as 1 and 0 in arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce
from typing import Any

import numpy as np

from dilemma_sim.scenario.expression_tree import (
    Binary,
    Boolean,
    BoolOp,
    Call,
    Compare,
    Name,
    Node,
    Not,
    Number,
    Unary,
    children,
)

LOG_FLOOR = 1e-300
"""``log(x)`` is computed as ``log(max(x, LOG_FLOOR))``, so non-positive input gives about -690.8."""

_EXP_MAX = float(np.log(np.finfo(np.float64).max))

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
        stack.extend(children(current))


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
