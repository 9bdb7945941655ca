"""The debrief's comparison: the scenario's built-in strategies for the player, and where the player falls.

Runs batches of the engine (slow: in a thread worker); no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

from dilemma_sim.text import safe
from dilemma_sim.tui.session import GameSession

BENCHMARK_RUNS = 1000
"""Runs per built-in strategy in the debrief's comparison."""


@dataclass(frozen=True)
class Benchmark:
    """A built-in strategy's distribution of totals, and where the player's total falls in it."""

    label: str
    mean: float
    p10: float
    p50: float
    p90: float
    share_below: float
    """Share of the strategy's runs that scored below the player."""


def strategy_benchmarks(
    session: GameSession, runs: int = BENCHMARK_RUNS, actor: str | None = None
) -> list[Benchmark]:
    """Run each of the scenario's strategies for a player (default: the first) over `runs` runs; place
    the player among them."""
    import numpy as np

    from dilemma_sim.executor import assignment
    from dilemma_sim.executor.compare import Entrant, play_entrants

    scenario, human = session.scenario, actor or session.human
    player_total = session.history[-1].totals[human] if session.history else 0.0
    entrants = [
        Entrant(sid, strategy.label, assignment({human: sid}))
        for sid, strategy in scenario.strategies.items()
        if (strategy.actor or scenario.player) == human
    ]
    if not entrants:
        return []
    plays = play_entrants(session.compiled, entrants, runs=runs, seed=session.seed)
    out = []
    for entrant, totals in zip(entrants, plays.totals(human)[:, 0], strict=True):
        p10, p50, p90 = np.percentile(totals, [10, 50, 90])
        out.append(
            Benchmark(
                safe(entrant.label),
                float(totals.mean()),
                float(p10),
                float(p50),
                float(p90),
                float((totals < player_total).mean()),
            )
        )
    return out
