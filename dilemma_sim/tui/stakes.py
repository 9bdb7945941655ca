"""Stakes a person can read: the player's score against the status quo and the built-in strategies.

A turn earns a player hundreds of points, so raw scores say little. Here every built-in strategy for
the player, and the status quo (the scenario's `status-quo` strategy, or the actor's own policy when
it has none), plays the game's seed over runs `0..R-1` through the executor's one comparison of
strategies on common random numbers (`play_entrants`). The player's game is run 0 of that seed, so
every strategy has played on the player's own luck too: run 0 of the status quo is what keeping the
status quo would have scored on exactly the draws the player met, and the mean over the runs is what
it is expected to score. Intervals are the executor's one formula (`stats.mean_ci`).

Slow (about a second): computed once per game in a thread worker, or, in a game shared by browsers,
once by the coordinator, which sends each app its players' stakes (`to_wire`, `from_wire`: the arrays
as `.npy` bytes, never pickles). No Textual here.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dilemma_sim.engine.simulate import BatchResult
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.executor import assignment
from dilemma_sim.executor.compare import Entrant, play_entrants
from dilemma_sim.executor.reductions import OutcomeRows, Outcomes
from dilemma_sim.executor.stats import mean_ci
from dilemma_sim.scenario.binding import label_of, plays
from dilemma_sim.text import safe

REFERENCE_RUNS = 1000
"""Runs per strategy: intervals of a few points on totals of thousands."""
STATUS_QUO = "status-quo"


@dataclass(frozen=True)
class PayoffPaths(Outcomes):
    """The executor's outcome rows with every actor's payoff after each turn in `per_turn` (N, T, A)."""

    @property
    def needs_turns(self) -> bool:
        return True

    def __call__(self, cs: CompiledScenario, result: BatchResult) -> OutcomeRows:
        rows = Outcomes()(cs, result)
        assert result.trajectories is not None
        return replace(rows, per_turn=np.ascontiguousarray(result.trajectories["payoffs"]))


@dataclass(frozen=True, eq=False)
class StrategyPlay:
    """One way to play, for the player, over the runs: arrays with one row per run."""

    id: str
    label: str
    payoffs: np.ndarray
    """(R, T) the player's payoff each turn."""
    counts: np.ndarray
    """(R, C) counts drawn over each game (attacks, deaths, ...)."""
    endings: np.ndarray
    """(R,) ending ids' indices."""

    @property
    def totals(self) -> np.ndarray:
        total: np.ndarray = self.payoffs.sum(axis=1)
        return total


@dataclass(frozen=True, eq=False)
class Stakes:
    """Every strategy's play on the game's seed; `reference` is the status quo, `best` the best mean."""

    actor: str
    runs: int
    strategies: tuple[StrategyPlay, ...]
    reference: int
    best: int
    count_names: tuple[str, ...]
    ending_ids: tuple[str, ...]

    @property
    def status_quo(self) -> StrategyPlay:
        return self.strategies[self.reference]

    def expected(self, index: int, turn: int) -> tuple[float, float]:
        """(mean, half-width) of a strategy's payoff in turn `turn` (0-based)."""
        mean, _, half = mean_ci(self.strategies[index].payoffs[:, turn])
        return float(mean), float(half)

    def expected_so_far(self, index: int, turns: int) -> tuple[float, float]:
        """(mean, half-width) of a strategy's total over the first `turns` turns."""
        mean, _, half = mean_ci(self.strategies[index].payoffs[:, :turns].sum(axis=1))
        return float(mean), float(half)

    def same_luck_so_far(self, index: int, turns: int) -> float:
        """A strategy's total over the first `turns` turns on the player's own draws (run 0)."""
        return float(self.strategies[index].payoffs[0, :turns].sum())

    def ahead_of(self, index: int) -> np.ndarray:
        """(R, T+1) a strategy's cumulative score minus the status quo's, run by run (0 at the start)."""
        diff = np.cumsum(self.strategies[index].payoffs - self.status_quo.payoffs, axis=1)
        return np.concatenate([np.zeros((self.runs, 1)), diff], axis=1)


