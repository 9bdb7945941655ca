"""Interval arithmetic over expressions: the range an expression can take, from its names' ranges.

`lint` uses it to warn before a run that an expression can overflow (W530) or a count rate can
exceed what the engine draws (W531), so the run-time error is a last resort, not the first news.
Intervals are conservative: a warning says the declared ranges allow it, not that a run will do it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from dilemma_sim.scenario.expression_compiler import LOG_FLOOR
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
)
from dilemma_sim.scenario.models import Beta, Fixed, Normal, Scenario, Triangular, Uniform

Interval = tuple[float, float]
HUGE = 1e300
"""Magnitude beyond which a value is treated as an overflow."""
_EXP_MAX = math.log(1.7976931348623157e308)
_ALL: Interval = (-math.inf, math.inf)
_BOOL: Interval = (0.0, 1.0)


def _mul(a: Interval, b: Interval) -> Interval:
    products = []
    for x in a:
        for y in b:
            products.append(0.0 if (x == 0 or y == 0) else x * y)
    return min(products), max(products)


def _div(a: Interval, b: Interval) -> Interval:
    lo, hi = b
    if lo <= 0 <= hi:  # the divisor can come as close to 0 as it likes (exactly 0 gives 0)
        if a == (0.0, 0.0):
            return 0.0, 0.0
        return _ALL
    return _mul(a, (1 / hi, 1 / lo))


def interval(node: Node, names: Mapping[str, Interval]) -> Interval:
    """The range of an expression given the range of every name (unknown names: unbounded)."""
    if isinstance(node, Number):
        return node.value, node.value
    if isinstance(node, Boolean | Compare | BoolOp | Not):
        return _BOOL
    if isinstance(node, Name):
        return names.get(node.name, _ALL)
    if isinstance(node, Unary):
        lo, hi = interval(node.operand, names)
        return (-hi, -lo) if node.op == "-" else (lo, hi)
    if isinstance(node, Binary):
        a, b = interval(node.left, names), interval(node.right, names)
        if node.op == "+":
            return a[0] + b[0], a[1] + b[1]
        if node.op == "-":
            return a[0] - b[1], a[1] - b[0]
        if node.op == "*":
            return _mul(a, b)
        return _div(a, b)
    if isinstance(node, Call):
        args = [interval(arg, names) for arg in node.args]
        return _call(node.func, args)
    return _ALL


def _call(func: str, args: list[Interval]) -> Interval:
    if func == "min":
        return min(a[0] for a in args), min(a[1] for a in args)
    if func == "max":
        return max(a[0] for a in args), max(a[1] for a in args)
    if func == "clip":
        (x_lo, x_hi), (lo_lo, lo_hi), (hi_lo, hi_hi) = args
        return max(min(x_lo, hi_lo), lo_lo), min(max(x_hi, lo_hi), hi_hi)
    if func == "exp":
        return math.exp(min(args[0][0], _EXP_MAX)), math.exp(min(args[0][1], _EXP_MAX))
    if func == "log":
        return math.log(max(args[0][0], LOG_FLOOR)), math.log(max(args[0][1], LOG_FLOOR))
    if func == "sqrt":
        return math.sqrt(max(args[0][0], 0.0)), math.sqrt(max(args[0][1], 0.0))
    if func == "abs":
        lo, hi = args[0]
        return (0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))), max(abs(lo), abs(hi))
    if func == "sigmoid":
        return 0.0, 1.0
    if func == "if":
        return min(args[1][0], args[2][0]), max(args[1][1], args[2][1])
    return _ALL


def _quantity_range(q: object) -> Interval:
    if isinstance(q, int | float):
        return float(q), float(q)
    if isinstance(q, Fixed):
        return q.value, q.value
    if isinstance(q, Uniform | Triangular | Beta):
        return q.low, q.high
    if isinstance(q, Normal):
        return (q.low if q.low is not None else -math.inf), (q.high if q.high is not None else math.inf)
    return _ALL


def name_ranges(scenario: Scenario) -> dict[str, Interval]:
    """The range of every name an expression may read: state ranges, parameter supports, lever level
    indices, 0/1 choice indicators and the turn number."""
    out: dict[str, Interval] = {}
    for name, var in scenario.state.items():
        out[name] = (float(var.range[0]), float(var.range[1]))
    for name, q in scenario.parameters.items():
        out[name] = _quantity_range(q)
    for actor_id, actor in scenario.actors.items():
        for decision_id, decision in actor.decisions.items():
            if decision.kind == "lever":
                out[f"{actor_id}.{decision_id}"] = (0.0, float(len(decision.levels) - 1))
            for option in decision.option_ids():
                out[f"{actor_id}.{decision_id}.{option}"] = _BOOL
                out[f"prev.{actor_id}.{decision_id}.{option}"] = _BOOL
    out["turn"] = (0.0, float(max(scenario.turns - 1, 0)))
    return out


def overflows(bounds: Interval) -> bool:
    """Whether a range reaches beyond `HUGE` in magnitude (or is NaN)."""
    lo, hi = bounds
    return not (math.isfinite(lo) and math.isfinite(hi)) or max(abs(lo), abs(hi)) > HUGE
