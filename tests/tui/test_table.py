"""Several players at one table: hand-over between secret decisions, simultaneous resolution, news per
player, a facilitator who sees everything and forces events, and saves that carry every choice."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from textual.widgets import Static

from dilemma_sim.engine.compile import compile_scenario
from dilemma_sim.engine.simulate import Simulation
from dilemma_sim.scenario.loader import load_or_raise
from dilemma_sim.tui.app import DilemmaApp
from dilemma_sim.tui.savefile import read_save
from dilemma_sim.tui.screens.briefing import BriefingScreen
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.table import FacilitatorScreen, HandOverScreen
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.widgets.decisions import DecisionPanel
from dilemma_sim.tui.widgets.news import NewsLog
from tests.tui.conftest import SEED
from tests.tui.test_play import enter_path, run, settle

PLAYERS = ("pakistan", "taliban")


def table_app(facilitator: bool = False) -> DilemmaApp:
    return DilemmaApp(
        "pakistan-ttp", seed=SEED, humans=PLAYERS, facilitator=facilitator, watch=False, animations=False
    )


async def begin(app: DilemmaApp, pilot: object) -> None:
    await settle(app, pilot)
    assert isinstance(app.screen, BriefingScreen)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def screen_text(app: DilemmaApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query(Static))


@run
async def test_two_players_play_pakistan_ttp_to_the_debrief_in_secret() -> None:
    cs = compile_scenario(load_or_raise("pakistan-ttp"))
    sim = Simulation(cs, runs=1, seed=SEED, human=list(PLAYERS))
    app = table_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await begin(app, pilot)
        turn = 0
        while not isinstance(app.screen, DebriefScreen):
            chosen: dict[str, str] = {}
            for seat in PLAYERS:
                assert isinstance(app.screen, HandOverScreen) and app.screen.seat == seat
                assert "Pass the keyboard" in screen_text(app)
                if seat == "taliban" and app.session is not None:
                    # the hand-over says who decided, never what
                    assert "Already decided: Pakistan" in screen_text(app)
                    assert app.session.pending["pakistan"]["pakistan.posture"] not in screen_text(app)
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, TurnScreen) and app.screen.seat == seat
                if turn % 2 == 1:
                    await pilot.press("down")  # the first control has focus: choose the next option
                choices = app.screen.query_one(DecisionPanel).choices
                assert all(key.startswith(seat + ".") for key in choices)
                chosen.update(choices)
                await pilot.press("n")
                await pilot.pause()
            expected = sim.advance(chosen)
            assert app.session is not None
            view = app.session.history[-1]
            assert view.choices == {
                info.key: info.option_ids[int(expected.choices[0, info.index])] for info in cs.decisions
            }
            turn += 1
        assert sim.done and app.session is not None and app.session.turn == turn
        await settle(app, pilot)
        assert app.screen.benchmarks is not None
        assert app.screen.viewer == "pakistan"
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, DebriefScreen) and app.screen.viewer == "taliban"


@run
async def test_each_player_reads_their_own_action_in_the_news() -> None:
    app = table_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await begin(app, pilot)
        for _ in PLAYERS:
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
        for seat in PLAYERS:
            assert isinstance(app.screen, HandOverScreen) and app.screen.seat == seat
            await pilot.press("enter")
            await pilot.pause()
            news = app.screen.query_one(NewsLog).lines_shown
            first = news[news.index(app.session.history[0].label) + 1] if app.session else ""
            assert first.startswith("• You: "), (seat, news)
            await pilot.press("n")
            await pilot.pause()


@run
async def test_the_facilitator_sees_everyone_and_forces_an_event(tmp_path: Path) -> None:
    app = table_app(facilitator=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await begin(app, pilot)
        assert isinstance(app.screen, FacilitatorScreen)
        event_ids = list(app.session.scenario.events) if app.session else []
        forced = "nuclear_scare" if "nuclear_scare" in event_ids else event_ids[-1]
        app.screen.toggle_event(forced)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        for _ in PLAYERS:
            assert isinstance(app.screen, HandOverScreen)
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
        assert app.session is not None
        view = app.session.history[0]
        assert view.forced == (forced,) and forced in view.events
        # the next turn starts at the facilitator's view, which shows every actor's choices
        assert isinstance(app.screen, FacilitatorScreen)
        console = Console(width=100, record=True)
        console.print(app.screen._actors())
        shown = console.export_text()
        assert "person" in shown and "policy" in shown
        for key in view.choices:
            actor, decision = key.split(".")
            spec = app.session.scenario.actors[actor].decisions[decision]
            if spec.kind == "choice":
                assert spec.options[view.choices[key]].label in " ".join(shown.split())
        # the save carries both players' choices and the forced event; loading replays them
        save = tmp_path / "table.save.json"
        await enter_path(app, pilot, "ctrl+s", save)
        game = read_save(save)
        assert game.humans == list(PLAYERS) and game.forced == [[forced]]
        assert set(game.choices[0]) == {k for k in view.choices if k.startswith(PLAYERS)}
        await enter_path(app, pilot, "ctrl+o", save)
        assert app.session.turn == 1 and app.session.history[0].forced == (forced,)
        assert app.session.history[0].totals == view.totals
        # and the transcript records it
        assert isinstance(app.screen, FacilitatorScreen)
        transcript = tmp_path / "t.json"
        await enter_path(app, pilot, "t", transcript)
        assert json.loads(transcript.read_text())["turns"][0]["forced"] == [forced]


@run
async def test_each_seat_keeps_its_screens_from_turn_to_turn_and_a_new_game_drops_them() -> None:
    """The screens of a table come back every turn: kept alive and refreshed, not rebuilt (a new
    screen's layout made the turn of the player who ends it slow); a new game starts afresh."""
    app = table_app(facilitator=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await begin(app, pilot)
        kept: dict[tuple[str, str], object] = {}

        def same(kind: str, seat: str) -> None:
            assert kept.setdefault((kind, seat), app.screen) is app.screen, (kind, seat)

        for turn in range(3):
            assert isinstance(app.screen, FacilitatorScreen)
            same("facilitator", "*")
            assert app.screen.title.startswith(f"Facilitator — {app.session.calendar_label()}")  # type: ignore[union-attr]
            await pilot.press("c")
            await pilot.pause()
            for seat in PLAYERS:
                assert isinstance(app.screen, HandOverScreen) and app.screen.seat == seat
                same("hand-over", seat)
                assert f"turn {turn + 1} of" in screen_text(app)
                assert ("Already decided: Pakistan" in screen_text(app)) == (seat == "taliban")
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, TurnScreen) and app.screen.seat == seat
                same("turn", seat)
                assert app.screen.active_bindings["n"].binding.description == "Decide"  # as on its button
                assert f"turn {turn + 1}/" in str(app.screen.title)
                news = app.screen.query_one(NewsLog).lines_shown
                assert app.session is not None
                assert all(view.label in news for view in app.session.history)
                await pilot.press("n")
                await pilot.pause()
        old = list(kept.values())
        assert app.session is not None and app.session.turn == 3
        app.on_debrief_screen_play_again()  # a new game of the same scenario
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, FacilitatorScreen) and app.screen not in old
        assert app.session is not None and app.session.turn == 0
        assert not any(app.is_screen_installed(screen) for screen in old)  # type: ignore[arg-type]
        assert not any(screen.is_attached for screen in old)  # type: ignore[attr-defined]  # removed


