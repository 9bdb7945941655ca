"""The vectorized engine: compile a scenario, draw random streams, decide, step, run batches, replay.

One engine serves batch runs and interactive play (N=1); a person's choice is one more policy.
"""

from dilemma_sim.engine.compile import (
    HORIZON,
    CompiledScenario,
    DecisionInfo,
    compile_scenario,
    scenario_hash,
)
from dilemma_sim.engine.policies import (
    BestResponse,
    DefaultPolicy,
    ExternalChoice,
    FixedPolicy,
    LogitPolicy,
    MixedPolicy,
    RulesPolicy,
    Scripted,
    build_policies,
    compile_policy,
)
from dilemma_sim.engine.replay import check_transcript, replay, transcript, write_transcript
from dilemma_sim.engine.sampling import BLOCK, RunStreams, TurnDraws, block_generator, count_ppf
from dilemma_sim.engine.simulate import BatchResult, DesignPoints, Simulation, run_chunk
from dilemma_sim.engine.state import BatchState, init_batch
from dilemma_sim.engine.step import (
    DecisionContext,
    Policy,
    TurnResult,
    decide,
    expected_payoffs,
    response_profile,
    stage_payoffs,
    step,
)

__all__ = [
    "BLOCK",
    "HORIZON",
    "BatchResult",
    "BatchState",
    "BestResponse",
    "CompiledScenario",
    "DecisionContext",
    "DecisionInfo",
    "DefaultPolicy",
    "DesignPoints",
    "ExternalChoice",
    "FixedPolicy",
    "LogitPolicy",
    "MixedPolicy",
    "Policy",
    "RulesPolicy",
    "RunStreams",
    "Scripted",
    "Simulation",
    "TurnDraws",
    "TurnResult",
    "block_generator",
    "build_policies",
    "check_transcript",
    "compile_policy",
    "compile_scenario",
    "count_ppf",
    "decide",
    "expected_payoffs",
    "init_batch",
    "replay",
    "response_profile",
    "run_chunk",
    "scenario_hash",
    "stage_payoffs",
    "step",
    "transcript",
    "write_transcript",
]
