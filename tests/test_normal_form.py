"""N-player stage games: the actors' simultaneous decisions as one normal-form game, and lint that knows
a social dilemma when it sees one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pygambit as gbt
import pytest
from click.testing import CliRunner, Result

from dilemma_sim.cli import main
from dilemma_sim.engine import CompiledScenario, compile_scenario
from dilemma_sim.engine import games as two
from dilemma_sim.engine import normal_form as nf
from dilemma_sim.engine.analysis import normal_form_game
from dilemma_sim.engine.gamelint import lint_game
from dilemma_sim.scenario.loader import load_or_raise


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _cs(ref: str) -> CompiledScenario:
    return compile_scenario(load_or_raise(ref))


def test_three_pairwise_dilemmas_make_an_n_player_prisoners_dilemma() -> None:
    game = normal_form_game(_cs("ipd-3"))
    assert game.actors == ("a", "b", "c") and game.payoffs.shape == (2, 2, 2, 3)
    assert game.payoffs[0, 0, 1].tolist() == [3, 3, 10]  # two cooperators against one defector
    assert game.equilibria == [(1, 1, 1)] and game.dominant == ("defect",) * 3
    assert game.dilemma == "N-player prisoner's dilemma"
    assert sorted(game.dominated) == [("a", "cooperate"), ("b", "cooperate"), ("c", "cooperate")]


def test_a_public_goods_game_is_recognised_whatever_its_sampled_multiplier() -> None:
    game = normal_form_game(_cs("public-goods"))
    assert game.dilemma == "N-player prisoner's dilemma" and game.dominant == ("keep",) * 3


def test_a_three_player_stag_hunt_and_a_coordination_game_are_told_apart() -> None:
    hunt = np.zeros((2, 2, 2, 3))
    hunt[0, 0, 0] = 4  # all hunt the stag
    for profile in np.ndindex(2, 2, 2):
        for i in range(3):
            if profile[i] == 1:
                hunt[profile][i] = 2  # a hare is safe
    assert nf.social_dilemma(hunt) == "stag hunt"
    assert nf.pure_equilibria(hunt) == [(0, 0, 0), (1, 1, 1)]
    assert nf.social_dilemma(np.ones((2, 2, 2, 3))) is None


def test_the_n_player_qre_agrees_with_the_two_player_continuation() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        A, B = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
        row, col = two.logit_qre(A, B, 4.0)
        mine = nf.logit_qre(np.stack([A, B], axis=-1), 4.0)
        np.testing.assert_allclose(mine[0], row, atol=1e-6)
        np.testing.assert_allclose(mine[1], col, atol=1e-6)


def test_gambit_reads_back_the_n_player_nfg_file(tmp_path: Path) -> None:
    game = normal_form_game(_cs("ipd-3"))
    path = tmp_path / "g.nfg"
    path.write_text(nf.to_nfg(game.payoffs, game.options, game.actors, "ipd-3"))
    read = gbt.read_nfg(str(path))
    assert [p.label for p in read.players] == ["a", "b", "c"]
    players = list(read.players)
    for profile in np.ndindex(2, 2, 2):
        strategies = [list(players[i].strategies)[o] for i, o in enumerate(profile)]
        got = [float(read[strategies][p]) for p in players]
        assert got == game.payoffs[profile].tolist(), profile


def test_mixed_equilibria_come_from_gambit() -> None:
    # matching pennies with a bystander: the only equilibrium mixes 50/50
    P = np.zeros((2, 2, 1, 3))
    P[..., 0, 0] = [[1, -1], [-1, 1]]
    P[..., 0, 1] = [[-1, 1], [1, -1]]
    equilibria = nf.mixed_equilibria(P)
    assert len(equilibria) == 1
    np.testing.assert_allclose(equilibria[0][0], [0.5, 0.5])
    np.testing.assert_allclose(equilibria[0][1], [0.5, 0.5])


def test_analyze_prints_the_qre_and_the_three_player_game(tmp_path: Path) -> None:
    result = invoke("analyze", "ipd-3", "--nfg", tmp_path)
    assert result.exit_code == 0, result.output
    assert "logit QRE (rationality 10): A [cooperate" in result.stdout
    assert "N-player" in result.stdout and "Nash (Gambit): A [defect 1.00]" in result.stdout
    assert (tmp_path / "t0-a.move-vs-b.move-vs-c.move.nfg").is_file()
    data = json.loads(invoke("analyze", "ipd-3", "--json").stdout)
    assert data["game"]["dilemma"] == "N-player prisoner's dilemma"
    assert data["game"]["pure_equilibria"] == [["defect", "defect", "defect"]]
    assert data["games"][0]["qre"]["row"][1] > 0.9


def test_analyze_says_how_to_get_mixed_equilibria_without_pygambit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pygambit", None)  # `import pygambit` now fails
    result = invoke("analyze", "ipd-3")
    assert result.exit_code == 0 and "install pygambit" in result.stdout


def test_analyze_takes_the_players_of_the_game(tmp_path: Path) -> None:
    result = invoke("analyze", "ipd-3", "--players", "a.move,b.move", "--json")
    assert json.loads(result.stdout)["game"]["actors"] == ["a", "b"]
    bad = invoke("analyze", "ipd-3", "--players", "a.move,b.mov")
    assert bad.exit_code == 2 and "b.mov" in bad.output


@pytest.mark.parametrize("ref", ["ipd", "ipd-3", "public-goods", "tutorial-standoff"])
def test_lint_names_the_social_dilemma_instead_of_calling_it_none(ref: str) -> None:
    cs = _cs(ref)
    found = lint_game(cs)
    codes = [d.code for d in found]
    assert "W521" not in codes and "W520" not in codes
    (note,) = [d for d in found if d.code == "N520"]
    assert note.severity == "note" and "social dilemma" in note.message
    kind = {"ipd": "a prisoner's dilemma", "tutorial-standoff": "a chicken"}.get(
        ref, "an N-player prisoner's dilemma"
    )
    assert kind in note.message


def test_lint_still_warns_when_one_option_simply_wins(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "scenarios" / "ipd.yaml").read_text()
    # make cooperating pay more whatever the other does: no dilemma left
    text = text.replace(
        "cooperate: {cooperate: [3, 3], defect: [0, 5]}", "cooperate: {cooperate: [6, 3], defect: [6, 5]}"
    )
    path = tmp_path / "easy.yaml"
    path.write_text(text.replace("id: ipd", "id: easy"))
    result = invoke("lint", path)
    assert "warning[W521]" in result.output and "N520" not in result.output
    assert result.exit_code == 0  # warnings fail only with --strict; a note never does
