"""Run a job list: plan tasks, hand them to a backend, stream the results back in order.

The only way dilemma-sim plays many runs (batch, sweep, tournament, robust, explore, check, the
debrief): commands build a list of `Job`s first, then iterate over `JobRun`, serially, in local
processes or on a Dask cluster, with the same numbers whatever the workers or chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dilemma_sim.engine.footprint import chunk_runs_within
from dilemma_sim.engine.simulate import RESULT_FIELDS, BatchResult, DesignPoints
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import Interrupted, NonFiniteError
from dilemma_sim.executor import backends
from dilemma_sim.executor.jobs import (
    Job,
    PolicyInput,
    Task,
    TaskSpec,
    assignment,
    plan_tasks,
    task_spec,
)
from dilemma_sim.executor.stop import StopFlag
from dilemma_sim.executor.worker import policies_for, run_task
from dilemma_sim.limits import DEFAULT_CHUNK_RUNS

if TYPE_CHECKING:
    from distributed import Client

Progress = Callable[[int], None]
"""Called with the number of (point, run) rows each finished task adds."""


@dataclass(frozen=True)
class Execution:
    """Where and how tasks run; results do not depend on any of it."""

    workers: int = 1
    """Local worker processes (1: in this process)."""
    scheduler: str | Client | None = None
    """A Dask scheduler address (tcp://host:8786) or client, instead of local processes."""
    chunk_runs: int = DEFAULT_CHUNK_RUNS
    """Rows per task (rounded up to whole blocks of the random streams)."""
    retries: int = 2
    """Times a task is run again after a failure that is not the scenario's fault."""


SERIAL = Execution()
"""In this process, default chunks."""


@dataclass(frozen=True, eq=False)
class TaskResult:
    """One finished task and its value."""

    job_index: int
    job: Job
    task: Task
    value: Any
    """The job's reduction of the task's engine result (a `BatchResult` when it has none)."""

    def rows(self) -> np.ndarray:
        """Indices of the task's rows among its job's rows (point-major: `point * runs + run offset`)."""
        offset = self.task.first_run - self.job.first_run
        runs = np.arange(offset, offset + self.task.runs)
        points = np.arange(self.task.point_lo, self.task.point_hi)
        return (points[:, None] * self.job.runs + runs[None, :]).ravel()


class JobRun:
    """Iterate to run a job list; finished tasks come in plan order (jobs in order, then their tasks).

    After the iteration, `complete` says whether every task ran (False after a stop).
    """

    def __init__(
        self,
        jobs: Sequence[Job],
        execution: Execution = SERIAL,
        *,
        stop: StopFlag | None = None,
        progress: Progress | None = None,
        fn: Callable[[TaskSpec], object] = run_task,
    ) -> None:
        self.jobs = tuple(jobs)
        self.execution = execution
        self.stop = stop if stop is not None else StopFlag()
        self.progress = progress
        self.fn = fn
        self.tasks = plan_tasks(
            self.jobs, [_chunk_within_budget(job, execution.chunk_runs) for job in self.jobs]
        )
        self.rows_total = sum(t.rows for t in self.tasks)
        self.rows_done = 0
        self.complete = False

    def __iter__(self) -> Iterator[TaskResult]:
        specs = [task_spec(self.jobs[t.job], t) for t in self.tasks]
        ex = self.execution
        source: Iterator[tuple[int, object]]
        if ex.scheduler is not None:
            source = backends.dask(specs, self.stop, ex.scheduler, ex.retries, self.fn)
        elif ex.workers > 1 and len(specs) > 1:
            source = backends.process_pool(specs, self.stop, ex.workers, ex.retries, self.fn)
        else:
            source = backends.serial(specs, self.stop, self.fn)
        done = 0
        try:
            for i, value in source:
                task = self.tasks[i]
                done += 1
                self.rows_done += task.rows
                if self.progress is not None:
                    self.progress(task.rows)
                yield TaskResult(task.job, self.jobs[task.job], task, value)
        except NonFiniteError as exc:  # from a worker, which has no marks: say where in the file
            raise exc.located(
                next((loc for j in self.jobs if (loc := j.scenario.locate(exc.path))), "")
            ) from None
        self.complete = done == len(self.tasks)


def _chunk_within_budget(job: Job, requested: int) -> int:
    """Rows per task for a job: as asked, lowered to fit the memory budget (`engine.footprint`).

    Results do not depend on it: tasks only ever split at block edges."""
    return chunk_runs_within(job.scenario, requested, policies_for(job.scenario, job.policies))


def concat_results(parts: Sequence[BatchResult]) -> BatchResult:
    """One result from the one-point results of consecutive run ranges, in order."""
    if not parts:
        raise ValueError("no results to concatenate")
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    merged = {name: np.concatenate([getattr(p, name) for p in parts]) for name in RESULT_FIELDS}
    traj = None
    if first.trajectories is not None:
        traj = {
            k: np.concatenate([p.trajectories[k] for p in parts if p.trajectories])
            for k in first.trajectories
        }
    return _result(first.first_run, sum(p.runs for p in parts), merged, traj, 1)


def run_batch(
    cs: CompiledScenario,
    runs: int,
    seed: int,
    policies: PolicyInput = None,
    *,
    execution: Execution = SERIAL,
    first_run: int = 0,
    collect_turns: bool = False,
    points: DesignPoints | None = None,
    progress: Progress | None = None,
    stop: StopFlag | None = None,
) -> BatchResult:
    """The whole `BatchResult` of one job (rows point-major), assembled from its tasks.

    Arrays are allocated once, so peak memory is the result plus the tasks in flight.
    """
    job = Job(cs, seed, runs, assignment(policies), first_run, points, collect_turns=collect_turns)
    out: dict[str, np.ndarray] = {}
    traj: dict[str, np.ndarray] = {}
    n = job.rows
    filled = 0
    for part in JobRun([job], execution, stop=stop, progress=progress):
        value: BatchResult = part.value
        rows = part.rows()
        for name in RESULT_FIELDS:
            v = getattr(value, name)
            if name not in out:
                out[name] = np.empty((n, *v.shape[1:]), dtype=v.dtype)
            out[name][rows] = v
        for name, v in (value.trajectories or {}).items():
            if name not in traj:
                traj[name] = np.empty((n, *v.shape[1:]), dtype=v.dtype)
            traj[name][rows] = v
        filled += len(rows)
    if filled != n:
        if job.n_points > 1:
            raise Interrupted(f"stopped after {filled} of {n} rows")
        out = {k: v[:filled] for k, v in out.items()}  # stopped: the prefix that finished
        traj = {k: v[:filled] for k, v in traj.items()}
    return _result(
        first_run, runs if filled == n else filled, out, traj if collect_turns else None, job.n_points
    )


def _result(
    first_run: int,
    runs: int,
    arrays: Mapping[str, np.ndarray],
    traj: dict[str, np.ndarray] | None,
    points: int,
) -> BatchResult:
    return BatchResult(
        first_run=first_run,
        runs=runs,
        totals=arrays["totals"],
        discounted=arrays["discounted"],
        final_state=arrays["final_state"],
        final_levels=arrays["final_levels"],
        counts_per_turn=arrays["counts_per_turn"],
        endings=arrays["endings"],
        ended_turn=arrays["ended_turn"],
        params=arrays["params"],
        trajectories=traj,
        points=points,
    )
