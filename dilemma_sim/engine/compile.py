"""Compile a validated `Scenario` into index tables and closures the vectorized engine runs on.

Everything the engine needs per turn is resolved here once: state, decision and lever indices,
constant effect tables that a whole batch fancy-indexes (`option_effects[d][choice]`), the
non-constant rest as a list of terms, utility weights, costs, events, counts, endings and the
layout of the random draws.

Per-run parameters: every distribution anywhere in the scenario is one column of `params` (N, P),
sampled once per run from one uniform, named (`param_specs`) by the YAML path of its number
(`parameters.x`, `state.v.initial`, `actors.a.decisions.d.options.o.effects.v.add`, or without
`.add` for a bare quantity), and numbered in this walk order:
1. `parameters`;
2. each state variable: initial, persistence, baseline (if set), then for counts rate and
   (negative binomial) dispersion;
3. each actor: utility weights; each decision: the effects of every option (or level), then
   their costs, then a lever's step_cost; then the actor's logit rationalities (a weight or cost
   that names a parameter uses that parameter's column and takes none of its own);
4. interactions (effects); 5. dynamics (add); 6. events (probability, then effects);
6b. payoff tables, in file order, each cell by profile (the last player's option fastest) then player;
7. strategies (logit rationalities; a relative strategy's, library imports included, once whatever
   seat it plays, keyed `(strategy:<id>, "*", <its own decision id>)`).
Within an effect `{add, noise}` the add comes before the noise. Effects on count variables are
numbered but ignored (counts are not changed by deltas).

Turn draws (see docs/architecture.md): uniform slots are one per decision (0..D-1), one per event
(D..D+E-1), one per count variable (D+E..D+E+C-1); normal slots are one per effect whose noise is
not a fixed 0, in the same walk order (options and levels, interactions, events); with `prob_end`,
one more uniform per turn from each block's second stream (`TurnDraws.end`, `sampling.end_generator`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from dilemma_sim.engine.footprint import check_footprint
from dilemma_sim.engine.tables import (
    CHOICE,
    COUNT,
    HORIZON,
    LAST,
    LEVER,
    PARAM,
    PREV,
    STATE,
    TURN,
    CompiledScenario,
    CountInfo,
    DecisionInfo,
    Dist,
    Effects,
    EffectTerm,
    EndingInfo,
    EventInfo,
    ExprFn,
    InteractionInfo,
    PayoffInfo,
    Value,
    compile_source,
    locate,
)
from dilemma_sim.errors import NonFiniteError
from dilemma_sim.scenario import expressions as ex
from dilemma_sim.scenario.binding import expression_sources, own_policy
from dilemma_sim.scenario.models import EffectSpec, Fixed, LogitPolicy, Scenario, is_distribution
from dilemma_sim.scenario.payoffs import cells
from dilemma_sim.scenario.raw_data import expression_sites
from dilemma_sim.scenario.yaml_marks import Marks

__all__ = [
    "CHOICE",
    "COUNT",
    "HORIZON",
    "LAST",
    "LEVER",
    "PARAM",
    "PREV",
    "STATE",
    "TURN",
    "CompiledScenario",
    "CountInfo",
    "DecisionInfo",
    "EffectTerm",
    "Effects",
    "EndingInfo",
    "EventInfo",
    "InteractionInfo",
    "PayoffInfo",
    "Value",
    "compile_scenario",
    "scenario_hash",
]


RELATIVE = "*"
"""The actor part of a relative strategy's rationality key (see `CompiledScenario.rationality`)."""


