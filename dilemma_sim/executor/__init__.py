"""The one run executor: job lists played serially, in local processes or on a Dask cluster.

Build `Job`s (a compiled scenario, a seed, a run range, policies by actor, optional design points,
what each task sends back), then iterate over `JobRun(jobs, Execution(workers=..., scheduler=...))`:
finished tasks come back in order, with the same numbers whatever the workers, chunk sizes or
scheduler. `run_batch` is the one-job convenience; `compare.play_entrants` plays several strategies
on the same runs (common random numbers) and `stats.mean_ci` is the one interval formula.
"""

from dilemma_sim.executor.jobs import (
    Assignment,
    InlinePolicy,
    Job,
    PolicyChoice,
    Task,
    assignment,
    plan_tasks,
)
from dilemma_sim.executor.run import Execution, JobRun, TaskResult, concat_results, run_batch
from dilemma_sim.executor.scenario_ref import ScenarioRef
from dilemma_sim.executor.stop import StopFlag
from dilemma_sim.limits import DEFAULT_CHUNK_RUNS

__all__ = [
    "DEFAULT_CHUNK_RUNS",
    "Assignment",
    "Execution",
    "InlinePolicy",
    "Job",
    "JobRun",
    "PolicyChoice",
    "ScenarioRef",
    "StopFlag",
    "Task",
    "TaskResult",
    "assignment",
    "concat_results",
    "plan_tasks",
    "run_batch",
]
