"""Text from a scenario is shown as text on every screen: no markup interpretation, no terminal codes.

A scenario whose every title, name, label, description and news line starts with `[/]` (which Rich
would read as a closing tag and crash on) and with escape sequences is played through each screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dilemma_sim.scenario.loader import load_scenario
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.picker import PickerScreen
from dilemma_sim.tui.screens.turn import TurnScreen
from tests.tui.conftest import hostile_copy, make_app
from tests.tui.test_play import run, settle, start


def shown(app: object) -> str:
    return str(app.export_screenshot())  # type: ignore[attr-defined]


def assert_plain(app: object) -> None:
    text = shown(app)
    assert "pwned" not in text, "an escape sequence reached the screen"
    assert "\x1b" not in text


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = hostile_copy(tmp_path)
    assert load_scenario(path).ok, "the hostile copy must be a valid scenario"
    return path


@run
async def test_every_screen_shows_scenario_text_as_text(
    hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(hostile)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "[/]" in shown(app)  # the briefing, markup shown as typed
        assert_plain(app)
        screen = await start(app, pilot)
        assert_plain(app)
        await pilot.press("a")  # the advisor names options and actors
        await settle(app, pilot)
        assert_plain(app)
        await pilot.press("a", "tab", "down", "tab", "right", "n", "question_mark")
        await settle(app, pilot)
        assert_plain(app)
        await pilot.press("escape")
        assert isinstance(app.screen, TurnScreen) and app.screen is screen
        while isinstance(app.screen, TurnScreen):
            await pilot.press("n")
        assert isinstance(app.screen, DebriefScreen)
        await settle(app, pilot)  # the strategies' table is filled in
        assert app.screen.benchmarks
        assert_plain(app)


@run
async def test_the_picker_lists_a_hostile_scenario_as_text(
    hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = hostile.parent / "scenarios"
    folder.mkdir()
    hostile.rename(folder / "hostile.yaml")
    monkeypatch.chdir(hostile.parent)
    app = make_app(folder / "hostile.yaml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, PickerScreen)
        assert any(info.path.name == "hostile.yaml" for info in app.screen.scenarios)
        assert_plain(app)
