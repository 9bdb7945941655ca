"""Pilot tests: play by key presses alone and check what is shown against the engine."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import Callable, Coroutine
from pathlib import Path

import pytest
from textual.widgets import Input, RadioSet
from textual.worker import WorkerCancelled

from dilemma_sim.engine.compile import CompiledScenario, compile_scenario
from dilemma_sim.engine.simulate import Simulation
from dilemma_sim.scenario.loader import load_or_raise
from dilemma_sim.tui.app import DilemmaApp
from dilemma_sim.tui.screens.briefing import BriefingScreen
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.modals import ConfirmModal, ErrorModal, PathModal
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.widgets.dashboard import Dashboard
from dilemma_sim.tui.widgets.decisions import DecisionPanel, LeverControl
from dilemma_sim.tui.widgets.news import NewsLog
from dilemma_sim.tui.widgets.scores import ScoreBoard
from tests.tui.conftest import SEED, make_app


def run(test: Callable[..., Coroutine[object, object, None]]) -> Callable[..., None]:
    """Run an async test with asyncio (the project has no async pytest plugin)."""

    @functools.wraps(test)
    def wrapper(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def settle(app: DilemmaApp, pilot: object) -> None:
    """Wait for the app's workers (those cancelled by a newer request drop out) and the messages they post."""
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()  # type: ignore[attr-defined]


async def start(app: DilemmaApp, pilot: object) -> TurnScreen:
    await settle(app, pilot)
    assert isinstance(app.screen, BriefingScreen)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, TurnScreen)
    return app.screen


def engine() -> tuple[Simulation, CompiledScenario]:
    cs = compile_scenario(load_or_raise("pakistan-ttp"))
    return Simulation(cs, runs=1, seed=SEED, human="pakistan"), cs


def hold_all(cs: CompiledScenario) -> dict[str, str]:
    """Every Pakistan lever held: what the decision panel shows before any key is pressed."""
    return {f"pakistan.{d.id}": "hold" for d in cs.decisions if d.actor == "pakistan" and d.kind == "lever"}


def shown_totals(screen: TurnScreen) -> dict[str, float]:
    return screen.query_one(ScoreBoard).totals


@run
async def test_play_to_the_end_by_keys_matches_the_engine() -> None:
    sim, cs = engine()
    posture = cs.decisions[cs.decision_index["pakistan.posture"]]
    default = posture.default
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        assert screen.active_bindings["n"].binding.description == "End turn"  # alone: `n` ends the turn
        expected_posture = posture.option_ids[default]
        turn = 0
        while isinstance(app.screen, TurnScreen):
            expected = {"pakistan.posture": expected_posture}
            if turn == 1:
                # choose the next posture with the keyboard: focus the radio set, down, enter
                screen.query_one(RadioSet).focus()
                await pilot.press("down", "enter")
                expected_posture = posture.option_ids[(default + 1) % len(posture.option_ids)]
                expected["pakistan.posture"] = expected_posture
            if turn == 2:
                screen.query_one("#decision-pakistan--aid", LeverControl).focus()
                await pilot.press("right")
                expected["pakistan.aid"] = "raise"
            if turn == 3:
                screen.query_one("#decision-pakistan--aid", LeverControl).focus()
                await pilot.press("tab")  # the trade lever follows the aid lever
                await pilot.press("left")
                expected["pakistan.trade"] = "lower"
            expected = {**hold_all(cs), **expected}
            assert screen.query_one(DecisionPanel).choices == expected
            await pilot.press("n")
            await pilot.pause()
            result = sim.advance(expected)
            assert app.session is not None
            view = app.session.history[-1]
            assert view.totals == pytest.approx(
                dict(zip(cs.actors, result.batch.payoff_total[0].tolist(), strict=True))
            )
            if isinstance(app.screen, TurnScreen):
                assert shown_totals(screen) == pytest.approx(view.totals)
                levels = dict(zip(cs.state_names, result.state[0].tolist(), strict=True))
                shown = screen.query_one(Dashboard).state
                assert shown == pytest.approx({k: levels[k] for k in shown})
            turn += 1
        assert sim.done
        assert isinstance(app.screen, DebriefScreen)
        await settle(app, pilot)
        assert app.screen.benchmarks is not None
        assert "Debrief" in str(app.screen.title)


@run
async def test_undo_round_trip() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("n", "n")
        before = (dict(shown_totals(screen)), dict(screen.query_one(Dashboard).state))
        news_after_two_turns = list(screen.query_one(NewsLog).lines_shown)
        await pilot.press("n")
        assert app.session is not None and app.session.turn == 3
        assert shown_totals(screen) != before[0]
        await pilot.press("u")
        await pilot.pause()
        assert app.session.turn == 2
        assert (shown_totals(screen), screen.query_one(Dashboard).state) == before
        assert screen.query_one(NewsLog).lines_shown == news_after_two_turns
        await pilot.press("n")
        await pilot.pause()
        assert app.session.turn == 3  # and replays the same turn again


