"""Tournaments: every player strategy against the other actors' policies, ranked.

Entrants are the scenario's own strategies for its player plus three built-ins, made from the
scenario itself so they work for any scenario:

* `reciprocity` — tit-for-tat, generalised. For each of the player's choice decisions it watches
  one *counterpart* decision: the other actor's choice decision whose options move the player's
  expected first-turn payoff the most. The counterpart's *most cooperative* option is the one
  that gives the player the highest expected payoff; the player's most cooperative option is the
  one that gives the counterpart the highest expected payoff, its *least cooperative* the lowest.
  The policy cooperates on the first turn and whenever the counterpart's last choice was its most
  cooperative option, and otherwise plays its least cooperative option. Levers hold.
* `random` — every option of every decision with equal probability, every turn (the engine's
  built-in `random` strategy).
* `greedy` — myopic best response on every decision (the engine's `best_response` policy: the
  highest expected one-turn payoff given last turn's choices).

Every entrant plays the same runs (same seed and run indices: common random numbers; see
`executor.compare`), so the differences between entrants are estimated with far less noise than the
means themselves; the table reports each mean with its 95% confidence interval and the paired
difference to the leader, both from `executor.stats.mean_ci`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dilemma_sim.batch.sweep import player_strategies
from dilemma_sim.engine.simulate import Simulation
from dilemma_sim.engine.state import BatchState
from dilemma_sim.engine.step import stage_payoffs
from dilemma_sim.engine.tables import CompiledScenario, DecisionInfo
from dilemma_sim.errors import InvalidInput
from dilemma_sim.executor import assignment
from dilemma_sim.executor.compare import Entrant, play_entrants
from dilemma_sim.executor.run import SERIAL, Execution, Progress
from dilemma_sim.executor.stop import StopFlag
from dilemma_sim.scenario.binding import label_of
from dilemma_sim.scenario.models import (
    BUILTIN_STRATEGIES,
    BestResponsePolicy,
    Rule,
    RulesPolicy,
    Scenario,
    Strategy,
)


@dataclass(frozen=True)
class Entry:
    """One entrant's result."""

    strategy: str
    label: str
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    diff: float
    """Mean paired difference to the leader (0 for the leader)."""
    diff_ci: float
    """Half-width of the 95% interval of `diff`."""
    builtin: bool


@dataclass(frozen=True)
class TournamentResult:
    """Entrants ranked by mean total payoff of the player, best first."""

    scenario: str
    player: str
    runs: int
    seed: int
    entries: list[Entry]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "scenario": self.scenario,
            "player": self.player,
            "runs": self.runs,
            "seed": self.seed,
            "ranking": [
                {
                    "rank": i + 1,
                    "strategy": e.strategy,
                    "label": e.label,
                    "mean": e.mean,
                    "sd": e.sd,
                    "ci95": [e.ci_low, e.ci_high],
                    "diff_to_best": e.diff,
                    "diff_ci95": e.diff_ci,
                    "builtin": e.builtin,
                }
                for i, e in enumerate(self.entries)
            ],
        }


def _first_turn_payoffs(
    cs: CompiledScenario, runs: int = 256, seed: int = 0
) -> tuple[BatchState, np.ndarray]:
    """A turn-0 batch and the default choices, for expected-payoff comparisons."""
    sim = Simulation(cs, runs=runs, seed=seed)
    base = np.broadcast_to(np.asarray(cs.defaults, dtype=np.int64), (runs, len(cs.decisions))).copy()
    return sim.state, base


