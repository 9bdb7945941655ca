"""The documented bounds: runs, seeds, memory per chunk and a scenario's size in memory.

`engine.footprint.bytes_per_run` must not underestimate: it is checked against the peak that
`tracemalloc` measures while a block of runs is played (numpy reports its buffers to it), for
scenarios where the quadratic term dominates and where it does not.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from dilemma_sim.cli import main
from dilemma_sim.engine import build_policies, compile_scenario
from dilemma_sim.engine.compile import CompiledScenario
from dilemma_sim.engine.footprint import (
    bytes_per_run,
    chunk_bytes,
    chunk_runs_within,
    payoff_decisions,
    profile_piece,
)
from dilemma_sim.engine.sampling import BLOCK
from dilemma_sim.engine.simulate import run_chunk
from dilemma_sim.errors import LimitExceeded
from dilemma_sim.executor import Execution, Job, JobRun
from dilemma_sim.limits import MAX_RUNS, check_runs, check_seed, chunk_memory, parse_size
from dilemma_sim.scenario.loader import load_or_raise, load_text
from dilemma_sim.scenario.starter import starter_yaml
from tests.best_response_crowd import crowd_yaml


def compiled(text: str) -> CompiledScenario:
    result = load_text(text)
    assert result.scenario is not None, [d.format() for d in result.diagnostics]
    return compile_scenario(result.scenario)


def measured_bytes_per_run(cs: CompiledScenario, runs: int = BLOCK) -> float:
    policies = build_policies(cs)
    run_chunk(cs, 0, 64, 0, policies)  # warm caches outside the measurement
    tracemalloc.start()
    try:
        run_chunk(cs, 0, runs, 0, policies)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / runs


@pytest.mark.parametrize(
    "text",
    [
        starter_yaml("starter"),
        crowd_yaml(20),
        crowd_yaml(8, decisions=3),
        crowd_yaml(4, options=6),
        crowd_yaml(3, state=40),
        crowd_yaml(30, kind="fixed"),
    ],
    ids=["starter", "20-actors", "3-decisions", "6-options", "40-states", "fixed-policies"],
)
def test_the_estimate_is_an_upper_bound_within_a_small_factor(text: str) -> None:
    cs = compiled(text)
    estimate = bytes_per_run(cs, build_policies(cs))
    measured = measured_bytes_per_run(cs)
    assert measured <= estimate <= 3 * measured + 4096


def test_the_default_scenario_s_estimate_holds_too() -> None:
    cs = compile_scenario(load_or_raise("pakistan-ttp"))
    estimate = bytes_per_run(cs, build_policies(cs))
    assert measured_bytes_per_run(cs) <= estimate
    # any policy (strategies, the tournament's greedy player) may judge more decisions
    assert bytes_per_run(cs) >= estimate
    assert payoff_decisions(cs) >= {p.decision for p in build_policies(cs) if p.needs_payoffs}


def test_one_runs_expected_payoffs_grow_with_the_square_of_best_response_actors() -> None:
    small, large = (chunk_bytes(compiled(crowd_yaml(n)), 1) for n in (20, 40))
    assert 3.5 < large / small < 4.5


def test_expected_payoffs_are_evaluated_in_pieces_so_a_chunk_grows_only_linearly() -> None:
    cs = compiled(crowd_yaml(40))
    policies = build_policies(cs)
    runs = 4 * BLOCK
    assert (
        profile_piece(cs, sum(len(cs.decisions[p.decision].option_ids) for p in policies if p.needs_payoffs))
        < runs
    )
    estimate = chunk_bytes(cs, runs, policies)
    assert measured_bytes_per_run(cs, runs) * runs <= estimate
    unpieced = runs * chunk_bytes(cs, 1, policies)
    assert estimate < unpieced / 2  # what one evaluation of every run's profiles would need


def test_chunks_shrink_to_the_budget_in_whole_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    cs = compiled(crowd_yaml(20))
    monkeypatch.setenv("DILEMMA_SIM_CHUNK_MEMORY", str(chunk_bytes(cs, 3 * BLOCK) + 1))
    assert chunk_runs_within(cs, 65536) == 3 * BLOCK
    assert chunk_runs_within(cs, 2048) == 2048  # a request that fits is kept
    monkeypatch.setenv("DILEMMA_SIM_CHUNK_MEMORY", str(chunk_bytes(cs, BLOCK)))
    assert chunk_runs_within(cs, 65536) == BLOCK


def test_a_scenario_whose_block_does_not_fit_is_refused_when_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = crowd_yaml(20)
    monkeypatch.setenv("DILEMMA_SIM_CHUNK_MEMORY", str(chunk_bytes(compiled(text), BLOCK) - 1))
    with pytest.raises(LimitExceeded, match="square of the actors") as caught:
        compiled(text)
    assert caught.value.hint is not None and "DILEMMA_SIM_CHUNK_MEMORY" in caught.value.hint


def test_nine_hundred_best_response_actors_are_refused_by_default() -> None:
    result = load_text(crowd_yaml(900))
    assert result.scenario is not None
    with pytest.raises(LimitExceeded, match="expected payoffs of one run need about"):
        compile_scenario(result.scenario)


@pytest.mark.parametrize(
    ("text", "size"), [("123", 123), ("512M", 512 << 20), ("1.5G", 3 << 29), ("2GiB", 2 << 30)]
)
def test_sizes_are_read_with_units(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "-1G", "0", "1T"])
def test_a_budget_that_is_not_a_size_is_refused(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("DILEMMA_SIM_CHUNK_MEMORY", text)
    with pytest.raises(LimitExceeded, match="DILEMMA_SIM_CHUNK_MEMORY"):
        chunk_memory()


def test_runs_and_seeds_are_bounded() -> None:
    assert check_runs(MAX_RUNS) == MAX_RUNS
    for bad in (0, MAX_RUNS + 1, 10**15):
        with pytest.raises(LimitExceeded, match="--runs"):
            check_runs(bad)
    assert check_seed(2**63 - 1) == 2**63 - 1
    with pytest.raises(LimitExceeded):
        check_seed(2**63)


def test_batch_shrinks_its_chunks_to_the_budget_with_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crowd.yaml"
    path.write_text(crowd_yaml(12))
    cs = compiled(crowd_yaml(12))
    per_run = bytes_per_run(cs)

    def rows(budget: int, out: Path) -> tuple[list[str], list[int]]:
        monkeypatch.setenv("DILEMMA_SIM_CHUNK_MEMORY", str(budget))
        planned = [t.runs for t in JobRun([Job(cs, 5, 2500)], Execution(chunk_runs=65536)).tasks]
        args = ["batch", str(path), "--runs", "2500", "--seed", "5", "--out", str(out)]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return [line for line in out.read_text().splitlines() if not line.startswith("#")], planned

    small, small_plan = rows(per_run * BLOCK, tmp_path / "small.csv")
    large, large_plan = rows(1 << 40, tmp_path / "large.csv")
    assert small == large
    assert small_plan == [BLOCK, BLOCK, 2500 - 2 * BLOCK] and large_plan == [2500]
