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

Every entrant plays the same runs (same seed and run indices: common random numbers), so the
differences between entrants are estimated with far less noise than the means themselves; the
table reports each mean with its 95% confidence interval and the paired difference to the leader.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dilemma_sim.scenario.binding import label_of
from dilemma_sim.scenario.models import BestResponsePolicy, Rule, RulesPolicy, Scenario, Strategy

BUILTINS = ("reciprocity", "random", "greedy")


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


def _first_turn_payoffs(cs: Any, runs: int = 256, seed: int = 0) -> tuple[Any, Any]:
    """A turn-0 batch and the default choices, for expected-payoff comparisons."""
    from dilemma_sim.engine import Simulation

    sim = Simulation(cs, runs=runs, seed=seed)
    base = np.broadcast_to(np.asarray(cs.defaults, dtype=np.int64), (runs, len(cs.decisions))).copy()
    return sim.state, base


def reciprocity_strategy(cs: Any) -> Strategy | None:
    """The generalised tit-for-tat of the module docstring, or None without a counterpart."""
    from dilemma_sim.engine.step import stage_payoffs

    sc: Scenario = cs.scenario
    player = sc.player
    batch, base = _first_turn_payoffs(cs)
    mine = [d for d in cs.decisions if d.actor == player and d.kind == "choice" and len(d.option_ids) > 1]
    theirs = [d for d in cs.decisions if d.actor != player and d.kind == "choice" and len(d.option_ids) > 1]
    if not mine or not theirs:
        return None
    policy: dict[str, Any] = {}
    for d in mine:
        best: tuple[float, Any, np.ndarray] | None = None
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


def entrants_of(cs: Any) -> dict[str, tuple[str, str | dict[str, Any]]]:
    """Entrant id -> (label, override for `build_policies`): the scenario's player strategies, then the
    built-ins. A scenario strategy with a built-in's id is refused (E420 at validation; ValueError here
    for a scenario built in code), so a built-in never plays under the author's label."""
    from dilemma_sim.batch.sweep import player_strategies

    sc: Scenario = cs.scenario
    clash = sorted(set(sc.strategies) & set(BUILTINS))
    if clash:
        raise ValueError(f"the scenario defines a strategy {clash[0]!r}, the name of a built-in; rename it")
    out: dict[str, tuple[str, str | dict[str, Any]]] = {
        sid: (label_of(sc.strategies[sid]), sid) for sid in player_strategies(sc)
    }
    recip = reciprocity_strategy(cs)
    if recip is not None:
        out["reciprocity"] = (f"{recip.label} (built-in)", dict(recip.policy))
    out["random"] = ("Random (built-in)", "random")
    out["greedy"] = ("Greedy (built-in)", greedy_policy(sc))
    return out


def run_tournament(
    cs: Any,
    *,
    runs: int = 2000,
    seed: int = 0,
    entrants: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> TournamentResult:
    """Play every entrant over the same `runs` runs and rank them by the player's mean total payoff."""
    from dilemma_sim.engine import build_policies, run_batch

    sc: Scenario = cs.scenario
    table = entrants_of(cs)
    ids = list(table)
    if entrants is not None:
        unknown = [e for e in entrants if e not in ids]
        if unknown:
            raise ValueError(f"unknown strategy {unknown[0]!r}; entrants are {', '.join(ids)}")
        ids = list(entrants)
    a = list(cs.actors).index(sc.player)
    totals: dict[str, np.ndarray] = {}
    for sid in ids:
        result = run_batch(cs, runs, seed, build_policies(cs, {sc.player: table[sid][1]}))
        totals[sid] = np.asarray(result.totals)[:, a].astype(np.float64)
        if progress is not None:
            progress(1)
    order = sorted(ids, key=lambda s: -float(totals[s].mean()))
    leader = totals[order[0]]
    entries = []
    for sid in order:
        x = totals[sid]
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if runs > 1 else 0.0
        half = 1.96 * sd / math.sqrt(runs)
        d = x - leader
        d_half = 1.96 * float(d.std(ddof=1)) / math.sqrt(runs) if runs > 1 else 0.0
        builtin = sid not in sc.strategies
        entries.append(
            Entry(sid, table[sid][0], mean, sd, mean - half, mean + half, float(d.mean()), d_half, builtin)
        )
    return TournamentResult(sc.id, sc.player, runs, seed, entries)
