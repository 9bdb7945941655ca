"""The advisor panel (the engine's rollouts and stage games, in a worker) and the compact lever rows."""

from __future__ import annotations

import re

import pytest

from dilemma_sim.engine.advisor import advise
from dilemma_sim.engine.analysis import stage_games
from dilemma_sim.tui.advice import ROLLOUTS, game_kind, moves, option_labels
from dilemma_sim.tui.app import DilemmaApp
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.widgets.advisor import AdvisorPanel
from dilemma_sim.tui.widgets.decisions import DecisionPanel, LeverControl
from tests.tui.conftest import LAYOUT, SEED, make_app
from tests.tui.test_play import run, settle, start


def advisor_of(app: DilemmaApp) -> AdvisorPanel:
    return app.screen.query_one(AdvisorPanel)


@run
async def test_advisor_shows_the_engines_values_and_stage_games() -> None:
    app = make_app(LAYOUT)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        screen.query_one("#decision-pakistan--recognition", LeverControl).move = "lower"  # to its bottom
        await pilot.press("n", "a")
        panel = advisor_of(app)
        assert panel.display
        await settle(app, pilot)
        session, advice = app.session, panel.advice
        assert session is not None and advice is not None and not panel.computing
        assert advice.turn == session.turn == 1
        choices = screen.query_one(DecisionPanel).choices
        values = advise(
            session.compiled,
            session.sim.snapshot(),
            session.human,
            rollouts=ROLLOUTS,
            seed=SEED,
            current=choices,
        )
        views = session.decisions()
        levels = session.current_levels()
        assert [d.label for d in advice.decisions] == [v.label for v in views]
        stuck = 0
        for view, decision in zip(views, advice.decisions, strict=True):
            level = levels.get(view.key, 0)
            # a lever's `lower` at its bottom level (`raise` at its top) is holding it: listed once
            expected = [
                v
                for v in values
                if v.decision == view.key and (moves(view, level, v.option) or v.option == choices[view.key])
            ]
            stuck += len([v for v in values if v.decision == view.key]) - len(expected)
            labels = dict(zip(view.option_ids, option_labels(view, level), strict=True))
            assert [r.label for r in decision.rows] == [labels[v.option] for v in expected]
            assert len({r.label.split(" → ")[-1] for r in decision.rows}) == len(decision.rows)
            assert [r.mean for r in decision.rows] == pytest.approx([v.mean for v in expected])
            assert [r.ci_low for r in decision.rows] == pytest.approx([v.ci_low for v in expected])
            best = max(v.mean for v in expected)
            assert [r.best for r in decision.rows] == [v.mean == best for v in expected]
            assert [r.chosen for r in decision.rows] == [v.option == choices[view.key] for v in expected]
        assert stuck == 1  # recognition, at the bottom of its ladder: `lower` is holding it
        games = stage_games(
            session.compiled, state=session.sim.snapshot(), row_actor=session.human, seed=SEED
        )
        assert len(advice.games) == len(games) > 0
        for shown, game in zip(advice.games, games, strict=True):
            assert shown.kind == game_kind(game.type)
            assert len(shown.equilibria) == len(game.equilibria)
            assert " / " in shown.equilibria[0]


@run
async def test_advice_for_a_past_turn_never_shows() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("a")
        panel = advisor_of(app)
        # ask again, then play the turn before the worker reports: only the new turn's advice may show
        screen.run_advisor()
        screen.action_end_turn()
        await settle(app, pilot)
        assert app.session is not None and panel.advice is not None
        assert panel.advice.turn == app.session.turn == 1
        # hidden while a turn is played: the pending advice is dropped
        await pilot.press("a")
        screen.action_end_turn()
        await settle(app, pilot)
        assert panel.advice is None and not panel.computing


def test_game_kind() -> None:
    assert game_kind("6x4 game") == "6×4 game"
    assert game_kind("prisoner's dilemma") == "prisoner's dilemma"


@run
async def test_lever_rows_are_compact_at_80x24_and_full_at_120x40() -> None:
    for size, compact in (((80, 24), True), ((120, 40), False)):
        app = make_app(LAYOUT)  # four levers: two rows each fit at 80x24
        async with app.run_test(size=size) as pilot:
            screen = await start(app, pilot)
            assert isinstance(screen, TurnScreen)
            panel = screen.query_one(DecisionPanel)
            assert panel.max_scroll_y == 0, size  # every control fits without scrolling
            for lever in screen.query(LeverControl):
                ladder = " ".join(str(lever.render()).splitlines()[1:])
                labels = lever.decision.level_labels
                if compact:
                    assert lever.region.height == 2
                    assert re.search(rf"› {lever.level + 1}/{len(labels)}$", ladder), ladder
                else:
                    assert all(label in ladder for label in labels), ladder


@run
async def test_seven_levers_fit_at_80x24_one_row_each_and_whole_at_120x40() -> None:
    """pakistan-ttp has a talks decision and seven levers: at 80x24 two rows each would not fit, so each
    lever takes one row (its name, the level its move leads to); the details line names both in full."""
    for size in ((80, 24), (120, 40)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            screen = await start(app, pilot)
            panel = screen.query_one(DecisionPanel)
            levers = list(screen.query(LeverControl))
            assert len(levers) == 7
            assert panel.max_scroll_y == 0, size
            for lever in levers:
                assert panel.region.contains_region(lever.region), (size, lever.key)
                text = lever.render().plain
                if size == (80, 24):
                    assert lever.region.height == 1 and "‹" in text and "›" in text
                    assert text.startswith(lever.decision.label[:8])
                    assert lever.decision.level_labels[lever.level][:4] in text
                    lever.focus()
                    await pilot.press("right")
                    details = " ".join(str(screen.query_one("#details").render()).split())
                    assert details.startswith(f"{lever.decision.label}: ")
                    assert lever.decision.level_labels[lever.target] in details
                    assert "↑" in lever.render().plain or lever.target == lever.level
                else:
                    assert all(label in text for label in lever.decision.level_labels), text
