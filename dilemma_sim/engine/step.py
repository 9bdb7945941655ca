"""One turn for a batch of runs (steps 2–8 of docs/architecture.md), expected payoffs, and deciding.

Pure functions over arrays: nothing here keeps state or touches a random generator; the turn's
draws come in as `TurnDraws`. Loops run over scenario elements (decisions, events, terms), never
over runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from dilemma_sim.engine.compile import CompiledScenario, Effects
from dilemma_sim.engine.sampling import TurnDraws, count_ppf
from dilemma_sim.engine.state import BatchState, Env, fortran


@dataclass(frozen=True, eq=False)
class TurnResult:
    """What one turn did to every run; runs already over show -1 choices, no events, 0 counts and payoffs."""

    turn: int
    choices: np.ndarray
    """(N, D) option indices (-1 for runs already over)."""
    events: np.ndarray
    """(N, E) bool: fired this turn."""
    counts: np.ndarray
    """(N, C) counts drawn this turn (0 for runs already over)."""
    payoffs: np.ndarray
    """(N, A) payoff this turn."""
    state: np.ndarray
    """(N, S) state after the turn."""
    levels: np.ndarray
    """(N, L) lever levels after the turn."""
    ending: np.ndarray
    """(N,) ending reached this turn (-1 none)."""
    batch: BatchState
    """The batch after the turn."""
    breakdown: dict[str, np.ndarray] | None = None
    """Source -> (N, A) contribution to this turn's payoff (when asked for); sums to `payoffs`."""


class _Breakdown:
    """Collects per-source state deltas and costs; turned into payoff contributions at the end."""

    def __init__(self, n: int, n_state: int) -> None:
        self.n, self.n_state = n, n_state
        self.deltas: dict[str, np.ndarray] = {}
        self.costs: dict[str, np.ndarray] = {}

    def add(self, key: str, column: int, values: np.ndarray | float) -> None:
        arr = self.deltas.get(key)
        if arr is None:
            arr = self.deltas[key] = np.zeros((self.n, self.n_state))
        arr[:, column] += values

    def cost(self, key: str, actor: int, n_actors: int, values: np.ndarray | float) -> None:
        arr = self.costs.get(key)
        if arr is None:
            arr = self.costs[key] = np.zeros((self.n, n_actors))
        arr[:, actor] -= values


def _weighted_sum(weights: np.ndarray, x: np.ndarray, params: np.ndarray, terms, kind: int) -> np.ndarray:
    # Column by column, not a matmul: BLAS may sum in another order for another N, and a run must
    # come out bit-identical whatever batch it is in.
    pay = np.zeros((x.shape[0], weights.shape[0]), order="F")
    for a in range(weights.shape[0]):
        col = pay[:, a]
        for s in np.flatnonzero(weights[a]):
            col += weights[a, s] * x[:, s]
    for a, k_kind, s, k in terms:
        if k_kind == kind:
            pay[:, a] += params[:, k] * x[:, s]
    return pay


def state_utility(cs: CompiledScenario, x: np.ndarray, params: np.ndarray) -> np.ndarray:
    """(N, A) sum of state weights times `x` (N, S), sampled weights included."""
    return _weighted_sum(cs.w_state, x, params, cs.weight_terms, 0)


def lever_utility(cs: CompiledScenario, levels: np.ndarray, params: np.ndarray) -> np.ndarray:
    """(N, A) sum of lever weights times level indices (N, L)."""
    return _weighted_sum(cs.w_lever, fortran(levels.astype(np.float64)), params, cs.weight_terms, 1)


def move_levers(cs: CompiledScenario, levels: np.ndarray, choices: np.ndarray) -> np.ndarray:
    """(N, L) levels after lower/hold/raise (options 0/1/2), clipped to each lever's levels."""
    if cs.n_levers == 0:
        return levels.copy()
    moved = levels + (choices[:, cs.lever_decisions] - 1)
    return fortran(np.clip(moved, 0, cs.n_levels - 1))


def _noisy(term_value: np.ndarray | float, term: object, env: Env, params: np.ndarray, z: np.ndarray | None):
    noise = term.noise  # type: ignore[attr-defined]
    if z is None or noise is None:
        return term_value
    return term_value + noise(env, params) * z[:, term.slot]  # type: ignore[attr-defined]


