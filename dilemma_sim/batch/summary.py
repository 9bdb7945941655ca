"""The summary of a batch: payoff percentiles, final-state moments, counts per year, endings.

`Summary` folds in a batch chunk by chunk (whole engine results, or the `SummaryPart`s workers
reduce them to) and keeps per-block statistics plus every run's total payoffs (percentiles need
them: a million runs of three actors is 24 MB). Blocks are merged in block order (see
`executor.stats`), so the summary is the same to the bit whatever the chunks, workers or scheduler.
"""

from __future__ import annotations

import itertools
import math
from typing import TypedDict

import numpy as np

from dilemma_sim.batch.layout import Layout, layout_of, scenario_facts
from dilemma_sim.engine.simulate import BatchResult
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.executor.reductions import SummaryPart
from dilemma_sim.executor.stats import BlockSummary, block_summaries, merge_blocks


class PayoffStats(TypedDict):
    """An actor's total payoff over the runs."""

    mean: float
    sd: float
    p5: float
    p50: float
    p95: float


class StateStats(TypedDict):
    """A state variable at the end of the runs."""

    mean: float
    sd: float
    min: float
    max: float


class CountStats(TypedDict):
    """A count variable: its mean total per run, and its mean per simulated year."""

    total_mean: float
    per_year_mean: list[float]


class BatchSummary(TypedDict):
    """The JSON summary of a batch (`batch --json`, `api.summarize`)."""

    runs: int
    seed: int
    turns: int
    scenario: str
    hash: str
    payoff: dict[str, PayoffStats]
    final_state: dict[str, StateStats]
    counts: dict[str, CountStats]
    endings: dict[str, float]
    """Ending id -> share of the runs, most frequent first."""


def _stats(x: np.ndarray) -> PayoffStats:
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
    """Accumulates a batch's summary one chunk at a time (in any order)."""

    def __init__(
        self, cs: CompiledScenario, seed: int, *, runs: int | None = None, first_run: int = 0
    ) -> None:
        """`runs` (the batch's size, when known) lets the totals live in one array allocated once: a
        million small arrays kept for percentiles would fragment the heap of a long batch."""
        facts = scenario_facts(cs)
        self.cs = cs
        self.layout: Layout = layout_of(cs)
        self.scenario: str = facts["scenario"]
        self.scenario_hash: str = facts["hash"]
        self.seed = seed
        self.turns: int = facts["turns"]
        self.turns_per_year = max(1, int(facts["turns_per_year"]))
        self._blocks: list[BlockSummary] = []
        self._first = first_run
        self._all = None if runs is None else np.empty((runs, len(self.layout.actors)))
        self._pieces: dict[int, np.ndarray] = {}
        """First run of a chunk -> its totals (runs, actors) (views into `_all` when preallocated)."""

    @property
    def runs(self) -> int:
        """Runs folded in so far."""
        return sum(t.shape[0] for t in self._pieces.values())

    def add(self, result: BatchResult) -> None:
        """Fold in one chunk's engine result."""
        self.add_part(
            SummaryPart(block_summaries(self.cs, result, self.turns_per_year), result.totals),
            result.first_run,
        )

    def add_part(self, part: SummaryPart, first_run: int) -> None:
        """Fold in one chunk reduced by a worker (`executor.reductions.Summarize`)."""
        n = part.totals.shape[0]
        if n == 0:
            return
        self._blocks.extend(part.blocks)
        if self._all is not None:
            at = first_run - self._first
            self._all[at : at + n] = part.totals
            self._pieces[first_run] = self._all[at : at + n]
        else:
            self._pieces[first_run] = np.array(part.totals, dtype=np.float64)

    def totals(self) -> np.ndarray:
        """Every run's total payoff so far, shape (runs, actors), in run order."""
        if not self._pieces:
            return np.zeros((0, len(self.layout.actors)))
        order = sorted(self._pieces)
        contiguous = all(a + self._pieces[a].shape[0] == b for a, b in itertools.pairwise(order))
        if self._all is not None and contiguous and order[0] == self._first:
            return self._all[: self.runs]  # a prefix of the batch, the usual case: no copy
        return np.concatenate([self._pieces[k] for k in order])

    def result(self) -> BatchSummary:
        """The summary as plain JSON-ready values."""
        totals = self.totals()
        n = totals.shape[0]
        payoff = {a: _stats(np.ascontiguousarray(totals[:, j])) for j, a in enumerate(self.layout.actors)}
        merged = merge_blocks(self._blocks)
        final_state: dict[str, StateStats] = {}
        counts: dict[str, CountStats] = {}
        endings: dict[str, float] = {}
        if merged is not None and n:
            fs = merged.final_state
            sd = fs.sd()
            for j, name in enumerate(self.layout.state):
                final_state[name] = {
                    "mean": float(fs.mean[j]),
                    "sd": float(sd[j]),
                    "min": float(fs.low[j]),
                    "max": float(fs.high[j]),
                }
            for j, name in enumerate(self.layout.counts):
                years = merged.count_years[:, j]
                counts[name] = {
                    "total_mean": float(years.sum() / n),
                    "per_year_mean": [float(v / n) for v in years],
                }
            names = self.layout.ending_names(np.arange(len(merged.endings)))
            shares = {str(name): int(k) / n for name, k in zip(names, merged.endings, strict=True) if k}
            endings = dict(sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])))
        else:
            nan = StateStats(mean=math.nan, sd=math.nan, min=math.nan, max=math.nan)
            final_state = {name: nan.copy() for name in self.layout.state}
            counts = {name: {"total_mean": math.nan, "per_year_mean": []} for name in self.layout.counts}
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


def summarize(result: BatchResult, cs: CompiledScenario, *, seed: int = 0) -> BatchSummary:
    """The summary of a whole batch result: runs, seed, turns, scenario, hash, payoff, final_state,
    counts and endings."""
    s = Summary(cs, seed)
    s.add(result)
    return s.result()
