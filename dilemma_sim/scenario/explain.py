"""A plain-data description of a scenario as the engine will see it.

Defaults are resolved (a level's baseline, a decision's default option, a lever's starting level,
the policy of a decision no rule covers, the actor a strategy plays), so an author reads what will
run rather than what was written. The result holds only dicts, lists, strings, numbers and booleans:
`dilemma-sim explain --json` prints it, and the CLI renders it as tables.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from dilemma_sim.scenario.actors import choice_text
from dilemma_sim.scenario.binding import StrategyBindingError, bind_strategy, label_of, library
from dilemma_sim.scenario.models import (
    Actor,
    BestResponsePolicy,
    Decision,
    DefaultPolicy,
    EffectSpec,
    FixedPolicy,
    LogitPolicy,
    MixedPolicy,
    RulesPolicy,
    Scenario,
    StateVar,
    is_distribution,
)
from dilemma_sim.scenario.payoffs import PayoffTable

Data = dict[str, Any]


# --------------------------------------------------------------------------- quantities


def quantity_data(q: object) -> Any:
    """A number stays a number, an expression a string; fixed values and distributions become dicts."""
    if isinstance(q, BaseModel):
        return q.model_dump(mode="json", exclude_none=True)
    return q


def _num(x: float) -> str:
    return f"{x:g}"


def quantity_text(q: object) -> str:
    """One line for a quantity or its `quantity_data`: `2`, `2 [src]`, `uniform(low=1, high=3)`."""
    if isinstance(q, BaseModel):
        q = quantity_data(q)
    if q is None:
        return ""
    if isinstance(q, bool):
        return str(q).lower()
    if isinstance(q, (int, float)):
        return _num(q)
    if not isinstance(q, dict):
        return str(q)
    params = {k: v for k, v in q.items() if k not in ("dist", "value", "source", "note")}
    if "dist" in q:
        text = f"{q['dist']}(" + ", ".join(f"{k}={quantity_text(v)}" for k, v in params.items()) + ")"
    else:
        text = quantity_text(q.get("value"))
    return f"{text} [{q['source']}]" if q.get("source") else text


def _signed(text: str) -> str:
    if text[:1] in "+-":
        return text
    try:
        float(text)
    except ValueError:
        return f"+ ({text})"
    return f"+{text}"


def effects_data(effects: dict[str, Any]) -> list[Data]:
    """Effects as a list of `{variable, add, noise, text}` in file order."""
    rows = []
    for variable, effect in effects.items():
        add, noise = (effect.add, effect.noise) if isinstance(effect, EffectSpec) else (effect, 0.0)
        text = _signed(quantity_text(add))
        if noise != 0.0:
            text += f" ± {quantity_text(noise)}"
        rows.append(
            {
                "variable": variable,
                "add": quantity_data(add),
                "noise": quantity_data(noise),
                "expression": isinstance(add, str),
                "text": f"{variable} {text}",
            }
        )
    return rows


def effects_text(effects: dict[str, Any]) -> str:
    """Effects on one line: `security +3 ± 1, attacks + (0.5 * x)`."""
    return ", ".join(row["text"] for row in effects_data(effects))


# --------------------------------------------------------------------------- parts


def _state(name: str, var: StateVar) -> Data:
    row: Data = {
        "name": name,
        "label": var.label,
        "description": var.description,
        "kind": var.kind,
        "range": list(var.range),
        "unit": var.unit,
        "higher_is_better": var.higher_is_better,
    }
    if var.kind == "level":
        baseline = var.baseline if var.baseline is not None else var.initial
        row |= {
            "initial": quantity_data(var.initial),
            "persistence": quantity_data(var.persistence),
            "baseline": quantity_data(baseline),
            "baseline_defaulted": var.baseline is None,
            "dynamics_text": _decay_text(var.persistence, baseline),
        }
    else:
        row |= {
            "distribution": var.distribution,
            "rate": quantity_data(var.rate),
            "dispersion": quantity_data(var.dispersion),
            "dynamics_text": f"{var.distribution}(rate = {quantity_text(var.rate)})"
            + (f", dispersion {quantity_text(var.dispersion)}" if var.dispersion is not None else ""),
        }
    return row


def _decay_text(persistence: object, baseline: object) -> str:
    if persistence == 1.0:
        return "persists (no decay)"
    return f"drifts to {quantity_text(baseline)}, keeping {quantity_text(persistence)} of the gap"


def policy_data(policy: object, decision: Decision) -> Data:
    """A policy as data with a one-line `text`; `None` is the decision's default option."""
    if policy is None or isinstance(policy, DefaultPolicy):
        return {"kind": "default", "text": f"default ({decision.default_option()})"}
    assert isinstance(policy, BaseModel)
    data: Data = policy.model_dump(mode="json", exclude_none=True)
    if isinstance(policy, FixedPolicy):
        text = f"always {policy.option}"
    elif isinstance(policy, MixedPolicy):
        text = "mixed: " + ", ".join(f"{o} {p:g}" for o, p in policy.probabilities.items())
    elif isinstance(policy, RulesPolicy):
        rules = [f"if {r.when} then {choice_text(r.choose)}" for r in policy.rules]
        text = "; ".join([*rules, f"otherwise {choice_text(policy.otherwise)}"])
    elif isinstance(policy, BestResponsePolicy):
        text = "best response (highest expected payoff this turn)"
    elif isinstance(policy, LogitPolicy):
        text = f"logit, rationality {quantity_text(policy.rationality)}"
    else:
        text = str(data.get("kind", "?"))
    data["text"] = text
    return data