@run
async def test_the_next_players_debrief_keeps_every_key_in_the_footer_at_80x24() -> None:
    """`v` once recomposed the whole debrief and left its footer empty; `Undo last turn` cut `Quit`."""
    from textual.widgets._footer import FooterKey

    from tests.tui.test_snapshots import TABLE_SCREENS
    from tests.tui.test_snapshots import table_app as layout_table_app

    app = layout_table_app()  # the frozen fixture: this is about layout
    async with app.run_test(size=(80, 24)) as pilot:
        await TABLE_SCREENS["table-debrief-2nd-player"](pilot)
        assert isinstance(app.screen, DebriefScreen) and app.screen.viewer == "taliban"
        console = Console(width=78, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#outcome", Static).content)
        assert "Afghan Taliban's total score" in console.export_text()
        keys = {key.description: key.region for key in app.screen.query(FooterKey)}
        assert {"Play again", "Undo", "Next player", "Save", "Quit", "palette"} <= set(keys)
        assert all(region.right <= keys["palette"].x for name, region in keys.items() if name != "palette")


@run
async def test_the_facilitators_footer_fits_at_80x24() -> None:
    """`Continue to the players` in the footer cut `Quit`: the footer says `Continue`, help in full."""
    from textual.widgets._footer import FooterKey

    from tests.tui.test_snapshots import TABLE_SCREENS
    from tests.tui.test_snapshots import table_app as layout_table_app

    app = layout_table_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await TABLE_SCREENS["facilitator"](pilot)
        assert isinstance(app.screen, FacilitatorScreen)
        keys = {key.description: key.region for key in app.screen.query(FooterKey)}
        assert {"Continue", "Transcript", "Save", "Quit", "palette"} <= set(keys)
        assert all(region.right <= keys["palette"].x for name, region in keys.items() if name != "palette")
