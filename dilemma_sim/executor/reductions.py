"""What a task sends back: the whole engine result, or a reduction of it computed in the worker.

Reducing in the worker keeps what crosses process boundaries small (a million runs of pakistan-ttp
as whole results would be gigabytes of arrays) and keeps the parent's work to assembling pieces in
a fixed order, which is what makes every statistic independent of workers and chunk sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from dilemma_sim.engine.simulate import BatchResult
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.executor.stats import BlockSummary, block_summaries


class Reduction(Protocol):
    """A picklable function of one task's engine result (frozen dataclasses implement it)."""

    @property
    def needs_turns(self) -> bool:
        """Whether it reads per-turn trajectories (`BatchResult.trajectories`)."""
        ...

    def __call__(self, cs: CompiledScenario, result: BatchResult) -> object:
        """The task's value."""
        ...


@dataclass(frozen=True, eq=False)
class OutcomeRows:
    """Per-row outcomes of a task: the few numbers comparisons of strategies need."""

    totals: np.ndarray
    """(N, A) total payoffs."""
    endings: np.ndarray
    """(N,) ending codes (index into `ending_ids`)."""
    ended_turn: np.ndarray
    """(N,) turn each run ended."""
    counts: np.ndarray
    """(N, C) each count variable's total over the run."""
    final_state: np.ndarray | None = None
    """(N, S) with `Outcomes(final_state=True)`."""
    per_turn: np.ndarray | None = None
    """(N, T, V) with `Outcomes(per_turn=...)`: those state columns after each turn."""
    counts_per_turn: np.ndarray | None = None
    """(N, T, C) with `Outcomes(per_turn=...)`."""


@dataclass(frozen=True)
class Outcomes:
    """Reduce a task to `OutcomeRows` (what `compare` assembles per entrant)."""

    final_state: bool = False
    per_turn: tuple[int, ...] | None = None
    """State columns to keep after every turn (with counts per turn), or None."""

    @property
    def needs_turns(self) -> bool:
        return self.per_turn is not None

    def __call__(self, cs: CompiledScenario, result: BatchResult) -> OutcomeRows:
        per_turn = None
        if self.per_turn is not None:
            assert result.trajectories is not None
            per_turn = np.ascontiguousarray(result.trajectories["state"][:, :, list(self.per_turn)])
        return OutcomeRows(
            totals=np.ascontiguousarray(result.totals),
            endings=np.asarray(result.endings, dtype=np.int64),
            ended_turn=np.asarray(result.ended_turn, dtype=np.int64),
            counts=result.counts_per_turn.sum(axis=1),
            final_state=np.ascontiguousarray(result.final_state) if self.final_state else None,
            per_turn=per_turn,
            counts_per_turn=result.counts_per_turn if self.per_turn is not None else None,
        )


@dataclass(frozen=True, eq=False)
class SummaryPart:
    """A task's share of a batch summary: per-block statistics and the rows' totals (for percentiles)."""

    blocks: tuple[BlockSummary, ...]
    totals: np.ndarray
    """(N, A)."""


@dataclass(frozen=True)
class Summarize:
    """Reduce a task to its `SummaryPart` (a batch that writes no per-run file needs nothing more)."""

    turns_per_year: int = 1

    @property
    def needs_turns(self) -> bool:
        return False

    def __call__(self, cs: CompiledScenario, result: BatchResult) -> SummaryPart:
        return SummaryPart(
            block_summaries(cs, result, self.turns_per_year), np.ascontiguousarray(result.totals)
        )