async def enter_path(app: DilemmaApp, pilot: object, key: str, path: Path) -> None:
    await pilot.press(key)  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    if isinstance(app.screen, ConfirmModal):  # loading over unsaved turns asks first
        await pilot.press("y")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, PathModal)
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)


@run
async def test_save_then_load_reproduces_the_game(tmp_path: Path) -> None:
    save = tmp_path / "game.save.json"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        screen.query_one("#decision-pakistan--aid", LeverControl).focus()
        await pilot.press("right", "n", "n", "n")
        assert app.session is not None
        saved = [dict(v.totals) for v in app.session.history], dict(app.session.current_state())
        await enter_path(app, pilot, "ctrl+s", save)
        assert save.is_file() and not app.session.dirty
        await pilot.press("n", "n")
        await enter_path(app, pilot, "ctrl+o", save)
        assert isinstance(app.screen, TurnScreen) and app.screen is not screen
        assert app.session.turn == 3
        assert ([v.totals for v in app.session.history], app.session.current_state()) == saved
        assert shown_totals(app.screen) == saved[0][-1]


@run
async def test_saving_over_a_file_asks_first_and_replaces_it_only_on_yes(tmp_path: Path) -> None:
    save = tmp_path / "game.save.json"
    save.write_text("keep me")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("n")
        await enter_path(app, pilot, "ctrl+s", save)
        assert isinstance(app.screen, ConfirmModal)  # the file exists: asked, not replaced
        await pilot.press("escape")
        await settle(app, pilot)
        assert save.read_text() == "keep me"
        assert app.session is not None and app.session.dirty
        await enter_path(app, pilot, "ctrl+s", save)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, TurnScreen)
        assert '"dilemma-sim-save"' in save.read_text() and not app.session.dirty


@run
async def test_damaged_save_shows_an_error_and_leaves_the_file(tmp_path: Path) -> None:
    save = tmp_path / "broken.save.json"
    save.write_text('{"format": "dilemma-sim-save", "version": 1, "seed": "x"')
    before = save.read_bytes()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("n")
        await enter_path(app, pilot, "ctrl+o", save)
        assert isinstance(app.screen, ErrorModal)
        await pilot.press("escape")
        assert isinstance(app.screen, TurnScreen)
        assert app.session is not None and app.session.turn == 1
    assert save.read_bytes() == before


@run
async def test_save_of_another_scenario_version_is_refused(tmp_path: Path) -> None:
    save = tmp_path / "game.save.json"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("n")
        await enter_path(app, pilot, "ctrl+s", save)
        text = save.read_text()
        assert app.session is not None
        save.write_text(text.replace(app.session.scenario_hash, "0" * 16))
        await enter_path(app, pilot, "ctrl+o", save)
        assert isinstance(app.screen, ConfirmModal) and app.screen.has_class("-error")
        await pilot.press("escape")
        assert isinstance(app.screen, TurnScreen)


@run
async def test_broken_edit_shows_errors_and_the_game_goes_on(scenario_copy: Path) -> None:
    app = make_app(scenario_copy)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("n")
        text = scenario_copy.read_text()
        scenario_copy.write_text(text.replace("turns: 12", "turns: twelve", 1))
        app.check_scenario_file()
        await settle(app, pilot)
        panel = screen.query_one("#scenario-errors")
        assert panel.display
        assert re.search(r"pakistan-ttp\.yaml:\d+:\d+: error", str(panel.render()))
        await pilot.press("n")
        assert app.session is not None and app.session.turn == 2
        # a valid edit offers a replay of the same seed and choices on the new version
        scenario_copy.write_text(text.replace("turns: 12", "turns: 14", 1))
        app.check_scenario_file()
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#yes")
        await settle(app, pilot)
        assert isinstance(app.screen, TurnScreen) and app.screen is not screen
        assert app.session.turn == 2 and app.session.scenario.turns == 14
        assert not app.screen.query_one("#scenario-errors").display


@run
async def test_quit_asks_while_turns_are_unsaved() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("n", "q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        assert isinstance(app.screen, TurnScreen)


@run
async def test_decision_controls_fit_at_80x24() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        visible = screen.query_one(DecisionPanel).region
        for widget in (screen.query_one(RadioSet), *screen.query(LeverControl)):
            assert visible.contains_region(widget.region), widget
        assert screen.region.contains_region(screen.query_one("#end-turn").region)
