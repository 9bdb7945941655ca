"""The debrief's comparison: the player's game against the status quo and the built-in strategies.

Built from the game's `Stakes` (the executor's one comparison of strategies on common random
numbers, `stakes.py`): each strategy's total, count totals (attacks, deaths, ...) and endings over
the runs, and where the player's game falls among them. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dilemma_sim.executor.stats import mean_ci
from dilemma_sim.tui.stakes import Stakes, percentiles


@dataclass(frozen=True)
class Band:
    """p10, median and p90 of a quantity over a strategy's runs."""

    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class Benchmark:
    """A strategy's distribution of outcomes, and where the player's game falls in it."""

    label: str
    mean: float
    half: float
    """Half-width of the 95% interval of `mean`."""
    total: Band
    share_below: float
    """Share of the strategy's runs that scored below the player."""
    counts: dict[str, Band]
    """Each count variable's total over a game."""
    endings: dict[str, float]
    """Share of runs ending each way (ending id -> share), most common first."""
    same_luck: float
    """Its total on the player's own draws (run 0)."""


def strategy_benchmarks(stakes: Stakes, player_total: float) -> list[Benchmark]:
    """Every strategy of `stakes`, the status quo first, placed against the player's total."""
    out = []
    for play in stakes.strategies:
        totals = play.totals
        mean, _, half = mean_ci(totals)
        t10, t50, t90 = percentiles(totals)
        count_totals = play.counts  # (R, C)
        counts = {
            name: Band(*(float(v) for v in percentiles(count_totals[:, c])))
            for c, name in enumerate(stakes.count_names)
        }
        codes, freq = np.unique(play.endings, return_counts=True)
        order = np.argsort(-freq, kind="stable")
        endings = {stakes.ending_ids[int(codes[i])]: float(freq[i]) / len(play.endings) for i in order}
        out.append(
            Benchmark(
                play.label,
                float(mean),
                float(half),
                Band(float(t10), float(t50), float(t90)),
                float((totals < player_total).mean()),
                counts,
                endings,
                float(totals[0]),
            )
        )
    return out
