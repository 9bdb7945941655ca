"""Shared hypothesis strategies for property-based tests.

Expression trees are plain tuples, independent of the parser's node classes, so tests can
compare what the parser builds with what was generated:

``("num", float)``, ``("bool", bool)``, ``("name", str)``, ``("unary", op, t)``, ``("bin", op, l, r)``,
``("cmp", op, l, r)``, ``("boolop", op, l, r)``, ``("not", t)``, ``("call", func, (args...))``.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

Tree = tuple[Any, ...]

_NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=20).map(float),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e-3, 2.5e-7, 3e10, 0.1]),
)
_ONE_ARG = ["exp", "log", "sqrt", "abs", "sigmoid"]


def expression_trees(names: list[str], max_leaves: int = 12) -> st.SearchStrategy[Tree]:
    """Random valid expression trees (as tuples) over ``names``; height stays far below MAX_DEPTH."""
    leaves: st.SearchStrategy[Tree] = st.one_of(
        _NUMBERS.map(lambda v: ("num", v)),
        st.booleans().map(lambda b: ("bool", b)),
        *([st.sampled_from(names).map(lambda n: ("name", n))] if names else []),
    )

    def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        return st.one_of(
            st.tuples(st.just("unary"), st.sampled_from(["-", "+"]), children),
            st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*", "/"]), children, children),
            st.tuples(
                st.just("cmp"), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children, children
            ),
            st.tuples(st.just("boolop"), st.sampled_from(["and", "or"]), children, children),
            st.tuples(st.just("not"), children),
            st.tuples(st.just("call"), st.sampled_from(_ONE_ARG), st.tuples(children)),
            st.tuples(
                st.just("call"),
                st.sampled_from(["min", "max"]),
                st.lists(children, min_size=2, max_size=4).map(tuple),
            ),
            st.tuples(
                st.just("call"), st.sampled_from(["clip", "if"]), st.tuples(children, children, children)
            ),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def _precedence(tree: Tree) -> int:
    kind = tree[0]
    if kind == "boolop":
        return 1 if tree[1] == "or" else 2
    if kind == "not":
        return 3
    if kind == "cmp":
        return 4
    if kind == "bin":
        return 5 if tree[1] in "+-" else 6
    if kind == "unary":
        return 7
    return 8


def render(tree: Tree, minimal: bool = False) -> str:
    """Source text for ``tree``: fully parenthesized, or with only the parentheses precedence needs."""

    def wrap(child: Tree, needed: bool) -> str:
        text = render(child, minimal)
        return (
            f"({text})"
            if needed or (not minimal and child[0] not in ("num", "bool", "name", "call"))
            else text
        )

    kind = tree[0]
    if kind == "num":
        return repr(tree[1])
    if kind == "bool":
        return "true" if tree[1] else "false"
    if kind == "name":
        return str(tree[1])
    if kind == "call":
        return f"{tree[1]}({', '.join(render(arg, minimal) for arg in tree[2])})"
    if kind == "unary":
        return f"{tree[1]}{wrap(tree[2], _precedence(tree[2]) < 7)}"
    if kind == "not":
        return f"not {wrap(tree[1], _precedence(tree[1]) < 3)}"
    prec = _precedence(tree)
    left_needs = _precedence(tree[2]) < prec or (kind == "cmp" and _precedence(tree[2]) == prec)
    right_needs = _precedence(tree[3]) <= prec
    return f"{wrap(tree[2], left_needs)} {tree[1]} {wrap(tree[3], right_needs)}"


def expressions(names: list[str]) -> st.SearchStrategy[str]:
    """Source text of random valid expressions over ``names`` (sometimes minimally parenthesized)."""
    return st.tuples(expression_trees(names), st.booleans()).map(lambda pair: render(pair[0], pair[1]))


# --------------------------------------------------------------------------- scenario files (loader tests)

from dilemma_sim.scenario import models as _models  # noqa: E402


def _field_names() -> list[str]:
    names: set[str] = set()
    stack: list[type] = [_models.StrictModel]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(getattr(cls, "model_fields", {}))
    return sorted(names)


FIELD_NAMES = _field_names()
"""Every field name of every scenario model, so random documents look like scenarios."""

yaml_scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["level", "count", "choice", "lever", "fixed", "uniform", "security < 10", "2023-Q1"]),
)
"""Scalars a YAML file may hold, including the non-finite floats the loader must reject."""

yaml_keys: st.SearchStrategy[str] = st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=8))


def yamlish_documents(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Nested dicts, lists and scalars whose keys are mostly the models' field names."""
    return st.recursive(
        yaml_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(yaml_keys, children, max_size=6),
        ),
        max_leaves=max_leaves,
    )


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


