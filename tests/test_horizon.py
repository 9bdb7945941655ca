"""A stochastic horizon (`prob_end`), abstract games without a calendar, and `extends` that switches a
policy's kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dilemma_sim.engine import CompiledScenario, build_policies, compile_scenario, run_chunk
from dilemma_sim.engine.sampling import RunStreams
from dilemma_sim.executor import run_batch
from dilemma_sim.scenario.loader import load_scenario
from dilemma_sim.scenario.models import RulesPolicy
from tests.engine_scenarios import crisis

IPD = load_scenario("ipd").scenario


def _ipd(**changes: object) -> CompiledScenario:
    assert IPD is not None
    return compile_scenario(IPD.model_copy(update=changes))


def test_a_match_lasts_a_geometric_number_of_turns_capped_by_turns() -> None:
    cs = _ipd(prob_end=0.1, turns=200)
    res = run_batch(cs, 20_000, seed=3, policies={"row": "tit-for-tat"})
    lengths = res.ended_turn + 1
    assert lengths.min() == 1 and lengths.max() <= 200
    assert abs(lengths.mean() - 1 / 0.1) < 0.2  # geometric, mean 1/p (the cap at 200 is never felt)
    assert np.all(res.endings == len(cs.endings))  # every run ends at the horizon
    # tit for tat against the column's tit for tat: 3 a turn for exactly the turns played, nothing after
    np.testing.assert_array_equal(res.totals[:, 0], 3 * lengths)


def test_a_stopped_match_earns_nothing_after_it_stopped() -> None:
    cs = _ipd(prob_end=0.5, turns=8)
    res = run_chunk(cs, 0, 64, 1, build_policies(cs, {"row": "defector"}), collect_turns=True)
    assert res.trajectories is not None
    pay = res.trajectories["payoffs"][:, :, 0]
    for i in range(64):
        t = res.ended_turn[i]
        assert np.all(pay[i, t + 1 :] == 0) and np.all(pay[i, : t + 1] > 0)
        assert res.totals[i, 0] == pay[i].sum()


def test_the_end_draw_comes_after_every_other_draw() -> None:
    cs = compile_scenario(crisis())
    ended = compile_scenario(crisis(prob_end=0.2))
    assert cs.n_end == 0 and ended.n_end == 1
    plain = RunStreams(4, 1000, 40, cs.n_params, cs.n_uniform, cs.n_normal, cs.n_end)
    other = RunStreams(4, 1000, 40, cs.n_params, cs.n_uniform, cs.n_normal, ended.n_end)
    for _ in range(3):
        a, b = plain.draw_turn(), other.draw_turn()
        assert a.end is None and b.end is not None and b.end.shape == (40,)
        np.testing.assert_array_equal(a.uniforms, b.uniforms)
        np.testing.assert_array_equal(a.normals, b.normals)
    # so a run plays the same turns with and without prob_end until it is stopped
    first = run_chunk(cs, 0, 300, 9, collect_turns=True)
    second = run_chunk(ended, 0, 300, 9, collect_turns=True)
    assert first.trajectories is not None and second.trajectories is not None
    for i in range(300):
        t = second.ended_turn[i]
        np.testing.assert_array_equal(
            first.trajectories["choices"][i, : t + 1], second.trajectories["choices"][i, : t + 1]
        )


def test_without_a_calendar_turns_are_numbered() -> None:
    assert IPD is not None
    assert IPD.calendar.step == "none"
    assert [IPD.calendar.label(t) for t in (0, 1, 199)] == ["turn 1", "turn 2", "turn 200"]
    assert IPD.calendar.turns_per_year() == 1


BASE = """\
id: base
title: Base
summary: s
turns: 3
player: a
state: {x: {label: X}}
actors:
  a:
    name: A
    decisions: {move: {label: Move, options: {c: {label: C}, d: {label: D}}}}
    policy:
      move:
        kind: rules
        rules:
          - when: "prev.a.move.c"
            choose: d
        otherwise: c
"""


def test_a_child_can_replace_a_rules_policy_by_a_fixed_one(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    child = tmp_path / "child.yaml"
    child.write_text(
        "id: child\nextends: base.yaml\nactors: {a: {policy: {move: {kind: fixed, option: d}}}}\n"
    )
    result = load_scenario(child)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.scenario is not None
    assert result.scenario.actors["a"].policy["move"].model_dump() == {"kind": "fixed", "option": "d"}


def test_a_mistake_in_the_child_is_reported_in_the_child(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    child = tmp_path / "child.yaml"
    child.write_text(
        "id: child\nextends: base.yaml\nactors: {a: {policy: {move: {kind: fixed, option: e}}}}\n"
    )
    (error,) = load_scenario(child).errors
    assert error.file == str(child) and error.line == 3 and error.code == "E404"


def test_a_child_that_keeps_the_kind_still_merges_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    child = tmp_path / "child.yaml"
    child.write_text("id: child\nextends: base.yaml\nactors: {a: {policy: {move: {otherwise: d}}}}\n")
    result = load_scenario(child)
    assert result.scenario is not None
    policy = result.scenario.actors["a"].policy["move"]
    assert isinstance(policy, RulesPolicy)
    assert policy.otherwise == "d" and len(policy.rules) == 1
