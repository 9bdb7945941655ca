"""The engine's contract: compiled tables, sampling, turn semantics, policies, play, replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import pytest
from scipy import stats

from dilemma_sim.engine import (
    BLOCK,
    HORIZON,
    BestResponse,
    CompiledScenario,
    FixedPolicy,
    LogitPolicy,
    MixedPolicy,
    RulesPolicy,
    Scripted,
    Simulation,
    TurnResult,
    build_policies,
    check_transcript,
    compile_scenario,
    count_ppf,
    decide,
    expected_payoffs,
    response_profile,
    run_chunk,
    scenario_hash,
    stage_payoffs,
    step,
    write_transcript,
)
from dilemma_sim.engine.outcome import RUN_OVER
from dilemma_sim.engine.sampling import TurnDraws, quantile
from dilemma_sim.engine.simulate import start
from dilemma_sim.scenario import models as m
from tests.engine_scenarios import CRISIS, crisis, tiny


class _Frozen(Protocol):
    """A frozen scipy distribution (the reference for inverse-CDF sampling)."""

    def ppf(self, q: np.ndarray) -> np.ndarray: ...


# --------------------------------------------------------------------------- compile


def test_decisions_are_flattened_in_actor_then_decision_order() -> None:
    cs = compile_scenario(crisis())
    assert [d.key for d in cs.decisions] == ["state.posture", "state.aid", "rival.stance", "militia.tempo"]
    aid = cs.decisions[1]
    assert (aid.kind, aid.lever, aid.option_ids, aid.level_ids) == (
        "lever",
        0,
        ("lower", "hold", "raise"),
        ("none", "some", "lots"),
    )
    assert cs.decisions[0].default == 0 and aid.default == 1
    assert list(cs.initial_levels) == [1] and list(cs.n_levels) == [3]


def test_slot_layout_is_decisions_then_events_then_counts() -> None:
    cs = compile_scenario(crisis())
    assert cs.n_uniform == 4 + 3 + 2
    assert [cs.event_slot(e) for e in range(3)] == [4, 5, 6]
    assert [cs.count_slot(c) for c in range(2)] == [7, 8]
    # strike.militia, talk.economy, hostile.militia, crackdown.militia, bombing.security
    assert cs.n_normal == 5


def test_parameters_are_numbered_in_walk_order() -> None:
    cs = compile_scenario(crisis())
    paths = [p for p, _ in cs.param_specs]
    assert paths[:4] == [
        "parameters.hawkishness",
        "parameters.shock",
        "parameters.fragility",
        "parameters.base_rate",
    ]
    assert paths.index("state.economy.initial") < paths.index("actors.state.utility.economy")
    assert paths[-1] == "strategies.sly.policy.stance.rationality"


def test_constant_effects_are_tables_indexed_by_choice() -> None:
    cs = compile_scenario(crisis())
    posture = cs.option_effects[0]
    assert posture is not None
    sec = cs.state_names.index("security")
    assert list(posture.table[:, sec]) == [0.0, 2.0, 0.0]
    assert len(posture.terms) == 2  # the noisy strike on militia, the noisy talk on economy


def test_scenario_hash_is_stable_and_tracks_content() -> None:
    assert scenario_hash(crisis()) == scenario_hash(crisis())
    assert len(scenario_hash(crisis())) == 16
    assert scenario_hash(crisis(turns=11)) != scenario_hash(crisis())
    assert compile_scenario(crisis(), scenario_hash="abc").scenario_hash == "abc"


def test_unknown_names_fail_at_compile_time() -> None:
    data = {**CRISIS, "dynamics": {"x": {"label": "x", "target": "security", "add": "securty * 2"}}}
    with pytest.raises(ValueError, match="securty"):
        compile_scenario(m.Scenario.model_validate(data))


# --------------------------------------------------------------------------- sampling


def test_count_inversion_is_exactly_scipys_poisson_and_negative_binomial_quantile() -> None:
    rng = np.random.default_rng(0)
    u = rng.random(20000)
    mu = np.exp(rng.uniform(-6, 7, 20000))
    r = np.exp(rng.uniform(-2, 3, 20000))
    assert np.array_equal(count_ppf(u, mu), stats.poisson.ppf(u, mu))
    assert np.array_equal(count_ppf(u, mu, r), stats.nbinom.ppf(u, r, r / (r + mu)))


def test_count_inversion_handles_zero_rates_and_caps() -> None:
    assert list(count_ppf(np.array([0.5, 0.0, 0.999]), np.array([0.0, 3.0, 1e6]), cap=10.0)) == [
        0.0,
        0.0,
        10.0,
    ]
    assert count_ppf(np.array([0.999999]), np.array([2.0]), 0.1, cap=7.5)[0] == 8.0  # ceil(cap), then clipped


@pytest.mark.parametrize(
    ("spec", "frozen"),
    [
        (m.Uniform(dist="uniform", low=2, high=5), stats.uniform(2, 3)),
        (m.Normal(dist="normal", mean=1, sd=2), stats.norm(1, 2)),
        (m.Beta(dist="beta", a=2, b=3, low=10, high=20), stats.beta(2, 3, loc=10, scale=10)),
        (m.Triangular(dist="triangular", low=0, mode=1, high=4), stats.triang(0.25, loc=0, scale=4)),
    ],
)
def test_parameters_are_sampled_by_inverse_cdf(spec: m.Distribution, frozen: _Frozen) -> None:
    u = np.linspace(0.001, 0.999, 99)
    np.testing.assert_allclose(quantile(spec, u), frozen.ppf(u), rtol=1e-9, atol=1e-9)


def test_clipped_normal_stays_within_its_bounds() -> None:
    spec = m.Normal(dist="normal", mean=0, sd=10, low=-1, high=1)
    assert quantile(spec, np.array([1e-12, 0.5, 1 - 1e-12])).tolist() == [-1.0, 0.0, 1.0]


# --------------------------------------------------------------------------- turn semantics


def play(cs: CompiledScenario, choices_per_turn: list[list[int]], seed: int = 0) -> list[TurnResult]:
    streams, batch = start(cs, seed, 0, 1)
    out = []
    for choices in choices_per_turn:
        res = step(cs, batch, np.array([choices]), streams.draw_turn(), breakdown=True)
        out.append(res)
        batch = res.batch
    return out


def test_levers_move_one_step_clip_at_the_ends_and_score_their_levels() -> None:
    cs = compile_scenario(tiny(endings={}))
    # dial starts at low; raise, raise, raise (clipped at high), lower; act: no
    res = play(cs, [[2, 0], [2, 0], [2, 0], [0, 0]])
    assert [int(r.levels[0, 0]) for r in res] == [1, 2, 2, 1]
    # turn 0: x = 10 + 3 (mid) + 1 (jolt: sure, once) = 14; payoff = 14 + 2 * level 1 - 0.5 cost - 1 step
    assert res[0].state[0, 0] == 14.0 and res[0].payoffs[0, 0] == 14.0 + 2.0 - 0.5 - 1.0
    # turn 1: 14 + 8 = 22, clipped to 20; turn 2: no step was possible, so no step cost
    assert res[1].state[0, 0] == 20.0 and res[1].payoffs[0, 0] == 20.0 + 4.0 - 1.0
    assert res[1].breakdown is not None and res[1].breakdown["bounds"][0, 0] == -2.0
    assert res[2].payoffs[0, 0] == 20.0 + 4.0


def test_a_run_ends_when_an_ending_holds_on_the_clipped_state() -> None:
    cs = compile_scenario(tiny())
    res = play(cs, [[2, 0], [2, 0]])
    assert res[0].ending[0] == -1 and res[1].ending[0] == 0 and cs.ending_ids[0] == "full"


def test_a_run_that_ends_keeps_earning_its_final_state_utility() -> None:
    """An early ending is no loss of the turns left: each pays the utility of the final state and levers."""
    cs = compile_scenario(tiny(discount=0.9))
    res = play(cs, [[2, 0], [2, 0], [2, 1], [0, 1]])
    assert res[1].ending[0] == 0 and not res[1].batch.alive[0]
    # turn 0: 14 + 2 * 1 - 0.5 - 1; turn 1: 20 (clipped) + 2 * 2 - 1 step; then 20 + 2 * 2 (no costs)
    assert [r.payoffs[0, 0] for r in res] == [14.5, 23.0, 24.0, 24.0]
    for later in res[2:]:
        assert list(later.choices[0]) == [-1, -1] and not later.events.any()
        assert later.state[0, 0] == 20.0 and later.levels[0, 0] == 2 and later.ending[0] == -1
        assert later.breakdown is not None and later.breakdown[RUN_OVER][0, 0] == 24.0
        assert np.sum(list(later.breakdown.values()), axis=0)[0, 0] == 24.0
    # the totals are final when the run ends, and equal the sum of the per-turn payoffs
    assert res[1].batch.payoff_total[0, 0] == res[-1].batch.payoff_total[0, 0] == 14.5 + 23.0 + 2 * 24.0
    discounted = 14.5 + 0.9 * 23.0 + 0.9**2 * 24.0 + 0.9**3 * 24.0
    assert res[1].batch.payoff_discounted[0, 0] == pytest.approx(discounted, rel=1e-12)
    assert res[-1].batch.payoff_discounted[0, 0] == res[1].batch.payoff_discounted[0, 0]
    assert res[-1].batch.ended_turn[0] == 1


def test_an_early_win_scores_above_muddling_on() -> None:
    cs = compile_scenario(tiny())
    win = play(cs, [[2, 0], [2, 0], [1, 0], [1, 0]])[-1].batch.payoff_total[0, 0]
    stay = compile_scenario(tiny(endings={}))
    muddle = play(stay, [[2, 0], [2, 0], [1, 0], [1, 0]])[-1].batch.payoff_total[0, 0]
    assert win == muddle  # the final state is kept, so ending changes nothing here


def test_the_final_utility_counts_no_violence() -> None:
    data = tiny().model_dump(mode="json", exclude_none=True)
    data["state"]["hits"] = {"label": "Hits", "kind": "count", "rate": 50, "initial": 0, "range": [0, 1000]}
    data["actors"]["a"]["utility"]["hits"] = -1.0
    cs = compile_scenario(m.Scenario.model_validate(data))
    res = play(cs, [[2, 0], [2, 0], [2, 0], [2, 0]])
    hits = cs.state_names.index("hits")
    assert res[1].ending[0] == 0 and res[1].state[0, hits] > 0
    assert res[1].payoffs[0, 0] == 20.0 + 4.0 - 1.0 - res[1].state[0, hits]
    assert res[2].payoffs[0, 0] == res[3].payoffs[0, 0] == 24.0  # counts at 0 once the run is over
    assert res[3].state[0, hits] == res[1].state[0, hits]  # the state itself is kept as it was


def test_a_count_may_follow_the_count_drawn_before_it_this_turn() -> None:
    data = tiny(endings={}).model_dump(mode="json", exclude_none=True)
    count = {"kind": "count", "range": [0, 10000]}
    data["state"]["echo"] = {**count, "label": "Echo", "rate": "hits + 1"}  # before hits: last turn's
    data["state"]["hits"] = {**count, "label": "Hits", "rate": 50}
    data["state"]["hurt"] = {
        **count,
        "label": "Hurt",
        "distribution": "negative_binomial",
        "rate": "4 * hits",  # after hits: this turn's
        "dispersion": 5,
    }
    data["state"]["self"] = {**count, "label": "Self", "rate": "self + hurt / 10"}  # own: last turn's
    data["actors"]["a"]["utility"].update({"hits": -1.0, "hurt": -0.5})
    cs = compile_scenario(m.Scenario.model_validate(data))
    echo, hits, hurt, own = (cs.state_names.index(k) for k in ("echo", "hits", "hurt", "self"))
    res = play(cs, [[1, 0]] * 3, seed=4)
    prev_hits = prev_self = 0.0
    for r in res:
        e, h, d, o = r.state[0, [echo, hits, hurt, own]]
        assert list(r.counts[0]) == [e, h, d, o]
        u = r.batch.turn - 1
        assert u >= 0
        assert e == count_ppf(np.array([_slot_u(cs, 4, u, 0)]), np.array([prev_hits + 1.0]))[0]
        assert d == count_ppf(np.array([_slot_u(cs, 4, u, 2)]), np.array([4.0 * h]), 5.0)[0]
        assert o == count_ppf(np.array([_slot_u(cs, 4, u, 3)]), np.array([prev_self + d / 10]))[0]
        prev_hits, prev_self = h, o
    # over many runs a turn's hurt tracks that turn's hits, run by run
    sim = Simulation(cs, runs=4000, seed=1)
    first = sim.advance()
    h, d = first.counts[:, 1], first.counts[:, 2]
    assert np.corrcoef(h, d)[0, 1] > 0.2
    np.testing.assert_allclose(d.mean() / h.mean(), 4.0, rtol=0.03)
    # expected payoffs chain the rates: E[hurt] = 4 * E[hits], the own-rate reads last turn's draw
    _, batch = start(cs, 0, 0, 1)
    pay = expected_payoffs(cs, batch, "a", 1, np.array([[1, 0]]))
    np.testing.assert_allclose(pay[0, 0], 11.0 - 50.0 - 0.5 * 200.0)


def _slot_u(cs: CompiledScenario, seed: int, turn: int, count: int) -> float:
    """The uniform of count `count` in turn `turn` of run 0."""
    streams, _ = start(cs, seed, 0, 1)
    for _ in range(turn):
        streams.draw_turn()
    return float(streams.draw_turn().uniforms[0, cs.count_slot(count)])


def test_the_last_turn_ends_remaining_runs_with_the_horizon() -> None:
    cs = compile_scenario(tiny())
    res = play(cs, [[1, 1]] * 4)
    assert [int(r.ending[0]) for r in res] == [-1, -1, -1, 1]
    assert cs.ending_ids[1] == HORIZON
    with pytest.raises(ValueError, match="turns"):
        step(
            cs, res[-1].batch, np.zeros((1, 2), dtype=np.int64), TurnDraws(np.zeros((1, 3)), np.zeros((1, 0)))
        )


def test_choices_must_be_option_indices() -> None:
    cs = compile_scenario(tiny())
    streams, batch = start(cs, 0, 0, 1)
    with pytest.raises(ValueError, match="option indices"):
        step(cs, batch, np.array([[3, 0]]), streams.draw_turn())


def test_once_events_fire_at_most_once() -> None:
    cs = compile_scenario(tiny())
    res = play(cs, [[1, 1]] * 4)
    assert [bool(r.events[0, 0]) for r in res] == [True, False, False, False]


def test_discounted_totals_weight_turn_t_by_discount_to_the_t() -> None:
    cs = compile_scenario(crisis())
    sim = Simulation(cs, runs=50, seed=1)
    while not sim.done:
        sim.advance()
    expected = sum(cs.discount**h.turn * h.payoffs for h in sim.history)
    np.testing.assert_allclose(sim.state.payoff_discounted, expected, rtol=1e-12)


@pytest.mark.parametrize("make", [crisis, tiny])
def test_breakdown_sums_exactly_to_each_turns_payoff(make: Callable[[], m.Scenario]) -> None:
    cs = compile_scenario(make())
    sim = Simulation(cs, runs=64, seed=2, breakdown=True)
    while not sim.done:
        res = sim.advance()
        assert res.breakdown is not None
        total = sum(res.breakdown.values())
        np.testing.assert_allclose(total, res.payoffs, rtol=0, atol=1e-9)


def test_breakdown_names_its_sources() -> None:
    cs = compile_scenario(crisis())
    sim = Simulation(cs, seed=0, human="state")
    res = sim.advance({"state.posture": "strike", "state.aid": "raise"})
    assert res.breakdown is not None
    keys = set(res.breakdown)
    assert {
        "start of turn",
        "choice: state.posture = strike",
        "lever: state.aid = lots",
        "cost: state.posture",
        "cost: state.aid",
        "dynamics: persistence",
        "dynamics: militia_grows",
        "lever levels",
    } <= keys


# --------------------------------------------------------------------------- expected payoffs and policies


def test_expected_payoffs_are_one_turn_payoffs_without_noise() -> None:
    cs = compile_scenario(tiny(events={}))
    _, batch = start(cs, 0, 0, 1)
    pay = expected_payoffs(cs, batch, "a", 0, np.array([[1, 0]]))
    # lower: stays low (x 10, level 0); hold: same; raise: x 13, level 1, cost 0.5 + step 1
    np.testing.assert_allclose(pay[0], [10.0, 10.0, 13.0 + 2.0 - 1.5])


def test_stage_payoffs_agree_with_expected_payoffs() -> None:
    cs = compile_scenario(crisis())
    _, batch = start(cs, 0, 0, 8)
    base = response_profile(cs, batch, 0)
    table = stage_payoffs(cs, batch, ("state", 0), ("rival", 2), base)
    assert table.shape == (8, 3, 2, 2)
    for j in range(2):
        fixed = base.copy()
        fixed[:, 2] = j
        np.testing.assert_allclose(
            table[:, :, j, 0], expected_payoffs(cs, batch, "state", 0, fixed), rtol=1e-12
        )
        np.testing.assert_allclose(
            table[:, :, j, 1], expected_payoffs(cs, batch, "rival", 0, fixed), rtol=1e-12
        )


def test_best_response_picks_the_highest_expected_payoff() -> None:
    cs = compile_scenario(crisis())
    streams, batch = start(cs, 0, 0, 200)
    pols = build_policies(cs)
    assert isinstance(pols[1], BestResponse)
    choices = decide(cs, batch, pols, streams.draw_turn())
    pay = expected_payoffs(cs, batch, "state", 1, response_profile(cs, batch, 1))
    assert np.array_equal(choices[:, 1], pay.argmax(axis=1))


def test_mixed_policy_frequencies_match_its_probabilities() -> None:
    cs = compile_scenario(crisis())
    streams, batch = start(cs, 0, 0, 20000)
    pols = build_policies(cs)
    assert isinstance(pols[3], MixedPolicy)
    share_high = decide(cs, batch, pols, streams.draw_turn())[:, 3].mean()
    assert abs(share_high - 0.6) < 0.02


def test_logit_policy_follows_softmax_of_expected_payoffs() -> None:
    cs = compile_scenario(crisis())
    streams, batch = start(cs, 0, 0, 20000)
    pols = build_policies(cs)
    assert isinstance(pols[2], LogitPolicy)
    choices = decide(cs, batch, pols, streams.draw_turn())[:, 2]
    pay = expected_payoffs(cs, batch, "rival", 2, response_profile(cs, batch, 2))
    r = batch.params[:, pols[2].rationality.param]
    p_hostile = 1.0 / (1.0 + np.exp(-r * (pay[:, 1] - pay[:, 0])))
    assert abs(choices.mean() - p_hostile.mean()) < 0.015


def test_rules_policy_takes_the_first_rule_that_holds() -> None:
    cs = compile_scenario(crisis())
    streams, batch = start(cs, 0, 0, 4)
    batch.state[:, cs.state_names.index("militia")] = [10, 45, 10, 60]
    pols = build_policies(cs)
    assert isinstance(pols[0], RulesPolicy)
    assert decide(cs, batch, pols, streams.draw_turn())[:, 0].tolist() == [0, 1, 0, 1]


def test_strategy_overrides_replace_an_actors_policies() -> None:
    cs = compile_scenario(crisis())
    pols = build_policies(cs, {"state": "always-appease", "rival": "random", "militia": "default"})
    assert [type(p).__name__ for p in pols] == ["FixedPolicy", "FixedPolicy", "MixedPolicy", "DefaultPolicy"]
    assert isinstance(pols[2], MixedPolicy) and pols[2].cumulative == (0.5, 1.0)
    with pytest.raises(KeyError, match="always-dither"):
        build_policies(cs, {"state": "always-dither"})
    with pytest.raises(ValueError, match="plays rival"):
        build_policies(cs, {"state": "sly"})
    with pytest.raises(KeyError, match="nobody"):
        build_policies(cs, {"nobody": "default"})


def test_policy_mappings_override_single_decisions() -> None:
    cs = compile_scenario(crisis())
    pols = build_policies(cs, {"state": {"posture": {"kind": "fixed", "option": "talk"}}})
    assert isinstance(pols[0], FixedPolicy) and pols[0].option == 2 and isinstance(pols[1], BestResponse)
    with pytest.raises(ValueError, match="not this turn"):
        build_policies(
            cs,
            {
                "state": {
                    "posture": {
                        "kind": "rules",
                        "otherwise": "wait",
                        "rules": [{"when": "rival.stance.hostile", "choose": "talk"}],
                    }
                }
            },
        )


def test_scripted_policy_plays_its_script() -> None:
    cs = compile_scenario(crisis())
    pols = list(build_policies(cs))
    pols[0] = Scripted(0, np.array([1, 2, 0, 1, 2, 0, 1, 2, 0, 1]))
    res = run_chunk(cs, 0, 20, 0, pols, collect_turns=True)
    assert res.trajectories is not None
    first_turns = res.trajectories["choices"][:, :3, 0]
    assert np.all((first_turns == [1, 2, 0]) | (first_turns == -1))


# --------------------------------------------------------------------------- interactive play


def test_a_persons_choice_is_kept_until_changed() -> None:
    cs = compile_scenario(crisis())
    sim = Simulation(cs, seed=0, human="state")
    assert sim.advance().choices[0, 0] == 0  # turn 0: the default option
    assert sim.advance({"state.posture": "talk"}).choices[0, 0] == 2
    assert sim.advance().choices[0, 0] == 2
    with pytest.raises(ValueError, match="unknown option"):
        sim.advance({"state.posture": "surrender"})
    with pytest.raises(KeyError, match="unknown decision"):
        sim.advance({"state.nothing": "x"})


def test_undo_restores_the_previous_turn_exactly() -> None:
    cs = compile_scenario(crisis())
    sim = Simulation(cs, seed=3, human="state")
    sim.advance({"state.posture": "strike"})
    after_one = sim.state
    sim.advance({"state.posture": "talk"})
    sim.undo()
    assert sim.state.turn == 1 and len(sim.history) == 1
    assert np.array_equal(sim.state.state, after_one.state)
    redo = sim.advance({"state.posture": "talk"})
    sim2 = Simulation(cs, seed=3, human="state")
    sim2.advance({"state.posture": "strike"})
    assert np.array_equal(redo.state, sim2.advance({"state.posture": "talk"}).state)


def test_fork_continues_one_run_many_times_from_now() -> None:
    cs = compile_scenario(crisis())
    sim = Simulation(cs, seed=3)
    sim.advance()
    sim.advance()
    fork = sim.fork(300)
    assert fork.state.turn == 2 and fork.state.n == 300
    assert np.array_equal(fork.state.state[7], sim.state.state[0])
    while not fork.done:
        fork.advance()
    assert np.unique(fork.state.payoff_total[:, 0]).size > 100
    again = sim.fork(300)
    while not again.done:
        again.advance()
    assert np.array_equal(again.state.payoff_total, fork.state.payoff_total)
    resampled = sim.fork(10, resample_params=True)
    assert not np.array_equal(resampled.state.params[0], resampled.state.params[1])


def test_simulation_runs_only_until_done() -> None:
    cs = compile_scenario(tiny())
    sim = Simulation(cs, seed=0)
    while not sim.done:
        sim.advance()
    assert sim.state.turn == 4
    with pytest.raises(RuntimeError):
        sim.advance()


# --------------------------------------------------------------------------- transcripts


def test_transcripts_replay_exactly_and_report_tampering(tmp_path: Path) -> None:
    cs = compile_scenario(crisis())
    sim = Simulation(cs, seed=6, first_run=BLOCK + 3, human="state")
    while not sim.done:
        sim.advance({"state.posture": ["strike", "talk"][sim.state.turn % 2]})
    path = tmp_path / "run.json"
    write_transcript(path, cs, 6, BLOCK + 3, sim.history)
    assert check_transcript(cs, path) == []
    data = json.loads(path.read_text())
    assert data["hash"] == cs.scenario_hash and data["run"] == BLOCK + 3
    data["turns"][0]["state"]["security"] += 1.0
    path.write_text(json.dumps(data))
    problems = check_transcript(cs, path)
    assert problems and "turn 0 state.security" in problems[0]
    assert any("hash" in p for p in check_transcript(compile_scenario(crisis(turns=12)), path))
