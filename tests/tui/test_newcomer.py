"""What a newcomer hit in the first games (issue #11), each written as the behaviour that should hold.

Tests that name options, levers or counts play `LAYOUT` (a frozen pakistan-ttp 1); those about the
flagship as it is play `pakistan-ttp`."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console
from textual.widgets import RadioButton, Static

from dilemma_sim.tui.screens.briefing import BriefingScreen
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.help import HelpScreen
from dilemma_sim.tui.screens.modals import ConfirmModal, ErrorModal
from dilemma_sim.tui.screens.picker import PickerScreen
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.widgets.decisions import ChoiceSet, DecisionPanel, LeverControl
from dilemma_sim.tui.widgets.news import NewsLog
from tests.tui.conftest import LAYOUT, make_app
from tests.tui.test_play import run, settle, start


@run
async def test_arrows_choose_at_once_from_the_start_of_a_turn() -> None:
    """The first control has focus when a turn starts, and moving to an option chooses it."""
    app = make_app(LAYOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        assert isinstance(app.focused, ChoiceSet)
        await pilot.press("down", "down", "down")
        assert screen.query_one(DecisionPanel).choices["pakistan.posture"] == "hedge"
        await pilot.press("n")
        await pilot.pause()
        assert app.session is not None
        assert app.session.history[0].choices["pakistan.posture"] == "hedge"
        assert isinstance(app.focused, ChoiceSet), "the next turn starts on the first control again"


@run
async def test_the_chosen_option_is_marked_by_its_glyph_not_colour_alone() -> None:
    app = make_app(LAYOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("down")
        marks = {str(button.name): button.render().plain[1] for button in screen.query(RadioButton)}
        assert marks["coercive_diplomacy"] == "●"
        assert {mark for name, mark in marks.items() if name != "coercive_diplomacy"} == {"○"}


@run
async def test_what_an_option_does_shows_where_it_is_chosen() -> None:
    app = make_app(LAYOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        scenario = app.session.scenario if app.session else None
        assert scenario is not None
        posture = scenario.actors["pakistan"].decisions["posture"]
        await pilot.press("down", "down", "down")
        details = screen.query_one("#details", Static)
        shown = str(details.render())
        assert "Posture toward the TTP: Hedge" in shown
        assert posture.options["hedge"].description[:40] in " ".join(shown.split())
        assert screen.region.contains_region(details.region)
        # a lever: its full name and the level its move leads to, with that level's description
        lever = screen.query_one("#decision-pakistan--recognition", LeverControl)
        lever.focus()
        await pilot.press("right")
        shown = " ".join(str(details.render()).split())
        recognition = scenario.actors["pakistan"].decisions["recognition"]
        assert "Recognition of the Taliban government" in shown
        assert recognition.levels["de_facto"].label in shown


@run
async def test_news_keeps_its_width_after_a_turn_played_with_the_advisor_open() -> None:
    async def news_rows(advisor: bool) -> tuple[int, int]:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            if advisor:
                await pilot.press("a")
            await pilot.press("n")
            if advisor:
                await pilot.press("a")
            await settle(app, pilot)
            assert isinstance(app.screen, TurnScreen)
            log = app.screen.query_one(NewsLog)
            return len(log.lines), max(strip.cell_length for strip in log.lines)

    without, with_advisor = await news_rows(False), await news_rows(True)
    assert with_advisor == without


@run
async def test_an_unknown_scenario_shows_its_error_then_the_picker() -> None:
    app = make_app("nosuch")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorModal), "the error is on top, not hidden under the picker"
        assert "nosuch" in " ".join(str(w.render()) for w in app.screen.query(Static))
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, PickerScreen), "closing the error never leaves a blank screen"


@run
async def test_loading_asks_before_discarding_unsaved_turns(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("n", "ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        assert isinstance(app.screen, TurnScreen)
        assert app.session is not None and app.session.turn == 1


@run
async def test_after_play_again_quit_does_not_warn_about_the_finished_game() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        while isinstance(app.screen, TurnScreen):
            await pilot.press("n")
        assert isinstance(app.screen, DebriefScreen)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert app.return_code == 0 or not app.is_running


@run
async def test_help_says_how_to_close_it_and_names_the_players_controls() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Label, Static"))
        assert "esc" in text and "closes" in text
        titles = " ".join(title for title, _ in app.screen.groups)
        assert app.session is not None
        for decision in app.session.decisions():
            assert decision.label in titles
        assert "Posture list" not in titles
        await pilot.press("escape")
        assert isinstance(app.screen, TurnScreen)


@run
async def test_help_at_80x24_says_what_every_key_does_beside_it() -> None:
    """pakistan-ttp's seven levers make a long section title: it must not squeeze out what keys do."""
    from dilemma_sim.tui.screens.help import key_label

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.query("#dialog-body Static").first(Static)
        console = Console(file=io.StringIO(), width=body.content_region.width, record=True)
        console.print(body.content)
        lines = console.export_text().splitlines()
        for title, bindings in app.screen.groups:
            assert " ".join(title.split()) in " ".join(" ".join(lines).split())
            for binding in bindings:
                if binding.description:  # type: ignore[union-attr]
                    key = key_label(binding.key)  # type: ignore[union-attr]
                    does = binding.tooltip or binding.description  # type: ignore[union-attr]  # in full
                    assert any(line.split() == [*key.split(), *does.split()] for line in lines), (key, does)
        assert any(line.split() == ["u", "Undo", "last", "turn"] for line in lines)  # the debrief's `u`