def _indexed_effects(delta, eff: Effects, idx, env, params, z, bd, keys) -> None:
    """Effects of the option or level `idx` (N,) each run has, from a table plus terms."""
    for s in eff.columns:
        delta[:, s] += eff.table[:, s].take(idx)
    for t in eff.terms:
        v = np.where(idx == t.option, _noisy(t.value(env, params), t, env, params, z), 0.0)
        delta[:, t.target] += v
        if bd is not None:
            bd.add(keys[t.option], t.target, v)
    if bd is not None:
        for o, row in enumerate(eff.table):
            if row.any():
                hit = idx == o
                for s in eff.columns:
                    bd.add(keys[o], s, np.where(hit, row[s], 0.0))


def _weighted_effects(delta, eff: Effects, w, env, params, z, bd, key) -> None:
    """Effects applied where the bool mask `w` holds, or scaled by the float weight `w` (expected mode)."""
    mask = w.dtype == np.bool_
    for s in eff.columns:
        c = eff.table[0, s]
        v = np.where(w, c, 0.0) if mask else w * c
        delta[:, s] += v
        if bd is not None:
            bd.add(key, s, v)
    for t in eff.terms:
        val = _noisy(t.value(env, params), t, env, params, z)
        v = np.where(w, val, 0.0) if mask else w * val
        delta[:, t.target] += v
        if bd is not None:
            bd.add(key, t.target, v)


def _evaluate(cs: CompiledScenario, env: Env, x, lev, lev_new, choices, fired_once, params, draws, bd):
    """Steps 3–7 on N rows (`draws=None`: the expected outcome). Returns x2, x3, payoffs, fired, counts."""
    n = x.shape[0]
    z = None if draws is None else draws.normals
    delta = np.zeros(x.shape, order="F")
    for d, eff in enumerate(cs.option_effects):
        if eff is not None:
            info = cs.decisions[d]
            keys = [f"choice: {info.key} = {o}" for o in info.option_ids] if bd is not None else []
            _indexed_effects(delta, eff, choices[:, d], env, params, z, bd, keys)
    for lv, eff in enumerate(cs.level_effects):
        if eff is not None:
            info = cs.decisions[int(cs.lever_decisions[lv])]
            keys = [f"lever: {info.key} = {o}" for o in info.level_ids] if bd is not None else []
            _indexed_effects(delta, eff, lev_new[:, lv], env, params, z, bd, keys)
    for it in cs.interactions:
        w = np.broadcast_to(np.asarray(it.when(env)) != 0, (n,))
        _weighted_effects(delta, it.effects, w, env, params, z, bd, f"interaction: {it.id}")
    for s in np.flatnonzero(cs.persistence_m1):
        v = cs.persistence_m1[s] * (x[:, s] - cs.baseline[s])
        delta[:, s] += v
        if bd is not None:
            bd.add("dynamics: persistence", s, v)
    for s, pers, base in cs.persistence_terms:
        v = (pers(env, params) - 1.0) * (x[:, s] - base(env, params))
        delta[:, s] += v
        if bd is not None:
            bd.add("dynamics: persistence", s, v)
    for iid, s, value in cs.influences:
        v = value(env, params)
        delta[:, s] += v
        if bd is not None:
            bd.add(f"dynamics: {iid}", s, v)
    x1 = x + delta

    env1 = env.with_state(x1)
    fired = np.zeros((n, len(cs.events)), dtype=bool, order="F")
    ev_delta = np.zeros(x.shape, order="F")
    for e, ev in enumerate(cs.events):
        p = ev.probability(env1, params)
        if draws is not None:
            w = draws.uniforms[:, cs.event_slot(e)] < p
            if ev.once:
                w &= ~fired_once[:, e]
            fired[:, e] = w
        else:
            w = np.broadcast_to(np.clip(p, 0.0, 1.0), (n,))
            if ev.once:
                w = np.where(fired_once[:, e], 0.0, w)
        if ev.effects.columns or ev.effects.terms:
            _weighted_effects(ev_delta, ev.effects, w, env1, params, z, bd, f"event: {ev.id}")
    x2 = x1 + ev_delta

    env2 = env.with_state(x2)
    x3 = x2.copy(order="F")
    counts = np.empty((n, len(cs.counts)), order="F")
    for c, ci in enumerate(cs.counts):
        rate = np.broadcast_to(np.maximum(ci.rate(env2, params), 0.0), (n,))
        if draws is not None:
            disp = None if ci.dispersion is None else ci.dispersion(env2, params)
            k = count_ppf(draws.uniforms[:, cs.count_slot(c)], rate, disp, cap=ci.high)
        else:
            k = rate
        counts[:, c] = np.clip(k, ci.low, ci.high)
        x3[:, ci.column] = counts[:, c]
    np.clip(x3, cs.lows, cs.highs, out=x3)

    pay = state_utility(cs, x3, params)
    if cs.n_levers:
        pay += lever_utility(cs, lev_new, params)
    _pay_costs(cs, pay, lev, lev_new, choices, env, params, bd)
    return x2, x3, pay, fired, counts


