"""Parameter sweeps: which player strategy is best where, and which parameters matter.

A sweep fixes some YAML paths (`parameters.taliban_responsiveness`,
`actors.pakistan.utility.security`, ...) at the points of a design, replacing any distribution
there by the number, and runs every player strategy of the scenario at every point with the same
seed and run indices (common random numbers). Designs: `grid` (every combination of
`steps` values per parameter), `lhs` (Latin hypercube) and `sobol` (scrambled Sobol points), the
latter two from `scipy.stats.qmc`.

Sensitivity: for each swept parameter, the standardized regression coefficient (SRC) of the
player's best achievable mean payoff at a point on the parameters, and the main-effect range
(the spread of that payoff's mean over `steps` bins of the parameter). Parameters are ranked by
|SRC| (then by range). With fewer points than parameters + 2 the regression is not identifiable
and SRC is NaN (null in JSON): use more points.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DESIGNS = ("grid", "lhs", "sobol")
_SPEC = re.compile(r"^(?P<path>[A-Za-z_][\w.\[\]-]*)=(?P<lo>[^:]+):(?P<hi>[^:]+):(?P<steps>\d+)$")


@dataclass(frozen=True)
class SweepParam:
    """One swept YAML path: `PATH=LO:HI:STEPS`."""

    path: str
    low: float
    high: float
    steps: int

    @classmethod
    def parse(cls, text: str) -> SweepParam:
        """Parse `PATH=LO:HI:STEPS`; ValueError with the expected form otherwise."""
        m = _SPEC.match(text.strip())
        if not m:
            raise ValueError(f"expected PATH=LO:HI:STEPS (e.g. parameters.rate=0.1:0.9:5), got {text!r}")
        try:
            low, high = float(m.group("lo")), float(m.group("hi"))
        except ValueError:
            raise ValueError(f"LO and HI must be numbers in {text!r}") from None
        steps = int(m.group("steps"))
        if steps < 1:
            raise ValueError(f"STEPS must be at least 1 in {text!r}")
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"LO and HI must be finite in {text!r}")
        return cls(m.group("path"), low, high, steps)


def design_points(
    params: Sequence[SweepParam], design: str = "grid", *, points: int | None = None, seed: int = 0
) -> np.ndarray:
    """The design's points, shape (n_points, n_params), in parameter units.

    `grid`: every combination of `steps` evenly spaced values (first parameter varies slowest).
    `lhs`/`sobol`: `points` points (default: the product of the steps; Sobol rounds up to a
    power of two, which keeps its balance properties).
    """
    if design not in DESIGNS:
        raise ValueError(f"unknown design {design!r}: use one of {', '.join(DESIGNS)}")
    k = len(params)
    if k == 0:
        return np.zeros((1, 0))
    lows = np.array([p.low for p in params])
    highs = np.array([p.high for p in params])
    if design == "grid":
        axes = [np.linspace(p.low, p.high, p.steps) if p.steps > 1 else np.array([p.low]) for p in params]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)
    from scipy.stats import qmc

    n = points if points is not None else int(np.prod([p.steps for p in params]))
    n = max(2, n)
    if design == "sobol":
        m = math.ceil(math.log2(n))
        unit = qmc.Sobol(k, scramble=True, seed=np.random.default_rng(seed)).random_base2(m)
    else:
        unit = qmc.LatinHypercube(k, seed=np.random.default_rng(seed)).random(n)
    return np.asarray(qmc.scale(unit, lows, highs)) if np.all(highs > lows) else lows + unit * (highs - lows)


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
        """Parameters by |SRC|, largest first."""

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
            "sensitivity": self.ranking(),
        }


def player_strategies(scenario: Any) -> list[str]:
    """Ids of the scenario's strategies that play its player (relative ones that can play that seat)."""
    from dilemma_sim.scenario.binding import plays

    return [sid for sid in scenario.strategies if plays(scenario, sid, scenario.player)]


def run_sweep(
    ref: Any,
    params: Sequence[SweepParam],
    *,
    design: str = "grid",
    points: int | None = None,
    runs: int = 1000,
    seed: int = 0,
    strategies: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Run every player strategy at every design point (same seed and run indices everywhere).

    `ref` is a `ScenarioRef` (or a path/id); the overrides of each point are added to its own.
    """
    from dilemma_sim.batch.runner import ScenarioRef
    from dilemma_sim.engine import build_policies, run_batch

    base = ref if isinstance(ref, ScenarioRef) else ScenarioRef.of(ref)
    scenario = base.load()
    names = list(strategies) if strategies is not None else player_strategies(scenario)
    if not names:
        raise ValueError(f"scenario {scenario.id!r} has no strategies for its player {scenario.player!r}")
    pts = design_points(params, design, points=points, seed=seed)
    player = scenario.player
    means = np.zeros((len(pts), len(names)))
    ci = np.zeros_like(means)
    for i, point in enumerate(pts):
        over = dict(base.overrides)
        over.update({p.path: float(v) for p, v in zip(params, point, strict=True)})
        cs = ScenarioRef(base.path, tuple(over.items())).compile()
        a = list(cs.actors).index(player)
        for k, sid in enumerate(names):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = run_batch(cs, runs, seed, build_policies(cs, {player: sid}))
            totals = np.asarray(result.totals)[:, a]
            means[i, k] = totals.mean()
            ci[i, k] = 1.96 * totals.std(ddof=1) / math.sqrt(runs) if runs > 1 else 0.0
        if progress is not None:
            progress(1)
    value = means.max(axis=1)
    result_ = SweepResult(list(params), design, pts, names, means, ci, runs, seed, scenario.id, player)
    result_.src = standardized_coefficients(pts, value)
    result_.ranges = main_effect_ranges(pts, value, [p.steps for p in params])
    return result_


def override_values(params: Sequence[SweepParam], point: Sequence[float]) -> Mapping[str, float]:
    """The overrides of one design point."""
    return {p.path: float(v) for p, v in zip(params, point, strict=True)}