def _edit(data: Any, path: tuple[Any, ...], action: str, new: Any, name: str) -> Any:
    key, rest = path[0], path[1:]
    copy: Any = dict(data) if isinstance(data, dict) else list(data)
    if rest:
        copy[key] = _edit(copy[key], rest, action, new, name)
    elif action == "replace":
        copy[key] = new
    elif isinstance(copy, dict):
        value = copy.pop(key)
        if action == "rename":
            copy[name] = value
    else:
        del copy[key]
    return copy


@st.composite
def mutated_documents(draw: st.DrawFn, data: dict[str, Any], max_mutations: int = 3) -> Any:
    """`data` after a few random edits: values replaced, keys deleted or renamed, list items dropped."""
    current: Any = data
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        paths = [p for p in _paths(current) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "rename"]))
        current = _edit(current, path, action, draw(yamlish_documents(max_leaves=5)), draw(yaml_keys))
    return current


@st.composite
def mutated_texts(draw: st.DrawFn, text: str) -> str:
    """`text` with a few characters inserted, deleted or lines swapped: broken YAML of every kind."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        action = draw(st.sampled_from(["insert", "delete_line", "duplicate_line", "indent"]))
        index = draw(st.integers(min_value=0, max_value=max(0, len(lines) - 1)))
        if not lines:
            break
        if action == "insert":
            line = lines[index]
            at = draw(st.integers(min_value=0, max_value=len(line)))
            piece = draw(
                st.sampled_from([":", "-", "[", "{", "\t", "'", '"', "&a ", "*a", "!!", "#", " ", "x"])
            )
            lines[index] = line[:at] + piece + line[at:]
        elif action == "delete_line":
            del lines[index]
        elif action == "duplicate_line":
            lines.insert(index, lines[index])
        else:
            lines[index] = draw(st.sampled_from([" ", "  ", "\t"])) + lines[index]
    return "".join(lines)


# --------------------------------------------------------------------------- scenarios (engine tests)

_SCENARIO_RANGE = (0.0, 100.0)


def _scenario_quantity(draw: st.DrawFn, low: float, high: float) -> float | dict[str, Any]:
    """A number, a number with provenance, or a distribution within [low, high]."""
    kind = draw(st.sampled_from(["number", "fixed", "uniform", "normal", "beta", "triangular"]))
    a = draw(st.floats(low, high, allow_nan=False))
    b = draw(st.floats(low, high, allow_nan=False))
    lo, hi = min(a, b), max(a, b)
    if kind == "number":
        return a
    if kind == "fixed":
        return {"value": a, "note": "generated"}
    if kind == "uniform":
        return {"dist": "uniform", "low": lo, "high": hi}
    if kind == "normal":
        return {"dist": "normal", "mean": (lo + hi) / 2, "sd": (hi - lo) / 4, "low": low, "high": high}
    if kind == "beta":
        return {
            "dist": "beta",
            "a": draw(st.floats(0.5, 5)),
            "b": draw(st.floats(0.5, 5)),
            "low": lo,
            "high": hi,
        }
    return {"dist": "triangular", "low": lo, "mode": (lo + hi) / 2, "high": hi}


def _scenario_expression(draw: st.DrawFn, names: list[str], scale: float) -> str:
    """A bounded expression over `names` (values stay within a few times `scale`)."""
    name = draw(st.sampled_from(names))
    c = round(draw(st.floats(-1, 1)), 3)
    templates = [
        f"{c * scale} * sigmoid(({name} - 50) / 10)",
        f"{scale} * clip({c} * {name} / 50, -1, 1)",
        f"if({name} > 40, {c * scale}, {-c * scale / 2})",
        f"min(max({name} / 100, 0), 1) * {c * scale} + turn * {c / 10}",
    ]
    return draw(st.sampled_from(templates))


def _scenario_effects(draw: st.DrawFn, state: list[str], names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for target in draw(st.lists(st.sampled_from(state), max_size=2, unique=True)):
        kind = draw(st.sampled_from(["number", "quantity", "expr", "spec"]))
        if kind == "number":
            out[target] = draw(st.integers(-5, 5))
        elif kind == "quantity":
            out[target] = _scenario_quantity(draw, -5, 5)
        elif kind == "expr":
            out[target] = _scenario_expression(draw, names, 4)
        else:
            add = (
                _scenario_expression(draw, names, 4)
                if draw(st.booleans())
                else _scenario_quantity(draw, -5, 5)
            )
            out[target] = {"add": add, "noise": _scenario_quantity(draw, 0, 2)}
    return out


def _branch(draw: st.DrawFn, ids: list[str]) -> str | dict[str, float]:
    """What a rule chooses: an option, or a draw over the options."""
    if draw(st.booleans()):
        return draw(st.sampled_from(ids))
    w = [draw(st.integers(0, 3)) for _ in ids]
    w[-1] += 0 if sum(w) else 1
    return {o: x / sum(w) for o, x in zip(ids, w, strict=True)}


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Random valid scenario dicts that use every engine feature: distributions, noise, counts,
    levers, interactions, dynamics, once events, endings, strategies and every policy kind."""
    n_levels, n_counts = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    levels = [f"v{i}" for i in range(n_levels)]
    counts = [f"c{i}" for i in range(n_counts)]
    params = {f"p{i}": _scenario_quantity(draw, 0, 100) for i in range(draw(st.integers(0, 2)))}
    state: dict[str, Any] = {}
    for v in levels:
        spec: dict[str, Any] = {
            "label": v,
            "initial": draw(st.integers(10, 90)),
            "range": list(_SCENARIO_RANGE),
        }
        if draw(st.booleans()):
            spec["initial"] = _scenario_quantity(draw, 10, 90)
        if draw(st.booleans()):
            spec["persistence"] = _scenario_quantity(draw, 0.5, 1.0)
        if draw(st.booleans()):
            spec["baseline"] = _scenario_quantity(draw, 20, 80)
        state[v] = spec
    read = [*levels, *params]
    for c in counts:
        nb = draw(st.booleans())
        state[c] = {
            "label": c,
            "kind": "count",
            "range": [0, draw(st.sampled_from([5, 30, 1000]))],
            "rate": draw(
                st.sampled_from(
                    [
                        f"{levels[0]} / 10",
                        f"sigmoid(({levels[-1]} - 50) / 9) * 8",
                        "2.5",
                        # another count: this turn's draw if it comes earlier, else last turn's
                        *(f"0.5 * {o} + 1" for o in counts),
                    ]
                )
            ),
            "distribution": "negative_binomial" if nb else "poisson",
            **({"dispersion": _scenario_quantity(draw, 0.5, 6)} if nb else {}),
        }
    actors: dict[str, Any] = {}
    decisions: list[tuple[str, str, list[str], str]] = []
    for a in [f"a{i}" for i in range(draw(st.integers(1, 3)))]:
        decs: dict[str, Any] = {}
        for d in [f"d{j}" for j in range(draw(st.integers(0, 2)))]:
            if draw(st.booleans()):
                ids = [f"o{k}" for k in range(draw(st.integers(1, 3)))]
                decs[d] = {
                    "label": d,
                    "options": {
                        o: {
                            "label": o,
                            "cost": draw(st.sampled_from(list(params)))
                            if bool(params) and draw(st.booleans())
                            else _scenario_quantity(draw, 0, 2),
                            "effects": _scenario_effects(draw, [*levels, *counts], read),
                        }
                        for o in ids
                    },
                }
                decisions.append((a, d, ids, "choice"))
            else:
                ids = [f"l{k}" for k in range(draw(st.integers(2, 4)))]
                decs[d] = {
                    "label": d,
                    "kind": "lever",
                    "step_cost": _scenario_quantity(draw, 0, 1),
                    "default": draw(st.sampled_from(ids)),
                    "levels": {
                        lv: {
                            "label": lv,
                            "cost": _scenario_quantity(draw, 0, 2),
                            "effects": _scenario_effects(draw, levels, read),
                        }
                        for lv in ids
                    },
                }
                decisions.append((a, d, ["lower", "hold", "raise"], "lever"))
                read.append(f"{a}.{d}")
        actors[a] = {"name": a, "decisions": decs}
    prev = [f"prev.{a}.{d}.{o}" for a, d, ids, _ in decisions for o in ids]
    levers = [f"{a}.{d}" for a, d, _, kind in decisions if kind == "lever"]
    for actor in actors.values():
        keys = draw(st.lists(st.sampled_from([*levels, *counts, *levers]), max_size=3, unique=True))
        actor["utility"] = {
            k: draw(st.sampled_from(list(params)))
            if bool(params) and draw(st.booleans())
            else _scenario_quantity(draw, -2, 2)
            for k in keys
        }
    for a, d, ids, _ in decisions:
        kind = draw(st.sampled_from(["fixed", "mixed", "rules", "best_response", "logit", "default", None]))
        if kind is None:
            continue
        pol: dict[str, Any] = {"kind": kind}
        if kind == "fixed":
            pol["option"] = draw(st.sampled_from(ids))
        elif kind == "mixed":
            w = [draw(st.integers(0, 3)) for _ in ids]
            w[0] += 0 if sum(w) else 1
            pol["probabilities"] = {o: x / sum(w) for o, x in zip(ids, w, strict=True)}
        elif kind == "rules":
            conds = [f"{levels[0]} > 50", "turn >= 2", *prev[:3], *(f"{lv} >= 1" for lv in levers)]
            history = [p.removeprefix("prev.") for p in prev]
            conds += [f"count.{h} >= 2" for h in history[:3]]
            conds += [f"last({k}).{h} == {k}" for h in history[-3:] for k in (1, 2)]
            conds += [f"last(3).{h} >= 1" for h in history[:2]]

            pol["rules"] = [
                {"when": draw(st.sampled_from(conds)), "choose": _branch(draw, ids)}
                for _ in range(draw(st.integers(1, 2)))
            ]
            pol["otherwise"] = _branch(draw, ids)
        elif kind == "logit":
            pol["rationality"] = _scenario_quantity(draw, 0, 3)
        actors[a].setdefault("policy", {})[d] = pol
    now = [f"{a}.{d}.{o}" for a, d, ids, _ in decisions for o in ids]
    interactions = {
        f"i{k}": {
            "label": "i",
            "when": f"{draw(st.sampled_from(now))} and {levels[0]} > 20" if now else "true",
            "effects": _scenario_effects(draw, levels, read),
        }
        for k in range(draw(st.integers(0, 2)))
    }
    dynamics = {
        f"y{k}": {
            "label": "y",
            "target": draw(st.sampled_from(levels)),
            "add": _scenario_expression(draw, read, 3),
        }
        for k in range(draw(st.integers(0, 2)))
    }
    events = {
        f"e{k}": {
            "label": "e",
            "once": draw(st.booleans()),
            "effects": _scenario_effects(draw, levels, read),
            "probability": draw(st.one_of(st.floats(0, 1), st.just(f"sigmoid(({levels[0]} - 50) / 8)"))),
        }
        for k in range(draw(st.integers(0, 3)))
    }
    if bool(events) and draw(st.booleans()):
        events["e0"]["probability"] = _scenario_quantity(draw, 0, 1)
    counted = [f"count.{p.removeprefix('prev.')} >= 2 or " for p in prev[:2]]
    endings = {
        f"end{k}": {
            "label": "end",
            "text": "over",
            "when": draw(st.sampled_from(["", *counted]))
            + f"{draw(st.sampled_from(levels))} > {draw(st.integers(55, 95))}",
            "min_turn": draw(st.integers(0, 2)),
        }
        for k in range(draw(st.integers(0, 2)))
    }
    strategies: dict[str, Any] = {}
    if bool(decisions) and draw(st.booleans()):
        a, d, ids, _ = decisions[0]
        strategies["alt"] = {
            "label": "alt",
            "actor": a,
            "policy": {
                d: draw(
                    st.sampled_from(
                        [
                            {"kind": "fixed", "option": ids[-1]},
                            {"kind": "logit", "rationality": _scenario_quantity(draw, 0, 2)},
                            {"kind": "best_response"},
                        ]
                    )
                )
            },
        }
    payoffs: dict[str, Any] = {}
    seats: dict[str, tuple[str, list[str]]] = {}
    for a, d, ids, kind in decisions:
        if kind == "choice":
            seats.setdefault(a, (f"{a}.{d}", ids))
    if len(seats) >= 2 and draw(st.booleans()):
        players = list(seats.values())[: draw(st.integers(2, len(seats)))]
        keys = [key for key, _ in players]
        if draw(st.booleans()):  # a cell per profile: numbers, distributions, expressions
            profiles = itertools.product(*(ids for _, ids in players))
            cell = st.one_of(
                st.integers(-5, 5),
                st.builds(lambda lo: {"dist": "uniform", "low": lo, "high": lo + 2}, st.integers(-3, 3)),
                st.sampled_from([f"0.1 * {levels[0]}", f"if({levels[-1]} > 50, 2, -1)"]),
            )
            payoffs["game"] = {
                "players": keys,
                "profiles": {" ".join(p): [draw(cell) for _ in players] for p in profiles},
            }
        else:  # the symmetric form: k players chose the counted option
            common = sorted(set.intersection(*(set(ids) for _, ids in players)))
            if common and all(set(ids) == set(players[0][1]) for _, ids in players):
                payoffs["public"] = {
                    "label": "public",
                    "players": keys,
                    "count": draw(st.sampled_from(common)),
                    "each": {
                        o: draw(st.sampled_from(["2 * k / n - 1", "k - 1", f"k * 0.01 * {levels[0]}", "3"]))
                        for o in common
                    },
                }
    if bool(decisions) and draw(st.booleans()):
        # a relative strategy: its names are the seat's own (`self.`), bound to whichever seat has them
        _, d, ids, _ = decisions[0]
        mine = [f"{prefix}self.{d}.{o}" for o in ids for prefix in ("prev.", "count.", "last(2).")]
        strategies["rel"] = {
            "label": "rel",
            "relative": True,
            "policy": {
                d: draw(
                    st.sampled_from(
                        [
                            {
                                "kind": "rules",
                                "rules": [
                                    {
                                        "when": f"{draw(st.sampled_from(mine))} >= 1",
                                        "choose": _branch(draw, ids),
                                    }
                                ],
                                "otherwise": _branch(draw, ids),
                            },
                            {"kind": "logit", "rationality": _scenario_quantity(draw, 0, 2)},
                        ]
                    )
                )
            },
        }
    return {
        "id": "generated",
        "title": "Generated",
        "summary": "A random scenario for property tests.",
        "turns": draw(st.integers(1, 6)),
        "discount": draw(st.sampled_from([1.0, 0.9])),
        "player": next(iter(actors)),
        "parameters": params,
        "state": state,
        "actors": actors,
        "interactions": interactions,
        "payoffs": payoffs,
        "dynamics": dynamics,
        "events": events,
        "strategies": strategies,
        "endings": endings,
    }