def _pay_costs(cs, pay, lev, lev_new, choices, env, params, bd) -> None:
    A = len(cs.actors)
    for d, info in enumerate(cs.decisions):
        a, key = info.actor_index, f"cost: {info.key}"
        if info.lever < 0:
            table = cs.option_cost[d]
            if table.any():
                v = table.take(choices[:, d])
                pay[:, a] -= v
                if bd is not None:
                    bd.cost(key, a, A, v)
            continue
        lv = info.lever
        table, step = cs.level_cost[lv], cs.step_cost[lv]
        if table.any():
            v = table.take(lev_new[:, lv])
            pay[:, a] -= v
            if bd is not None:
                bd.cost(key, a, A, v)
        if not (step.is_const and step.const == 0.0):
            v = np.where(lev_new[:, lv] != lev[:, lv], step(env, params), 0.0)
            pay[:, a] -= v
            if bd is not None:
                bd.cost(key, a, A, v)
    for d, o, k in cs.cost_terms:
        info = cs.decisions[d]
        held = lev_new[:, info.lever] if info.lever >= 0 else choices[:, d]
        v = np.where(held == o, params[:, k], 0.0)
        pay[:, info.actor_index] -= v
        if bd is not None:
            bd.cost(f"cost: {info.key}", info.actor_index, A, v)


def _finish_breakdown(cs, bd: _Breakdown, x, lev, lev_new, x2, x3, params, alive) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {"start of turn": state_utility(cs, x, params)}
    if cs.n_levers:
        out["start of turn"] = out["start of turn"] + lever_utility(cs, lev, params)
    for key, delta in bd.deltas.items():
        out[key] = state_utility(cs, delta, params)
    for ci in cs.counts:
        d = np.zeros_like(x)
        d[:, ci.column] = x3[:, ci.column] - x[:, ci.column]
        out[f"counts: {cs.state_names[ci.column]}"] = state_utility(cs, d, params)
    out["bounds"] = state_utility(cs, np.where(cs.level_mask, x3 - x2, 0.0), params)
    if cs.n_levers:
        out["lever levels"] = lever_utility(cs, lev_new - lev, params)
    out.update(bd.costs)
    live = alive[:, None]
    return {k: np.where(live, v, 0.0) for k, v in out.items() if k == "start of turn" or np.any(v != 0)}


