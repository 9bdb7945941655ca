"""What the executor runs: jobs (many runs of one scenario under one policy assignment) and the
block-aligned tasks a job is cut into.

A `Job` says everything its runs depend on: the compiled scenario (it pickles as its validated
scenario, so a worker process rebuilds it), the seed, the run range, the policies by actor, and
optional design points that fix parameter columns. Its tasks are rows of (point, run) pairs; a
task's result depends on nothing but its job and its rows, so tasks run in any order, on any
worker, and give the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import TypeAdapter

from dilemma_sim.engine.compile import compile_scenario
from dilemma_sim.engine.policies import PolicySpec, RawPolicy
from dilemma_sim.engine.sampling import BLOCK
from dilemma_sim.engine.simulate import DesignPoints
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.limits import DEFAULT_CHUNK_RUNS
from dilemma_sim.scenario import models as m

if TYPE_CHECKING:
    from dilemma_sim.executor.reductions import Reduction


_POLICIES: TypeAdapter[dict[str, m.Policy]] = TypeAdapter(dict[str, m.Policy])


@dataclass(frozen=True)
class InlinePolicy:
    """Decision id -> policy for one actor, as canonical JSON: hashable, picklable, comparable."""

    json: str

    @classmethod
    def of(cls, policies: Mapping[str, PolicySpec | RawPolicy]) -> InlinePolicy:
        """From policy models or plain mappings (validated here, so a bad one fails before any run)."""
        models = _POLICIES.validate_python(dict(policies))
        data = {k: v.model_dump(mode="json", exclude_defaults=False) for k, v in models.items()}
        return cls(json.dumps(data, sort_keys=True, separators=(",", ":")))

    def policies(self) -> dict[str, RawPolicy]:
        """Decision id -> policy mapping, as `engine.build_policies` takes it."""
        return dict(json.loads(self.json))


PolicyChoice = str | InlinePolicy
"""How one actor plays: a strategy id (the scenario's, a library's or a built-in) or inline policies."""
Assignment = tuple[tuple[str, PolicyChoice], ...]
"""(actor, choice) pairs sorted by actor: the policies of a job, hashable."""
PolicyInput = Mapping[str, "str | InlinePolicy | Mapping[str, PolicySpec | RawPolicy]"] | Assignment | None
"""Policies by actor as callers give them: strategy ids, inline policies by decision, or an Assignment."""


def assignment(
    policies: PolicyInput,
) -> Assignment:
    """Policies by actor as an `Assignment` (inline mappings become `InlinePolicy`)."""
    if not policies:
        return ()
    items = policies.items() if isinstance(policies, Mapping) else policies
    out: list[tuple[str, PolicyChoice]] = []
    for actor, choice in items:
        if isinstance(choice, (str, InlinePolicy)):
            out.append((str(actor), choice))
        else:
            out.append((str(actor), InlinePolicy.of(choice)))
    return tuple(sorted(out, key=lambda kv: kv[0]))


def engine_policies(policies: Assignment) -> dict[str, str | dict[str, RawPolicy]]:
    """An `Assignment` as `engine.build_policies` overrides."""
    return {a: c if isinstance(c, str) else c.policies() for a, c in policies}


@dataclass(frozen=True, eq=False)
class Job:
    """`runs` runs of a scenario from `first_run` on, under one policy assignment, at each design point."""

    scenario: CompiledScenario
    seed: int
    runs: int
    policies: Assignment = ()
    first_run: int = 0
    points: DesignPoints | None = None
    """Design points fixing parameter columns; every point plays the same runs (common random numbers)."""
    reduction: Reduction | None = None
    """What each task sends back (None: the engine's whole `BatchResult`)."""
    label: str = ""
    """Shown in progress and errors."""
    collect_turns: bool = False
    """Whether tasks keep per-turn trajectories (the reduction may ask for them too)."""

    @property
    def n_points(self) -> int:
        """Design points (1 without any)."""
        return 1 if self.points is None else self.points.count

    @property
    def rows(self) -> int:
        """(point, run) rows the job plays."""
        return self.n_points * self.runs


@dataclass(frozen=True)
class Task:
    """A piece of a job: runs `first_run .. first_run + runs - 1` at points `point_lo .. point_hi - 1`."""

    job: int
    """Index of the job in its list."""
    first_run: int
    runs: int
    point_lo: int = 0
    point_hi: int = 1

    @property
    def rows(self) -> int:
        """(point, run) rows in the task."""
        return (self.point_hi - self.point_lo) * self.runs


@dataclass(frozen=True, eq=False)
class TaskSpec:
    """What a worker needs to play one task: small, picklable, self-contained.

    The compiled scenario holds closures, which do not pickle: a spec travels as the validated
    scenario and its hash, and the worker compiles it (once per process, see `rebuild`).
    """

    scenario: CompiledScenario
    seed: int
    policies: Assignment
    first_run: int
    runs: int
    points: DesignPoints | None
    reduction: Reduction | None
    collect_turns: bool
    label: str = field(default="")

    def __reduce__(self) -> tuple[object, ...]:
        rest = (self.seed, self.policies, self.first_run, self.runs, self.points, self.reduction)
        return (
            _spec,
            (self.scenario.scenario, self.scenario.scenario_hash, *rest, self.collect_turns, self.label),
        )


_REBUILT: dict[str, CompiledScenario] = {}
_REBUILT_MAX = 8
"""Compiled scenarios a worker process keeps, by hash (the oldest is dropped beyond this many)."""


def rebuild(scenario: m.Scenario, digest: str) -> CompiledScenario:
    """The compiled form of a scenario sent to this process, compiled once per process."""
    cs = _REBUILT.get(digest)
    if cs is None:
        cs = compile_scenario(scenario, scenario_hash=digest)
        if len(_REBUILT) >= _REBUILT_MAX:
            del _REBUILT[next(iter(_REBUILT))]
        _REBUILT[digest] = cs
    return cs


def _spec(scenario: m.Scenario, digest: str, *rest: Any) -> TaskSpec:
    return TaskSpec(rebuild(scenario, digest), *rest)


def plan_tasks(jobs: Sequence[Job], chunk_runs: int | Sequence[int] = DEFAULT_CHUNK_RUNS) -> list[Task]:
    """Tasks covering every job in order, each at most `chunk_runs` rows (never less than one block);
    `chunk_runs` may be given per job.

    Run ranges split on multiples of `BLOCK` (the random streams' blocks), so any two plans cut
    the same runs at block edges and statistics kept per block do not depend on the plan.
    """
    sizes = [chunk_runs] * len(jobs) if isinstance(chunk_runs, int) else list(chunk_runs)
    tasks: list[Task] = []
    for j, job in enumerate(jobs):
        size = max(BLOCK, -(-max(int(sizes[j]), 1) // BLOCK) * BLOCK)
        if job.runs < 0 or job.first_run < 0:
            raise ValueError("runs and first_run must be non-negative")
        if job.runs == 0:
            continue
        k = job.n_points
        if job.runs >= size or k == 1:
            ranges = _run_ranges(job.first_run, job.runs, size)
            tasks += [Task(j, lo, n, p, p + 1) for p in range(k) for lo, n in ranges]
        else:  # several whole points per task
            group = max(1, size // job.runs)
            tasks += [Task(j, job.first_run, job.runs, p, min(k, p + group)) for p in range(0, k, group)]
    return tasks


def _run_ranges(first_run: int, runs: int, size: int) -> list[tuple[int, int]]:
    """(first_run, runs) pieces of at most `size` runs whose inner edges fall on multiples of `size`."""
    out, at, end = [], first_run, first_run + runs
    while at < end:
        nxt = min(end, (at // size + 1) * size)
        out.append((at, nxt - at))
        at = nxt
    return out


def task_spec(job: Job, task: Task) -> TaskSpec:
    """The self-contained spec of one task of `job`."""
    points = job.points
    if points is not None and (task.point_lo, task.point_hi) != (0, points.count):
        points = DesignPoints(
            points.columns, np.ascontiguousarray(points.values[task.point_lo : task.point_hi])
        )
    return TaskSpec(
        job.scenario,
        job.seed,
        job.policies,
        task.first_run,
        task.runs,
        points,
        job.reduction,
        job.collect_turns,
        job.label,
    )
