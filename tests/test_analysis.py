"""Stage games and game lints.

A stage game pits one of the player's choice decisions against another actor's; its cells are the
engine's expected one-turn payoffs. The game lints warn about strictly dominated options (W520) and
decisions that are not dilemmas at all (W521), at the option's line in the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dilemma_sim.engine import CompiledScenario, compile_scenario, stage_payoffs
from dilemma_sim.engine.analysis import policy_profile, reach_turn, stage_games
from dilemma_sim.engine.gamelint import lint_game, lint_loaded
from dilemma_sim.scenario.loader import load_scenario, load_text
from dilemma_sim.scenario.starter import starter_yaml

TWO_BY_TWO = """\
id: lint-me
title: Lint me
summary: A player with one good option, one bad one, and a rival.
turns: 4
player: one
parameters:
  upside:
    dist: uniform
    low: {low}
    high: {high}
state:
  x:
    label: X
    range: [-100, 100]
actors:
  one:
    name: One
    utility:
      x: 1
    decisions:
      act:
        label: Act
        options:
          good:
            label: Good
            effects:
              x: 2
          bad:
            label: Bad
            effects:
              x: -2
          gamble:
            label: Gamble
            effects:
              x: upside
  two:
    name: Two
    utility:
      x: -1
    decisions:
      react:
        label: React
        options:
          calm:
            label: Calm
          push:
            label: Push
            effects:
              x: -1
"""


def scenario_file(tmp_path: Path, low: float, high: float) -> Path:
    path = tmp_path / "lint-me.yaml"
    path.write_text(TWO_BY_TWO.format(low=low, high=high))
    return path


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> CompiledScenario:
    result = load_text(starter_yaml("starter"), "starter.yaml")
    assert result.scenario is not None
    return compile_scenario(result.scenario)


def test_the_players_choice_meets_each_counterpart_choice_in_one_game(starter: CompiledScenario) -> None:
    games = stage_games(starter, turn=0)
    assert len(games) == 1
    g = games[0]
    assert (g.row_actor, g.row_decision, g.col_actor, g.col_decision) == (
        "government",
        "approach",
        "group",
        "posture",
    )
    assert g.row_options == ("talk", "confront") and g.col_options == ("lie_low", "attack")
    assert g.row_payoffs.shape == g.col_payoffs.shape == (2, 2)
    assert g.type  # 2x2 games are classified


def test_cells_are_the_engines_expected_one_turn_payoffs_averaged_over_runs(
    starter: CompiledScenario,
) -> None:
    batch = reach_turn(starter, 2, runs=64, seed=4)
    g = stage_games(starter, state=batch, seed=4)[0]
    base = policy_profile(starter, batch, seed=4)
    pay = stage_payoffs(starter, batch, ("government", 0), ("group", 2), base).mean(axis=0)
    np.testing.assert_allclose(g.row_payoffs, pay[..., 0])
    np.testing.assert_allclose(g.col_payoffs, pay[..., 1])
    assert g.turn == 2


def test_equilibria_are_mutual_best_responses(starter: CompiledScenario) -> None:
    for turn in (0, 5):
        for g in stage_games(starter, turn=turn):
            assert g.equilibria
            for e in g.equilibria:
                row_value, col_value = e.row @ g.row_payoffs @ e.col, e.row @ g.col_payoffs @ e.col
                assert (g.row_payoffs @ e.col).max() <= row_value + 1e-7
                assert (e.row @ g.col_payoffs).max() <= col_value + 1e-7


def test_games_at_a_turn_are_reproducible(starter: CompiledScenario) -> None:
    a = stage_games(starter, turn=3)
    b = stage_games(starter, turn=3)
    assert [g.to_json() for g in a] == [g.to_json() for g in b]
    assert set(a[0].to_json()) == {
        "turn",
        "row_actor",
        "col_actor",
        "row_options",
        "col_options",
        "row_payoffs",
        "col_payoffs",
        "equilibria",
        "qre",
        "type",
    }


def test_a_strictly_dominated_option_is_reported_at_its_line(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, -4, 6)  # the gamble is worth +1 on average: good (+2) beats it too
    result = load_scenario(path)
    w520 = {d.message.split("'")[1]: d for d in lint_loaded(result) if d.code == "W520"}
    assert sorted(w520) == ["bad", "gamble"]
    bad_line = TWO_BY_TWO.splitlines().index("          bad:") + 1
    assert (w520["bad"].file, w520["bad"].line, w520["bad"].severity) == (str(path), bad_line, "warning")


def test_one_option_best_in_every_parameter_sample_is_not_a_dilemma(tmp_path: Path) -> None:
    result = load_scenario(scenario_file(tmp_path, 3, 5))  # the gamble always beats good (+2)
    assert result.scenario is not None
    diags = lint_game(compile_scenario(result.scenario))
    assert [d.code for d in diags if d.code == "W521"] == ["W521"]
    assert "gamble" in next(d for d in diags if d.code == "W521").message


def test_an_option_whose_worth_depends_on_the_parameters_is_a_dilemma(tmp_path: Path) -> None:
    result = load_scenario(scenario_file(tmp_path, -3, 7))  # the gamble beats good only sometimes
    assert result.scenario is not None
    diags = lint_game(compile_scenario(result.scenario), file="lint-me.yaml")
    assert not [d for d in diags if d.code == "W521"]
    assert all((d.file, d.line, d.column) == ("lint-me.yaml", 1, 1) for d in diags)  # no marks given
