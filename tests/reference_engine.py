"""A plain scalar reference of the turn semantics in docs/architecture.md: one run, Python floats, loops.

Written from the document, not from the engine: it walks the scenario model itself (its own order of
parameter and normal slots), reads the same block streams (`sampling.block_generator`) and takes its
own row, samples parameters with scipy.stats, and inverts count CDFs by bisection. Only the expression
compiler is shared (evaluated on scalars).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

from dilemma_sim.engine.sampling import BLOCK, block_generator
from dilemma_sim.scenario import expressions as ex
from dilemma_sim.scenario import models as m
from dilemma_sim.scenario.binding import bind_strategy, own_policy
from dilemma_sim.scenario.payoffs import cells

Path = tuple[str, ...]


def _effect_quantities(path: Path, effects: Mapping[str, Any]) -> Iterator[tuple[Path, Any]]:
    for target, eff in effects.items():
        if isinstance(eff, m.EffectSpec):
            yield (*path, target, "add"), eff.add
            yield (*path, target, "noise"), eff.noise
        else:
            yield (*path, target, "add"), eff
            yield (*path, target, "noise"), 0.0


def walk(sc: m.Scenario) -> Iterator[tuple[Path, Any]]:
    """Every quantity-or-expression of the scenario, in the documented parameter order."""
    for name, q in sc.parameters.items():
        yield ("parameters", name), q
    for name, var in sc.state.items():
        yield ("state", name, "initial"), var.initial
        yield ("state", name, "persistence"), var.persistence
        if var.baseline is not None:
            yield ("state", name, "baseline"), var.baseline
        if var.kind == "count":
            yield ("state", name, "rate"), var.rate
            if var.distribution == "negative_binomial":
                yield ("state", name, "dispersion"), var.dispersion
    for a, actor in sc.actors.items():
        for key, weight in actor.utility.items():
            yield ("actors", a, "utility", key), weight
        for did, dec in actor.decisions.items():
            p: Path = ("actors", a, did)
            items = dec.options if dec.kind == "choice" else dec.levels
            for oid, item in items.items():
                yield from _effect_quantities((*p, oid, "effects"), item.effects)
            for oid, item in items.items():
                yield (*p, oid, "cost"), item.cost
            if dec.kind == "lever":
                yield (*p, "step_cost"), dec.step_cost
        for did, pol in actor.policy.items():
            if isinstance(pol, m.LogitPolicy):
                yield ("policy", "actor", a, did), pol.rationality
    for iid, it in sc.interactions.items():
        yield from _effect_quantities(("interactions", iid), it.effects)
    for iid, inf in sc.dynamics.items():
        yield ("dynamics", iid), inf.add
    for eid, ev in sc.events.items():
        yield ("events", eid, "probability"), ev.probability
        yield from _effect_quantities(("events", eid, "effects"), ev.effects)
    for pid, pt in sc.payoffs.items():
        for profile, player, cell, _ in cells(pt, [_options(sc, key) for key in pt.players]):
            yield ("payoffs", pid, *map(str, profile), str(player)), cell
    for sid, strat in sc.strategies.items():
        seat = "*" if strat.is_relative else strat.actor or sc.player
        for did, pol in own_policy(strat).items():
            if isinstance(pol, m.LogitPolicy):
                yield ("policy", f"strategy:{sid}", seat, did), pol.rationality


def _options(sc: m.Scenario, key: str) -> tuple[str, ...]:
    actor, _, decision = key.partition(".")
    return sc.actors[actor].decisions[decision].option_ids()


def _sample(dist: m.Distribution, u: float) -> float:
    if isinstance(dist, m.Uniform):
        if dist.high == dist.low:
            return dist.low
        return float(stats.uniform(dist.low, dist.high - dist.low).ppf(u))
    if isinstance(dist, m.Normal):
        v = float(stats.norm(dist.mean, dist.sd).ppf(u)) if dist.sd > 0 else dist.mean
        lo = -math.inf if dist.low is None else dist.low
        hi = math.inf if dist.high is None else dist.high
        return min(max(v, lo), hi)
    if isinstance(dist, m.Beta):
        return dist.low + (dist.high - dist.low) * float(stats.beta(dist.a, dist.b).ppf(u))
    assert isinstance(dist, m.Triangular)
    if dist.high == dist.low:
        return dist.low
    c = (dist.mode - dist.low) / (dist.high - dist.low)
    return float(stats.triang(c, loc=dist.low, scale=dist.high - dist.low).ppf(u))


class _History(dict[str, float]):
    """An expression environment that answers `count.<choice>` and `last(k).<choice>` from the past turns.

    `count.a.d.o` is the number of turns played so far in which a.d chose o; `last(k).a.d.o` the number
    of the last k turns played (fewer at the start) in which it did.
    """

    def __init__(self, past: list[dict[str, str]], start: Mapping[str, float]) -> None:
        super().__init__(start)
        self.past = past

    def __missing__(self, name: str) -> float:
        history = ex.history_name(name)
        if history is None:
            raise KeyError(name)
        kind, k, choice = history
        key, _, option = choice.rpartition(".")
        turns = self.past if kind == "count" else self.past[-k:]
        return float(sum(1 for t in turns if t.get(key) == option))


def _draw(ids: tuple[str, ...], probabilities: Mapping[str, float], u: float) -> int:
    """Inverse CDF of a draw over the options at the uniform u (the last option with weight if u is past)."""
    probs = [probabilities.get(o, 0.0) for o in ids]
    acc = 0.0
    for o, p in enumerate(probs):
        acc += p
        if u < acc:
            return o
    return max(o for o, p in enumerate(probs) if p > 0)


def count_draw(u: float, mu: float, dispersion: float | None, high: float) -> float:
    """Smallest k in [0, ceil(high)] with CDF(k) >= u, by bisection on the exact CDF."""
    if mu <= 0 or u <= 0:
        return 0.0

    def cdf(k: int) -> float:
        if dispersion is None:
            return float(special.pdtr(k, mu))
        return float(special.betainc(dispersion, k + 1, dispersion / (dispersion + mu)))

    lo, hi = -1, math.ceil(high)
    if cdf(hi) < u:
        return float(hi)
    while hi - lo > 1:  # cdf(lo) < u <= cdf(hi)
        mid = (lo + hi) // 2
        if cdf(mid) >= u:
            hi = mid
        else:
            lo = mid
    return float(hi)


@dataclass
class Turn:
    """What one turn did to the run."""

    choices: dict[str, int]
    events: list[bool]
    counts: list[float]
    payoffs: list[float]
    state: list[float]
    levels: list[int]
    ending: int


@dataclass
class ReferenceRun:
    """One run of a scenario, played turn by turn with scalar arithmetic."""

    sc: m.Scenario
    seed: int
    run_index: int
    overrides: Mapping[str, str] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)

    def __post_init__(self) -> None:
        sc = self.sc
        self.decisions = [
            (a, did, dec) for a, actor in sc.actors.items() for did, dec in actor.decisions.items()
        ]
        self.keys = [f"{a}.{did}" for a, did, _ in self.decisions]
        self.levers = [
            k for k, (_, _, dec) in zip(self.keys, self.decisions, strict=True) if dec.kind == "lever"
        ]
        quantities = list(walk(sc))
        dists = [(p, q) for p, q in quantities if m.is_distribution(q)]
        noisy = [
            p
            for p, q in quantities
            if p[-1] == "noise"
            and not (isinstance(q, (int, float)) and q == 0)
            and not (isinstance(q, m.Fixed) and q.value == 0)
        ]
        self.normal_slot = {p[:-1]: i for i, p in enumerate(noisy)}
        self.gen = block_generator(self.seed, self.run_index // BLOCK)
        # prob_end's uniforms: the block's second stream, spawn key (block, 1)
        end_seq = np.random.SeedSequence(self.seed, spawn_key=(self.run_index // BLOCK, 1))
        self.end_gen = np.random.Generator(np.random.PCG64(end_seq))
        noise_seq = np.random.SeedSequence(self.seed, spawn_key=(self.run_index // BLOCK, 2))
        self.noise_gen = np.random.Generator(np.random.PCG64(noise_seq))
        self.row = self.run_index % BLOCK
        pu = self.gen.random((BLOCK, len(dists)))[self.row]
        sampled = {p: _sample(q, float(u) + 2.0**-54) for (p, q), u in zip(dists, pu, strict=True)}
        self.q: dict[Path, Any] = {}
        for p, q in quantities:
            if p in sampled:
                self.q[p] = sampled[p]
            elif isinstance(q, m.Fixed):
                self.q[p] = q.value
            elif isinstance(q, str) and p[0] == "actors" and (p[2] == "utility" or p[-1] == "cost"):
                self.q[p] = self.q[("parameters", q)]  # a weight or cost naming a parameter
            elif isinstance(q, str):
                node = ex.parse(q)
                self.q[p] = ex.compile_expr(node)
            elif q is not None:
                self.q[p] = float(q)
        self.x = {}
        for name, var in sc.state.items():
            lo, hi = var.range
            self.x[name] = min(max(self.q[("state", name, "initial")], lo), hi)
        self.lev = {}
        for key, (_, _, dec) in zip(self.keys, self.decisions, strict=True):
            if dec.kind == "lever":
                self.lev[key] = list(dec.levels).index(dec.initial_level())
        self.prev: dict[str, int] = {}
        self.past: list[dict[str, str]] = []
        """The option ids chosen in every turn played so far, oldest first."""
        self.fired: set[str] = set()
        self.turn = 0
        self.alive = True
        self.stopped = False
        self.total = [0.0] * len(sc.actors)
        self.discounted = [0.0] * len(sc.actors)
        self.ending = -1
        self.ended_turn = -1

    # ------------------------------------------------------------------ helpers

    def val(self, path: Path, env: Mapping[str, float]) -> float:
        v = self.q[path]
        return float(v(env)) if callable(v) else float(v)

    def env(
        self, x: Mapping[str, float], lev: Mapping[str, int], choices: Mapping[str, int] | None
    ) -> dict[str, float]:
        e: dict[str, float] = _History(self.past, x)
        for name in self.sc.parameters:
            e[name] = self.q[("parameters", name)]
        e.update({k: float(v) for k, v in lev.items()})
        for key, (_, _, dec) in zip(self.keys, self.decisions, strict=True):
            for o, oid in enumerate(dec.option_ids()):
                if choices is not None:
                    e[f"{key}.{oid}"] = 1.0 if choices[key] == o else 0.0
                e[f"prev.{key}.{oid}"] = 1.0 if self.prev.get(key) == o else 0.0
        e["turn"] = float(self.turn)
        return e

    def _add_effects(
        self,
        deltas: dict[str, float],
        path: Path,
        effects: Mapping[str, m.Effect],
        env: Mapping[str, float],
        z: list[float] | None,
        weight: float = 1.0,
    ) -> None:
        for target in effects:
            if self.sc.state[target].kind == "count":
                continue
            v = self.val((*path, target, "add"), env)
            slot = self.normal_slot.get((*path, target))
            if slot is not None and z is not None:
                v += self.val((*path, target, "noise"), env) * z[slot]
            deltas[target] += weight * v

    # ------------------------------------------------------------------ one turn

    def outcome(
        self, choices: Mapping[str, int], u: list[float] | None, z: list[float] | None
    ) -> tuple[dict[str, float], dict[str, int], list[bool], list[float], list[float]]:
        """Steps 2-7 from the current state; u/z None gives the expected one-turn outcome."""
        sc = self.sc
        lev = dict(self.lev)
        for key, (_, _, dec) in zip(self.keys, self.decisions, strict=True):
            if dec.kind == "lever":
                lev[key] = min(max(self.lev[key] + choices[key] - 1, 0), len(dec.levels) - 1)
        env = self.env(self.x, lev, choices)
        d = dict.fromkeys(sc.state, 0.0)
        for key, (a, did, dec) in zip(self.keys, self.decisions, strict=True):
            if dec.kind == "choice":
                oid = list(dec.options)[choices[key]]
                self._add_effects(d, ("actors", a, did, oid, "effects"), dec.options[oid].effects, env, z)
            else:
                lid = list(dec.levels)[lev[key]]
                self._add_effects(d, ("actors", a, did, lid, "effects"), dec.levels[lid].effects, env, z)
        for iid, it in sc.interactions.items():
            if ex.compile_expr(ex.parse(it.when))(env):
                self._add_effects(d, ("interactions", iid), it.effects, env, z)
        for name, var in sc.state.items():
            if var.kind == "level":
                pers = self.q[("state", name, "persistence")]
                base = self.q.get(("state", name, "baseline"), self.q[("state", name, "initial")])
                d[name] += (pers - 1.0) * (self.x[name] - base)
        for iid, inf in sc.dynamics.items():
            if sc.state[inf.target].kind == "level":
                d[inf.target] += self.val(("dynamics", iid), env)
        x1 = {k: self.x[k] + d[k] for k in sc.state}
        env1 = self.env(x1, lev, choices)
        fired = []
        ev = dict.fromkeys(sc.state, 0.0)
        for e, (eid, event) in enumerate(sc.events.items()):
            p = self.val(("events", eid, "probability"), env1)
            blocked = event.once and eid in self.fired
            if u is not None:
                fire = u[len(self.keys) + e] < p and not blocked
                fired.append(fire)
                if fire:
                    self._add_effects(ev, ("events", eid, "effects"), event.effects, env1, z)
            else:
                w = 0.0 if blocked else min(max(p, 0.0), 1.0)
                self._add_effects(ev, ("events", eid, "effects"), event.effects, env1, None, w)
        x2 = {k: x1[k] + ev[k] for k in sc.state}
        x3 = dict(x2)
        counts = []
        drawn: dict[str, float] = {}  # this turn's counts so far (expected: their clipped rates)
        slot = len(self.keys) + len(sc.events)
        for name, var in sc.state.items():
            if var.kind != "count":
                continue
            # the state after events, except that the counts drawn before this one are this turn's
            env_c = self.env({**x2, **drawn}, lev, choices)
            rate = max(self.val(("state", name, "rate"), env_c), 0.0)
            if u is not None:
                disp = self.q.get(("state", name, "dispersion"))
                k = count_draw(u[slot], rate, disp, var.range[1])
            else:
                k = rate
            slot += 1
            drawn[name] = min(max(k, var.range[0]), var.range[1])
            x3[name] = drawn[name]
            counts.append(x3[name])
        for name, var in sc.state.items():
            x3[name] = min(max(x3[name], var.range[0]), var.range[1])
        pay = []
        for a, actor in sc.actors.items():
            total = 0.0
            for key in actor.utility:
                w = self.q[("actors", a, "utility", key)]
                total += w * (x3[key] if key in sc.state else lev[key])
            for key, (aa, did, dec) in zip(self.keys, self.decisions, strict=True):
                if aa != a:
                    continue
                if dec.kind == "choice":
                    total -= self.q[("actors", a, did, list(dec.options)[choices[key]], "cost")]
                else:
                    total -= self.q[("actors", a, did, list(dec.levels)[lev[key]], "cost")]
                    if lev[key] != self.lev[key]:
                        total -= self.q[("actors", a, did, "step_cost")]
            pay.append(total)
        actors = list(sc.actors)
        for pid, pt in sc.payoffs.items():
            # the payoff table's cell of this turn's joint choices (k, n: the symmetric form's names)
            profile = tuple(choices[key] for key in pt.players)
            n = len(pt.players)
            for player, key in enumerate(pt.players):
                cell_env = dict(env)
                if pt.each is not None:
                    chosen = [_options(sc, k)[choices[k]] for k in pt.players]
                    cell_env.update(k=float(sum(c == pt.count for c in chosen)), n=float(n))
                path = ("payoffs", pid, *map(str, profile), str(player))
                pay[actors.index(key.partition(".")[0])] += self.val(path, _History(self.past, cell_env))
        return x3, lev, fired, counts, pay

    # ------------------------------------------------------------------ policies

    def base_profile(self, key: str) -> dict[str, int]:
        actor = key.split(".")[0]
        prof = {}
        for k, (a, _, dec) in zip(self.keys, self.decisions, strict=True):
            default = dec.option_ids().index(dec.default_option())
            prof[k] = default if (a == actor or k not in self.prev) else self.prev[k]
        return prof

    def expected(self, key: str) -> list[float]:
        i = self.keys.index(key)
        a, _, dec = self.decisions[i]
        actor = list(self.sc.actors).index(a)
        out = []
        for o in range(len(dec.option_ids())):
            prof = self.base_profile(key)
            prof[key] = o
            out.append(self.outcome(prof, None, None)[4][actor])
        return out

    def policy(self, key: str) -> tuple[Any, tuple[str, str, str] | None]:
        a, did = key.split(".")
        ov = self.overrides.get(a)
        if ov == "default":
            return None, None
        if ov == "random":
            return "random", None
        if ov is not None:
            bound = bind_strategy(self.sc, ov, a)  # a relative strategy in this seat's own names
            seat = "*" if self.sc.strategies[ov].is_relative else a
            return bound.policy.get(did), (f"strategy:{ov}", seat, bound.source.get(did, did))
        return self.sc.actors[a].policy.get(did), ("actor", a, did)

    def choose(self, key: str, u: float) -> int:
        dec = self.decisions[self.keys.index(key)][2]
        ids = dec.option_ids()
        pol, owner = self.policy(key)
        if pol is None or isinstance(pol, m.DefaultPolicy):
            return ids.index(dec.default_option())
        if pol == "random":
            pol = m.MixedPolicy(kind="mixed", probabilities=dict.fromkeys(ids, 1.0 / len(ids)))
        if isinstance(pol, m.FixedPolicy):
            return ids.index(pol.option)
        if isinstance(pol, m.MixedPolicy):
            return _draw(ids, pol.probabilities, u)
        if isinstance(pol, m.RulesPolicy):
            env = self.env(self.x, self.lev, None)
            chosen = pol.otherwise
            for rule in pol.rules:
                if ex.compile_expr(ex.parse(rule.when))(env):
                    chosen = rule.choose
                    break
            return ids.index(chosen) if isinstance(chosen, str) else _draw(ids, chosen, u)
        pay = self.expected(key)
        best = max(pay)
        if isinstance(pol, m.BestResponsePolicy):
            tol = 1e-9 * max(1.0, abs(best))
            return next(o for o, p in enumerate(pay) if p >= best - tol)
        assert isinstance(pol, m.LogitPolicy)
        assert owner is not None
        r = self.q[("policy", *owner)]
        weights = [math.exp(r * (p - best)) for p in pay]
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        target = u * cum[-1]
        return next((o for o, c in enumerate(cum) if target < c), len(cum) - 1)

    def final_utility(self) -> list[float]:
        """Each actor's utility of the final state and levers, counts at 0 and no costs."""
        out = []
        for a, actor in self.sc.actors.items():
            total = 0.0
            for key in actor.utility:
                w = self.q[("actors", a, "utility", key)]
                if key in self.sc.state:
                    total += w * (0.0 if self.sc.state[key].kind == "count" else self.x[key])
                else:
                    total += w * self.lev[key]
            out.append(total)
        return out

    def play_turn(self, given: Mapping[str, int] | None = None) -> Turn | None:
        """Play the next turn (draws taken even when the run is over); None once it is over.

        A run that is over records a turn with no choices (-1), events or counts, its final state and
        levers, and their utility as every actor's payoff (`final_utility`).
        """
        u = [float(v) for v in self.gen.random((BLOCK, self._n_uniform))[self.row]]
        z = [float(v) for v in self.gen.standard_normal((BLOCK, len(self.normal_slot)))[self.row]]
        stop_draw = float(self.end_gen.random((BLOCK, 1))[self.row, 0]) if self.sc.prob_end > 0 else 1.0
        noise_draw = None
        if self.sc.noise > 0:  # the block's third stream, spawn key (block, 2): two uniforms per decision
            noise_draw = [float(v) for v in self.noise_gen.random((BLOCK, 2 * len(self.keys)))[self.row]]
        if not self.alive:
            # a run that is over keeps its final state and levers and earns their utility every turn;
            # a run stopped by prob_end earns nothing (the match is over)
            pay = [0.0] * len(self.sc.actors) if self.stopped else self.final_utility()
            for i, p in enumerate(pay):
                self.total[i] += p
                self.discounted[i] += self.sc.discount**self.turn * p
            turn = Turn(
                dict.fromkeys(self.keys, -1),
                [False] * len(self.sc.events),
                [0.0] * sum(v.kind == "count" for v in self.sc.state.values()),
                pay,
                [self.x[k] for k in self.sc.state],
                [self.lev[k] for k in self.levers],
                -1,
            )
            self.turns.append(turn)
            self.turn += 1
            return None
        choices = {
            k: (given[k] if given and k in given else self.choose(k, u[i])) for i, k in enumerate(self.keys)
        }
        if noise_draw is not None:  # a trembling hand: another option, uniformly, with probability noise
            D = len(self.keys)
            for i, (k, (_, _, dec)) in enumerate(zip(self.keys, self.decisions, strict=True)):
                m = len(dec.option_ids())
                if m > 1 and noise_draw[i] < self.sc.noise:
                    pick = min(int(noise_draw[D + i] * (m - 1)), m - 2)
                    choices[k] = pick + 1 if pick >= choices[k] else pick
        x3, lev, fired, counts, pay = self.outcome(choices, u, z)
        for e, eid in enumerate(self.sc.events):
            if fired[e]:
                self.fired.add(eid)
        ending = -1
        env3 = self.env(x3, lev, choices)
        for i, end in enumerate(self.sc.endings.values()):
            if self.turn >= end.min_turn and ex.compile_expr(ex.parse(end.when))(env3):
                ending = i
                break
        if ending < 0 and self.turn < self.sc.turns - 1 and stop_draw < self.sc.prob_end:
            ending, self.stopped = len(self.sc.endings), True  # Axelrod's prob_end, after scoring
        if ending < 0 and self.turn == self.sc.turns - 1:
            ending = len(self.sc.endings)
        for i, p in enumerate(pay):
            self.total[i] += p
            self.discounted[i] += self.sc.discount**self.turn * p
        self.x, self.lev, self.prev = x3, lev, choices
        self.past.append(
            {
                k: dec.option_ids()[choices[k]]
                for k, (_, _, dec) in zip(self.keys, self.decisions, strict=True)
            }
        )
        if ending >= 0:
            self.alive, self.ending, self.ended_turn = False, ending, self.turn
        turn = Turn(
            choices, fired, counts, pay, [x3[k] for k in self.sc.state], [lev[k] for k in self.levers], ending
        )
        self.turns.append(turn)
        self.turn += 1
        return turn

    @property
    def _n_uniform(self) -> int:
        n_counts = sum(v.kind == "count" for v in self.sc.state.values())
        return len(self.keys) + len(self.sc.events) + n_counts

    def play(self, given: Callable[[int], Mapping[str, int]] | None = None) -> ReferenceRun:
        """Play every turn."""
        for t in range(self.sc.turns):
            self.play_turn(given(t) if given else None)
        return self


def reference_runs(
    sc: m.Scenario, seed: int, runs: range, overrides: Mapping[str, str] | None = None
) -> list[ReferenceRun]:
    """Play each run index of `runs` with the reference."""
    return [ReferenceRun(sc, seed, r, dict(overrides or {})).play() for r in runs]


def as_arrays(runs: list[ReferenceRun], sc: m.Scenario) -> dict[str, np.ndarray]:
    """Per-run totals, discounted totals, endings, ended turns and final states as arrays."""
    return {
        "totals": np.array([r.total for r in runs]),
        "discounted": np.array([r.discounted for r in runs]),
        "endings": np.array([r.ending for r in runs]),
        "ended_turn": np.array([r.ended_turn for r in runs]),
        "final_state": np.array([[r.x[k] for k in sc.state] for r in runs]),
    }
