"""The default scenario is faithful to the record it cites (docs/evidence.md).

The counting frame is all terrorist attacks in Pakistan and the deaths in them, as the Pak Institute
for Peace Studies counts them (attacks and deaths per attack from that one dataset), with the violence
of groups the TTP levers do not control as its own term. The observed years fall inside the runs'
90% intervals when the record's policy path is replayed; the UN's estimate of the TTP's strength in
Afghanistan holds; and the comparison of the five strategies says what docs/dilemma.md says.
"""

from __future__ import annotations

import numpy as np
import pytest

from dilemma_sim.batch.check import check_scenario
from dilemma_sim.engine import CompiledScenario
from dilemma_sim.executor import ScenarioRef, run_batch

DEFAULT = "pakistan-ttp"
FIVE = ("status-quo", "always-appease", "always-confront", "hedge", "conditional")


@pytest.fixture(scope="module")
def cs() -> CompiledScenario:
    return ScenarioRef.of(DEFAULT).compile()


def state_path(cs: CompiledScenario, strategy: str, runs: int, seed: int = 11) -> np.ndarray:
    """End-of-turn states, (runs, turns, variables)."""
    res = run_batch(cs, runs, seed, {"pakistan": strategy}, collect_turns=True)
    assert res.trajectories is not None
    return np.asarray(res.trajectories["state"])


def test_attacks_and_deaths_are_one_dataset_all_groups(cs: CompiledScenario) -> None:
    scenario = cs.scenario
    assert scenario.observations is not None
    sources = {obs.source for obs in scenario.observations.data.values()}
    assert sources == {"pips_2023", "pips_2024", "pips_2025"}
    assert {obs.variable for obs in scenario.observations.data.values()} == {"attacks", "fatalities"}
    # deaths per attack in the runs lie in PIPS's own range of ratios, 1.48 (2025) to 2.26 (2023)
    st = state_path(cs, "record", 2000)
    names = cs.state_names
    ratio = st[:, :, names.index("fatalities")].sum() / st[:, :, names.index("attacks")].sum()
    assert 1.48 <= ratio <= 2.26, ratio


def test_observed_years_fall_inside_the_runs_90_percent_intervals() -> None:
    for scenario in (DEFAULT, "pakistan-ttp-ceasefire-2021"):
        report = check_scenario(ScenarioRef.of(scenario).compile(), runs=2000, seed=0)
        assert report.observations, scenario
        outside = [o.target.id for o in report.observations if not o.inside90]
        assert not outside, (scenario, outside)


def test_the_2021_variant_adds_an_observed_year() -> None:
    variant = ScenarioRef.of("pakistan-ttp-ceasefire-2021").compile().scenario
    base = ScenarioRef.of(DEFAULT).compile().scenario
    assert variant.observations is not None and base.observations is not None
    years = {obs.period for obs in variant.observations.data.values()}
    assert {str(y) for y in years} == {"2022", "2023", "2024", "2025"}
    assert len(variant.observations.data) == len(base.observations.data) + 2


def test_violence_the_ttp_levers_do_not_control_is_the_same_whatever_pakistan_does(
    cs: CompiledScenario,
) -> None:
    other = cs.state_names.index("other_militancy")
    paths = [state_path(cs, s, 512)[:, :, other] for s in ("status-quo", "always-appease", "always-confront")]
    assert np.array_equal(paths[0], paths[1]) and np.array_equal(paths[0], paths[2])
    # and it grows (PIPS: Baloch insurgents' attacks +119% in 2024)
    assert (paths[0][:, -1] > paths[0][:, 0]).mean() > 0.95


def test_the_ttp_stock_in_afghanistan_stays_in_the_un_band(cs: CompiledScenario) -> None:
    """The UN put the TTP at 6,000-6,500 fighters in Afghanistan in 2024 and 'unchanged' in early 2025."""
    a = state_path(cs, "record", 2000)[:, :, cs.state_names.index("ttp_in_afghanistan")]
    end_2024 = a[:, 7].mean()
    assert 5000 <= end_2024 <= 7500, end_2024
    assert abs(a[:, 11].mean() - end_2024) / end_2024 < 0.15  # about flat through 2025


def best_shares(cs: CompiledScenario, strategies: tuple[str, ...], runs: int = 2000) -> dict[str, float]:
    """Share of runs in which each strategy scores best, all on the same random numbers."""
    pakistan = cs.actors.index("pakistan")
    totals = np.stack(
        [run_batch(cs, runs, 11, {"pakistan": s}).totals[:, pakistan] for s in strategies],
        axis=1,
    )
    best = np.bincount(totals.argmax(axis=1), minlength=len(strategies)) / len(totals)
    return dict(zip(strategies, best.round(3).tolist(), strict=True))


def test_both_horns_lose_and_holding_the_line_wins_most_often(cs: CompiledScenario) -> None:
    """docs/dilemma.md: run by run, full appeasement and full confrontation are never the best of the
    five; holding the line (operations, no talks, no escalation against Kabul) is, in most runs."""
    shares = best_shares(cs, FIVE)
    assert shares["always-appease"] < 0.02 and shares["always-confront"] < 0.02, shares
    assert max(shares, key=lambda s: shares[s]) == "status-quo", shares


def test_paying_kabul_or_fighting_harder_wins_where_lives_are_dear(cs: CompiledScenario) -> None:
    """The debated alternatives are best somewhere: where a life is worth more money, or Kabul answers
    incentives (docs/dilemma.md, the sweep)."""
    shares = best_shares(cs, ("status-quo", "buy-restraint", "military-push"))
    assert shares["buy-restraint"] + shares["military-push"] > 0.05, shares
    assert shares["status-quo"] < 0.99, shares


def test_in_2021_refusing_talks_beats_talking() -> None:
    """docs/dilemma.md: in the 2021 variant the late-2021 talks (its status quo) cost Pakistan more
    than refusing them, mostly through the fighters who came home during the truce and the talks."""
    variant = ScenarioRef.of("pakistan-ttp-ceasefire-2021").compile()
    pakistan = variant.actors.index("pakistan")
    names = variant.state_names
    talks = run_batch(variant, 1000, 11, {"pakistan": "status-quo"}, collect_turns=True)
    no_talks = run_batch(variant, 1000, 11, {"pakistan": "no-talks"}, collect_turns=True)
    assert (no_talks.totals[:, pakistan] - talks.totals[:, pakistan]).mean() > 0
    at_end = names.index("ttp_in_pakistan")
    assert talks.trajectories is not None and no_talks.trajectories is not None
    assert (
        np.asarray(talks.trajectories["state"])[:, -1, at_end].mean()
        > np.asarray(no_talks.trajectories["state"])[:, -1, at_end].mean()
    )
