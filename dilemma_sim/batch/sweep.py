"""Parameter sweeps: which player strategy is best where, and which parameters matter.

A sweep fixes some YAML paths (`parameters.taliban_responsiveness`,
`actors.pakistan.utility.security`, ...) at the points of a design (see `design.point_scenarios`)
and runs every player strategy of the scenario at every point with the same seed and run indices
(common random numbers, `executor.compare`). Designs: `grid` (every combination of `steps` values
per parameter), `lhs` (Latin hypercube) and `sobol` (scrambled Sobol points), the latter two from
`scipy.stats.qmc`.

Regression ranking: for each swept parameter, the standardized regression coefficient (SRC) of
the player's best achievable mean payoff at a point on the parameters, and the main-effect range
(the spread of that payoff's mean over `steps` bins of the parameter). Parameters are ranked by
|SRC| (then by range). With fewer points than parameters + 2 the regression is not identifiable
and SRC is NaN (null in JSON): use more points. SRCs are not Sobol indices, whatever the design:
they measure a linear fit (SRC² sums to the fit's R² only when the parameters are uncorrelated),
blind to interactions and non-linear effects. True Sobol indices are `dilemma-sim robust --sobol`
(`batch.sensitivity`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dilemma_sim.batch.design import SweepParam, design_points, point_scenarios
from dilemma_sim.errors import InvalidInput
from dilemma_sim.executor import ScenarioRef, assignment
from dilemma_sim.executor.compare import Entrant, play_entrants
from dilemma_sim.executor.run import SERIAL, Execution, Progress
from dilemma_sim.executor.stop import StopFlag
from dilemma_sim.scenario.binding import plays
from dilemma_sim.scenario.models import Scenario


def standardized_coefficients(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SRC of y on each column of x: least-squares slopes scaled by sd(x_j)/sd(y) (0 where undefined)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    sx = x.std(axis=0)
    sy = y.std()
    out = np.zeros(x.shape[1])
    ok = sx > 0
    if x.shape[0] < int(ok.sum()) + 2:
        return np.full(x.shape[1], np.nan)  # fewer points than coefficients: not identifiable
    if sy == 0 or not ok.any():
        return out
    z = (x[:, ok] - x[:, ok].mean(axis=0)) / sx[ok]
    design = np.column_stack([np.ones(len(y)), z])
    coef, *_ = np.linalg.lstsq(design, (y - y.mean()) / sy, rcond=None)
    out[ok] = coef[1:]
    return out


def main_effect_ranges(x: np.ndarray, y: np.ndarray, bins: Sequence[int]) -> np.ndarray:
    """Per column: max - min over `bins[j]` equal-width bins of the mean of y in the bin."""
    out = np.zeros(x.shape[1])
    for j in range(x.shape[1]):
        col = x[:, j]
        lo, hi = col.min(), col.max()
        if hi <= lo:
            continue
        nb = max(2, min(int(bins[j]), len(np.unique(col))))
        idx = np.minimum(((col - lo) / (hi - lo) * nb).astype(int), nb - 1)
        means = [y[idx == b].mean() for b in range(nb) if np.any(idx == b)]
        out[j] = float(max(means) - min(means))
    return out


@dataclass
class SweepResult:
    """Per point: each strategy's mean player payoff, the best one, and the sensitivity ranking."""

    params: list[SweepParam]
    design: str
    points: np.ndarray
    """(n_points, n_params)."""
    strategies: list[str]
    means: np.ndarray
    """(n_points, n_strategies) mean total payoff of the player."""
    ci: np.ndarray
    """(n_points, n_strategies) half-width of the 95% confidence interval of each mean."""
    runs: int
    seed: int
    scenario: str
    player: str
    src: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ranges: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def best(self) -> list[str]:
        """The best strategy at each point."""
        return [self.strategies[int(i)] for i in np.argmax(self.means, axis=1)]

    def best_counts(self) -> dict[str, int]:
        """How many points each strategy is best at (strategies never best are listed with 0)."""
        counts = {s: 0 for s in self.strategies}
        for b in self.best:
            counts[b] += 1
        return counts

    def ranking(self) -> list[dict[str, Any]]:
        """Parameters by |SRC| (standardized regression coefficient), largest first."""

        def key(j: int) -> tuple[float, float]:
            src = float(self.src[j])
            return (-abs(src) if math.isfinite(src) else 0.0, -float(self.ranges[j]))

        order = sorted(range(len(self.params)), key=key)
        return [
            {"path": self.params[j].path, "src": float(self.src[j]), "range": float(self.ranges[j])}
            for j in order
        ]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "scenario": self.scenario,
            "player": self.player,
            "design": self.design,
            "runs": self.runs,
            "seed": self.seed,
            "params": [{"path": p.path, "low": p.low, "high": p.high, "steps": p.steps} for p in self.params],
            "strategies": self.strategies,
            "points": [
                {
                    "values": {p.path: float(self.points[i, j]) for j, p in enumerate(self.params)},
                    "mean": {s: float(self.means[i, k]) for k, s in enumerate(self.strategies)},
                    "ci95": {s: float(self.ci[i, k]) for k, s in enumerate(self.strategies)},
                    "best": self.best[i],
                }
                for i in range(len(self.points))
            ],
            "best_counts": self.best_counts(),
            "standardized_regression": self.ranking(),
            "sensitivity": self.ranking(),  # the old name of `standardized_regression`, kept for scripts
        }


def player_strategies(scenario: Scenario) -> list[str]:
    """Ids of the scenario's strategies that play its player (relative ones that can play that seat)."""
    return [sid for sid in scenario.strategies if plays(scenario, sid, scenario.player)]


def run_sweep(
    ref: ScenarioRef,
    params: Sequence[SweepParam],
    *,
    design: str = "grid",
    points: int | None = None,
    runs: int = 1000,
    seed: int = 0,
    strategies: Sequence[str] | None = None,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run every player strategy at every design point on common random numbers (`executor.compare`).

    The overrides of each point are added to `ref`'s own.
    """
    scenario = ref.load()
    names = list(strategies) if strategies is not None else player_strategies(scenario)
    if not names:
        raise InvalidInput(f"scenario {scenario.id!r} has no strategies for its player {scenario.player!r}")
    pts = design_points(params, design, points=points, seed=seed)
    player = scenario.player
    variants = point_scenarios(ref, [p.path for p in params], pts)
    entrants = [Entrant(sid, sid, assignment({player: sid})) for sid in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if isinstance(variants, tuple):
            cs, design_pts = variants
            plays = play_entrants(
                cs,
                entrants,
                runs=runs,
                seed=seed,
                points=design_pts,
                execution=execution,
                stop=stop,
                progress=progress,
            )
        else:
            plays = play_entrants(
                variants, entrants, runs=runs, seed=seed, execution=execution, stop=stop, progress=progress
            )
    mean, _, half = plays.means(player)
    means, ci = mean.T.copy(), half.T.copy()
    value = means.max(axis=1)
    result = SweepResult(list(params), design, pts, names, means, ci, runs, seed, scenario.id, player)
    result.src = standardized_coefficients(pts, value)
    result.ranges = main_effect_ranges(pts, value, [p.steps for p in params])
    return result
