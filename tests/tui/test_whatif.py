"""The What if? screen: `w` on the turn screen runs the advisor across a design of worlds in a
worker, shows which assumptions would change its recommendation, and stops when left."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from dilemma_sim.batch.whatif import what_if
from dilemma_sim.errors import Interrupted
from dilemma_sim.executor.stop import StopFlag
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.screens.whatif import WhatIfScreen
from dilemma_sim.tui.widgets.decisions import DecisionPanel
from tests.tui.conftest import SEED, make_app
from tests.tui.test_play import run, settle, start


@run
async def test_what_if_shows_the_studys_recommendations_and_where_they_change() -> None:
    app = make_app("tutorial-standoff")
    async with app.run_test(size=(100, 40)) as pilot:
        turn = await start(app, pilot)
        await pilot.press("n")
        choices = turn.query_one(DecisionPanel).choices
        session = app.session
        assert session is not None
        await pilot.press("w")
        screen = app.screen
        assert isinstance(screen, WhatIfScreen)
        await settle(app, pilot)
        result = screen.result
        assert result is not None and result.turn == session.turn == 1
        expected = what_if(
            session.compiled, session.sim.snapshot(), session.human, choices=choices, seed=SEED
        )
        assert [(d.decision, d.recommended) for d in result.decisions] == [
            (d.decision, d.recommended) for d in expected.decisions
        ]
        for ours, theirs in zip(result.decisions, expected.decisions, strict=True):
            assert (ours.means == theirs.means).all()
        console = Console(width=100, record=True)
        console.print(screen.query_one("#whatif-report", Static).content)
        shown = console.export_text()
        for d in result.decisions:
            label = session.scenario.actors[session.human].decisions[d.decision.split(".")[1]].label
            assert label in shown
        assert "the advisor recommends" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, TurnScreen)


@run
async def test_leaving_what_if_sets_its_stop_flag() -> None:
    app = make_app("tutorial-standoff")
    async with app.run_test(size=(100, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("w")
        screen = app.screen
        assert isinstance(screen, WhatIfScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, TurnScreen)
        assert screen.stop is not None and screen.stop.is_set()


def test_a_study_whose_stop_flag_is_set_stops_before_the_next_point() -> None:
    from dilemma_sim import api
    from dilemma_sim.engine.simulate import Simulation

    cs = api.load("tutorial-standoff")
    sim = Simulation(cs, runs=1, seed=SEED, human=cs.scenario.player)
    stop = StopFlag()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done == 3:
            stop.set()

    with pytest.raises(Interrupted, match="3 of 32"):
        what_if(cs, sim.snapshot(), cs.scenario.player, stop=stop, progress=progress)
    assert seen == [1, 2, 3]


def test_what_if_names_lever_moves_by_level_and_varied_numbers_by_what_they_belong_to() -> None:
    """pakistan-ttp 2: `the advisor recommends lower` and `Decided most by: ..., cost` said nothing."""
    import re

    from dilemma_sim.engine.compile import compile_scenario
    from dilemma_sim.engine.simulate import Simulation
    from dilemma_sim.scenario.loader import load_or_raise
    from dilemma_sim.tui.screens.whatif import render_what_if, uncertainty_label
    from dilemma_sim.tui.session import GameSession

    scenario = load_or_raise("pakistan-ttp")
    assert uncertainty_label(scenario, "parameters.lethality") == "lethality"
    assert (
        uncertainty_label(scenario, "actors.pakistan.decisions.posture.options.talks.cost")
        == "cost of Talks through Kabul"
    )
    assert (
        uncertainty_label(scenario, "actors.pakistan.decisions.tribal_districts.levels.merger_reversed.cost")
        == "cost of The tribal districts: Merger undone"
    )
    assert (
        uncertainty_label(scenario, "actors.pakistan.utility.fatalities")
        == "Pakistan's weight on Deaths in attacks"
    )
    assert uncertainty_label(scenario, "state.other_militancy.initial") == "initial Other groups' attack rate"

    cs = compile_scenario(scenario)
    session = GameSession(scenario, Path("pakistan-ttp.yaml"), cs, seed=SEED)
    sim = Simulation(cs, runs=1, seed=SEED, human="pakistan")
    result = what_if(cs, sim.snapshot(), "pakistan", seed=SEED, points=4, rollouts=20)
    views = {d.key: d for d in session.decisions()}
    console = Console(width=200, record=True)
    console.print(render_what_if(result, views, session.current_levels(), scenario))
    shown = console.export_text()
    for move in ("lower", "hold", "raise"):  # a move always says where it leads
        assert not re.search(rf"\b{move}\b(?! →)", shown), shown
    assert re.search(r"recommends (lower|hold|raise) → ", shown)
    assert "dilemma-sim explain pakistan-ttp" in shown