def reference_entrants(cs: CompiledScenario, actor: str) -> tuple[list[Entrant], int]:
    """The status quo (first) and every built-in strategy for `actor`; the index of the status quo."""
    sc = cs.scenario
    mine = {sid: s for sid, s in sc.strategies.items() if plays(sc, sid, actor)}
    entrants: list[Entrant] = []
    if STATUS_QUO in mine:
        label = safe(label_of(mine[STATUS_QUO]))
        entrants.append(Entrant(STATUS_QUO, label, assignment({actor: STATUS_QUO})))
    else:
        name = safe(sc.actors[actor].name)
        entrants.append(Entrant("policy", f"{name}'s usual policy", assignment({}), builtin=True))
    entrants += [
        Entrant(sid, safe(label_of(s)), assignment({actor: sid}))
        for sid, s in mine.items()
        if sid != STATUS_QUO
    ]
    return entrants, 0


def compute_stakes(cs: CompiledScenario, actor: str, seed: int, runs: int = REFERENCE_RUNS) -> Stakes:
    """Play the status quo and every built-in strategy for `actor` on runs `0..runs-1` of `seed`."""
    entrants, reference = reference_entrants(cs, actor)
    plays = play_entrants(cs, entrants, runs=runs, seed=seed, outcomes=PayoffPaths())
    a = cs.actors.index(actor)
    strategies = []
    for entrant, grid in zip(entrants, plays.grids, strict=True):
        assert grid.per_turn is not None
        strategies.append(
            StrategyPlay(
                entrant.id,
                entrant.label,
                payoffs=np.ascontiguousarray(grid.per_turn[0, :, :, a]),
                counts=np.asarray(grid.counts[0]),
                endings=np.asarray(grid.endings[0]),
            )
        )
    best = int(np.argmax([s.totals.mean() for s in strategies]))
    return Stakes(
        actor,
        runs,
        tuple(strategies),
        reference,
        best,
        tuple(cs.state_names[c.column] for c in cs.counts),
        tuple(cs.ending_ids),
    )


WIRE_ARRAYS = ("payoffs", "counts", "endings")


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _array(text: str) -> np.ndarray:
    return np.asarray(np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False))


def to_wire(stakes: Stakes) -> dict[str, Any]:
    """`stakes` as JSON-safe data (numbers as `.npy` bytes in base64: exact, and about 2 MB for
    pakistan-ttp's eleven strategies over 1,000 runs)."""
    return {
        "actor": stakes.actor,
        "runs": stakes.runs,
        "reference": stakes.reference,
        "best": stakes.best,
        "count_names": list(stakes.count_names),
        "ending_ids": list(stakes.ending_ids),
        "strategies": [
            {"id": play.id, "label": play.label, **{name: _npy(getattr(play, name)) for name in WIRE_ARRAYS}}
            for play in stakes.strategies
        ],
    }


def from_wire(data: Mapping[str, Any]) -> Stakes:
    """The `Stakes` that `to_wire` sent (ValueError or KeyError when the data is not that)."""
    strategies = tuple(
        StrategyPlay(str(s["id"]), str(s["label"]), *(_array(s[name]) for name in WIRE_ARRAYS))
        for s in data["strategies"]
    )
    runs = int(data["runs"])
    for play in strategies:
        if len(play.payoffs) != runs or len(play.counts) != runs or len(play.endings) != runs:
            raise ValueError("stakes arrays do not match their number of runs")
    return Stakes(
        str(data["actor"]),
        runs,
        strategies,
        int(data["reference"]),
        int(data["best"]),
        tuple(str(n) for n in data["count_names"]),
        tuple(str(e) for e in data["ending_ids"]),
    )


def percentiles(x: np.ndarray, axis: int = 0) -> Any:
    """(p10, p50, p90) along `axis`."""
    return np.percentile(x, [10, 50, 90], axis=axis)
