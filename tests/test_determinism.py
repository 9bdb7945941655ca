"""A run depends only on the seed, its run index and the choices made: never on chunking or order."""

from __future__ import annotations

import numpy as np
import pytest

from dilemma_sim.engine import (
    BLOCK,
    BatchResult,
    CompiledScenario,
    Simulation,
    compile_scenario,
    replay,
    run_chunk,
)
from dilemma_sim.engine.sampling import RunStreams, block_generator
from dilemma_sim.executor import Execution, Job, JobRun, concat_results, plan_tasks, run_batch
from tests.engine_scenarios import crisis

FIELDS = (
    "totals",
    "discounted",
    "final_state",
    "final_levels",
    "counts_per_turn",
    "endings",
    "ended_turn",
    "params",
)


@pytest.fixture(scope="module")
def cs() -> CompiledScenario:
    return compile_scenario(crisis())


def assert_identical(a: BatchResult, b: BatchResult) -> None:
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_same_seed_same_results_whatever_the_chunk_size(cs: CompiledScenario) -> None:
    runs = 2 * BLOCK + 77
    whole = run_batch(cs, runs, seed=42, execution=Execution(chunk_runs=65536))
    for chunk in (BLOCK, 1500, 3 * BLOCK, 1):
        assert_identical(whole, run_batch(cs, runs, seed=42, execution=Execution(chunk_runs=chunk)))


def test_same_seed_same_results_whatever_the_first_run(cs: CompiledScenario) -> None:
    whole = run_batch(cs, 3000, seed=9)
    part = run_batch(cs, 1100, seed=9, first_run=1500, execution=Execution(chunk_runs=1000))
    for name in FIELDS:
        assert np.array_equal(getattr(whole, name)[1500:2600], getattr(part, name)), name


def test_chunks_computed_in_any_order_concatenate_to_the_same_result(cs: CompiledScenario) -> None:
    bounds = [(t.first_run, t.runs) for t in plan_tasks([Job(cs, 5, 3000, first_run=100)], 1024)]
    assert bounds[0] == (100, 924) and sum(n for _, n in bounds) == 3000
    parts = {lo: run_chunk(cs, lo, n, 5) for lo, n in reversed(bounds)}
    assert_identical(concat_results([parts[lo] for lo, _ in bounds]), run_batch(cs, 3000, 5, first_run=100))


def test_tasks_come_back_block_aligned_in_run_order(cs: CompiledScenario) -> None:
    run = JobRun([Job(cs, 1, 5000, first_run=10)], Execution(chunk_runs=2000))
    firsts = [part.task.first_run for part in run]
    assert firsts == [10, 2048, 4096] and run.complete


def test_a_single_run_equals_its_row_in_a_batch(cs: CompiledScenario) -> None:
    batch = run_batch(cs, 1500, seed=3, collect_turns=True)
    for r in (0, 1023, 1024, 1499):
        sim = Simulation(cs, runs=1, seed=3, first_run=r)
        while not sim.done:
            sim.advance()
        assert np.array_equal(sim.state.payoff_total[0], batch.totals[r])
        assert np.array_equal(sim.state.state[0], batch.final_state[r])
        assert sim.state.ending[0] == batch.endings[r]
        assert batch.trajectories is not None
        played = np.array([h.choices[0] for h in sim.history])
        assert np.array_equal(played, batch.trajectories["choices"][r, : len(played)])


def test_stepping_only_live_runs_changes_nothing(cs: CompiledScenario) -> None:
    # endings are common in crisis, so later turns step a compacted subset of the chunk
    res = run_chunk(cs, 0, 600, 8, collect_turns=True)
    assert (res.ended_turn < cs.turns - 1).mean() > 0.3
    for r in (0, 17, 599):
        sim = Simulation(cs, runs=1, seed=8, first_run=r)
        while not sim.done:
            sim.advance()
        assert np.array_equal(sim.state.payoff_discounted[0], res.discounted[r])
        assert res.trajectories is not None
        assert np.array_equal(sim.state.state[0], res.trajectories["state"][r, -1])


def test_different_seeds_give_different_runs(cs: CompiledScenario) -> None:
    a, b = run_batch(cs, 200, seed=1), run_batch(cs, 200, seed=2)
    assert not np.array_equal(a.totals, b.totals)


def test_block_streams_follow_the_documented_recipe(cs: CompiledScenario) -> None:
    streams = RunStreams(7, 1000, 50, cs.n_params, cs.n_uniform, cs.n_normal)
    first = streams.draw_turn()
    gen = block_generator(7, 1)  # run 1024 is row 0 of block 1
    params = gen.random((BLOCK, cs.n_params))
    u = gen.random((BLOCK, cs.n_uniform))
    z = gen.standard_normal((BLOCK, cs.n_normal))
    assert np.array_equal(streams.parameter_uniforms[24], params[0])
    assert np.array_equal(first.uniforms[24], u[0]) and np.array_equal(first.normals[24], z[0])


def test_global_numpy_random_state_is_neither_used_nor_changed(cs: CompiledScenario) -> None:
    np.random.seed(0)
    before = np.random.get_state(legacy=False)["state"]["key"].copy()
    a = run_batch(cs, 100, seed=1)
    assert np.array_equal(np.random.get_state(legacy=False)["state"]["key"], before)
    np.random.seed(123)
    assert_identical(a, run_batch(cs, 100, seed=1))


def test_replay_reproduces_a_played_run_exactly(cs: CompiledScenario) -> None:
    sim = Simulation(cs, runs=1, seed=4, first_run=77, human="state")
    options = ["strike", "talk", "wait"]
    while not sim.done:
        sim.advance({"state.posture": options[sim.state.turn % 3]})
    again = replay(cs, 4, 77, np.vstack(sim.choices_made))
    assert len(again) == len(sim.history)
    for old, new in zip(sim.history, again, strict=True):
        assert np.array_equal(old.state, new.state)
        assert np.array_equal(old.payoffs, new.payoffs)
        assert np.array_equal(old.events, new.events)