def step(
    cs: CompiledScenario, batch: BatchState, choices: np.ndarray, draws: TurnDraws, *, breakdown: bool = False
) -> TurnResult:
    """Play one turn (levers, deltas, events, counts, clip, score, endings) with the given choices (N, D)."""
    n, turn = batch.n, batch.turn
    if turn >= cs.turns:
        raise ValueError(f"the scenario has {cs.turns} turns; turn {turn} cannot be played")
    choices = np.asarray(choices, dtype=np.int64)
    if choices.shape != (n, len(cs.decisions)):
        raise ValueError(f"choices must have shape {(n, len(cs.decisions))}, got {choices.shape}")
    choices = fortran(choices)
    alive = batch.alive
    lev_new = move_levers(cs, batch.levels, choices)
    env = Env(cs, batch.state, lev_new, choices, batch.prev_choices, batch.params, turn)
    bd = _Breakdown(n, len(cs.state_names)) if breakdown else None
    x2, x3, pay, fired, counts = _evaluate(
        cs, env, batch.state, batch.levels, lev_new, choices, batch.fired_once, batch.params, draws, bd
    )
    table = None
    if bd is not None:
        table = _finish_breakdown(cs, bd, batch.state, batch.levels, lev_new, x2, x3, batch.params, alive)
    shown = choices
    if not alive.all():
        dead = ~alive
        x3[dead] = batch.state[dead]
        lev_new[dead] = batch.levels[dead]
        pay[dead] = 0.0
        fired[dead] = False
        counts[dead] = 0.0
        shown = choices.copy(order="F")
        shown[dead] = -1
    ending = np.full(n, -1, dtype=np.int64)
    open_ = alive.copy()
    end_env = env.with_state(x3)
    for i, e in enumerate(cs.endings):
        if turn >= e.min_turn and open_.any():
            hit = np.broadcast_to(np.asarray(e.when(end_env)) != 0, (n,)) & open_
            ending[hit] = i
            open_ &= ~hit
    if turn == cs.turns - 1:
        ending[open_] = len(cs.endings)
    ended = ending >= 0
    after = BatchState(
        state=x3,
        levels=lev_new,
        prev_choices=shown if alive.all() else fortran(np.where(alive[:, None], choices, batch.prev_choices)),
        fired_once=batch.fired_once | fired,
        turn=turn + 1,
        alive=alive & ~ended,
        ending=np.where(ended, ending, batch.ending),
        ended_turn=np.where(ended, turn, batch.ended_turn),
        payoff_total=batch.payoff_total + pay,
        payoff_discounted=batch.payoff_discounted + cs.discount**turn * pay,
        params=batch.params,
        run_index=batch.run_index,
    )
    return TurnResult(turn, shown, fired, counts, pay, x3, lev_new, ending, after, table)


# --------------------------------------------------------------------------- expected payoffs


def base_choices(cs: CompiledScenario, batch: BatchState) -> np.ndarray:
    """(N, D) last turn's choices, the default options before the first turn."""
    return fortran(np.where(batch.prev_choices < 0, cs.defaults, batch.prev_choices))


def response_profile(cs: CompiledScenario, batch: BatchState, decision: int) -> np.ndarray:
    """(N, D) the profile a decision is judged against: others at last turn's choices, own others default."""
    prof = base_choices(cs, batch)
    actor = cs.decisions[decision].actor_index
    for info in cs.decisions:
        if info.actor_index == actor and info.index != decision:
            prof[:, info.index] = info.default
    return prof


def expected_profiles(cs: CompiledScenario, batch: BatchState, profiles: np.ndarray) -> np.ndarray:
    """(N, K, A) expected one-turn payoffs of every actor for K choice profiles per run (N, K, D)."""
    n, k, n_dec = profiles.shape
    rows = np.repeat(np.arange(n), k)
    x, lev = fortran(batch.state[rows]), fortran(batch.levels[rows])
    params, prev = fortran(batch.params[rows]), fortran(batch.prev_choices[rows])
    ch = fortran(profiles.reshape(n * k, n_dec).astype(np.int64))
    lev_new = move_levers(cs, lev, ch)
    env = Env(cs, x, lev_new, ch, prev, params, batch.turn)
    pay = _evaluate(cs, env, x, lev, lev_new, ch, batch.fired_once[rows], params, None, None)[2]
    return pay.reshape(n, k, len(cs.actors))


def _actor(cs: CompiledScenario, actor: int | str) -> int:
    return cs.actors.index(actor) if isinstance(actor, str) else int(actor)


def expected_payoffs(
    cs: CompiledScenario, batch: BatchState, actor: int | str, decision_index: int, fixed_choices: np.ndarray
) -> np.ndarray:
    """(N, n_options) expected one-turn payoff of `actor` for each option of one decision, others fixed (N, D)."""
    m = len(cs.decisions[decision_index].option_ids)
    prof = np.repeat(np.asarray(fixed_choices)[:, None, :], m, axis=1)
    prof[:, :, decision_index] = np.arange(m)
    return expected_profiles(cs, batch, prof)[:, :, _actor(cs, actor)]


