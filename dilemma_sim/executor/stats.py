"""Statistics that do not depend on how runs were chunked: per-block moments merged in block order,
and the one confidence-interval formula every comparison uses.

Floating-point sums depend on grouping, so "merge chunk statistics" alone would make a summary
change with `--chunk-runs`. Here the unit is the random streams' block (`BLOCK` run indices), which
every plan cuts at the same edges: each block's moments are computed from its rows alone (two-pass,
so nothing cancels), then blocks are merged left to right in block order with Chan's update. The
same runs give the same bits whatever the chunks, workers or scheduler. Counts are integers, so
their sums are exact in any order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from dilemma_sim.engine.sampling import BLOCK
from dilemma_sim.engine.simulate import BatchResult
from dilemma_sim.engine.tables import CompiledScenario

CONFIDENCE = 0.95
"""Level of every confidence interval dilemma-sim reports."""


@dataclass(frozen=True, eq=False)
class Moments:
    """Count, mean, sum of squared deviations, min and max of each of k columns."""

    n: int
    mean: np.ndarray
    m2: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> Moments:
        """The moments of the rows of `x` (n, k), two-pass.

        Each column is reduced as one contiguous vector: numpy sums in an order that depends on
        memory layout, so the same rows in a C- or Fortran-ordered array must meet the same loop.
        """
        cols = np.ascontiguousarray(np.asarray(x, dtype=np.float64).T)  # (k, n), rows contiguous
        k, n = cols.shape
        if n == 0:
            inf = np.full(k, np.inf)
            return cls(0, np.zeros(k), np.zeros(k), inf, -inf)
        mean = cols.mean(axis=1)
        dev = cols - mean[:, None]
        return cls(n, mean, (dev * dev).sum(axis=1), cols.min(axis=1), cols.max(axis=1))

    def merge(self, other: Moments) -> Moments:
        """Both sets of rows as one (Chan et al.'s pairwise update)."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        m2 = self.m2 + other.m2 + delta * delta * (self.n * other.n / n)
        return Moments(n, mean, m2, np.minimum(self.low, other.low), np.maximum(self.high, other.high))

    def sd(self) -> np.ndarray:
        """Sample standard deviation (0 for fewer than two rows)."""
        return np.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else np.zeros_like(self.m2)


@dataclass(frozen=True, eq=False)
class BlockSummary:
    """A batch summary's statistics over the runs of one block."""

    block: int
    runs: int
    final_state: Moments
    count_years: np.ndarray
    """(years, C) sum of each count variable over each simulated year."""
    endings: np.ndarray
    """(len(ending_ids),) runs that reached each ending."""


def block_summaries(
    cs: CompiledScenario, result: BatchResult, turns_per_year: int
) -> tuple[BlockSummary, ...]:
    """The per-block statistics of a one-point chunk result, in block order."""
    if result.points != 1:
        raise ValueError("a batch summary is of one design point")
    turns_per_year = max(1, turns_per_year)
    years = max(1, math.ceil(cs.turns / turns_per_year))
    counts = result.counts_per_turn
    per_year = np.zeros((counts.shape[0], years, counts.shape[2]))
    for y in range(years):
        lo, hi = y * turns_per_year, min(counts.shape[1], (y + 1) * turns_per_year)
        if lo < hi:
            per_year[:, y] = counts[:, lo:hi].sum(axis=1)
    out = []
    at = 0
    first = result.first_run
    while at < result.runs:
        block = (first + at) // BLOCK
        stop = min(result.runs, (block + 1) * BLOCK - first)
        rows = slice(at, stop)
        out.append(
            BlockSummary(
                block,
                stop - at,
                Moments.of(result.final_state[rows]),
                per_year[rows].sum(axis=0),
                np.bincount(result.endings[rows], minlength=len(cs.ending_ids)),
            )
        )
        at = stop
    return tuple(out)


def merge_blocks(blocks: list[BlockSummary]) -> BlockSummary | None:
    """All blocks as one, merged in block order (a block split across tasks is merged as a whole first)."""
    if not blocks:
        return None
    ordered = sorted(blocks, key=lambda b: b.block)
    # a block cut by a task edge (only when a batch starts mid-block) arrives in pieces: join them first
    # in run order so the result still does not depend on where the cut fell
    total = ordered[0]
    for b in ordered[1:]:
        total = BlockSummary(
            b.block,
            total.runs + b.runs,
            total.final_state.merge(b.final_state),
            total.count_years + b.count_years,
            total.endings + b.endings,
        )
    return total


# --------------------------------------------------------------------------- confidence intervals


@dataclass(frozen=True)
class Estimate:
    """A mean with its standard deviation and the half-width of its 95% confidence interval."""

    mean: float
    sd: float
    n: int
    half: float

    @property
    def low(self) -> float:
        return self.mean - self.half

    @property
    def high(self) -> float:
        return self.mean + self.half


def t_factor(n: int) -> float:
    """Student-t quantile for a two-sided `CONFIDENCE` interval of a mean of n values (0 when n < 2)."""
    # scipy.special's Student-t inverse: scipy.stats would cost 45 MB and half a second to import
    return float(special.stdtrit(n - 1, 0.5 + CONFIDENCE / 2)) if n > 1 else 0.0


def mean_ci(x: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, sample sd and CI half-width along `axis`: the one interval formula of every comparison.

    A t-interval on the mean; applied to paired differences (the same runs under two strategies)
    it is the paired-comparison interval.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[axis]
    mean = x.mean(axis=axis)
    sd = x.std(axis=axis, ddof=1) if n > 1 else np.zeros_like(mean)
    return mean, sd, t_factor(n) * sd / math.sqrt(max(n, 1))


def estimate(x: np.ndarray) -> Estimate:
    """`mean_ci` of a 1-D array as an `Estimate`."""
    mean, sd, half = mean_ci(np.asarray(x, dtype=np.float64).ravel())
    return Estimate(float(mean), float(sd), int(np.size(x)), float(half))
