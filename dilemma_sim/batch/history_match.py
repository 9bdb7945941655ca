"""One wave of history matching: keep the parameter samples consistent with a scenario's observations.

`history_match` draws `samples` parameter vectors from the prior (sample `j` is the parameters run
`j` has in a plain batch) and plays each on the scenario's followed path with runs
`0 .. replicates - 1` (design points fixing every parameter column, so the samples share those
runs' random draws), so that for sample `j` and figure `k` it has the mean `E[jk]` and variance
`V[jk]` of the statistic given the parameters. The implausibility of the sample for the figure is

    I[jk] = |z[k] - E[jk]| / sqrt(var_obs[k] + V[jk] * (1 + 1/replicates))

(`var_obs` from the figure's uncertainty; `V / replicates` is the Monte Carlo error of `E`), and a
sample survives when its largest implausibility over the figures is below `cutoff` (3 by default,
Pukelsheim's three-sigma rule). This is one wave of history matching; its survivors bound the
region of parameter space not yet ruled out, and a second wave can be run on the variant that
`posterior.posterior_variant` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from dilemma_sim.batch.check import CheckReport, Target, compare, simulate_targets, targets_of
from dilemma_sim.engine import CompiledScenario, RunStreams
from dilemma_sim.engine.sampling import quantile, sample_parameters
from dilemma_sim.engine.simulate import DesignPoints
from dilemma_sim.errors import InvalidInput
from dilemma_sim.executor import Execution, StopFlag
from dilemma_sim.executor.run import SERIAL, Progress
from dilemma_sim.scenario.models import Normal, Uniform

Bounds = Literal["minmax", "p90"]
"""How the survivors give a parameter's new range: their min-max, or their 5-95% percentiles."""


@dataclass(frozen=True)
class ParameterRange:
    """One sampled parameter column: its prior, its survivors and the range a variant would give it."""

    path: str
    """YAML path of the number (`parameters.x`, `state.v.initial`, ...)."""
    prior: Any
    """The prior distribution (a `Uniform`, `Normal`, `Beta` or `Triangular`)."""
    prior_low: float
    """Lowest prior value: the support's bound, or the 0.5% quantile of an unbounded normal."""
    prior_high: float
    """Highest prior value: the support's bound, or the 99.5% quantile of an unbounded normal."""
    low: float
    """Survivors' minimum."""
    p5: float
    p50: float
    p95: float
    high: float
    """Survivors' maximum."""
    new_low: float
    """Lower bound the variant writes (survivors' min or 5%, per `Bounds`)."""
    new_high: float
    """Upper bound the variant writes."""

    @property
    def narrowed(self) -> bool:
        """Whether the new range is at most 90% as wide as the prior's (else the prior is kept)."""
        return self.new_high - self.new_low < 0.9 * (self.prior_high - self.prior_low)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "path": self.path,
            "prior": self.prior.model_dump(exclude_none=True),
            "prior_range": [self.prior_low, self.prior_high],
            "survivors": {"min": self.low, "p5": self.p5, "p50": self.p50, "p95": self.p95, "max": self.high},
            "new_range": [self.new_low, self.new_high],
            "narrowed": self.narrowed,
        }


