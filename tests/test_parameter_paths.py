"""Every parameter column of a compiled scenario is named by the exact YAML path of its number, so
`check --filter` can write a narrowed range back where the number was written."""

from __future__ import annotations

from typing import Any

from dilemma_sim.batch.posterior import locate
from dilemma_sim.engine import compile_scenario
from tests.engine_scenarios import CRISIS, crisis


def test_every_parameter_column_is_named_by_the_yaml_path_of_a_distribution() -> None:
    cs = compile_scenario(crisis())
    paths = [p for p, _ in cs.param_specs]
    assert len(set(paths)) == len(paths)
    for path in paths:
        at = locate(CRISIS, path)
        assert at is not None, path
        node: Any = CRISIS
        for key in at:
            node = node[key]
        assert isinstance(node, dict) and "dist" in node, path
    # an effect written as {add, noise} is named down to the key; a bare quantity by its variable
    assert "actors.state.decisions.posture.options.talk.effects.economy.noise" in paths
    assert "events.windfall.effects.economy" in paths


def test_locate_finds_keys_that_hold_dots() -> None:
    data = {"actors": {"a": {"utility": {"a.lever": {"dist": "uniform"}, "x": 1}}}}
    assert locate(data, "actors.a.utility.a.lever") == ("actors", "a", "utility", "a.lever")
    assert locate(data, "actors.a.utility.b") is None
