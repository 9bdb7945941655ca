"""Checking a scenario against what happened: replay the observed policy path and compare.

`check_scenario` plays the scenario's `observations.followed` strategies over many runs (parameters
sampled from their distributions as usual) and reports, per observed figure, the runs' distribution
of the same statistic over the same turns, where the figure falls in it and a calibration summary
(see `calibration` for the definitions).

`history_match` keeps the parameter samples consistent with the observations. It draws `samples`
parameter vectors from the prior and plays each `replicates` times (runs sharing parameters, see
`engine.simulate.start`), so that for sample `j` and figure `k` it has the mean `E[jk]` and variance
`V[jk]` of the statistic given the parameters. The implausibility of the sample for the figure is

    I[jk] = |z[k] - E[jk]| / sqrt(var_obs[k] + V[jk] * (1 + 1/replicates))

(`var_obs` from the figure's uncertainty; `V / replicates` is the Monte Carlo error of `E`), and a
sample survives when its largest implausibility over the figures is below `cutoff` (3 by default,
Pukelsheim's three-sigma rule). This is one wave of history matching; its survivors bound the
region of parameter space not yet ruled out, and a second wave can be run on the variant that
`posterior.posterior_variant` writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from dilemma_sim.batch.calibration import (
    ObservationError,
    calibrated_range,
    crps,
    percentile,
    predictive_quantiles,
)
from dilemma_sim.engine import BatchResult, CompiledScenario, iter_chunks
from dilemma_sim.engine.sampling import quantile
from dilemma_sim.errors import InvalidInput
from dilemma_sim.scenario.models import Normal, Scenario, Uniform
from dilemma_sim.scenario.observations import turns_of_period

Stat = Literal["total", "end", "mean"]
Bounds = Literal["minmax", "p90"]
"""How the survivors give a parameter's new range: their min-max, or their 5-95% percentiles."""
_TRAJECTORY_CHUNK = 4096
"""Runs per chunk when whole state trajectories are kept (level observations)."""


# --------------------------------------------------------------------------- what is observed


@dataclass(frozen=True)
class Target:
    """An observed figure resolved against the scenario: which column, which turns, which statistic."""

    id: str
    variable: str
    label: str
    """The variable's label, with its unit."""
    kind: Literal["level", "count"]
    stat: Stat
    period: str
    turns: tuple[int, ...]
    error: ObservationError
    source: str


def targets_of(scenario: Scenario) -> tuple[Target, ...]:
    """The scenario's observed figures in file order; InvalidInput when it declares none."""
    obs = scenario.observations
    if obs is None or not obs.data:
        raise InvalidInput(
            f"scenario '{scenario.id}' declares no observations, so there is nothing to check",
            hint="add `observations:` (see docs/format.md, 'Observations and check')",
        )
    out = []
    for obs_id, o in obs.data.items():
        var = scenario.state[o.variable]
        turns = turns_of_period(scenario.calendar, scenario.turns, str(o.period))
        if o.range is not None:
            error = ObservationError("uniform", o.central, low=o.range[0], high=o.range[1])
        elif o.error_sd > 0:
            error = ObservationError("normal", o.central, sd=o.error_sd)
        else:
            error = ObservationError("exact", o.central)
        label = f"{var.label} ({var.unit})" if var.unit else var.label
        stat = o.statistic(var.kind)
        out.append(
            Target(obs_id, o.variable, label, var.kind, stat, str(o.period), tuple(turns), error, o.source)
        )
    return tuple(out)


def followed_policies(scenario: Scenario) -> dict[str, str]:
    """Actor -> strategy id of the observed policy path (the other actors play their `policy:`)."""
    return dict(scenario.observations.followed) if scenario.observations else {}


# --------------------------------------------------------------------------- playing the runs


def _play(
    cs: CompiledScenario,
    runs: int,
    seed: int,
    policies: Mapping[str, str],
    *,
    replicates: int = 1,
    collect_turns: bool = False,
) -> Iterator[BatchResult]:
    """Every run `check` plays goes through here, chunk by chunk (one place to plug in an executor)."""
    chunk_runs = _TRAJECTORY_CHUNK if collect_turns else 65536
    yield from iter_chunks(
        cs, runs, seed, policies, chunk_runs=chunk_runs, collect_turns=collect_turns, replicates=replicates
    )


