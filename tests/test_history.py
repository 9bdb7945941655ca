"""History in expressions and random rules.

`count.a.d.o` is how many turns played so far a.d chose o; `last(k).a.d.o` in how many of the last k
turns played (fewer at the start) it did; both read the turns before the current one, like `prev.`.
A rule may choose a draw (`{cooperate: 0.9, defect: 0.1}`), taken from the decision's uniform slot.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dilemma_sim.engine import Simulation, compile_scenario, run_chunk
from dilemma_sim.executor import Execution, run_batch
from dilemma_sim.scenario.loader import load_text
from dilemma_sim.scenario.models import Scenario

MOVE = {
    "label": "Move",
    "options": {"c": {"label": "Cooperate"}, "d": {"label": "Defect"}},
}
# `them` plays a fixed script: d, d, c, d, c, c, c, d
SCRIPT = "dd" + "cdccc" + "d"


def _game(policy: dict[str, Any], turns: int = 8, **extra: Any) -> Scenario:
    rules = [{"when": f"turn == {t}", "choose": o} for t, o in enumerate(SCRIPT)]
    return Scenario.model_validate(
        {
            "id": "h",
            "title": "H",
            "summary": "history",
            "turns": turns,
            "player": "me",
            "state": {"x": {"label": "X", "initial": 50}},
            "actors": {
                "me": {
                    "name": "Me",
                    "utility": {"x": 1},
                    "decisions": {"move": MOVE},
                    "policy": {"move": policy},
                },
                "them": {
                    "name": "Them",
                    "decisions": {"move": MOVE},
                    "policy": {"move": {"kind": "rules", "rules": rules, "otherwise": "c"}},
                },
            },
            **extra,
        }
    )


def _mine(sc: Scenario, runs: int = 1, seed: int = 0) -> list[str]:
    res = run_chunk(compile_scenario(sc), 0, runs, seed, collect_turns=True)
    assert res.trajectories is not None
    return ["cd"[c] for c in res.trajectories["choices"][0, :, 0]]


def _rule(when: str) -> dict[str, Any]:
    return {"kind": "rules", "rules": [{"when": when, "choose": "d"}], "otherwise": "c"}


def test_count_is_the_number_of_earlier_turns_the_option_was_chosen() -> None:
    # them: d d c d c c c d -> defections before each turn: 0 1 2 2 3 3 3 3
    assert _mine(_game(_rule("count.them.move.d >= 3"))) == list("ccccdddd")
    assert _mine(_game(_rule("count.them.move.c == 2"))) == list("cccccdcc")


def test_last_k_counts_the_option_in_the_last_k_turns_played() -> None:
    # Tit for two tats: defect after two defections in a row (turns 1 and 2 follow d, d... only turn 2)
    assert _mine(_game(_rule("last(2).them.move.d == 2"))) == list("ccdccccc")
    # any defection in the last three turns
    assert _mine(_game(_rule("last(3).them.move.d >= 1"))) == list("cddddddc")
    # last(1) is prev
    assert _mine(_game(_rule("last(1).them.move.d"))) == _mine(_game(_rule("prev.them.move.d")))


def test_a_grudger_needs_no_latch_variable() -> None:
    assert _mine(_game(_rule("count.them.move.d > 0"))) == list("cddddddd")


def test_history_is_kept_only_when_read_and_only_as_far_back_as_read() -> None:
    plain = compile_scenario(_game({"kind": "fixed", "option": "c"}))
    assert not plain.track_counts and plain.history_k == 0
    sim = Simulation(plain, runs=4)
    sim.advance()
    assert sim.state.choice_counts is None and sim.state.recent_choices is None
    deep = compile_scenario(_game(_rule("last(3).them.move.d >= 1 and count.me.move.c > 1")))
    assert deep.track_counts and deep.history_k == 3
    sim = Simulation(deep, runs=4)
    for _ in range(5):
        sim.advance()
    assert sim.state.recent_choices is not None and sim.state.recent_choices.shape == (4, 3, 2)
    assert sim.state.choice_counts is not None and sim.state.choice_counts.shape == (4, 4)
    assert sim.state.choice_counts[0].tolist() == [2.0, 3.0, 2.0, 3.0]  # me: c c d d d; them: d d c d c


def test_undo_replays_the_history_exactly() -> None:
    cs = compile_scenario(_game(_rule("last(2).them.move.d == 2")))
    sim = Simulation(cs, runs=1)
    for _ in range(4):
        sim.advance()
    assert sim.state.recent_choices is not None
    before = sim.state.recent_choices.copy()
    sim.advance()
    sim.undo()
    assert sim.state.recent_choices is not None
    assert np.array_equal(sim.state.recent_choices, before)


def test_a_random_rule_draws_with_its_probabilities_from_the_decisions_uniform() -> None:
    generous = {
        "kind": "rules",
        "rules": [{"when": "prev.them.move.d", "choose": {"c": 0.25, "d": 0.75}}],
        "otherwise": "c",
    }
    cs = compile_scenario(_game(generous))
    res = run_batch(cs, 20_000, seed=1, collect_turns=True)
    assert res.trajectories is not None
    mine = res.trajectories["choices"][:, :, 0]
    after_d = [t for t in range(1, 8) if SCRIPT[t - 1] == "d"]
    after_c = [t for t in range(1, 8) if SCRIPT[t - 1] == "c"]
    assert np.all(mine[:, [0, *after_c]] == 0)
    share = mine[:, after_d].mean()
    assert abs(share - 0.75) < 0.01  # 60,000 draws: sd about 0.002
    # the same runs, whatever the chunking: the draw is the run's own
    again = run_batch(cs, 20_000, seed=1, execution=Execution(chunk_runs=1024), collect_turns=True)
    assert again.trajectories is not None and np.array_equal(
        again.trajectories["choices"], res.trajectories["choices"]
    )


def test_otherwise_may_be_a_draw_too() -> None:
    always = {"kind": "rules", "rules": [{"when": "false", "choose": "c"}], "otherwise": {"c": 0.0, "d": 1.0}}
    assert _mine(_game(always)) == list("dddddddd")


@pytest.mark.parametrize(
    ("when", "column", "message"),
    [
        (
            "count.them.move.dd > 0",
            20,
            "unknown name 'count.them.move.dd' (did you mean 'count.them.move.d'?)",
        ),
        ("last(40).them.move.d > 0", 20, "k in last(k) must be between 1 and 32"),
        ("last(2) > 0", 20, "'last(k)' is followed by the choice it counts"),
    ],
)
def test_mistakes_in_history_names_are_reported_where_they_are(when: str, column: int, message: str) -> None:
    text = f"""\