@st.composite
def games(draw: st.DrawFn) -> dict[str, Any]:
    """Random abstract games: 2-3 players with one `move` each, a payoff table in any of its three forms
    (numbers, distributions, expressions of a parameter and the state), library strategies imported."""
    n = draw(st.integers(2, 3))
    options = ["cooperate", "defect", "wait"][: draw(st.integers(2, 3))]
    players = [f"p{i}" for i in range(n)]
    move = {"label": "Move", "options": {o: {"label": o} for o in options}}
    cell = st.one_of(
        st.integers(-5, 5),
        st.builds(lambda lo: {"dist": "uniform", "low": lo, "high": lo + 3}, st.integers(-3, 3)),
        st.sampled_from(["r * 2", "if(x > 50, r, -r)", "prev.p0.move.defect * 2"]),
    )
    form = draw(st.sampled_from(["table", "profiles", "each"] if n == 2 else ["profiles", "each"]))
    game: dict[str, Any] = {"label": "game", "players": [f"{p}.move" for p in players]}
    if form == "table":
        game["table"] = {a: {b: [draw(cell), draw(cell)] for b in options} for a in options}
    elif form == "profiles":
        game["profiles"] = {
            " ".join(p): [draw(cell) for _ in players] for p in itertools.product(options, repeat=n)
        }
    else:
        game["count"] = "cooperate"
        game["each"] = {o: draw(st.sampled_from(["r * k / n", "k - 1", "3", "k * x / 50"])) for o in options}
    actors: dict[str, Any] = {}
    for p in players:
        actors[p] = {"name": p, "decisions": {"move": move}}
        if draw(st.booleans()):
            actors[p]["policy"] = {
                "move": {"kind": "mixed", "probabilities": {o: 1 / len(options) for o in options}}
            }
    if draw(st.booleans()):
        actors[players[0]]["utility"] = {"x": 0.1}
    library_ids = [
        "tit-for-tat",
        "grudger",
        "tit-for-two-tats",
        "alternator",
        "win-stay-lose-shift",
        "generous-tit-for-tat",
        "suspicious-tit-for-tat",
        "random",
        "defector",
    ]
    imported = draw(st.lists(st.sampled_from(library_ids), min_size=1, max_size=3, unique=True))
    strategies: dict[str, Any] = {f"s_{sid.replace('-', '_')}": {"library": sid} for sid in imported}
    return {
        "id": "game",
        "title": "Game",
        "summary": "A random abstract game for property tests.",
        "turns": draw(st.integers(1, 8)),
        "prob_end": draw(st.sampled_from([0.0, 0.2, 0.5])),
        "noise": draw(st.sampled_from([0.0, 0.05, 0.5])),
        "calendar": draw(st.sampled_from(["none", {"start": "2020", "step": "year"}])),
        "player": players[0],
        "parameters": {"r": {"dist": "uniform", "low": 1, "high": 3}},
        "state": {"x": {"label": "x", "initial": 40, "range": [0, 100]}},
        "actors": actors,
        "payoffs": {"game": game},
        "strategies": strategies,
        "interactions": {"drift": {"label": "d", "when": "p0.move.defect", "effects": {"x": 5}}},
    }
