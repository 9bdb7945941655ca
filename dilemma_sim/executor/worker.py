"""The function every backend runs for a task, in this process or another: play the rows, reduce."""

from __future__ import annotations

from dilemma_sim.engine.policies import build_policies
from dilemma_sim.engine.simulate import run_chunk
from dilemma_sim.engine.step import Policy
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.executor.jobs import Assignment, TaskSpec, engine_policies

_BUILT: dict[tuple[str, Assignment], tuple[Policy, ...]] = {}
_BUILT_MAX = 64
"""Compiled policy sets a process keeps (the oldest is dropped beyond this many)."""


def policies_for(cs: CompiledScenario, policies: Assignment) -> tuple[Policy, ...]:
    """The compiled policies of an assignment, cached per process by scenario hash."""
    key = (cs.scenario_hash, policies)
    built = _BUILT.get(key)
    if built is None:
        built = build_policies(cs, engine_policies(policies))
        if len(_BUILT) >= _BUILT_MAX:
            del _BUILT[next(iter(_BUILT))]
        _BUILT[key] = built
    return built


def run_task(spec: TaskSpec) -> object:
    """Play one task and return its value (the reduction of its result, or the result)."""
    cs = spec.scenario
    turns = spec.collect_turns or (spec.reduction is not None and spec.reduction.needs_turns)
    result = run_chunk(
        cs,
        spec.first_run,
        spec.runs,
        spec.seed,
        policies_for(cs, spec.policies),
        collect_turns=turns,
        points=spec.points,
    )
    return result if spec.reduction is None else spec.reduction(cs, result)
