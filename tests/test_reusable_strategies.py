"""Reusable strategies: written once relative to `self` and `opponent`, played by any seat, and the
built-in library of the classics that a scenario imports by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from dilemma_sim.cli import main
from dilemma_sim.engine import build_policies, compile_scenario, run_chunk
from dilemma_sim.scenario.binding import StrategyBindingError, bind_strategy, library, plays
from dilemma_sim.scenario.loader import load_scenario, load_text
from dilemma_sim.scenario.models import Policy, RulesPolicy

CLASSICS = {
    "cooperator": "Cooperator",
    "defector": "Defector",
    "tit-for-tat": "Tit For Tat",
    "grudger": "Grudger",
    "tit-for-two-tats": "Tit For 2 Tats",
    "suspicious-tit-for-tat": "Suspicious Tit For Tat",
    "alternator": "Alternator",
    "random": "Random",
    "win-stay-lose-shift": "Win-Stay Lose-Shift",
    "generous-tit-for-tat": "GTFT",
}

GAME = """\
id: duel
title: Duel
summary: Two players, one move each turn.
turns: 6
player: a
state:
  a_score: {label: A, range: [-100, 100], persistence: 0}
  b_score: {label: B, range: [-100, 100], persistence: 0}
actors:
  a:
    name: A
    utility: {a_score: 1}
    decisions:
      move:
        label: Move
        options:
          cooperate: {label: C}
          defect: {label: D, effects: {a_score: 2, b_score: -1}}
  b:
    name: B
    utility: {b_score: 1}
    decisions:
      move:
        label: Move
        options:
          cooperate: {label: C}
          defect: {label: D, effects: {b_score: 2, a_score: -1}}
  referee:
    name: Referee
    decisions:
      whistle: {label: Whistle, options: {blow: {label: Blow}, wait: {label: Wait}}}
strategies:
"""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _write(tmp_path: Path, strategies: str, game: str = GAME) -> tuple[Path, str]:
    text = game + strategies
    path = tmp_path / "duel.yaml"
    path.write_text(text)
    return path, text


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_library_has_the_ten_classics_with_descriptions_and_axelrod_names() -> None:
    lib = library()
    assert {sid: s.axelrod for sid, s in lib.items()} == CLASSICS
    assert all(s.description and s.label for s in lib.values())


def test_every_classic_imports_by_name_and_plays_either_seat(tmp_path: Path) -> None:
    # `random` is the built-in strategy's id (E420), so the library's Random is imported as `coin`
    ids = {sid: "coin" if sid == "random" else sid for sid in CLASSICS}
    strategies = "".join(f"  {ids[sid]}: {{library: {sid}}}\n" for sid in CLASSICS)
    path, _ = _write(tmp_path, strategies)
    result = load_scenario(path)
    assert result.ok, [d.format() for d in result.diagnostics]
    sc = result.scenario
    assert sc is not None
    for sid in ids.values():
        assert plays(sc, sid, "a") and plays(sc, sid, "b") and not plays(sc, sid, "referee")
    cs = compile_scenario(sc)
    assert cs.track_counts and cs.history_k == 2  # grudger counts, tit for two tats looks back two turns


def _rules(policy: Policy) -> RulesPolicy:
    assert isinstance(policy, RulesPolicy), policy
    return policy


def test_a_bound_strategy_speaks_the_seats_names() -> None:
    sc = load_text(GAME + "  tft: {library: tit-for-tat}\n").scenario
    assert sc is not None
    rule = _rules(bind_strategy(sc, "tft", "b").policy["move"]).rules[0]
    assert rule.when == "prev.a.move.defect"
    rule = _rules(bind_strategy(sc, "tft", "a").policy["move"]).rules[0]
    assert rule.when == "prev.b.move.defect"


def test_tit_for_tat_against_itself_cooperates_and_against_a_defector_retaliates(tmp_path: Path) -> None:
    path, _ = _write(tmp_path, "  tft: {library: tit-for-tat}\n  alld: {library: defector}\n")
    sc = load_scenario(path).scenario
    assert sc is not None
    cs = compile_scenario(sc)
    mirror = run_chunk(cs, 0, 1, 0, build_policies(cs, {"a": "tft", "b": "tft"}), collect_turns=True)
    assert mirror.trajectories is not None and np.all(mirror.trajectories["choices"][0, :, :2] == 0)
    duel = run_chunk(cs, 0, 1, 0, build_policies(cs, {"a": "tft", "b": "alld"}), collect_turns=True)
    assert duel.trajectories is not None
    assert duel.trajectories["choices"][0, :, 0].tolist() == [0, 1, 1, 1, 1, 1]


def test_rename_maps_the_librarys_names_onto_the_scenarios() -> None:
    game = GAME.replace("move:", "stance:").replace("cooperate:", "pull_back:").replace("defect:", "hold:")
    text = (
        game
        + "  tft:\n    library: tit-for-tat\n    rename: {move: stance, cooperate: pull_back, defect: hold}\n"
    )
    sc = load_text(text).scenario
    assert sc is not None
    bound = _rules(bind_strategy(sc, "tft", "a").policy["stance"])
    assert bound.rules[0].when == "prev.b.stance.hold" and bound.otherwise == "pull_back"


def test_playing_a_seat_without_the_names_is_an_error_at_the_import_line(tmp_path: Path) -> None:
    path, text = _write(tmp_path, "  tft: {library: tit-for-tat}\n")
    result = invoke("run", path, "--policy", "referee=tft", "--json")
    assert result.exit_code == 1 and result.stdout == ""
    line = _line(text, "tft: {library")
    assert f"{path}:{line}:9: error[E421]: library strategy 'tit-for-tat' playing 'referee'" in result.stderr
    assert "no decision 'move'" in result.stderr


def test_a_name_a_seat_lacks_is_reported_at_the_name_in_the_rule(tmp_path: Path) -> None:
    strategy = """\
  wary:
    label: Wary
    relative: true
    policy:
      move:
        kind: rules
        rules:
          - when: "prev.opponent.move.defect or count.self.move.cooperate > 3"
            choose: defect
        otherwise: cooperate
