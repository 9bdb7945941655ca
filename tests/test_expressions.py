"""The expression language: grammar, evaluation semantics, error locations and hostile input."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dilemma_sim.scenario.expressions import (
    LOG_FLOOR,
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
    check,
    compile_expr,
    constant_value,
    name_refs,
    parse,
)
from tests.strategies import Tree, expression_trees, expressions, render

NAMES = ["a", "b", "security", "pakistan.aid", "prev.taliban.ttp_policy.restrain"]


def value(source: str, **env: Any) -> Any:
    """Evaluate ``source``; keyword names use '__' for '.'."""
    return compile_expr(parse(source))({k.replace("__", "."): v for k, v in env.items()})


def error(source: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        parse(source)
    return info.value


# --------------------------------------------------------------------------- grammar


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),
        ("24 / 4 / 3", 2.0),
        ("2 * 3 / 4", 1.5),
        ("-2 * 3", -6.0),
        ("- -2", 2.0),
        ("+3", 3.0),
        ("2 * -3", -6.0),
        ("1 + 2 < 4", 1.0),
        ("(1 < 2) == true", 1.0),
        ("not 1 < 2", 0.0),
        ("not false and false", 0.0),
        ("true or false and false", 1.0),
        ("(true or false) and false", 0.0),
        ("not not true", 1.0),
        ("1e-3 * 1000", 1.0),
        ("2.5E+2", 250.0),
        (".5 + 1.", 1.5),
        ("true + true", 2.0),
        ("(1 < 2) * 5", 5.0),
    ],
)
def test_precedence_and_associativity(source: str, expected: float) -> None:
    assert value(source) == pytest.approx(expected)


def test_tree_shape_follows_precedence() -> None:
    node = parse("a or b and not c < d + e * -f")
    assert isinstance(node, BoolOp) and node.op == "or"
    conj = node.right
    assert isinstance(conj, BoolOp) and conj.op == "and"
    negation = conj.right
    assert isinstance(negation, Not)
    comparison = negation.operand
    assert isinstance(comparison, Compare) and comparison.op == "<"
    total = comparison.right
    assert isinstance(total, Binary) and total.op == "+"
    product = total.right
    assert isinstance(product, Binary) and product.op == "*"
    assert product.right == Unary("-", Name("f", 28), 27)


def test_left_associativity_in_tree() -> None:
    node = parse("a - b - c")
    assert isinstance(node, Binary) and isinstance(node.left, Binary)
    assert node.left.left == Name("a", 0)


def test_nodes_carry_offsets() -> None:
    node = parse("max(x, 2) >= true")
    assert isinstance(node, Compare) and node.offset == 10
    assert node.left == Call("max", (Name("x", 4), Number(2.0, 7)), 0)
    assert node.right == Boolean(True, 13)


def test_dotted_names_are_single_names() -> None:
    assert name_refs(parse("prev.taliban.ttp_policy.restrain + pakistan.aid*x")) == [
        ("prev.taliban.ttp_policy.restrain", 0),
        ("pakistan.aid", 35),
        ("x", 48),
    ]


def test_hyphen_is_minus_not_part_of_a_name() -> None:
    assert value("a-b", a=5.0, b=2.0) == 3.0


def test_name_refs_lists_repeats_in_source_order() -> None:
    assert name_refs(parse("if(b, a, b)")) == [("b", 3), ("a", 6), ("b", 9)]


# --------------------------------------------------------------------------- functions and semantics


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1, 2)", 3.0),
        ("min(1, 2)", 1.0),
        ("clip(5, 0, 2)", 2.0),
        ("clip(-5, 0, 2)", 0.0),
        ("clip(1, 0, 2)", 1.0),
        ("exp(1)", math.e),
        ("log(100)", math.log(100)),
        ("sqrt(9)", 3.0),
        ("abs(-4)", 4.0),
        ("sigmoid(0)", 0.5),
        ("sigmoid(2)", 1 / (1 + math.exp(-2))),
        ("sigmoid(-2)", 1 / (1 + math.exp(2))),
        ("if(1 < 2, 10, 20)", 10.0),
        ("if(false, 10, 20)", 20.0),
    ],
)
def test_every_function(source: str, expected: float) -> None:
    assert value(source) == pytest.approx(expected)


def test_division_by_zero_gives_zero_without_warnings() -> None:
    with np.errstate(all="raise"):
        assert value("1 / 0") == 0.0
        result = value("x / y", x=np.array([1.0, 6.0, 0.0]), y=np.array([0.0, 3.0, 0.0]))
    np.testing.assert_array_equal(result, [0.0, 2.0, 0.0])


def test_log_of_non_positive_is_floored_not_nan() -> None:
    with np.errstate(all="raise"):
        result = value("log(x)", x=np.array([0.0, -3.0, math.e]))
    np.testing.assert_allclose(result, [math.log(LOG_FLOOR), math.log(LOG_FLOOR), 1.0])


def test_extremes_stay_finite() -> None:
    with np.errstate(all="raise"):
        result = value("sigmoid(x) + exp(x) * 0 + sqrt(-x)", x=np.array([-1e308, 1e4, -800.0, 800.0]))
    assert isinstance(result, np.ndarray)
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(value("sigmoid(x)", x=np.array([-800.0, 800.0])), [0.0, 1.0])


def test_comparisons_and_logic_give_bool_arrays() -> None:
    x = np.array([0.0, 1.0, 2.0])
    result = value("x >= 1 and not x == 2 or x < 0", x=x)
    assert isinstance(result, np.ndarray) and result.dtype == np.bool_
    np.testing.assert_array_equal(result, [False, True, False])


def test_arithmetic_on_bools_gives_float64() -> None:
    result = value("(x > 0) + (x > 1)", x=np.array([0.0, 1.0, 2.0]))
    assert isinstance(result, np.ndarray) and result.dtype == np.float64
    np.testing.assert_array_equal(result, [0.0, 1.0, 2.0])


def test_integer_and_bool_inputs_are_treated_as_float() -> None:
    result = value("x / 2 + min(c, 1)", x=np.array([1, 3]), c=np.array([True, False]))
    assert isinstance(result, np.ndarray) and result.dtype == np.float64
    np.testing.assert_array_equal(result, [1.5, 1.5])


def test_if_is_elementwise() -> None:
    x = np.array([-1.0, 0.5, 3.0])
    np.testing.assert_array_equal(value("if(x > 0, x * 2, 0 - x)", x=x), [1.0, 1.0, 6.0])


def test_scalar_and_array_names_mix() -> None:
    result = value("pakistan.aid * x", pakistan__aid=2.0, x=np.array([1.0, 2.0]))
    np.testing.assert_array_equal(result, [2.0, 4.0])


def test_constant_expressions() -> None:
    assert constant_value(parse("2 * (3 + 1)")) == 8.0
    assert constant_value(parse("1 < 2")) == 1.0
    assert constant_value(parse("log(0)")) == pytest.approx(math.log(LOG_FLOOR))
    assert constant_value(parse("2 * x")) is None
    compiled = compile_expr(parse("max(1, 2) / 4"))
    assert compiled({}) == 0.5 and type(compiled({})) is float


def test_missing_name_raises_key_error_with_the_name() -> None:
    with pytest.raises(KeyError, match="security"):
        compile_expr(parse("1 + security"))({})


def test_vectorized_evaluation_matches_scalar_evaluation() -> None:
    source = "if(a > b, sigmoid(a - b), clip(log(b) / a, -1, 1)) + max(a, b, 0.5) * (not a < 0)"
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=1000), rng.normal(size=1000)
    compiled = compile_expr(parse(source))
    vectorized = compiled({"a": a, "b": b})
    scalar = [compiled({"a": float(x), "b": float(y)}) for x, y in zip(a, b, strict=True)]
    np.testing.assert_allclose(np.asarray(vectorized), np.asarray(scalar), rtol=1e-12)


# --------------------------------------------------------------------------- errors at exact offsets


@pytest.mark.parametrize(
    ("source", "code", "offset", "length", "fragment"),
    [
        ("", "E301", 0, 1, "empty expression"),
        ("   ", "E301", 0, 1, "empty expression"),
        ("a +", "E301", 3, 1, "unexpected end"),
        ("a b", "E301", 2, 1, "after a complete expression"),
        ("1 + 2 3", "E301", 6, 1, "after a complete expression"),
        ("(a + b", "E301", 6, 1, "expected ')' to close '(' at column 1"),
        ("x * (a + (b)", "E301", 12, 1, "expected ')' to close '(' at column 5"),
        ("a + b)", "E301", 5, 1, "unmatched ')'"),
        ("a < b < c", "E301", 6, 1, "cannot be chained"),
        ("a == b != c", "E301", 7, 2, "cannot be chained"),
        ("a + * b", "E301", 4, 1, "got '*'"),
        ("a $ b", "E301", 2, 1, "unexpected character '$'"),
        ("a = b", "E301", 2, 1, "did you mean '=='"),
        ("a && b", "E301", 2, 2, "did you mean 'and'"),
        ("1.2.3", "E301", 0, 5, "malformed number"),
        ("2x", "E301", 0, 2, "malformed number"),
        ("pakistan.", "E301", 0, 9, "malformed name"),
        ("a.1b", "E301", 0, 4, "malformed name"),
        ("a + not b", "E301", 4, 3, "'not' cannot appear here"),
        ("min(a,)", "E301", 6, 1, "got ')'"),
        ("min(a b)", "E301", 6, 1, "expected ',' or ')' in the call to 'min'"),
        ("1 + sigmod(x)", "E303", 4, 6, "unknown function 'sigmod' (did you mean 'sigmoid'?)"),
        ("pakistan.aid(1)", "E303", 0, 12, "unknown function"),
        ("min(1)", "E304", 0, 3, "'min' takes at least 2 arguments, got 1"),
        ("max()", "E304", 0, 3, "'max' takes at least 2 arguments, got 0"),
        ("2 * clip(x, 1)", "E304", 4, 4, "'clip' takes 3 arguments, got 2"),
        ("exp(1, 2)", "E304", 0, 3, "'exp' takes 1 argument, got 2"),
        ("if(a, b)", "E304", 0, 2, "'if' takes 3 arguments, got 2"),
    ],
)
def test_parse_errors_are_located(source: str, code: str, offset: int, length: int, fragment: str) -> None:
    problem = error(source)
    assert (problem.code, problem.offset, problem.length) == (code, offset, length)
    assert fragment in problem.message
    assert str(problem) == problem.message


def test_unknown_function_carries_suggestion() -> None:
    assert error("sigmod(x)").suggestion == "sigmoid"
    assert error("frobnicate(x)").suggestion is None


def test_check_reports_every_unknown_name_with_suggestion() -> None:
    problems = check("secuirty + pakistan.ad * b", ["security", "pakistan.aid", "b"])
    assert [(p.code, p.offset, p.length, p.suggestion) for p in problems] == [
        ("E302", 0, 8, "security"),
        ("E302", 11, 11, "pakistan.aid"),
    ]
    assert problems[0].message == "unknown name 'secuirty' (did you mean 'security'?)"


def test_check_without_close_name_has_no_suggestion() -> None:
    (problem,) = check("zzz", ["security"])
    assert problem.suggestion is None and problem.message == "unknown name 'zzz'"


def test_check_suggests_lowercase_keywords() -> None:
    (problem,) = check("True", [])
    assert problem.suggestion == "true"


def test_check_returns_only_the_syntax_error_when_parsing_fails() -> None:
    problems = check("unknown_a + (unknown_b", [])
    assert [p.code for p in problems] == ["E301"]


def test_check_is_empty_for_a_valid_expression() -> None:
    assert check("sigmoid(security) > 0.5 and turn >= 2", {"security", "turn"}) == []


def test_errors_survive_pickling() -> None:
    import pickle

    problem = pickle.loads(pickle.dumps(error("sigmod(x)")))
    assert (problem.code, problem.offset, problem.suggestion) == ("E303", 0, "sigmoid")


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "source",
    [
        "(" * 10_000 + "x" + ")" * 10_000,
        "(" * 1000 + "x" + ")" * 999,
        "-" * 1999 + "x",
        "not " * 499 + "x",
        "min(" * 400 + "1" + ", 1)" * 400,
        "+".join(["a"] * 999),
        "x" * 100_000,
        "a + " * 50_000 + "a",
    ],
    ids=["parens-10k", "parens-1k", "unary", "not", "calls", "long-chain", "100k-name", "100k-chain"],
)
def test_hostile_input_is_rejected_quickly(source: str) -> None:
    start = time.perf_counter()
    problem = error(source)
    assert problem.code == "E305"
    assert check(source, ["a", "x"]) and check(source, [])[0].code == "E305"
    assert time.perf_counter() - start < 1.0


def test_limits_are_inclusive() -> None:
    nested = "(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    assert name_refs(parse(nested)) == [("x", MAX_DEPTH - 1)]
    long_name = "x" * MAX_LENGTH
    assert name_refs(parse(long_name)) == [(long_name, 0)]
    assert error("x" * (MAX_LENGTH + 1)).offset == MAX_LENGTH


def test_deepest_accepted_tree_compiles_under_a_shallow_stack() -> None:
    source = "+".join(["a"] * MAX_DEPTH)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        assert value(source, a=1.0) == float(MAX_DEPTH)
    finally:
        sys.setrecursionlimit(limit)


# --------------------------------------------------------------------------- properties

EXPRESSION_CHARS = st.sampled_from([*"abx.()+-*/<>=!, 0123456789e_", "and ", "or ", "not ", "min(", "if("])


@given(st.one_of(st.text(max_size=60), st.lists(EXPRESSION_CHARS, max_size=40).map("".join)))
@settings(max_examples=400)
def test_random_text_only_ever_raises_expression_error(source: str) -> None:
    problems = check(source, NAMES)
    assert all(isinstance(p, ExpressionError) and p.length >= 1 for p in problems)
    assert all(0 <= p.offset <= len(source) for p in problems)
    try:
        node = parse(source)
    except ExpressionError:
        return
    assert isinstance(node, Node)


def to_tree(node: Node) -> Tree:
    """The strategies' tuple form of a parsed node (offsets dropped)."""
    if isinstance(node, Number):
        return ("num", node.value)
    if isinstance(node, Boolean):
        return ("bool", node.value)
    if isinstance(node, Name):
        return ("name", node.name)
    if isinstance(node, Unary):
        return ("unary", node.op, to_tree(node.operand))
    if isinstance(node, Not):
        return ("not", to_tree(node.operand))
    if isinstance(node, Binary):
        return ("bin", node.op, to_tree(node.left), to_tree(node.right))
    if isinstance(node, Compare):
        return ("cmp", node.op, to_tree(node.left), to_tree(node.right))
    if isinstance(node, BoolOp):
        return ("boolop", node.op, to_tree(node.left), to_tree(node.right))
    assert isinstance(node, Call)
    return ("call", node.func, tuple(to_tree(arg) for arg in node.args))


