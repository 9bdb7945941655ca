"""A small Python API for notebooks and scripts.

    >>> from dilemma_sim import api
    >>> cs = api.load("pakistan-ttp")
    >>> result = api.simulate("pakistan-ttp", runs=2048, seed=1, policies={"pakistan": "hedge"})
    >>> result.totals.shape
    (2048, 3)

`simulate` returns the engine's `BatchResult`: numpy arrays with one row per run (`totals`,
`discounted`, `final_state`, `counts_per_turn`, `endings`, `ended_turn`, `params`). The same seed
gives the same arrays whatever `workers` or `scheduler` is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dilemma_sim.engine.simulate import BatchResult
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.executor import Execution, ScenarioRef, run_batch


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


def summarize(ref: str | os.PathLike[str], result: BatchResult, seed: int = 0) -> dict[str, Any]:
    """The summary of a result (see `dilemma_sim.batch.summary.summarize`)."""
    from dilemma_sim.batch.summary import summarize as summary

    return summary(result, load(ref), seed=seed)
