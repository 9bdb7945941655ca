"""Stakes a person can read: the player's score against the status quo on the same draws and in
expectation, per turn and in total; the advisor's gains over the current choice; the debrief's
counts, endings and chart against the strategies' distributions."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console
from textual.widgets import Static

from dilemma_sim.engine.advisor import advise
from dilemma_sim.engine.compile import compile_scenario
from dilemma_sim.engine.simulate import Simulation
from dilemma_sim.scenario.loader import load_or_raise
from dilemma_sim.tui.benchmarks import strategy_benchmarks
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.stakes import compute_stakes, from_wire, to_wire
from dilemma_sim.tui.widgets.charts import PathChart
from dilemma_sim.tui.widgets.stakes import StakesPanel
from tests.tui.conftest import LAYOUT, SEED, make_app
from tests.tui.test_play import run, settle, start

RUNS = 64


@pytest.fixture(scope="module")
def cs():  # type: ignore[no-untyped-def]
    return compile_scenario(load_or_raise("pakistan-ttp"))


@pytest.fixture(scope="module")
def stakes(cs):  # type: ignore[no-untyped-def]
    return compute_stakes(cs, "pakistan", SEED, runs=RUNS)


def test_run_0_of_the_status_quo_is_the_players_own_luck(cs, stakes) -> None:  # type: ignore[no-untyped-def]
    sim = Simulation(cs, runs=1, seed=SEED, policies={"pakistan": "status-quo"})
    payoffs = [float(sim.advance().payoffs[0, 0]) for _ in range(cs.turns) if not sim.done]
    assert stakes.status_quo.payoffs[0, : len(payoffs)] == pytest.approx(payoffs)
    assert stakes.same_luck_so_far(stakes.reference, 3) == pytest.approx(sum(payoffs[:3]))


def test_counts_are_each_games_totals_on_the_players_own_luck(cs, stakes) -> None:  # type: ignore[no-untyped-def]
    """A strategy's counts are (runs, counts): what each game drew in all, as the debrief shows."""
    sim = Simulation(cs, runs=1, seed=SEED, policies={"pakistan": "status-quo"})
    drawn = np.zeros(len(cs.counts))
    while not sim.done:
        drawn += sim.advance().counts[0]
    assert stakes.status_quo.counts.shape == (RUNS, len(stakes.count_names))
    assert stakes.status_quo.counts[0] == pytest.approx(drawn)
    assert drawn.sum() > 0


def test_stakes_cross_the_wire_exactly(stakes) -> None:  # type: ignore[no-untyped-def]
    """A shared game's coordinator sends the stakes it computed once; every array arrives bit for bit."""
    import json

    back = from_wire(json.loads(json.dumps(to_wire(stakes))))
    assert (back.actor, back.runs, back.reference, back.best) == (
        stakes.actor,
        stakes.runs,
        stakes.reference,
        stakes.best,
    )
    assert (back.count_names, back.ending_ids) == (stakes.count_names, stakes.ending_ids)
    for mine, theirs in zip(back.strategies, stakes.strategies, strict=True):
        assert (mine.id, mine.label) == (theirs.id, theirs.label)
        for name in ("payoffs", "counts", "endings"):
            assert np.array_equal(getattr(mine, name), getattr(theirs, name))
            assert getattr(mine, name).dtype == getattr(theirs, name).dtype
    broken = to_wire(stakes)
    broken["runs"] = RUNS + 1
    with pytest.raises(ValueError, match="number of runs"):
        from_wire(broken)


def test_the_status_quo_is_first_and_the_best_is_the_highest_mean(stakes) -> None:  # type: ignore[no-untyped-def]
    assert stakes.reference == 0 and stakes.status_quo.id == "status-quo"
    means = [play.totals.mean() for play in stakes.strategies]
    assert stakes.best == int(np.argmax(means))
    mean, half = stakes.expected_so_far(0, stakes.status_quo.payoffs.shape[1])
    assert mean == pytest.approx(means[0]) and 0 < half < abs(mean)


def test_benchmarks_carry_counts_and_endings(stakes) -> None:  # type: ignore[no-untyped-def]
    benchmarks = strategy_benchmarks(stakes, player_total=0.0)
    assert [b.label for b in benchmarks] == [p.label for p in stakes.strategies]
    for bench in benchmarks:
        assert set(bench.counts) == set(stakes.count_names)
        assert sum(bench.endings.values()) == pytest.approx(1.0)
        assert bench.share_below == 0.0 or bench.mean < 0
        assert bench.total.p10 <= bench.total.p50 <= bench.total.p90


def test_advisor_gains_are_paired_and_zero_for_the_current_choice(cs) -> None:  # type: ignore[no-untyped-def]
    sim = Simulation(cs, runs=1, seed=SEED, human="pakistan")
    values = advise(cs, sim.state, "pakistan", rollouts=200, seed=SEED)
    current = {v.decision: v for v in values if v.diff == 0 and v.diff_low == v.diff_high}
    assert "pakistan.posture" in current
    for v in values:
        assert v.diff == pytest.approx(v.mean - current[v.decision].mean)
        # the paired interval is narrower than the unpaired one would be
        if v.diff_high > v.diff_low:
            assert v.diff_high - v.diff_low < (v.ci_high - v.ci_low) * 2