def simulate_targets(
    cs: CompiledScenario, targets: tuple[Target, ...], runs: int, seed: int, *, replicates: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """(values (N, K) of each target's statistic in each run, parameters (N, P)), on the followed path."""
    levels = any(t.kind == "level" for t in targets)
    policies = followed_policies(cs.scenario)
    values, params = [], []
    for chunk in _play(cs, runs, seed, policies, replicates=replicates, collect_turns=levels):
        values.append(statistics_of(cs, targets, chunk))
        params.append(chunk.params)
    return np.concatenate(values), np.concatenate(params)


def statistics_of(cs: CompiledScenario, targets: tuple[Target, ...], result: BatchResult) -> np.ndarray:
    """(N, K) each target's statistic in each run of `result` (a run that ended early counts 0s after)."""
    counts = [cs.state_names[int(i)] for i in cs.count_idx]
    out = np.empty((result.runs, len(targets)))
    for k, t in enumerate(targets):
        turns = list(t.turns)
        if t.kind == "count":
            series = result.counts_per_turn[:, turns, counts.index(t.variable)]
        else:
            assert result.trajectories is not None
            series = result.trajectories["state"][:, turns, cs.state_names.index(t.variable)]
        if t.stat == "total":
            out[:, k] = series.sum(axis=1)
        elif t.stat == "end":
            out[:, k] = series[:, -1]
        else:
            out[:, k] = series.mean(axis=1)
    return out


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class ObservationCheck:
    """One observed figure against the runs."""

    target: Target
    mean: float
    """Mean of the runs' statistic."""
    p5: float
    p50: float
    p95: float
    interval50: tuple[float, float]
    """Predictive 25-75% (runs plus observation error)."""
    interval90: tuple[float, float]
    """Predictive 5-95% (runs plus observation error)."""
    percentile: float
    """P(run <= true figure), 0-1 (see `calibration`)."""
    crps: float

    @property
    def inside50(self) -> bool:
        """Whether the figure is inside the predictive 50% interval."""
        return 0.25 <= self.percentile <= 0.75

    @property
    def inside90(self) -> bool:
        """Whether the figure is inside the predictive 90% interval."""
        return 0.05 <= self.percentile <= 0.95

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        t = self.target
        return {
            "id": t.id,
            "variable": t.variable,
            "stat": t.stat,
            "period": t.period,
            "turns": [t.turns[0], t.turns[-1]],
            "observed": t.error.value,
            "uncertainty": {
                "kind": t.error.kind,
                "sd": t.error.variance**0.5,
                **({"range": [t.error.low, t.error.high]} if t.error.kind == "uniform" else {}),
            },
            "source": t.source,
            "simulated": {"mean": self.mean, "p5": self.p5, "p50": self.p50, "p95": self.p95},
            "interval50": list(self.interval50),
            "interval90": list(self.interval90),
            "percentile": self.percentile,
            "inside50": self.inside50,
            "inside90": self.inside90,
            "crps": self.crps,
        }


@dataclass(frozen=True)
class Calibration:
    """How many figures fall inside the predictive intervals, against a calibrated model's count."""

    n: int
    inside50: int
    inside90: int
    expected50: float
    expected90: float
    plausible50: tuple[int, int]
    """5-95% range of `inside50` for a calibrated model with independent figures."""
    plausible90: tuple[int, int]
    """5-95% range of `inside90` for a calibrated model with independent figures."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "observations": self.n,
            "inside50": self.inside50,
            "expected50": self.expected50,
            "plausible50": list(self.plausible50),
            "inside90": self.inside90,
            "expected90": self.expected90,
            "plausible90": list(self.plausible90),
        }


@dataclass(frozen=True)
class CheckReport:
    """Every observed figure against the runs of the followed path, and the calibration summary."""

    scenario: str
    hash: str
    runs: int
    seed: int
    followed: dict[str, str]
    observations: tuple[ObservationCheck, ...]
    calibration: Calibration

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "scenario": self.scenario,
            "hash": self.hash,
            "runs": self.runs,
            "seed": self.seed,
            "followed": self.followed,
            "observations": [o.to_json() for o in self.observations],
            "calibration": self.calibration.to_json(),
        }


def compare(cs: CompiledScenario, targets: tuple[Target, ...], values: np.ndarray, seed: int) -> CheckReport:
    """The report of runs' statistics `values` (N, K) against the targets."""
    checks = []
    for k, t in enumerate(targets):
        y = values[:, k]
        p5, p50, p95 = (float(v) for v in np.quantile(y, [0.05, 0.5, 0.95]))
        q = predictive_quantiles(y, t.error, np.array([0.05, 0.25, 0.75, 0.95]))
        checks.append(
            ObservationCheck(
                t,
                float(y.mean()),
                p5,
                p50,
                p95,
                (float(q[1]), float(q[2])),
                (float(q[0]), float(q[3])),
                percentile(y, t.error),
                crps(y, t.error.value),
            )
        )
    n = len(checks)
    calibration = Calibration(
        n,
        sum(c.inside50 for c in checks),
        sum(c.inside90 for c in checks),
        0.5 * n,
        0.9 * n,
        calibrated_range(n, 0.5),
        calibrated_range(n, 0.9),
    )
    followed = followed_policies(cs.scenario)
    return CheckReport(
        cs.scenario_id, cs.scenario_hash, int(values.shape[0]), seed, followed, tuple(checks), calibration
    )


def check_scenario(cs: CompiledScenario, runs: int = 4000, seed: int = 0) -> CheckReport:
    """Replay the followed path `runs` times and compare every observed figure with the runs."""
    targets = targets_of(cs.scenario)
    values, _ = simulate_targets(cs, targets, runs, seed)
    return compare(cs, targets, values, seed)


# --------------------------------------------------------------------------- history matching


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


def history_match(
    cs: CompiledScenario,
    samples: int = 500,
    replicates: int = 20,
    seed: int = 0,
    cutoff: float = 3.0,
    bounds: Bounds = "minmax",
) -> FilterReport:
    """One wave of history matching (module docstring); InvalidInput without observations."""
    if replicates < 2:
        raise InvalidInput("history matching needs at least 2 replicates per sample (to estimate variance)")
    targets = targets_of(cs.scenario)
    values, params = simulate_targets(cs, targets, samples * replicates, seed, replicates=replicates)
    imp = implausibility(values, targets, replicates)
    keep = imp.max(axis=1) < cutoff
    ruled_out = {t.id: int((imp[:, k] >= cutoff).sum()) for k, t in enumerate(targets)}
    theta = params[::replicates]
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