def stage_payoffs(
    cs: CompiledScenario,
    batch: BatchState,
    row: tuple[int | str, int],
    col: tuple[int | str, int],
    base: np.ndarray,
) -> np.ndarray:
    """(N, m, n, 2) expected one-turn payoffs of the row and column actors for every option pair."""
    (ra, rd), (ca, cd) = row, col
    m, k = len(cs.decisions[rd].option_ids), len(cs.decisions[cd].option_ids)
    prof = np.repeat(np.asarray(base)[:, None, :], m * k, axis=1)
    prof[:, :, rd] = np.repeat(np.arange(m), k)
    prof[:, :, cd] = np.tile(np.arange(k), m)
    pay = expected_profiles(cs, batch, prof).reshape(batch.n, m, k, len(cs.actors))
    return np.stack([pay[..., _actor(cs, ra)], pay[..., _actor(cs, ca)]], axis=-1)


# --------------------------------------------------------------------------- deciding


class Policy(Protocol):
    """How one decision is taken: `choose` returns (N,) option indices."""

    decision: int
    needs_payoffs: bool

    def choose(self, ctx: DecisionContext) -> np.ndarray: ...


@dataclass(eq=False)
class DecisionContext:
    """What policies see while deciding one turn."""

    cs: CompiledScenario
    batch: BatchState
    draws: TurnDraws | None
    env: Env
    """State, current levers, `prev.*`, parameters and turn (no this-turn choices)."""
    external: Mapping[int, np.ndarray | int] = field(default_factory=dict)
    """Decision index -> option indices given from outside (a person), (N,) or scalar."""
    payoffs: dict[int, np.ndarray] = field(default_factory=dict)

    def uniform(self, decision: int) -> np.ndarray:
        """(N,) the decision's uniform draw this turn."""
        if self.draws is None:
            raise ValueError("this policy needs the turn's draws")
        return self.draws.uniforms[:, decision]

    def expected(self, decision: int) -> np.ndarray:
        """(N, n_options) expected one-turn payoffs of the decision's actor for each of its options."""
        if decision not in self.payoffs:
            self.payoffs.update(response_payoffs(self.cs, self.batch, [decision]))
        return self.payoffs[decision]


def response_payoffs(cs: CompiledScenario, batch: BatchState, decisions: Sequence[int]) -> dict[int, np.ndarray]:
    """Expected payoffs (N, n_options) of each decision against its response profile, in one evaluation."""
    profiles, spans = [], []
    at = 0
    for d in decisions:
        m = len(cs.decisions[d].option_ids)
        prof = np.repeat(response_profile(cs, batch, d)[:, None, :], m, axis=1)
        prof[:, :, d] = np.arange(m)
        profiles.append(prof)
        spans.append((d, at, at + m))
        at += m
    pay = expected_profiles(cs, batch, np.concatenate(profiles, axis=1))
    return {d: pay[:, lo:hi, cs.decisions[d].actor_index] for d, lo, hi in spans}


def decide(
    cs: CompiledScenario,
    batch: BatchState,
    policies: Sequence[Policy],
    draws: TurnDraws | None,
    external: Mapping[int, np.ndarray | int] | None = None,
) -> np.ndarray:
    """(N, D) every decision taken simultaneously by its policy from the start-of-turn batch."""
    if [p.decision for p in policies] != list(range(len(cs.decisions))):
        raise ValueError("need one policy per decision, in decision order")
    env = Env(cs, batch.state, batch.levels, None, batch.prev_choices, batch.params, batch.turn)
    ctx = DecisionContext(cs, batch, draws, env, dict(external or {}))
    need = [p.decision for p in policies if p.needs_payoffs]
    if need:
        ctx.payoffs.update(response_payoffs(cs, batch, need))
    out = np.empty((batch.n, len(cs.decisions)), dtype=np.int64, order="F")
    for p in policies:
        out[:, p.decision] = p.choose(ctx)
    return out
