"""Compiled policies: one small frozen dataclass per decision with a vectorized `choose(ctx)`.

A person's choice is one more policy (`ExternalChoice`), so interactive play, replays and batch
runs all go through `step.decide`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from pydantic import TypeAdapter

from dilemma_sim.engine.compile import CHOICE, RELATIVE, CompiledScenario, Value
from dilemma_sim.engine.step import DecisionContext, Policy
from dilemma_sim.scenario import expressions as ex
from dilemma_sim.scenario import models as m
from dilemma_sim.scenario.binding import BoundStrategy, bind_strategy

PolicySpec = (
    m.FixedPolicy | m.MixedPolicy | m.RulesPolicy | m.BestResponsePolicy | m.LogitPolicy | m.DefaultPolicy
)
"""A scenario policy model (or a dict validated into one)."""
RawPolicy = Mapping[str, object]
"""A policy as a scenario file writes it (`{kind: fixed, option: talk}`), validated into a PolicySpec."""
PolicyOverrides = Mapping[str, "str | Mapping[str, PolicySpec | RawPolicy]"]
"""Actor -> a strategy id (the scenario's, or `default`, `random`, `human`), or decision id -> policy."""
BUILTIN = ("default", "random", "human")
"""Strategy ids every scenario understands (besides its own `strategies`, which may not use them: E420)."""
BEST_TOLERANCE = 1e-9
"""Best response: options within this (relative) distance of the best count as tied; the first wins."""

_POLICY_ADAPTER: TypeAdapter[PolicySpec] = TypeAdapter(m.Policy)


@dataclass(frozen=True)
class FixedPolicy:
    """Always the same option."""

    decision: int
    option: int
    needs_payoffs: ClassVar[bool] = False

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        return np.full(ctx.batch.n, self.option, dtype=np.int64)


@dataclass(frozen=True)
class DefaultPolicy:
    """The decision's default option (a lever holds)."""

    decision: int
    needs_payoffs: ClassVar[bool] = False

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        return np.full(ctx.batch.n, ctx.cs.defaults[self.decision], dtype=np.int64)


@dataclass(frozen=True)
class MixedPolicy:
    """Options at fixed probabilities, by inverse CDF of the decision's uniform draw."""

    decision: int
    cumulative: tuple[float, ...]
    """Running sums of the option probabilities, in option order."""
    needs_payoffs: ClassVar[bool] = False

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        cum = np.asarray(self.cumulative)
        last = int(np.flatnonzero(np.diff(np.concatenate([[0.0], cum])) > 0)[-1])
        return np.minimum(np.searchsorted(cum, ctx.uniform(self.decision), side="right"), last)


@dataclass(frozen=True, eq=False)
class RulesPolicy:
    """The first rule whose condition holds picks its option; otherwise `otherwise`.

    A rule (or `otherwise`) may choose a draw: its option is then found by inverse CDF of the
    decision's uniform draw, as for a mixed policy, so a run's choices still depend only on its stream.
    """

    decision: int
    conditions: tuple[Callable[[Any], Any], ...]
    options: tuple[int, ...]
    """Option of each rule then of `otherwise` (-1 where that branch is a draw)."""
    otherwise: int
    draws: np.ndarray | None = None
    """(rules + 1, n_options) cumulative probabilities of each branch (a chosen option's row is a step
    at that option), or None when no branch is a draw."""
    needs_payoffs: ClassVar[bool] = False

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        n = ctx.batch.n
        conds = [np.broadcast_to(np.asarray(c(ctx.env)) != 0, (n,)) for c in self.conditions]
        if self.draws is None:
            chosen: np.ndarray = np.select(conds, list(self.options), self.otherwise).astype(np.int64)
            return chosen
        branch = np.select(conds, list(range(len(conds))), len(conds))
        cum = self.draws[branch]  # (N, n_options)
        picked = np.sum(cum <= ctx.uniform(self.decision)[:, None], axis=1)
        drawn: np.ndarray = np.minimum(picked, _last_positive(self.draws)[branch]).astype(np.int64)
        return drawn


def _last_positive(cumulative: np.ndarray) -> np.ndarray:
    """(rows,) index of each row's last option with a positive probability."""
    steps = np.diff(cumulative, axis=1, prepend=0.0) > 0
    last: np.ndarray = cumulative.shape[1] - 1 - np.argmax(steps[:, ::-1], axis=1)
    return last


@dataclass(frozen=True)
class BestResponse:
    """The option with the highest expected one-turn payoff (ties: the first)."""

    decision: int
    needs_payoffs: ClassVar[bool] = True

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        pay = ctx.expected(self.decision)
        best = pay.max(axis=1)
        threshold = best - BEST_TOLERANCE * np.maximum(1.0, np.abs(best))
        first_best: np.ndarray = np.argmax(pay >= threshold[:, None], axis=1).astype(np.int64)
        return first_best


@dataclass(frozen=True)
class LogitPolicy:
    """P(option) proportional to exp(rationality * expected payoff), by inverse CDF of the uniform draw."""

    decision: int
    rationality: Value
    needs_payoffs: ClassVar[bool] = True

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        pay = ctx.expected(self.decision)
        r = np.asarray(self.rationality(ctx.env, ctx.batch.params), dtype=np.float64)
        weights = np.exp(r.reshape(-1, 1) * (pay - pay.max(axis=1, keepdims=True)))
        cum = np.cumsum(weights, axis=1)
        target = ctx.uniform(self.decision) * cum[:, -1]
        idx = np.sum(cum <= target[:, None], axis=1)
        chosen: np.ndarray = np.minimum(idx, pay.shape[1] - 1).astype(np.int64)
        return chosen


@dataclass(frozen=True)
class ExternalChoice:
    """A person's choice given from outside; when none is given, last turn's option (turn 0: the default)."""

    decision: int
    needs_payoffs: ClassVar[bool] = False

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        n = ctx.batch.n
        given = ctx.external.get(self.decision)
        if given is not None:
            return np.broadcast_to(np.asarray(given, dtype=np.int64), (n,)).copy()
        prev = ctx.batch.prev_choices[:, self.decision]
        return np.where(prev < 0, ctx.cs.defaults[self.decision], prev).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Scripted:
    """Options fixed in advance per turn: `script` (T,) for every run, or (N, T) per run."""

    decision: int
    script: np.ndarray
    needs_payoffs: ClassVar[bool] = False

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        col = self.script[..., ctx.batch.turn]
        return np.broadcast_to(np.asarray(col, dtype=np.int64), (ctx.batch.n,)).copy()


# --------------------------------------------------------------------------- building


def _option(cs: CompiledScenario, d: int, option: str) -> int:
    ids = cs.decisions[d].option_ids
    if option not in ids:
        raise ValueError(f"{cs.decisions[d].key}: unknown option {option!r} (options: {', '.join(ids)})")
    return ids.index(option)


def compile_policy(
    cs: CompiledScenario,
    d: int,
    spec: PolicySpec | RawPolicy,
    owner: str | None,
    slot: tuple[str, str] | None = None,
) -> Policy:
    """Compile one policy model for decision `d`.

    `owner` (`actor` or `strategy:<id>`) and `slot` ((actor, decision), default the decision's own; a
    relative strategy's is ("*", its decision id)) locate a sampled rationality among the parameters.
    """
    if isinstance(spec, Mapping):
        spec = _POLICY_ADAPTER.validate_python(dict(spec))
    info = cs.decisions[d]
    if isinstance(spec, m.FixedPolicy):
        return FixedPolicy(d, _option(cs, d, spec.option))
    if isinstance(spec, m.MixedPolicy):
        probs = np.zeros(len(info.option_ids))
        for oid, p in spec.probabilities.items():
            probs[_option(cs, d, oid)] = p
        return MixedPolicy(d, tuple(float(c) for c in np.cumsum(probs)))
    if isinstance(spec, m.RulesPolicy):
        conds = []
        for rule in spec.rules:
            for name, _ in ex.name_refs(ex.parse(rule.when)):
                if cs.names.get(name, (-1,))[0] == CHOICE:
                    raise ValueError(f"{info.key}: rules may read prev.{name}, not this turn's {name}")
            conds.append(cs.expression(rule.when))
        branches = [*(r.choose for r in spec.rules), spec.otherwise]
        named = [b for b in branches if isinstance(b, str)]
        if len(named) == len(branches):
            opts = tuple(_option(cs, d, b) for b in named)
            return RulesPolicy(d, tuple(conds), opts[:-1], opts[-1])
        cum = np.zeros((len(branches), len(info.option_ids)))
        for r, branch in enumerate(branches):
            weights: dict[str, float] = {branch: 1.0} if isinstance(branch, str) else branch
            for oid, p in weights.items():
                cum[r, _option(cs, d, oid)] += p
            cum[r] = np.cumsum(cum[r])
        index = [_option(cs, d, b) if isinstance(b, str) else -1 for b in branches]
        return RulesPolicy(d, tuple(conds), tuple(index[:-1]), index[-1], cum)
    if isinstance(spec, m.BestResponsePolicy):
        return BestResponse(d)
    if isinstance(spec, m.LogitPolicy):
        actor, did = slot or (info.actor, info.id)
        value = cs.rationality.get((owner, actor, did)) if owner else None
        if value is None:
            if m.is_distribution(spec.rationality):
                raise ValueError(f"{info.key}: a sampled rationality must be declared in the scenario")
            q = spec.rationality
            value = Value(const=float(q.value if isinstance(q, m.Fixed) else q))
        return LogitPolicy(d, value)
    return DefaultPolicy(d)


def _uniform(cs: CompiledScenario, d: int) -> MixedPolicy:
    k = len(cs.decisions[d].option_ids)
    return MixedPolicy(d, tuple(float(c) for c in np.cumsum(np.full(k, 1.0 / k))))


def build_policies(
    cs: CompiledScenario,
    overrides: PolicyOverrides | None = None,
) -> tuple[Policy, ...]:
    """One policy per decision: each actor's own `policy:` unless `overrides` gives the actor a strategy.

    An override is a strategy id (the scenario's `strategies`, or `default`, `random`, `human`) or a
    mapping decision id -> policy for just those decisions (the actor's other decisions keep theirs).
    A relative strategy is bound to the actor's seat (`binding.bind_strategy`); one that cannot play it
    raises `StrategyBindingError` (a ValueError) with every problem located in the scenario file.
    """
    sc = cs.scenario
    overrides = overrides or {}
    for actor in overrides:
        if actor not in sc.actors:
            raise KeyError(f"unknown actor {actor!r} (actors: {', '.join(sc.actors)})")
    bound: dict[str, BoundStrategy] = {}
    for actor, given in overrides.items():
        if isinstance(given, str) and given not in BUILTIN:
            if given not in sc.strategies:
                known = ", ".join([*sc.strategies, *BUILTIN])
                raise KeyError(f"unknown strategy {given!r} (strategies: {known})")
            bound[actor] = bind_strategy(sc, given, actor)  # StrategyBindingError when it cannot play there
    out: list[Policy] = []
    for info in cs.decisions:
        d, a = info.index, info.actor
        own = sc.actors[a].policy.get(info.id)
        policy: Policy = compile_policy(cs, d, own, "actor") if own is not None else DefaultPolicy(d)
        ov = overrides.get(a)
        if isinstance(ov, str) and ov in BUILTIN and ov in sc.strategies:
            raise ValueError(
                f"the scenario defines a strategy {ov!r}, the name of a built-in strategy; rename it (E420)"
            )
        if ov == "human":
            policy = ExternalChoice(d)
        elif ov == "default":
            policy = DefaultPolicy(d)
        elif ov == "random":
            policy = _uniform(cs, d)
        elif isinstance(ov, str):
            spec = bound[a].policy.get(info.id)
            slot = (RELATIVE, bound[a].source[info.id]) if sc.strategies[ov].is_relative and spec else None
            policy = (
                compile_policy(cs, d, spec, f"strategy:{ov}", slot) if spec is not None else DefaultPolicy(d)
            )
        elif ov is not None:
            unknown = set(ov) - set(sc.actors[a].decisions)
            if unknown:
                raise KeyError(f"{a}: unknown decisions {sorted(unknown)}")
            if info.id in ov:
                policy = compile_policy(cs, d, ov[info.id], None)
        out.append(policy)
    return tuple(out)
