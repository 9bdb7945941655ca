"""The headless turn view: news and score breakdown of a turn, shared by the TUI, `run` and transcripts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from dilemma_sim.engine.compile import CompiledScenario, compile_scenario
from dilemma_sim.engine.simulate import Simulation
from dilemma_sim.engine.turn_view import (
    CARRIED,
    OTHER,
    TurnView,
    count_phrase,
    grouped_totals,
    quantity,
    run_views,
    score_rows,
    turn_view,
)
from dilemma_sim.scenario.loader import load_or_raise
from dilemma_sim.text import safe as clean

HEDGE = {"pakistan.posture": "hedge"}
FROZEN = Path(__file__).parent / "tui" / "fixtures" / "layout.yaml"
"""A frozen copy of an earlier pakistan-ttp: these tests are about the view, not the model."""


@pytest.fixture(scope="module")
def cs() -> CompiledScenario:
    return compile_scenario(load_or_raise(FROZEN))


def play(
    cs: CompiledScenario, turns: int, choices: Mapping[str, str] = HEDGE, seed: int = 7
) -> tuple[Simulation, list[TurnView]]:
    sim = Simulation(cs, runs=1, seed=seed, human="pakistan")
    views: list[TurnView] = []
    for _ in range(turns):
        before = sim.state
        result = sim.advance(choices)
        views.append(turn_view(cs, result, before, previous_choices=views[-1].choices if views else None))
    return sim, views


def test_the_players_own_action_opens_the_news_every_turn(cs: CompiledScenario) -> None:
    _, views = play(cs, 3)
    assert views[0].news_for(["pakistan"])[0] == "You: Hedge"
    assert views[1].news_for(["pakistan"])[0] == "You: Hedge (as before)"


def test_a_repeated_choice_is_not_repeated_as_news(cs: CompiledScenario) -> None:
    _, views = play(cs, 12)
    # an option's news text appears in the turn it is first chosen, not again while it is kept
    previous: dict[str, str] = {}
    for view in views:
        for line in view.news:
            if line.kind == "choice" and line.actor is not None:
                key = next(k for k in view.choices if k.startswith(line.actor + "."))
                assert previous.get(key) != view.choices[key]
        previous = view.choices
    assert any(line.kind == "kept" for view in views for line in view.news)


def test_score_rows_add_up_to_the_payoff_with_an_other_row(cs: CompiledScenario) -> None:
    _, views = play(cs, 4)
    for view in views:
        rows = score_rows(view.terms["pakistan"], limit=3)
        assert any(label.startswith(OTHER) for label, _ in rows)
        assert sum(value for _, value in rows) == pytest.approx(view.payoffs["pakistan"])
        for actor in cs.actors:
            assert sum(view.breakdown_of(actor).values()) == pytest.approx(view.payoffs[actor])


def test_counts_read_as_levels_whose_sign_follows_the_weight(cs: CompiledScenario) -> None:
    """`12 attacks -24` for a negative weight, whether attacks rose or fell since last turn."""
    _, views = play(cs, 6)
    for view in views:
        for term in view.terms["pakistan"]:
            if term.group == "outcomes":
                name = term.term.partition(": ")[2]
                assert term.label.split()[0] == f"{view.counts[name]:,.0f}"
                assert term.value <= 0  # Pakistan's weights on attacks and deaths are negative


def test_what_mattered_groups_model_mechanics_on_one_line(cs: CompiledScenario) -> None:
    sim, views = play(cs, 12)
    rows = grouped_totals(cs.scenario, views, "pakistan", limit=5)
    labels = [label for label, _ in rows]
    assert not any(label == "drift back to baseline" for label in labels)
    assert labels[-1].startswith("the model's own dynamics")
    assert labels[0] == CARRIED  # where each turn started: one row, first
    score = float(sim.state.payoff_total[0, cs.actors.index("pakistan")])
    assert sum(value for _, value in rows) == pytest.approx(score)  # the rows add up to the game's score


def test_run_views_match_the_views_built_turn_by_turn(cs: CompiledScenario) -> None:
    sim, views = play(cs, 5)
    again = run_views(cs, 7, 0, sim.history)
    assert [v.news for v in again] == [v.news for v in views]
    assert [v.terms for v in again] == [v.terms for v in views]


def test_clean_removes_escape_sequences_and_controls() -> None:
    assert clean("a\x1b[2Jb\x1b]52;c;aGk=\x07c\x07d\x9b\n\tz") == "abcd\n\tz"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(1, "incidents", "1 incident"), (2, "incidents", "2 incidents"), (1, "casualties", "1 casualty")],
)
def test_quantities_agree_in_number(value: float, unit: str, text: str) -> None:
    assert quantity(value, unit) == text


def test_counts_that_share_a_unit_are_named_by_their_label() -> None:
    """pakistan-ttp counts four kinds of deaths: `176 deaths` beside `24 deaths` would say nothing."""
    sc = load_or_raise("pakistan-ttp")
    assert sc.state["fatalities"].unit == sc.state["clash_deaths"].unit == "deaths"
    assert count_phrase(sc, "fatalities", 176) == "Deaths in attacks: 176"
    assert count_phrase(sc, "clash_deaths", 1, "in all") == "Killed in border clashes: 1 in all"
    assert count_phrase(sc, "attacks", 12) == "12 attacks"  # its unit is its own
    frozen = load_or_raise(FROZEN)
    assert count_phrase(frozen, "fatalities", 1) == f"1 {frozen.state['fatalities'].unit[:-1]}"


def test_what_mattered_shows_no_row_that_moved_nothing() -> None:
    """pakistan-ttp's levers at their usual levels weigh nothing: `Border crossings: Open +0.0` rows
    would crowd out what did matter; they go to `other`, whose rows still add up."""
    flagship = compile_scenario(load_or_raise("pakistan-ttp"))
    sim, views = play(flagship, 12, choices={})
    rows = grouped_totals(flagship.scenario, views, "pakistan", limit=8)
    assert all(abs(value) >= 0.05 for label, value in rows if not label.startswith(OTHER)), rows
    score = float(sim.state.payoff_total[0, flagship.actors.index("pakistan")])
    assert sum(value for _, value in rows) == pytest.approx(score)
