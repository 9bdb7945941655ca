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

    @property
    def clean(self) -> bool:
        """Whether nothing was found."""
        return not (self.events_never or self.endings_never or self.options_never or self.pinned or self.nan)

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


def policy_mixes(cs: Any) -> dict[str, dict[str, Any]]:
    """Mix name -> strategy overrides by actor."""
    sc = cs.scenario
    mixes: dict[str, dict[str, Any]] = {"scenario-policies": {}}
    for sid, strategy in sc.strategies.items():
        mixes[f"strategy:{sid}"] = {strategy.actor or sc.player: sid}
    mixes["all-random"] = {a: "random" for a in cs.actors}
    greedy = {did: {"kind": "best_response"} for did in sc.actors[sc.player].decisions}
    mixes["player-greedy"] = {sc.player: greedy}
    return mixes


def explore(cs: Any, *, runs: int = 2000, seed: int = 0) -> ExploreReport:
    """Play every policy mix over `runs` runs and report what never happens."""
    from dilemma_sim.engine import run_batch

    mixes = policy_mixes(cs)
    report = ExploreReport(cs.scenario_id, runs, seed, list(mixes))
    n_dec, n_ev = len(cs.decisions), len(cs.events)
    chosen = [np.zeros(len(d.option_ids), dtype=bool) for d in cs.decisions]
    fired = np.zeros(n_ev, dtype=np.int64)
    reached = np.zeros(len(cs.ending_ids), dtype=np.int64)
    levels = np.flatnonzero(cs.level_mask)
    at_low = np.zeros(len(cs.state_names), dtype=np.int64)
    at_high = np.zeros(len(cs.state_names), dtype=np.int64)
    played_turns = 0
    for name, overrides in mixes.items():
        result = run_batch(cs, runs, seed, overrides, collect_turns=True)
        traj = result.trajectories
        assert traj is not None
        T = traj["choices"].shape[1]
        played = np.arange(T)[None, :] <= result.ended_turn[:, None]  # (N, T)
        played_turns += int(played.sum())
        if name != "all-random":
            ch = traj["choices"]
            for d in range(n_dec):
                col = ch[:, :, d][played]
                chosen[d] |= np.bincount(col[col >= 0], minlength=len(chosen[d])).astype(bool)
        fired += (traj["events"] & played[:, :, None]).sum(axis=(0, 1))
        reached += np.bincount(result.endings[result.endings >= 0], minlength=len(cs.ending_ids))
        st = traj["state"]
        for s in levels:
            v = st[:, :, s][played]
            at_low[s] += int(np.sum(v <= cs.lows[s]))
            at_high[s] += int(np.sum(v >= cs.highs[s]))
        for what, arr in (
            ("state", st),
            ("payoffs", traj["payoffs"]),
            ("totals", result.totals),
            ("parameters", result.params),
        ):
            bad = ~np.isfinite(np.asarray(arr, dtype=np.float64))
            if bad.any():
                report.nan.append(f"{name}: {int(bad.sum())} non-finite value(s) in {what}")
    report.events_never = [e.id for e, n in zip(cs.events, fired, strict=True) if n == 0]
    report.endings_never = [eid for eid, n in zip(cs.ending_ids, reached, strict=True) if n == 0]
    report.options_never = [
        f"{d.key}.{d.option_ids[k]}"
        for d, c in zip(cs.decisions, chosen, strict=True)
        for k in np.flatnonzero(~c)
    ]
    for s in levels:
        for bound, count, value in (("low", at_low[s], cs.lows[s]), ("high", at_high[s], cs.highs[s])):
            share = count / max(played_turns, 1)
            if share > PINNED_SHARE:
                report.pinned.append(
                    {
                        "variable": cs.state_names[s],
                        "bound": bound,
                        "value": float(value),
                        "share": float(share),
                    }
                )
    report.event_rates = {
        e.id: float(n) / max(played_turns, 1) for e, n in zip(cs.events, fired, strict=True)
    }
    total_runs = runs * len(mixes)
    report.ending_shares = {eid: float(n) / total_runs for eid, n in zip(cs.ending_ids, reached, strict=True)}
    return report
