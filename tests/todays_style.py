"""The IPD, the 3-player IPD and the public-goods game as an author had to write them before payoff
tables, history names and reusable strategies (issue 8): a payoff state variable per player with
`persistence: 0` and one interaction per profile, latch and lag variables for Grudger and Tit For Two
Tats, and every strategy written once per seat. Used to measure the new scenarios against them and to
check that both play the same."""

from __future__ import annotations

import itertools
from typing import Any

from dilemma_sim.scenario.yamlio import dump_yaml

PD = {("cooperate", "cooperate"): 3, ("cooperate", "defect"): 0, ("defect", "cooperate"): 5}
PD[("defect", "defect")] = 1


def _move(cooperate: str = "cooperate", defect: str = "defect", decision: str = "move") -> dict[str, Any]:
    return {
        decision: {
            "label": "Move",
            "options": {cooperate: {"label": "Cooperate"}, defect: {"label": "Defect"}},
        }
    }


def _payoff_var(label: str) -> dict[str, Any]:
    return {"label": label, "range": [-100, 100], "initial": 0, "persistence": 0, "baseline": 0}


def _rules(rules: list[tuple[str, str]], otherwise: str) -> dict[str, Any]:
    return {"kind": "rules", "rules": [{"when": w, "choose": c} for w, c in rules], "otherwise": otherwise}


def _strategies(
    seats: list[str],
    others: dict[str, list[str]],
    which: list[str],
    d: str = "move",
    c: str = "cooperate",
    x: str = "defect",
) -> dict[str, Any]:
    """Each classic, written once per seat (the only way before relative strategies)."""
    out: dict[str, Any] = {}
    for seat in seats:
        any_defected = " or ".join(f"prev.{o}.{d}.{x}" for o in others[seat])
        policies = {
            "cooperator": {"kind": "fixed", "option": c},
            "defector": {"kind": "fixed", "option": x},
            "tit-for-tat": _rules([(any_defected, x)], c),
            "grudger": _rules([(f"{seat}_wronged >= 1", x)], c),
            "tit-for-two-tats": _rules([(f"({any_defected}) and {seat}_lag2 >= 1", x)], c),
            "suspicious-tit-for-tat": _rules([(f"turn == 0 or {any_defected}", x)], c),
            "alternator": _rules([(f"prev.{seat}.{d}.{c}", x)], c),
            "coin": {"kind": "mixed", "probabilities": {c: 0.5, x: 0.5}},
            "win-stay-lose-shift": _rules(
                [(f"turn == 0 or prev.{seat}.{d}.{c} == prev.{others[seat][0]}.{d}.{c}", c)], x
            ),
        }
        for sid in which:
            out[f"{sid}-{seat}"] = {"label": f"{sid} ({seat})", "actor": seat, "policy": {d: policies[sid]}}
    return out


