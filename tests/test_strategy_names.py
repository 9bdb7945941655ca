"""A scenario's strategy never shares its name with a built-in: the built-in would silently play instead.

`--policy ACTOR=random` and `tournament` give `default`, `random`, `human`, `reciprocity` and `greedy`
their own meaning, so a scenario strategy with one of those ids is an error at validation (E420, at
the strategy's key), and every command that loads the scenario stops there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dilemma_sim.batch.tournament import entrants_of
from dilemma_sim.cli import main
from dilemma_sim.engine import build_policies, compile_scenario
from dilemma_sim.scenario.loader import load_scenario
from dilemma_sim.scenario.starter import starter_yaml
from tests.engine_scenarios import crisis

RENAMED = """\
  random:
    label: My random
    description: Not uniform at all.
    policy:
      approach: {kind: fixed, option: confront}
"""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def clashing(tmp_path: Path) -> tuple[Path, int]:
    """The starter with an extra strategy called `random`, and the line of its key."""
    text = starter_yaml("clash").replace("strategies:\n", "strategies:\n" + RENAMED)
    path = tmp_path / "clash.yaml"
    path.write_text(text)
    line = text.splitlines().index("  random:") + 1
    return path, line


@pytest.mark.parametrize("name", ["default", "random", "human", "reciprocity", "greedy"])
def test_a_strategy_named_like_a_built_in_is_an_error_at_its_key(tmp_path: Path, name: str) -> None:
    text = starter_yaml("clash").replace(
        "strategies:\n", "strategies:\n" + RENAMED.replace("random", name, 1)
    )
    path = tmp_path / "clash.yaml"
    path.write_text(text)
    result = load_scenario(path)
    assert result.scenario is None
    (error,) = [d for d in result.errors if d.code == "E420"]
    assert (error.line, error.column) == (text.splitlines().index(f"  {name}:") + 1, 3)
    assert error.suggestion == f"my-{name}" and "rename" in error.message


def test_validate_reports_the_clash_with_file_line_and_column(clashing: tuple[Path, int]) -> None:
    path, line = clashing
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert f"{path}:{line}:3: error[E420]" in result.output


def test_run_with_the_clashing_policy_stops_instead_of_playing_the_built_in(
    clashing: tuple[Path, int],
) -> None:
    path, line = clashing
    result = invoke("run", path, "--policy", "government=random", "--json")
    assert result.exit_code == 1
    assert f":{line}:3: error[E420]" in result.stderr and result.stdout == ""


def test_tournament_stops_instead_of_ranking_the_built_in_under_the_authors_label(
    clashing: tuple[Path, int],
) -> None:
    path, line = clashing
    result = invoke("tournament", path, "--runs", "20", "--json")
    assert result.exit_code == 1
    assert f":{line}:3: error[E420]" in result.stderr and result.stdout == ""


def test_a_scenario_built_in_code_is_refused_by_the_engine_and_the_tournament() -> None:
    sc = crisis()
    strategies = {**sc.strategies, "random": sc.strategies["always-confront"]}
    cs = compile_scenario(sc.model_copy(update={"strategies": strategies}))
    with pytest.raises(ValueError, match="built-in"):
        build_policies(cs, {"state": "random"})
    with pytest.raises(ValueError, match="built-in"):
        entrants_of(cs)