def reciprocity_strategy(cs: CompiledScenario) -> Strategy | None:
    """The generalised tit-for-tat of the module docstring, or None without a counterpart."""
    sc: Scenario = cs.scenario
    player = sc.player
    batch, base = _first_turn_payoffs(cs)
    mine = [d for d in cs.decisions if d.actor == player and d.kind == "choice" and len(d.option_ids) > 1]
    theirs = [d for d in cs.decisions if d.actor != player and d.kind == "choice" and len(d.option_ids) > 1]
    if not mine or not theirs:
        return None
    policy: dict[str, Any] = {}
    for d in mine:
        best: tuple[float, DecisionInfo, np.ndarray] | None = None
        for c in theirs:
            pay = np.asarray(stage_payoffs(cs, batch, (d.actor, d.index), (c.actor, c.index), base)).mean(
                axis=0
            )  # (m, n, 2)
            spread = float(np.ptp(pay[:, :, 0].mean(axis=0)))
            if best is None or spread > best[0]:
                best = (spread, c, pay)
        assert best is not None
        _, c, pay = best
        their_coop = c.option_ids[int(np.argmax(pay[:, :, 0].mean(axis=0)))]
        my_rank = pay[:, :, 1].mean(axis=1)  # the counterpart's payoff for each of my options
        my_coop = d.option_ids[int(np.argmax(my_rank))]
        my_defect = d.option_ids[int(np.argmin(my_rank))]
        policy[d.id] = RulesPolicy(
            kind="rules",
            rules=[
                Rule(when="turn == 0", choose=my_coop),
                Rule(when=f"prev.{c.actor}.{c.id}.{their_coop} == 1", choose=my_coop),
            ],
            otherwise=my_defect,
        )
    return Strategy(
        label="Reciprocity",
        description="Cooperate first, then mirror the counterpart's last move (built-in).",
        actor=player,
        policy=policy,
    )


def greedy_policy(scenario: Scenario) -> dict[str, Any]:
    """Myopic best response on every decision of the player."""
    actor = scenario.actors[scenario.player]
    return {did: BestResponsePolicy(kind="best_response") for did in actor.decisions}


def entrants_of(cs: CompiledScenario) -> list[Entrant]:
    """The scenario's player strategies, then the built-ins. A scenario strategy with a built-in's id is
    refused (E420 at validation; ValueError here for a scenario built in code), so a built-in never
    plays under the author's label."""
    sc: Scenario = cs.scenario
    clash = sorted(set(sc.strategies) & set(BUILTIN_STRATEGIES))
    if clash:
        raise ValueError(f"the scenario defines a strategy {clash[0]!r}, the name of a built-in; rename it")
    out: dict[str, Entrant] = {
        sid: Entrant(sid, label_of(sc.strategies[sid]), assignment({sc.player: sid}))
        for sid in player_strategies(sc)
    }
    recip = reciprocity_strategy(cs)
    if recip is not None:
        out["reciprocity"] = Entrant(
            "reciprocity", f"{recip.label} (built-in)", assignment({sc.player: dict(recip.policy)}), True
        )
    out["random"] = Entrant("random", "Random (built-in)", assignment({sc.player: "random"}), True)
    out["greedy"] = Entrant("greedy", "Greedy (built-in)", assignment({sc.player: greedy_policy(sc)}), True)
    return list(out.values())


def run_tournament(
    cs: CompiledScenario,
    *,
    runs: int = 2000,
    seed: int = 0,
    entrants: Sequence[str] | None = None,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> TournamentResult:
    """Play every entrant over the same `runs` runs and rank them by the player's mean total payoff."""
    sc: Scenario = cs.scenario
    table = {e.id: e for e in entrants_of(cs)}
    ids = list(table)
    if entrants is not None:
        unknown = [e for e in entrants if e not in ids]
        if unknown:
            raise InvalidInput(f"unknown strategy {unknown[0]!r}; entrants are {', '.join(ids)}")
        ids = list(entrants)
    chosen = [table[i] for i in ids]
    plays = play_entrants(cs, chosen, runs=runs, seed=seed, execution=execution, stop=stop, progress=progress)
    mean, sd, half = (v[:, 0] for v in plays.means(sc.player))
    order = sorted(range(len(chosen)), key=lambda k: -float(mean[k]))
    diff, _, diff_half = (v[:, 0] for v in plays.paired(sc.player, order[0]))
    entries = [
        Entry(
            chosen[k].id,
            chosen[k].label,
            float(mean[k]),
            float(sd[k]),
            float(mean[k] - half[k]),
            float(mean[k] + half[k]),
            float(diff[k]),
            float(diff_half[k]),
            chosen[k].builtin,
        )
        for k in order
    ]
    return TournamentResult(sc.id, sc.player, runs, seed, entries)