def _memory(
    seats: list[str], others: dict[str, list[str]], d: str = "move", x: str = "defect"
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Latch (Grudger) and lag (Tit For Two Tats) variables, the interactions and dynamics that move them."""
    state: dict[str, Any] = {}
    interactions: dict[str, Any] = {}
    dynamics: dict[str, Any] = {}
    for seat in seats:
        state[f"{seat}_wronged"] = {"label": f"{seat} was wronged", "range": [0, 1], "initial": 0}
        state[f"{seat}_lag1"] = {
            "label": f"{seat} saw a defection",
            "range": [0, 1],
            "persistence": 0,
            "baseline": 0,
        }
        state[f"{seat}_lag2"] = {
            "label": f"{seat} saw one before",
            "range": [0, 1],
            "persistence": 0,
            "baseline": 0,
        }
        defected = " or ".join(f"{o}.{d}.{x}" for o in others[seat])
        interactions[f"{seat}_remembers"] = {
            "label": f"{seat} remembers",
            "when": defected,
            "effects": {f"{seat}_wronged": 1, f"{seat}_lag1": 1},
        }
        dynamics[f"{seat}_lag"] = {"label": f"{seat} lag", "target": f"{seat}_lag2", "add": f"{seat}_lag1"}
    return state, interactions, dynamics


def ipd(which: list[str]) -> str:
    """The two-player IPD, today's way."""
    seats = ["row", "column"]
    others = {"row": ["column"], "column": ["row"]}
    state, interactions, dynamics = _memory(seats, others)
    state = {
        "row_payoff": _payoff_var("Row's payoff"),
        "column_payoff": _payoff_var("Column's payoff"),
        **state,
    }
    for a, b in itertools.product(["cooperate", "defect"], repeat=2):
        interactions[f"{a}_{b}"] = {
            "label": f"{a} / {b}",
            "when": f"row.move.{a} and column.move.{b}",
            "effects": {"row_payoff": PD[(a, b)], "column_payoff": PD[(b, a)]},
        }
    data = {
        "id": "ipd-today",
        "title": "Iterated prisoner's dilemma",
        "summary": "Axelrod's tournament game, written without payoff tables.",
        "turns": 200,
        "player": "row",
        "state": state,
        "actors": {
            "row": {"name": "Row", "utility": {"row_payoff": 1}, "decisions": _move()},
            "column": {
                "name": "Column",
                "utility": {"column_payoff": 1},
                "decisions": _move(),
                "policy": {"move": _rules([("prev.row.move.defect", "defect")], "cooperate")},
            },
        },
        "interactions": interactions,
        "dynamics": dynamics,
        "strategies": _strategies(seats, others, which),
    }
    return dump_yaml(data)


def n_player(
    which: list[str],
    *,
    decision: str = "move",
    c: str = "cooperate",
    x: str = "defect",
    public_goods: bool = False,
) -> str:
    """The 3-player IPD (pairwise dilemmas) or the public-goods game, today's way."""
    seats = ["a", "b", "c"]
    others = {s: [o for o in seats if o != s] for s in seats}
    state, interactions, dynamics = _memory(seats, others, decision, x)
    state = {**{f"{s}_payoff": _payoff_var(f"{s}'s payoff") for s in seats}, **state}
    for profile in itertools.product([c, x], repeat=3):
        k = sum(1 for p in profile if p == c)
        effects: dict[str, str | int] = {}
        for i, s in enumerate(seats):
            if public_goods:
                pot = f"multiplier * 10 * {k} / 3"
                effects[f"{s}_payoff"] = pot if profile[i] == c else f"10 + {pot}"
            else:
                mine = "cooperate" if profile[i] == c else "defect"
                effects[f"{s}_payoff"] = sum(
                    PD[(mine, "cooperate" if profile[j] == c else "defect")] for j in range(3) if j != i
                )
        interactions["_".join(profile)] = {
            "label": " / ".join(profile),
            "when": " and ".join(f"{s}.{decision}.{p}" for s, p in zip(seats, profile, strict=True)),
            "effects": effects,
        }
    data: dict[str, Any] = {
        "id": "public-goods-today" if public_goods else "ipd-3-today",
        "title": "Public goods game" if public_goods else "Three-player IPD",
        "summary": "Written without payoff tables.",
        "turns": 10 if public_goods else 200,
        "player": "a",
    }
    if public_goods:
        data["parameters"] = {
            "multiplier": {
                "dist": "uniform",
                "low": 1.2,
                "high": 2.4,
                "note": "Assumption: the pot's multiplier.",
            }
        }
    data.update(
        {
            "state": state,
            "actors": {
                s: {"name": s.upper(), "utility": {f"{s}_payoff": 1}, "decisions": _move(c, x, decision)}
                for s in seats
            },
            "interactions": interactions,
            "dynamics": dynamics,
            "strategies": _strategies(seats, others, which, decision, c, x),
        }
    )
    return dump_yaml(data)
