"""Trends: sparklines on their variables' declared ranges, labelled, with names not cut when there is room."""

from __future__ import annotations

from rich.console import Console

from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.widgets.trends import TrendRow, Trends, spark
from tests.tui.conftest import make_app
from tests.tui.test_play import run, start


def test_a_small_step_on_a_shared_scale_is_a_small_step() -> None:
    assert spark([85, 82.4], 0, 100) in ("▇▇", "▇▆")
    assert spark([0, 50, 100], 0, 100) == "▁▄█" or spark([0, 50, 100], 0, 100) == "▁▅█"


def _plain(widget: Trends, width: int) -> str:
    console = Console(width=width, record=True)
    console.print(widget.shown)
    return console.export_text()


@run
async def test_trend_labels_are_whole_when_there_is_room_and_the_scale_is_named() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("n", "n")
        assert isinstance(screen, TurnScreen)
        trends = screen.query_one(Trends)
        text = _plain(trends, trends.content_region.width)
        for row in trends.rows:
            assert row.label in text
        assert "common range" in text


def test_rows_with_their_own_range_name_it() -> None:
    trends = Trends([TrendRow("a", "Alpha", 0, 10), TrendRow("b", "Beta", 0, 100)], points=4)
    trends.show({"a": [1, 2], "b": [3, 4]})
    text = _plain(trends, 60)
    assert "0–10" in text and "0–100" in text
