"""Robustness under deep uncertainty: which strategy holds up across the worlds nobody can rule out,
and which assumptions would change the answer (`dilemma-sim robust`, docs/robust.md).

A design of points over the scenario's uncertain parameters (`batch.uncertainty`) fixes every
varied number at each point; every player strategy (the scenario's and the built-ins of
`tournament.entrants_of`, or a chosen few) plays the same M runs at every point on common random
numbers (`executor.compare.play_entrants`: one job per strategy, design points grouped into
tasks, the scenario compiled once). The per-point mean total payoff of the player is then scored
per strategy (`batch.regret`), the regions where each strategy wins (or where an ending is common)
are found by PRIM (`batch.prim`), parameters are ranked by how much they decide the winner, and,
when asked, Sobol indices are estimated on a separate Saltelli design (`batch.sensitivity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dilemma_sim.batch import prim, regret
from dilemma_sim.batch.design import point_scenarios
from dilemma_sim.batch.robust_result import (
    Discovery,
    EndingShares,
    RobustResult,
    SobolStudy,
    StrategyResult,
)
from dilemma_sim.batch.sensitivity import saltelli_unit, sobol_indices
from dilemma_sim.batch.tournament import entrants_of
from dilemma_sim.batch.uncertainty import Uncertainty, to_values, uncertainties, unit_design
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import InvalidInput
from dilemma_sim.executor import ScenarioRef
from dilemma_sim.executor.compare import Entrant, Plays, play_entrants
from dilemma_sim.executor.run import SERIAL, Execution, Progress
from dilemma_sim.executor.stats import mean_ci
from dilemma_sim.executor.stop import StopFlag

CHUNK_RUNS = 8192
"""Rows per task of a study unless told otherwise. Smaller than the executor's default because the
built-in `greedy` (a best response) evaluates every option of every decision for every row: at
65,536 rows a pakistan-ttp task peaks at about 1.5 GB, at 8,192 under 300 MB, at the same speed."""
WHERE_SHARE = 0.5
"""Default share of runs above which an ending counts as happening at a point (`--where`)."""
MIN_DISCOVERY_POINTS = 20
"""Fewer design points than this are too few for PRIM: boxes are not searched."""
MIN_HITS = 5
"""Nor are they for an outcome that holds at fewer points than this (a box around 2 points is noise)."""


@dataclass(frozen=True, eq=False)
class RobustPlan:
    """Everything a robustness study will play, built before anything runs."""

    ref: ScenarioRef
    scenario: CompiledScenario
    uncertainties: tuple[Uncertainty, ...]
    entrants: tuple[Entrant, ...]
    points: np.ndarray
    """(K, P) design points in parameter units."""
    runs: int
    seed: int
    design: str
    space: str
    sobol_points: np.ndarray | None = None
    """(N * (P + 2), P) Saltelli points, when Sobol indices are asked for."""

    @property
    def rows(self) -> int:
        """(point, run) rows over all strategies: what a progress bar counts."""
        k = len(self.points) + (0 if self.sobol_points is None else len(self.sobol_points))
        return k * self.runs * len(self.entrants)


def plan_robust(
    ref: ScenarioRef,
    *,
    samples: int = 200,
    runs: int = 200,
    seed: int = 0,
    params: Sequence[str] | None = None,
    strategies: Sequence[str] | None = None,
    design: str = "lhs",
    space: str = "range",
    sobol: bool = False,
    sobol_base: int = 64,
) -> RobustPlan:
    """The study's design and entrants (InvalidInput for an unknown strategy or a bad range)."""
    if samples < 2 or runs < 2:
        raise InvalidInput("need at least 2 samples and 2 runs")
    cs = ref.compile()
    uncs = uncertainties(cs, params)
    table = {e.id: e for e in entrants_of(cs)}
    if strategies:
        unknown = [s for s in strategies if s not in table]
        if unknown:
            raise InvalidInput(f"unknown strategy {unknown[0]!r}; strategies are {', '.join(table)}")
        chosen = tuple(table[s] for s in dict.fromkeys(strategies))
    else:
        chosen = tuple(table.values())
    unit = unit_design(len(uncs), samples, design, seed)
    sobol_points = None
    if sobol:
        sobol_points = to_values(uncs, saltelli_unit(len(uncs), sobol_base, seed), space)
    return RobustPlan(
        ref, cs, uncs, chosen, to_values(uncs, unit, space), runs, seed, design, space, sobol_points
    )


def _play(
    plan: RobustPlan,
    values: np.ndarray,
    execution: Execution,
    stop: StopFlag | None,
    progress: Progress | None,
) -> Plays:
    """Every entrant at every point (one compiled scenario with design points when it can)."""
    variants = point_scenarios(plan.ref, [u.path for u in plan.uncertainties], values)
    scenario, points = variants if isinstance(variants, tuple) else (variants, None)
    return play_entrants(
        scenario,
        plan.entrants,
        runs=plan.runs,
        seed=plan.seed,
        points=points,
        execution=execution,
        stop=stop,
        progress=progress,
    )


