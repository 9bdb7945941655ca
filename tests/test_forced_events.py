"""A facilitator's forced event: it fires whatever its probability (a `once` event that already fired
excepted), every other draw of the turn stays as it was, and undo, replay and transcripts keep it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dilemma_sim.engine.compile import CompiledScenario, compile_scenario
from dilemma_sim.engine.replay import check_transcript, replay, transcript
from dilemma_sim.engine.simulate import Simulation
from dilemma_sim.engine.step import TurnResult
from tests.engine_scenarios import crisis, tiny

SEED = 11


@pytest.fixture(scope="module")
def cs() -> CompiledScenario:
    return compile_scenario(crisis())


def events_fired(cs: CompiledScenario, result: TurnResult) -> set[str]:
    return {e.id for i, e in enumerate(cs.events) if result.events[0, i]}


def test_a_forced_event_fires_and_the_other_events_draw_as_before(cs: CompiledScenario) -> None:
    for seed in range(20):
        plain = Simulation(cs, seed=seed, human="state").advance()
        if "ceasefire" not in events_fired(cs, plain):
            break
    else:
        pytest.fail("the ceasefire fired on every seed tried")
    forced = Simulation(cs, seed=seed, human="state").advance(force=["ceasefire"])
    assert events_fired(cs, forced) == events_fired(cs, plain) | {"ceasefire"}
    np.testing.assert_array_equal(forced.choices, plain.choices)


def test_a_once_event_that_already_fired_is_not_forced_again() -> None:
    cs = compile_scenario(tiny())
    sim = Simulation(cs, seed=SEED)
    first = sim.advance()
    assert events_fired(cs, first) == {"jolt"}
    again = sim.advance(force=["jolt"])
    assert events_fired(cs, again) == set()


def test_an_unknown_event_is_an_error(cs: CompiledScenario) -> None:
    with pytest.raises(ValueError, match="unknown event 'nosuch'"):
        Simulation(cs, seed=SEED).advance(force=["nosuch"])


def test_undo_replays_the_forced_events(cs: CompiledScenario) -> None:
    sim = Simulation(cs, seed=SEED, human="state")
    sim.advance(force=["ceasefire"])
    sim.advance()
    before = sim.state.state.copy()
    sim.advance()
    sim.undo()
    np.testing.assert_array_equal(sim.state.state, before)
    assert sim.forced_made == [("ceasefire",), ()]


def test_several_humans_are_all_external_choices(cs: CompiledScenario) -> None:
    humans = [a for a in cs.actors][:2]
    sim = Simulation(cs, seed=SEED, human=humans)
    choices = {}
    for info in cs.decisions:
        if info.actor in humans:
            choices[info.key] = info.option_ids[-1]
    result = sim.advance(choices)
    for info in cs.decisions:
        if info.actor in humans:
            assert result.choices[0, info.index] == len(info.option_ids) - 1


def test_replay_and_transcript_keep_forced_events(cs: CompiledScenario, tmp_path: Path) -> None:
    sim = Simulation(cs, seed=SEED)
    forced = [(), ("ceasefire",), ()]
    results = [sim.advance(force=f) for f in forced]
    choices = [
        {info.key: info.option_ids[int(r.choices[0, info.index])] for info in cs.decisions} for r in results
    ]
    again = replay(cs, SEED, 0, choices, forced=forced)
    np.testing.assert_array_equal(again[-1].state, results[-1].state)
    data = transcript(cs, SEED, 0, results, forced=forced)
    assert data["turns"][1]["forced"] == ["ceasefire"]
    assert any("facilitator" in line for line in data["turns"][1]["news"])
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    assert check_transcript(cs, path) == []
    # without the forced event the recorded turn does not replay
    data["turns"][1].pop("forced")
    path.write_text(json.dumps(data))
    assert check_transcript(cs, path) != []
