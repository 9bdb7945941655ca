"""The advisor: what each option is worth from here to the horizon, estimated by rollouts.

For one run's state (a `BatchState` of one run, e.g. `Simulation.snapshot()`) and one actor, every
option of every decision of the actor is tried this turn, with the actor's other decisions at their
current setting (choices: last turn's option, or what `current` says; levers: hold), the other
actors at their policies; from the next turn on the actor follows `policies` (default: the
scenario's `status-quo` strategy when it plays this actor, else keep-current). The value of an
option is the actor's discounted payoff from now to the horizon, averaged over `rollouts`
continuations.

All options' rollouts run as one batch of `n_options * rollouts` runs. Rollout `r` of every option
uses the same random draws and the same parameters (common random numbers), so the differences
between options are estimated far more precisely than the values themselves. Parameters the
player cannot observe are drawn afresh per rollout from their distributions (`resample_params`),
so the advice does not depend on the hidden truth of this run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dilemma_sim.engine.compile import CompiledScenario, DecisionInfo
from dilemma_sim.engine.policies import PolicyOverrides, RawPolicy, build_policies
from dilemma_sim.engine.sampling import RunStreams, TurnDraws, sample_parameters
from dilemma_sim.engine.simulate import merge_rows
from dilemma_sim.engine.state import BatchState
from dilemma_sim.engine.step import decide, step

Z95 = 1.959963984540054
"""Two-sided 95% normal quantile."""
STATUS_QUO = "status-quo"
"""The strategy the actor follows after this turn when the scenario has one for it."""


@dataclass(frozen=True)
class OptionValue:
    """The estimated value of taking `option` of `decision` this turn."""

    decision: str
    """`actor.decision`."""
    option: str
    """Option id (levers: lower, hold or raise)."""
    mean: float
    """Mean discounted payoff of the actor from this turn to the horizon."""
    sd: float
    ci_low: float
    ci_high: float
    """95% confidence interval of the mean."""
    n: int
    """Rollouts."""
    diff: float = 0.0
    """Mean of this option's value minus the current setting's, rollout by rollout (same draws)."""
    diff_low: float = 0.0
    diff_high: float = 0.0
    """95% confidence interval of `diff` (paired: far narrower than the values' own intervals)."""


def default_policies(cs: CompiledScenario, actor: str) -> dict[str, str | dict[str, RawPolicy]]:
    """The actor's play after this turn: the `status-quo` strategy if it has one, else keep-current."""
    sc = cs.scenario
    strategy = sc.strategies.get(STATUS_QUO)
    if strategy is not None and (strategy.actor or sc.player) == actor:
        return {actor: STATUS_QUO}
    keep: dict[str, RawPolicy] = {}
    for info in cs.decisions:
        if info.actor != actor:
            continue
        if info.kind == "lever":
            keep[info.id] = {"kind": "fixed", "option": "hold"}
        else:
            rules = [{"when": f"prev.{info.key}.{o} == 1", "choose": o} for o in info.option_ids]
            keep[info.id] = {"kind": "rules", "rules": rules, "otherwise": info.option_ids[info.default]}
    return {actor: keep}


def _current_profile(
    cs: CompiledScenario, batch: BatchState, actor: str, current: Mapping[str, str] | None
) -> dict[int, int]:
    """Decision index -> option index the actor's decisions keep while one of them is varied."""
    out: dict[int, int] = {}
    for info in cs.decisions:
        if info.actor != actor:
            continue
        given = (current or {}).get(info.key)
        if given is not None:
            out[info.index] = info.option_ids.index(given)
        elif info.kind == "lever":
            out[info.index] = info.option_ids.index("hold")
        else:
            prev = int(batch.prev_choices[0, info.index])
            out[info.index] = info.default if prev < 0 else prev
    return out


def advise(
    cs: CompiledScenario,
    state: BatchState,
    actor: str,
    *,
    rollouts: int = 2000,
    seed: int = 0,
    policies: PolicyOverrides | None = None,
    decisions: Sequence[str] | None = None,
    current: Mapping[str, str] | None = None,
    resample_params: bool = True,
) -> list[OptionValue]:
    """Value of every option of the actor's decisions (or of `decisions`, `actor.decision` keys) this turn.

    `state` is a batch of one run between turns; `policies` are strategy overrides by actor (see
    `build_policies`); the actor's entry sets its play after this turn.
    """
    if state.n != 1:
        raise ValueError(f"advise needs the state of one run, got {state.n} runs")
    if actor not in cs.actors:
        raise KeyError(f"unknown actor {actor!r} (actors: {', '.join(cs.actors)})")
    mine = [info for info in cs.decisions if info.actor == actor]
    if decisions is not None:
        unknown = set(decisions) - {info.key for info in mine}
        if unknown:
            raise KeyError(f"{actor}: unknown decisions {sorted(unknown)}")
        mine = [info for info in mine if info.key in decisions]
    if not mine or state.turn >= cs.turns or not bool(state.alive[0]):
        return []
    a = cs.actors.index(actor)
    R = int(rollouts)
    keep = _current_profile(cs, state, actor, current)
    options = [(info, k) for info in mine for k in range(len(info.option_ids))]
    # an option equal to the decision's current setting gives the same first turn as every other such
    # option: those share one block of rollouts
    baseline = [i for i, (info, k) in enumerate(options) if keep.get(info.index) == k]
    block_of: dict[int, int] = {}
    blocks: list[tuple[DecisionInfo, int]] = []
    for i, (info, k) in enumerate(options):
        if baseline and i in baseline[1:]:
            block_of[i] = block_of[baseline[0]]
            continue
        block_of[i] = len(blocks)
        blocks.append((info, k))
    K = len(blocks)

    overrides = dict(policies or {})
    if actor not in overrides:
        overrides.update(default_policies(cs, actor))
    pols = build_policies(cs, overrides)
    streams = RunStreams(seed, 0, R, cs.n_params, cs.n_uniform, cs.n_normal, cs.n_end, cs.n_noise)
    batch = state.take(np.zeros(K * R, dtype=np.int64))
    if resample_params and cs.n_params:
        params = sample_parameters([s for _, s in cs.param_specs], streams.parameter_uniforms)
        batch = batch.with_params(np.tile(params, (K, 1)))
    start = batch.payoff_discounted[:, a].copy()

    # every block reads the same draws: one column-major buffer each, refilled every turn (a turn's
    # draws are not kept past its step)
    u_buf = np.empty((K * R, cs.n_uniform), order="F")
    z_buf = np.empty((K * R, cs.n_normal), order="F")

    def tiled(draws: TurnDraws) -> TurnDraws:
        for b in range(K):
            u_buf[b * R : (b + 1) * R] = draws.uniforms
            z_buf[b * R : (b + 1) * R] = draws.normals
        end = None if draws.end is None else np.tile(draws.end, K)
        noise = None if draws.noise is None else np.tile(draws.noise, (K, 1))
        return TurnDraws(u_buf, z_buf, end, noise)

    # this turn: every option of every decision, one block of R rollouts each
    draws = tiled(streams.draw_turn())
    choices = decide(cs, batch, pols, draws)
    for d, o in keep.items():
        choices[:, d] = o
    for b, (info, k) in enumerate(blocks):
        choices[b * R : (b + 1) * R, info.index] = k
    batch = step(cs, batch, choices, draws).batch
    # then everyone at their policies to the horizon, on the same draws for every block
    while batch.turn < cs.turns and bool(batch.alive.any()):
        draws = tiled(streams.draw_turn())
        live = np.flatnonzero(batch.alive)
        if live.size < 0.75 * batch.n:  # runs that are over have their totals: step only the others
            sub, sub_draws = batch.take(live), draws.take(live)
            batch = merge_rows(batch, live, step(cs, sub, decide(cs, sub, pols, sub_draws), sub_draws).batch)
        else:
            batch = step(cs, batch, decide(cs, batch, pols, draws), draws).batch

    value = (batch.payoff_discounted[:, a] - start).reshape(K, R)
    current_block = block_of[baseline[0]] if baseline else None
    out = []
    for i, (info, k) in enumerate(options):
        x = value[block_of[i]]
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if R > 1 else 0.0
        half = Z95 * sd / math.sqrt(R)
        d_mean = d_half = 0.0
        if current_block is not None:
            d = x - value[current_block]
            d_mean = float(d.mean())
            d_half = Z95 * float(d.std(ddof=1)) / math.sqrt(R) if R > 1 else 0.0
        out.append(
            OptionValue(
                info.key,
                info.option_ids[k],
                mean,
                sd,
                mean - half,
                mean + half,
                R,
                d_mean,
                d_mean - d_half,
                d_mean + d_half,
            )
        )
    return out


def best_options(values: Sequence[OptionValue]) -> dict[str, OptionValue]:
    """The option with the highest mean for each decision."""
    best: dict[str, OptionValue] = {}
    for v in values:
        if v.decision not in best or v.mean > best[v.decision].mean:
            best[v.decision] = v
    return best
