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
from typing import TYPE_CHECKING

from dilemma_sim.engine.sampling import BLOCK
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import LimitExceeded
from dilemma_sim.limits import CHUNK_MEMORY_ENV, chunk_memory, human_bytes
from dilemma_sim.scenario import models as m

if TYPE_CHECKING:
    from dilemma_sim.engine.step import Policy

__all__ = ["bytes_per_run", "check_footprint", "chunk_runs_within", "payoff_decisions"]


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


def bytes_per_run(cs: CompiledScenario, policies: Sequence[Policy] | None = None) -> int:
    """Estimated peak bytes of one run in a chunk: with `policies`, for them; else for any policy."""
    if policies is None:
        judged: Iterable[int] = payoff_decisions(cs)
    else:
        judged = [p.decision for p in policies if p.needs_payoffs]
    k = sum(len(cs.decisions[d].option_ids) for d in judged)
    s, lv, d, a = len(cs.state_names), cs.n_levers, len(cs.decisions), len(cs.actors)
    p, e, c = cs.n_params, len(cs.events), len(cs.counts)
    # one judged option: a copy of the run's state, levers, parameters and choices, and what
    # evaluating a turn on it allocates (coefficients measured, rounded up)
    row = 40 * d + 16 * a + 56 * s + 56 * lv + 16 * p + e + 96
    base = 8 * cs.turns * c + 96 * d + 64 * s + 64 * lv + 48 * a + 16 * p
    base += 16 * (cs.n_uniform + cs.n_normal) + 2 * e + 512
    return base + k * row


def check_footprint(cs: CompiledScenario) -> None:
    """LimitExceeded when one block of runs of `cs` would not fit the chunk memory budget."""
    per_run = bytes_per_run(cs)
    budget = chunk_memory()
    if per_run * BLOCK > budget:
        judged = payoff_decisions(cs)
        raise LimitExceeded(
            f"{cs.scenario_id}: one block of {BLOCK} runs would need about "
            f"{human_bytes(per_run * BLOCK)} ({human_bytes(per_run)} per run), over the budget of "
            f"{human_bytes(budget)} per chunk: {len(judged)} decisions are judged by expected payoffs, "
            f"each option as a profile of all {len(cs.decisions)} decisions, which grows with the square "
            "of the actors",
            hint=f"use fewer best_response/logit decisions, or raise {CHUNK_MEMORY_ENV} (e.g. 8G)",
        )


def chunk_runs_within(cs: CompiledScenario, requested: int, policies: Sequence[Policy] | None = None) -> int:
    """`requested` runs per chunk, lowered to a multiple of BLOCK that fits the memory budget."""
    fit = chunk_memory() // max(1, bytes_per_run(cs, policies))
    return max(BLOCK, min(int(requested), fit // BLOCK * BLOCK))
