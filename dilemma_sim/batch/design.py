"""Designs over a scenario's numbers: the swept paths, the points (grid, Latin hypercube, Sobol),
and the scenarios to play at each point.

A point fixes YAML paths. When every path is one of the scenario's uncertain parameters (a
distribution, so a parameter column of the compiled scenario), the points are `DesignPoints` of
the one compiled scenario: every point keeps every other parameter's draws, so points differ only
where the design says. Otherwise each point is the file with the values written in and compiled
anew (a distribution at such a path becomes the fixed number, so the parameter columns after it
draw from other uniforms: common random numbers hold for the stochastic draws, not for those
parameters).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dilemma_sim.engine.simulate import DesignPoints
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import InvalidInput
from dilemma_sim.executor import ScenarioRef

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
            raise InvalidInput(f"expected PATH=LO:HI:STEPS (e.g. parameters.rate=0.1:0.9:5), got {text!r}")
        try:
            low, high = float(m.group("lo")), float(m.group("hi"))
        except ValueError:
            raise InvalidInput(f"LO and HI must be numbers in {text!r}") from None
        steps = int(m.group("steps"))
        if steps < 1:
            raise InvalidInput(f"STEPS must be at least 1 in {text!r}")
        if not (math.isfinite(low) and math.isfinite(high)):
            raise InvalidInput(f"LO and HI must be finite in {text!r}")
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
        raise InvalidInput(f"unknown design {design!r}: use one of {', '.join(DESIGNS)}")
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


def point_scenarios(
    ref: ScenarioRef, paths: Sequence[str], values: np.ndarray
) -> tuple[CompiledScenario, DesignPoints] | list[CompiledScenario]:
    """What to play at each design point (rows of `values`, columns in `paths` order).

    `(scenario, DesignPoints)` when every path is an uncertain parameter of the scenario; else one
    compiled scenario per point, with the point's values written in.
    """
    cs = ref.compile()
    columns = {path: k for k, (path, _) in enumerate(cs.param_specs)}
    if all(p in columns for p in paths):
        return cs, DesignPoints(tuple(columns[p] for p in paths), np.asarray(values, dtype=np.float64))
    return [ref.with_overrides(dict(zip(paths, map(float, row), strict=True))).compile() for row in values]
