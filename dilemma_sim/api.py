"""A small Python API for notebooks and scripts.

    >>> from dilemma_sim import api
    >>> cs = api.load("pakistan-ttp")
    >>> result = api.simulate("pakistan-ttp", runs=2048, seed=1, policies={"pakistan": "hedge"})
    >>> result.totals.shape
    (2048, 3)

`simulate` returns the engine's `BatchResult`: numpy arrays with one row per run (`totals`,
`discounted`, `final_state`, `counts_per_turn`, `endings`, `ended_turn`, `params`). The same seed
gives the same arrays whatever `workers` is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dilemma_sim.batch.runner import ScenarioRef, run_parallel


def load(ref: str | os.PathLike[str], overrides: Mapping[str, float] | None = None) -> Any:
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
    overrides: Mapping[str, float] | None = None,
) -> Any:
    """Play `runs` runs and return the `BatchResult` (arrays with one row per run)."""
    return run_parallel(ScenarioRef.of(ref, overrides or {}), runs, seed, policies, workers=workers)


def summarize(ref: str | os.PathLike[str], result: Any, seed: int = 0) -> dict[str, Any]:
    """The summary of a result (see `dilemma_sim.batch.summary.summarize`)."""
    from dilemma_sim.batch.summary import summarize as summary

    return summary(result, load(ref), seed=seed)
