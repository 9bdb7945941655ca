"""Explore a scenario by playing it many ways, and report what never happens.

Policy mixes played, each over the same runs: the scenario's own policies; every strategy of the
scenario (each for its actor); everyone uniformly random; and the player on myopic best response.
The report lists events that never fire, endings never reached, options that no non-random
policy ever chooses (random play chooses everything, so it would hide them), level variables that
sit at a bound of their range in most turns, and any NaN or infinity in the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dilemma_sim.engine.simulate import BatchResult
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import Interrupted
from dilemma_sim.executor import Assignment, Job, JobRun, assignment
from dilemma_sim.executor.run import SERIAL, Execution, Progress
from dilemma_sim.executor.stop import StopFlag

PINNED_SHARE = 0.5
"""A level variable at a bound in more than this share of played turns is reported as pinned."""


@dataclass
class ExploreReport:
    """What exploring found."""

    scenario: str
    runs: int
    seed: int
    mixes: list[str]
    events_never: list[str] = field(default_factory=list)
    endings_never: list[str] = field(default_factory=list)
    options_never: list[str] = field(default_factory=list)
    """`actor.decision.option` never chosen by a non-random policy."""
    pinned: list[dict[str, Any]] = field(default_factory=list)
    """{variable, bound: low|high, value, share} for variables pinned at a bound."""
    nan: list[str] = field(default_factory=list)
    """Where non-finite numbers appeared: `mix: what`."""
    event_rates: dict[str, float] = field(default_factory=dict)
    """Share of played turns in which each event fired (all mixes)."""
    ending_shares: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "mixes": self.mixes,
            "events_never_fired": self.events_never,
            "endings_never_reached": self.endings_never,
            "options_never_chosen": self.options_never,
            "pinned_state": self.pinned,
            "non_finite": self.nan,
            "event_rates": self.event_rates,
            "ending_shares": self.ending_shares,
        }

    def lines(self) -> list[str]:
        """The report as text lines."""
        mixes = ", ".join(self.mixes)
        out = [f"{self.scenario}: {self.runs} runs each of {len(self.mixes)} policy mixes ({mixes})"]
        out.append("events never fired: " + (", ".join(self.events_never) or "none"))
        out.append("endings never reached: " + (", ".join(self.endings_never) or "none"))
        out.append(
            "options never chosen by a non-random policy: " + (", ".join(self.options_never) or "none")
        )
        if self.pinned:
            for p in self.pinned:
                where = f"its {p['bound']} bound {p['value']:g}"
                out.append(f"pinned: {p['variable']} at {where} in {p['share']:.0%} of turns")
        else:
            out.append("pinned state variables: none")
        out.append("NaN or infinity: " + ("; ".join(self.nan) or "none"))
        return out


def policy_mixes(cs: CompiledScenario) -> dict[str, Assignment]:
    """Mix name -> policies by actor."""
    sc = cs.scenario
    mixes: dict[str, Assignment] = {"scenario-policies": ()}
    for sid, strategy in sc.strategies.items():
        mixes[f"strategy:{sid}"] = assignment({strategy.actor or sc.player: sid})
    mixes["all-random"] = assignment({a: "random" for a in cs.actors})
    greedy = {did: {"kind": "best_response"} for did in sc.actors[sc.player].decisions}
    mixes["player-greedy"] = assignment({sc.player: greedy})
    return mixes


@dataclass(frozen=True, eq=False)
class Tally:
    """What one task of one mix saw, as counts (sums of integers: exact in any order)."""

    chosen: tuple[np.ndarray, ...]
    """Per decision: (options,) times chosen."""
    fired: np.ndarray
    """(E,) played turns in which each event fired."""
    reached: np.ndarray
    """(endings + horizon,) runs that reached each ending."""
    at_low: np.ndarray
    """(S,) played turns each level variable spent at its low bound."""
    at_high: np.ndarray
    played_turns: int

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            tuple(a + b for a, b in zip(self.chosen, other.chosen, strict=True)),
            self.fired + other.fired,
            self.reached + other.reached,
            self.at_low + other.at_low,
            self.at_high + other.at_high,
            self.played_turns + other.played_turns,
        )


@dataclass(frozen=True)
class TallyTurns:
    """Reduce a task to its `Tally` in the worker (trajectories never leave it)."""

    @property
    def needs_turns(self) -> bool:
        return True

    def __call__(self, cs: CompiledScenario, result: BatchResult) -> Tally:
        traj = result.trajectories
        assert traj is not None
        T = traj["choices"].shape[1]
        played = np.arange(T)[None, :] <= result.ended_turn[:, None]  # (N, T)
        ch = traj["choices"]
        chosen = []
        for d, info in enumerate(cs.decisions):
            col = ch[:, :, d][played]
            chosen.append(np.bincount(col[col >= 0], minlength=len(info.option_ids)))
        st = traj["state"]
        at_low = np.zeros(len(cs.state_names), dtype=np.int64)
        at_high = np.zeros(len(cs.state_names), dtype=np.int64)
        for s in np.flatnonzero(cs.level_mask):
            v = st[:, :, s][played]
            at_low[s] = int(np.sum(v <= cs.lows[s]))
            at_high[s] = int(np.sum(v >= cs.highs[s]))
        return Tally(
            tuple(chosen),
            (traj["events"] & played[:, :, None]).sum(axis=(0, 1)),
            np.bincount(result.endings[result.endings >= 0], minlength=len(cs.ending_ids)),
            at_low,
            at_high,
            int(played.sum()),
        )


def explore(
    cs: CompiledScenario,
    *,
    runs: int = 2000,
    seed: int = 0,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> ExploreReport:
    """Play every policy mix over the same `runs` runs and report what never happens."""
    mixes = policy_mixes(cs)
    report = ExploreReport(cs.scenario_id, runs, seed, list(mixes))
    jobs = [Job(cs, seed, runs, pol, reduction=TallyTurns(), label=name) for name, pol in mixes.items()]
    tallies: dict[str, Tally] = {}
    run = JobRun(jobs, execution, stop=stop, progress=progress)
    for part in run:
        name = part.job.label
        tallies[name] = part.value if name not in tallies else tallies[name] + part.value
    if not run.complete:
        raise Interrupted(f"stopped after {run.rows_done:,} of {run.rows_total:,} runs")
    total = sum(tallies.values(), start=_empty(cs))
    chosen = sum((t for name, t in tallies.items() if name != "all-random"), start=_empty(cs)).chosen
    played_turns = max(total.played_turns, 1)
    report.events_never = [e.id for e, n in zip(cs.events, total.fired, strict=True) if n == 0]
    report.endings_never = [eid for eid, n in zip(cs.ending_ids, total.reached, strict=True) if n == 0]
    report.options_never = [
        f"{d.key}.{d.option_ids[k]}"
        for d, c in zip(cs.decisions, chosen, strict=True)
        for k in np.flatnonzero(c == 0)
    ]
    for s in np.flatnonzero(cs.level_mask):
        for bound, count, value in (
            ("low", total.at_low[s], cs.lows[s]),
            ("high", total.at_high[s], cs.highs[s]),
        ):
            share = count / played_turns
            if share > PINNED_SHARE:
                report.pinned.append(
                    {
                        "variable": cs.state_names[s],
                        "bound": bound,
                        "value": float(value),
                        "share": float(share),
                    }
                )
    report.event_rates = {e.id: float(n) / played_turns for e, n in zip(cs.events, total.fired, strict=True)}
    total_runs = runs * len(mixes)
    report.ending_shares = {
        eid: float(n) / total_runs for eid, n in zip(cs.ending_ids, total.reached, strict=True)
    }
    return report


def _empty(cs: CompiledScenario) -> Tally:
    n_state = len(cs.state_names)
    return Tally(
        tuple(np.zeros(len(d.option_ids), dtype=np.int64) for d in cs.decisions),
        np.zeros(len(cs.events), dtype=np.int64),
        np.zeros(len(cs.ending_ids), dtype=np.int64),
        np.zeros(n_state, dtype=np.int64),
        np.zeros(n_state, dtype=np.int64),
        0,
    )