@run
async def test_the_turn_screen_shows_the_stakes_per_turn_and_in_total() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        await settle(app, pilot)
        panel = screen.query_one(StakesPanel)
        assert any("Whole game, expected" in line for line in panel.lines)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, TurnScreen)
        text = "\n".join(panel.lines)
        assert "this turn" in text and "so far" in text and "same luck" in text
        # playing the status quo's choices on the status quo's luck is level with it
        assert "+0.0" in text


@run
async def test_the_stakes_table_keeps_its_row_names_whole_at_80x24_with_thousands() -> None:
    """`this t…` at 80×24 once totals ran into thousands: the headers wrap, never the row names or numbers."""
    app = make_app(LAYOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        await settle(app, pilot)
        panel = screen.query_one(StakesPanel)
        stakes = app.session.stakes["pakistan"]  # type: ignore[union-attr]
        panel.show(stakes, [-3_909.7 / 12] * 11 + [-1_315.8])
        width = panel.content_region.width
        assert 40 <= width < 50
        lines = _text(panel, width).splitlines()
        assert any(line.lstrip().startswith("this turn ") for line in lines), lines
        assert any(line.lstrip().startswith("so far ") and "-4,899.7" in line for line in lines), lines
        assert "…" not in "".join(lines)


def _text(widget: Static, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, record=True)
    console.print(widget.content)
    return console.export_text()


@run
async def test_the_debrief_shows_counts_and_a_chart_against_the_strategies() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("down")  # talk instead of fighting: a different path from the status quo
        while isinstance(app.screen, TurnScreen):
            await pilot.press("n")
        assert isinstance(app.screen, DebriefScreen)
        await settle(app, pilot)
        assert app.screen.benchmarks and app.session is not None
        chart = app.screen.query_one(PathChart)
        assert chart.region.height >= 10
        shown = str(app.export_screenshot()).replace("&#160;", " ")
        assert "Score gained over the status quo" in shown
        legend = str(app.screen.query_one("#chart-legend", Static).render())
        assert "you" in legend and "Status quo (same luck)" in legend
        tables = " ".join(_text(app.screen.query_one("#benchmarks", Static), width=300).split())
        scenario = app.session.scenario
        for spec in scenario.state.values():
            if spec.kind == "count":  # attacks, deaths in attacks, ... each by its name
                assert spec.label in tables, spec.label
        for bench in app.screen.benchmarks:
            assert bench.label.split()[0] in tables
        # pakistan-ttp 2 has no early endings: no column of endings that all read "full term"
        assert not scenario.endings and "usual ending" not in tables and "full term" not in tables
        outcome = _text(app.screen.query_one("#outcome", Static))
        assert "no early ending" not in outcome and "ran its 12 turns" in outcome


@run
async def test_the_debrief_of_a_scenario_with_early_endings_shows_how_each_strategy_ends() -> None:
    app = make_app(LAYOUT)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        while isinstance(app.screen, TurnScreen):
            await pilot.press("n")
        assert isinstance(app.screen, DebriefScreen)
        await settle(app, pilot)
        tables = _text(app.screen.query_one("#benchmarks", Static))
        assert "usual ending" in tables
        assert app.session is not None and app.session.scenario.endings


def test_the_debrief_counts_never_fold_a_number_at_80_columns() -> None:
    """pakistan-ttp 2's five counts in thousands folded `1,556–2,828` into `1,556–2,82` over `8` at 80
    columns: there the ranges show in thousands; with room, whole."""
    from dilemma_sim.tui.benchmarks import Band
    from dilemma_sim.tui.screens.debrief import CountsTable

    heads = [
        "Terrorist attacks",
        "Deaths in attacks",
        "Afghan civilians killed by strikes",
        "Soldiers",
        "Clashes",
    ]
    band = Band(1_556.0, 2_109.0, 2_828.0)
    table = CountsTable(heads, [("Status quo", [band] * 5), ("Always appease", [band] * 5)], [2_694.0] * 5)

    def shown(width: int) -> list[str]:
        console = Console(file=io.StringIO(), width=width, record=True)
        console.print(table)
        return console.export_text().splitlines()

    narrow, wide = shown(78), shown(160)
    assert all(line.count("1.6k–2.8k") == 5 for line in narrow if "k–" in line)
    assert sum(line.count("1.6k–2.8k") for line in narrow) == 10
    assert (
        sum(line.count("2,109") for line in narrow) == 10 and sum(line.count("2,694") for line in narrow) == 5
    )
    assert sum(line.count("1,556–2,828") for line in wide) == 10 and not any("k–" in line for line in wide)
