"""A utility weight or a cost may name a parameter: one named number, sampled per run, shared by all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dilemma_sim.engine import compile_scenario
from dilemma_sim.executor import run_batch
from dilemma_sim.executor.scenario_ref import load_with_overrides
from dilemma_sim.scenario.lint import lint
from dilemma_sim.scenario.loader import load_scenario, load_text
from dilemma_sim.scenario.starter import starter_yaml
from tests.engine_scenarios import TINY, scenario

W = {"dist": "uniform", "low": 0.5, "high": 2.0}


def _with_weight(weight: object, **params: object) -> dict[str, Any]:
    data = {**TINY, "parameters": params}
    actor = {**TINY["actors"]["a"], "utility": {"x": weight, "a.dial": 2.0}}
    return {**data, "actors": {"a": actor}}


def test_a_weight_naming_a_distribution_is_that_parameter_sampled_per_run() -> None:
    named = compile_scenario(scenario(_with_weight("w", w=W)))
    inline = compile_scenario(scenario(_with_weight(W, w=W)))
    assert named.n_params == 1 and inline.n_params == 2  # the name takes no column of its own
    totals = run_batch(named, 64, seed=3).totals[:, 0]
    w = run_batch(named, 64, seed=3).params[:, 0]
    assert np.ptp(w) > 0.5  # really sampled per run
    # TINY's state does not depend on the weight, so a run's total is w * (the x part) + the rest.
    one = run_batch(compile_scenario(scenario(_with_weight("w", w=1.0))), 64, seed=3).totals[:, 0]
    zero = run_batch(compile_scenario(scenario(_with_weight("w", w=0.0))), 64, seed=3).totals[:, 0]
    np.testing.assert_allclose(totals - zero, w * (one - zero), rtol=1e-12)


def test_a_weight_naming_a_fixed_parameter_is_a_constant() -> None:
    named = compile_scenario(scenario(_with_weight("w", w=1.5)))
    assert named.n_params == 0 and named.w_state[0, 0] == 1.5


def test_a_cost_naming_a_parameter_is_paid_when_chosen() -> None:
    data = _with_weight(1.0, c=4.0)
    options = {**TINY["actors"]["a"]["decisions"]["act"]["options"]}
    options["yes"] = {**options["yes"], "cost": "c"}
    actor = data["actors"]["a"]
    decisions = {**actor["decisions"], "act": {**actor["decisions"]["act"], "options": options}}
    data["actors"] = {"a": {**actor, "decisions": decisions}}
    cs = compile_scenario(scenario(data))
    assert cs.option_cost[1].tolist() == [0.0, 4.0]


def test_an_unknown_name_is_reported_at_the_weight_with_a_suggestion() -> None:
    text = starter_yaml("w").replace("security: 0.1", "security: talks_dividnd", 1)
    result = load_text(text)
    (error,) = result.errors
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "talks_dividnd" in t)
    assert (error.code, error.line, error.column) == ("E302", line, 17)
    assert error.suggestion == "talks_dividend" and "not a parameter" in error.message


def test_a_sweep_moves_a_parameter_named_by_a_weight(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(starter_yaml("w").replace("security: 0.1", "security: talks_dividend", 1))
    assert load_scenario(path).ok
    sc = load_with_overrides(path, {"parameters.talks_dividend": 3.0})
    cs = compile_scenario(sc)
    a = cs.actors.index("government")
    assert cs.w_state[a, cs.state_names.index("security")] == 3.0


def test_lint_counts_a_parameter_named_by_a_weight_as_used() -> None:
    text = starter_yaml("w").replace("security: 0.1", "security: talks_dividend", 1)
    result = load_text(text)
    assert result.ok
    assert not [d for d in lint(result) if d.code == "W506" and "talks_dividend" in d.message]
