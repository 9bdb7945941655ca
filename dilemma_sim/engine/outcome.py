"""The arithmetic of one turn on N rows (steps 3–7 of docs/architecture.md), sampled or expected.

`evaluate` is shared by `step.step` (with the turn's draws) and the expected one-turn payoffs
(without: noise at 0, events weighted by probability, counts at their rate, a later count's rate
reading the earlier counts' rates). Loops run over scenario elements, never over runs; no matmul,
so a run's numbers do not depend on N.
"""

from __future__ import annotations

import numpy as np

from dilemma_sim.engine.finite import check_dispersion, check_rate
from dilemma_sim.engine.sampling import TurnDraws, count_ppf
from dilemma_sim.engine.state import Env, fortran
from dilemma_sim.engine.tables import CHECKING, CompiledScenario, Effects, EffectTerm, require_finite

Array = np.ndarray

RUN_OVER = "run over: final state"
"""Breakdown source of the payoff of a run that is over (its final utility)."""


class Breakdown:
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


def _weighted_sum(
    weights: Array, x: Array, params: Array, terms: tuple[tuple[int, int, int, int], ...], kind: int
) -> Array:
    # Column by column, not a matmul: BLAS may sum in another order for another N, and a run must
    # come out bit-identical whatever batch it is in.
    pay = np.zeros((x.shape[0], weights.shape[0]), order="F")
    for a in range(weights.shape[0]):
        col = pay[:, a]
        for j in np.flatnonzero(weights[a]):
            col += weights[a, j] * x[:, j]
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


def final_utility(cs: CompiledScenario, x: np.ndarray, levels: np.ndarray, params: np.ndarray) -> np.ndarray:
    """(N, A) what a run that is over earns each remaining turn: utility of its final state `x` (N, S),
    counts at 0 (violence ended with the run), and levels (N, L); no costs."""
    x = fortran(x.copy())
    x[:, cs.count_idx] = 0.0
    pay = state_utility(cs, x, params)
    if cs.n_levers:
        pay += lever_utility(cs, levels, params)
    return pay


def move_levers(cs: CompiledScenario, levels: np.ndarray, choices: np.ndarray) -> np.ndarray:
    """(N, L) levels after lower/hold/raise (options 0/1/2), clipped to each lever's levels."""
    if cs.n_levers == 0:
        return levels.copy()
    moved = levels + (choices[:, cs.lever_decisions] - 1)
    return fortran(np.clip(moved, 0, cs.n_levels - 1))


def _noisy(value: Array | float, term: EffectTerm, env: Env, params: Array, z: Array | None) -> Array | float:
    if z is None or term.noise is None:
        return value
    return value + term.noise(env, params) * z[:, term.slot]


def _indexed_effects(
    delta: Array,
    eff: Effects,
    idx: Array,
    env: Env,
    params: Array,
    z: Array | None,
    bd: Breakdown | None,
    keys: list[str],
) -> None:
    """Effects of the option or level `idx` (N,) each run has, from a table plus terms."""
    for s in eff.columns:
        delta[:, s] += eff.table[:, s].take(idx)
    for t in eff.terms:
        hit = idx == t.option
        v = _noisy(t.value(env, params), t, env, params, z)
        np.add(delta[:, t.target], v, out=delta[:, t.target], where=hit)
        if bd is not None:
            bd.add(keys[t.option], t.target, np.where(hit, v, 0.0))
    if bd is not None:
        for o, row in enumerate(eff.table):
            if row.any():
                hit = idx == o
                for s in eff.columns:
                    bd.add(keys[o], s, np.where(hit, row[s], 0.0))


def _weighted_effects(
    delta: Array,
    eff: Effects,
    w: Array,
    env: Env,
    params: Array,
    z: Array | None,
    bd: Breakdown | None,
    key: str,
) -> None:
    """Effects applied where the bool mask `w` holds, or scaled by the float weight `w` (expected mode)."""
    mask = w.dtype == np.bool_
    if mask and bd is None:
        rows = np.flatnonzero(w)
        if rows.size == 0:
            return
        if rows.size * 4 < w.size:  # rare events: add on the rows where they fired
            for s in eff.columns:
                delta[rows, s] += eff.table[0, s]
            for t in eff.terms:
                val = _noisy(t.value(env, params), t, env, params, z)
                delta[rows, t.target] += val[rows] if isinstance(val, np.ndarray) and val.ndim else val
            return
    for s in eff.columns:
        c = eff.table[0, s]
        if mask:
            np.add(delta[:, s], c, out=delta[:, s], where=w)
        else:
            delta[:, s] += w * c
        if bd is not None:
            bd.add(key, s, np.where(w, c, 0.0) if mask else w * c)
    for t in eff.terms:
        val = _noisy(t.value(env, params), t, env, params, z)
        if mask:
            np.add(delta[:, t.target], val, out=delta[:, t.target], where=w)
        else:
            delta[:, t.target] += w * val
        if bd is not None:
            bd.add(key, t.target, np.where(w, val, 0.0) if mask else w * val)


def evaluate(
    cs: CompiledScenario,
    env: Env,
    x: Array,
    lev: Array,
    lev_new: Array,
    choices: Array,
    fired_once: Array,
    params: Array,
    draws: TurnDraws | None,
    bd: Breakdown | None,
) -> tuple[Array, Array, Array, Array, Array]:
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
    checking = CHECKING.get()
    for it in cs.interactions:
        raw = it.when(env)
        if checking:
            require_finite(raw, f"interactions.{it.id}.when")
        w = np.broadcast_to(np.asarray(raw) != 0, (n,))
        _weighted_effects(delta, it.effects, w, env, params, z, bd, f"interaction: {it.id}")
    for s in map(int, np.flatnonzero(cs.persistence_m1)):
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

    # Counts in file order on x3, which starts as x2 and takes each count as it is drawn: a rate reads
    # the counts drawn before it this turn, its own and later counts' previous draws, and x2's levels.
    # Expected mode (draws None) plugs each count's clipped rate in, so later rates chain on it.
    x3 = x2.copy(order="F")
    env3 = env.with_state(x3)
    counts = np.empty((n, len(cs.counts)), order="F")
    for c, ci in enumerate(cs.counts):
        rate = np.broadcast_to(np.maximum(ci.rate(env3, params), 0.0), (n,))
        check_rate(rate, ci.rate.origin, ci.rate.source)
        if draws is not None:
            disp = None if ci.dispersion is None else ci.dispersion(env3, params)
            if disp is not None:
                check_dispersion(disp, ci.dispersion.origin if ci.dispersion else "")
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


def _pay_costs(
    cs: CompiledScenario,
    pay: Array,
    lev: Array,
    lev_new: Array,
    choices: Array,
    env: Env,
    params: Array,
    bd: Breakdown | None,
) -> None:
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


def finish_breakdown(
    cs: CompiledScenario,
    bd: Breakdown,
    x: Array,
    lev: Array,
    lev_new: Array,
    x2: Array,
    x3: Array,
    params: Array,
    alive: Array,
    final: Array,
) -> dict[str, Array]:
    """Payoff contributions (N, A) by source; they sum to the turn's payoff.

    Runs already over get one source, `run over: final state`, their final utility `final` (N, A).
    """
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
    table = {k: np.where(live, v, 0.0) for k, v in out.items() if k == "start of turn" or np.any(v != 0)}
    if not alive.all():
        table[RUN_OVER] = np.where(live, 0.0, final)
    return table