def ending_code(cs: CompiledScenario, ending: str) -> int:
    """The engine's code of an ending id (InvalidInput listing the endings otherwise)."""
    ids = list(cs.ending_ids)
    if ending not in ids:
        raise InvalidInput(f"unknown ending {ending!r}; endings are {', '.join(ids)}")
    return ids.index(ending)


def run_robust(
    plan: RobustPlan,
    *,
    tolerance: float | None = None,
    where: str | None = None,
    where_share: float = WHERE_SHARE,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> RobustResult:
    """Play the plan and score it (raises `Interrupted` when stopped)."""
    cs = plan.scenario
    player = cs.scenario.player
    code = ending_code(cs, where) if where is not None else None
    if not 0.0 <= where_share < 1.0:
        raise InvalidInput("the --where share must be in [0, 1)")
    if tolerance is not None and tolerance < 0:
        raise InvalidInput("the tolerance must be at least 0")
    plays = _play(plan, plan.points, execution, stop, progress)
    totals = plays.totals(player)  # (E, K, R)
    means, _, half = mean_ci(totals, axis=2)
    best, regrets = regret.best_and_regret(means)
    paired = regret.paired_half_widths(totals, best)
    tol = regret.pooled_tolerance(paired, best) if tolerance is None else float(tolerance)
    tol_rule = "pooled" if tolerance is None else "given"
    scores = regret.scores(means, tol)
    shares = None
    if code is not None:
        shares = np.stack([np.mean(g.endings == code, axis=1) for g in plays.grids])  # (E, K)
    x = plan.points
    found = []
    for e in range(len(plan.entrants)):
        y = best == e if shares is None else shares[e] > where_share
        enough = len(x) >= MIN_DISCOVERY_POINTS and int(np.count_nonzero(y)) >= MIN_HITS
        boxes = prim.find_boxes(x, y) if enough else []
        found.append(Discovery(int(np.count_nonzero(y)), tuple(boxes)))
    strategies = tuple(
        StrategyResult(en.id, en.label, en.builtin, sc, dc)
        for en, sc, dc in zip(plan.entrants, scores, found, strict=True)
    )
    sobol = _sobol(plan, execution, stop, progress) if plan.sobol_points is not None else None
    return RobustResult(
        scenario=cs.scenario_id,
        scenario_hash=cs.scenario_hash,
        player=player,
        player_name=cs.scenario.actors[player].name,
        seed=plan.seed,
        runs=plan.runs,
        design=plan.design,
        space=plan.space,
        uncertainties=plan.uncertainties,
        points=plan.points,
        strategies=strategies,
        means=means,
        half=half,
        regret=regrets,
        regret_half=paired,
        best=best,
        tolerance=tol,
        tolerance_rule=tol_rule,
        decisive=regret.decisiveness(x, best),
        ending=None if shares is None else EndingShares(str(where), where_share, shares),
        sobol=sobol,
    )


def _sobol(
    plan: RobustPlan, execution: Execution, stop: StopFlag | None, progress: Progress | None
) -> SobolStudy:
    """Sobol indices of each strategy's payoff and regret on the plan's Saltelli design."""
    assert plan.sobol_points is not None
    plays = _play(plan, plan.sobol_points, execution, stop, progress)
    means = plays.totals(plan.scenario.scenario.player).mean(axis=2)  # (E, N)
    _, regrets = regret.best_and_regret(means)
    names = tuple(u.path for u in plan.uncertainties)
    payoff = tuple(sobol_indices(names, means[e], plan.seed) for e in range(len(plan.entrants)))
    regret_ix = tuple(sobol_indices(names, regrets[e], plan.seed) for e in range(len(plan.entrants)))
    return SobolStudy(plan.sobol_points, payoff, regret_ix)


def robust(
    ref: ScenarioRef,
    *,
    samples: int = 200,
    runs: int = 200,
    seed: int = 0,
    params: Sequence[str] | None = None,
    strategies: Sequence[str] | None = None,
    design: str = "lhs",
    space: str = "range",
    tolerance: float | None = None,
    where: str | None = None,
    where_share: float = WHERE_SHARE,
    sobol: bool = False,
    sobol_base: int = 64,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> RobustResult:
    """Plan and run a robustness study in one call (see `plan_robust` and `run_robust`)."""
    plan = plan_robust(
        ref,
        samples=samples,
        runs=runs,
        seed=seed,
        params=params,
        strategies=strategies,
        design=design,
        space=space,
        sobol=sobol,
        sobol_base=sobol_base,
    )
    return run_robust(
        plan,
        tolerance=tolerance,
        where=where,
        where_share=where_share,
        execution=execution,
        stop=stop,
        progress=progress,
    )
