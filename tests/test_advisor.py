"""The advisor values every option of the player's decisions by rollouts to the horizon.

Its estimate must agree with an independent batch run of the same plan, its rollouts must share
random numbers across options (so differences are sharp), and it must be reproducible.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from dilemma_sim.engine import CompiledScenario, Simulation, compile_scenario
from dilemma_sim.engine.advisor import advise, best_options
from dilemma_sim.executor import run_batch
from dilemma_sim.scenario.loader import load_scenario
from dilemma_sim.scenario.starter import starter_yaml


@pytest.fixture(scope="module")
def cs(tmp_path_factory: pytest.TempPathFactory) -> CompiledScenario:
    path: Path = tmp_path_factory.mktemp("advisor") / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    result = load_scenario(path)
    assert result.scenario is not None
    return compile_scenario(result.scenario)


def test_every_option_of_every_decision_gets_a_value_with_an_interval(cs: CompiledScenario) -> None:
    sim = Simulation(cs, runs=1, seed=3)
    values = advise(cs, sim.snapshot(), "government", rollouts=500, seed=1)
    keys = [(v.decision, v.option) for v in values]
    assert keys == [
        ("government.approach", "talk"),
        ("government.approach", "confront"),
        ("government.police_budget", "lower"),
        ("government.police_budget", "hold"),
        ("government.police_budget", "raise"),
    ]
    for v in values:
        assert v.n == 500 and v.ci_low < v.mean < v.ci_high
        assert v.ci_high - v.ci_low == pytest.approx(2 * 1.959964 * v.sd / math.sqrt(500), rel=1e-4)
    assert set(best_options(values)) == {"government.approach", "government.police_budget"}


def test_advice_is_reproducible_and_depends_on_the_seed(cs: CompiledScenario) -> None:
    state = Simulation(cs, runs=1, seed=3).snapshot()
    a = advise(cs, state, "government", rollouts=300, seed=5)
    b = advise(cs, state, "government", rollouts=300, seed=5)
    c = advise(cs, state, "government", rollouts=300, seed=6)
    assert a == b
    assert a != c


def test_a_plan_valued_by_the_advisor_matches_a_batch_run_of_the_same_plan(cs: CompiledScenario) -> None:
    """Confront + raise now, then the hard_line strategy, is the hard_line strategy from turn 0."""
    state = Simulation(cs, runs=1, seed=0).snapshot()
    current = {"government.approach": "confront", "government.police_budget": "raise"}
    values = advise(
        cs,
        state,
        "government",
        rollouts=4000,
        seed=11,
        policies={"government": "hard_line"},
        decisions=["government.approach"],
        current=current,
    )
    advised = next(v for v in values if v.option == "confront")
    batch = run_batch(cs, 4000, 12, {"government": "hard_line"})
    x = batch.discounted[:, 0]
    se = math.hypot(advised.sd / math.sqrt(advised.n), x.std(ddof=1) / math.sqrt(len(x)))
    assert abs(advised.mean - x.mean()) < 4 * se


def test_options_share_random_numbers_so_their_difference_is_sharp(cs: CompiledScenario) -> None:
    """Across seeds each value moves by its standard error. With independent rollouts the difference
    of two values would move about sqrt(2) times as much; with common random numbers, less."""
    state = Simulation(cs, runs=1, seed=2).snapshot()
    talk, diff = [], []
    for seed in range(8):
        a = advise(cs, state, "government", rollouts=300, seed=seed, decisions=["government.approach"])
        talk.append(a[0].mean)
        diff.append(a[1].mean - a[0].mean)
    assert np.std(diff) < np.std(talk)


def test_the_options_that_keep_the_current_setting_share_one_estimate(cs: CompiledScenario) -> None:
    state = Simulation(cs, runs=1, seed=2).snapshot()
    values = {(v.decision, v.option): v for v in advise(cs, state, "government", rollouts=200, seed=1)}
    # talk (the default, kept this turn) with the budget held is the same plan as holding the budget
    assert values[("government.approach", "talk")].mean == values[("government.police_budget", "hold")].mean


def test_advice_needs_one_run_between_turns(cs: CompiledScenario) -> None:
    sim = Simulation(cs, runs=2, seed=0)
    with pytest.raises(ValueError, match="one run"):
        advise(cs, sim.snapshot(), "government", rollouts=10)
    one = Simulation(cs, runs=1, seed=0)
    while not one.done:
        one.advance()
    assert advise(cs, one.snapshot(), "government", rollouts=10) == []