def scenario_hash(scenario: Scenario) -> str:
    """First 16 hex digits of the sha256 of the scenario's canonical JSON."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _Builder:
    """Walks the scenario in the documented order, numbering parameter columns and normal slots."""

    def __init__(self, names: dict[str, tuple[int, int, int]], locate: Callable[[str], str]) -> None:
        self.names = names
        self.locate = locate
        self.specs: list[tuple[str, Dist]] = []
        self.n_normal = 0
        self.cache: dict[str, ExprFn] = {}
        self.parameters: dict[str, Value] = {}

    def quantity(self, q: Any, path: str) -> Value:
        if is_distribution(q):
            self.specs.append((path, q))
            return Value(param=len(self.specs) - 1, origin=path)
        if isinstance(q, Fixed):
            return Value(const=float(q.value), origin=path)
        return Value(const=float(q), origin=path)

    def weight(self, q: Any, path: str) -> Value:
        """A utility weight or cost: a quantity, or the name of a scenario parameter (its column)."""
        if isinstance(q, str):
            if q not in self.parameters:
                raise ValueError(f"{path}: {q!r} is not a parameter")
            return self.parameters[q]
        return self.quantity(q, path)

    def value(self, q: Any, path: str) -> Value:
        if isinstance(q, str):
            node = ex.parse(q)
            constant = ex.constant_value(node)
            if constant is not None:
                if not math.isfinite(constant):
                    raise NonFiniteError(f"{path} ({q!r}) is {constant}", path=path).located(
                        self.locate(path)
                    )
                return Value(const=constant, origin=path, source=q)
            fn = self.cache.get(q)
            if fn is None:
                fn = self.cache[q] = compile_source(q, self.names)
            return Value(expr=fn, origin=path, source=q)
        return self.quantity(q, path)

    def condition(self, source: str) -> ExprFn:
        fn = self.cache.get(source)
        if fn is None:
            fn = self.cache[source] = compile_source(source, self.names)
        return fn

    def effects(
        self,
        rows: list[Mapping[str, Any]],
        paths: list[str],
        state: list[str],
        levels: np.ndarray,
        per_row: bool,
    ) -> Effects:
        """Compile effects dicts (one per option or level, or one) into a constant table plus terms.

        `paths` are the YAML paths of the rows' `effects:` mappings, so every sampled column is named
        by the exact path of its number (`...options.strike.effects.security.add`, or without `.add`
        for a bare quantity).
        """
        table = np.zeros((len(rows), len(state)))
        terms: list[EffectTerm] = []
        for r, effects in enumerate(rows):
            for target, eff in effects.items():
                at = f"{paths[r]}.{target}"
                if target not in state:
                    raise ValueError(f"{paths[r]}: effect on unknown state variable {target!r}")
                s = state.index(target)
                spec = isinstance(eff, EffectSpec)
                add, noise = (eff.add, eff.noise) if spec else (eff, 0.0)
                value = self.value(add, f"{at}.add" if spec else at)
                noise_v = self.quantity(noise, f"{at}.noise")
                slot = -1
                if not (noise_v.is_const and noise_v.const == 0.0):
                    slot = self.n_normal
                    self.n_normal += 1
                if not levels[s]:
                    continue  # counts are not changed by deltas
                option = r if per_row else -1
                if value.is_const and slot < 0:
                    table[r, s] += value.const
                else:
                    terms.append(EffectTerm(s, value, noise_v if slot >= 0 else None, slot, option))
        columns = tuple(int(c) for c in np.flatnonzero(np.any(table != 0, axis=0)))
        return Effects(table, tuple(terms), columns)


def history_use(sources: Iterable[str]) -> tuple[bool, int]:
    """(whether any expression reads `count.*`, the largest k of a `last(k).*`) over expression sources."""
    counts, k = False, 0
    for source in sources:
        try:
            refs = ex.name_refs(ex.parse(source))
        except ex.ExpressionError:
            continue
        for name, _ in refs:
            history = ex.history_name(name)
            if history is not None:
                counts |= history[0] == "count"
                k = max(k, history[1])
    return counts, k


def _lookback(name: str) -> int:
    """k of a `last(k).actor.decision.option` name."""
    history = ex.history_name(name)
    if history is None:
        raise ValueError(f"not a history name: {name!r}")
    return history[1]


def _name_table(sc: Scenario, counts: bool = False, k: int = 0) -> dict[str, tuple[int, int, int]]:
    names: dict[str, tuple[int, int, int]] = {}
    for i, name in enumerate(sc.state):
        names[name] = (STATE, i, 0)
    for i, name in enumerate(sc.parameters):
        names[name] = (PARAM, i, 0)
    d = lever = column = 0
    for a, actor in sc.actors.items():
        for did, dec in actor.decisions.items():
            if dec.kind == "lever":
                names[f"{a}.{did}"] = (LEVER, lever, 0)
                lever += 1
            for o, oid in enumerate(dec.option_ids()):
                names[f"{a}.{did}.{oid}"] = (CHOICE, d, o)
                names[f"prev.{a}.{did}.{oid}"] = (PREV, d, o)
                if counts:
                    names[f"count.{a}.{did}.{oid}"] = (COUNT, column, 0)
                for j in range(1, k + 1):
                    names[f"last({j}).{a}.{did}.{oid}"] = (LAST, d, o)
                column += 1
            d += 1
    names["turn"] = (TURN, 0, 0)
    return names


def compile_scenario(
    scenario: Scenario, *, scenario_hash: str | None = None, marks: Marks | None = None
) -> CompiledScenario:
    """Resolve a scenario into the engine's tables; raises ValueError on names the engine cannot resolve,
    LimitExceeded when one block of its runs would not fit the memory budget (`engine.footprint`).

    `marks` (from loading the file) let run-time errors name the `file:line:col` of a value.
    """
    sc = scenario
    digest = scenario_hash if scenario_hash is not None else _hash(sc)
    sources = [site.source for site in expression_sites(sc.model_dump())]
    track_counts, history_k = history_use([*sources, *expression_sources(sc.strategies)])
    names = _name_table(sc, track_counts, history_k)
    b = _Builder(names, lambda path: locate(marks, path))
    state = list(sc.state)
    n_state = len(state)

    param_values = {name: b.quantity(q, f"parameters.{name}") for name, q in sc.parameters.items()}
    b.parameters = param_values
    level_mask = np.array([v.kind == "level" for v in sc.state.values()], dtype=bool)
    lows = np.array([float(v.range[0]) for v in sc.state.values()])
    highs = np.array([float(v.range[1]) for v in sc.state.values()])
    initial: list[Value] = []
    pm1 = np.zeros(n_state)
    base = np.zeros(n_state)
    persistence_terms: list[tuple[int, Value, Value]] = []
    counts: list[CountInfo] = []
    for s, (name, var) in enumerate(sc.state.items()):
        p = f"state.{name}"
        init = b.quantity(var.initial, f"{p}.initial")
        initial.append(init)
        pers = b.quantity(var.persistence, f"{p}.persistence")
        bl = init if var.baseline is None else b.quantity(var.baseline, f"{p}.baseline")
        if var.kind == "level":
            if pers.is_const and bl.is_const:
                pm1[s], base[s] = pers.const - 1.0, bl.const
            else:
                persistence_terms.append((s, pers, bl))
        else:
            assert var.rate is not None
            rate = b.value(var.rate, f"{p}.rate")
            disp = None
            if var.distribution == "negative_binomial" and var.dispersion is not None:
                disp = b.quantity(var.dispersion, f"{p}.dispersion")
            counts.append(CountInfo(s, rate, disp, float(var.range[0]), float(var.range[1])))

    actors = tuple(sc.actors)
    n_levers = sum(d.kind == "lever" for a in sc.actors.values() for d in a.decisions.values())
    w_state = np.zeros((len(actors), n_state))
    w_lever = np.zeros((len(actors), n_levers))
    weight_terms: list[tuple[int, int, int, int]] = []
    decisions: list[DecisionInfo] = []
    option_effects: list[Effects | None] = []
    level_effects: list[Effects | None] = []
    option_cost: list[np.ndarray] = []
    level_cost: list[np.ndarray] = []
    cost_terms: list[tuple[int, int, int]] = []
    step_cost: list[Value] = []
    rationality: dict[tuple[str, str, str], Value] = {}

    def policy_params(owner: str, actor: str, policy: Mapping[str, Any], path: str) -> None:
        for did, pol in policy.items():
            if isinstance(pol, LogitPolicy):
                rationality[(owner, actor, did)] = b.quantity(pol.rationality, f"{path}.{did}.rationality")

    for a_i, (a, actor) in enumerate(sc.actors.items()):
        for key, q in actor.utility.items():
            v = b.weight(q, f"actors.{a}.utility.{key}")
            kind, idx, _ = names.get(key, (-1, -1, -1))
            if kind not in (STATE, LEVER):
                raise ValueError(f"actors.{a}.utility: {key!r} is neither a state variable nor a lever")
            target = w_state if kind == STATE else w_lever
            if v.is_const:
                target[a_i, idx] += v.const
            else:
                weight_terms.append((a_i, 0 if kind == STATE else 1, idx, v.param))
        for did, dec in actor.decisions.items():
            p = f"actors.{a}.decisions.{did}"
            d = len(decisions)
            opts = dec.option_ids()
            head = (d, a, a_i, did, f"{a}.{did}", dec.label, dec.kind, opts)
            default = opts.index(dec.default_option())
            if dec.kind == "choice":
                eff = b.effects(
                    [o.effects for o in dec.options.values()],
                    [f"{p}.options.{oid}.effects" for oid in dec.options],
                    state,
                    level_mask,
                    True,
                )
                costs = [b.weight(o.cost, f"{p}.options.{oid}.cost") for oid, o in dec.options.items()]
                option_effects.append(eff if eff.columns or eff.terms else None)
                option_cost.append(np.array([c.const for c in costs]))
                cost_terms += [(d, o, c.param) for o, c in enumerate(costs) if not c.is_const]
                labels = tuple(o.label for o in dec.options.values())
                decisions.append(DecisionInfo(*head, labels, default))
            else:
                lev = len(level_effects)
                eff = b.effects(
                    [lv.effects for lv in dec.levels.values()],
                    [f"{p}.levels.{lid}.effects" for lid in dec.levels],
                    state,
                    level_mask,
                    True,
                )
                costs = [b.weight(lv.cost, f"{p}.levels.{lid}.cost") for lid, lv in dec.levels.items()]
                level_effects.append(eff if eff.columns or eff.terms else None)
                level_cost.append(np.array([c.const for c in costs]))
                cost_terms += [(d, k, c.param) for k, c in enumerate(costs) if not c.is_const]
                step_cost.append(b.quantity(dec.step_cost, f"{p}.step_cost"))
                option_effects.append(None)
                option_cost.append(np.zeros(3))
                level_labels = tuple(lv.label for lv in dec.levels.values())
                decisions.append(DecisionInfo(*head, opts, default, lev, tuple(dec.levels), level_labels))
        policy_params("actor", a, actor.policy, f"actors.{a}.policy")

    interactions = tuple(
        InteractionInfo(
            iid,
            it.label,
            b.condition(it.when),
            b.effects([it.effects], [f"interactions.{iid}.effects"], state, level_mask, False),
        )
        for iid, it in sc.interactions.items()
    )
    influences: list[tuple[str, int, Value]] = []
    for iid, inf in sc.dynamics.items():
        if inf.target not in sc.state:
            raise ValueError(f"dynamics.{iid}: unknown target {inf.target!r}")
        v = b.value(inf.add, f"dynamics.{iid}.add")
        if level_mask[state.index(inf.target)]:
            influences.append((iid, state.index(inf.target), v))
    events = []
    for eid, evt in sc.events.items():
        prob = b.value(evt.probability, f"events.{eid}.probability")
        eff = b.effects([evt.effects], [f"events.{eid}.effects"], state, level_mask, False)
        events.append(EventInfo(eid, evt.label, prob, evt.once, eff))
    payoff_tables = tuple(_payoff_table(b, sc, pid, decisions) for pid in sc.payoffs)
    for sid, strat in sc.strategies.items():
        # a relative strategy's rationalities are its own, whatever seat it plays: keyed by "*"
        seat = RELATIVE if strat.is_relative else strat.actor or sc.player
        policy_params(f"strategy:{sid}", seat, own_policy(strat), f"strategies.{sid}.policy")
    endings = tuple(
        EndingInfo(eid, e.label, e.outcome, b.condition(e.when), e.min_turn) for eid, e in sc.endings.items()
    )

    levers = [dd for dd in decisions if dd.lever >= 0]
    lever_models = [sc.actors[dd.actor].decisions[dd.id] for dd in levers]
    compiled = CompiledScenario(
        scenario=sc,
        scenario_id=sc.id,
        scenario_hash=digest,
        turns=sc.turns,
        discount=float(sc.discount),
        state_names=tuple(state),
        level_mask=level_mask,
        count_idx=np.flatnonzero(~level_mask),
        lows=lows,
        highs=highs,
        initial=tuple(initial),
        actors=actors,
        decisions=tuple(decisions),
        decision_index={dd.key: dd.index for dd in decisions},
        lever_decisions=np.array([dd.index for dd in levers], dtype=np.int64),
        n_levels=np.array([len(m.levels) for m in lever_models], dtype=np.int64),
        initial_levels=np.array(
            [list(m.levels).index(m.initial_level()) for m in lever_models], dtype=np.int64
        ),
        defaults=np.array([dd.default for dd in decisions], dtype=np.int64),
        option_effects=tuple(option_effects),
        level_effects=tuple(level_effects),
        interactions=interactions,
        persistence_m1=pm1,
        baseline=base,
        persistence_terms=tuple(persistence_terms),
        influences=tuple(influences),
        events=tuple(events),
        counts=tuple(counts),
        endings=endings,
        ending_ids=(*(e.id for e in endings), HORIZON),
        w_state=w_state,
        w_lever=w_lever,
        weight_terms=tuple(weight_terms),
        option_cost=tuple(option_cost),
        level_cost=tuple(level_cost),
        cost_terms=tuple(cost_terms),
        step_cost=tuple(step_cost),
        param_specs=tuple(b.specs),
        param_values=param_values,
        rationality=rationality,
        names=names,
        n_uniform=len(decisions) + len(events) + len(counts),
        n_normal=b.n_normal,
        conditions=dict(b.cache),
        payoff_tables=payoff_tables,
        prob_end=float(sc.prob_end),
        noise=float(sc.noise),
        option_offset=np.cumsum([0] + [len(dd.option_ids) for dd in decisions[:-1]], dtype=np.int64)[
            : len(decisions)
        ],
        track_counts=track_counts,
        history_k=history_k,
        last_k={name: _lookback(name) for name in names if name.startswith("last(")},
        marks=marks,
    )
    check_footprint(compiled)  # LimitExceeded when one block of its runs cannot fit the memory budget
    return compiled


def _payoff_table(b: _Builder, sc: Scenario, pid: str, decisions: list[DecisionInfo]) -> PayoffInfo:
    """One payoff table as a dense array over the players' option profiles, plus its non-constant cells."""
    pt = sc.payoffs[pid]
    by_key = {dd.key: dd for dd in decisions}
    players = [by_key[key] for key in pt.players]
    shape = tuple(len(dd.option_ids) for dd in players)
    table = np.zeros((int(np.prod(shape)), len(players)))
    terms: list[tuple[int, int, Value]] = []
    for profile, player, cell, fixed in cells(pt, [dd.option_ids for dd in players]):
        row = int(np.ravel_multi_index(profile, shape))
        path = f"payoffs.{pid}.{'.'.join(map(str, profile))}.{player}"
        if isinstance(cell, str) and fixed:  # the symmetric form: k and n are numbers here
            cell = ex.substitute(cell, {name: f"({value:g})" for name, value in fixed.items()})
        value = b.value(cell, path)
        if value.is_const:
            table[row, player] = value.const
        else:
            terms.append((row, player, value))
    actors = tuple(dd.actor_index for dd in players)
    return PayoffInfo(
        pid, pt.label or pid, tuple(dd.index for dd in players), actors, shape, table, tuple(terms)
    )


_hash = scenario_hash
