"""Summary statistics of a batch, accumulated chunk by chunk.

`Summary.add` takes one chunk's result at a time and keeps only running sums, except the total
payoffs `(runs, actors)` in float64, which percentiles need (a million runs of three actors is
24 MB). `summarize(result, cs)` does the same for a whole result at once.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from dilemma_sim.batch.outputs import Layout, layout_of, scenario_facts


def _stats(x: np.ndarray) -> dict[str, float]:
    """mean, sd and the 5th, 50th and 95th percentiles of a 1-D array."""
    if x.size == 0:
        return {"mean": math.nan, "sd": math.nan, "p5": math.nan, "p50": math.nan, "p95": math.nan}
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)) if x.size > 1 else 0.0,
        "p5": float(p5),
        "p50": float(p50),
        "p95": float(p95),
    }


class Summary:
    """Accumulates a batch's summary one chunk at a time (chunks may come in any order)."""

    def __init__(
        self,
        layout: Layout,
        *,
        scenario: str,
        scenario_hash: str,
        seed: int,
        turns: int,
        turns_per_year: int,
    ) -> None:
        self.layout = layout
        self.scenario = scenario
        self.scenario_hash = scenario_hash
        self.seed = seed
        self.turns = turns
        self.turns_per_year = max(1, turns_per_year)
        self.years = max(1, math.ceil(turns / self.turns_per_year))
        n_state, n_counts = len(layout.state), len(layout.counts)
        self._totals: list[np.ndarray] = []
        self._runs = 0
        self._state_sum = np.zeros(n_state)
        self._state_sq = np.zeros(n_state)
        self._state_min = np.full(n_state, np.inf)
        self._state_max = np.full(n_state, -np.inf)
        self._count_total = np.zeros(n_counts)
        self._count_year = np.zeros((self.years, n_counts))
        self._endings: Counter[str] = Counter()

    @classmethod
    def for_scenario(cls, cs: Any, seed: int) -> Summary:
        """An empty summary for a compiled scenario."""
        facts = scenario_facts(cs)
        return cls(
            layout_of(cs),
            scenario=facts["scenario"],
            scenario_hash=facts["hash"],
            seed=seed,
            turns=facts["turns"],
            turns_per_year=facts["turns_per_year"],
        )

    @property
    def runs(self) -> int:
        return self._runs

    def add(self, result: Any) -> None:
        """Fold in one chunk's result."""
        totals = np.asarray(result.totals, dtype=np.float64)
        n = totals.shape[0]
        if n == 0:
            return
        self._totals.append(totals)
        self._runs += n
        final = np.asarray(result.final_state, dtype=np.float64)
        self._state_sum += final.sum(axis=0)
        self._state_sq += (final * final).sum(axis=0)
        self._state_min = np.minimum(self._state_min, final.min(axis=0))
        self._state_max = np.maximum(self._state_max, final.max(axis=0))
        counts = np.asarray(result.counts_per_turn, dtype=np.float64)
        self._count_total += counts.sum(axis=(0, 1))
        t = counts.shape[1]
        for y in range(self.years):
            lo, hi = y * self.turns_per_year, min(t, (y + 1) * self.turns_per_year)
            if lo < hi:
                self._count_year[y] += counts[:, lo:hi, :].sum(axis=(0, 1))
        names, freq = np.unique(self.layout.ending_names(result.endings).astype(str), return_counts=True)
        self._endings.update(dict(zip(names.tolist(), freq.tolist(), strict=True)))

    def totals(self) -> np.ndarray:
        """Every run's total payoff so far, shape (runs, actors), in the order chunks were added."""
        if not self._totals:
            return np.zeros((0, len(self.layout.actors)))
        if len(self._totals) > 1:
            self._totals = [np.concatenate(self._totals)]
        return self._totals[0]

    def result(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values."""
        n = self._runs
        totals = self.totals()
        payoff = {a: _stats(totals[:, j]) for j, a in enumerate(self.layout.actors)}
        final_state: dict[str, dict[str, float]] = {}
        for j, name in enumerate(self.layout.state):
            mean = self._state_sum[j] / n if n else math.nan
            var = (self._state_sq[j] - n * mean * mean) / (n - 1) if n > 1 else 0.0
            final_state[name] = {
                "mean": float(mean),
                "sd": float(math.sqrt(max(var, 0.0))),
                "min": float(self._state_min[j]) if n else math.nan,
                "max": float(self._state_max[j]) if n else math.nan,
            }
        counts = {
            name: {
                "total_mean": float(self._count_total[j] / n) if n else math.nan,
                "per_year_mean": [float(v / n) if n else math.nan for v in self._count_year[:, j]],
            }
            for j, name in enumerate(self.layout.counts)
        }
        endings = {k: v / n for k, v in sorted(self._endings.items(), key=lambda kv: (-kv[1], kv[0]))}
        return {
            "runs": n,
            "seed": self.seed,
            "turns": self.turns,
            "scenario": self.scenario,
            "hash": self.scenario_hash,
            "payoff": payoff,
            "final_state": final_state,
            "counts": counts,
            "endings": endings,
        }


def summarize(result: Any, cs: Any, *, seed: int | None = None) -> dict[str, Any]:
    """The summary of a whole batch result: runs, seed, turns, scenario, hash, payoff, final_state,
    counts and endings."""
    s = Summary.for_scenario(cs, seed if seed is not None else int(getattr(result, "seed", 0)))
    s.add(result)
    return s.result()