def test_the_briefing_names_lever_weights_not_raw_ids() -> None:
    from dilemma_sim.scenario.loader import load_or_raise
    from dilemma_sim.tui.screens.briefing import scoring

    console = Console(width=100, record=True)
    console.print(scoring(load_or_raise(LAYOUT), "pakistan"))
    text = console.export_text()
    assert "pakistan.recognition" not in text
    assert "Recognition of the Taliban government (per level)" in text


def test_the_briefing_shows_a_sampled_weight_as_its_range_per_unit() -> None:
    """pakistan-ttp 2 draws a death's weight per run: the briefing says from what range, in words."""
    from dilemma_sim.scenario.loader import load_or_raise
    from dilemma_sim.tui.screens.briefing import scoring

    console = Console(width=100, record=True, file=io.StringIO())
    console.print(scoring(load_or_raise("pakistan-ttp"), "pakistan"))
    text = console.export_text()
    assert "~" not in text
    assert re.search(r"Deaths in attacks \(per death\) +-0\.77 to -0\.92", text), text
    assert re.search(r"Killed in border clashes \(per death\) +-1 *\n", text), text
    assert "each game draws its own value" in " ".join(text.split())


def test_counts_agree_in_number() -> None:
    from dilemma_sim.scenario.loader import load_or_raise
    from dilemma_sim.tui.widgets.dashboard import Dashboard

    scenario = load_or_raise(LAYOUT)
    first, second = [name for name, spec in scenario.state.items() if spec.kind == "count"][:2]
    one, two = scenario.state[first].unit, scenario.state[second].unit
    assert one.endswith("s") and two.endswith("s")
    dashboard = Dashboard(scenario)
    dashboard.counts = {first: 1.0, second: 2.0}
    assert dashboard._counts().plain == f"This turn: 1 {one[:-1]} · 2 {two}"


@run
async def test_the_debrief_of_a_full_game_speaks_plainly() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        while isinstance(app.screen, TurnScreen):
            await pilot.press("n")
        assert isinstance(app.screen, DebriefScreen)
        console = Console(file=io.StringIO(), width=120, record=True)
        console.print(app.screen.query_one("#outcome", Static).content)
        outcome = console.export_text()
        assert "HORIZON" not in outcome and "The last turn was played" not in outcome
        assert "Your total score:" in outcome and "12 turns" in outcome


@run
async def test_resizing_mid_game_lays_the_levers_out_again() -> None:
    app = make_app(LAYOUT)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await start(app, pilot)
        lever = screen.query_one("#decision-pakistan--recognition", LeverControl)
        assert "›" in lever.render().plain, "short terminal: the current level alone"
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.pause()
        ladder = lever.render().plain
        assert "›" not in ladder
        levels = app.session.decisions()[1].level_labels if app.session else ()
        assert all(level in ladder for level in levels)
        assert lever.region.height == len(ladder.splitlines())


@run
async def test_state_names_cut_at_80_columns_are_whole_in_the_dashboards_tooltip() -> None:
    from dilemma_sim.tui.widgets.dashboard import Dashboard

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        tooltip = str(screen.query_one(Dashboard).tooltip)
        assert app.session is not None
        for name in app.session.initial_state:
            assert app.session.scenario.state[name].label in tooltip


@run
async def test_saving_over_an_existing_file_asks_and_keeps_it_on_no(tmp_path: Path) -> None:
    from textual.widgets import Input

    from dilemma_sim.tui.screens.modals import PathModal

    existing = tmp_path / "notes.txt"
    existing.write_text("my notes")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("n", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        app.screen.query_one(Input).value = str(existing)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert existing.read_text() == "my notes"
        assert app.session is not None and app.session.dirty


@run
async def test_an_arrow_then_n_in_one_breath_plays_the_option_arrowed_to() -> None:
    """Keys typed faster than the screen updates: `↓ n` must play the option moved to."""
    from textual import events

    app = make_app(LAYOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        app.post_message(events.Key("down", None))
        app.post_message(events.Key("down", None))
        app.post_message(events.Key("n", "n"))
        await pilot.pause()
        await pilot.pause()
        assert app.session is not None and app.session.turn == 1
        assert app.session.history[0].choices["pakistan.posture"] == "border_closure"
