"""A small Python API for notebooks and scripts.

    >>> from dilemma_sim import api
    >>> cs = api.load("pakistan-ttp")
    >>> result = api.simulate("pakistan-ttp", runs=2048, seed=1, policies={"pakistan": "hedge"})
    >>> result.totals.shape
    (2048, 3)

`robust` scores every player strategy across a design over the scenario's uncertain parameters
(docs/robust.md); it returns a `RobustResult` (`.to_json()`, `.means`, `.regret`, `.strategies`).

`simulate` returns the engine's `BatchResult`: numpy arrays with one row per run (`totals`,
`discounted`, `final_state`, `counts_per_turn`, `endings`, `ended_turn`, `params`). The same seed
gives the same arrays whatever `workers` or `scheduler` is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from dilemma_sim.engine.simulate import BatchResult
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.executor import DEFAULT_CHUNK_RUNS, Execution, ScenarioRef, run_batch

if TYPE_CHECKING:
    from dilemma_sim.batch.robust_result import RobustResult
    from dilemma_sim.batch.summary import BatchSummary


def load(ref: str | os.PathLike[str], overrides: Mapping[str, float] | None = None) -> CompiledScenario:
    """The compiled scenario for a path or built-in id, with optional YAML-path overrides
    (`{"parameters.lethality": 5}`); raises `ScenarioError` listing every problem when it is invalid."""
    return ScenarioRef.of(ref, overrides or {}).compile()


def simulate(
    ref: str | os.PathLike[str],
    runs: int = 10_000,
    seed: int = 0,
    policies: Mapping[str, str] | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    overrides: Mapping[str, float] | None = None,
) -> BatchResult:
    """Play `runs` runs on the executor and return the `BatchResult` (arrays with one row per run)."""
    cs = load(ref, overrides)
    return run_batch(cs, runs, seed, policies, execution=Execution(workers=workers, scheduler=scheduler))


def summarize(ref: str | os.PathLike[str], result: BatchResult, seed: int = 0) -> BatchSummary:
    """The summary of a result (see `dilemma_sim.batch.summary.summarize`)."""
    from dilemma_sim.batch.summary import summarize as summary  # scipy.stats: loaded when first needed

    return summary(result, load(ref), seed=seed)


def robust(
    ref: str | os.PathLike[str],
    samples: int = 200,
    runs: int = 200,
    seed: int = 0,
    *,
    params: Sequence[str] | None = None,
    strategies: Sequence[str] | None = None,
    design: str = "lhs",
    space: str = "range",
    tolerance: float | None = None,
    where: str | None = None,
    where_share: float = 0.5,
    sobol: bool = False,
    sobol_base: int = 64,
    workers: int = 1,
    scheduler: str | None = None,
    chunk_runs: int = DEFAULT_CHUNK_RUNS,
    overrides: Mapping[str, float] | None = None,
) -> RobustResult:
    """`dilemma-sim robust` in Python: every player strategy at `samples` design points over the
    scenario's uncertain parameters (or the `params` ranges, `"PATH=LO:HI"`), `runs` runs each on
    common random numbers, scored for robustness. The same seed gives the same result whatever
    `workers`, `scheduler` or `chunk_runs`."""
    from dilemma_sim.batch.robust import robust as run_robust  # scipy.stats: loaded when first needed

    return run_robust(
        ScenarioRef.of(ref, overrides or {}),
        samples=samples,
        runs=runs,
        seed=seed,
        params=params,
        strategies=strategies,
        design=design,
        space=space,
        tolerance=tolerance,
        where=where,
        where_share=where_share,
        sobol=sobol,
        sobol_base=sobol_base,
        execution=Execution(workers=workers, scheduler=scheduler, chunk_runs=chunk_runs),
    )