@dataclass(frozen=True)
class FilterReport:
    """One wave of history matching: who survived, what it says about each parameter."""

    samples: int
    replicates: int
    cutoff: float
    bounds: Bounds
    survivors: int
    ruled_out_by: dict[str, int]
    """Observation id -> samples whose implausibility for it alone reaches the cutoff."""
    parameters: tuple[ParameterRange, ...]
    prior: CheckReport
    """The check over every run (the prior predictive)."""
    posterior: CheckReport | None
    """The check over the survivors' runs (None without survivors)."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "method": "history matching, max implausibility over observations",
            "samples": self.samples,
            "replicates": self.replicates,
            "cutoff": self.cutoff,
            "bounds": self.bounds,
            "survivors": self.survivors,
            "ruled_out_by": self.ruled_out_by,
            "parameters": [p.to_json() for p in self.parameters],
            "posterior_check": self.posterior.to_json() if self.posterior else None,
        }


def implausibility(values: np.ndarray, targets: tuple[Target, ...], replicates: int) -> np.ndarray:
    """(M, K) implausibility of each parameter sample for each figure, from values (M * R, K)."""
    k = len(targets)
    grouped = values.reshape(-1, replicates, k)
    mean = grouped.mean(axis=1)
    var = grouped.var(axis=1, ddof=1)
    observed = np.array([t.error.value for t in targets])
    var_obs = np.array([t.error.variance for t in targets])
    gap = np.abs(observed - mean)
    scale = np.sqrt(var_obs + var * (1.0 + 1.0 / replicates))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(scale > 0, gap / np.where(scale > 0, scale, 1.0), np.where(gap > 0, np.inf, 0.0))
    return np.asarray(out)


def prior_samples(cs: CompiledScenario, samples: int, seed: int) -> np.ndarray:
    """(M, P) parameter samples from the prior: sample `j` is what run `j` of a plain batch draws."""
    uniforms = RunStreams(seed, 0, samples, cs.n_params, 0, 0).parameter_uniforms
    return sample_parameters([spec for _, spec in cs.param_specs], uniforms)


def history_match(
    cs: CompiledScenario,
    samples: int = 500,
    replicates: int = 20,
    seed: int = 0,
    cutoff: float = 3.0,
    bounds: Bounds = "minmax",
    *,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> FilterReport:
    """One wave of history matching (module docstring); InvalidInput without observations."""
    if replicates < 2:
        raise InvalidInput("history matching needs at least 2 replicates per sample (to estimate variance)")
    targets = targets_of(cs.scenario)
    if cs.n_params == 0:
        raise InvalidInput(
            f"scenario '{cs.scenario_id}' has no uncertain number (no distribution), so there is nothing "
            "to filter; `check` without --filter compares its runs with the observations"
        )
    theta = prior_samples(cs, samples, seed)
    points = DesignPoints(tuple(range(cs.n_params)), theta)
    values, _ = simulate_targets(
        cs, targets, replicates, seed, points=points, execution=execution, stop=stop, progress=progress
    )
    imp = implausibility(values, targets, replicates)
    keep = imp.max(axis=1) < cutoff
    ruled_out = {t.id: int((imp[:, k] >= cutoff).sum()) for k, t in enumerate(targets)}
    ranges: tuple[ParameterRange, ...] = ()
    if keep.any():
        ranges = tuple(
            _parameter_range(path, spec, theta[keep, p], bounds)
            for p, (path, spec) in enumerate(cs.param_specs)
        )
    prior = compare(cs, targets, values, seed)
    posterior = None
    if keep.any():
        rows = np.repeat(keep, replicates)
        posterior = compare(cs, targets, values[rows], seed)
    return FilterReport(
        samples, replicates, cutoff, bounds, int(keep.sum()), ruled_out, ranges, prior, posterior
    )


def _parameter_range(path: str, spec: Any, kept: np.ndarray, bounds: Bounds) -> ParameterRange:
    lo, hi = _support(spec)
    p5, p50, p95 = (float(v) for v in np.quantile(kept, [0.05, 0.5, 0.95]))
    vmin, vmax = float(kept.min()), float(kept.max())
    new_lo, new_hi = (vmin, vmax) if bounds == "minmax" else (p5, p95)
    return ParameterRange(path, spec, lo, hi, vmin, p5, p50, p95, vmax, new_lo, new_hi)


def _support(spec: Any) -> tuple[float, float]:
    """The prior's range: its bounds, with 0.5% and 99.5% quantiles where a normal has none."""
    if isinstance(spec, Normal):
        tails = quantile(Normal(dist="normal", mean=spec.mean, sd=spec.sd), np.array([0.005, 0.995]))
        low = spec.low if spec.low is not None else float(tails[0])
        high = spec.high if spec.high is not None else float(tails[1])
        return float(low), float(high)
    if isinstance(spec, Uniform):
        return spec.low, spec.high
    return float(spec.low), float(spec.high)