"""
    path, text = _write(tmp_path, strategy)
    assert load_scenario(path).ok  # a and b can play it
    sc = load_scenario(path).scenario
    with pytest.raises(StrategyBindingError) as caught:
        bind_strategy(sc, "wary", "referee")
    messages = [p.message for p in caught.value.problems]
    assert "'referee' has no decision 'move'" in messages
    result = invoke("batch", path, "--runs", "10", "--policy", "referee=wary")
    line = _line(text, "wary:") + 4  # the strategy's `move:` key
    assert result.exit_code == 1 and f"{path}:{line}:7: error[E421]" in result.stderr


def test_a_relative_strategy_no_seat_can_play_is_an_error_at_validation(tmp_path: Path) -> None:
    strategy = """\
  odd:
    label: Odd
    relative: true
    policy:
      move:
        kind: rules
        rules:
          - when: "prev.opponent.move.defekt"
            choose: defect
        otherwise: cooperate
"""
    path, text = _write(tmp_path, strategy)
    errors = load_scenario(path).errors
    (error,) = errors
    line = _line(text, "defekt")
    assert (error.code, error.line, error.column) == ("E421", line, 20)  # the name, inside the quotes
    assert error.suggestion == "prev.b.move.defect" or "b.move.defect" in (error.suggestion or "")


def test_an_unknown_library_strategy_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    path, text = _write(tmp_path, "  tft: {library: tit-for-tatt}\n")
    (error,) = load_scenario(path).errors
    assert (error.code, error.line, error.suggestion) == ("E422", _line(text, "tatt"), "tit-for-tat")


def test_in_a_game_of_three_opponent_means_the_others_together() -> None:
    game = GAME.replace(
        "      whistle: {label: Whistle, options: {blow: {label: Blow}, wait: {label: Wait}}}",
        ("      move: {label: Move, options: {cooperate: {label: C}, defect: {label: D}}}"),
    )
    sc = load_text(
        game + "  tft: {library: tit-for-tat}\n  lead:\n    library: tit-for-tat\n    roles: {opponent: b}\n"
    ).scenario
    assert sc is not None
    rule = _rules(bind_strategy(sc, "tft", "a").policy["move"]).rules[0]
    assert rule.when == "(prev.b.move.defect + prev.referee.move.defect)"
    rule = _rules(bind_strategy(sc, "lead", "a").policy["move"]).rules[0]
    assert rule.when == "prev.b.move.defect"


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        ("  x: {library: grudger, policy: {move: {kind: default}}}\n", "either `library:`"),
        ("  x: {label: X, actor: a, relative: true, policy: {move: {kind: default}}}\n", "drop `actor`"),
        ("  x: {label: X, rename: {move: m}, policy: {move: {kind: default}}}\n", "belong to relative"),
        ("  x: {policy: {move: {kind: default}}}\n", "needs a `label`"),
    ],
)
def test_a_strategy_is_one_of_an_import_an_absolute_or_a_relative_policy(strategy: str, message: str) -> None:
    (error,) = load_text(GAME + strategy).errors
    assert message in error.message


def test_a_round_robin_seat_the_strategy_cannot_take_is_an_error_at_the_import_line(tmp_path: Path) -> None:
    path, text = _write(tmp_path, "  tft: {library: tit-for-tat}\n  alld: {library: defector}\n")
    result = invoke("tournament", path, "--round-robin", "--seats", "a,referee", "--strategies", "tft,alld")
    assert result.exit_code == 1
    assert f"{path}:{_line(text, 'tft: {library')}:9: error[E421]" in result.stderr
