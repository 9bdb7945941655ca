"""Every strategy on common random numbers: the one loop behind tournament, sweep, robust, explore's
policy mixes and the debrief's benchmarks.

Each entrant (a policy assignment) plays the same runs — same seed, same run indices, so the same
parameter samples and random draws — at every design point. Differences between entrants are then
estimated from paired runs, far more precisely than the means themselves; `stats.mean_ci` gives
every interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dilemma_sim.engine.simulate import DesignPoints
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import Interrupted
from dilemma_sim.executor.jobs import Assignment, Job
from dilemma_sim.executor.reductions import OutcomeRows, Outcomes
from dilemma_sim.executor.run import SERIAL, Execution, JobRun, Progress
from dilemma_sim.executor.stats import mean_ci
from dilemma_sim.executor.stop import StopFlag

OUTCOMES = Outcomes()
"""Totals, endings and count totals per run: what most comparisons need."""


@dataclass(frozen=True)
class Entrant:
    """A way to play: an id, a label for tables, and the policies it sets by actor."""

    id: str
    label: str
    policies: Assignment
    builtin: bool = False
    """Made by dilemma-sim rather than written in the scenario."""


@dataclass(frozen=True, eq=False)
class OutcomeGrid:
    """One entrant's outcomes at every point and run: arrays shaped (K points, R runs, ...)."""

    totals: np.ndarray
    """(K, R, A)."""
    endings: np.ndarray
    """(K, R) ending codes."""
    ended_turn: np.ndarray
    """(K, R)."""
    counts: np.ndarray
    """(K, R, C) count totals over each run."""
    final_state: np.ndarray | None = None
    """(K, R, S) when asked for."""
    per_turn: np.ndarray | None = None
    """(K, R, T, V) when asked for."""
    counts_per_turn: np.ndarray | None = None
    """(K, R, T, C) when asked for."""


@dataclass(frozen=True, eq=False)
class Plays:
    """Every entrant's outcomes on the same runs at the same points."""

    entrants: tuple[Entrant, ...]
    actors: tuple[str, ...]
    seed: int
    runs: int
    points: int
    grids: tuple[OutcomeGrid, ...]
    """One per entrant, in entrant order."""

    def totals(self, actor: str) -> np.ndarray:
        """(E, K, R) total payoffs of `actor`."""
        a = self.actors.index(actor)
        return np.stack([g.totals[:, :, a] for g in self.grids])

    def means(self, actor: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(E, K) mean, sd and CI half-width of `actor`'s total per entrant and point."""
        return mean_ci(self.totals(actor), axis=2)

    def paired(self, actor: str, reference: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(E, K) mean, sd and CI half-width of each entrant's total minus the reference entrant's."""
        t = self.totals(actor)
        return mean_ci(t - t[reference], axis=2)


def play_entrants(
    scenario: CompiledScenario | Sequence[CompiledScenario],
    entrants: Sequence[Entrant],
    *,
    runs: int,
    seed: int,
    points: DesignPoints | None = None,
    outcomes: Outcomes = OUTCOMES,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> Plays:
    """Play every entrant over runs `0..runs-1` at every point; raises `Interrupted` if stopped.

    Points are either `DesignPoints` of one scenario (fixed parameter columns), or a sequence of
    compiled scenarios, one per point (values that are not parameters, changed in the file).
    """
    variants = [scenario] if isinstance(scenario, CompiledScenario) else list(scenario)
    if not variants:
        raise ValueError("no scenario to play")
    if points is not None and len(variants) > 1:
        raise ValueError("give design points or one scenario per point, not both")
    k = points.count if points is not None else len(variants)
    jobs: list[Job] = []
    for entrant in entrants:
        for cs in variants:
            jobs.append(Job(cs, seed, runs, entrant.policies, 0, points, outcomes, label=entrant.id))
    cs0 = variants[0]
    pieces: dict[int, list[tuple[np.ndarray, OutcomeRows]]] = {j: [] for j in range(len(jobs))}
    run = JobRun(jobs, execution, stop=stop, progress=progress)
    for part in run:
        pieces[part.job_index].append((part.rows(), part.value))
    if not run.complete:
        raise Interrupted(f"stopped after {run.rows_done:,} of {run.rows_total:,} rows")
    grids = []
    per_entrant = len(variants)
    for e in range(len(entrants)):
        job_ids = range(e * per_entrant, (e + 1) * per_entrant)
        grids.append(_grid([pieces[j] for j in job_ids], k, runs, points is not None))
    return Plays(tuple(entrants), tuple(cs0.actors), seed, runs, k, tuple(grids))


_GRID_FIELDS = ("totals", "endings", "ended_turn", "counts", "final_state", "per_turn", "counts_per_turn")


def _grid(jobs: list[list[tuple[np.ndarray, OutcomeRows]]], k: int, runs: int, one_job: bool) -> OutcomeGrid:
    """Assemble task rows into (K, R, ...) arrays: one job with K points, or K one-point jobs."""
    fields: dict[str, np.ndarray] = {}
    for j, parts in enumerate(jobs):
        for rows, value in parts:
            flat = rows if one_job else rows + j * runs
            for name in _GRID_FIELDS:
                v = getattr(value, name)
                if v is None:
                    continue
                if name not in fields:
                    fields[name] = np.empty((k * runs, *v.shape[1:]), dtype=v.dtype)
                fields[name][flat] = v
    shaped = {name: a.reshape(k, runs, *a.shape[1:]) for name, a in fields.items()}
    return OutcomeGrid(**shaped)
