"""Round-robin tournaments in Axelrod's manner: every strategy against every strategy, repeated.

The entrants are the scenario's relative strategies (library imports included) that can play both
seats of a two-actor game. Each pair of strategies (each with itself too, unless self-play is off)
is one job for the executor: strategy A in the first seat, B in the second, over `repetitions` runs;
every pair plays the same run indices (common random numbers), so the same parameter samples,
random draws, trembles (`noise`) and match lengths (`prob_end`).

A match's score is a strategy's payoff per turn played. As in Axelrod's library, a strategy's
*normalised score* in a repetition is its per-turn score averaged over its opponents (self-play
excluded), strategies are ranked by the median of their normalised scores over the repetitions, and
the score matrix holds the mean per-turn score of the row strategy against the column strategy.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dilemma_sim.engine.compile import compile_scenario
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.executor import assignment
from dilemma_sim.executor.compare import Entrant, play_entrants
from dilemma_sim.executor.run import SERIAL, Execution, Progress
from dilemma_sim.executor.stats import mean_ci
from dilemma_sim.executor.stop import StopFlag
from dilemma_sim.scenario.binding import label_of, plays


@dataclass(frozen=True, eq=False)
class RoundRobinResult:
    """Scores of a round robin; strategy order is the entrants', `ranking` gives the places."""

    scenario: str
    seats: tuple[str, str]
    strategies: tuple[str, ...]
    labels: tuple[str, ...]
    repetitions: int
    seed: int
    noise: float
    prob_end: float
    self_play: bool
    scores: np.ndarray
    """(S, S, R) per-turn score of the row strategy against the column strategy, per repetition
    (NaN on the diagonal without self-play)."""
    normalised: np.ndarray
    """(S, R) each strategy's per-turn score averaged over its opponents (self-play excluded)."""

    @property
    def matrix(self) -> np.ndarray:
        """(S, S) mean per-turn score of the row strategy against the column strategy."""
        return np.asarray(self.scores.mean(axis=2))

    @property
    def ranking(self) -> list[int]:
        """Strategy indices, best first: by median normalised score (Axelrod's order), then mean."""
        median = np.median(self.normalised, axis=1)
        mean = self.normalised.mean(axis=1)
        return sorted(range(len(self.strategies)), key=lambda i: (-median[i], -mean[i], i))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        mean, sd, half = mean_ci(self.normalised, axis=1)
        median = np.median(self.normalised, axis=1)
        return {
            "scenario": self.scenario,
            "seats": list(self.seats),
            "repetitions": self.repetitions,
            "seed": self.seed,
            "noise": self.noise,
            "prob_end": self.prob_end,
            "self_play": self.self_play,
            "strategies": list(self.strategies),
            "ranking": [
                {
                    "rank": place + 1,
                    "strategy": self.strategies[i],
                    "label": self.labels[i],
                    "median": float(median[i]),
                    "mean": float(mean[i]),
                    "sd": float(sd[i]),
                    "ci95": [float(mean[i] - half[i]), float(mean[i] + half[i])],
                }
                for place, i in enumerate(self.ranking)
            ],
            "matrix": [[None if np.isnan(v) else float(v) for v in row] for row in self.matrix],
        }


def two_seats(cs: CompiledScenario, seats: Sequence[str] | None = None) -> tuple[str, str]:
    """The two actors a round robin seats: `seats`, or the player and the first other actor that decides."""
    if seats is not None:
        if len(seats) != 2 or any(s not in cs.actors for s in seats) or seats[0] == seats[1]:
            raise ValueError(f"a round robin seats two different actors of {', '.join(cs.actors)}")
        return seats[0], seats[1]
    player = cs.scenario.player
    others = [d.actor for d in cs.decisions if d.actor != player and d.kind == "choice"]
    if not others:
        raise ValueError("a round robin needs a second actor with a choice decision")
    return player, others[0]