_EXP_MAX = math.log(sys.float_info.max)


def _f(v: Any) -> np.float64:
    return np.float64(float(v))


def _pick(a: np.float64, b: np.float64, smaller: bool) -> np.float64:
    if math.isnan(a) or math.isnan(b):
        return np.float64("nan")
    return min(a, b) if smaller else max(a, b)


def reference(tree: Tree, env: dict[str, float]) -> Any:
    """A one-element-at-a-time evaluator that spells out the documented semantics."""
    kind = tree[0]
    if kind == "num":
        return _f(tree[1])
    if kind == "bool":
        return bool(tree[1])
    if kind == "name":
        return _f(env[tree[1]])
    if kind == "unary":
        x = _f(reference(tree[2], env))
        return -x if tree[1] == "-" else x
    if kind == "not":
        return not reference(tree[1], env)
    if kind == "boolop":
        left, right = bool(reference(tree[2], env)), bool(reference(tree[3], env))
        return (left and right) if tree[1] == "and" else (left or right)
    if kind == "cmp":
        a, b = _f(reference(tree[2], env)), _f(reference(tree[3], env))
        return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[tree[1]])
    if kind == "bin":
        a, b = _f(reference(tree[2], env)), _f(reference(tree[3], env))
        if tree[1] == "/":
            return np.float64(0.0) if b == 0 else a / b
        return {"+": a + b, "-": a - b, "*": a * b}[tree[1]]
    func, args = tree[1], tree[2]
    if func == "if":
        return reference(args[1], env) if bool(reference(args[0], env)) else reference(args[2], env)
    xs = [_f(reference(arg, env)) for arg in args]
    if func in ("min", "max"):
        result = xs[0]
        for x in xs[1:]:
            result = _pick(result, x, smaller=func == "min")
        return result
    if func == "clip":
        return _pick(_pick(xs[0], xs[1], smaller=False), xs[2], smaller=True)
    (x,) = xs
    if func == "exp":
        return np.exp(_pick(x, _f(_EXP_MAX), smaller=True))
    if func == "log":
        return np.log(_pick(x, _f(LOG_FLOOR), smaller=False))
    if func == "sqrt":
        return np.sqrt(_pick(x, _f(0.0), smaller=False))
    if func == "abs":
        return abs(x)
    assert func == "sigmoid"
    return 1 / (1 + np.exp(-x)) if x >= 0 else np.exp(x) / (1 + np.exp(x))


RUNS = 8
VALUES = st.one_of(st.integers(-3, 3).map(float), st.floats(-50, 50, allow_nan=False))


@given(
    tree=expression_trees(NAMES),
    minimal=st.booleans(),
    data=st.fixed_dictionaries({name: hnp.arrays(np.float64, RUNS, elements=VALUES) for name in NAMES}),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_generated_expressions_round_trip_and_match_reference(tree: Tree, minimal: bool, data: Any) -> None:
    source = render(tree, minimal)
    node = parse(source)
    assert to_tree(node) == tree
    assert check(source, NAMES) == []
    result = compile_expr(node)(data)
    with np.errstate(all="ignore"):
        expected = [float(reference(tree, {n: float(v[i]) for n, v in data.items()})) for i in range(RUNS)]
    if isinstance(result, np.ndarray):
        assert result.shape == (RUNS,) and result.dtype in (np.float64, np.bool_)
        actual = result.astype(np.float64)
    else:
        assert type(result) is float and name_refs(node) == []
        actual = np.full(RUNS, result)
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12, equal_nan=True)


@given(expressions(["x", "y.z"]))
def test_expressions_strategy_yields_valid_source(source: str) -> None:
    assert check(source, ["x", "y.z"]) == []
