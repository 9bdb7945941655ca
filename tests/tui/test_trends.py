"""Trends: sparklines on their variables' declared ranges (or a round range when a declared range is a
wide bound), labelled, with names not cut when there is room and every scale named."""

from __future__ import annotations

from rich.console import Console

from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.widgets.trends import TrendRow, Trends, drawn_range, scale_label, spark
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
        lines = text.splitlines()
        for row in trends.rows:
            line = next(line for line in lines if line.strip().startswith(row.label))
            # the scale is named: on the row's own line, or once for all rows that share it
            assert scale_label(*trends.scales[row.key]) in line or "common range" in text, line


@run
async def test_the_trends_chart_what_the_score_weighs_counts_included() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("n", "n")
        trends = screen.query_one(Trends)
        assert app.session is not None
        scenario = app.session.scenario
        weighed = [name for name in scenario.actors["pakistan"].utility if name in scenario.state]
        assert [row.key for row in trends.rows] == [*weighed[:6], "score"]
        assert scenario.state["fatalities"].kind == "count" and "fatalities" in weighed[:6]
        deaths = trends.series["fatalities"]
        assert deaths[0] is None and deaths[1:] == [view.counts["fatalities"] for view in app.session.history]


def test_a_series_far_inside_a_wide_declared_range_is_drawn_on_a_round_range() -> None:
    """2,500 fighters on a range of 0-30,000 would be a flat line at the bottom."""
    fighters = [2500, 3100, 3700]
    assert drawn_range(fighters, 0, 30000) == (0, 5000)
    assert spark(fighters, 0, 30000) == "▂▂▂"  # on the declared range: flat
    assert spark(fighters, *drawn_range(fighters, 0, 30000)) == "▅▅▆"
    assert drawn_range([85, 82.4], 0, 100) == (0, 100)  # a series that uses its range keeps it
    assert drawn_range([10, 10, 10], 0, 1000) == (0, 20)  # a steady value is not drawn as a maximum
    assert drawn_range([0, 0], 0, 1000) == (0, 1000)
    assert drawn_range([-120, -40], -1000, 5000) == (-200, 0)
    trends = Trends([TrendRow("f", "Fighters", 0, 30000)], points=4)
    trends.show({"f": [2500, 2600, 2900]})
    assert "0–5,000" in _plain(trends, 60)


def test_rows_with_their_own_range_name_it() -> None:
    trends = Trends([TrendRow("a", "Alpha", 0, 10), TrendRow("b", "Beta", 0, 100)], points=4)
    trends.show({"a": [1, 2], "b": [30, 40]})
    text = _plain(trends, 60)
    assert "0–10" in text and "0–100" in text
