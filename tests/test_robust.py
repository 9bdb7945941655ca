"""Robustness studies: regret, shares and regions on a scenario whose answer is known, and results
that do not depend on workers or chunk sizes.

`fixtures/threshold.yaml` has one decision for one turn: option a pays `0.5 - p`, option b nothing,
so `always-a` is the best strategy exactly where p < 0.5; `q` decides nothing. Nothing is random
in a run, so every per-point mean is exact and each metric has a closed form at the design points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dilemma_sim.batch.robust import plan_robust, robust, run_robust
from dilemma_sim.batch.uncertainty import scenario_uncertainties, support, to_values, unit_design
from dilemma_sim.engine.sampling import quantile
from dilemma_sim.errors import InvalidInput
from dilemma_sim.executor import Execution, ScenarioRef
from dilemma_sim.scenario.models import Normal
from dilemma_sim.scenario.starter import starter_yaml

THRESHOLD = Path(__file__).parent / "fixtures" / "threshold.yaml"


@pytest.fixture(scope="module")
def threshold() -> ScenarioRef:
    return ScenarioRef.of(THRESHOLD)


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRef:
    path = tmp_path_factory.mktemp("robust") / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    return ScenarioRef.of(path)


def test_regret_and_shares_match_the_closed_form_at_every_design_point(threshold: ScenarioRef) -> None:
    result = robust(threshold, samples=64, runs=4, seed=3, strategies=["always-a", "always-b"])
    assert [u.path for u in result.uncertainties] == ["parameters.p", "parameters.q"]
    p = result.points[:, 0]
    a, b = result.strategies
    np.testing.assert_allclose(result.means[0], 0.5 - p, atol=1e-12)
    np.testing.assert_allclose(result.means[1], 0.0, atol=1e-12)
    np.testing.assert_allclose(result.regret[0], np.maximum(0, p - 0.5), atol=1e-12)
    np.testing.assert_allclose(result.regret[1], np.maximum(0, 0.5 - p), atol=1e-12)
    assert a.scores.best_share == pytest.approx(np.mean(p < 0.5))
    assert b.scores.best_share == pytest.approx(np.mean(p >= 0.5))
    assert a.scores.best_share == 0.5  # a Latin hypercube of 64 points puts 32 below 0.5
    assert a.scores.worst == pytest.approx(0.5 - p.max())
    assert a.scores.max_regret == pytest.approx(p.max() - 0.5)
    assert a.scores.high_regret == pytest.approx(np.percentile(np.maximum(0, p - 0.5), 90))
    assert b.scores.max_regret == pytest.approx(0.5 - p.min())
    assert a.scores.mean == pytest.approx(np.mean(0.5 - p))
    # no noise: the paired intervals are 0, so the pooled tolerance is 0 and "within" means "best"
    assert result.tolerance == 0.0 and result.tolerance_rule == "pooled"
    assert a.scores.within_share == a.scores.best_share


def test_a_given_tolerance_counts_the_points_within_it_of_the_best(threshold: ScenarioRef) -> None:
    result = robust(threshold, samples=64, runs=4, seed=3, strategies=["always-a", "always-b"], tolerance=0.1)
    p = result.points[:, 0]
    assert result.tolerance_rule == "given"
    assert result.strategies[0].scores.within_share == pytest.approx(np.mean(p - 0.5 <= 0.1))
    assert result.strategies[1].scores.within_share == pytest.approx(np.mean(0.5 - p <= 0.1))


def test_the_winning_region_is_found_on_the_deciding_parameter_only(threshold: ScenarioRef) -> None:
    result = robust(threshold, samples=200, runs=2, seed=1, strategies=["always-a", "always-b"])
    for s, side in zip(result.strategies, ("high", "low"), strict=True):
        (box,) = s.discovery.boxes
        # peeling moves in steps of 5% of the points: the edge is found to within a step
        assert box.coverage >= 0.95 and box.density >= 0.95
        (r,) = box.restrictions
        assert result.uncertainties[r.column].path == "parameters.p"
        cut = r.high if side == "high" else r.low
        assert abs(cut - 0.5) < 0.05
    ranked = result.ranked_parameters()
    assert result.uncertainties[ranked[0]].path == "parameters.p"
    assert result.decisive[ranked[0]] == 1.0 and result.decisive[ranked[1]] < 0.1


def test_json_names_the_most_robust_strategy_by_each_metric(threshold: ScenarioRef) -> None:
    doc = robust(threshold, samples=40, runs=2, seed=0, strategies=["always-a", "always-b"]).to_json()
    assert doc["samples"] == 40 and doc["runs"] == 2
    assert set(doc["most_robust"]) == {
        "mean",
        "worst",
        "p10",
        "max_regret",
        "p90_regret",
        "best_share",
        "within_tolerance_share",
    }
    assert doc["most_robust"]["worst"] == "always-b"  # b never loses anything
    assert doc["decisive"][0]["path"] == "parameters.p"
    rules = [lim["rule"] for s in doc["strategies"] for b in s["discovery"]["boxes"] for lim in b["limits"]]
    assert rules and all(rule.startswith("parameters.p") for rule in rules)


def test_where_finds_the_region_where_an_ending_is_common(starter: ScenarioRef) -> None:
    cs = starter.compile()
    ending = cs.ending_ids[0]
    result = robust(
        starter, samples=40, runs=64, seed=2, strategies=["greedy"], where=ending, where_share=0.3
    )
    assert result.ending is not None and result.ending.shares.shape == (1, 40)
    assert np.all((result.ending.shares >= 0) & (result.ending.shares <= 1))
    assert result.strategies[0].discovery.points == int(np.sum(result.ending.shares[0] > 0.3))
    assert ending in result.to_json()["discovery_target"]


def test_an_unknown_ending_or_strategy_is_named_with_the_choices(threshold: ScenarioRef) -> None:
    with pytest.raises(InvalidInput, match="endings are"):
        robust(threshold, samples=8, runs=2, where="nowhere")
    with pytest.raises(InvalidInput, match="strategies are"):
        plan_robust(threshold, samples=8, runs=2, strategies=["always-c"])


def test_by_default_every_uncertain_parameter_varies_over_its_support(starter: ScenarioRef) -> None:
    cs = starter.compile()
    uncs = scenario_uncertainties(cs)
    assert [u.path for u in uncs] == [path for path, _ in cs.param_specs]
    plan = plan_robust(starter, samples=50, runs=2)
    for j, u in enumerate(uncs):
        assert u.dist is not None
        assert (u.low, u.high) == (u.dist.low, u.dist.high)
        assert plan.points[:, j].min() >= u.low and plan.points[:, j].max() <= u.high


def test_a_normal_varies_over_its_central_98_percent() -> None:
    dist = Normal(dist="normal", mean=10, sd=2)
    low, high = support(dist)
    assert low == pytest.approx(10 - 2 * 2.3263478740408408) and high == pytest.approx(
        10 + 2 * 2.3263478740408408
    )


def test_the_prior_space_maps_points_through_each_distributions_quantiles(starter: ScenarioRef) -> None:
    uncs = scenario_uncertainties(starter.compile())
    unit = unit_design(len(uncs), 16, "sobol", seed=4)
    values = to_values(uncs, unit, "prior")
    for j, u in enumerate(uncs):
        np.testing.assert_array_equal(values[:, j], quantile(u.dist, unit[:, j]))
    assert len(unit) == 16 and np.all((unit > 0) & (unit < 1))


def test_param_ranges_replace_the_default_design(threshold: ScenarioRef) -> None:
    plan = plan_robust(threshold, samples=20, runs=2, params=["parameters.p=0.2:0.3"])
    assert [u.path for u in plan.uncertainties] == ["parameters.p"]
    assert plan.points.min() >= 0.2 and plan.points.max() <= 0.3
    result = run_robust(plan)
    assert result.strategies[0].id == "always-a" and result.strategies[0].scores.best_share == 1.0
    with pytest.raises(InvalidInput, match="PATH=LO:HI"):
        plan_robust(threshold, samples=20, runs=2, params=["parameters.p=0.3"])


@pytest.mark.parametrize("execution", [Execution(workers=2, chunk_runs=1024), Execution(chunk_runs=4096)])
def test_results_are_bit_identical_whatever_the_workers_or_chunks(
    starter: ScenarioRef, execution: Execution
) -> None:
    strategies = ["greedy", "random", "reciprocity"]
    serial = robust(starter, samples=24, runs=300, seed=5, strategies=strategies)
    other = robust(starter, samples=24, runs=300, seed=5, strategies=strategies, execution=execution)
    for name in ("means", "half", "regret", "regret_half", "best", "decisive"):
        np.testing.assert_array_equal(getattr(serial, name), getattr(other, name), err_msg=name)
    assert serial.to_json() == other.to_json()


def test_the_python_api_runs_the_same_study_as_the_studies_layer(threshold: ScenarioRef) -> None:
    from dilemma_sim import api

    via_api = api.robust(THRESHOLD, samples=16, runs=2, seed=1, strategies=["always-a", "always-b"])
    direct = robust(threshold, samples=16, runs=2, seed=1, strategies=["always-a", "always-b"])
    assert via_api.to_json() == direct.to_json()
