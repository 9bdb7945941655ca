"""The uncertainties of a robustness study and designs over them: which numbers vary, over which
range, and where the design points fall.

By default every uncertain parameter of the scenario varies (every parameter column: a number
written as a distribution). Its range is the distribution's support when it is bounded (uniform,
beta, triangular) and its 1st-99th percentile range when it is not (a normal, clipped to its own
`low`/`high` where it has them). `--param PATH=LO:HI` varies only the given YAML paths over the
given ranges instead; parameters it leaves out keep drawing from their distributions, run by run.

Points are drawn in the unit cube (Latin hypercube or scrambled Sobol, `scipy.stats.qmc`) and
mapped to values in one of two spaces:

* `range` (the default): uniform over each range. Robust decision making treats the
  uncertainties as deep: nobody trusts a probability over them, so every world in the plausible
  region counts the same and "share of points" means share of the region's volume.
* `prior`: through each distribution's quantile function (`engine.sampling.quantile`), so points
  are as likely as the scenario's own distributions say and shares are probabilities under them.
  `--param` ranges have no distribution: they are uniform in both spaces.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from dilemma_sim.engine.sampling import HALF_STEP, quantile
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import InvalidInput
from dilemma_sim.scenario.models import Beta, Normal, Triangular, Uniform

DESIGNS = ("lhs", "sobol")
SPACES = ("range", "prior")
TAIL = 0.01
"""Unbounded distributions vary between their TAIL and 1 - TAIL quantiles."""
_SPEC = re.compile(r"^(?P<path>[A-Za-z_][\w.\[\]-]*)=(?P<lo>[^:]+):(?P<hi>[^:]+)$")


@dataclass(frozen=True)
class Uncertainty:
    """One number the design varies: a YAML path, its range, and its distribution if it has one."""

    path: str
    low: float
    high: float
    dist: Uniform | Normal | Beta | Triangular | None = None
    """The scenario's distribution at this path (None for a `--param` range)."""

    @property
    def name(self) -> str:
        """Short name for tables: the last part of the path."""
        return self.path.split(".")[-1]

    @classmethod
    def parse(cls, text: str) -> Uncertainty:
        """`PATH=LO:HI` (InvalidInput with the expected form otherwise)."""
        m = _SPEC.match(text.strip())
        if not m:
            raise InvalidInput(f"expected PATH=LO:HI (e.g. parameters.lethality=4:6), got {text!r}")
        try:
            low, high = float(m.group("lo")), float(m.group("hi"))
        except ValueError:
            raise InvalidInput(f"LO and HI must be numbers in {text!r}") from None
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            raise InvalidInput(f"need finite LO < HI in {text!r}")
        return cls(m.group("path"), low, high)


def support(dist: Uniform | Normal | Beta | Triangular) -> tuple[float, float]:
    """The range a distribution varies over in a design (see the module docstring)."""
    if isinstance(dist, Normal):
        u = np.array([TAIL, 1 - TAIL])
        lo, hi = (float(v) for v in quantile(dist, u))
        return lo, hi
    return float(dist.low), float(dist.high)


def scenario_uncertainties(cs: CompiledScenario) -> tuple[Uncertainty, ...]:
    """Every parameter column of the scenario with a range of positive width, in column order."""
    out = []
    for path, dist in cs.param_specs:
        low, high = support(dist)
        if high > low:
            out.append(Uncertainty(path, low, high, dist))
    return tuple(out)


def uncertainties(cs: CompiledScenario, params: Sequence[str] | None = None) -> tuple[Uncertainty, ...]:
    """The scenario's uncertainties, or the `PATH=LO:HI` ranges given (a path at most once)."""
    if not params:
        found = scenario_uncertainties(cs)
        if not found:
            raise InvalidInput(
                f"scenario {cs.scenario_id!r} has no uncertain parameters: give --param PATH=LO:HI"
            )
        return found
    parsed = [Uncertainty.parse(p) for p in params]
    seen: set[str] = set()
    for u in parsed:
        if u.path in seen:
            raise InvalidInput(f"--param {u.path} is given twice")
        seen.add(u.path)
    return tuple(parsed)


def unit_design(k: int, n: int, design: str = "lhs", seed: int = 0) -> np.ndarray:
    """(n, k) points in the open unit cube; Sobol rounds n up to a power of two (its balance needs it)."""
    if design not in DESIGNS:
        raise InvalidInput(f"unknown design {design!r}: use one of {', '.join(DESIGNS)}")
    n = max(2, int(n))
    rng = np.random.default_rng(seed)
    if design == "sobol":
        unit = qmc.Sobol(k, scramble=True, seed=rng).random_base2(math.ceil(math.log2(n)))
    else:
        unit = qmc.LatinHypercube(k, seed=rng).random(n)
    return np.clip(np.asarray(unit, dtype=np.float64), HALF_STEP, 1.0 - HALF_STEP)


def to_values(uncs: Sequence[Uncertainty], unit: np.ndarray, space: str = "range") -> np.ndarray:
    """Unit-cube points (n, k) as parameter values (n, k) in the given space."""
    if space not in SPACES:
        raise InvalidInput(f"unknown space {space!r}: use one of {', '.join(SPACES)}")
    out = np.empty_like(unit, dtype=np.float64)
    for j, u in enumerate(uncs):
        col = unit[:, j]
        if space == "prior" and u.dist is not None:
            out[:, j] = quantile(u.dist, col)
        else:
            out[:, j] = u.low + col * (u.high - u.low)
    return out