def _decision(decision_id: str, decision: Decision, policy: object) -> Data:
    row: Data = {
        "id": decision_id,
        "label": decision.label,
        "description": decision.description,
        "kind": decision.kind,
        "option_ids": list(decision.option_ids()),
        "default_option": decision.default_option(),
        "policy": policy_data(policy, decision),
    }
    if decision.kind == "choice":
        row["options"] = [
            {
                "id": oid,
                "label": opt.label,
                "effects": effects_data(opt.effects),
                "cost": quantity_data(opt.cost),
                "text": opt.text,
            }
            for oid, opt in decision.options.items()
        ]
    else:
        row["initial_level"] = decision.initial_level()
        row["step_cost"] = quantity_data(decision.step_cost)
        row["levels"] = [
            {
                "id": lid,
                "index": index,
                "label": level.label,
                "effects": effects_data(level.effects),
                "cost": quantity_data(level.cost),
            }
            for index, (lid, level) in enumerate(decision.levels.items())
        ]
    return row


def _actor(actor_id: str, actor: Actor, player: str) -> Data:
    return {
        "id": actor_id,
        "name": actor.name,
        "description": actor.description,
        "is_player": actor_id == player,
        "utility": [{"term": term, "weight": quantity_data(w)} for term, w in actor.utility.items()],
        "decisions": [_decision(did, d, actor.policy.get(did)) for did, d in actor.decisions.items()],
    }


def _strategy(strategy_id: str, scenario: Scenario) -> Data:
    strategy = scenario.strategies[strategy_id]
    actor_id = strategy.actor or scenario.player
    actor = scenario.actors.get(actor_id)
    decisions = actor.decisions if actor is not None else {}
    try:  # a relative strategy is shown as it plays the player
        policy = bind_strategy(scenario, strategy_id, actor_id).policy
    except StrategyBindingError:
        policy = {}
    data: Data = {
        "id": strategy_id,
        "label": label_of(strategy),
        "description": strategy.description or _library_description(strategy.library),
        "actor": actor_id,
        "policy": {did: policy_data(policy.get(did), decision) for did, decision in decisions.items()},
    }
    if strategy.is_relative:
        data["relative"] = True
    if strategy.library is not None:
        data["library"] = strategy.library
    return data


def _library_description(library_id: str | None) -> str:
    entry = library().get(library_id or "")
    return "" if entry is None else f"{entry.description} (Axelrod: {entry.axelrod})"


# --------------------------------------------------------------------------- whole scenario


def _payoff_form(table: PayoffTable) -> Data:
    """The table as written: its form and cells (`table`, `profiles`, or `count` with `each`)."""
    dumped = table.model_dump(mode="json", exclude_none=True)
    return {k: dumped[k] for k in ("table", "profiles", "count", "each") if k in dumped}


def describe(scenario: Scenario, *, scenario_hash: str | None = None) -> Data:
    """The scenario as the engine will see it, as plain data (see the module docstring)."""
    data: Data = {
        "id": scenario.id,
        "title": scenario.title,
        "summary": scenario.summary,
        "version": scenario.version,
        "turns": scenario.turns,
        "calendar": {
            "start": scenario.calendar.start,
            "step": scenario.calendar.step,
            "first": scenario.calendar.label(0),
            "last": scenario.calendar.label(scenario.turns - 1),
        },
        "discount": scenario.discount,
        "prob_end": scenario.prob_end,
        "noise": scenario.noise,
        "player": scenario.player,
        "state": [_state(name, var) for name, var in scenario.state.items()],
        "actors": [_actor(aid, actor, scenario.player) for aid, actor in scenario.actors.items()],
        "interactions": [
            {
                "id": iid,
                "label": it.label,
                "when": it.when,
                "effects": effects_data(it.effects),
                "text": it.text,
            }
            for iid, it in scenario.interactions.items()
        ],
        "payoffs": [
            {"id": pid, "label": table.label, "players": list(table.players), **_payoff_form(table)}
            for pid, table in scenario.payoffs.items()
        ],
        "dynamics": [
            {
                "id": did,
                "label": inf.label,
                "target": inf.target,
                "add": quantity_data(inf.add),
                "text": f"{inf.target} {_signed(quantity_text(inf.add))}",
            }
            for did, inf in scenario.dynamics.items()
        ],
        "events": [
            {
                "id": eid,
                "label": ev.label,
                "probability": quantity_data(ev.probability),
                "probability_text": quantity_text(ev.probability),
                "once": ev.once,
                "effects": effects_data(ev.effects),
                "text": ev.text,
            }
            for eid, ev in scenario.events.items()
        ],
        "endings": [
            {
                "id": nid,
                "label": end.label,
                "when": end.when,
                "min_turn": end.min_turn,
                "outcome": end.outcome,
                "text": end.text,
            }
            for nid, end in scenario.endings.items()
        ],
        "strategies": [_strategy(sid, scenario) for sid in scenario.strategies],
        "parameters": [
            {
                "name": name,
                "value": quantity_data(q),
                "text": quantity_text(q),
                "distribution": is_distribution(q),
                "source": getattr(q, "source", None),
                "note": getattr(q, "note", None),
            }
            for name, q in scenario.parameters.items()
        ],
        "sources": [
            {"id": sid, "citation": src.citation, "url": src.url, "supports": list(src.supports)}
            for sid, src in scenario.sources.items()
        ],
    }
    if scenario_hash is not None:
        data["hash"] = scenario_hash
    return data