id: h
title: H
summary: s
turns: 3
player: me
state: {{x: {{label: X}}}}
actors:
  them:
    name: Them
    decisions: {{move: {{label: Move, options: {{c: {{label: C}}, d: {{label: D}}}}}}}}
  me:
    name: Me
    decisions: {{move: {{label: Move, options: {{c: {{label: C}}, d: {{label: D}}}}}}}}
    policy:
      move:
        kind: rules
        rules:
          - when: "{when}"
            choose: d
        otherwise: c
"""
    (error,) = load_text(text).errors
    assert (error.line, error.column) == (18, column)  # inside the quotes
    assert message in error.format()


def test_a_draw_must_name_options_and_sum_to_one() -> None:
    text = """\
id: h
title: H
summary: s
turns: 3
player: me
state: {x: {label: X}}
actors:
  me:
    name: Me
    decisions: {move: {label: Move, options: {c: {label: C}, d: {label: D}}}}
    policy:
      move:
        kind: rules
        rules:
          - when: "turn > 0"
            choose: {c: 0.5, e: 0.5}
        otherwise: {c: 0.5, d: 0.6}
"""
    errors = load_text(text).errors
    assert {(e.code, e.line) for e in errors} == {("E404", 16), ("E407", 17)}


def test_an_actor_cannot_be_called_like_a_history_or_seat_name() -> None:
    text = """\
id: h
title: H
summary: s
turns: 3
player: count
state: {x: {label: X}}
actors:
  count: {name: C}
"""
    (error,) = load_text(text).errors
    assert error.code == "E406" and (error.line, error.column) == (8, 3)
