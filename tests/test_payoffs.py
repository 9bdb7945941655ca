"""Payoff tables: a normal-form game written as a table, compiled into the engine's one dense array."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dilemma_sim.cli import main
from dilemma_sim.engine import Simulation, build_policies, compile_scenario, run_chunk
from dilemma_sim.engine.analysis import stage_games
from dilemma_sim.scenario.explain import describe
from dilemma_sim.scenario.loader import load_scenario, load_text

IPD = load_scenario("ipd").scenario
PD = {("cooperate", "cooperate"): (3, 3), ("cooperate", "defect"): (0, 5), ("defect", "cooperate"): (5, 0)}
PD[("defect", "defect")] = (1, 1)


def test_the_ipd_table_pays_each_cell_to_each_player() -> None:
    assert IPD is not None
    cs = compile_scenario(IPD)
    (table,) = cs.payoff_tables
    assert table.shape == (2, 2) and table.table.tolist() == [[3, 3], [0, 5], [5, 0], [1, 1]]
    for (row, col), (r, c) in PD.items():
        sim = Simulation(cs, runs=1, policies={"row": "human", "column": "human"})
        sim.advance({"row.move": row, "column.move": col})
        assert sim.state.payoff_total[0].tolist() == [r, c]


def test_the_stage_game_analysis_sees_the_table() -> None:
    assert IPD is not None
    (game,) = stage_games(compile_scenario(IPD))
    assert game.type == "prisoner's dilemma"
    assert game.row_payoffs.tolist() == [[3, 0], [5, 1]] and game.col_payoffs.tolist() == [[3, 5], [0, 1]]
    (eq,) = game.equilibria
    assert eq.pure and eq.row.tolist() == [0, 1]


def test_the_symmetric_form_of_three_players_is_three_pairwise_dilemmas() -> None:
    sc = load_scenario("ipd-3").scenario
    assert sc is not None
    cs = compile_scenario(sc)
    for profile in itertools.product(["cooperate", "defect"], repeat=3):
        sim = Simulation(cs, runs=1, policies=dict.fromkeys("abc", "human"))
        sim.advance({f"{a}.move": o for a, o in zip("abc", profile, strict=True)})
        expected = [
            sum(PD[(mine, theirs)][0] for j, theirs in enumerate(profile) if j != i)
            for i, mine in enumerate(profile)
        ]
        assert sim.state.payoff_total[0].tolist() == expected, profile


def test_a_public_goods_payoff_samples_its_multiplier_per_run() -> None:
    sc = load_scenario("public-goods").scenario
    assert sc is not None
    cs = compile_scenario(sc)
    res = run_chunk(
        cs, 0, 200, 5, build_policies(cs, {"a": "contributor", "b": "free-rider", "c": "contributor"})
    )
    r = res.params[:, 0]
    assert r.min() >= 1.2 and r.max() <= 2.4 and np.ptp(r) > 0.5
    # two contributors: k = 2; the free rider keeps its 10 tokens too
    np.testing.assert_allclose(res.totals[:, 0], 10 * r * 10 * 2 / 3, rtol=1e-12)
    np.testing.assert_allclose(res.totals[:, 1], 10 * (10 + r * 10 * 2 / 3), rtol=1e-12)


def test_cells_may_be_distributions_and_expressions() -> None:
    text = """\
id: t
title: T
summary: s
turns: 1
player: a
parameters: {bonus: 4}
actors:
  a: {name: A, decisions: {m: {label: M, options: {x: {label: X}, y: {label: Y}}}}}
  b: {name: B, decisions: {m: {label: M, options: {x: {label: X}, y: {label: Y}}}}}
payoffs:
  g:
    players: [a.m, b.m]
    table:
      x: {x: ["bonus * 2", 1], y: [{dist: uniform, low: 0, high: 1}, 0]}
      y: {x: [0, 0], y: [-1, -1]}
"""
    result = load_text(text)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.scenario is not None
    cs = compile_scenario(result.scenario)
    (table,) = cs.payoff_tables
    assert cs.n_params == 1 and len(table.terms) == 2  # the distribution and the expression
    assert table.table[:, 1].tolist() == [1, 0, 0, -1]
    sim = Simulation(cs, runs=1, policies={"a": "human", "b": "human"})
    sim.advance({"a.m": "x", "b.m": "x"})
    assert sim.state.payoff_total[0].tolist() == [8, 1]


@pytest.mark.parametrize(
    ("table", "message", "line"),
    [
        (
            "    table:\n      x: {x: [1, 1], z: [0, 0]}\n      y: {x: [0, 0], y: [0, 0]}\n",
            "'z' is not an option",
            13,
        ),
        ("    table:\n      x: {x: [1, 1], y: [0, 0]}\n", "no row for y", 12),
        (
            "    table:\n      x: {x: [1], y: [0, 0]}\n      y: {x: [0, 0], y: [0, 0]}\n",
            "[row payoff, column payoff]",
            13,
        ),
        (
            "    profiles:\n      x x: [1, 1]\n      x y: [1, 1]\n      y x: [1, 1]\n",
            "1 profile(s) have no payoffs: y y",
            12,
        ),
        ("    count: x\n    each: {x: k, w: 1}\n", "'w' is not an option", 13),
    ],
)
def test_mistakes_in_a_table_are_reported_where_they_are(table: str, message: str, line: int) -> None:
    text = f"""\
id: t
title: T
summary: s
turns: 1
player: a
actors:
  a: {{name: A, decisions: {{m: {{label: M, options: {{x: {{label: X}}, y: {{label: Y}}}}}}}}}}
  b: {{name: B, decisions: {{m: {{label: M, options: {{x: {{label: X}}, y: {{label: Y}}}}}}}}}}
payoffs:
  g:
    players: [a.m, b.m]
{table}"""
    errors = load_text(text).errors
    assert any(e.code == "E423" and message in e.message and e.line == line for e in errors), [
        e.format() for e in errors
    ]


def test_an_unknown_player_decision_is_an_error_with_a_suggestion() -> None:
    text = """\
id: t
title: T
summary: s
turns: 1
player: a
actors:
  a: {name: A, decisions: {m: {label: M, options: {x: {label: X}}}}}
  b: {name: B, decisions: {m: {label: M, options: {x: {label: X}}}}}
payoffs:
  g: {players: [a.m, b.mm], table: {x: {x: [1, 1]}}}
"""
    (error,) = load_text(text).errors
    assert (error.code, error.line, error.suggestion) == ("E423", 10, "b.m")


def test_the_matrix_starter_validates_lints_clean_and_plays_a_round_robin(tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(main, ["new", "my-game", "--template", "matrix", "--dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    path = tmp_path / "my-game.yaml"
    linted = runner.invoke(main, ["lint", "--strict", str(path)])
    assert linted.exit_code == 0 and "note[N520]" in linted.output and "prisoner's dilemma" in linted.output
    played = runner.invoke(main, ["tournament", str(path), "--round-robin", "--repetitions", "2", "--json"])
    assert played.exit_code == 0 and len(played.stdout) > 0


def test_explain_shows_the_table_as_written() -> None:
    assert IPD is not None
    (game,) = describe(IPD)["payoffs"]
    assert game["players"] == ["row.move", "column.move"]
    assert game["table"]["cooperate"]["defect"] == [0, 5]
    shown = CliRunner().invoke(main, ["explain", "ipd"])
    assert "200 turns (no calendar)" in shown.stdout and "Payoffs prisoners_dilemma" in shown.stdout