def round_robin_strategies(cs: CompiledScenario, seats: tuple[str, str]) -> list[str]:
    """The scenario's relative strategies that can play both seats, in file order."""
    sc = cs.scenario
    return [
        sid
        for sid, strategy in sc.strategies.items()
        if strategy.is_relative and all(plays(sc, sid, seat) for seat in seats)
    ]


def with_match_rules(
    cs: CompiledScenario, *, noise: float | None, prob_end: float | None
) -> CompiledScenario:
    """The scenario with Axelrod's `noise` and `prob_end` set (unchanged when None)."""
    update = {k: v for k, v in (("noise", noise), ("prob_end", prob_end)) if v is not None}
    if not update:
        return cs
    changed = cs.scenario.model_validate({**cs.scenario.model_dump(), **update})
    return compile_scenario(changed, marks=cs.marks)


def run_round_robin(
    cs: CompiledScenario,
    *,
    strategies: Sequence[str] | None = None,
    seats: Sequence[str] | None = None,
    repetitions: int = 10,
    seed: int = 0,
    self_play: bool = True,
    noise: float | None = None,
    prob_end: float | None = None,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> RoundRobinResult:
    """Every strategy against every strategy, each match `repetitions` times, on the executor."""
    cs = with_match_rules(cs, noise=noise, prob_end=prob_end)
    a, b = two_seats(cs, seats)
    ids = list(strategies) if strategies is not None else round_robin_strategies(cs, (a, b))
    unknown = [s for s in ids if s not in cs.scenario.strategies]
    if unknown:
        raise ValueError(
            f"unknown strategy {unknown[0]!r}; the scenario's: {', '.join(cs.scenario.strategies)}"
        )
    if len(ids) < 2:
        raise ValueError("a round robin needs at least two strategies that can play both seats")
    pairs = [
        (i, j) for i, j in itertools.combinations_with_replacement(range(len(ids)), 2) if self_play or i != j
    ]
    entrants = [
        Entrant(f"{ids[i]}|{ids[j]}", f"{ids[i]} vs {ids[j]}", assignment({a: ids[i], b: ids[j]}))
        for i, j in pairs
    ]
    played = play_entrants(
        cs, entrants, runs=repetitions, seed=seed, execution=execution, stop=stop, progress=progress
    )
    first, second = cs.actors.index(a), cs.actors.index(b)
    scores = np.full((len(ids), len(ids), repetitions), np.nan)
    for (i, j), grid in zip(pairs, played.grids, strict=True):
        turns = grid.ended_turn[0] + 1 if cs.prob_end > 0 else np.full(repetitions, cs.turns)
        scores[i, j] = grid.totals[0, :, first] / turns
        if i != j:
            scores[j, i] = grid.totals[0, :, second] / turns
    off_diagonal = ~np.eye(len(ids), dtype=bool)
    normalised = np.stack([scores[i][off_diagonal[i]].mean(axis=0) for i in range(len(ids))])
    return RoundRobinResult(
        scenario=cs.scenario_id,
        seats=(a, b),
        strategies=tuple(ids),
        labels=tuple(label_of(cs.scenario.strategies[s]) for s in ids),
        repetitions=repetitions,
        seed=seed,
        noise=cs.noise,
        prob_end=cs.prob_end,
        self_play=self_play,
        scores=scores,
        normalised=normalised,
    )


def boxplot(result: RoundRobinResult, width: int = 100, height: int = 24, *, color: bool = False) -> str:
    """Axelrod's plot in the terminal: the normalised scores of each strategy as a box, best first."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("pro" if color else "clear")
    order = result.ranking
    plt.box([result.strategies[i] for i in order], [result.normalised[i].tolist() for i in order], width=0.3)
    plt.title(f"Normalised scores per turn, {result.repetitions} repetitions (best first)")
    text = str(plt.build())
    return text if color else str(plt.uncolorize(text))
