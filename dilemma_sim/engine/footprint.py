"""How much memory a chunk of runs needs, estimated from the compiled scenario, and the bounds on it.

Most of a run's memory is a handful of arrays as wide as the scenario. The exception is the
expected payoffs that `best_response` and `logit` policies read (`step.response_payoffs`): every
option of every such decision is evaluated as one more profile of all decisions, so a run holds
`K x D` numbers (K options judged, D decisions), which grows with the square of the actors: 900
best-response actors need about 60 MiB per run, 65 GiB for one block of 1024 runs. This module
estimates bytes per run with coefficients measured with `tracemalloc` (an upper estimate, checked by
`tests/test_limits.py`), shrinks chunks to fit `limits.chunk_memory()`, and refuses, when a scenario
is compiled, one whose single block of runs cannot fit. The engine's arithmetic is not changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from dilemma_sim.engine.sampling import BLOCK
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import LimitExceeded
from dilemma_sim.limits import CHUNK_MEMORY_ENV, chunk_memory, human_bytes
from dilemma_sim.scenario import models as m


class Policy(Protocol):
    """What the estimate reads of a compiled policy (`engine.step.Policy` has it)."""

    @property
    def decision(self) -> int: ...

    @property
    def needs_payoffs(self) -> bool: ...


__all__ = [
    "PROFILE_BYTES",
    "bytes_per_run",
    "check_footprint",
    "chunk_bytes",
    "chunk_runs_within",
    "payoff_decisions",
    "profile_piece",
]


def payoff_decisions(cs: CompiledScenario) -> frozenset[int]:
    """Decisions whose expected payoffs some way of playing the scenario evaluates.

    The union over the actors' own policies, every strategy, and the player's decisions (the
    tournament's `greedy` judges them all): an upper bound for any `--policy` choice. Read from the
    scenario's policy models, so compiling never has to build policies to check its footprint.
    """
    sc = cs.scenario
    judged: set[tuple[str, str]] = set()
    for actor_id, actor in sc.actors.items():
        judged |= {(actor_id, d) for d, pol in actor.policy.items() if isinstance(pol, _BY_PAYOFF)}
    for strategy in sc.strategies.values():
        actor_id = strategy.actor or sc.player
        judged |= {(actor_id, d) for d, pol in strategy.policy.items() if isinstance(pol, _BY_PAYOFF)}
    return frozenset(
        info.index for info in cs.decisions if (info.actor, info.id) in judged or info.actor == sc.player
    )


_BY_PAYOFF = (m.BestResponsePolicy, m.LogitPolicy)
"""Policy models that read expected payoffs."""


PROFILE_BYTES = 64 << 20
"""Memory the expected payoffs of a chunk may take at once: `step.response_payoffs` evaluates the
runs' judged options in pieces of runs that fit it (results do not depend on the pieces)."""


def _judged_options(cs: CompiledScenario, policies: Sequence[Policy] | None) -> int:
    judged: Iterable[int] = (
        payoff_decisions(cs) if policies is None else [p.decision for p in policies if p.needs_payoffs]
    )
    return sum(len(cs.decisions[d].option_ids) for d in judged)


def _coefficients(cs: CompiledScenario) -> tuple[int, int]:
    """(bytes of one run, bytes of one judged option of one run), coefficients measured, rounded up."""
    s, lv, d, a = len(cs.state_names), cs.n_levers, len(cs.decisions), len(cs.actors)
    p, e, c = cs.n_params, len(cs.events), len(cs.counts)
    # one judged option: a copy of the run's state, levers, parameters and choices, and what
    # evaluating a turn on it allocates
    row = 40 * d + 16 * a + 56 * s + 56 * lv + 16 * p + e + 96
    base = 8 * cs.turns * c + 96 * d + 64 * s + 64 * lv + 48 * a + 16 * p
    base += 16 * (cs.n_uniform + cs.n_normal) + 2 * e + 512
    return base, row


def profile_piece(cs: CompiledScenario, options: int) -> int:
    """Runs whose `options` judged options (all decisions' together) fit `PROFILE_BYTES` (at least 1)."""
    _, row = _coefficients(cs)
    return max(1, PROFILE_BYTES // max(1, options * row))


def chunk_bytes(cs: CompiledScenario, runs: int, policies: Sequence[Policy] | None = None) -> int:
    """Estimated peak bytes of a chunk of `runs` runs: with `policies`, for them; else for any policy."""
    base, row = _coefficients(cs)
    k = _judged_options(cs, policies)
    return runs * base + min(runs, profile_piece(cs, k)) * k * row


def bytes_per_run(cs: CompiledScenario, policies: Sequence[Policy] | None = None) -> int:
    """Estimated peak bytes per run of a chunk of one block of runs."""
    return -(-chunk_bytes(cs, BLOCK, policies) // BLOCK)


def check_footprint(cs: CompiledScenario) -> None:
    """LimitExceeded when the scenario cannot be played within the memory budget: one run's expected
    payoffs do not fit `PROFILE_BYTES`, or one block of runs does not fit the chunk budget."""
    _, row = _coefficients(cs)
    k = _judged_options(cs, None)
    budget = chunk_memory()
    one_run = k * row
    block = chunk_bytes(cs, BLOCK)
    if one_run > PROFILE_BYTES or block > budget:
        judged = payoff_decisions(cs)
        raise LimitExceeded(
            f"{cs.scenario_id}: the expected payoffs of one run need about {human_bytes(one_run)} and one "
            f"block of {BLOCK} runs about {human_bytes(block)} (limits {human_bytes(PROFILE_BYTES)} and "
            f"{human_bytes(budget)} per chunk): {len(judged)} decisions are judged by expected payoffs, "
            f"each option as a profile of all {len(cs.decisions)} decisions, which grows with the square "
            "of the actors",
            hint=f"use fewer best_response/logit decisions, or raise {CHUNK_MEMORY_ENV} (e.g. 8G)",
        )


def chunk_runs_within(cs: CompiledScenario, requested: int, policies: Sequence[Policy] | None = None) -> int:
    """`requested` runs per chunk, lowered to a multiple of BLOCK that fits the memory budget."""
    budget = chunk_memory()
    if chunk_bytes(cs, requested, policies) <= budget:
        return int(requested)
    lo, hi = 1, max(1, int(requested) // BLOCK)  # blocks: the largest that fits, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if chunk_bytes(cs, mid * BLOCK, policies) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo * BLOCK
