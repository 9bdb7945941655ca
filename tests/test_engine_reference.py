"""The vectorized engine plays every run exactly as the scalar reference of docs/architecture.md does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dilemma_sim.engine import compile_scenario, run_chunk
from dilemma_sim.scenario.binding import plays
from dilemma_sim.scenario.loader import load_scenario
from dilemma_sim.scenario.models import Scenario
from tests.engine_scenarios import crisis, tiny
from tests.reference_engine import ReferenceRun
from tests.strategies import games, scenarios

SCENARIO_FILES = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def assert_same_runs(
    sc: Scenario, seed: int, first_run: int, runs: int, overrides: dict[str, str] | None = None
) -> None:
    """Engine == reference run by run: identical choices, events, counts, endings; numbers within 1e-9."""
    cs = compile_scenario(sc)
    res = run_chunk(cs, first_run, runs, seed, overrides, collect_turns=True)
    traj = res.trajectories
    assert traj is not None
    for i in range(runs):
        ref = ReferenceRun(sc, seed, first_run + i, dict(overrides or {})).play()
        where = f"run {first_run + i}"
        for t, turn in enumerate(ref.turns):
            at = f"{where} turn {t}"
            assert list(traj["choices"][i, t]) == [turn.choices[k] for k in ref.keys], at
            assert list(traj["events"][i, t]) == turn.events, at
            assert list(res.counts_per_turn[i, t]) == turn.counts, at
            assert list(traj["levels"][i, t]) == turn.levels, at
            np.testing.assert_allclose(traj["state"][i, t], turn.state, rtol=1e-9, atol=1e-9, err_msg=at)
            np.testing.assert_allclose(traj["payoffs"][i, t], turn.payoffs, rtol=1e-9, atol=1e-9, err_msg=at)
        assert (res.endings[i], res.ended_turn[i]) == (ref.ending, ref.ended_turn), where
        np.testing.assert_allclose(res.totals[i], ref.total, rtol=1e-9, atol=1e-9, err_msg=where)
        np.testing.assert_allclose(res.discounted[i], ref.discounted, rtol=1e-9, atol=1e-9, err_msg=where)
        np.testing.assert_allclose(res.final_state[i], [ref.x[k] for k in sc.state], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_plays_as_the_reference(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.scenario is not None, [str(d) for d in loaded.diagnostics]
    sc = loaded.scenario
    assert_same_runs(sc, seed=11, first_run=1016, runs=16)  # crosses a block boundary
    for sid in sc.strategies:
        for seat in [a for a in sc.actors if plays(sc, sid, a)]:
            assert_same_runs(sc, seed=5, first_run=3, runs=4, overrides={seat: sid})


def test_at_least_one_scenario_is_shipped() -> None:
    assert SCENARIO_FILES


@pytest.mark.parametrize(
    "overrides",
    [
        None,
        {"state": "always-confront"},
        {"state": "always-appease", "rival": "sly"},
        {"state": "random"},
        {"militia": "default", "rival": "random"},
    ],
)
def test_crisis_plays_as_the_reference_under_every_strategy(overrides: dict[str, str] | None) -> None:
    assert_same_runs(crisis(), seed=7, first_run=1020, runs=12, overrides=overrides)


def test_tiny_plays_as_the_reference() -> None:
    assert_same_runs(tiny(), seed=0, first_run=0, runs=3)


def test_the_reference_comparison_exercises_endings_events_and_every_choice() -> None:
    cs = compile_scenario(crisis())
    res = run_chunk(cs, 0, 400, 3, collect_turns=True)
    assert res.trajectories is not None
    assert set(np.unique(res.endings)) >= {0, 2}  # collapses and horizons happen
    assert res.trajectories["events"].any(axis=(0, 1)).all()
    for d, info in enumerate(cs.decisions):
        chosen = set(np.unique(res.trajectories["choices"][:, :, d])) - {-1}
        assert len(chosen) >= 2, info.key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_scenarios_play_as_the_reference(data: dict[str, Any]) -> None:
    sc = Scenario.model_validate(data)
    assert_same_runs(sc, seed=2, first_run=1021, runs=5)
    for sid in sc.strategies:
        seat = next(a for a in sc.actors if plays(sc, sid, a))  # a relative strategy: a seat it can play
        assert_same_runs(sc, seed=3, first_run=0, runs=3, overrides={seat: sid})
    actor = next(iter(sc.actors))
    assert_same_runs(sc, seed=4, first_run=7, runs=3, overrides={actor: "random"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(games())
def test_random_games_with_payoff_tables_and_library_strategies_play_as_the_reference(
    data: dict[str, Any],
) -> None:
    sc = Scenario.model_validate(data)
    assert_same_runs(sc, seed=2, first_run=1022, runs=3)
    seats = list(sc.actors)
    for i, sid in enumerate(sc.strategies):
        others = [s for s in sc.strategies if s != sid] or [sid]
        overrides = {seats[0]: sid, seats[1]: others[i % len(others)]}
        assert_same_runs(sc, seed=3, first_run=0, runs=3, overrides=overrides)
